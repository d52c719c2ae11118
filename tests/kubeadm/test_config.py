"""The generated kubeadm configuration, checked field by field against the published API.

Field names and nesting come from the reference pages
https://kubernetes.io/docs/reference/config-api/kubeadm-config.v1beta4/ and
https://kubernetes.io/docs/reference/config-api/kubeadm-config.v1beta3/ (the json tags of
cmd/kubeadm/app/apis/kubeadm/{v1beta4,v1beta3}/types.go), and
https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/ for the kubelet.
"""

from __future__ import annotations

import dataclasses

import pytest
import yaml

from wizard.kube.versions import SUPPORTED_MINORS, config_api_version
from wizard.kubeadm.config import (
    HIDDEN,
    InvalidConfig,
    KubeadmConfigParams,
    build_documents,
    diff_against,
    kubeadm_command,
    render_yaml,
    validate,
)

TOKEN = "abcdef.0123456789abcdef"
CA_HASH = "sha256:" + "0123456789abcdef" * 4
CERT_KEY = "f" * 64

# Every field each type publishes, nested types by name. A generated key outside these sets
# would be an unknown field that kubeadm's strict decoding rejects or ignores.
_V1BETA4_NODE_REGISTRATION = {
    "name", "criSocket", "taints", "kubeletExtraArgs", "ignorePreflightErrors",
    "imagePullPolicy", "imagePullSerial",
}  # fmt: skip
_V1BETA4_TIMEOUTS = {
    "controlPlaneComponentHealthCheck", "kubeletHealthCheck", "kubernetesAPICall",
    "etcdAPICall", "tlsBootstrap", "discovery", "upgradeManifests",
}  # fmt: skip
_API_ENDPOINT = {"advertiseAddress", "bindPort"}
_NETWORKING = {"serviceSubnet", "podSubnet", "dnsDomain"}
_BOOTSTRAP_TOKEN = {"token", "description", "ttl", "expires", "usages", "groups"}
_BOOTSTRAP_TOKEN_DISCOVERY = {
    "token",
    "apiServerEndpoint",
    "caCertHashes",
    "unsafeSkipCAVerification",
}
_TYPE_META = {"apiVersion", "kind"}

V1BETA4 = {
    "InitConfiguration": _TYPE_META | {
        "bootstrapTokens", "dryRun", "nodeRegistration", "localAPIEndpoint", "certificateKey",
        "skipPhases", "patches", "timeouts",
    },
    "ClusterConfiguration": _TYPE_META | {
        "etcd", "networking", "kubernetesVersion", "controlPlaneEndpoint", "apiServer",
        "controllerManager", "scheduler", "dns", "proxy", "certificatesDir", "imageRepository",
        "featureGates", "clusterName", "encryptionAlgorithm", "certificateValidityPeriod",
        "caCertificateValidityPeriod",
    },
    "JoinConfiguration": _TYPE_META | {
        "dryRun", "nodeRegistration", "caCertPath", "discovery", "controlPlane", "skipPhases",
        "patches", "timeouts",
    },
    "nodeRegistration": _V1BETA4_NODE_REGISTRATION,
    "localAPIEndpoint": _API_ENDPOINT,
    "networking": _NETWORKING,
    "timeouts": _V1BETA4_TIMEOUTS,
    "bootstrapTokens": _BOOTSTRAP_TOKEN,
    "discovery": {"bootstrapToken", "file", "tlsBootstrapToken"},
    "bootstrapToken": _BOOTSTRAP_TOKEN_DISCOVERY,
    "controlPlane": {"localAPIEndpoint", "certificateKey"},
    "kubeletExtraArgs": {"name", "value"},  # v1beta4 Arg
}  # fmt: skip

