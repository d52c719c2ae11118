"""The one door to a machine: files under a root, commands, netlink and identity.

Nothing else in the wizard opens a host file, starts a process or opens a netlink socket.
That single door is what lets the same checks and steps run against the live machine, a
mounted SD-card image (`--root`), a fixture tree in a test, or a simulated workshop host.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import shutil
from collections.abc import Callable, Iterator, Sequence
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, TypeVar

from wizard.host.commands import DEFAULT_TIMEOUT, CommandResult, run_argv
from wizard.host.files import atomic_write
from wizard.host.identity import HostIdentity, read_identity
from wizard.host.ports import ListeningPort, TcpProbe, live_listening_ports, tcp_probe

if TYPE_CHECKING:
    from wizard.host.network import NetworkView

OFFLINE_SYSTEMCTL_VERBS = frozenset({"enable", "disable", "mask", "unmask", "is-enabled"})
"""What `systemctl --root=DIR` can do to a tree that is not running (systemctl(1))."""

UNIT_DIRS = ("/etc/systemd/system", "/run/systemd/system", "/usr/lib/systemd/system",
             "/lib/systemd/system")
"""Where unit files live, highest priority first (systemd.unit(5))."""

STATE_DIR = "/var/lib/kubeadm-wizard"
SEARCH_PATH = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")


def _route_argv(op: str, route: dict[str, Any]) -> tuple[str, ...]:
    """The `ip route` command a person would type for a netlink route change (for the log)."""
    words = ["ip", "route", op, str(route["dst"])]
    for key, word in (("gateway", "via"), ("dev", "dev"), ("metric", "metric"),
                      ("table", "table")):
        if route.get(key) is not None:
            words += [word, str(route[key])]
    return tuple(words)


T = TypeVar("T")


class HostPathError(ValueError):
    """A path that would leave the host's root."""


