"""Finding the blocks of a scoring table by their labels and headers, not by fixed positions.

A department may add rows, move columns or head a column with another name the field uses:
``二级指标`` for the goal column (as tables from earlier evalkit versions head it), ``三级指标`` for 指标名称.
:func:`header_row` returns the columns under their canonical names (``workbook.INDICATOR_HEADERS``).
"""

from __future__ import annotations

import re

from .cells import Cells
from .layout import GOAL, MERGEABLE

#: Canonical header → the headings accepted for it, preferred first.
HEADER_ALIASES = {GOAL: (GOAL, "二级指标"), "指标名称": ("指标名称", "三级指标")}
#: A section title such as 三、评价结果: the indicator table has ended.
SECTION = re.compile(r"^[一二三四五六七八九十]+、")


def header_row(cells: Cells, names: tuple[str, ...], *, start: int, need: int = 2) -> tuple[int, dict] | None:
    """The first row at or after ``start`` holding at least ``need`` of ``names`` (or their aliases),
    and each name's column."""
    for row in range(start, cells.sheet.max_row + 1):
        found = headings(cells, row)
        cols = {}
        for name in names:
            col = next((found[a] for a in HEADER_ALIASES.get(name, (name,)) if a in found), None)
            if col is not None:
                cols[name] = col
        if len(cols) >= need:
            return row, cols
    return None


def headings(cells: Cells, row: int) -> dict[str, int]:
    """Text → column of the row's text cells (the first column where a text repeats)."""
    found: dict[str, int] = {}
    for col in range(1, cells.sheet.max_column + 1):
        value = cells.sheet.cell(row, col).value
        if isinstance(value, str):
            found.setdefault(value.strip(), col)
    return found


def first_content_row(cells: Cells, start: int) -> int:
    """The first row at or after ``start`` with something beyond column A (labels sit in A)."""
    for row in range(start, cells.sheet.max_row + 1):
        if any(cells.sheet.cell(row, col).value not in (None, "") for col in range(2, cells.sheet.max_column + 1)):
            return row
    return start


def labelled(cells: Cells, labels, rows: range) -> dict[str, tuple[int, int]]:
    """Each label found in ``rows`` → the cell to its right, which holds its value."""
    found: dict[str, tuple[int, int]] = {}
    for row in rows:
        for col in range(1, cells.sheet.max_column):
            label = cells.sheet.cell(row, col).value
            if isinstance(label, str) and label.strip() in labels:
                found.setdefault(label.strip(), (row, col + 1))
    return found


def check_merges(cells: Cells, *, budget: tuple[int, int], table: tuple[int, int], cols: dict) -> None:
    """Merged cells are allowed only down a goal's rows in the goal and 一级指标 columns."""
    from openpyxl.utils import get_column_letter  # the workbook is open: openpyxl is loaded
    names = {col: name for name, col in cols.items()}
    for rng in cells.sheet.merged_cells.ranges:
        where = f"{cells.sheet.title}!{rng.coord}"
        if rng.max_row >= budget[0] and rng.min_row <= budget[1]:
            cells.fail_at(where, "merged cells in the budget block; unmerge them and give each cell its own value")
        elif rng.max_row > table[0] and rng.min_row <= table[1]:
            header = names.get(rng.min_col, get_column_letter(rng.min_col))
            message = _merge_problem(rng, header, table)
            if message:
                cells.fail_at(f"{where} {header}", message)


def _merge_problem(rng, header: str, table: tuple[int, int]) -> str | None:
    header_row_, end = table
    if rng.min_row <= header_row_:
        return "merged cells reach into the indicator table's header row; unmerge them"
    if rng.max_row > end:
        return f"merged cells run past the last indicator row ({end}); merge only the rows of one goal"
    if rng.min_col != rng.max_col:
        return "merged cells span several columns; each column needs its own cell"
    if header not in MERGEABLE:
        return (f"{header} cells cannot be merged: each indicator needs its own value; "
                f"only {' and '.join(MERGEABLE)} may be merged down a goal's rows")
    return None
