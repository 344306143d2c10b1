"""What the workbook tests share (and the office test, which opens the same tables in LibreOffice): the
workbook fixtures, finding a cell, reading a sheet's formulas and checking them, editing a table."""

from __future__ import annotations

import html
import io
import re
import zipfile
from pathlib import Path

import openpyxl
from conftest import FIXTURES

import evalkit
from evalkit.workbook import formulas
from evalkit.workbook.write import SHEET

#: Tables of every rule (``every_rule``: ≥ > ≤ < = 定性, steps and deduct; ``reverse_linear``: a local
#: scheme's linear-2x reverse rule and a mixed weight split).
WORKBOOK_FIXTURES = sorted(p for p in (FIXTURES / "workbook").glob("*.yaml") if not p.name.endswith(".scheme.yaml"))


def find(sheet, text: str) -> tuple[int, int]:
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value == text:
                return cell.row, cell.column
    raise LookupError(text)


#: What a formula of the table may call.
FUNCTIONS = {"IF", "OR", "AND", "MIN", "MAX", "COUNT", "ISNUMBER", "SUM", "SUMPRODUCT", "TEXT", "ROUND"}
_FORMULA_CELL = re.compile(r'<c r="([A-Z]+[0-9]+)"[^>]*><f>([^<]*)</f>')
_STRING = re.compile(r'"((?:[^"]|"")*)"')
_TOKENS = re.compile(r"\$?[A-Z]{1,3}\$?[0-9]+|[0-9]+(?:\.[0-9]+)?|[A-Z]+(?=\()|<>|<=|>=|[-+*/&=<>(),:]")


def formulas_of(data: bytes, part: str = "xl/worksheets/sheet1.xml") -> dict[str, str]:
    """Every formula of a sheet of an .xlsx, by cell address."""
    text = zipfile.ZipFile(io.BytesIO(data)).read(part).decode("utf-8")
    return {ref: html.unescape(formula) for ref, formula in _FORMULA_CELL.findall(text)}


def formula_problems(data: bytes, scheme: evalkit.Scheme) -> list[str]:
    """What in the table's formulas is not a reference, a number, an operator, one of the functions the
    table uses or one of the fixed words (directions, levels, the scheme's grades): text from params
    would show up here."""
    words = set(formulas.words()) | {g.label for g in scheme.grades}
    problems = []
    for ref, formula in formulas_of(data).items():
        problems += [f"{ref}: the word {w!r}" for w in (m.group(1).replace('""', '"') for m in _STRING.finditer(formula))
                     if w not in words]
        rest = _STRING.sub("", formula)
        problems += [f"{ref}: calls {name}" for name in set(re.findall(r"([A-Z]+)\(", rest)) - FUNCTIONS]
        if _TOKENS.sub("", rest).strip():
            problems.append(f"{ref}: {_TOKENS.sub('', rest)!r} in {formula}")
    return problems


def edited(path: Path, change) -> Path:
    book = openpyxl.load_workbook(path)
    change(book[SHEET])
    book.save(path)
    return path


def insert_rows(ws, at: int, amount: int = 1) -> None:
    """Insert rows before row ``at`` as a spreadsheet program does for what the reader sees: cells and
    merged ranges below move down, and so do the references of the formulas that move (openpyxl's
    ``insert_rows`` moves cells only; formulas above that point below are left, as the reader never
    reads a formula)."""
    ranges = [r.coord for r in ws.merged_cells.ranges]
    for coord in ranges:
        ws.unmerge_cells(coord)
    ws.move_range(f"A{at}:{openpyxl.utils.get_column_letter(ws.max_column)}{ws.max_row}", rows=amount, translate=True)
    for coord in ranges:
        rng = openpyxl.worksheet.cell_range.CellRange(coord)
        if rng.min_row >= at:
            rng.shift(row_shift=amount)
        elif rng.max_row >= at:  # the rows go in inside the range: it grows
            rng.expand(down=amount)
        ws.merge_cells(rng.coord)
