"""`kubeadm-wizard lesson SCREEN`: a screen's lesson as Markdown, for an instructor's handout."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any


def add_lesson_command(commands: argparse._SubParsersAction[Any],
                       screens: Sequence[str]) -> None:
    text = "print a screen's lesson (what F1 shows) as Markdown"
    lesson = commands.add_parser("lesson", help=text, description=text)
    lesson.add_argument("screen", choices=screens, metavar="SCREEN",
                        help="one of: " + ", ".join(screens))
    # SUPPRESS keeps the global `--lang` when this one is not given.
    lesson.add_argument("--lang", choices=("en", "ko"), default=argparse.SUPPRESS,
                        help="language (default: --lang, else from LANG / LC_MESSAGES)")


def cmd_lesson(args: argparse.Namespace) -> int:
    from wizard.i18n import current_language, set_language
    from wizard.resources import lesson

    if getattr(args, "lang", None):
        set_language(args.lang)
    text = lesson(args.screen, current_language())
    print(text, end="" if text.endswith("\n") else "\n")
    return 0
