"""Read and minimally edit containerd's ``/etc/containerd/config.toml``.

kubeadm needs three things from containerd: the CRI plugin switched on, runc driving cgroups
through systemd (the kubelet's driver since kubeadm 1.22), and ideally the same pause image that
kubeadm pulls. Where each lives depends on the file's config version:

* version 1 (no ``version`` key; Docker's ``containerd.io`` package ships such a file with
  ``disabled_plugins = ["cri"]``): short plugin ids, ``[plugins.cri...]``;
* version 2 (containerd 1.x): ``[plugins."io.containerd.grpc.v1.cri"...]``;
* version 3 (containerd 2.x): the CRI is split into ``io.containerd.cri.v1.runtime`` and
  ``io.containerd.cri.v1.images``.

containerd 2.x converts version 1 and 2 files on load, so each file is edited in its own
layout. The edits go through tomlkit so that a person's comments, blank lines and key order
survive and the wizard can show a diff that touches only the lines it means to change.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import tomlkit
from tomlkit.container import Container, OutOfOrderTableProxy
from tomlkit.exceptions import ParseError, TOMLKitError
from tomlkit.items import InlineTable, Item, String, StringType, Table
from tomlkit.toml_document import TOMLDocument

from wizard.resources import asset

# Every id whose presence in disabled_plugins stops the CRI: "cri" is the version 1 id (and
# makes containerd refuse a version 2/3 file outright); 2.x needs all three of its CRI plugins.
CRI_PLUGIN_IDS = frozenset(
    {
        "cri",
        "io.containerd.grpc.v1.cri",
        "io.containerd.cri.v1.images",
        "io.containerd.cri.v1.runtime",
    }
)
RUNC_RUNTIME_TYPE = "io.containerd.runc.v2"
SUPPORTED_MAJORS = (1, 2)

_Path = tuple[str, ...]
_HEADER = re.compile(r"\s*\[")
_KEY = re.compile(r"\s*[\w\"'.-]+\s*=")
_Node = TOMLDocument | Container | Table | InlineTable | OutOfOrderTableProxy


@dataclass(frozen=True)
class _Layout:
    """Where the runc runtime table and the sandbox (pause) image key live in one config version."""

    runc: _Path
    sandbox: _Path


_LAYOUTS = {
    1: _Layout(
        runc=("plugins", "cri", "containerd", "runtimes", "runc"),
        sandbox=("plugins", "cri", "sandbox_image"),
    ),
    2: _Layout(
        runc=("plugins", "io.containerd.grpc.v1.cri", "containerd", "runtimes", "runc"),
        sandbox=("plugins", "io.containerd.grpc.v1.cri", "sandbox_image"),
    ),
    3: _Layout(
        runc=("plugins", "io.containerd.cri.v1.runtime", "containerd", "runtimes", "runc"),
        sandbox=("plugins", "io.containerd.cri.v1.images", "pinned_images", "sandbox"),
    ),
}


class ContainerdConfigError(ValueError):
    """The text is not TOML, or not a containerd config the wizard can safely edit.

    ``line`` and ``column`` (1-based) point at the problem when the TOML parser knows it.
    """

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        self.line = line
        self.column = column
        where = f" (line {line}, column {column})" if line is not None else ""
        super().__init__(f"containerd config: {message}{where}")


@dataclass(frozen=True)
class ContainerdConfigSummary:
    """What the wizard needs to know about a containerd config, as containerd would read it."""

    version: int
    """1 when the file has no ``version`` key, else 2 or 3."""
    systemd_cgroup: bool | None
    """runc's ``SystemdCgroup`` option; None when unset, which means cgroupfs in 1.x and 2.x."""
    cri_disabled: bool
    """True when ``disabled_plugins`` names any CRI plugin id (see CRI_PLUGIN_IDS)."""
    sandbox_image: str | None
    """The pinned pause image; None when unset (containerd's built-in default applies)."""
    runc_table: str
    """The TOML table that configures runc in this version, e.g. for explanations and diffs."""

    @property
    def uses_systemd_cgroup(self) -> bool:
        """Whether runc will use the systemd cgroup driver: an unset option means cgroupfs."""
        return self.systemd_cgroup is True