V1BETA3 = {
    "InitConfiguration": _TYPE_META | {
        "bootstrapTokens", "nodeRegistration", "localAPIEndpoint", "certificateKey",
        "skipPhases", "patches",
    },
    "ClusterConfiguration": _TYPE_META | {
        "etcd", "networking", "kubernetesVersion", "controlPlaneEndpoint", "apiServer",
        "controllerManager", "scheduler", "dns", "certificatesDir", "imageRepository",
        "featureGates", "clusterName",
    },
    "JoinConfiguration": _TYPE_META | {
        "nodeRegistration", "caCertPath", "discovery", "controlPlane", "skipPhases", "patches",
    },
    "nodeRegistration": _V1BETA4_NODE_REGISTRATION - {"imagePullSerial"},
    "localAPIEndpoint": _API_ENDPOINT,
    "networking": _NETWORKING,
    "apiServer": {"extraArgs", "extraVolumes", "certSANs", "timeoutForControlPlane"},
    "bootstrapTokens": _BOOTSTRAP_TOKEN,
    "discovery": {"bootstrapToken", "file", "tlsBootstrapToken", "timeout"},
    "bootstrapToken": _BOOTSTRAP_TOKEN_DISCOVERY,
    "controlPlane": {"localAPIEndpoint", "certificateKey"},
}  # fmt: skip

KUBELET_FIELDS_USED = _TYPE_META | {"cgroupDriver", "failSwapOn", "failCgroupV1"}


def _assert_published(schema: dict[str, set[str]], node: object, name: str) -> None:
    """Every key in node (recursively) is a field the published type has."""
    if isinstance(node, list):
        for item in node:
            _assert_published(schema, item, name)
        return
    if not isinstance(node, dict) or name not in schema:
        return
    unknown = set(node) - schema[name]
    assert not unknown, f"{name} has fields the API does not publish: {unknown}"
    for key, value in node.items():
        _assert_published(schema, value, key)


def _check_against_api(docs: list[dict]) -> None:
    for doc in docs:
        if doc["apiVersion"] == "kubelet.config.k8s.io/v1beta1":
            assert set(doc) <= KUBELET_FIELDS_USED
            continue
        schema = V1BETA4 if doc["apiVersion"] == "kubeadm.k8s.io/v1beta4" else V1BETA3
        _assert_published(schema, doc, doc["kind"])


def init_params(**changes) -> KubeadmConfigParams:
    base = KubeadmConfigParams(
        role="init",
        kubeadm_minor=36,
        kubernetes_version="v1.36.1",
        node_name="pi-cp-1",
        advertise_address="192.168.1.10",
        node_ip="192.168.1.10",
        control_plane_endpoint="k8s-api.lan:6443",
        pod_subnet="10.244.0.0/16",
    )
    return dataclasses.replace(base, **changes)


def join_params(**changes) -> KubeadmConfigParams:
    base = KubeadmConfigParams(
        role="join",
        kubeadm_minor=36,
        node_name="pi-w-1",
        node_ip="192.168.1.20",
        join_endpoint="k8s-api.lan:6443",
        token=TOKEN,
        ca_cert_hashes=(CA_HASH,),
    )
    return dataclasses.replace(base, **changes)


def _by_kind(docs: list[dict]) -> dict[str, dict]:
    return {doc["kind"]: doc for doc in docs}


