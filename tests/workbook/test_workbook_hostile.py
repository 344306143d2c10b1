"""Broken and hostile scoring tables, as a table: each is refused with an error naming its sheet and
cell, or read back as the correct params, and within a deadline (each import runs in a forked child
that is killed when it overruns, with its memory bounded, so a hang or a blow-up fails the test
instead of blocking the suite).

Every case starts from the worked example's table (the rows are fixed: budget header 8, lines 9-10,
合计 11; 年度总体目标 13-14; indicator header 17, indicators 18-58, 合计 59, 总分 60; results 63-69;
填报日期 72) or from a params file changed to carry hostile text.
"""

from __future__ import annotations

import copy
import datetime
import io
import multiprocessing
import re
import resource
import subprocess
import sys
import traceback
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Callable
from xml.sax.saxutils import escape

import openpyxl
import pytest
from conftest import WORKED
from workbook_sheets import formula_problems, formulas_of

import evalkit
from evalkit.core.serialisation import params_to_mapping
from evalkit.exceptions import WorkbookError
from evalkit.workbook.layout import SHEET
from evalkit.workbook.read import import_workbook
from evalkit.workbook.write import render_workbook

#: Seconds one import may take (two shared cores); a sound one takes a fraction of a second.
DEADLINE = 30
#: Address space a child may add to what the test process already has.
MEMORY = 2 * 2**30
FORM = "xl/worksheets/sheet1.xml"  # 绩效自评表, as openpyxl writes it
META = "xl/worksheets/sheet2.xml"  # the hidden evalkit sheet


# --- the worked example, as params and as a table ------------------------------------------------

@cache
def worked_mapping() -> dict:
    return params_to_mapping(evalkit.load_params(WORKED))


@cache
def base() -> bytes:
    return render_workbook(evalkit.evaluate(WORKED))


def table_of(mapping: dict) -> bytes:
    return render_workbook(evalkit.evaluate(mapping))


# --- how a case is built ---------------------------------------------------------------------------

def cells(changes: dict, *, formats: dict | None = None, sheet: str = SHEET) -> Callable[[], bytes]:
    """The worked example's table with cells set as a department (or openpyxl) would set them."""
    def change(book) -> None:
        ws = book[sheet]
        for address, value in changes.items():
            ws[address] = value
        for address, number_format in (formats or {}).items():
            ws[address].number_format = number_format
    return book_edit(change)


def book_edit(change: Callable) -> Callable[[], bytes]:
    """The worked example's table, opened in openpyxl, changed and saved."""
    def build() -> bytes:
        book = openpyxl.load_workbook(io.BytesIO(base()))
        change(book)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    return build


def members(data: bytes, *, replace: dict | None = None, drop: tuple = ()) -> bytes:
    """The archive ``data`` with members replaced, added or dropped."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            if name not in drop and name not in (replace or {}):
                target.writestr(name, source.read(name))
        for name, content in (replace or {}).items():
            target.writestr(name, content)
    return out.getvalue()


def xml(part: str, edit: Callable[[str], str]) -> Callable[[], bytes]:
    """The table with one part's XML text edited."""
    def build() -> bytes:
        text = zipfile.ZipFile(io.BytesIO(base())).read(part).decode("utf-8")
        edited = edit(text)
        assert edited != text, "the edit changed nothing"
        return members(base(), replace={part: edited.encode("utf-8")})
    return build


def cell_xml(address: str, element: str) -> Callable[[], bytes]:
    """The table with one cell's XML element replaced."""
    pattern = re.compile(rf'<c r="{address}"[^>]*?(?:/>|>.*?</c>)')
    return xml(FORM, lambda text: pattern.sub(element, text, count=1))


def before(marker: str, insert: str, part: str = FORM) -> Callable[[], bytes]:
    return xml(part, lambda text: text.replace(marker, insert + marker, 1))


def raw(data: bytes | Callable[[], bytes]) -> Callable[[], bytes]:
    return data if callable(data) else (lambda: data)


def zipped(files: dict) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as book:
        for name, content in files.items():
            book.writestr(name, content)
    return out.getvalue()


