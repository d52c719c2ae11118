"""The pod and Service ranges on the Init / Join page: judged as typed, overlap beside them
(issue 10 §4)."""

from __future__ import annotations

from textual.widgets import Input, Static, TabbedContent


def message(app, key: str) -> str:
    return str(app.query_one(f"#subnet-{key}-message", Static).content)


async def type_range(app, pilot, settle, key: str, value: str) -> None:
    field = app.query_one(f"#subnet-{key}", Input)
    field.value = ""
    field.focus()
    await pilot.press(*value)
    await settle(app, pilot)


async def test_the_ranges_are_fields_judged_as_typed_with_the_overlap_beside_them(demo_app,
                                                                                  settle):
    app = demo_app("ubuntu-vagrant", screen="init")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.query_one("#ij-tabs", TabbedContent).active = "ij-config"
        await pilot.pause()
        assert app.query_one("#subnet-pod", Input).value == "10.244.0.0/16"
        assert message(app, "pod") == "valid; overlaps none of this host's networks"

        await type_range(app, pilot, settle, "pod", "10.244.0.0/33")
        assert message(app, "pod") == ("podSubnet '10.244.0.0/33' is not a CIDR such as "
                                       "10.244.0.0/16")
        assert app.choices.pod_subnet == "10.244.0.0/16"  # an invalid range is not taken

        await type_range(app, pilot, settle, "pod", "192.168.0.0/16")
        assert "podSubnet 192.168.0.0/16 overlaps address 192.168.56.10/24 on enp0s8" in (
            message(app, "pod"))
        assert app.choices.pod_subnet == "192.168.0.0/16"
        results = {r.id: r for r in app.results}
        assert results["PodSubnetOverlap"].status.value == "fail"

        await type_range(app, pilot, settle, "service", "192.168.0.0/12")
        assert "has host bits set" in message(app, "service")
        assert app.choices.service_subnet == "10.96.0.0/12"
