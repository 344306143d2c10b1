"""The ``.xlsx`` archive of a scoring table, checked as a bounded stream before openpyxl opens it.

openpyxl trusts the file it loads: it inflates every member whole, makes a cell object for every
cell a merged range or a hyperlink range covers, and reads what the XML says. A scoring table is
small (the table evalkit writes has 13 columns and, for a department, a few hundred rows), so
:func:`check_archive` reads the zip member by member, counting what it inflates and parsing the XML
as it streams, and refuses, naming the sheet and cell, a file far beyond what the form holds:

* a file that is not a zip (an ``.xls``, a password-protected workbook, an ``.ods`` or ``.xlsb``
  gets its own message), too many members, or more bytes once inflated than a table can need
  (counted while inflating, never taken from the zip's own header: a zip bomb lies there);
* XML with a document type declaration (entity bombs; no part of an .xlsx has one);
* a sheet whose recorded extent (``dimension``), cells, merged ranges or hyperlink ranges reach far
  beyond the form, or more cells in all than a table can hold;
* a number stored in a cell that is no finite number of reasonable length.

It also gives back, by sheet, where the formula cells are (the reader never takes a formula's
result for what a department typed) and which of them have no saved value (a file written by a
program that does not calculate), so the reader can say so instead of reading them as empty.

>>> check_archive(b"not a zip", "t.xlsx")
Traceback (most recent call last):
...
evalkit.exceptions.WorkbookError: 1 cell in t.xlsx cannot be read:
  cannot read as an .xlsx workbook: not a zip archive; save the table as an Excel workbook (.xlsx)
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from xml.parsers import expat

from ..exceptions import Problem, WorkbookError
from ..iorw import read_regular
from .layout import INDICATOR_HEADERS, SHEET

#: The file and what it may inflate to: the table evalkit writes is about 30 KB and 200 KB inflated.
MAX_FILE_BYTES = 16 * 2**20
MAX_INFLATED_BYTES = 32 * 2**20
MAX_MEMBERS = 500
#: The form's extent: rows and columns of the scoring table sheet.
FORM_ROWS, FORM_COLUMNS = 5_000, 64
#: Any other sheet (evalkit's hidden sheet holds one YAML line per row in column A).
OTHER_ROWS, OTHER_COLUMNS = 100_000, 64
#: Cell objects openpyxl would make in all: stored cells plus the cells merged and hyperlink ranges cover.
MAX_CELLS = 200_000
#: XML elements in all parts, and the longest number a cell's XML may store.
MAX_ELEMENTS = 2_000_000
MAX_NUMBER_TEXT = 64
#: Problems reported before the scan stops.
MAX_PROBLEMS = 20

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_WORKBOOK_TYPES = tuple(f"application/vnd.{kind}.main+xml" for kind in (
    "ms-excel.template.macroEnabled", "openxmlformats-officedocument.spreadsheetml.template",
    "ms-excel.sheet.macroEnabled", "openxmlformats-officedocument.spreadsheetml.sheet"))
_XLSB_TYPE = "application/vnd.ms-excel.sheet.binary.macroEnabled.main"
_OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]+)$")
_NUMBER = re.compile(r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$")
_CHUNK = 64 * 1024


@dataclass
class Archive:
    """What the scan found that the reader needs, by sheet: the formula cells, and those of them with
    no saved value."""

    formulas: dict[str, set[tuple[int, int]]] = field(default_factory=dict)
    uncached: dict[str, set[tuple[int, int]]] = field(default_factory=dict)


class _Stop(Exception):
    """The scan cannot go on (too many problems, or a bound that makes the rest pointless)."""


def extent_text(*, form: bool = True) -> str:
    """What the form holds, for messages; ``form=False`` for the workbook's other sheets."""
    held = (f"a {SHEET} sheet may reach column {column_letter(FORM_COLUMNS)} and row {FORM_ROWS}" if form else
            f"its other sheets may reach column {column_letter(OTHER_COLUMNS)} and row {OTHER_ROWS}")
    return f"the table evalkit writes has {len(INDICATOR_HEADERS)} columns and at most a few thousand rows ({held})"