class TestInitV1beta4:
    def test_three_documents_in_order(self):
        docs = build_documents(init_params())
        assert [d["kind"] for d in docs] == [
            "InitConfiguration",
            "ClusterConfiguration",
            "KubeletConfiguration",
        ]
        assert [d["apiVersion"] for d in docs] == [
            "kubeadm.k8s.io/v1beta4",
            "kubeadm.k8s.io/v1beta4",
            "kubelet.config.k8s.io/v1beta1",
        ]
        _check_against_api(docs)

    def test_init_configuration_fields(self):
        init = build_documents(init_params())[0]
        assert init["nodeRegistration"] == {
            "name": "pi-cp-1",
            "criSocket": "unix:///var/run/containerd/containerd.sock",
            # v1beta4: kubeletExtraArgs is a list of {name, value} ("Arg").
            "kubeletExtraArgs": [{"name": "node-ip", "value": "192.168.1.10"}],
        }
        assert init["localAPIEndpoint"] == {"advertiseAddress": "192.168.1.10", "bindPort": 6443}
        assert "bootstrapTokens" not in init  # kubeadm generates one when none is given
        assert "certificateKey" not in init
        assert "timeouts" not in init

    def test_cluster_configuration_fields(self):
        cluster = build_documents(init_params(service_subnet="10.96.0.0/16"))[1]
        assert cluster["kubernetesVersion"] == "v1.36.1"
        assert cluster["controlPlaneEndpoint"] == "k8s-api.lan:6443"
        assert cluster["networking"] == {
            "podSubnet": "10.244.0.0/16",
            "serviceSubnet": "10.96.0.0/16",
            "dnsDomain": "cluster.local",
        }
        assert "apiServer" not in cluster

    def test_kubernetes_version_is_normalised(self):
        cluster = build_documents(init_params(kubernetes_version="1.36.1"))[1]
        assert cluster["kubernetesVersion"] == "v1.36.1"

    def test_kubelet_configuration_only_says_what_was_chosen(self):
        kubelet = build_documents(init_params())[2]
        assert kubelet == {
            "apiVersion": "kubelet.config.k8s.io/v1beta1",
            "kind": "KubeletConfiguration",
            "cgroupDriver": "systemd",
        }
        chosen = build_documents(init_params(fail_swap_on=False, fail_cgroup_v1=False))[2]
        assert chosen["failSwapOn"] is False
        assert chosen["failCgroupV1"] is False

    def test_timeouts_moved_to_init_configuration(self):
        init, cluster, _ = build_documents(init_params(control_plane_timeout="8m0s"))
        assert init["timeouts"] == {"controlPlaneComponentHealthCheck": "8m0s"}
        assert "apiServer" not in cluster

    def test_optional_fields_left_to_kubeadm(self):
        params = init_params(
            node_name=None, advertise_address=None, node_ip=None, control_plane_endpoint=None
        )
        init, cluster, _ = build_documents(dataclasses.replace(params, pod_subnet=None))
        assert init["nodeRegistration"] == {
            "criSocket": "unix:///var/run/containerd/containerd.sock"
        }
        assert init["localAPIEndpoint"] == {"bindPort": 6443}
        assert "controlPlaneEndpoint" not in cluster
        assert "podSubnet" not in cluster["networking"]

    def test_upload_certs_with_a_known_key_and_token(self):
        params = init_params(upload_certs=True, certificate_key=CERT_KEY, token=TOKEN)
        init = build_documents(params, include_secrets=True)[0]
        assert init["certificateKey"] == CERT_KEY
        assert init["bootstrapTokens"] == [{"token": TOKEN, "ttl": "24h"}]
        _check_against_api(build_documents(params))


class TestInitV1beta3:
    def test_kubeadm_130_gets_v1beta3_with_map_extra_args(self):
        docs = build_documents(init_params(kubeadm_minor=30, kubernetes_version="v1.30.4"))
        _check_against_api(docs)
        init, cluster, _ = docs
        assert init["apiVersion"] == cluster["apiVersion"] == "kubeadm.k8s.io/v1beta3"
        # v1beta3: kubeletExtraArgs is map[string]string.
        assert init["nodeRegistration"]["kubeletExtraArgs"] == {"node-ip": "192.168.1.10"}

    def test_timeout_lives_on_the_api_server(self):
        params = init_params(
            kubeadm_minor=30, kubernetes_version="v1.30.4", control_plane_timeout="8m0s"
        )
        init, cluster, _ = build_documents(params)
        assert cluster["apiServer"] == {"timeoutForControlPlane": "8m0s"}
        assert "timeouts" not in init

    def test_operator_may_keep_v1beta3_on_kubeadm_136(self):
        docs = build_documents(init_params(api_version="kubeadm.k8s.io/v1beta3"))
        assert docs[0]["apiVersion"] == "kubeadm.k8s.io/v1beta3"
        _check_against_api(docs)


