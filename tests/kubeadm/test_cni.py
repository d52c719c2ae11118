"""Pod network add-ons: defaults, install commands and pod-range disagreements with kubeadm."""

from __future__ import annotations

import ipaddress

import pytest

from wizard.kubeadm.cni import (
    CALICO_VERSION,
    CILIUM_VERSION,
    CNI_PLUGINS,
    FLANNEL_VERSION,
    cni_subnet_warning,
    get_cni,
    install_commands,
)
from wizard.kubeadm.config import KubeadmConfigParams, validate

FLANNEL = get_cni("flannel")
CALICO = get_cni("calico")
CILIUM = get_cni("cilium")


def test_defaults_match_each_projects_documentation():
    # Flannel: net-conf.json Network; Calico: CALICO_IPV4POOL_CIDR default; Cilium: Helm value
    # ipam.operator.clusterPoolIPv4PodCIDRList default.
    assert FLANNEL.default_pod_subnet == "10.244.0.0/16"
    assert CALICO.default_pod_subnet == "192.168.0.0/16"
    assert CILIUM.default_pod_subnet == "10.0.0.0/8"
    for plugin in CNI_PLUGINS.values():
        ipaddress.ip_network(plugin.default_pod_subnet)  # strict: no host bits


def test_only_flannel_needs_br_netfilter():
    # kubeadm stopped checking bridge-nf-call-iptables in 1.30; Flannel bridges pods on cni0.
    assert {key for key, p in CNI_PLUGINS.items() if p.needs_br_netfilter} == {"flannel"}


def test_unknown_cni_names_the_choices():
    with pytest.raises(KeyError, match="flannel, calico, cilium"):
        get_cni("weave")


class TestInstallCommands:
    def test_manifests_are_pinned_and_applied_with_kubectl(self):
        assert install_commands(FLANNEL, "10.244.0.0/16") == [
            [
                "kubectl",
                "apply",
                "-f",
                f"https://github.com/flannel-io/flannel/releases/download/{FLANNEL_VERSION}/kube-flannel.yml",
            ]
        ]
        assert install_commands(CALICO, None) == [
            [
                "kubectl",
                "apply",
                "-f",
                f"https://raw.githubusercontent.com/projectcalico/calico/{CALICO_VERSION}/manifests/calico.yaml",
            ]
        ]

    def test_cilium_pool_follows_kubeadm_pod_subnet(self):
        repo, install = install_commands(CILIUM, "10.244.0.0/16")
        assert repo == ["helm", "repo", "add", "cilium", "https://helm.cilium.io/"]
        assert install[:4] == ["helm", "install", "cilium", "cilium/cilium"]
        assert install[install.index("--version") + 1] == CILIUM_VERSION
        assert install[install.index("--namespace") + 1] == "kube-system"
        assert install[-2:] == ["--set", "ipam.operator.clusterPoolIPv4PodCIDRList={10.244.0.0/16}"]

    def test_cilium_takes_the_ipv4_half_of_a_dual_stack_subnet(self):
        _, install = install_commands(CILIUM, "10.244.0.0/16,fd00:10:244::/56")
        assert install[-1] == "ipam.operator.clusterPoolIPv4PodCIDRList={10.244.0.0/16}"

    def test_cilium_without_subnet_keeps_its_default(self):
        _, install = install_commands(CILIUM, None)
        assert "--set" not in install


class TestSubnetWarnings:
    def test_flannel_needs_its_subnet(self):
        assert cni_subnet_warning(FLANNEL, "10.244.0.0/16") is None
        assert "needs podSubnet" in cni_subnet_warning(FLANNEL, None)
        warning = cni_subnet_warning(FLANNEL, "10.245.0.0/16")
        assert "10.244.0.0/16" in warning and "10.245.0.0/16" in warning
        assert "net-conf.json" in warning

    def test_calico_follows_kubeadm(self):
        # The manifest detects a kubeadm podSubnet, so any valid range works.
        assert cni_subnet_warning(CALICO, "192.168.0.0/16") is None
        assert cni_subnet_warning(CALICO, "10.244.0.0/16") is None
        assert "192.168.0.0/16" in cni_subnet_warning(CALICO, None)

    def test_cilium_default_pool_contains_the_service_range(self):
        warning = cni_subnet_warning(CILIUM, None)
        assert "10.0.0.0/8" in warning and "10.96.0.0/12" in warning
        assert cni_subnet_warning(CILIUM, "10.244.0.0/16") is None
        assert cni_subnet_warning(CILIUM, "fd00:10:244::/56") is not None

    def test_the_overlap_cilium_warns_about_is_one_kubeadm_config_refuses(self):
        params = KubeadmConfigParams(
            role="init",
            kubeadm_minor=36,
            kubernetes_version="v1.36.0",
            pod_subnet=CILIUM.default_pod_subnet,
        )
        assert any("overlap" in problem for problem in validate(params))

    @pytest.mark.parametrize("key", sorted(CNI_PLUGINS))
    def test_each_default_subnet_is_accepted_by_its_own_plugin(self, key):
        plugin = CNI_PLUGINS[key]
        if key == "cilium":
            return  # 10.0.0.0/8 is deliberately not used as a podSubnet (see above)
        assert cni_subnet_warning(plugin, plugin.default_pod_subnet) is None
