"""Side tables (per-project budgets, monthly payments) from CSV or XLSX, row by row, located."""

from __future__ import annotations

import csv
import io
import unicodedata
from pathlib import Path

from ..exceptions import Problem
from ..paths import read_head

PROJECT_COLUMNS = ("name", "adjusted", "executed", "initial")
MONTHLY_COLUMNS = ("month", "executed")
# Chinese headers a department's own table may use.
ALIASES = {
    "项目名称": "name", "名称": "name", "年初预算数": "initial", "全年预算数": "adjusted",
    "调整预算数": "adjusted", "全年执行数": "executed", "执行数": "executed", "支付": "executed",
    "月份": "month",
}
SIDE_TABLE_SUFFIXES = (".csv", ".xlsx", ".xlsm")
#: Largest side table read: rows, columns, bytes (a department has at most a few thousand projects).
MAX_ROWS, MAX_COLUMNS, MAX_BYTES = 100_000, 50, 20_000_000


def read_table(path: Path, shown: str) -> tuple[list[tuple[str, dict[str, object]]], list[Problem]]:
    """Rows of a CSV/XLSX file as ``(where, {column: value})``; ``where`` is ``file:line``/``file!B4``."""
    suffix = path.suffix.lower()
    try:  # opened without blocking: a FIFO, a device or a folder is refused, never waited on
        read_head(path, 0)
    except ValueError as exc:
        return [], [Problem(shown, "", None, f"cannot read the table: {exc}; expected a .csv or .xlsx file")]
    except OSError as exc:
        return [], [Problem(shown, "", None, f"cannot read the table: {exc.strerror}")]
    size = path.stat().st_size
    if size > MAX_BYTES:
        return [], [Problem(shown, "", None, f"the table is {size // 1_000_000} MB; expected at most "
                                             f"{MAX_BYTES // 1_000_000} MB (a few thousand rows)")]
    if suffix == ".csv":
        return _read_csv(path, shown)
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, shown)
    return [], [Problem(shown, "", None, "expected a .csv or .xlsx file")]


def _header(name: object) -> str:
    text = str(name or "").strip().lstrip("\ufeff")
    return ALIASES.get(text, text.lower())


def decode_table(raw: bytes) -> str | None:
    """The text of a CSV file saved as UTF-8 (with or without BOM) or as GB18030/GBK, as Excel and
    WPS save it on Chinese Windows; None when it is neither. Bytes in another encoding (Big5, say)
    often decode as GB18030 too, into rare characters: text whose Chinese characters mostly lie
    outside the common GB2312 set is refused rather than read as mojibake.

    >>> decode_table("项目名称".encode("gb18030")), decode_table("項目名稱".encode("big5"))
    ('项目名称', None)
    """
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        return None
    if any(unicodedata.category(ch) == "Co" or "\u3040" <= ch <= "\u30ff" for ch in text):
        return None  # private-use characters or kana: not a Chinese table in GB18030
    han = [ch for ch in text if "\u4e00" <= ch <= "\u9fff"]
    uncommon = sum(1 for ch in han if not _in_gb2312(ch))
    return None if han and uncommon * 5 > len(han) else text


def _in_gb2312(ch: str) -> bool:
    try:
        ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def _read_csv(path: Path, shown: str):
    text = decode_table(path.read_bytes())
    if text is None:
        return [], [Problem(shown, "", None, "cannot tell the text encoding (expected UTF-8 or GB18030; "
                                             "Big5?); save the table as UTF-8 CSV")]
    reader = csv.reader(io.StringIO(text))
    rows, header, problems = [], None, []
    try:
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            if header is None:
                header = [_header(c) for c in cells]
                problems += _header_problems(shown, reader.line_num, header)
                continue
            if len(rows) >= MAX_ROWS:
                return [], [Problem(shown, "", reader.line_num, f"more than {MAX_ROWS} rows; expected a "
                                                                "department's projects or months")]
            extra = [c for c in cells[len(header):] if c.strip()]
            missing = len(cells) < len(header) and any(h for h in header[len(cells):])
            if extra or missing:
                problems.append(Problem(shown, "", reader.line_num,
                                        f"this row has {len(cells)} cells but the header has {len(header)}; "
                                        "every row needs one cell per column (a stray comma?)"))
                continue
            record = {h: (c.strip() or None) for h, c in zip(header, cells, strict=False) if h}
            rows.append((f"{shown}:{reader.line_num}", record))  # the physical line a row ends on
    except csv.Error as exc:
        return [], [Problem(shown, "", reader.line_num, f"not a readable CSV table ({exc})")]
    if header is None:
        return [], [Problem(shown, "", 1, "the table is empty; expected a header row")]
    return rows, problems


def _header_problems(shown: str, line: int | str, header: list[str]) -> list[Problem]:
    """Two columns that mean the same (``executed`` and ``执行数``) would silently drop one."""
    if len(header) > MAX_COLUMNS:
        return [Problem(shown, "", line, f"{len(header)} columns; expected a few (at most {MAX_COLUMNS})")]
    seen, problems = set(), []
    for name in header:
        if name and name in seen:
            problems.append(Problem(shown, name, line, "this column appears twice in the header "
                                                       "(perhaps under another name); keep one"))
        seen.add(name)
    return problems


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
        rows, header, problems = [], None, []
        for cells in sheet.iter_rows(max_col=MAX_COLUMNS, max_row=MAX_ROWS + 1):
            values = [c.value for c in cells]
            if not any(v is not None and str(v).strip() for v in values):
                continue
            if header is None:
                header = [_header(v) for v in values]
                problems += _header_problems(shown, f"{sheet.title}:{cells[0].row}", header)
                continue
            if cells[0].row > MAX_ROWS:
                return [], [Problem(shown, "", None, f"more than {MAX_ROWS} rows; expected a department's "
                                                     "projects or months")]
            record = {h: (repr(v) if isinstance(v, float) else v)
                      for h, v in zip(header, values, strict=False) if h}
            rows.append((f"{shown}!{sheet.title}:{cells[0].row}", record))
        if header is None:
            return [], [Problem(shown, "", None, "the first sheet is empty; expected a header row")]
        return rows, problems
    finally:
        book.close()
