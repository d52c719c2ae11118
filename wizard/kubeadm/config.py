"""The kubeadm configuration file the wizard writes for `kubeadm init|join --config`.

The documents follow the published API of the config version the installed kubeadm reads:
https://kubernetes.io/docs/reference/config-api/kubeadm-config.v1beta4/ (kubeadm 1.31+) and
https://kubernetes.io/docs/reference/config-api/kubeadm-config.v1beta3/ (kubeadm 1.22–1.36), plus
https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/ for KubeletConfiguration.

validate() refuses what kubeadm would refuse, and says why in words an operator can act on;
build_documents() only ever renders a configuration that passed it.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml

from wizard.kube.versions import (
    KubeVersion,
    Role,
    VersionError,
    config_api_span,
    config_api_version,
    config_api_versions_accepted,
)
from wizard.kubeadm.join_command import (
    validate_ca_cert_hash,
    validate_certificate_key,
    validate_token,
)

KUBELET_CONFIG_API = "kubelet.config.k8s.io/v1beta1"
DEFAULT_CRI_SOCKET = "unix:///var/run/containerd/containerd.sock"
HIDDEN = "<hidden>"
"""What a secret is replaced with unless the caller asks for the real value."""

Document = dict[str, Any]

# A Go time.Duration as metav1.Duration parses it, e.g. "4m0s" or "90s".
_DURATION_RE = re.compile(r"(?:\d+(?:\.\d+)?(?:h|m|s|ms|us|ns))+")
_DNS_LABEL = r"[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?"
_DNS_SUBDOMAIN_RE = re.compile(rf"{_DNS_LABEL}(?:\.{_DNS_LABEL})*")

# kube-controller-manager gives each node a /24 (IPv4) or /64 (IPv6) out of podSubnet by default,
# and kubeadm refuses a podSubnet smaller than that; kubeadm also caps serviceSubnet at 20 host
# bits (MaximumBitsForServiceSubnet), i.e. /12 for IPv4 and /108 for IPv6.
_NODE_MASK = {4: 24, 6: 64}
_SMALLEST_SERVICE_PREFIX = {4: 12, 6: 108}

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class InvalidConfig(ValueError):
    """Raised by build_documents() when validate() found problems; .problems lists them."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class KubeadmConfigParams:
    """Everything the operator decided that ends up in the kubeadm configuration file.

    Optional fields left as None are not written, so kubeadm applies its own default and the
    file shows only what was chosen. fail_swap_on and fail_cgroup_v1 follow the same rule: they
    appear only when the operator made a choice. At init they go into the KubeletConfiguration,
    which kubeadm stores in the kubelet-config ConfigMap that every later joining node inherits.
    """

    role: Role
    kubeadm_minor: int
    kubernetes_version: str | None = None  # full release for init, e.g. "v1.36.1"
    node_name: str | None = None
    advertise_address: str | None = None
    bind_port: int = 6443
    cri_socket: str = DEFAULT_CRI_SOCKET
    node_ip: str | None = None
    control_plane_endpoint: str | None = None
    pod_subnet: str | None = None
    service_subnet: str = "10.96.0.0/12"
    dns_domain: str = "cluster.local"
    cgroup_driver: str = "systemd"
    fail_swap_on: bool | None = None
    fail_cgroup_v1: bool | None = None
    upload_certs: bool = False
    certificate_key: str | None = None
    token: str | None = None  # init: pre-chosen bootstrap token; join: discovery token
    join_endpoint: str | None = None  # host:port of the API server to join through
    ca_cert_hashes: tuple[str, ...] = ()
    control_plane_join: bool = False
    control_plane_timeout: str | None = None  # e.g. "8m0s" for slow boards
    api_version: str | None = None  # None: the version this kubeadm prefers


def effective_api_version(params: KubeadmConfigParams) -> str:
    """The apiVersion the documents carry: the operator's choice or this kubeadm's preference."""
    return params.api_version or config_api_version(params.kubeadm_minor)


def validate(params: KubeadmConfigParams) -> list[str]:
    """Every reason kubeadm (or the kubelet it configures) would refuse this configuration."""
    if params.role not in ("init", "join"):
        return [f"role must be 'init' or 'join', not {params.role!r}"]
    if params.api_version is None and params.kubeadm_minor < 22:
        return [
            f"kubeadm 1.{params.kubeadm_minor} is too old: the wizard writes "
            "kubeadm.k8s.io/v1beta3 or newer, which needs kubeadm 1.22 or later"
        ]
    api = effective_api_version(params)
    problems = _api_version_problems(api, params.kubeadm_minor)
    problems += _node_problems(params)
    if params.role == "init":
        problems += _init_problems(params, api)
    else:
        problems += _join_problems(params, api)
    return problems


