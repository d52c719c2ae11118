"""Every lesson exists in Korean, the catalog is complete and compiled, and --lang works.

The Korean text is checked for what a machine can check: it is there, it is Korean, nothing is
left in English, and the commands, paths and ids inside it are the English ones untouched.
"""

from __future__ import annotations

import io
import re
from contextlib import redirect_stdout
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from wizard import i18n
from wizard.checks.runner import run_checks
from wizard.cli import LESSON_NAMES, main
from wizard.host.simulated import SimulatedHost
from wizard.resources import asset, demo_names, lesson

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "assets/locale/ko/LC_MESSAGES/kubeadm_wizard.po"
MO = PO.with_suffix(".mo")
HANGUL = re.compile(r"[\uac00-\ud7a3]")
FENCED = re.compile(r"^```.*?\n(.*?)^```", re.S | re.M)
INLINE = re.compile(r"`([^`\n]+)`")
HEADING = re.compile(r"^#+ ", re.M)


@pytest.fixture(autouse=True)
def _english_afterwards():
    yield
    i18n.set_language("en")


def _catalog():
    with PO.open("rb") as handle:
        return read_po(handle, locale="ko")


def test_every_screen_lesson_has_a_korean_counterpart_with_the_same_commands():
    english = sorted(p.stem for p in asset("help").glob("*.md"))
    assert set(english) == set(LESSON_NAMES)
    for screen in english:
        en, ko = lesson(screen, "en"), lesson(screen, "ko")
        assert (ROOT / "assets/help/ko" / f"{screen}.md").is_file(), screen
        assert len(HANGUL.findall(ko)) > 100, f"{screen}: the Korean lesson is not Korean"
        assert len(HEADING.findall(ko)) == len(HEADING.findall(en)), screen
        assert FENCED.findall(ko) == FENCED.findall(en), f"{screen}: code blocks differ"
        ko_code = set(INLINE.findall(ko))
        missing = [code for code in INLINE.findall(en) if code not in ko_code]
        assert not missing, f"{screen}: commands/paths translated or lost: {missing}"


def test_catalog_translates_every_msgid_into_korean():
    untranslated = [m.id for m in _catalog() if m.id and (
        not m.string or m.string == m.id or not HANGUL.search(m.string) or m.fuzzy)]
    assert not untranslated


def test_catalog_holds_every_marked_string_in_the_code():
    marked = {found[2] for found in extract_from_dir(
        str(ROOT / "wizard"), method_map=[("**.py", "python")],
        keywords={"_": None, "N_": None})}
    in_po = {m.id for m in _catalog() if m.id}
    assert marked - in_po == set(), "run pybabel extract and translate the new strings"
    assert in_po - marked == set(), "the .po keeps strings the code no longer has"


def test_shipped_mo_is_compiled_from_the_po(tmp_path):
    compiled = io.BytesIO()
    write_mo(compiled, _catalog())
    assert MO.read_bytes() == compiled.getvalue(), "run pybabel compile"


@pytest.mark.parametrize("demo", demo_names())
def test_every_check_lesson_is_shown_in_korean_after_a_switch(demo, tmp_path):
    """Lessons are looked up when shown, so switching language needs no re-check."""
    results = run_checks(SimulatedHost(demo, scratch=tmp_path / demo))
    i18n.set_language("ko")
    english = {(r.id, r.lesson) for r in results
               if r.lesson and not HANGUL.search(i18n._(r.lesson))}
    assert not english


@pytest.mark.parametrize("demo", demo_names())
def test_every_step_why_is_korean_when_checked_in_korean(demo, tmp_path):
    """A why with the host's own values in it is translated when the step is made."""
    i18n.set_language("ko")
    results = run_checks(SimulatedHost(demo, scratch=tmp_path / demo))
    english = {(s.id, s.why) for r in results for s in r.fixes if not HANGUL.search(i18n._(s.why))}
    assert not english


def test_placeholders_survive_translation():
    for message in _catalog():
        if message.id:
            assert set(re.findall(r"{\w+}", message.id)) == set(
                re.findall(r"{\w+}", message.string)), message.id


@pytest.mark.parametrize(("environ", "expected"), [
    ({"LANG": "ko_KR.UTF-8"}, "ko"), ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "ko_KR.UTF-8"}, "ko"),
    ({"LC_ALL": "C", "LANG": "ko_KR.UTF-8"}, "en"), ({}, "en"), ({"LANG": "C.UTF-8"}, "en")])
def test_default_language_follows_the_locale(environ, expected):
    assert i18n.default_language(environ) == expected


def _lesson_output(argv):
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(argv) == 0
    return out.getvalue()


def test_lesson_command_prints_the_markdown_in_either_language(monkeypatch):
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    assert _lesson_output(["lesson", "cgroups"]) == lesson("cgroups", "en")
    korean = _lesson_output(["lesson", "cgroups", "--lang", "ko"])
    assert korean == lesson("cgroups", "ko") and HANGUL.search(korean)
    assert _lesson_output(["--lang", "ko", "lesson", "runtime"]) == lesson("runtime", "ko")
    monkeypatch.setenv("LANG", "ko_KR.UTF-8")
    assert _lesson_output(["lesson", "init"]) == lesson("init", "ko")
