"""The Picture tab: the host, its adapters, networks and gateways, drawn as a tree.

The core (`wizard.network.picture`) builds and lays out the drawing; this widget only keeps
the latest facts, routes and lookup, gives the style names their colours, and draws again
at its own width whenever one of them (or its size) changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from rich.text import Text
from textual import events
from textual.containers import VerticalScroll
from textual.widgets import Static

from wizard.checks.network import AdvertiseFacts
from wizard.network.picture import Picture, PictureLine, build_picture, render
from wizard.network.rtnetlink.route_table import Route

LOOK = {
    "host": "bold",
    "adapter": "bold cyan",
    "address": "",
    "advertised": "bold green",
    "default": "bold yellow",
    "gateway": "bold",
    "network": "magenta",
    "note": "italic",
    "warn": "bold red",
    "muted": "dim",
    "path": "bold reverse",
}


def picture_text(lines: Iterable[PictureLine]) -> Text:
    text = Text()
    for number, line in enumerate(lines):
        row = Text(line.text)
        for span in line.spans:
            if LOOK.get(span.style):
                row.stylize(LOOK[span.style], span.start, span.end)
        if number:
            text.append("\n")
        text.append_text(row)
    return text


class NetworkPicture(VerticalScroll):
    """Scrolls when the host has more adapters than 24 rows hold; never wider than itself."""

    DEFAULT_CSS = """
    NetworkPicture { height: 1fr; scrollbar-gutter: stable; }
    NetworkPicture #picture { width: 1fr; height: auto; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.host_label = ""
        self.facts: AdvertiseFacts | None = None
        self.routes: Iterable[Route] = ()
        self.chosen = ""
        self.answer: Mapping[str, Any] | None = None
        self.answered_over: object = None  # the snapshot the answer's route_index points into
        self.dst = ""
        self.picture: Picture | None = None
        self.lines: list[PictureLine] = []
        self._drawn_width = 0

    def compose(self):
        yield Static("Reading the adapters and routes…", id="picture", markup=False)

    def show(self, host_label: str, facts: AdvertiseFacts, routes: Iterable[Route],
             chosen: str) -> None:
        """New facts or routes (a reload after a change) or a new advertise choice."""
        self.host_label, self.facts, self.routes, self.chosen = host_label, facts, routes, chosen
        self._draw()

    def show_path(self, dst: str, answer: Mapping[str, Any], routes: Iterable[Route]) -> None:
        """The last lookup's path over `routes`, drawn on the same tree; it is left out
        while the tree shows another snapshot (the page asks again over the new one)."""
        self.dst, self.answer, self.answered_over = dst, answer, routes
        self._draw()

    def show_error(self, text: str) -> None:
        self.query_one("#picture", Static).update(text)

    def on_resize(self, _event: events.Resize) -> None:
        self._draw()

    @property
    def drawing_width(self) -> int:
        """The columns the drawing may use: the widget less its scrollbar gutter, which is
        kept even without a scrollbar (a redraw that adds lines would otherwise lose two
        columns to a new scrollbar after the lines were wrapped)."""
        width = self.scrollable_content_region.width or self.size.width
        return max(width, 24)

    @property
    def drawing_pending(self) -> bool:
        """Drawn for another width than it now has (drawn while hidden, say): the redraw
        comes with the Resize event; what tests wait for besides workers."""
        return (self.facts is not None and self.size.width > 0
                and self._drawn_width != self.drawing_width)

    def _draw(self) -> None:
        if self.facts is None or not self.is_mounted:
            return
        answer = self.answer if self.answered_over is self.routes else None
        self.picture = build_picture(self.host_label, self.facts, self.routes, self.chosen,
                                     answer, self.dst)
        self._drawn_width = self.drawing_width
        self.lines = render(self.picture, self._drawn_width)
        self.query_one("#picture", Static).update(picture_text(self.lines))
