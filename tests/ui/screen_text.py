"""What a person sees: the app's screen as plain text lines, and the check table read back
from them (not from the widgets' data, which always held the whole result: the cut happened
when it was drawn)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from rich.console import Console

_BARS = "▁▂▃▄▅▆▇█▔▕▏▎▍▌▋▊▉"
STATUSES = ("pass", "warn", "fail", "skip")


def screen_lines(app) -> list[str]:
    """The screen exactly as drawn (the compositor's output, as export_screenshot uses it)."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system=None, record=True, legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(
        full=True, screen_stack=app._background_screens))
    return console.export_text().splitlines()[:height]


def static_text(app, selector: str, width: int = 200) -> str:
    """A Static's text as the operator reads it (Rich renderables rendered `width` wide)."""
    from textual.widgets import Static

    content = app.query_one(selector, Static).content
    if isinstance(content, str):
        return content
    console = Console(width=width, record=True, file=io.StringIO())
    console.print(content)
    return console.export_text()


def footer(app) -> str:
    return screen_lines(app)[-1]


def page_lines(app) -> list[str]:
    """The lines right of the sidebar's border."""
    lines = screen_lines(app)
    border = next(line.index("│") for line in lines if "│" in line)
    return [line[border + 1:] for line in lines[2:-1]]


@dataclass
class ShownCheck:
    status: str
    id: str
    result_lines: list[str] = field(default_factory=list)
    at_bottom: bool = False
    """The row reaches the table's last line: more of it may be below."""

    @property
    def result(self) -> str:
        return " ".join(self.result_lines)


def shown_checks(app) -> list[ShownCheck]:
    """The check table's rows as drawn: status, id, and the result's lines (a row may wrap)."""
    lines = page_lines(app)
    top = next(i for i, line in enumerate(lines)
               if "Check" in line and "Result" in line and "Fix" in line)
    header = lines[top]
    at_id, at_fix, at_result = (header.index(word) for word in ("Check", "Fix", "Result"))
    rows: list[ShownCheck] = []
    line_had_text = False
    for line in lines[top + 1:]:
        if line.lstrip().startswith("───"):
            if rows and line_had_text:
                rows[-1].at_bottom = True
            break
        line_had_text = bool(line.strip().strip(_BARS).strip())
        status = line[:at_id].strip()
        check_id = line[at_id:at_fix].strip()
        result = line[at_result:].rstrip().rstrip(_BARS).rstrip()
        if status in STATUSES:
            rows.append(ShownCheck(status, check_id, [result] if result else []))
        elif not status and not check_id and result and rows:
            rows[-1].result_lines.append(result)
        elif status or check_id:
            rows.append(ShownCheck("", check_id))  # a group heading
    return [row for row in rows if row.status]


def drawn_table(app, table, titles: tuple[str, ...], row_starts_at: int) -> list[list[str]]:
    """A facts table as drawn inside its region: one list of cells a row, each cell the
    column's text on all the row's lines joined by a space. The columns are found by their
    titles on the header line (the cells before the first title are column 0); a row begins
    on a line where column `row_starts_at` has text (a value wrapped or a second line under
    a name does not)."""
    region = table.region
    lines = [line[region.x:region.right].rstrip().rstrip(_BARS).rstrip()
             for line in screen_lines(app)[region.y:region.bottom]]
    header, body = lines[0], lines[1:]
    starts = [0] + [header.index(title) for title in titles]
    bounds = list(zip(starts, starts[1:] + [region.width], strict=True))
    rows: list[list[list[str]]] = []
    for line in body:
        cells = [line[start:end].strip() for start, end in bounds]
        if cells[row_starts_at] or not rows:
            rows.append([[cell] for cell in cells])
        else:
            for parts, cell in zip(rows[-1], cells, strict=True):
                parts.append(cell)
    return [[" ".join(part for part in parts if part) for parts in row] for row in rows]
