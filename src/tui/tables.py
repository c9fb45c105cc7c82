"""What the screens do alike with their tables: redraw the rows, and find the item under the
cursor for the detail shown beneath."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

from rich.text import Text
from textual.widgets import DataTable

T = TypeVar("T")


def refill(table: DataTable[str | Text], rows: Iterable[tuple[str | Text, ...]]) -> None:
    """Redraw the table with `rows`, the cursor staying on the same line where it can."""
    row = table.cursor_row
    table.clear()
    for cells in rows:
        table.add_row(*cells)
    if table.row_count:
        table.move_cursor(row=min(row, table.row_count - 1))


def row_item(items: Sequence[T] | None, index: int) -> T | None:
    """The item on row `index` of a table showing `items`; None when the row is not one."""
    return items[index] if items is not None and 0 <= index < len(items) else None