def _api_version_problems(api: str, kubeadm_minor: int) -> list[str]:
    span = config_api_span(api)
    preferred = config_api_versions_accepted(kubeadm_minor)[-1:]
    advice = f"; write {preferred[0]} instead" if preferred else ""
    if span is None:
        return [f"{api!r} is not a kubeadm configuration apiVersion{advice}"]
    first, last = span
    if kubeadm_minor < first:
        return [
            f"kubeadm 1.{kubeadm_minor} does not know {api}, which arrived in kubeadm "
            f"1.{first}{advice}"
        ]
    if last is not None and kubeadm_minor > last:
        return [
            f"kubeadm 1.{kubeadm_minor} no longer reads {api}: kubeadm 1.{last} was the last to "
            f"accept it{advice} (kubeadm 1.{last} can convert with 'kubeadm config migrate')"
        ]
    return []


def _node_problems(p: KubeadmConfigParams) -> list[str]:
    problems: list[str] = []
    if p.node_name is not None and not _is_dns_subdomain(p.node_name):
        problems.append(
            f"node name {p.node_name!r} must be a lowercase DNS name (letters, digits, '-' "
            "and '.'), because it becomes the Node object's name"
        )
    if p.advertise_address is not None and not _is_ip(p.advertise_address):
        problems.append(
            f"advertise address {p.advertise_address!r} is not an IP address; kubeadm needs an "
            "address, not a name"
        )
    # The kubelet's --node-ip takes one address or a dual-stack "IPv4,IPv6" pair.
    if p.node_ip is not None and not all(_is_ip(part) for part in p.node_ip.split(",")):
        problems.append(
            f"node IP {p.node_ip!r} is not an IP address (or an IPv4,IPv6 pair); the kubelet "
            "needs addresses, not names"
        )
    if not 1 <= p.bind_port <= 65535:
        problems.append(f"bind port {p.bind_port} is not a TCP port (1-65535)")
    if not p.cri_socket.startswith("unix:///"):
        problems.append(
            f"CRI socket {p.cri_socket!r} must be a unix:// URL such as {DEFAULT_CRI_SOCKET}"
        )
    if p.control_plane_timeout is not None and not _DURATION_RE.fullmatch(p.control_plane_timeout):
        problems.append(
            f"control plane timeout {p.control_plane_timeout!r} is not a duration such as "
            "4m0s or 90s"
        )
    return problems


def _init_problems(p: KubeadmConfigParams, api: str) -> list[str]:
    problems = _kubernetes_version_problems(p, api)
    if p.control_plane_endpoint is not None:
        problems += _endpoint_problems(
            "controlPlaneEndpoint", p.control_plane_endpoint, need_port=False
        )
    problems += _network_problems(p)
    if p.cgroup_driver not in ("systemd", "cgroupfs"):
        problems.append(f"cgroup driver must be 'systemd' or 'cgroupfs', not {p.cgroup_driver!r}")
    if p.fail_cgroup_v1 is not None and p.kubeadm_minor < 31:
        problems.append(
            f"failCgroupV1 does not exist in kubelet 1.{p.kubeadm_minor}; the kubelet gained "
            "it in 1.31"
        )
    if p.token is not None and (problem := validate_token(p.token)):
        problems.append(problem)
    if p.upload_certs and not p.control_plane_endpoint:
        problems.append(
            "uploading certificates only helps later control-plane joins, and kubeadm refuses "
            "those unless controlPlaneEndpoint is set; set it or leave upload_certs off"
        )
    if p.certificate_key is not None:
        if not p.upload_certs:
            problems.append(
                "a certificate key is only read by the upload-certs phase; turn on upload_certs"
            )
        elif problem := validate_certificate_key(p.certificate_key):
            problems.append(problem)
    if p.join_endpoint is not None or p.ca_cert_hashes or p.control_plane_join:
        problems.append(
            "join endpoint, CA cert hashes and control-plane join belong to a join, not to init"
        )
    return problems