class Host:
    """A machine as seen from its root directory.

    With the default root `/` this is the running system and changes to the running kernel
    (swapoff, sysctl -w, modprobe, routes) are executed. With any other root it is a system
    that is not running: such changes are not executed and take effect when it boots.

    With `netns` the running system is seen as `ip netns exec NAME` shows it: the machine's
    own files, but the namespace's network (its /proc/sys/net and /proc/net, sockets,
    routes), and every command run inside the namespace.
    """

    kind = "live"

    def __init__(self, root: str | os.PathLike[str] = "/", *, netns: str | None = None,
                 state_dir: str = STATE_DIR) -> None:
        self.root = Path(root).resolve()
        self.netns = netns
        self._state_dir = state_dir
        self.command_log: list[CommandResult] = []
        if self.root != Path("/"):
            self.kind = "root"

    # ----------------------------------------------------------------- describing the host
    @property
    def label(self) -> str:
        """How the header names this host: the running machine, or the root directory."""
        return "this machine" if self.kind == "live" else f"root {self.root}"

    @property
    def changes_running_kernel(self) -> bool:
        """Whether swapoff, sysctl -w, modprobe and route changes act on a running kernel."""
        return self.kind == "live"

    @cached_property
    def identity(self) -> HostIdentity:
        return read_identity(self, kernel_architecture=self._kernel_architecture(),
                             is_root=self._is_root())

    def _kernel_architecture(self) -> str:
        return os.uname().machine if self.kind == "live" else ""

    def _is_root(self) -> bool:
        return os.geteuid() == 0

    def forget_cached_facts(self) -> None:
        """After a change (a new hostname, say) the next question must read the host again."""
        self.__dict__.pop("identity", None)

    @property
    def read_only(self) -> bool:
        """Without root the wizard can look but must not try to change anything."""
        return not self.identity.is_root

    # ---------------------------------------------------------------------------- files
    def path(self, path: str) -> Path:
        """The real location of a host path, refusing anything that escapes the root.

        Under another root, symlinks are followed inside that root: an image's
        /etc/resolv.conf -> /run/systemd/resolve/stub-resolv.conf names the image's file, not
        this machine's.
        """
        pure = PurePosixPath("/", path)
        if ".." in pure.parts:
            raise HostPathError(f"{path!r} leaves the host root")
        if self.root == Path("/"):
            return Path(pure)
        return self._resolve_in_root(pure.parts[1:])

    def _resolve_in_root(self, parts: tuple[str, ...], depth: int = 0) -> Path:
        current = self.root
        for index, part in enumerate(parts):
            candidate = current / part
            if depth < 40 and candidate.is_symlink():
                target = PurePosixPath(os.readlink(candidate))
                base = PurePosixPath("/") if target.is_absolute() else PurePosixPath(
                    "/", *current.relative_to(self.root).parts)
                joined = os.path.normpath(base / target)  # folds "..", never above "/"
                rest = PurePosixPath(joined).parts[1:] + parts[index + 1:]
                return self._resolve_in_root(rest, depth + 1)
            current = candidate
        return current

    def link_target(self, path: str) -> str | None:
        """Where a symlink points (as written in the link), or None for anything else.

        `systemctl mask` is a link to /dev/null: the link itself is the fact, not its target.
        """
        parent, _, name = PurePosixPath("/", path).as_posix().rpartition("/")
        link = self.path(parent or "/") / name
        return os.readlink(link) if link.is_symlink() else None

    def read_text(self, path: str) -> str:
        inside = self._in_namespace(path)
        if inside is not None:
            return self._on_a_thread_in_netns(
                lambda: Path(inside).read_text(encoding="utf-8", errors="replace"))
        return self.path(path).read_text(encoding="utf-8", errors="replace")

    def _on_a_thread_in_netns(self, action: Callable[[], T]) -> T:
        from wizard.network.rtnetlink.netns_socket import run_in_netns

        assert self.netns is not None
        return run_in_netns(self.netns, action)

    def _in_namespace(self, path: str) -> str | None:
        """Where a thread inside ``netns`` reads a per-namespace file: net sysctls (a
        namespace starts with the kernel's defaults, not this machine's values) and
        /proc/net (reached through /proc/thread-self: /proc/net is the main thread's)."""
        if self.netns is None or self.kind != "live":
            return None
        pure = posixpath.normpath(path)
        if pure == "/proc/sys/net" or pure.startswith("/proc/sys/net/"):
            return pure
        if pure == "/proc/net" or pure.startswith("/proc/net/"):
            return "/proc/thread-self/net" + pure[len("/proc/net"):]
        return None

    def read_optional(self, path: str) -> str | None:
        """The file's text, or None when it is missing or unreadable."""
        try:
            return self.read_text(path)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError, PermissionError):
            return None
        except OSError:
            return None

    def read_bytes_optional(self, path: str, *, limit: int | None = None) -> bytes | None:
        try:
            with self.path(path).open("rb") as handle:
                return handle.read(limit) if limit else handle.read()
        except OSError:
            return None

    def exists(self, path: str) -> bool:
        inside = self._in_namespace(path)
        if inside is not None:
            return self._on_a_thread_in_netns(lambda: os.path.exists(inside))
        return self.path(path).exists()

    def is_dir(self, path: str) -> bool:
        return self.path(path).is_dir()

    def listdir(self, path: str) -> list[str]:
        """Sorted names in a directory; empty when it does not exist."""
        try:
            return sorted(entry.name for entry in self.path(path).iterdir())
        except OSError:
            return []

    def glob(self, directory: str, pattern: str) -> Iterator[str]:
        """Host paths (not real paths) in `directory` matching `pattern`, sorted."""
        base = self.path(directory)
        for found in sorted(base.glob(pattern)):
            yield "/" + found.relative_to(self.root).as_posix()

    def file_mode(self, path: str) -> int | None:
        try:
            return self.path(path).stat().st_mode & 0o7777
        except OSError:
            return None

    def write_file(self, path: str, data: bytes, *, mode: int | None = None) -> None:
        """Atomically replace a host file (only the step engine calls this)."""
        atomic_write(self.path(path), data, mode=mode)

    def remove_file(self, path: str) -> None:
        self.path(path).unlink(missing_ok=True)

    def remove_empty_dir(self, path: str) -> None:
        """Remove a directory the wizard created, if nothing else has been put in it since."""
        with contextlib.suppress(OSError):
            self.path(path).rmdir()

    def which(self, program: str) -> str | None:
        """The host path of an executable, as kubeadm's exec.LookPath would find it."""
        for directory in SEARCH_PATH:
            candidate = f"{directory}/{program}"
            real = self.path(candidate)
            if real.is_file() and os.access(real, os.X_OK):
                return candidate
        return None

    @property
    def state_dir(self) -> str:
        """Where the journal and backups live (a host path)."""
        return self._state_dir

    # ------------------------------------------------------------------------- commands
    def run(self, argv: list[str], *, timeout: float = DEFAULT_TIMEOUT,
            input_text: str | None = None, env: dict[str, str] | None = None) -> CommandResult:
        """Run an inspecting command. Under another root there is no running system to ask."""
        offline = self._offline_systemctl(argv)
        if offline:
            result = run_argv(offline, timeout=timeout)
        elif self.kind != "live":
            result = CommandResult(tuple(argv), 127, ran=False,
                                   note=f"not run: {self.label} is not a running system")
        else:
            result = run_argv(self.in_netns(argv), timeout=timeout, input_text=input_text,
                              env=env)
        self.command_log.append(result)
        return result

    def in_netns(self, argv: Sequence[str]) -> list[str]:
        """The command as this host runs it: inside its network namespace, if it has one."""
        if isinstance(argv, str):
            raise TypeError("commands are argv lists, never shell strings")
        prefix = ["ip", "netns", "exec", self.netns] if self.netns else []
        return [*prefix, *argv]

    def change(self, argv: list[str], *, runtime_only: bool = True,
               timeout: float = 300.0) -> CommandResult:
        """Run a command that changes the system.

        `runtime_only` commands (swapoff, sysctl -w, modprobe, ip route) only affect the running
        kernel: under another root they are skipped, because that system's persisted files
        already carry the change to its next boot.
        """
        offline = self._offline_systemctl(argv)
        if offline:
            result = run_argv(offline, timeout=timeout)
        elif self.kind != "live":
            note = ("not run: takes effect when that system boots" if runtime_only
                    else "not run: run it on that system once it has booted")
            result = CommandResult(tuple(argv), 0 if runtime_only else 127, ran=False, note=note)
        else:
            result = run_argv(self.in_netns(argv), timeout=timeout)
        self.command_log.append(result)
        return result

    def _offline_systemctl(self, argv: list[str]) -> list[str] | None:
        """`systemctl --root=ROOT VERB UNIT...` for a unit-file command under another root.

        Enabling, disabling and masking are only links under etc/systemd/system, which
        systemctl itself makes in a tree that is not running (`--now` has nothing to start
        there, so it is dropped). None when the command is not one of those, when the unit is
        not in the tree yet (a package step that waits for boot installs it), or when this
        machine has no systemctl to do it.
        """
        if self.kind != "root" or len(argv) < 3 or argv[0] != "systemctl":
            return None
        verb = argv[1]
        if verb not in OFFLINE_SYSTEMCTL_VERBS or not shutil.which("systemctl"):
            return None
        units = [word for word in argv[2:] if word != "--now"]
        if any(word.startswith("-") for word in units):
            return None
        if verb != "is-enabled" and not all(self._unit_file_exists(unit) for unit in units):
            return None
        return ["systemctl", f"--root={self.root}", verb, *units]

    def _unit_file_exists(self, unit: str) -> bool:
        name = unit if "." in unit else f"{unit}.service"
        prefix, at, rest = name.partition("@")
        template = f"{prefix}@{rest[rest.index('.'):]}" if at and "." in rest else name
        return any(self.exists(f"{directory}/{candidate}") for directory in UNIT_DIRS
                   for candidate in {name, template})

    def change_route(self, op: str, route: dict[str, Any]) -> CommandResult:
        """Add or delete a route through netlink; under another root it waits for boot."""
        argv = _route_argv(op, route)
        if self.kind != "live":
            result = CommandResult(argv, 0, ran=False,
                                   note="not run: the persisted network config applies at boot")
        else:
            result = self._netlink_route(argv, op, route)
        self.command_log.append(result)
        return result

    def _netlink_route(self, argv: tuple[str, ...], op: str, route: dict[str, Any]
                       ) -> CommandResult:
        network = self.network
        assert network is not None, "only a live host changes routes through netlink"
        try:
            network.change_route(op, route)
        except OSError as error:
            return CommandResult(argv, 2, stderr=error.strerror or str(error))
        return CommandResult(argv, 0)

    # ------------------------------------------------------------------- network, ports
    def listening_ports(self) -> list[ListeningPort] | None:
        """Listening TCP sockets, or None when this host has no running system to ask."""
        return live_listening_ports(self.netns) if self.kind == "live" else None

    def tcp_connect(self, address: str, port: int, *, timeout: float = 3.0) -> TcpProbe | None:
        """Open (and close) a TCP connection from this host, or None without a running system.

        A worker's `kubeadm join` needs exactly this to succeed towards the API server.
        """
        if self.kind != "live":
            return None
        return tcp_probe(address, port, timeout=timeout, netns=self.netns)

    @cached_property
    def network(self) -> NetworkView | None:
        """Links, addresses, routes and rules of the running system (None under --root)."""
        if self.kind != "live":
            return None
        from wizard.host.network import LiveNetwork

        return LiveNetwork(self, self.netns)