def column_letter(col: int) -> str:
    """``1`` → ``A``, ``16384`` → ``XFD`` (openpyxl-free, for messages written before it loads).

    >>> column_letter(1), column_letter(64), column_letter(16384)
    ('A', 'BL', 'XFD')
    """
    letters = ""
    while col > 0:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def read_table_bytes(path, shown: str) -> bytes:
    """The file's bytes, read no further than :data:`MAX_FILE_BYTES` (a FIFO or a device never ends)."""
    try:
        data = read_regular(path, MAX_FILE_BYTES)
    except OSError as exc:
        raise _unreadable(shown, f"cannot read the file: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise _unreadable(shown, f"the file is larger than {MAX_FILE_BYTES // 2**20} MB; a scoring table is "
                                 f"tens of kilobytes ({extent_text()})")
    return data


def check_archive(data: bytes, shown: str) -> Archive:
    """Check the .xlsx ``data`` within bounds; raise ``WorkbookError`` naming what is beyond them."""
    if data.startswith(_OLE_MAGIC):
        raise _unreadable(shown, _ole_message(data))
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise _unreadable(shown, "not a zip archive; save the table as an Excel workbook (.xlsx)") from None
    with book:
        return _Scan(book, shown).run()


def _unreadable(shown: str, message: str, where: str = "") -> WorkbookError:
    text = message if where else f"cannot read as an .xlsx workbook: {message}"
    return WorkbookError(shown, [Problem(shown, where, None, text)])


def _ole_message(data: bytes) -> str:
    """An OLE2 compound file is a password-protected .xlsx (its package encrypted) or an old .xls."""
    if "EncryptedPackage".encode("utf-16-le") in data or "EncryptionInfo".encode("utf-16-le") in data:
        return ("the workbook is password-protected (encrypted); open it, remove the password "
                "(File → Info → Protect Workbook) and save it as .xlsx")
    return ("this is an Excel 97-2003 workbook (.xls), not .xlsx; open it in Excel, WPS or LibreOffice and "
            "save it as an Excel workbook (.xlsx)")


class _Scan:
    def __init__(self, book: zipfile.ZipFile, shown: str):
        self.book, self.shown = book, shown
        self.problems: list[Problem] = []
        self.inflated = self.elements = self.cells = 0
        self.archive = Archive()

    def fail(self, where: str, message: str) -> None:
        self.problems.append(Problem(self.shown, where, None, message))
        if len(self.problems) >= MAX_PROBLEMS:
            raise _Stop

    def refuse(self, message: str, where: str = "") -> WorkbookError:
        return _unreadable(self.shown, message, where)

    def run(self) -> Archive:
        members = self.book.infolist()
        if len(members) > MAX_MEMBERS:
            raise self.refuse(f"the archive has {len(members)} members; an .xlsx workbook has a few dozen")
        names = {m.filename for m in members}
        if "[Content_Types].xml" not in names:
            raise self.refuse(_not_xlsx_message(self.book, names))
        try:
            sheets = self._sheets(names)
            for member in members:
                self._member(member, sheets.get(member.filename))
        except _Stop:
            pass
        if self.problems:
            raise WorkbookError(self.shown, self.problems)
        return self.archive

    # --- the workbook's own parts: which member is which sheet ----------------------------------

    def _sheets(self, names: set[str]) -> dict[str, str]:
        """Worksheet member → sheet name, resolved as openpyxl resolves them."""
        types = self._small("[Content_Types].xml")
        overrides = {attrs.get("ContentType"): attrs.get("PartName", "") for tag, attrs in types if tag == "Override"}
        if _XLSB_TYPE in overrides:
            raise self.refuse("this is an Excel binary workbook (.xlsb); save it as an Excel workbook (.xlsx)")
        part = next((overrides[t].lstrip("/") for t in _WORKBOOK_TYPES if overrides.get(t)), "xl/workbook.xml")
        if part not in names:
            if "word/document.xml" in names:
                raise self.refuse("this is a Word document (.docx), not a workbook")
            raise self.refuse(f"the workbook part {part} is missing; save the table again as .xlsx")
        folder, name = posixpath.split(part)
        rels_path = posixpath.join(folder, "_rels", f"{name}.rels")
        targets = {}
        if rels_path in names:
            for tag, attrs in self._small(rels_path):
                if tag == "Relationship" and attrs.get("TargetMode") != "External":
                    target = attrs.get("Target", "")
                    targets[attrs.get("Id")] = (target[1:] if target.startswith("/")
                                                else posixpath.normpath(posixpath.join(folder, target)))
        return {targets[attrs["id"]]: attrs.get("name", "")
                for tag, attrs in self._small(part) if tag == "sheet" and attrs.get("id") in targets}

    def _small(self, name: str) -> list[tuple[str, dict]]:
        """The elements of a small part (content types, workbook, relationships), read within bounds."""
        found: list[tuple[str, dict]] = []
        parser = _parser(start=lambda tag, attrs: found.append((_local(tag), {_local(k): v for k, v in attrs.items()})),
                         end=None, text=None)
        self._inflate(self.book.getinfo(name), parser, limit=4 * 2**20)
        return found

    # --- every member, inflated as a stream ------------------------------------------------------

    def _member(self, member: zipfile.ZipInfo, sheet: str | None) -> None:
        if member.is_dir():
            return
        scanner = _SheetScan(self, sheet if sheet is not None else member.filename, form=sheet == SHEET)
        xml = sheet is not None or member.filename.lower().endswith((".xml", ".rels", ".vml"))
        parser = _parser(scanner.start, scanner.end, scanner.text) if xml else None
        self._inflate(member, parser, limit=MAX_INFLATED_BYTES)
        if sheet is not None and scanner.formulas:
            self.archive.formulas[sheet] = scanner.formulas
            self.archive.uncached[sheet] = scanner.uncached

    def _inflate(self, member: zipfile.ZipInfo, parser, *, limit: int) -> None:
        name = member.filename
        size = 0
        try:
            with self.book.open(member) as stream:
                while chunk := stream.read(_CHUNK):
                    size += len(chunk)
                    self.inflated += len(chunk)
                    if size > limit or self.inflated > MAX_INFLATED_BYTES:
                        raise self.refuse(f"{name} inflates to more than {min(limit, MAX_INFLATED_BYTES) // 2**20} MB "
                                          f"(a zip bomb?); {extent_text()}")
                    if parser is not None:
                        parser.Parse(chunk, False)
                if parser is not None:
                    parser.Parse(b"", True)
        except expat.ExpatError as exc:
            raise self.refuse(f"{name} is not well-formed XML ({expat.ErrorString(exc.code)}, line {exc.lineno}); "
                              "save the table again as .xlsx") from None
        except _Entities:
            raise self.refuse(f"{name} declares a document type (<!DOCTYPE>); an .xlsx part never does, and its "
                              "entities could expand without bound") from None
        except NotImplementedError:  # before RuntimeError, its base class
            raise self.refuse(f"{name} uses a compression method .xlsx files do not use") from None
        except RuntimeError as exc:  # zipfile: "File is encrypted, password required"
            raise self.refuse(f"{name} is encrypted inside the zip ({exc}); save the table without a password") from None
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
            raise self.refuse(f"{name} is damaged ({exc}); save the table again as .xlsx") from None


def _not_xlsx_message(book: zipfile.ZipFile, names: set[str]) -> str:
    if "mimetype" in names and book.getinfo("mimetype").file_size < 200:
        if b"opendocument.spreadsheet" in book.read("mimetype"):
            return "this is an OpenDocument spreadsheet (.ods); save it as an Excel workbook (.xlsx)"
    return "a zip archive without [Content_Types].xml is not an .xlsx workbook; save the table as .xlsx"


class _Entities(Exception):
    """A document type declaration: refused."""


def _refuse_doctype(*_args) -> None:
    raise _Entities


def _parser(start, end, text):
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.EntityDeclHandler = _refuse_doctype
    parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    if text is not None:
        parser.CharacterDataHandler = text
    parser.buffer_text = True
    return parser


def _local(name: str) -> str:
    return name.rpartition(" ")[2]


def _cell_position(ref: str) -> tuple[int, int] | None:
    match = _CELL_REF.match(ref.strip())
    if match is None:
        return None
    col = 0
    for letter in match.group(1).upper():
        col = col * 26 + ord(letter) - 64
    digits = match.group(2)
    return (int(digits) if len(digits) <= 9 else 10**9), col


def _range_corners(ref: str) -> tuple[tuple[int, int], tuple[int, int]] | None:
    first, _, last = ref.strip().partition(":")
    low, high = _cell_position(first), _cell_position(last or first)
    if low is None or high is None:
        return None
    return (min(low[0], high[0]), min(low[1], high[1])), (max(low[0], high[0]), max(low[1], high[1]))


class _SheetScan:
    """Counts one part's elements; for a worksheet, checks where its cells and ranges reach."""

    _MAIN = {f"{MAIN_NS} {tag}": tag for tag in ("row", "c", "v", "f", "dimension", "mergeCell", "hyperlink")}
    #: Range elements → what a message calls them, and whether the cells they cover count.
    _RANGES = {"dimension": ("the sheet's recorded extent (dimension)", False), "mergeCell": ("merged cells", True),
               "hyperlink": ("a hyperlink range", True)}

    def __init__(self, scan: _Scan, name: str, *, form: bool):
        self.scan, self.name = scan, name
        self.rows, self.columns = (FORM_ROWS, FORM_COLUMNS) if form else (OTHER_ROWS, OTHER_COLUMNS)
        self.form = form
        self.row = self.col = 0
        self.beyond = False  # one cell beyond the extent is reported, not every one
        self.cell: tuple[int, int] | None = None
        self.formula = self.value = False
        self.number = ""  # a numeric cell's stored text, while inside <v>
        self.in_number = self.numeric = False
        self.formulas: set[tuple[int, int]] = set()
        self.uncached: set[tuple[int, int]] = set()

    def where(self, ref: str) -> str:
        return f"{self.name}!{ref}"

    def start(self, tag: str, attrs: dict) -> None:
        scan = self.scan
        scan.elements += 1
        if scan.elements > MAX_ELEMENTS:
            scan.fail("", f"the workbook's XML has more than {MAX_ELEMENTS} elements; {extent_text()}")
            raise _Stop
        kind = self._MAIN.get(tag)
        if kind in self._RANGES:
            what, count = self._RANGES[kind]
            self._range(attrs.get("ref", ""), what, count=count)
        elif kind is not None:
            getattr(self, f"_{kind}")(attrs)

    def end(self, tag: str) -> None:
        kind = self._MAIN.get(tag)
        if kind == "v" and self.in_number:
            self.in_number = False
            self._check_number()
        elif kind == "c" and self.cell is not None:
            if self.formula:
                self.formulas.add(self.cell)
            if self.formula and not self.value:
                self.uncached.add(self.cell)
            self.cell = None

    def text(self, data: str) -> None:
        if self.in_number and len(self.number) <= MAX_NUMBER_TEXT:
            self.number += data[: MAX_NUMBER_TEXT + 1]

    def _row(self, attrs: dict) -> None:
        ref = attrs.get("r")
        if ref is None:
            self.row += 1
        else:
            try:
                self.row = int(float(ref))
            except (ValueError, OverflowError):
                self.row = 0
        self.col = 0

    def _c(self, attrs: dict) -> None:
        scan = self.scan
        scan.cells += 1
        if scan.cells > MAX_CELLS:
            scan.fail("", f"the workbook has more than {MAX_CELLS} cells; {extent_text()}")
            raise _Stop
        ref = attrs.get("r")
        position = _cell_position(ref) if ref else None
        if position is not None:
            self.col = position[1]
        else:
            self.col += 1
            position = (self.row, self.col)
        self.cell, self.formula, self.value = position, False, False
        self.numeric = attrs.get("t", "n") == "n"
        if not self.beyond and (position[0] > self.rows or position[1] > self.columns):
            self.beyond = True
            scan.fail(self.where(f"{column_letter(position[1])}{position[0]}"),
                      f"a cell far beyond the form, which is not read: {extent_text(form=self.form)}; delete what lies "
                      "beyond the table (select the rows or columns and delete them) and save again")

    def _v(self, _attrs: dict) -> None:
        if self.cell is not None:
            self.value = True
            if self.numeric:
                self.in_number, self.number = True, ""

    def _f(self, _attrs: dict) -> None:
        if self.cell is not None:
            self.formula = True

    def _check_number(self) -> None:
        text = self.number.strip()
        if not text:
            self.value = False  # <v></v> holds no value
            return
        finite = len(text) <= MAX_NUMBER_TEXT and _NUMBER.match(text) is not None and abs(float(text)) != float("inf")
        if not finite:
            row, col = self.cell
            shown = text if len(text) <= 24 else f"{text[:20]}…"
            self.scan.fail(self.where(f"{column_letter(col)}{row}"),
                           f"the cell stores {shown!r}, which is not a number a cell can hold; type the value again")

    def _range(self, ref: str, what: str, *, count: bool) -> None:
        corners = _range_corners(ref) if ref and " " not in ref.strip() else None
        if corners is None:
            return  # openpyxl refuses what it cannot parse, with its own message
        (top, left), (bottom, right) = corners
        if bottom > self.rows or right > self.columns:
            self.scan.fail(self.where(ref.strip()),
                           f"{what} reach{'es' if what.startswith(('the', 'a ')) else ''} column "
                           f"{column_letter(right)} and row {bottom}, far beyond the form: {extent_text(form=self.form)}; "
                           "unmerge or delete what lies beyond the table and save again")
            return
        if count:
            self.scan.cells += (bottom - top + 1) * (right - left + 1)
            if self.scan.cells > MAX_CELLS:
                self.scan.fail(self.where(ref.strip()), f"{what} cover more cells than a table holds "
                                                        f"(over {MAX_CELLS} in all); {extent_text()}")
                raise _Stop
