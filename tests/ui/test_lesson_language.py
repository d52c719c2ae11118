"""ctrl+l switches the lessons between English and Korean while the wizard runs."""

from __future__ import annotations

import re

from screens.help import LessonScreen
from wizard import i18n

HANGUL = re.compile(r"[\uac00-\ud7a3]")


async def test_ctrl_l_switches_f1_and_the_check_lessons_to_korean(demo_app, settle):
    app = demo_app("rpi4-bookworm", screen="bridge")
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            await pilot.press("f1")
            assert not HANGUL.search(app.screen.markdown)
            await pilot.press("escape", "ctrl+l")
            await settle(app, pilot)
            assert i18n.current_language() == "ko"
            await pilot.press("f1")
            assert isinstance(app.screen, LessonScreen)
            assert HANGUL.search(app.screen.markdown) and "br_netfilter" in app.screen.markdown
            await pilot.press("escape", "ctrl+l")
            await settle(app, pilot)
            assert i18n.current_language() == "en"
    finally:
        i18n.set_language("en")
