"""The language lessons are shown in: English as written in the code, Korean from a catalog.

The English text stays the source (the msgid) so a check reads the same in the code as on an
English screen; Korean comes from the gettext catalog in assets/locale, compiled by Babel and
read here with the standard library, so running the wizard needs no extra package.

`_` looks the text up each time it is called, so a lesson stored in English (a module
constant marked with `N_`) is still shown in Korean after the operator switches at run time.
Check ids, commands, paths and kubeadm's own messages are never marked: the learner must see
what kubeadm prints.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Mapping

from wizard.resources import asset

DOMAIN = "kubeadm_wizard"
LANGUAGES = ("en", "ko")

_language = "en"
_catalogs: dict[str, gettext.NullTranslations] = {}


def default_language(environ: Mapping[str, str] | None = None) -> str:
    """ko for a Korean locale (ko_KR.UTF-8, ko), else en; LC_ALL wins over LC_MESSAGES and LANG,
    as in the C library."""
    env = os.environ if environ is None else environ
    for key in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(key, "")
        if value:
            return "ko" if value.split(".")[0].split("_")[0].lower() == "ko" else "en"
    return "en"


def set_language(language: str) -> None:
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r} (choose from {', '.join(LANGUAGES)})")
    global _language
    _language = language


def current_language() -> str:
    return _language


def catalog(language: str) -> gettext.NullTranslations:
    """The compiled catalog for a language; English has none (the msgids are English)."""
    if language not in _catalogs:
        _catalogs[language] = gettext.translation(
            DOMAIN, localedir=str(asset("locale")), languages=[language],
            fallback=True) if language != "en" else gettext.NullTranslations()
    return _catalogs[language]


def _(text: str) -> str:
    """`text` in the current language (itself when the catalog has no translation)."""
    if not text or _language == "en":
        return text
    return catalog(_language).gettext(text)


def N_(text: str) -> str:  # noqa: N802 - the gettext convention, known to pybabel extract
    """Marks a module-level string for extraction; it is translated where it is shown."""
    return text
