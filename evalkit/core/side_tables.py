"""Side tables (per-project budgets, monthly payments) from CSV or XLSX, row by row, located."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..exceptions import Problem

PROJECT_COLUMNS = ("name", "adjusted", "executed", "initial")
MONTHLY_COLUMNS = ("month", "executed")
# Chinese headers a department's own table may use.
ALIASES = {
    "项目名称": "name", "名称": "name", "年初预算数": "initial", "全年预算数": "adjusted",
    "调整预算数": "adjusted", "全年执行数": "executed", "执行数": "executed", "支付": "executed",
    "月份": "month",
}


def read_table(path: Path, shown: str) -> tuple[list[tuple[str, dict[str, object]]], list[Problem]]:
    """Rows of a CSV/XLSX file as ``(where, {column: value})``; ``where`` is ``file:line``/``file!B4``."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path, shown)
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, shown)
    return [], [Problem(shown, "", None, "expected a .csv or .xlsx file")]


def _header(name: object) -> str:
    text = str(name or "").strip().lstrip("\ufeff")
    return ALIASES.get(text, text.lower())


def _read_csv(path: Path, shown: str):
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError:
            return [], [Problem(shown, "", None, "cannot decode; save the table as UTF-8 CSV")]
    reader = csv.reader(io.StringIO(text))
    rows, header = [], None
    try:
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            if header is None:
                header = [_header(c) for c in cells]
                continue
            record = {h: (c.strip() or None) for h, c in zip(header, cells, strict=False) if h}
            rows.append((f"{shown}:{reader.line_num}", record))  # the physical line a row ends on
    except csv.Error as exc:
        return [], [Problem(shown, "", reader.line_num, f"not a readable CSV table ({exc})")]
    if header is None:
        return [], [Problem(shown, "", 1, "the table is empty; expected a header row")]
    return rows, []


def _read_xlsx(path: Path, shown: str):
    import zipfile

    import openpyxl  # imported here: only needed for XLSX side tables
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (OSError, zipfile.BadZipFile, InvalidFileException, KeyError, ValueError) as exc:
        return [], [Problem(shown, "", None, f"cannot read as an Excel workbook ({type(exc).__name__}: {exc}); "
                                             "save it as .xlsx or export it as UTF-8 CSV")]
    try:
        sheet = book.worksheets[0]
        rows, header = [], None
        for cells in sheet.iter_rows():
            values = [c.value for c in cells]
            if not any(v is not None and str(v).strip() for v in values):
                continue
            if header is None:
                header = [_header(v) for v in values]
                continue
            record = {h: (repr(v) if isinstance(v, float) else v)
                      for h, v in zip(header, values, strict=False) if h}
            rows.append((f"{shown}!{sheet.title}:{cells[0].row}", record))
        if header is None:
            return [], [Problem(shown, "", None, "the first sheet is empty; expected a header row")]
        return rows, []
    finally:
        book.close()
