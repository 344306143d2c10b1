"""The cells of a filled-in scoring table, read as a person typed them.

:class:`Cells` reads values, text and numbers from one sheet, follows merged cells to their
top-left cell, and keeps every problem with its sheet and cell address (``绩效自评表!G16 全年完成值``)
so an import reports all of them at once. A number typed as a percentage — the text ``88%`` or, as
Excel stores it, ``0.88`` in a cell whose number format contains ``%`` — reads as the number shown
(88) and says it was a percentage.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ..core.numbers import NumberFormatError, parse_number
from ..exceptions import Problem, WorkbookError

#: What an optional cell may hold to say "nothing".
EMPTY = {"", "—", "——", "–", "-", "/", "未填报"}


class Cells:
    """One sheet's cells, and the problems and addresses found while reading them."""

    def __init__(self, sheet, shown: str):
        self.sheet, self.shown = sheet, shown
        self.problems: list[Problem] = []
        self.where: dict[str, str] = {}  # params key path → "绩效自评表!G16 全年完成值"
        self.at: dict[str, tuple[int, int]] = {}  # params key path → (row, column)
        self.merged = {(row, col): rng for rng in sheet.merged_cells.ranges
                       for row in range(rng.min_row, rng.max_row + 1)
                       for col in range(rng.min_col, rng.max_col + 1)}

    # --- addresses and problems ---------------------------------------------------------------

    def address(self, row: int, col: int, header: str = "") -> str:
        from openpyxl.utils import get_column_letter  # the workbook is open: openpyxl is loaded

        return f"{self.sheet.title}!{get_column_letter(col)}{row}" + (f" {header}" if header else "")

    def fail(self, row: int, col: int, header: str, message: str) -> None:
        self.problems.append(Problem(self.shown, self.address(row, col, header), None, message))

    def fail_at(self, where: str, message: str) -> None:
        """A problem with a range or a whole block rather than one cell."""
        self.problems.append(Problem(self.shown, where, None, message))

    def raise_if_failed(self) -> None:
        if self.problems:
            raise WorkbookError(self.shown, self.problems)

    def note(self, key: str, row: int, col: int, header: str = "") -> None:
        """Remember that the params key ``key`` was read from this cell."""
        self.where[key] = self.address(row, col, header)
        self.at[key] = (row, col)

    def locate(self, problem: Problem) -> Problem:
        """A params problem moved to the cell its key (or the nearest parent key) was read from."""
        key = problem.key
        while key:
            if key in self.where:
                return Problem(self.shown, self.where[key], None, problem.message)
            cut = max(key.rfind("."), key.rfind("["))
            key = key[:cut] if cut > 0 else ""
        return Problem(self.shown, problem.key, None, problem.message)

    # --- values -------------------------------------------------------------------------------

    def cell(self, row: int, col: int):
        """The cell holding what ``(row, col)`` shows: the top-left cell of a merged range."""
        rng = self.merged.get((row, col))
        if rng is not None:
            row, col = rng.min_row, rng.min_col
        return self.sheet.cell(row, col)

    def value(self, row: int, col: int):
        value = self.cell(row, col).value
        return value.strip() if isinstance(value, str) else value

    def is_blank(self, row: int, col: int) -> bool:
        return self.value(row, col) in (None, "")

    def percent_formatted(self, row: int, col: int) -> bool:
        """Whether the cell shows its number as a percentage (Excel's ``0.00%`` and the like)."""
        return "%" in (self.cell(row, col).number_format or "")

    def text(self, row: int, col: int, header: str, *, optional=True) -> str | None:
        value = self.value(row, col)
        if value is None or value == "":
            if not optional:
                self.fail(row, col, header, "expected text, got an empty cell")
            return None
        if is_number(value):
            if self.percent_formatted(row, col):
                return f"{percent_of(value):f}%"
            return f"{decimal(value):f}"
        if isinstance(value, dt.datetime | dt.date):
            return value.isoformat()[:10]
        return str(value)

    def number(self, row: int, col: int, header: str, *, optional=False, written=None,
               minimum: Decimal | None = Decimal(0)) -> tuple[Decimal | None, bool]:
        """A number as shown, and whether it is a percentage (typed with ``%`` or formatted so).

        ``written`` is the value as the params file had it: an equal number keeps that form.
        """
        value = self.value(row, col)
        if value is None or (isinstance(value, str) and (value in EMPTY if optional else value == "")):
            if not optional:
                self.fail(row, col, header, "expected a number, got an empty cell")
            return None, False
        number, percent = self._parse(row, col, header, value)
        if number is None:
            return None, False
        if minimum is not None and number < minimum:
            self.fail(row, col, header, f"expected a number ≥ {minimum}, got {number:f}")
            return None, False
        if isinstance(written, Decimal) and written == number:
            number = written
        return number, percent

    def _parse(self, row: int, col: int, header: str, value) -> tuple[Decimal | None, bool]:
        if isinstance(value, dt.datetime | dt.date | dt.time):
            self.fail(row, col, header, f"expected a number, got the date {value.isoformat()} "
                                        "(format the cell as a number)")
            return None, False
        if is_number(value) and self.percent_formatted(row, col):
            return percent_of(value), True
        try:
            return parse_number(value)
        except NumberFormatError:
            self.fail(row, col, header, f"expected a number, got {value!r}")
            return None, False


def is_number(value) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def decimal(value) -> Decimal:
    """A cell's number as the decimal it prints as (a float ``0.995`` is ``Decimal('0.995')``)."""
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def percent_of(value) -> Decimal:
    """The percentage a fraction shows as: ``0.995`` → ``99.5``, ``1`` → ``100``."""
    shown = decimal(value).scaleb(2)
    return shown.quantize(Decimal(1)) if shown.as_tuple().exponent > 0 else shown


def same_number(cell: Decimal | None, written) -> bool:
    """Whether a cell still holds what evalkit wrote into it."""
    if cell is None or written is None:
        return cell is None and written is None
    if isinstance(written, str):
        return False
    try:
        return Decimal(cell) == decimal(written)
    except (ArithmeticError, ValueError):
        return False

