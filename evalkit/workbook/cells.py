"""The cells of a filled-in scoring table, read as a person typed them.

:class:`Cells` reads values, text and numbers from one sheet, follows merged cells to their
top-left cell, and keeps every problem with its sheet and cell address (``绩效自评表!G16 全年完成值``)
so an import reports all of them at once. A number typed as a percentage — the text ``88%`` or, as
Excel stores it, ``0.88`` in a cell whose number format has a ``%`` — reads as the number shown
(88) and says it was a percentage; where a percentage makes no sense (an amount, points) it is an
error, not a number a hundred times too large.

What a cell holds is bounded: a number is below 10^15 with at most 20 decimals, a text has at most
Excel's 32,767 characters. A formula with no saved value, or one showing an error such as
``#DIV/0!``, is reported at its cell rather than read as empty. :meth:`Cells.formula` says whether a
cell holds a formula: the reader takes a formula in a cell evalkit computes for evalkit's own, and
a value typed there for something to check (:meth:`Cells.computed`), never for the department's claim.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from decimal import Decimal

from ..core.numbers import NumberFormatError, parse_number
from ..core.source import unreadable_character
from ..exceptions import Problem, WorkbookError

#: What an optional cell may hold to say "nothing".
EMPTY = {"", "—", "——", "–", "-", "/", "未填报"}
#: The characters one cell may hold (Excel's own limit).
MAX_TEXT = 32_767
#: A number in the table is below this in size and has at most this many decimals: Excel keeps 15
#: significant digits, and nothing a department types needs more.
MAX_DIGITS, MAX_PLACES = 15, 20
#: What a number cell says when it is out of bounds.
BOUNDS_TEXT = f"a figure in this table is below 10^{MAX_DIGITS} and has at most {MAX_PLACES} decimals"
#: How near a number read back is to what evalkit wrote, relatively, to be it: what 15 significant
#: digits keep of a double (Excel's precision) and nothing a person types.
SAVED_DIGITS = Decimal("1e-13")
#: Text longer than this is no number, whatever its characters.
MAX_NUMBER_TEXT = 64
#: What Excel escapes in a cell's text (``_xHHHH_``): characters XML cannot hold, and an underscore
#: that would otherwise read as the start of an escape.
XML_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ESCAPE = re.compile(rf"_(?=x[0-9A-Fa-f]{{4}}_)|{XML_UNSAFE.pattern}")
_UNESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
NO_SAVED_VALUE = ("a formula with no saved value (the file was written by a program that does not calculate); "
                  "open and save it in Excel, WPS or LibreOffice, or type the value")


@dataclass(frozen=True)
class Typed:
    """A value typed where evalkit's formula stands: its cell, the figure the formula computes (with the
    params key of its line or indicator), the value and how its number format shows a number."""

    row: int
    col: int
    header: str
    figure: str
    key: str
    value: object
    percent: str | None


class Cells:
    """One sheet's cells, and the problems and addresses found while reading them."""

    def __init__(self, sheet, shown: str, *, uncached: set[tuple[int, int]] | frozenset = frozenset(),
                 formulas: set[tuple[int, int]] | frozenset = frozenset()):
        self.sheet, self.shown = sheet, shown
        # openpyxl computes these over every cell on each call: once here, or reading is quadratic
        self.max_row, self.max_column = sheet.max_row, sheet.max_column
        self.uncached = uncached  # (row, column) of formula cells with no saved value
        #: params key → the hidden sheet's cell its value was read from (``evalkit!A28``)
        self.hidden: dict[str, str] = {}
        self.formulas = formulas  # (row, column) of every formula cell
        self.typed: list[Typed] = []  # values typed where evalkit's formula stands, checked after scoring
        self.problems: list[Problem] = []
        self.unusable: set[tuple[int, int]] = set()  # cells already reported as unusable
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
            if key in self.hidden:  # a value only the hidden sheet keeps: its row there
                return Problem(self.shown, self.hidden[key], None, f"{problem.key} (hidden sheet): {problem.message}")
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
        return unescape(value).strip() if isinstance(value, str) else value

    def formula(self, row: int, col: int) -> bool:
        """Whether the cell (or the merged range it lies in) holds a formula."""
        cell = self.cell(row, col)
        return (cell.row, cell.column) in self.formulas

    def computed(self, row: int, col: int, header: str, figure: str, key: str = "") -> None:
        """A cell evalkit computes: a formula there is evalkit's and is not read; a value typed over it is
        kept to be checked against evalkit's ``figure`` once the table is scored (:mod:`.verify`)."""
        if self.formula(row, col) or self.value(row, col) in (None, ""):
            return
        cell = self.cell(row, col)
        self.typed.append(Typed(row, col, header, figure, key, self.value(row, col),
                                percent_kind(cell.number_format, self.value(row, col))))

    def is_blank(self, row: int, col: int) -> bool:
        cell = self.cell(row, col)
        return self.value(row, col) in (None, "") and (cell.row, cell.column) not in self.uncached

    def usable(self, row: int, col: int, header: str) -> bool:
        """False, and reported once, for a formula with no saved value or a cell showing an error."""
        cell = self.cell(row, col)
        at = (cell.row, cell.column)
        if at in self.uncached:
            message = NO_SAVED_VALUE
        elif cell.data_type == "e":
            message = f"the cell shows the error {cell.value}; correct the formula or type the value"
        else:
            return True
        if at not in self.unusable:
            self.unusable.add(at)
            self.fail(row, col, header, message)
        return False

    def text(self, row: int, col: int, header: str, *, optional=True) -> str | None:
        if not self.usable(row, col, header):
            return None
        value = self.value(row, col)
        if value is None or value == "":
            if not optional:
                self.fail(row, col, header, "expected text, got an empty cell")
            return None
        if isinstance(value, bool):
            self.fail(row, col, header, f"expected text, got the logical value {str(value).upper()}")
            return None
        if is_number(value):
            if not is_finite(value) or not in_bounds(decimal(value)):
                self.fail(row, col, header, f"expected text, got the number {value!r} ({BOUNDS_TEXT})")
                return None
            kind = percent_kind(self.cell(row, col).number_format, value)
            if kind is not None:
                return f"{percent_of(value) if kind == 'scaled' else decimal(value):f}%"
            return f"{decimal(value):f}"
        if isinstance(value, dt.datetime | dt.date):
            return value.isoformat()[:10]
        text = str(value)
        if len(text) > MAX_TEXT:
            self.fail(row, col, header, f"expected text of at most {MAX_TEXT} characters (Excel's limit for a "
                                        f"cell), got {len(text)}")
            return None
        bad = unreadable_character(text, newlines=True)
        if bad:
            self.fail(row, col, header, f"contains {bad}; delete it")
            return None
        return text

    def number(self, row: int, col: int, header: str, *, optional=False, written=None,
               minimum: Decimal | None = Decimal(0), what: str = "a number",
               allow_percent: bool = True) -> tuple[Decimal | None, bool]:
        """A number as shown, and whether it is a percentage (typed with ``%`` or formatted so).

        ``written`` is the value as the params file had it: an equal number keeps that form.
        ``what`` names what is expected (``an amount``); ``allow_percent=False`` refuses a percentage.
        """
        if not self.usable(row, col, header):
            return None, False
        value = self.value(row, col)
        if value is None or (isinstance(value, str) and (value in EMPTY if optional else value == "")):
            if not optional:
                self.fail(row, col, header, f"expected {what}, got an empty cell")
            return None, False
        number, percent = self._parse(row, col, header, value, what)
        if number is None:
            return None, False
        if percent and not allow_percent:
            shown = _show(value) if isinstance(value, str) else f"{number:f}% (the cell is formatted as a percentage)"
            self.fail(row, col, header, f"expected {what}, got {shown}; a '%' does not belong here")
            return None, False
        if minimum is not None and number < minimum:
            self.fail(row, col, header, f"expected {what} ≥ {minimum}, got {number:f}")
            return None, False
        if isinstance(written, Decimal) and written == number:
            number = written
        return number, percent

    def _parse(self, row: int, col: int, header: str, value, what: str) -> tuple[Decimal | None, bool]:
        if isinstance(value, dt.datetime | dt.date | dt.time | dt.timedelta):
            shown = value.isoformat() if not isinstance(value, dt.timedelta) else str(value)
            self.fail(row, col, header, f"expected {what}, got the date or time {shown} (format the cell as a number)")
            return None, False
        number, percent = None, False
        if is_number(value) and is_finite(value) and in_bounds(decimal(value)):
            kind = percent_kind(self.cell(row, col).number_format, value)
            number, percent = (percent_of(value) if kind == "scaled" else decimal(value)), kind is not None
        elif is_number(value) and is_finite(value):
            number = decimal(value)  # out of bounds: said below
        elif not (isinstance(value, str) and len(value) > MAX_NUMBER_TEXT):
            try:
                number, percent = parse_number(value)
            except NumberFormatError as exc:
                if exc.reason:  # a number, but out of bounds
                    self.fail(row, col, header, f"expected {what}, got {_show(value)} ({BOUNDS_TEXT})")
                    return None, False
        if number is None:
            self.fail(row, col, header, f"expected {what}, got {_show(value)}")
            return None, False
        if not in_bounds(number):
            self.fail(row, col, header, f"expected {what}, got {_show(value)} ({BOUNDS_TEXT})")
            return None, False
        return number, percent


