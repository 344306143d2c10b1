"""Finding the blocks of a scoring table by their labels and headers, not by fixed positions.

A department may add rows, move columns or head a column with another name the field uses (as
tables from earlier evalkit versions head them: 绩效目标 for 二级指标, 指标名称 for 三级指标, 全年完成值
for 实际完成值). :func:`header_row` returns the columns under their canonical names
(``layout.INDICATOR_HEADERS``). :func:`check_merges` and :func:`check_strays` report what lies where
the reader cannot take it.
"""

from __future__ import annotations

import re

from ..exceptions import Problem, WorkbookError
from .cells import Cells
from .layout import ACTUAL, HEADER_ALIASES, INDICATOR_HEADERS, MERGEABLE, META_SHEET, NAME, SHEET, TOTAL

#: A section title such as 三、评价结果: the indicator table has ended.
SECTION = re.compile(r"^[一二三四五六七八九十]+、")


def find_form(book, shown: str):
    """The sheet holding the form: the one named ``绩效自评表``, else the one sheet (not evalkit's hidden
    one) with the indicator table's header row — a department may have renamed it."""
    if SHEET in book.sheetnames:
        return book[SHEET]
    candidates = [ws for ws in book.worksheets if ws.title != META_SHEET and _holds_table(ws)]
    if len(candidates) == 1:
        return candidates[0]
    which = "no sheet holds" if not candidates else f"{len(candidates)} sheets hold"
    raise WorkbookError(shown, [Problem(shown, "", None, (
        f"no sheet named {SHEET!r}, and {which} the indicator table (a row headed "
        f"{' | '.join(INDICATOR_HEADERS[:3])} …); the workbook has {', '.join(book.sheetnames)}"))])


#: Every heading the indicator table's header row may have.
_HEADINGS = {alias for header in INDICATOR_HEADERS for alias in HEADER_ALIASES.get(header, (header,))}


def _holds_table(sheet) -> bool:
    for values in sheet.iter_rows(values_only=True):
        if sum(1 for v in values if isinstance(v, str) and v.strip() in _HEADINGS) >= 3:
            return True
    return False


def header_row(cells: Cells, names: tuple[str, ...], *, start: int, need: int = 2) -> tuple[int, dict] | None:
    """The first row at or after ``start`` holding at least ``need`` of ``names`` (or their aliases),
    and each name's column."""
    for row in range(start, cells.max_row + 1):
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
    for col in range(1, cells.max_column + 1):
        value = cells.sheet.cell(row, col).value
        if isinstance(value, str):
            found.setdefault(value.strip(), col)
    return found


def first_content_row(cells: Cells, start: int) -> int:
    """The first row at or after ``start`` with something beyond column A (labels sit in A)."""
    for row in range(start, cells.max_row + 1):
        if any(cells.sheet.cell(row, col).value not in (None, "") for col in range(2, cells.max_column + 1)):
            return row
    return start


def labelled(cells: Cells, labels, rows: range, *, shown=()) -> dict[str, tuple[int, int]]:
    """Each label found in ``rows`` → the cell to its right (right of its merged range), which holds its
    value. A value is never read as a label: a department named 评价年度 is a name, not the year's
    label; the values of the ``shown`` labels (which evalkit writes and does not read) are skipped too."""
    found: dict[str, tuple[int, int]] = {}
    for row in rows:
        col = 1
        while col < cells.max_column:
            label = cells.sheet.cell(row, col).value
            rng = cells.merged.get((row, col))
            end = rng.max_col if rng is not None else col
            if isinstance(label, str) and (label.strip() in labels or label.strip() in shown):
                if label.strip() in labels:
                    found.setdefault(label.strip(), (row, end + 1))
                value = cells.merged.get((row, end + 1))
                end = value.max_col if value is not None else end + 1  # skip the value
            col = end + 1
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


def check_strays(cells: Cells, *, budget: tuple[int, int, dict], table: tuple[int, int, dict]) -> None:
    """Values the reader would pass over are errors, not silently dropped: a cell in a block's row under
    no header, a budget line below the budget's 合计 row, an indicator row below the table's end (up to
    the next section). Cells are taken as they are, not through merges: text merged across a row (the
    年度总体目标, the 评价结果 labels) is no line of a table."""
    (budget_header, budget_end, budget_cols), (table_header, table_end, table_cols) = budget, table
    _unheaded(cells, budget_header, range(budget_header + 1, budget_end + 1), "budget block")
    _unheaded(cells, table_header, range(table_header + 1, table_end + 1), "indicator table")
    name, amounts = budget_cols["预算项目"], [budget_cols[h] for h in ("年初预算数", "全年预算数", "全年执行数")]
    for row in range(budget_end + 1, table_header):
        if _own(cells, row, name) and any(_own(cells, row, col) for col in amounts):
            cells.fail(row, name, "预算项目", f"a budget line below the budget block's {TOTAL} row ({budget_end}) "
                                              f"is not read; move it above {TOTAL}")
    name, others = table_cols[NAME], [table_cols[h] for h in ("指标性质", "年度指标值", ACTUAL)]
    for row in range(table_end + 1, cells.max_row + 1):
        if SECTION.match(str(cells.sheet.cell(row, 1).value or "")):
            break
        if _own(cells, row, name) and any(_own(cells, row, col) for col in others):
            cells.fail(row, name, NAME, f"an indicator row below the end of the indicator table (row "
                                        f"{table_end}) is not read; move it above the table's {TOTAL} row")


def _own(cells: Cells, row: int, col: int) -> bool:
    """Whether the cell holds a value of its own (a cell inside a merged range holds none)."""
    return cells.sheet.cell(row, col).value not in (None, "")


def _unheaded(cells: Cells, header: int, rows: range, block: str) -> None:
    """The first value in each column of ``rows`` that has no header in row ``header``."""
    headed = set(headings(cells, header).values())
    for col in range(1, cells.max_column + 1):
        if col in headed:
            continue
        filled = [row for row in rows if cells.sheet.cell(row, col).value not in (None, "")
                  and (row, col) not in cells.merged]
        if filled:
            more = f" ({len(filled)} cells in this column)" if len(filled) > 1 else ""
            cells.fail(filled[0], col, "", f"a value in a column with no header in the {block}'s header row "
                                           f"({header}), which is not read{more}; give the column a header or "
                                           "delete the value")
