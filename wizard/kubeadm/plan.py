"""The changes around a kubeadm run, as Steps the operator previews before anything happens.

Installing the packages, writing the kubeadm configuration, copying admin.conf, installing
the pod network and cleaning up after `kubeadm reset` all change the host, so each one is a
Step: shown with its why, its commands and its diff, journaled, and undone by
`kubeadm-wizard undo` where that is possible. The kubeadm run itself streams its output and
lives in `wizard.kubeadm.run`.

Secrets and the configuration file: for `init` the file holds no secret at all, because
kubeadm generates the bootstrap token and the certificate key itself and prints them (the
run masks them in every line it logs). For `join` the file this module writes shows
`<hidden>` where the token and certificate key go; the run hands the real values to kubeadm
in a root-only file under /run that exists only while kubeadm runs (see
`wizard.kubeadm.run.prepared_command`). Passing them as flags is not possible, because
kubeadm refuses `--token` next to `--config`, and would put them in /proc/PID/cmdline where
every user can read them; writing them into this file would let the journal's backup of it
keep a cluster credential after the run.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import PurePosixPath

from wizard.fixes.package_actions import package_action
from wizard.host.base import Host
from wizard.i18n import N_, _
from wizard.kube.versions import KubeVersion, Role, VersionError, resolve_minor
from wizard.kubeadm.cni import get_cni, install_commands
from wizard.kubeadm.config import (
    DEFAULT_CRI_SOCKET,
    KubeadmConfigParams,
    build_documents,
    diff_against,
    effective_api_version,
    render_yaml,
    validate,
)
from wizard.kubeadm.packages import APT_KEYRING, K8S_PACKAGES, detect_family, package_plan
from wizard.model import JoinSecrets, WizardChoices
from wizard.steps.step import Action, FileRemove, FileWrite, RunCommand, Step

CONFIG_PATH = "/etc/kubernetes/kubeadm-config.yaml"
ADMIN_CONF = "/etc/kubernetes/admin.conf"
CNI_CONFIG_DIR = "/etc/cni/net.d"
CNI_BRIDGE = "cni0"

CRI_SOCKETS = {
    "containerd": DEFAULT_CRI_SOCKET,
    "cri-o": "unix:///var/run/crio/crio.sock",
    "docker": "unix:///var/run/cri-dockerd.sock",
}
"""The socket kubeadm talks to for each runtime (install-kubeadm page, reference §3.2)."""

_VERSION_RE = re.compile(r"v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?")
_VERSION_COMMANDS = {
    "kubeadm": ["kubeadm", "version", "-o", "short"],
    "kubelet": ["kubelet", "--version"],
    "kubectl": ["kubectl", "version", "--client", "-o", "json"],
}


# --------------------------------------------------------------------- what is installed
@dataclass(frozen=True)
class Installed:
    """One of kubeadm, kubelet, kubectl: where it is on PATH and the version it reports."""

    name: str
    path: str | None
    version: KubeVersion | None

    @property
    def present(self) -> bool:
        return self.path is not None


def installed_tools(host: Host) -> dict[str, Installed]:
    """kubeadm, kubelet and kubectl as this host has them.

    The versions come from the programs themselves; on a system that is not running (a
    mounted image) they come from dpkg's status file instead.
    """
    found: dict[str, Installed] = {}
    for name, argv in _VERSION_COMMANDS.items():
        path = host.which(name)
        version = None
        if path is not None:
            result = host.run(argv)
            version = (_reported_version(name, result.stdout) if result.ran
                       else _dpkg_version(host, name))
        found[name] = Installed(name, path, version)
    return found


def _reported_version(name: str, stdout: str) -> KubeVersion | None:
    text = stdout
    # An older kubectl printed text instead of JSON; the regex below still finds its version.
    with contextlib.suppress(ValueError, KeyError, TypeError):
        text = json.loads(stdout)["clientVersion"]["gitVersion"] if name == "kubectl" else text
    match = _VERSION_RE.search(text)
    try:
        return KubeVersion.parse(match.group(0)) if match else None
    except VersionError:
        return None


def _dpkg_version(host: Host, package: str) -> KubeVersion | None:
    """The installed version dpkg recorded, e.g. "1.36.1-1.1" for kubeadm."""
    status = host.read_optional("/var/lib/dpkg/status") or ""
    for stanza in status.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in stanza.splitlines() if ": " in line)
        if fields.get("Package") == package and fields.get("Status", "").endswith(" installed"):
            upstream = fields.get("Version", "").split(":")[-1].rsplit("-", 1)[0]
            return _reported_version(package, upstream)
    return None


# --------------------------------------------------------------------- configuration
def kubeadm_action(choices: WizardChoices) -> Role:
    """init for the first control plane; join for workers and control planes given an endpoint."""
    if choices.role == "control-plane" and not choices.join_endpoint:
        return "init"
    return "join"


def cri_socket(choices: WizardChoices) -> str:
    return choices.cri_socket or CRI_SOCKETS.get(choices.runtime, DEFAULT_CRI_SOCKET)


def params_from_choices(choices: WizardChoices, *, kubeadm: KubeVersion | None = None,
                        secrets: JoinSecrets | None = None,
                        action: Role | None = None) -> KubeadmConfigParams:
    """The kubeadm configuration the operator's choices describe.

    `kubeadm` is the installed kubeadm: its patch release becomes kubernetesVersion when it is
    of the target minor, so init deploys what the packages ship without asking the internet.
    `secrets` are the join form's values; they are only ever held in memory. `action` is the
    screen's explicit init / join choice (default: kubeadm_action of the choices).
    """
    minor = resolve_minor(choices.kubernetes_version)
    action = action or kubeadm_action(choices)
    address = choices.advertise_address or None
    # The fields init and join share (a partial, so each keyword stays type-checked).
    common = partial(KubeadmConfigParams, role=action, kubeadm_minor=minor,
                     node_name=choices.node_name or None, advertise_address=address,
                     node_ip=address, cri_socket=cri_socket(choices))
    if action == "init":
        return common(
            kubernetes_version=_kubernetes_release(choices, minor, kubeadm),
            control_plane_endpoint=choices.control_plane_endpoint or None,
            pod_subnet=choices.pod_subnet or None,
            service_subnet=choices.service_subnet or "10.96.0.0/12",
            dns_domain=choices.dns_domain or "cluster.local",
            cgroup_driver=choices.cgroup_driver or "systemd",
            fail_swap_on=choices.fail_swap_on,
            fail_cgroup_v1=choices.fail_cgroup_v1,
            upload_certs=choices.upload_certs,
        )
    secrets = secrets or JoinSecrets()
    control_plane = choices.role == "control-plane"
    return common(
        fail_swap_on=choices.fail_swap_on,
        join_endpoint=choices.join_endpoint or None,
        token=secrets.token or None,
        ca_cert_hashes=tuple(secrets.ca_cert_hashes),
        control_plane_join=control_plane,
        certificate_key=(secrets.certificate_key or None) if control_plane else None,
    )


def _kubernetes_release(choices: WizardChoices, minor: int, kubeadm: KubeVersion | None) -> str:
    chosen = KubeVersion.parse(choices.kubernetes_version) if choices.kubernetes_version else None
    if chosen is not None and chosen.has_patch:
        return str(chosen)
    if kubeadm is not None and kubeadm.minor == minor and kubeadm.has_patch:
        return f"v1.{minor}.{kubeadm.patch}"
    return f"v1.{minor}.0"


@dataclass(frozen=True)
class ConfigPreview:
    """The configuration as the Init / Join screen shows it, before anything is written."""

    path: str
    api_version: str
    problems: list[str]
    text: str  # YAML with secrets shown as <hidden>; "" when the choices are invalid
    existing: str | None  # the file on disk now
    diff: str  # from the file on disk to `text`; "" when identical or when there is no file


def config_preview(host: Host, params: KubeadmConfigParams) -> ConfigPreview:
    problems = validate(params)
    text = "" if problems else render_yaml(build_documents(params))
    existing = host.read_optional(CONFIG_PATH)
    diff = diff_against(existing, text) if existing is not None and text else ""
    return ConfigPreview(CONFIG_PATH, effective_api_version(params), problems, text, existing,
                         diff)


def config_step(params: KubeadmConfigParams) -> Step:
    """Write the configuration file (mode 0600); raises InvalidConfig for invalid choices."""
    content = render_yaml(build_documents(params))
    hidden = ("" if params.role == "init" else N_(
              "The token and certificate key read <hidden>: the wizard hands their real values "
              "to kubeadm in a root-only file under /run that is deleted when the run ends, so "
              "they never reach this file, the journal or its backups."))
    return Step(
        id="kubeadm-config",
        title=f"Write the kubeadm configuration ({effective_api_version(params)})",
        why=_("kubeadm reads every choice made on the other screens from this one file "
              "(kubeadm {role} --config {path}); a file can be reviewed, kept and compared, a "
              "long line of flags cannot.").format(role=params.role, path=CONFIG_PATH)
        + (" " + _(hidden.strip()) if hidden else ""),
        actions=(FileWrite(CONFIG_PATH, content, mode=0o600),),
        verify=f"sudo kubeadm config validate --config {CONFIG_PATH}",
    )


# --------------------------------------------------------------------------- packages
def package_steps(host: Host, minor: int, *, reinstall: bool = False) -> list[Step] | str:
    """Add the pkgs.k8s.io repository for 1.<minor>, install the three packages, hold them.

    `reinstall` releases an earlier hold first, so a node that has other versions can move to
    this minor. Returns why there is no plan when the distribution is neither apt nor dnf.
    """
    family = detect_family(host.identity.os_release)
    if family is None:
        return (f"{host.identity.distro} is neither Debian-like (apt) nor Red Hat-like (dnf); "
                "install kubeadm, kubelet and kubectl as its documentation says")
    plan = package_plan(family, minor)
    names = " ".join(K8S_PACKAGES)
    unhold = (("apt-mark", "unhold", *K8S_PACKAGES) if family == "apt"
              else ("dnf", "versionlock", "delete", *K8S_PACKAGES))
    repo_actions: tuple[Action, ...] = (
        *(_repository_action(host, argv) for argv in plan.prepare_commands),
        *(FileWrite(path, content, mode=0o644) for path, content in plan.files.items()))
    repo = Step(
        id="k8s-repository",
        title=f"Add the pkgs.k8s.io repository for v1.{minor}",
        why=(N_("kubeadm, the kubelet and kubectl come from the community repository pkgs.k8s.io, "
             "which has one repository per minor release and signs it with its own key; the "
             "old apt.kubernetes.io and yum.kubernetes.io were removed in March 2024.")),
        actions=repo_actions,
        verify=f"the repository answers: {plan.repo_url}",
        undo=(f"kubeadm-wizard undo removes the repository file and {APT_KEYRING}"
              if family == "apt" else "kubeadm-wizard undo removes the repository file."),
        done_when=(lambda h: h.exists(APT_KEYRING)) if family == "apt" else None,
    )
    install = Step(
        id="k8s-packages",
        title=f"Install {names} 1.{minor}",
        why=_("kubeadm sets the node up, the kubelet runs its Pods and kubectl talks to the "
              "cluster; the kubelet must not be newer than kubeadm, which one repository for "
              "1.{minor} guarantees.").format(minor=minor)
        + "".join(" " + _(note) for note in plan.notes[-1:]),
        actions=((package_action(host, unhold),) if reinstall else ())
        + tuple(package_action(host, argv) for argv in plan.install_commands),
        verify="kubeadm version -o short; kubelet --version; kubectl version --client",
        undo=f"sudo {'apt-get' if family == 'apt' else 'dnf'} remove {names}",
        done_when=lambda h: _has_minor(h, minor),
    )
    hold = Step(
        id="k8s-packages-hold",
        title=f"Hold {names} at 1.{minor}",
        why=_(plan.notes[0]),
        actions=tuple(package_action(host, argv) for argv in plan.hold_commands),
        verify="apt-mark showhold" if family == "apt" else "dnf versionlock list",
        undo="sudo " + shlex.join(unhold),
        done_when=lambda h: _held(h, family),
    )
    return [repo, install, hold]


def _repository_action(host: Host, argv: list[str]) -> RunCommand:
    """The key download (`sh -c "curl | gpg"`) is undone by deleting the key it wrote: the
    step only runs when that key is missing."""
    if argv[:2] == ["sh", "-c"]:
        return RunCommand(tuple(argv), undo_argv=("rm", "-f", APT_KEYRING), runtime_only=False)
    if argv[0] == "chmod":
        return package_action(host, argv, kept_because="undo deletes the key whose mode it sets")
    return package_action(host, argv)


def _has_minor(host: Host, minor: int) -> bool:
    tools = installed_tools(host)
    return all(t.version is not None and t.version.minor == minor for t in tools.values())


def _held(host: Host, family: str) -> bool:
    argv = ["apt-mark", "showhold"] if family == "apt" else ["dnf", "versionlock", "list"]
    listed = host.run(argv).stdout
    return all(re.search(rf"\b{name}\b", listed) for name in K8S_PACKAGES)


# ------------------------------------------------------------------ after a successful init
@dataclass(frozen=True)
class User:
    name: str
    uid: int
    gid: int
    home: str


def invoking_user(host: Host, environ: Mapping[str, str] | None = None) -> User | str:
    """The person behind `sudo kubeadm-wizard` (SUDO_USER), else the user running it.

    Looked up in the host's /etc/passwd; returns why not when the user is not there.
    """
    environ = os.environ if environ is None else environ
    sudo_user = environ.get("SUDO_USER", "")
    wanted = sudo_user if sudo_user and sudo_user != "root" else None
    uid = os.geteuid()
    for line in (host.read_optional("/etc/passwd") or "").splitlines():
        fields = line.split(":")
        if len(fields) < 7 or not fields[2].isdigit() or not fields[3].isdigit():
            continue
        if (wanted is not None and fields[0] == wanted) or (wanted is None
                                                            and int(fields[2]) == uid):
            return User(fields[0], int(fields[2]), int(fields[3]), fields[5])
    who = wanted or f"uid {uid}"
    return f"{who} is not in /etc/passwd of {host.label}"


def admin_kubeconfig_step(host: Host, environ: Mapping[str, str] | None = None) -> Step | str:
    """Copy admin.conf to the invoking user's ~/.kube/config, owned by them, mode 0600.

    Built after `kubeadm init`, when admin.conf exists; returns why not otherwise.
    """
    content = host.read_optional(ADMIN_CONF)
    if content is None:
        return f"{ADMIN_CONF} does not exist: kubeadm init writes it"
    user = invoking_user(host, environ)
    if isinstance(user, str):
        return user
    kube_dir = str(PurePosixPath(user.home) / ".kube")
    target = f"{kube_dir}/config"
    owner = f"{user.uid}:{user.gid}"
    return Step(
        id="kubeconfig-admin",
        title=f"Copy admin.conf to {target}",
        why=_("kubectl reads ~/.kube/config, so {user} can use the cluster without sudo. "
              "admin.conf holds a client certificate with full control of the cluster, so the "
              "copy belongs to {user} and nobody else may read it (mode 0600).").format(
                  user=user.name),
        actions=(FileWrite(target, content, mode=0o600),
                 RunCommand(("chown", owner, kube_dir, target), runtime_only=False)),
        verify=f"sudo -u {user.name} kubectl get nodes",
        commands=(f"mkdir -p {kube_dir}", f"sudo cp -i {ADMIN_CONF} {target}",
                  f"sudo chown {owner} {kube_dir} {target}"),
        done_when=lambda h: _owned_by(h, target, user.uid),
    )


def _owned_by(host: Host, path: str, uid: int) -> bool:
    try:
        return host.path(path).stat().st_uid == uid
    except OSError:
        return False


def cni_install_step(choices: WizardChoices) -> Step:
    """Install the chosen pod network with the cluster's admin credentials."""
    cni = get_cni(choices.cni)
    commands = [(argv[0], f"--kubeconfig={ADMIN_CONF}", *argv[1:])
                for argv in install_commands(cni, choices.pod_subnet or None)]
    source = cni.manifest_url or f"the Helm chart cilium/cilium {cni.version}"
    return Step(
        id=f"cni-{cni.key}",
        title=f"Install {cni.name} {cni.version}",
        why=_("Until a pod network runs, every node stays NotReady and CoreDNS Pending; kubeadm "
              "leaves the choice to you. This applies {source}: that is what will be fetched "
              "and run in the cluster.").format(source=source),
        actions=tuple(RunCommand(argv, runtime_only=False) for argv in commands),
        verify="kubectl get nodes  shows Ready once the network's Pods run",
        undo=(f"kubectl delete -f {cni.manifest_url}" if cni.manifest_url
              else "helm uninstall cilium --namespace kube-system"),
    )


