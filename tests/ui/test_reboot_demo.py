"""ctrl+b on a demo host: a simulated reboot from inside the wizard, then the checks again.

The sysctl-order demo is the instructor's "it worked until the reboot": ip_forward is on now
but a later sysctl.d file turns it off at boot, so the warning becomes a failure.
"""

from __future__ import annotations

from settling import settle_workers
from textual.widgets import Static
from textual.widgets._footer import FooterKey

from screens.app import WizardApp
from screens.dialogs.reboot import RebootDialog

IP_FORWARD = "FileContent--proc-sys-net-ipv4-ip_forward"


def _footer(app) -> list[str]:
    return [key.description for key in app.screen.query(FooterKey)]


def _status(app, check_id: str) -> str:
    return next(r.status.value for r in app.results if r.id == check_id)


async def test_ctrl_b_reboots_the_demo_and_rechecks(demo_app):
    app = demo_app("sysctl-order")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle_workers(app, pilot)
        assert _status(app, IP_FORWARD) == "warn"
        assert "Reboot" in _footer(app)
        await pilot.press("ctrl+b")
        await pilot.pause()
        assert isinstance(app.screen, RebootDialog)
        await pilot.press("n")  # cancelled: nothing booted
        await pilot.pause()
        assert not isinstance(app.screen, RebootDialog)
        assert app.host.read_text("/proc/sys/net/ipv4/ip_forward") == "1\n"

        await pilot.press("ctrl+b")
        await pilot.pause()
        await pilot.press("y")
        await settle_workers(app, pilot)
        report = str(app.screen.query_one("#reboot-report", Static).render())
        assert "network-hardening.conf:3" in report
        await pilot.press("escape")
        await settle_workers(app, pilot)
        assert not isinstance(app.screen, RebootDialog)
        assert _status(app, IP_FORWARD) == "fail"


async def test_no_reboot_key_on_a_host_that_is_not_a_demo(live_root, tmp_path):
    (tmp_path / "etc").mkdir()
    app = WizardApp(live_root(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle_workers(app, pilot)
        assert app.check_action("reboot_demo", ()) is False
        assert "Reboot" not in _footer(app) and "Quit" in _footer(app)
        await pilot.press("ctrl+b")
        await pilot.pause()
        assert not isinstance(app.screen, RebootDialog)