class TestJoin:
    def test_worker_join_v1beta4(self):
        docs = build_documents(join_params(), include_secrets=True)
        assert [d["kind"] for d in docs] == ["JoinConfiguration"]  # kubeadm#2008
        _check_against_api(docs)
        (join,) = docs
        assert join["apiVersion"] == "kubeadm.k8s.io/v1beta4"
        assert join["nodeRegistration"]["kubeletExtraArgs"] == [
            {"name": "node-ip", "value": "192.168.1.20"}
        ]
        assert join["discovery"] == {
            "bootstrapToken": {
                "apiServerEndpoint": "k8s-api.lan:6443",
                "token": TOKEN,
                "caCertHashes": [CA_HASH],
            }
        }
        assert "controlPlane" not in join

    def test_worker_join_v1beta3(self):
        (join,) = build_documents(join_params(kubeadm_minor=30))
        _check_against_api([join])
        assert join["apiVersion"] == "kubeadm.k8s.io/v1beta3"
        assert join["nodeRegistration"]["kubeletExtraArgs"] == {"node-ip": "192.168.1.20"}

    def test_control_plane_join(self):
        params = join_params(
            control_plane_join=True,
            advertise_address="192.168.1.11",
            certificate_key=CERT_KEY,
            control_plane_timeout="8m0s",
        )
        (join,) = build_documents(params, include_secrets=True)
        _check_against_api([join])
        assert join["controlPlane"] == {
            "localAPIEndpoint": {"advertiseAddress": "192.168.1.11", "bindPort": 6443},
            "certificateKey": CERT_KEY,
        }
        assert join["timeouts"] == {"controlPlaneComponentHealthCheck": "8m0s"}

    def test_swap_choice_travels_as_a_kubelet_flag(self):
        (join,) = build_documents(join_params(fail_swap_on=False))
        assert {"name": "fail-swap-on", "value": "false"} in join["nodeRegistration"][
            "kubeletExtraArgs"
        ]


class TestSecrets:
    def test_hidden_by_default(self):
        init_docs = build_documents(
            init_params(upload_certs=True, certificate_key=CERT_KEY, token=TOKEN)
        )
        join_docs = build_documents(join_params(control_plane_join=True, certificate_key=CERT_KEY))
        text = render_yaml(init_docs) + render_yaml(join_docs)
        assert TOKEN not in text
        assert CERT_KEY not in text
        assert text.count(HIDDEN) == 4
        assert CA_HASH in text  # a hash of a public key: the operator needs to see it

    def test_shown_only_on_request(self):
        docs = build_documents(join_params(), include_secrets=True)
        assert TOKEN in render_yaml(docs)


class TestRenderYaml:
    def test_round_trips_through_safe_load(self):
        docs = build_documents(init_params(fail_swap_on=False))
        text = render_yaml(docs)
        assert list(yaml.safe_load_all(text)) == docs
        assert "!!" not in text

    def test_documents_are_separated_and_keys_keep_their_order(self):
        text = render_yaml(build_documents(init_params()))
        assert text.count("\n---\n") == 2
        for chunk in text.split("---\n"):
            assert chunk.startswith("apiVersion: ")
            assert chunk.splitlines()[1].startswith("kind: ")

    def test_stable_output(self):
        assert render_yaml(build_documents(init_params())) == render_yaml(
            build_documents(init_params())
        )

    def test_string_values_stay_strings(self):
        (join,) = yaml.safe_load_all(render_yaml(build_documents(join_params(fail_swap_on=True))))
        values = [arg["value"] for arg in join["nodeRegistration"]["kubeletExtraArgs"]]
        assert values == ["192.168.1.20", "true"]


