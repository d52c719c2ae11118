"""The copy of the wizard that `cluster check` sends to every node: one zipapp file.

Why a zipapp built here: the node runs the very checks this installation runs (one
implementation of every check), and nothing is downloaded on the node or on the controller.
The archive carries the `wizard` package with its assets and the pure-Python libraries the
core needs (PyYAML without its C part, tomlkit, pyroute2). Compiled modules are left out:
they are built for the controller's Python and CPU, not the node's. psutil is one of them;
without it the node reads its listening ports from /proc/net/tcp (wizard.host.ports).

The archive unpacks itself next to where it lies before it runs, because the wizard reads
its assets (demo trees, lessons, default configs) as ordinary files.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import stat
import zipfile
from pathlib import Path

from wizard.resources import assets_dir, cache_home

BUNDLED_LIBRARIES = ("yaml", "tomlkit", "pyroute2")
"""Pure-Python imports of the core (the TUI's Textual stays home: a node runs no screens)."""

_SKIPPED_SUFFIXES = (".pyc", ".so", ".pyd")
_FIXED_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest a zip entry can carry

_MAIN = '''\
"""kubeadm-wizard, as `kubeadm-wizard cluster check` sends it to a node."""
import os
import shutil
import sys
import tempfile
import zipfile

here = os.path.abspath(os.path.dirname(__file__))
target = here + ".d"
if not os.path.isdir(os.path.join(target, "wizard")):
    # Unpacked into a private directory and renamed into place: nodes that share a cache
    # (local connections, an NFS home) must never import a half-written package.
    # zipfile's extractall drops modes and links; the demo trees need both (their tools are
    # executables, /etc/resolv.conf is a link), so each entry gets its own back.
    staging = tempfile.mkdtemp(prefix=os.path.basename(target) + ".", dir=os.path.dirname(here))
    with zipfile.ZipFile(here) as archive:
        for info in archive.infolist():
            path = os.path.join(staging, info.filename)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            mode = info.external_attr >> 16
            if mode & 0o170000 == 0o120000:
                os.symlink(archive.read(info).decode(), path)
                continue
            with open(path, "wb") as handle:
                handle.write(archive.read(info))
            os.chmod(path, (mode & 0o7777) or 0o644)
    try:
        os.rename(staging, target)
    except OSError:
        # Another run renamed its copy first (the same content: the name is its hash).
        shutil.rmtree(staging, ignore_errors=True)
sys.path.insert(0, target)
from wizard.cli import main  # noqa: E402

sys.exit(main())
'''


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"{name} is not installed as a package; cannot bundle it")
    return Path(next(iter(spec.submodule_search_locations)))


def _tree_entries(source: Path, prefix: str) -> list[tuple[str, Path]]:
    """(name in the archive, file) for every file and symlink under `source`."""
    entries = []
    for path in sorted(source.rglob("*")):
        if "__pycache__" in path.parts or path.name.endswith(_SKIPPED_SUFFIXES):
            continue
        if path.is_symlink() or path.is_file():
            entries.append((f"{prefix}/{path.relative_to(source).as_posix()}", path))
    return entries


def _entries() -> list[tuple[str, Path]]:
    wizard_dir = _package_dir("wizard")
    entries = _tree_entries(wizard_dir, "wizard")
    if not (wizard_dir / "assets").is_dir():  # an editable install: assets at the top
        entries += _tree_entries(assets_dir(), "wizard/assets")
    for library in BUNDLED_LIBRARIES:
        entries += _tree_entries(_package_dir(library), library)
    return entries


def bundle_name(zipapp: Path) -> str:
    """The name a node keeps the zipapp under: its content decides, so a node never runs a
    stale copy and an unchanged one is not copied again."""
    return f"kubeadm-wizard-{hashlib.sha256(zipapp.read_bytes()).hexdigest()[:16]}.pyz"


def build_zipapp(target: Path, entries: list[tuple[str, Path]] | None = None) -> Path:
    """Write the zipapp to `target` and return it (`python3 TARGET check --json` runs it):
    files with their modes, and symlinks as links (the unpacker recreates both)."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        # A fixed date, as the files below have theirs: the name a node caches the zipapp
        # under is its hash, and a clock in it made every run copy, unpack and compile anew.
        archive.writestr(zipfile.ZipInfo("__main__.py", date_time=_FIXED_DATE), _MAIN,
                         compress_type=zipfile.ZIP_DEFLATED)
        for name, path in _entries() if entries is None else entries:
            if path.is_symlink():
                info = zipfile.ZipInfo(name)
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                archive.writestr(info, os.readlink(path))
            else:
                archive.write(path, name)
    return target


def cached_zipapp(target: Path) -> Path:
    """The zipapp at `target`, copied from this installation's cache when its files have not
    changed since it was built (a build reads some 1,500 files: about 0.3 s of every
    cluster command). The cache holds one zipapp, named by the files' names, sizes and
    modification times."""
    entries = _entries()
    listing = hashlib.sha256()
    for name, path in entries:
        info = path.lstat()
        listing.update(f"{name}\0{info.st_size}\0{info.st_mtime_ns}\0{info.st_mode}\n".encode())
    bundles = cache_home() / "kubeadm-wizard" / "bundles"
    cached = bundles / f"{listing.hexdigest()[:16]}.pyz"
    if not cached.is_file():
        bundles.mkdir(parents=True, exist_ok=True)
        partial = bundles / f".{cached.name}.{os.getpid()}"
        build_zipapp(partial, entries)
        os.replace(partial, cached)  # a run that reads it meanwhile sees all of it or none
        for stale in bundles.glob("*.pyz"):
            if stale != cached:
                stale.unlink(missing_ok=True)
    shutil.copyfile(cached, target)
    return target
