"""Finding the shipped assets (TCSS, lessons, simulated hosts) from a checkout or a wheel,
and the operator's cache (demo scratch copies, served sessions, the cluster zipapp).

In the repository assets/ sits at the top level, as the project asked; the wheel carries the
same tree inside the package as wizard/assets/ so nothing generic lands in site-packages.
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGED = Path(__file__).resolve().parent / "assets"
_CHECKOUT = Path(__file__).resolve().parent.parent / "assets"


def assets_dir() -> Path:
    return _PACKAGED if _PACKAGED.is_dir() else _CHECKOUT


def asset(*parts: str) -> Path:
    return assets_dir().joinpath(*parts)


def demo_names() -> list[str]:
    demos = asset("demos")
    return sorted(p.name for p in demos.iterdir() if (p / "host.yaml").is_file())


DEMO_ANSWERS = "answers.yml"
"""A scenario's starting choices (assets/demos/NAME/answers.yml): a fault that lives in the
choices, such as Calico's default pod CIDR over a home LAN, is part of the scenario."""


def demo_answers(name: str) -> Path | None:
    """The demo's own answers file, loaded when the operator gives no --answers."""
    path = asset("demos", name, DEMO_ANSWERS)
    return path if path.is_file() else None


def lesson(screen: str, language: str = "en") -> str:
    """The Markdown lesson for a screen (what F1 shows): assets/help/<screen>.md in English,
    assets/help/<language>/<screen>.md in another language."""
    path = asset("help", f"{screen}.md") if language == "en" else asset(
        "help", language, f"{screen}.md")
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return f"# {screen}\n\nNo lesson has been written for this screen yet."


def cache_home() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