class TestValidate:
    def test_valid_configurations_have_no_problems(self):
        assert validate(init_params()) == []
        assert validate(join_params()) == []

    def test_source_tutorial_v1beta3_with_v1_21_is_refused_naming_both(self):
        # The 2022 tutorial: apiVersion kubeadm.k8s.io/v1beta3 with kubernetesVersion v1.21.0.
        params = init_params(api_version="kubeadm.k8s.io/v1beta3", kubernetes_version="v1.21.0")
        (reason,) = validate(params)
        assert "kubeadm.k8s.io/v1beta3" in reason
        assert "v1.21.0" in reason
        assert "1.22" in reason  # the only kubeadm that accepted the pair

    def test_v1beta3_on_kubeadm_137(self):
        params = init_params(
            kubeadm_minor=37, kubernetes_version="v1.37.0", api_version="kubeadm.k8s.io/v1beta3"
        )
        (reason,) = validate(params)
        assert "no longer reads kubeadm.k8s.io/v1beta3" in reason
        assert "kubeadm.k8s.io/v1beta4" in reason

    def test_v1beta2_is_long_gone(self):
        (reason,) = validate(init_params(api_version="kubeadm.k8s.io/v1beta2"))
        assert "1.26 was the last" in reason

    def test_v1beta4_needs_kubeadm_131(self):
        params = init_params(
            kubeadm_minor=30, kubernetes_version="v1.30.4", api_version="kubeadm.k8s.io/v1beta4"
        )
        (reason,) = validate(params)
        assert "arrived in kubeadm 1.31" in reason

    def test_unknown_api_version(self):
        assert (
            "not a kubeadm configuration apiVersion"
            in validate(init_params(api_version="kubeadm.k8s.io/v2"))[0]
        )

    @pytest.mark.parametrize(
        ("version", "says"),
        [
            ("v1.34.3", "outside what kubeadm 1.36 deploys"),
            ("v1.37.0", "outside what kubeadm 1.36 deploys"),
            ("v1.36", "needs a patch release"),
            ("stable-1.36", "explicit version"),
            (None, "required"),
        ],
    )
    def test_kubernetes_version(self, version, says):
        (reason,) = validate(init_params(kubernetes_version=version))
        assert says in reason

    def test_previous_minor_is_fine(self):
        assert validate(init_params(kubernetes_version="v1.35.4")) == []

    @pytest.mark.parametrize(
        ("changes", "says"),
        [
            ({"pod_subnet": "10.96.0.0/16"}, "overlap"),
            ({"pod_subnet": "10.0.0.0/8"}, "overlap"),  # Cilium's default pool holds 10.96/12
            ({"pod_subnet": "10.244.0.0/33"}, "not a CIDR"),
            ({"pod_subnet": "banana/16"}, "not a CIDR"),
            ({"pod_subnet": "10.244.1.0/16"}, "did you mean 10.244.0.0/16"),
            ({"pod_subnet": "10.244.0.0/25"}, "smaller than the /24"),
            ({"service_subnet": "10.96.0.0"}, "needs a prefix length"),
            ({"service_subnet": "10.0.0.0/8"}, "too large"),
            ({"pod_subnet": "10.244.0.0/16,10.245.0.0/16"}, "one IPv4 and one IPv6"),
            ({"advertise_address": "cp.lan"}, "not an IP address"),
            ({"node_ip": "192.168.1"}, "not an IP address"),
            ({"control_plane_endpoint": "bad_host:6443"}, "neither an IP address nor a DNS name"),
            ({"control_plane_endpoint": "k8s-api.lan:99999"}, "not a TCP port"),
            ({"node_name": "Pi_CP"}, "lowercase DNS name"),
            ({"dns_domain": "Cluster Local"}, "not a valid DNS name"),
            ({"cri_socket": "/run/containerd/containerd.sock"}, "unix://"),
            ({"cgroup_driver": "cgroupv2"}, "'systemd' or 'cgroupfs'"),
            ({"token": "ABCDEF.0123456789abcdef"}, "Bootstrap tokens are lower case"),
            ({"upload_certs": True, "control_plane_endpoint": None}, "controlPlaneEndpoint"),
            ({"certificate_key": CERT_KEY}, "upload-certs phase"),
            ({"upload_certs": True, "certificate_key": "abc"}, "needs 64 hex digits, not 3"),
            ({"control_plane_timeout": "8 minutes"}, "not a duration"),
            ({"bind_port": 0}, "not a TCP port"),
            ({"ca_cert_hashes": (CA_HASH,)}, "belong to a join"),
        ],
    )
    def test_init_refusals(self, changes, says):
        problems = validate(init_params(**changes))
        assert any(says in p for p in problems), problems

    def test_node_ip_may_be_a_dual_stack_pair(self):
        assert validate(init_params(node_ip="192.168.1.10,fd00::10")) == []
        assert any("IPv4,IPv6 pair" in p for p in validate(init_params(node_ip="pi.lan")))

    def test_fail_cgroup_v1_needs_kubelet_131(self):
        params = init_params(kubeadm_minor=30, kubernetes_version="v1.30.4", fail_cgroup_v1=False)
        assert any("gained it in 1.31" in p for p in validate(params))

    def test_dual_stack_and_ipv6(self):
        params = init_params(
            pod_subnet="10.244.0.0/16,fd00:10:244::/56",
            service_subnet="10.96.0.0/12,fd00:10:96::/112",
            control_plane_endpoint="[fd00::10]:6443",
        )
        assert validate(params) == []
        overlapping = dataclasses.replace(params, pod_subnet="10.244.0.0/16,fd00:10:96::/64")
        assert any("overlap" in p for p in validate(overlapping))

    @pytest.mark.parametrize(
        ("changes", "says"),
        [
            ({"token": None}, "needs the bootstrap token"),
            ({"token": "abcdef.0123"}, "6 lower-case letters or digits, a dot, then 16"),
            ({"ca_cert_hashes": ()}, "at least one --discovery-token-ca-cert-hash"),
            ({"ca_cert_hashes": ("sha1:abcd",)}, "must start with 'sha256:'"),
            ({"ca_cert_hashes": ("sha256:" + "0" * 63,)}, "needs 64 hex digits, not 63"),
            ({"join_endpoint": None}, "API server endpoint"),
            ({"join_endpoint": "k8s-api.lan"}, "needs a port"),
            ({"certificate_key": CERT_KEY}, "control-plane node"),
            ({"control_plane_join": True, "certificate_key": "xyz"}, "only hex digits"),
            ({"upload_certs": True}, "part of kubeadm init"),
            ({"fail_cgroup_v1": False}, "kubelet-config ConfigMap"),
            ({"cgroup_driver": "cgroupfs"}, "kubelet-config ConfigMap"),
            ({"control_plane_timeout": "8m0s"}, "only applies to nodes that run a control plane"),
        ],
    )
    def test_join_refusals(self, changes, says):
        problems = validate(join_params(**changes))
        assert any(says in p for p in problems), problems

    def test_v1beta3_control_plane_join_has_no_timeout_field(self):
        params = join_params(
            kubeadm_minor=30, control_plane_join=True, control_plane_timeout="8m0s"
        )
        assert any("v1beta3 has no per-join" in p for p in validate(params))

    def test_bad_role_and_ancient_kubeadm(self):
        assert "role must be" in validate(init_params(role="reset"))[0]
        assert "too old" in validate(init_params(kubeadm_minor=21))[0]

    def test_token_is_not_echoed_whole_in_the_reason(self):
        bad = "abcdef.0123456789ABCDEF"
        assert all(bad not in p for p in validate(join_params(token=bad)))

    def test_build_refuses_invalid_params(self):
        with pytest.raises(InvalidConfig) as caught:
            build_documents(init_params(pod_subnet="10.96.0.0/16", advertise_address="x"))
        assert len(caught.value.problems) == 2