# --------------------------------------------------------------------------------- reset
RESET_DIRS = ("/etc/kubernetes/manifests", "/etc/kubernetes/pki", "/var/lib/kubelet",
              "/var/lib/etcd")
RESET_FILES = tuple(f"/etc/kubernetes/{name}" for name in (
    "admin.conf", "super-admin.conf", "kubelet.conf", "bootstrap-kubelet.conf",
    "controller-manager.conf", "scheduler.conf"))
RESET_COMMAND = ("kubeadm", "reset", "--force")
"""--force answers kubeadm's own "Are you sure?": the wizard asked before it runs."""

_IPTABLES = (("iptables-save", "iptables-restore", "ipv4"),
             ("ip6tables-save", "ip6tables-restore", "ipv6"))
_KUBE_JUMP_RE = re.compile(r"\s-[jg]\s+KUBE-\S+")


@dataclass(frozen=True)
class ResetPreview:
    """What `kubeadm reset` removes from this host, and what it leaves behind."""

    command: tuple[str, ...]
    removes: list[str]
    leaves: list[str]
    cleanups: list[Step]


def reset_preview(host: Host) -> ResetPreview:
    removes = ["stops the kubelet and removes the Kubernetes containers through the CRI",
               "on a control plane: this node's member of the etcd cluster"]
    for directory in RESET_DIRS:
        count = len(host.listdir(directory))
        if count:
            removes.append(f"the contents of {directory} ({count} entries)")
    removes += [path for path in RESET_FILES if host.exists(path)]
    cleanups = reset_cleanup_steps(host)
    leaves = [step.title for step in cleanups]
    leaves += [f"{CONFIG_PATH}, the configuration the wizard wrote",
               "every user's ~/.kube/config"]
    return ResetPreview(RESET_COMMAND, removes, leaves, cleanups)