def escape(text: str) -> str:
    """Text as an .xlsx cell stores it (Excel's ``_xHHHH_`` escapes).

    >>> escape("a\\x07b_x0041_")
    'a_x0007_b_x005F_x0041_'
    """
    return _ESCAPE.sub(lambda m: f"_x{ord(m.group()):04X}_", text)


def unescape(text: str) -> str:
    """Text as the cell shows it: the inverse of :func:`escape`, as Excel reads a file.

    >>> unescape('a_x0007_b_x005F_x0041_')
    'a\\x07b_x0041_'
    """
    if "_x" not in text:
        return text
    return _UNESCAPE.sub(_unescaped, text)


def _unescaped(match: re.Match) -> str:
    code = int(match.group(1), 16)
    return match.group() if 0xD800 <= code <= 0xDFFF else chr(code)  # a lone surrogate is no character


def _show(value) -> str:
    """A cell's value for a message, cut short: a cell may hold 32,767 characters."""
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:36]}…{text[-1]}"


def in_bounds(number: Decimal) -> bool:
    """Whether a number is one a cell of the table may hold (see ``BOUNDS_TEXT``).

    >>> in_bounds(Decimal("9593.18")), in_bounds(Decimal("1e100000000")), in_bounds(Decimal("1e-100000000"))
    (True, False, False)
    """
    if not number.is_finite():
        return False
    if number.is_zero():
        return True
    # adjusted(): the power of ten of the leading digit; no arithmetic, which would overflow the context
    return number.adjusted() < MAX_DIGITS and number.as_tuple().exponent >= -MAX_PLACES