@pytest.mark.parametrize("minor", SUPPORTED_MINORS)
def test_every_supported_minor_builds_in_its_api_version(minor):
    init = init_params(kubeadm_minor=minor, kubernetes_version=f"v1.{minor}.0")
    join = join_params(kubeadm_minor=minor)
    for docs in (build_documents(init), build_documents(join)):
        _check_against_api(docs)
        assert docs[0]["apiVersion"] == config_api_version(minor)


def test_kubeadm_command():
    assert kubeadm_command(init_params(), "/etc/kubeadm.yaml") == [
        "kubeadm",
        "init",
        "--config",
        "/etc/kubeadm.yaml",
    ]
    assert kubeadm_command(init_params(upload_certs=True), "k.yaml")[-1] == "--upload-certs"
    assert kubeadm_command(join_params(), "k.yaml") == ["kubeadm", "join", "--config", "k.yaml"]


class TestDiff:
    def test_identical_configs_have_no_diff(self):
        text = render_yaml(build_documents(init_params()))
        assert diff_against(text, text) == ""

    def test_changed_line_is_shown(self):
        old = render_yaml(build_documents(init_params()))
        new = render_yaml(build_documents(init_params(pod_subnet="10.245.0.0/16")))
        diff = diff_against(old, new)
        assert diff.startswith("--- current\n+++ proposed\n")
        assert "-  podSubnet: 10.244.0.0/16\n" in diff
        assert "+  podSubnet: 10.245.0.0/16\n" in diff