def reset_cleanup_steps(host: Host) -> list[Step]:
    """The opt-in cleanups of what `kubeadm reset` leaves: CNI files, KUBE-* chains, cni0."""
    steps = []
    cni_files = [f"{CNI_CONFIG_DIR}/{name}" for name in host.listdir(CNI_CONFIG_DIR)
                 if not host.is_dir(f"{CNI_CONFIG_DIR}/{name}")]
    if cni_files:
        steps.append(Step(
            id="reset-cni-config",
            title=f"Remove the {len(cni_files)} CNI configuration file(s) in {CNI_CONFIG_DIR}",
            why=(N_("The container runtime uses the first network configuration it finds there; "
                 "an old one makes the next cluster's Pods join the old network, or fail when "
                 "a different CNI is installed.")),
            actions=tuple(FileRemove(path) for path in cni_files),
            verify=f"ls {CNI_CONFIG_DIR}  is empty",
            undo="kubeadm-wizard undo puts the files back from their backups.",
        ))
    for save, restore, family in _IPTABLES:
        step = _kube_chains_step(host, save, restore, family)
        if step is not None:
            steps.append(step)
    if host.exists(f"/sys/class/net/{CNI_BRIDGE}"):
        steps.append(Step(
            id="reset-cni0",
            title=f"Delete the {CNI_BRIDGE} bridge",
            why=_("The bridge keeps the old pod network's address; the next CNI that creates "
                  "{bridge} with another range fails with 'already has an IP address "
                  "different from'.").format(bridge=CNI_BRIDGE),
            actions=(RunCommand(("ip", "link", "delete", CNI_BRIDGE)),),
            verify=f"ip link show {CNI_BRIDGE}  says it does not exist",
            undo="Not undoable here: the pod network creates the bridge again.",
            done_when=lambda h: not h.exists(f"/sys/class/net/{CNI_BRIDGE}"),
        ))
    return steps


