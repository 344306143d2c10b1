"""Writing the cells of the scoring table: text as text (never a formula), formulas with evalkit's
figures saved as their values, the look of each kind of cell — white where a department fills in
(unlocked and validated, :mod:`.entry`), grey where evalkit computes or shows (locked), headings and
labels in blue — and row heights that hold wrapped text; :class:`Form` is the workbook of the department's
and the project's form, finished and saved the same way.
"""

from __future__ import annotations

import io
import math
import unicodedata
from decimal import Decimal
from fractions import Fraction

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.properties import CalcProperties

from ..iorw import reproducible_office
from .cached import save_values
from .cells import XML_UNSAFE, escape
from .entry import Entry
from .layout import FONT, FONT_SIZE, FORMULA_PREFIXES, POINTS, WIDTHS
from .page import set_up_pages

_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
HEAD_FILL = PatternFill("solid", fgColor="DCE6F1")
COMPUTED_FILL = PatternFill("solid", fgColor="EDEDED")
SAMPLE_FILL = PatternFill("solid", fgColor="FFF2CC")
WRAP = Alignment(wrap_text=True, vertical="center")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
NUMBER = Alignment(horizontal="right", vertical="center", shrink_to_fit=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
TOP = Alignment(vertical="top", wrap_text=True)
_SECTION = Alignment(vertical="center")
_LINE_HEIGHT = 13.5  # points per line of 10-point text (Excel's height for a 10-point CJK line)
CJK_WIDTH = 1.9  # width units a 10-point CJK character takes
_DEFAULT_HEIGHT = 15  # a row's height when none is set
COLUMNS = len(WIDTHS)
#: The part openpyxl writes the first sheet (the form) to.
FORM_PART = "xl/worksheets/sheet1.xml"


def put_value(cell, value):
    """Set a cell; text is always text. openpyxl makes a formula of any text that begins with ``=``
    (``=HYPERLINK(…)`` as a budget line's name would be a live link) and an error of ``#N/A``, so the
    type is forced to text; text a spreadsheet program would take for a formula when the cell is edited
    (``=``, ``+``, ``-``, ``@``, tab, CR) also gets Excel's quote prefix, and characters XML cannot hold
    are escaped as Excel escapes them (``_x0007_``), which the reader undoes (:func:`.cells.unescape`).
    """
    cell.value = escape(value) if isinstance(value, str) else value
    if isinstance(value, str):
        cell.data_type = "s"
        cell.quotePrefix = value.startswith(FORMULA_PREFIXES)
    return cell


def text_lines(text, width: float) -> int:
    """Lines ``text`` takes wrapped in a column ``width`` characters wide, as Excel wraps it: a width
    unit is Calibri's digit (7 px), a 10-point CJK character 13⅓ px, so about 1.9 units. (LibreOffice,
    with a wider stand-in for Calibri, fits more to a line and shows some room to spare: better than
    text cut off.)

    >>> text_lines("开展 12 场普法宣传活动", 11), text_lines(None, 10), text_lines("a\\nb", 10)
    (3, 1, 2)
    """
    if text is None:
        return 1
    usable = max(width - 0.5, 1)
    lines = 0
    for part in str(text).split("\n"):
        shown = sum(CJK_WIDTH if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in part)
        lines += max(1, math.ceil(shown / usable))
    return lines


def saved(value: Fraction | Decimal | str | None) -> float | str:
    """A formula cell's saved value: evalkit's figure, unrounded; an empty text where it has none."""
    if value is None:
        return ""
    return value if isinstance(value, str) else float(value)


def plain(value: Decimal | None):
    """A number from params as a cell holds it: whole numbers as ``int``, others as written."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() and value.as_tuple().exponent >= 0 else value


class Sheet:
    """One worksheet being written; ``values`` are its formula cells' saved values, ``entry`` the cells
    a department fills in."""

    def __init__(self, sheet):
        self.sheet = sheet
        self.values: dict[str, float | str] = {}
        self.entry = Entry()

    def put(self, row: int, col: int, value=None, *, style: str = "text", number_format: str | None = None,
            to: int | None = None, align: Alignment | None = None, kind: str | None = None):
        """Write one cell (merged across to column ``to``). ``style``: ``text`` (locked, white), ``input``
        (unlocked; ``kind`` its validation), ``computed`` (locked, grey), ``head``, ``label``, ``section``."""
        cell = put_value(self.sheet.cell(row, col), value)
        align = align or (_SECTION if style == "section" else WRAP)
        self._style(cell, style, number_format, align)
        if to is not None and to > col:
            for c in range(col + 1, to + 1):
                self._style(self.sheet.cell(row, c), style, None, align)
            self.sheet.merge_cells(start_row=row, start_column=col, end_row=row, end_column=to)
        if style == "input":
            self.entry.add(kind, cell.coordinate)
        return cell

    def formula(self, row: int, col: int, text: str, value, *, number_format: str | None = POINTS,
                to: int | None = None, style: str = "computed", kind: str | None = None, bold: bool = False):
        """A formula cell with evalkit's figure as its saved value."""
        cell = self.put(row, col, None, style=style, number_format=number_format, to=to, kind=kind,
                        align=NUMBER if number_format else WRAP)
        cell.value = f"={text}"  # built from references, numbers and fixed words only (formulas module)
        if bold:
            cell.font = Font(name=FONT, size=FONT_SIZE, bold=True)
        self.values[cell.coordinate] = saved(value)
        return cell

    def _style(self, cell, style: str, number_format: str | None, align: Alignment) -> None:
        bold = style in ("head", "label", "section")
        cell.font = Font(name=FONT, size=11 if style == "section" else FONT_SIZE, bold=bold)
        if style != "section":
            cell.border = _BORDER
        if style in ("head", "label"):
            cell.fill = HEAD_FILL
        elif style == "computed":
            cell.fill = COMPUTED_FILL
        cell.alignment = CENTER if style == "head" else align
        if number_format:
            cell.number_format = number_format

    def height(self, row: int, *texts: tuple[object, float]) -> None:
        """Give a row room for its wrapped texts (``(text, column width)`` pairs): programs differ in
        fitting rows themselves (LibreOffice leaves an imported row at its default height, and no
        program fits merged cells), so the height is set."""
        lines = max((text_lines(text, width) for text, width in texts), default=1)
        if lines > 1:
            self.sheet.row_dimensions[row].height = min(409, lines * _LINE_HEIGHT + 4)

    def fit_down(self, col: int, start: int, end: int) -> None:
        """Give a cell merged down rows ``start``–``end`` room for its text, spread over its rows."""
        dims = self.sheet.row_dimensions
        need = text_lines(self.sheet.cell(start, col).value, WIDTHS[col - 1]) * _LINE_HEIGHT + 4
        have = sum(dims[r].height or _DEFAULT_HEIGHT for r in range(start, end + 1))
        if have < need:
            extra = (need - have) / (end - start + 1)
            for r in range(start, end + 1):
                dims[r].height = (dims[r].height or _DEFAULT_HEIGHT) + extra


class Form(Sheet):
    """A workbook whose first sheet, ``title``, is a form written from ``ev`` in the columns of
    :data:`~.layout.WIDTHS`; a subclass writes its blocks and its hidden sheet (``_meta``)."""

    def __init__(self, ev, title: str):
        self.ev = ev
        self.book = Workbook()
        super().__init__(self.book.active)
        self.sheet.title = title
        for i, width in enumerate(WIDTHS, 1):
            self.sheet.column_dimensions[get_column_letter(i)].width = width

    def finish(self, header: int, last: int, *, title: str, creator: str) -> bytes:
        """The workbook's bytes: the entry cells unlocked and validated, the print set-up (the header
        row ``header`` repeated, the print area ending at row ``last``), the hidden sheet, full
        recalculation on load, and the document's title and creator — plain XML text, so a character
        XML cannot hold is left out."""
        self.entry.apply(self.sheet, self.ev.scheme)
        set_up_pages(self.sheet, header, last)
        self._meta()
        self.book.calculation = CalcProperties(fullCalcOnLoad=True)
        self.book.properties.title = XML_UNSAFE.sub("", title)
        self.book.properties.creator = XML_UNSAFE.sub("", creator)
        out = io.BytesIO()
        self.book.save(out)
        return reproducible_office(save_values(out.getvalue(), FORM_PART, self.values),
                                   self.ev.provenance.get("generated_at"))