def _kubernetes_version_problems(p: KubeadmConfigParams, api: str) -> list[str]:
    if p.kubernetes_version is None:
        return [
            "kubernetesVersion is required for init, e.g. v1.35.2, so kubeadm does not look it "
            "up online"
        ]
    try:
        version = KubeVersion.parse(p.kubernetes_version)
    except VersionError as err:
        return [f"kubernetesVersion: {err}"]
    if not version.has_patch:
        return [f"kubernetesVersion {version} needs a patch release, e.g. {version}.0"]
    minor = p.kubeadm_minor
    if minor - 1 <= version.minor <= minor:
        return []
    reason = (
        f"kubernetesVersion {version} is outside what kubeadm 1.{minor} deploys "
        f"(v1.{minor - 1}.x or v1.{minor}.x)"
    )
    span = config_api_span(api)
    if span is not None:
        first, last = span
        pair = [
            m
            for m in (version.minor, version.minor + 1)
            if m >= first and (last is None or m <= last)
        ]
        if pair:
            kubeadms = " or ".join(f"1.{m}" for m in pair)
            reason += (
                f"; {api} with kubernetesVersion {version} only worked with kubeadm {kubeadms}"
            )
        else:
            reason += (
                f"; no kubeadm release accepts {api} together with kubernetesVersion {version}"
            )
    return [reason + f". Use kubernetesVersion v1.{minor}.x with kubeadm 1.{minor}"]


def _network_problems(p: KubeadmConfigParams) -> list[str]:
    problems = range_problems(p.pod_subnet, p.service_subnet)
    if not _is_dns_subdomain(p.dns_domain):
        problems.append(
            f"DNS domain {p.dns_domain!r} is not a valid DNS name such as cluster.local"
        )
    return problems


def range_problems(pod_subnet: str | None, service_subnet: str) -> list[str]:
    """What kubeadm would refuse in the pod and Service ranges, as sentences. The one judge of
    a range: the config, the checks, the answers file and the Init / Join fields all ask it, so
    `10.244.0.0/33` is an error everywhere."""
    problems: list[str] = []
    services, found = _parse_subnets("serviceSubnet", service_subnet)
    problems += found
    for net in services:
        if net.prefixlen < _SMALLEST_SERVICE_PREFIX[net.version]:
            problems.append(
                f"serviceSubnet {net} is too large: kubeadm allows at most /"
                f"{_SMALLEST_SERVICE_PREFIX[net.version]} for IPv{net.version}"
            )
    pods: list[Network] = []
    if pod_subnet is not None:
        pods, found = _parse_subnets("podSubnet", pod_subnet)
        problems += found
    for net in pods:
        if net.prefixlen > _NODE_MASK[net.version]:
            problems.append(
                f"podSubnet {net} is smaller than the /{_NODE_MASK[net.version]} each node gets, "
                "so kubeadm refuses it"
            )
        for service in services:
            if net.version == service.version and net.overlaps(service):
                problems.append(
                    f"podSubnet {net} and serviceSubnet {service} overlap; pod and Service "
                    "addresses would collide, so pick ranges that do not share addresses"
                )
    return problems


def _join_problems(p: KubeadmConfigParams, api: str) -> list[str]:
    problems: list[str] = []
    if p.join_endpoint is None:
        problems.append(
            "a join needs the API server endpoint (host:port) to discover the cluster through"
        )
    else:
        problems += _endpoint_problems("join endpoint", p.join_endpoint, need_port=True)
    if p.token is None:
        problems.append("a join needs the bootstrap token printed by kubeadm init")
    elif problem := validate_token(p.token):
        problems.append(problem)
    if not p.ca_cert_hashes:
        problems.append(
            "a join needs at least one --discovery-token-ca-cert-hash; without it kubeadm refuses "
            "unless CA verification is switched off, which the wizard never does"
        )
    for pin in p.ca_cert_hashes:
        if problem := validate_ca_cert_hash(pin):
            problems.append(problem)
    if p.certificate_key is not None:
        if not p.control_plane_join:
            problems.append("a certificate key is only used when joining as a control-plane node")
        elif problem := validate_certificate_key(p.certificate_key):
            problems.append(problem)
    if p.upload_certs:
        problems.append("uploading certificates is part of kubeadm init, not join")
    if p.control_plane_timeout is not None:
        if not p.control_plane_join:
            problems.append(
                "a control plane timeout only applies to nodes that run a control plane"
            )
        elif api.endswith("v1beta3"):
            problems.append(
                "kubeadm.k8s.io/v1beta3 has no per-join control plane timeout; it comes from the "
                "cluster's ClusterConfiguration"
            )
    # kubeadm join ignores KubeletConfiguration documents: the kubelet configuration comes from the
    # cluster's kubelet-config ConfigMap (kubernetes/kubeadm#2008).
    if p.fail_cgroup_v1 is not None:
        problems.append(
            "failCgroupV1 cannot be set at join: a joining kubelet takes its configuration from "
            "the cluster's kubelet-config ConfigMap, so set it in the KubeletConfiguration at "
            "kubeadm init"
        )
    if p.cgroup_driver != "systemd":
        problems.append(
            "the cgroup driver of a joining node comes from the cluster's kubelet-config "
            "ConfigMap; choose it at kubeadm init"
        )
    return problems


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _is_dns_subdomain(value: str) -> bool:
    return len(value) <= 253 and _DNS_SUBDOMAIN_RE.fullmatch(value) is not None


