"""Cells that fit a narrow column: wrapped at spaces or path separators, or cut from the front.

The facts tables (Bridge & iptables, Container runtime) had their columns as wide as their
longest value; at 80 columns a page has about 54 cells and they scrolled sideways, hiding all
but the first two columns. These helpers let a table give each column less and keep what
tells the values apart.
"""

from __future__ import annotations

import re

from rich.text import Text

_BREAK_AFTER = re.compile(r"[ /]")


def longest_word(text: str) -> int:
    """The narrowest a column can be for `text` to wrap at spaces without cutting a word."""
    return max((len(word) for word in text.split()), default=0)


def wrap(text: str, width: int, style: str = "") -> Text:
    """`text` in lines of at most `width`, broken after a space or a '/' (a socket path keeps
    whole directory names), a word longer than the line cut where it must."""
    lines: list[str] = []
    line = ""
    for piece in _pieces(text):
        if line and len(line.rstrip() + piece.rstrip()) > width:
            lines.append(line.rstrip())
            line = ""
        while len(piece.rstrip()) > width:
            lines.append(piece[:width])
            piece = piece[width:]
        line += piece
    if line.strip() or not lines:
        lines.append(line.rstrip())
    return Text("\n".join(lines), style=style)


def _pieces(text: str) -> list[str]:
    """`text` split after each space or '/', the separators kept."""
    pieces, start = [], 0
    for match in _BREAK_AFTER.finditer(text):
        pieces.append(text[start:match.end()])
        start = match.end()
    if start < len(text):
        pieces.append(text[start:])
    return pieces