def patched_member(name: str, *, flag: int = 0, method: int | None = None) -> Callable[[], bytes]:
    """The table with one member's zip headers patched: an encryption flag or a compression method."""
    def build() -> bytes:
        data = bytearray(base())
        info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(name)
        local = info.header_offset
        data[local + 6] |= flag
        if method is not None:
            data[local + 8:local + 10] = method.to_bytes(2, "little")
        central = data.find(b"PK\x01\x02")
        while central >= 0:
            size = int.from_bytes(data[central + 28:central + 30], "little")
            if data[central + 46:central + 46 + size].decode() == name:
                data[central + 8] |= flag
                if method is not None:
                    data[central + 10:central + 12] = method.to_bytes(2, "little")
            central = data.find(b"PK\x01\x02", central + 4)
        return bytes(data)
    return build


def from_params(change: Callable[[dict], None]) -> Callable[[], bytes]:
    def build() -> bytes:
        return table_of(changed(change))
    return build


def changed(change: Callable[[dict], None]) -> dict:
    mapping = copy.deepcopy(worked_mapping())
    change(mapping)
    return mapping


def many_cells(count: int) -> str:
    """``count`` cells, eight a row, from row 600 down (within the extent of any sheet)."""
    return "".join(f'<row r="{600 + i}">' + "".join(f'<c r="{letter}{600 + i}"><v>1</v></c>' for letter in "ABCDEFGH")
                   + "</row>" for i in range(count // 8 + 1))


# --- what a case expects ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Error:
    """A ``WorkbookError`` one of whose problems (``where: message``) matches ``pattern``."""

    pattern: str


@dataclass(frozen=True)
class Params:
    """The import gives these params (the worked example's, changed by ``change``)."""

    change: Callable[[dict], None] = lambda mapping: None


def indicator(mapping: dict, goal: int = 0, number: int = 0) -> dict:
    return mapping["goals"][goal]["indicators"][number]


def actual(value, goal: int = 0, number: int = 0) -> Params:
    def change(mapping):
        indicator(mapping, goal, number)["actual"] = value
    return Params(change)


def hostile_names(mapping: dict) -> None:
    mapping["budget"]["lines"][0]["name"] = '=HYPERLINK("http://evil.example/","点击")'
    mapping["reported"]["line_execution_rates"] = {'=HYPERLINK("http://evil.example/","点击")': Decimal("99.99"),
                                                   "专项预算项目": Decimal("99.55")}
    indicator(mapping, 0, 0)["name"] = "=cmd|' /C calc'!A0"
    indicator(mapping, 0, 1)["name"] = "+SUM(1,2)"
    indicator(mapping, 0, 2)["name"] = "-2+3"
    indicator(mapping, 1, 0)["name"] = "@SUM(A1)"
    indicator(mapping, 1, 1)["name"] = "#N/A"
    indicator(mapping, 1, 2)["unit"] = "=1+1"
    indicator(mapping, 2, 0)["deviation"] = "=A1\t说明\r第二行"
    mapping["goals"][3]["name"] = "=1/0"
    mapping["department"]["name"] = "=党政办公室"


def label_like_names(mapping: dict) -> None:
    mapping["department"]["name"] = "评价年度"
    mapping["department"]["region"] = "部门名称"
    mapping["unit"] = "评价方案"
    mapping["reported"]["grade"] = "部门自评得分"


def escaped_text(mapping: dict) -> None:
    """Excel's own escape syntax in a name (control characters themselves never get this far: the
    params refuse them)."""
    indicator(mapping, 0, 0)["name"] = "测评率_x0041_"
    indicator(mapping, 0, 1)["deviation"] = "原因_x001F_说明"


def line_separators(mapping: dict) -> None:
    """Paragraphs only the hidden sheet keeps, broken over lines."""
    indicator(mapping, 0, 0)["statement"] = "第一句\n第二句\r\n第三句"
    mapping["narrative"]["duties"] = ["职责\n说明", "分隔"]


def hidden_sheet_bomb(text: str) -> str:
    bomb = "".join(f'<row r="{i + 1}"><c r="A{i + 1}" t="inlineStr"><is><t>{escape(line)}</t></is></c></row>'
                   for i, line in
                   enumerate(["format: evalkit-workbook/v1", "a: &a [x, x, x, x, x, x, x, x, x]",
                              *(f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
                                f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]" for i in range(9))]))
    return re.sub(r"<sheetData>.*</sheetData>", f"<sheetData>{bomb}</sheetData>", text, flags=re.S)


def long_meta(book) -> None:
    ws = book["evalkit"]
    for row in range(600, 760):
        ws.cell(row, 1).value = "# " + "x" * 30_000


def flow_meta(book) -> None:
    """Half a million numbers in flow sequences: little text, but each costs the YAML composer time."""
    ws = book["evalkit"]
    for row in range(600, 640):
        ws.cell(row, 1).value = "x" + str(row) + ": [" + "1," * 15_000 + "1]"


def copied_form(book) -> None:
    """The form renamed and copied: two sheets hold the table, and neither is named 绩效自评表."""
    book[SHEET].title = "2023年"
    book.copy_worksheet(book["2023年"])


ENTITY_BOMB = ('<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
               '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>')
XLSB = "application/vnd.ms-excel.sheet.binary.macroEnabled.main"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
DIMENSION = re.compile(r'<dimension ref="[^"]*"/>')


@dataclass(frozen=True)
class Case:
    id: str
    build: Callable[[], bytes]
    expect: Error | Params


CASES = [
    # --- the file is no .xlsx, or a damaged or hostile archive ---------------------------------------
    Case("not-a-zip", raw(b"name,adjusted\n"), Error(r"^cannot read as an \.xlsx workbook: not a zip archive")),
    Case("empty-file", raw(b""), Error(r"^cannot read as an \.xlsx workbook: not a zip archive")),
    Case("truncated-zip", raw(lambda: base()[: len(base()) // 2]), Error(r"not a zip archive")),
    Case("xls-97-2003", raw(bytes.fromhex("d0cf11e0a1b11ae1") + "Workbook".encode("utf-16-le") + bytes(600)),
         Error(r"Excel 97-2003 workbook \(\.xls\), not \.xlsx; .*save it as an Excel workbook")),
    Case("password-protected", raw(bytes.fromhex("d0cf11e0a1b11ae1") + "EncryptedPackage".encode("utf-16-le")
                                   + bytes(600)), Error(r"password-protected \(encrypted\); .*remove the password")),
    Case("ods", raw(zipped({"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<x/>"})),
         Error(r"OpenDocument spreadsheet \(\.ods\)")),
    Case("docx", raw(zipped({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w/>"})),
         Error(r"this is a Word document \(\.docx\), not a workbook")),
    Case("zip-of-other-files", raw(zipped({"readme.txt": "hello"})), Error(r"without \[Content_Types\]\.xml")),
    Case("xlsb", xml("[Content_Types].xml", lambda t: t.replace(XLSX, XLSB)), Error(r"Excel binary workbook \(\.xlsb\)")),
    Case("workbook-part-missing", raw(lambda: members(base(), drop=("xl/workbook.xml",))),
         Error(r"the workbook part xl/workbook\.xml is missing")),
    Case("zip-bomb", raw(lambda: members(base(), replace={"xl/media/pad.bin": bytes(40 * 2**20)})),
         Error(r"inflates to more than 32 MB \(a zip bomb\?\)")),
    Case("too-many-members", raw(lambda: members(base(), replace={f"xl/media/{i}.bin": b"x" for i in range(600)})),
         Error(r"the archive has 6\d\d members")),
    Case("member-encrypted-in-zip", patched_member(FORM, flag=1), Error(r"sheet1\.xml is encrypted inside the zip")),
    Case("unknown-compression", patched_member(FORM, method=99), Error(r"compression method .xlsx files do not use")),
    Case("entity-bomb", xml(FORM, lambda t: t.replace("<worksheet", ENTITY_BOMB + "<worksheet", 1)),
         Error(r"sheet1\.xml declares a document type")),
    Case("malformed-sheet-xml", xml(FORM, lambda t: t.replace("</sheetData>", "<row></sheetData>", 1)),
         Error(r"sheet1\.xml is not well-formed XML")),
    # --- the sheet reaches far beyond the form -------------------------------------------------------
    Case("value-at-XFD1048576", cells({"XFD1048576": 1}),
         Error(r"^绩效自评表!XFD1048576: a cell far beyond the form.*12 columns and at most a few thousand rows")),
    Case("merged-A70:XFD1048576", before("</mergeCells>", '<mergeCell ref="A70:XFD1048576"/>'),
         Error(r"^绩效自评表!A70:XFD1048576: merged cells reach column XFD and row 1048576, far beyond the form")),
    Case("dimension-A1:XFD1048576", xml(FORM, lambda t: DIMENSION.sub('<dimension ref="A1:XFD1048576"/>', t)),
         Error(r"^绩效自评表!A1:XFD1048576: the sheet's recorded extent \(dimension\) reaches column XFD")),
    Case("hyperlink-over-a-million-rows", before("<pageMargins", '<hyperlinks><hyperlink ref="A1:M1048576" '
                                                                 'display="x"/></hyperlinks>'),
         Error(r"^绩效自评表!A1:M1048576: a hyperlink range reaches column M and row 1048576")),
    Case("row-without-addresses-far-down", before("</sheetData>", '<row r="1048576"><c><v>1</v></c></row>'),
         Error(r"^绩效自评表!A1048576: a cell far beyond the form")),
    Case("too-many-cells", before("</sheetData>", many_cells(200_100), META),
         Error(r"more than 200000 cells")),
    Case("merges-covering-too-many-cells", before(
        "</mergeCells>", "".join(f'<mergeCell ref="A{100 + 1000 * i}:BL{1099 + 1000 * i}"/>' for i in range(4))),
        Error(r"^绩效自评表!A3100:BL4099: merged cells cover more cells than a table holds")),
    Case("hidden-sheet-cell-far-down", cells({"A200000": "x"}, sheet="evalkit"),
         Error(r"^evalkit!A200000: a cell far beyond the form")),
    Case("stored-number-infinite", cell_xml("G18", '<c r="G18" t="n"><v>1e999</v></c>'),
         Error(r"^绩效自评表!G18: the cell stores '1e999', which is not a number a cell can hold")),
    Case("stored-number-of-5000-digits", cell_xml("G18", f'<c r="G18"><v>{"9" * 5000}</v></c>'),
         Error(r"^绩效自评表!G18: the cell stores '9999.*not a number a cell can hold")),
    # --- cells whose value cannot be taken as it is --------------------------------------------------
    Case("exponent-1e100000000", cells({"G18": "1e100000000"}),
         Error(r"^绩效自评表!G18 实际完成值: expected a number, got '1e100000000' \(a figure in this table is below "
               r"10\^15")),
    Case("exponent-1e-100000000", cells({"G18": "1e-100000000"}),
         Error(r"^绩效自评表!G18 实际完成值: expected a number, got '1e-100000000'")),
    Case("float-1e300", cells({"F18": 1e300}), Error(r"^绩效自评表!F18 年度指标值: expected a number, got 1e\+300")),
    Case("digits-5000-as-text", cells({"F18": "9" * 5000}),
         Error(r"^绩效自评表!F18 年度指标值: expected a number, got '9999.*…'$")),
    Case("amount-beyond-10^15", cells({"E11": "1e16"}), Error(r"^绩效自评表!E11 全年执行数: expected an amount, got '1e16'")),
    Case("formula-without-saved-value", cells({"G18": "=90+5"}),
         Error(r"^绩效自评表!G18 实际完成值: a formula with no saved value .*open and save it in Excel, WPS or "
               "LibreOffice, or type the value")),
    Case("formula-without-saved-value-as-goal", cells({"B21": '="党工委"'}),
         Error(r"^绩效自评表!B21 二级指标: a formula with no saved value")),
    Case("formula-showing-an-error", cell_xml("G18", '<c r="G18" t="e"><f>1/0</f><v>#DIV/0!</v></c>'),
         Error(r"^绩效自评表!G18 实际完成值: the cell shows the error #DIV/0!")),
    Case("percent-on-an-amount", cells({"D9": "3484.29%"}),
         Error(r"^绩效自评表!D9 全年预算数: expected an amount, got '3484.29%'; a '%' does not belong here")),
    Case("amount-formatted-as-percent", cells({}, formats={"E11": "0.00%"}),
         Error(r"^绩效自评表!E11 全年执行数: expected an amount, got 956563% \(the cell is formatted as a percentage\)")),
    Case("percent-on-points", cells({"I18": "2.2%"}), Error(r"^绩效自评表!I18 分值: expected points, got '2.2%'")),
    Case("percent-on-reported-score", cells({"C68": "99%"}), Error(r"^绩效自评表!C68 部门自评得分: expected a score")),
    Case("logical-value-as-a-name", cells({"C18": True}),
         Error(r"^绩效自评表!C18 三级指标: expected text, got the logical value TRUE")),
    Case("text-longer-than-a-cell-holds",  # openpyxl cuts what it writes at 32,767 characters: write the XML
         cell_xml("L18", f'<c r="L18" t="inlineStr"><is><t>{"长" * 40_000}</t></is></c>'),
         Error(r"^绩效自评表!L18 偏差原因分析及改进措施: expected text of at most 32767 characters")),
    Case("date-as-an-actual", cells({"G18": datetime.date(2023, 9, 1)}),
         Error(r"^绩效自评表!G18 实际完成值: expected a number, got the date or time 2023-09-01")),
    Case("duplicate-indicator-row", cells({"C19": "各项事务管理工作测评率"}),
         Error(r"^绩效自评表!C19 三级指标: the indicator '各项事务管理工作测评率' of the goal '综合事务管理工作' is already "
               "on row 18")),
    Case("budget-line-below-total", cells({"B12": "新增项目", "D12": 100, "E12": 90}),
         Error(r"^绩效自评表!B12 预算项目: a budget line below the budget block's 合计 row \(11\) is not read")),
    Case("indicator-row-below-total", cells({"C60": "新增指标", "E60": "≥", "F60": 90}),
         Error(r"^绩效自评表!C60 三级指标: an indicator row below the end of the indicator table \(row 58\) is not read")),
    Case("value-in-unheaded-column", cells({"M18": 95, "M19": 90}),
         Error(r"^绩效自评表!M18: a value in a column with no header in the indicator table's header row \(17\), "
               r"which is not read \(2 cells in this column\)")),
    Case("value-left-of-budget-block", cells({"A9": 1}),
         Error(r"^绩效自评表!A9: a value in a column with no header in the budget block's header row \(8\)")),
    Case("hidden-sheet-alias-bomb", xml(META, hidden_sheet_bomb), Error(r"^evalkit!A\d+: the hidden sheet cannot be read: .*alias bomb")),
    Case("hidden-sheet-too-long", book_edit(long_meta), Error(r"^evalkit!A1: the hidden sheet holds more than 4 MB")),
    Case("hidden-sheet-of-a-million-tokens", book_edit(flow_meta),
         Error(r"^evalkit!A1: the hidden sheet holds more than 400000 YAML tokens")),
    Case("sheet-renamed-and-copied", book_edit(copied_form),
         Error(r"no sheet named '绩效自评表', and 2 sheets hold the indicator table .*; the workbook has 2023年, "
               r"evalkit, 2023年 Copy")),
    Case("no-form-sheet", book_edit(lambda book: (book[SHEET].delete_rows(1, 80), setattr(book[SHEET], "title", "Sheet1"))),
         Error(r"no sheet named '绩效自评表', and no sheet holds the indicator table")),
    # --- hostile but sound: read exactly ------------------------------------------------------------
    Case("untouched", base, Params()),
    Case("formula-names-written-as-text", from_params(hostile_names), Params(hostile_names)),
    Case("label-text-as-values", from_params(label_like_names), Params(label_like_names)),
    Case("excel-escapes-in-text", from_params(escaped_text), Params(escaped_text)),
    Case("line-breaks-in-hidden-text", from_params(line_separators), Params(line_separators)),
    Case("formula-with-saved-value", cell_xml("G18", '<c r="G18"><f>90+5</f><v>95</v></c>'), actual(Decimal(95))),
    Case("formula-saved-as-empty-text", cell_xml("G18", '<c r="G18" t="str"><f>""</f><v></v></c>'), Params()),
    Case("uncached-formula-in-a-column-not-read", cells({"K18": "=A1"}), Params()),
    Case("shared-formulas-as-excel-saves-them", xml(FORM, lambda t: re.sub(
        r'<c r="K(19|20)"([^>]*)><f>[^<]*</f><v>([^<]*)</v></c>',
        lambda m: f'<c r="K{m.group(1)}"{m.group(2)}><f t="shared" si="0"/><v>{m.group(3)}</v></c>',
        re.sub(r'(<c r="K18"[^>]*>)<f>', r'\1<f t="shared" ref="K18:K20" si="0">', t, count=1))), Params()),
    Case("literal-percent-format", cells({"G18": 88}, formats={"G18": '0"%"'}), actual(Decimal(88))),
    Case("full-width-digits", cells({"G18": "９５．５"}), actual(Decimal("95.5"))),
    Case("exponent-within-bounds", cells({"G18": "1e2"}), actual(Decimal(100))),
    Case("headed-extra-column", cells({"M17": "备注", "M18": "已核实"}), Params()),
    Case("extra-sheet", book_edit(lambda book: book.create_sheet("附表").append(["说明", "=1+1", 3])), Params()),
    Case("sheet-renamed", book_edit(lambda book: setattr(book[SHEET], "title", "Sheet1")), Params()),
    Case("dimension-within-the-form", xml(FORM, lambda t: DIMENSION.sub('<dimension ref="A1:Z100"/>', t)), Params()),
    Case("hyperlink-on-one-cell", before("<pageMargins", '<hyperlinks><hyperlink ref="C18" display="x"/></hyperlinks>'),
         Params()),
]


def test_the_table_has_forty_hostile_cases_and_unique_ids():
    assert len({case.id for case in CASES}) == len(CASES)
    assert sum(isinstance(case.expect, Error) for case in CASES) >= 40


def _import_in_child(path: Path, conn) -> None:
    """Run in the forked child: bound its memory, import, send back what happened."""
    try:
        with open("/proc/self/statm") as fh:
            used = int(fh.read().split()[0]) * resource.getpagesize()
        resource.setrlimit(resource.RLIMIT_AS, (used + MEMORY, resource.getrlimit(resource.RLIMIT_AS)[1]))
        out = path.with_suffix(".yaml")
        import_workbook(path, out)
        conn.send(("params", params_to_mapping(evalkit.load_params(out))))
    except WorkbookError as exc:
        conn.send(("error", [f"{p.key}: {p.message}" if p.key else p.message for p in exc.failure_cases], str(exc)))
    except BaseException:  # anything else is the failure the test reports
        conn.send(("crash", traceback.format_exc()))
    finally:
        conn.close()


def import_within_deadline(path: Path) -> tuple:
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_import_in_child, args=(path, send))
    child.start()
    send.close()
    try:
        if not receive.poll(DEADLINE):
            pytest.fail(f"import-xlsx did not finish within {DEADLINE} s")
        try:
            return receive.recv()
        except EOFError:
            pytest.fail(f"the import died (exit code {child.exitcode}) without a word")
    finally:
        child.kill()
        child.join()
        receive.close()


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_hostile_table(case, tmp_path):
    path = tmp_path / "绩效自评表.xlsx"
    path.write_bytes(case.build())
    outcome = import_within_deadline(path)
    assert outcome[0] != "crash", outcome[1]
    if isinstance(case.expect, Error):
        assert outcome[0] == "error", "imported without an error"
        problems, message = outcome[1], outcome[2]
        assert any(re.search(case.expect.pattern, p) for p in problems), problems
        assert str(path) in message and "Traceback" not in message and len(message) < 20_000
    else:
        assert outcome[0] == "params", outcome[1]
        assert outcome[1] == params_to_mapping(evalkit.evaluate(changed(case.expect.change)).params)


def test_text_from_params_is_never_a_formula_in_the_table():
    data = from_params(hostile_names)()
    book = zipfile.ZipFile(io.BytesIO(data))
    sheets = [name for name in book.namelist() if name.startswith("xl/worksheets/")]
    assert all(b't="e"' not in book.read(name) for name in sheets)
    assert b"<f>" not in book.read("xl/worksheets/sheet2.xml")  # the hidden sheet holds text only
    assert formula_problems(data, evalkit.load_scheme("seed-85-75-60")) == []  # evalkit's formulas hold no params text
    assert len(formulas_of(data)) > 3 * 41  # 分值, 得分系数 and 得分 of every indicator, and the totals
    ws = openpyxl.load_workbook(io.BytesIO(data))[SHEET]
    name = ws["C18"]
    assert (name.value, name.data_type, name.quotePrefix) == ("=cmd|' /C calc'!A0", "s", True)
    assert ws["B9"].value.startswith("=HYPERLINK") and ws["B9"].data_type == "s" and ws["B9"].quotePrefix
    assert ws["B3"].data_type == "s" and ws["B3"].value == "=党政办公室" and ws["B3"].quotePrefix  # 单位名称
    assert ws["G3"].value == "=B3"  # 主管部门 refers to the name: its text is never evaluated


CLI_CASES = ["exponent-1e100000000", "merged-A70:XFD1048576", "formula-without-saved-value", "xls-97-2003"]


@pytest.mark.parametrize("name", CLI_CASES)
def test_cli_refuses_a_hostile_table_with_located_errors(name, tmp_path):
    case = next(c for c in CASES if c.id == name)
    path = tmp_path / "绩效自评表.xlsx"
    path.write_bytes(case.build())
    result = subprocess.run([sys.executable, "-m", "evalkit.cli", "import-xlsx", str(path)], capture_output=True,
                            text=True, check=False, timeout=DEADLINE * 2)
    assert result.returncode == 1 and not result.stdout
    assert result.stderr.startswith(f"error: 1 cell in {path} cannot be read:")
    assert re.search(case.expect.pattern.lstrip("^"), result.stderr), result.stderr
    assert "Traceback" not in result.stderr and "unexpected" not in result.stderr