@functools.lru_cache(maxsize=32)
def parse(text: str) -> ContainerdConfigSummary:
    """Summarise a containerd config; raises ContainerdConfigError for invalid TOML or shapes.

    Kept for the texts last asked about: a tomlkit parse of a full default config takes
    about 25 ms, and one check run asks about the same file from several checks and steps.
    """
    doc, version = _load(text)
    layout = _LAYOUTS[version]
    plain = doc.unwrap()
    options = _lookup(plain, (*layout.runc, "options"))
    systemd = options.get("SystemdCgroup") if isinstance(options, dict) else None
    if systemd is not None and not isinstance(systemd, bool):
        raise ContainerdConfigError(
            f"SystemdCgroup in [{_render(layout.runc)}.options] must be true or false"
        )
    sandbox = _lookup(plain, layout.sandbox)
    if sandbox is not None and not isinstance(sandbox, str):
        raise ContainerdConfigError(f"{_render(layout.sandbox)} must be a string")
    return ContainerdConfigSummary(
        version=version,
        systemd_cgroup=systemd,
        cri_disabled=bool(_cri_ids(_disabled_plugins(plain))),
        sandbox_image=sandbox,
        runc_table=_render(layout.runc),
    )


def configure(text: str, *, cri: bool = False, systemd_cgroup: bool | None = None,
              sandbox_image: str | None = None) -> str:
    """The edits kubeadm needs, on one parse of ``text``: the CRI enabled (``cri``), runc's
    ``SystemdCgroup`` set (unless None), the pause image pinned (unless None)."""
    doc, version = _load(text)
    style = _Style.of(text)
    if cri:
        _enable_cri(doc)
    if systemd_cgroup is not None:
        _set_systemd_cgroup(doc, _LAYOUTS[version].runc, style, systemd_cgroup)
    if sandbox_image is not None:
        _set_sandbox_image(doc, _LAYOUTS[version].sandbox, style, sandbox_image)
    return doc.as_string()


def _set_systemd_cgroup(doc: TOMLDocument, runc_path: _Path, style: _Style,
                        enabled: bool) -> None:
    """A runc table without ``runtime_type`` also gets ``runtime_type = "io.containerd.runc.v2"``:
    containerd 1.x replaces its whole built-in runc entry with the file's table, so without it
    runc ends up with an empty runtime type (seen with ``containerd config dump`` on 1.6.20).
    """
    runc = _ensure_table(doc, runc_path, style)
    if "runtime_type" not in runc:
        indent = _key_indent(runc, runc_path, style)
        _set_key(runc, "runtime_type", RUNC_RUNTIME_TYPE, indent, style)
    options_path = (*runc_path, "options")
    options = _ensure_table(doc, options_path, style)
    indent = _key_indent(options, options_path, style)
    _set_key(options, "SystemdCgroup", enabled, indent, style)


def _enable_cri(doc: TOMLDocument) -> None:
    if not _cri_ids(_disabled_plugins(doc.unwrap())):
        return
    disabled = doc["disabled_plugins"]
    for index in reversed(range(len(disabled))):
        if disabled[index] in CRI_PLUGIN_IDS:
            del disabled[index]


def _set_sandbox_image(doc: TOMLDocument, sandbox_path: _Path, style: _Style,
                       image: str) -> None:
    *table_path, key = sandbox_path
    table = _ensure_table(doc, tuple(table_path), style)
    _set_key(table, key, image, _key_indent(table, tuple(table_path), style), style)


def default_config(major: int, platform: str | None = None) -> str:
    """``containerd config default`` of containerd ``major``.x (1 → config version 2, 2 → 3).

    For hosts where the file is missing and containerd cannot be run, e.g. a mounted SD card
    image. The stored output lists ``linux/amd64`` as the task platform; pass ``platform``
    (such as ``"linux/arm64/v8"``) to write what containerd itself prints on that machine.
    """
    if major not in SUPPORTED_MAJORS:
        raise ValueError(f"no default config for containerd {major}.x; known: {SUPPORTED_MAJORS}")
    text = asset("runtime", f"containerd-default-v{major + 1}.toml").read_text(encoding="utf-8")
    if platform is None:
        return text
    doc = tomlkit.parse(text)
    platforms = doc["plugins"]["io.containerd.runtime.v2.task"]["platforms"]
    platforms[0] = tomlkit.string(platform, literal=platforms[0].type == StringType.SLL)
    return doc.as_string()