def kube_chain_removal(saved: str) -> tuple[str, list[str]]:
    """iptables-restore --noflush input that removes every KUBE-* chain, and the chains' names.

    From `iptables-save` output: per table, the rules in other chains that jump to a KUBE-*
    chain are deleted (-D), then each KUBE-* chain is emptied (-F) and deleted (-X) by name.
    Every other chain and rule, the firewall included, stays as it is.
    """
    restore: list[str] = []
    names: list[str] = []
    chains: list[str]
    jumps: list[str]
    table, chains, jumps = "", [], []
    for line in saved.splitlines():
        if line.startswith("*"):
            table, chains, jumps = line[1:].strip(), [], []
        elif line.startswith(":KUBE-"):
            chains.append(line[1:].split()[0])
        elif line.startswith("-A ") and not line.split()[1].startswith("KUBE-"):
            if _KUBE_JUMP_RE.search(line):
                jumps.append("-D " + line[3:])
        elif line.strip() == "COMMIT" and chains:
            restore += [f"*{table}", *jumps, *(f"-F {c}" for c in chains),
                        *(f"-X {c}" for c in chains), "COMMIT"]
            names += [f"{table}/{chain}" for chain in chains]
    return ("\n".join(restore) + "\n" if restore else ""), names


def _kube_chains_step(host: Host, save: str, restore: str, family: str) -> Step | None:
    listed = host.run([save])
    if not listed.ok:
        return None
    rules, chains = kube_chain_removal(listed.stdout)
    if not chains:
        return None
    path = f"{host.state_dir}/remove-kube-chains-{family}.rules"
    shown = ", ".join(chains[:4]) + (f" and {len(chains) - 4} more" if len(chains) > 4 else "")
    return Step(
        id=f"reset-kube-chains-{family}",
        title=f"Remove the {len(chains)} KUBE-* {family} iptables chain(s)",
        why=_("kube-proxy and the kubelet left these chains ({chains}); an old cluster's "
              "Service rules would keep rewriting traffic. Only KUBE-* chains are emptied and "
              "deleted, by name, in one atomic iptables-restore: never a bare 'iptables -F', "
              "which would drop the firewall too.").format(chains=shown),
        actions=(FileWrite(path, rules, mode=0o600),
                 RunCommand((restore, "--noflush", path))),
        verify=f"sudo {save} | grep -c KUBE-  says 0",
        undo="Not undoable here: kube-proxy creates its chains again when it starts.",
        done_when=lambda h: not kube_chain_removal(h.run([save]).stdout)[1],
    )
