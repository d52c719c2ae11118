"""The rule by which the Routes view chooses its columns for a width (route_view.choose_columns)."""

from __future__ import annotations

from screens.widgets.route_view import Column, choose_columns

# In table order, as the iproute2 view has them; ranks: destination 0 ... flags 9.
COLUMNS = [Column("Type", 9, 4), Column("Destination", 25, 0, 18), Column("Gateway", 11, 1, 15),
           Column("Dev", 5, 2), Column("Table", 5, 5), Column("Protocol", 8, 7),
           Column("Scope", 6, 8), Column("Source", 12, 6, 15), Column("Metric", 6, 3),
           Column("Flags", 5, 9)]
WHOLE = sum(column.width + 1 for column in COLUMNS) - 1


def shown(width: int) -> list[tuple[str, int]]:
    return [(column.title, column.width) for _, column in choose_columns(COLUMNS, width)]


def test_all_columns_whole_when_they_fit():
    assert shown(WHOLE) == [(c.title, c.width) for c in COLUMNS]


def test_narrow_keeps_the_best_ranked_in_table_order_and_cuts_the_destination_for_the_metric():
    # 25 + 11 + 5 + 6 and three gaps = 50: one cell short, the destination gives it.
    assert shown(49) == [("Destination", 24), ("Gateway", 11), ("Dev", 5), ("Metric", 6)]
    assert shown(50) == [("Destination", 25), ("Gateway", 11), ("Dev", 5), ("Metric", 6)]


def test_a_worse_column_never_cuts_a_better_one():
    # The type (rank 4) would fit at 57 only by cutting the destination: it waits for 60.
    assert [title for title, _ in shown(57)] == ["Destination", "Gateway", "Dev", "Metric"]
    assert shown(60)[0] == ("Type", 9) and ("Destination", 25) in shown(60)


def test_the_first_three_stay_however_narrow():
    assert [title for title, _ in shown(10)] == ["Destination", "Gateway", "Dev"]


def test_the_positions_index_the_rows_cells():
    positions = [position for position, _ in choose_columns(COLUMNS, 50)]
    assert positions == [1, 2, 3, 8]