def _load(text: str) -> tuple[TOMLDocument, int]:
    """Parse ``text`` and work out its config version, turning parser errors into ours."""
    try:
        doc = tomlkit.parse(text)
    except ParseError as exc:
        raise ContainerdConfigError(f"invalid TOML: {_reason(exc)}", exc.line, exc.col + 1) from exc
    except TOMLKitError as exc:
        raise ContainerdConfigError(f"invalid TOML: {exc}") from exc
    version = doc.get("version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version not in (0, 1, 2, 3):
        raise ContainerdConfigError(f"unsupported config version {version!r} (expected 1, 2 or 3)")
    return doc, max(int(version), 1)


def _reason(exc: ParseError) -> str:
    """tomlkit's message without its own " at line X col Y" suffix, which we report 1-based."""
    reason = str(exc).rsplit(" at line ", 1)[0]
    # tomlkit reads past the end of the text as a NUL character.
    return reason.replace("Unexpected character: '\\x00'", "unexpected end of file")


def _lookup(plain: dict[str, Any], path: _Path) -> object:
    """The value at ``path`` in the unwrapped document, or None when any part is missing."""
    node: object = plain
    for depth, key in enumerate(path):
        if node is None:
            return None
        if not isinstance(node, dict):
            raise ContainerdConfigError(f"{_render(path[:depth])} must be a table")
        node = node.get(key)
    return node


def _disabled_plugins(plain: dict[str, Any]) -> list[str]:
    disabled = plain.get("disabled_plugins", [])
    if not isinstance(disabled, list) or not all(isinstance(p, str) for p in disabled):
        raise ContainerdConfigError("disabled_plugins must be a list of plugin ids")
    return disabled


def _cri_ids(plugin_ids: Iterable[str]) -> list[str]:
    return [plugin_id for plugin_id in plugin_ids if plugin_id in CRI_PLUGIN_IDS]


def _render(path: _Path) -> str:
    """A dotted TOML key, quoting the parts that need it, as in the config's own headers."""
    return ".".join(
        key if key.replace("_", "").replace("-", "").isalnum() else f'"{key}"' for key in path
    )


@dataclass(frozen=True)
class _Style:
    """How the file indents, so that added lines look like their neighbours.

    ``containerd config default`` indents each header two spaces per level and keys two more;
    hand-written files often keep headers at column 0 and indent only the keys.
    """

    nested_headers: bool
    indented_keys: bool
    literal_strings: bool
    """containerd 2.x prints 'single-quoted' strings, 1.x "double-quoted" ones."""

    @classmethod
    def of(cls, text: str) -> _Style:
        lines = text.splitlines()
        return cls(
            nested_headers=any(_HEADER.match(line) and line[0].isspace() for line in lines),
            indented_keys=any(_KEY.match(line) and line[0].isspace() for line in lines),
            literal_strings=text.count("= '") > text.count('= "'),
        )

    def header(self, depth: int) -> str:
        return "  " * (depth - 1) if self.nested_headers else ""

    def key(self, header_indent: str) -> str:
        return header_indent + ("  " if self.indented_keys else "")


def _ensure_table(doc: TOMLDocument, path: _Path, style: _Style) -> _Node:
    """The table at ``path``, creating the missing levels as new tables below their parent."""
    node: _Node = doc
    for depth, key in enumerate(path, start=1):
        if key not in node:
            table = tomlkit.table()
            node[key] = table
            # Only after insertion: tomlkit prefixes the parent header's indent on insert.
            table.trivia.indent = style.header(depth)
        node = node[key]
        if not isinstance(node, (Table, InlineTable, OutOfOrderTableProxy)):
            raise ContainerdConfigError(f"{_render(path[:depth])} must be a table")
    return node


def _key_indent(table: _Node, path: _Path, style: _Style) -> str:
    """Indent a new key like the table's other keys, else as the file's style says."""
    items = _items(table)
    if items:
        return items[-1].trivia.indent
    header = table.trivia.indent if isinstance(table, Table) else style.header(len(path))
    return style.key(header)


def _items(table: _Node) -> list[Item]:
    """The table's own values as raw items (booleans keep their trivia), in file order.

    A table split across the file is a proxy whose dict storage holds the raw items.
    """
    if isinstance(table, OutOfOrderTableProxy):
        values: Iterable[object] = dict.values(table)
    else:
        container = table if isinstance(table, Container) else table.value
        values = (item for key, item in container.body if key is not None)
    return [value for value in values if isinstance(value, Item) and not isinstance(value, Table)]


def _set_key(table: _Node, key: str, value: str | bool, indent: str, style: _Style) -> None:
    """Set ``key``, keeping an existing value's comment, indent and quote style."""
    current = table.get(key)
    item: Item
    if isinstance(value, str):
        item = tomlkit.string(
            value, literal=_prefers_literal(current, table, style) and "'" not in value
        )
    else:
        item = tomlkit.item(value)
    table[key] = item
    if current is None:
        # Only after insertion: tomlkit prefixes the table's own indent on insert.
        item.trivia.indent = "" if isinstance(table, InlineTable) else indent


def _prefers_literal(current: object, table: _Node, style: _Style) -> bool:
    """Quote like the value being replaced, else like the table's strings, else like the file."""
    strings = [current] if isinstance(current, String) else []
    strings += [item for item in _items(table) if isinstance(item, String)]
    return strings[0].type == StringType.SLL if strings else style.literal_strings

