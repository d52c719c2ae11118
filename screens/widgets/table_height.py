"""A facts table as high as its rows, set when it is filled.

Why not `height: auto`: a DataTable measures rows added to it on its next idle, and the
layout made before that measured nothing. Seen at 80x24 (Textual 8.2): the Bridge and
Runtime pages' tables, filled as the page was first shown, stayed 0 lines high with all
their rows in them, and no later layout grew them. The tables' max-height still caps this.
"""

from __future__ import annotations

from textual.widgets import DataTable


def fit_height_to_rows(table: DataTable) -> None:
    """Call after filling `table`: its rows' own heights (one line each unless given) and
    the header."""
    header = table.header_height if table.show_header else 0
    table.styles.height = header + sum(row.height for row in table.rows.values())