def is_finite(value) -> bool:
    return not isinstance(value, float) or math.isfinite(value)


def percent_kind(number_format: str | None, value=1) -> str | None:
    """Whether a number format shows ``value`` as a percentage: ``scaled`` when its ``%`` multiplies by
    100 (``0.00%``), ``literal`` when the ``%`` is quoted or escaped text (``0"%"``, ``0\\%``), else None.
    The section for the value's sign is read (``0.0%;-0.0%;0``); brackets (``[Red]``) are skipped.

    >>> percent_kind("0.00%"), percent_kind('0"%"'), percent_kind("0.00"), percent_kind("0;0%", -1)
    ('scaled', 'literal', None, 'scaled')
    """
    sections = _sections(number_format or "")
    index = 1 if is_number(value) and value < 0 and len(sections) > 1 else 0
    if is_number(value) and value == 0 and len(sections) > 2:
        index = 2
    scaled = literal = False
    text, i = sections[index], 0
    while i < len(text):
        ch = text[i]
        if ch == '"':
            end = text.find('"', i + 1)
            end = len(text) if end < 0 else end
            literal |= "%" in text[i + 1:end]
            i = end + 1
        elif ch in "\\_*":
            literal |= ch == "\\" and text[i + 1:i + 2] == "%"
            i += 2
        elif ch == "[":
            end = text.find("]", i + 1)
            i = (len(text) if end < 0 else end) + 1
        else:
            scaled |= ch == "%"
            i += 1
    return "scaled" if scaled else "literal" if literal else None


def _sections(number_format: str) -> list[str]:
    """A number format's sections (positive; negative; zero; text), split outside quotes."""
    sections, current, quoted, escaped = [], "", False, False
    for ch in number_format:
        if escaped:
            current, escaped = current + ch, False
            continue
        if ch == "\\" and not quoted:
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == ";" and not quoted:
            sections.append(current)
            current = ""
            continue
        current += ch
    return [*sections, current]


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
    """Whether a cell still holds what evalkit wrote into it: the same number, or the same as a
    spreadsheet program keeps it (Excel saves 15 significant digits, openpyxl 16, of a value pasted
    over a formula: 3.33333333333333 for 3.3333333333333335).

    >>> same_number(Decimal("3.33333333333333"), 3.3333333333333335), same_number(Decimal("3.33"), 3.3333333333333335)
    (True, False)
    """
    if cell is None or written is None:
        return cell is None and written is None
    if isinstance(written, str) or isinstance(written, bool):
        return False
    try:
        a, b = Decimal(cell), decimal(written)
        return a == b or abs(a - b) <= SAVED_DIGITS * max(abs(b), Decimal(1))
    except (ArithmeticError, ValueError, TypeError):
        return False