def subnet_problems(label: str, text: str) -> list[str]:
    """What is wrong with one range ("podSubnet", "10.244.0.0/33"), alone."""
    return _parse_subnets(label, text)[1]


def _parse_subnets(label: str, text: str) -> tuple[list[Network], list[str]]:
    """Parse one CIDR or a dual-stack pair "10.244.0.0/16,fd00:10:244::/56"."""
    nets: list[Network] = []
    problems: list[str] = []
    for part in (piece.strip() for piece in text.split(",")):
        if "/" not in part:
            problems.append(f"{label} {part!r} needs a prefix length, e.g. {part}/16")
            continue
        try:
            nets.append(ipaddress.ip_network(part))
        except ValueError:
            try:
                exact = ipaddress.ip_network(part, strict=False)
            except ValueError:
                problems.append(f"{label} {part!r} is not a CIDR such as 10.244.0.0/16")
            else:
                problems.append(f"{label} {part!r} has host bits set; did you mean {exact}?")
    families = [net.version for net in nets]
    if len(families) != len(set(families)) or len(text.split(",")) > 2:
        problems.append(f"{label} {text!r} may hold at most one IPv4 and one IPv6 range")
    return nets, problems


def _endpoint_problems(label: str, value: str, *, need_port: bool) -> list[str]:
    host, port = split_host_port(value)
    problems: list[str] = []
    if not (_is_ip(host) or _is_dns_subdomain(host)):
        problems.append(f"{label} {value!r}: {host!r} is neither an IP address nor a DNS name")
    if port is None:
        if need_port:
            problems.append(f"{label} {value!r} needs a port, e.g. {value}:6443")
    elif not (port.isdigit() and 1 <= int(port) <= 65535):
        problems.append(f"{label} {value!r}: {port!r} is not a TCP port")
    return problems


def split_host_port(value: str) -> tuple[str, str | None]:
    if value.startswith("["):  # [2001:db8::1]:6443
        host, _, rest = value[1:].partition("]")
        return host, rest[1:] if rest.startswith(":") else None
    if value.count(":") == 1:
        host, _, port = value.partition(":")
        return host, port
    return value, None  # a bare name, IPv4 or unbracketed IPv6 address


def build_documents(
    params: KubeadmConfigParams, *, include_secrets: bool = False
) -> list[Document]:
    """The YAML documents for `kubeadm init|join --config`, as plain dicts in the published layout.

    init: InitConfiguration, ClusterConfiguration, KubeletConfiguration. join: JoinConfiguration
    only, because kubeadm join ignores a KubeletConfiguration document (kubernetes/kubeadm#2008).
    The bootstrap token and certificate key read HIDDEN unless include_secrets is True, so the
    result can be shown or saved without leaking them.
    """
    problems = validate(params)
    if problems:
        raise InvalidConfig(problems)
    api = effective_api_version(params)

    def secret(value: str) -> str:
        return value if include_secrets else HIDDEN

    if params.role == "init":
        return [
            _init_configuration(params, api, secret),
            _cluster_configuration(params, api),
            _kubelet_configuration(params),
        ]
    return [_join_configuration(params, api, secret)]


def _is_v1beta4(api: str) -> bool:
    return api == "kubeadm.k8s.io/v1beta4"


def _node_registration(p: KubeadmConfigParams, api: str) -> Document:
    registration: Document = {}
    if p.node_name is not None:
        registration["name"] = p.node_name
    registration["criSocket"] = p.cri_socket
    args: list[tuple[str, str]] = []
    if p.node_ip is not None:
        args.append(("node-ip", p.node_ip))
    if p.role == "join" and p.fail_swap_on is not None:
        # The joining kubelet's configuration comes from the cluster, so the operator's swap choice
        # for this node travels as a kubelet flag instead.
        args.append(("fail-swap-on", str(p.fail_swap_on).lower()))
    if args:
        # v1beta4 turned extra-argument maps into lists of {name, value} (duplicates allowed).
        registration["kubeletExtraArgs"] = (
            [{"name": name, "value": value} for name, value in args]
            if _is_v1beta4(api)
            else dict(args)
        )
    return registration


def _api_endpoint(p: KubeadmConfigParams) -> Document:
    endpoint: Document = {}
    if p.advertise_address is not None:
        endpoint["advertiseAddress"] = p.advertise_address
    endpoint["bindPort"] = p.bind_port
    return endpoint


def _init_configuration(p: KubeadmConfigParams, api: str, secret: Callable[[str], str]) -> Document:
    doc: Document = {"apiVersion": api, "kind": "InitConfiguration"}
    if p.token is not None:
        doc["bootstrapTokens"] = [{"token": secret(p.token), "ttl": "24h"}]
    doc["nodeRegistration"] = _node_registration(p, api)
    doc["localAPIEndpoint"] = _api_endpoint(p)
    if p.certificate_key is not None:
        doc["certificateKey"] = secret(p.certificate_key)
    if p.control_plane_timeout is not None and _is_v1beta4(api):
        doc["timeouts"] = {"controlPlaneComponentHealthCheck": p.control_plane_timeout}
    return doc


def _cluster_configuration(p: KubeadmConfigParams, api: str) -> Document:
    assert p.kubernetes_version is not None  # validate() guarantees it for init
    doc: Document = {
        "apiVersion": api,
        "kind": "ClusterConfiguration",
        "kubernetesVersion": str(KubeVersion.parse(p.kubernetes_version)),
    }
    if p.control_plane_endpoint is not None:
        doc["controlPlaneEndpoint"] = p.control_plane_endpoint
    networking: Document = {}
    if p.pod_subnet is not None:
        networking["podSubnet"] = p.pod_subnet
    networking["serviceSubnet"] = p.service_subnet
    networking["dnsDomain"] = p.dns_domain
    doc["networking"] = networking
    if p.control_plane_timeout is not None and not _is_v1beta4(api):
        # v1beta3 keeps this timeout on the API server; v1beta4 moved it to
        # InitConfiguration.timeouts.
        doc["apiServer"] = {"timeoutForControlPlane": p.control_plane_timeout}
    return doc


def _kubelet_configuration(p: KubeadmConfigParams) -> Document:
    doc: Document = {
        "apiVersion": KUBELET_CONFIG_API,
        "kind": "KubeletConfiguration",
        "cgroupDriver": p.cgroup_driver,
    }
    if p.fail_swap_on is not None:
        doc["failSwapOn"] = p.fail_swap_on
    if p.fail_cgroup_v1 is not None:
        doc["failCgroupV1"] = p.fail_cgroup_v1
    return doc


def _join_configuration(p: KubeadmConfigParams, api: str, secret: Callable[[str], str]) -> Document:
    assert p.join_endpoint is not None and p.token is not None  # validate() guarantees both
    doc: Document = {
        "apiVersion": api,
        "kind": "JoinConfiguration",
        "nodeRegistration": _node_registration(p, api),
        "discovery": {
            "bootstrapToken": {
                "apiServerEndpoint": p.join_endpoint,
                "token": secret(p.token),
                "caCertHashes": list(p.ca_cert_hashes),
            }
        },
    }
    if p.control_plane_join:
        control_plane: Document = {"localAPIEndpoint": _api_endpoint(p)}
        if p.certificate_key is not None:
            control_plane["certificateKey"] = secret(p.certificate_key)
        doc["controlPlane"] = control_plane
        if p.control_plane_timeout is not None:
            doc["timeouts"] = {"controlPlaneComponentHealthCheck": p.control_plane_timeout}
    return doc


def kubeadm_command(params: KubeadmConfigParams, config_path: str) -> list[str]:
    """The kubeadm invocation for the written file; --upload-certs is a flag, not a config field."""
    command = ["kubeadm", params.role, "--config", config_path]
    if params.role == "init" and params.upload_certs:
        command.append("--upload-certs")
    return command


def render_yaml(docs: list[Document]) -> str:
    """Multi-document YAML separated by '---', keys in the order built, no Python-specific tags."""
    return "---\n".join(
        yaml.safe_dump(doc, sort_keys=False, default_flow_style=False, allow_unicode=True)
        for doc in docs
    )


def diff_against(existing_text: str, new_text: str) -> str:
    """A unified diff from a configuration already on disk to the proposed one ("" if identical)."""
    return "".join(
        difflib.unified_diff(
            existing_text.splitlines(keepends=True),
            new_text.splitlines(keepends=True),
            fromfile="current",
            tofile="proposed",
        )
    )
