"""The scoring table ``绩效自评表.xlsx``: its layout, and writing it from an ``Evaluation``.

One visible sheet, ``绩效自评表``, from top to bottom:

* a header block of labelled cells (部门名称, 部门编码, 评价年度, 所属地区, 评价方案, 金额单位);
* 一、预算执行情况: 预算项目 | 年初预算数 | 全年预算数 | 全年执行数 | 执行率 | 分值 | 得分, one row
  per budget line and a 合计 row;
* 二、绩效指标完成情况: 一级指标 | 绩效目标 | 指标名称 | 计量单位 | 指标性质 | 年度指标值 |
  全年完成值 | 分值 | 得分系数 | 得分 | 偏差原因分析 | 计算过程 | 核查意见, a 合计 row (in this field
  二级指标 means 数量/质量/时效/成本, so the goal column is headed 绩效目标);
* 三、评价结果: scores, grade, the grade bands, and the department's own 自评得分 and 自评等级.

White cells are what a department fills in; grey cells are evalkit's, written rounded half up to
the precision they show (points to two decimals, rates to two decimals of a percent), so a table
read back without its hidden sheet claims exactly what it showed. A hidden sheet ``evalkit``
keeps, as YAML, what the visible table does not show (narrative, reported figures, indicator
statements and rules, line kinds, side tables) and what evalkit wrote in the cells it computes, so
:func:`evalkit.workbook.read.import_workbook` can give the params file back exactly. Reading
always takes targets, actuals, weights and budget figures from the visible cells.
"""

from __future__ import annotations

import io
from decimal import Decimal
from fractions import Fraction

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from ..core.evaluation import Evaluation
from ..core.findings import findings_by_subject
from ..core.model import DIRECTION_LABELS, TIERS
from ..core.numbers import fmt, round_half_up
from ..core.sample import is_sample_region
from ..core.serialisation import params_to_mapping, params_yaml
from .cells import XML_UNSAFE, escape
from .layout import (
    BUDGET_COLUMN,
    BUDGET_HEADERS,
    DIRECTION_CHOICES,
    DIRECTION_CHOICES_TEXT,
    FORMULA_PREFIXES,
    FREEZE_MAX_ROW,
    INDICATOR_HEADERS,
    KEY_COLUMNS,
    META_FORMAT,
    META_SHEET,
    MONEY,
    PERCENT,
    POINT_PLACES,
    POINTS,
    RATE_PLACES,
    READ_RESULTS,
    RESULT_LABELS,
    SHEET,
    TOTAL,
    WIDTHS,
)

_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="DCE6F1")
_COMPUTED_FILL = PatternFill("solid", fgColor="EDEDED")
_SAMPLE_FILL = PatternFill("solid", fgColor="FFF2CC")
_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def render_workbook(ev: Evaluation) -> bytes:
    """The ``.xlsx`` bytes of the scoring table of ``ev``."""
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    for i, width in enumerate(WIDTHS, 1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    row = _info_block(sheet, ev)
    row = _budget_block(sheet, ev, row + 1)
    header_row, written, row = _indicator_block(sheet, ev, row + 1)
    _result_block(sheet, ev, row + 1)
    sheet.freeze_panes = freeze_cell(header_row)
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    _meta_sheet(book, ev, written)
    # the document's properties are plain XML text: a character XML cannot hold is left out
    book.properties.title = XML_UNSAFE.sub("", f"{ev.params.department.name} {ev.params.department.year} "
                                               "年度部门整体支出绩效自评表")
    book.properties.creator = "evalkit"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _put(sheet, row: int, col: int, value, *, number_format: str | None = None, bold=False, fill=None,
         border=True, align=_WRAP):
    cell = put_value(sheet.cell(row, col), value)
    if number_format:
        cell.number_format = number_format
    if bold:
        cell.font = Font(bold=True)
    if fill is not None:
        cell.fill = fill
    if border:
        cell.border = _BORDER
    cell.alignment = align
    return cell


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


def freeze_cell(header_row: int) -> str:
    """Where the panes are frozen: below the indicator header when it sits near the top, else only
    the key columns, so an analyst scrolling a long table never has most of the window pinned.

    >>> freeze_cell(5), freeze_cell(15)
    ('D6', 'D1')
    """
    column = get_column_letter(KEY_COLUMNS + 1)
    return f"{column}{header_row + 1}" if header_row <= FREEZE_MAX_ROW else f"{column}1"


def cell_number(value: Decimal | Fraction | None, places: int = POINT_PLACES):
    """A number as a cell holds it: Decimals as written, computed fractions rounded half up to
    ``places`` decimals — what the cell's number format shows, so nothing hides behind it.

    >>> cell_number(Fraction(90, 11)), cell_number(Fraction(2, 3), RATE_PLACES), cell_number(Decimal("8779.84"))
    (Decimal('8.18'), Decimal('0.6667'), Decimal('8779.84'))
    """
    if value is None:
        return None
    if isinstance(value, Fraction):
        value = round_half_up(value, places)
    return int(value) if value == value.to_integral_value() and value.as_tuple().exponent >= 0 else value


def _info_block(sheet, ev: Evaluation) -> int:
    d, p = ev.params.department, ev.params
    title = f"{d.name} {d.year} 年度部门整体支出绩效自评表"
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(INDICATOR_HEADERS))
    _put(sheet, 1, 1, title, bold=True, border=False, align=_CENTER).font = Font(bold=True, size=16)
    sheet.row_dimensions[1].height = 30
    pairs = [(2, 1, "部门名称", d.name), (2, 6, "评价年度", d.year), (3, 1, "部门编码", d.id),
             (3, 6, "所属地区", d.region), (4, 1, "评价方案", p.scheme), (4, 6, "金额单位", p.unit),
             (5, 1, "方案名称", ev.scheme.title)]
    for row, col, label, value in pairs:
        _put(sheet, row, col, label, bold=True, border=False)
        _put(sheet, row, col + 1, value, border=False, fill=_COMPUTED_FILL if label == "方案名称" else None)
    row = 5
    if is_sample_region(d.region):
        row += 1
        _put(sheet, row, 1, "示例数据", bold=True, border=False, fill=_SAMPLE_FILL)
        _put(sheet, row, 2, "本表由虚构的示例数据生成，仅用于演示，不代表任何真实部门。", bold=True, border=False,
             fill=_SAMPLE_FILL)
    return row + 1


def _budget_block(sheet, ev: Evaluation, row: int) -> int:
    b, unit = ev.budget, ev.params.unit
    _put(sheet, row, 1, f"一、预算执行情况（金额单位：{unit}）", bold=True, border=False, align=Alignment())
    row += 1
    col = BUDGET_COLUMN
    for i, header in enumerate(BUDGET_HEADERS):
        _put(sheet, row, col + i, header, bold=True, fill=_HEAD_FILL, align=_CENTER)
    for line, source in zip(b.lines, ev.params.budget.lines, strict=True):  # compute_budget keeps the order
        row += 1
        _budget_row(sheet, row, line.name, source.initial, source.adjusted, source.executed, line.execution_rate,
                    None, None)
    row += 1
    budget = ev.params.budget
    _budget_row(sheet, row, TOTAL, budget.initial, budget.adjusted, budget.executed, b.execution_rate,
                b.execution_weight, b.execution_score, bold=True)
    return row + 1


def _budget_row(sheet, row, name, initial, adjusted, executed, rate, weight, score, *, bold=False) -> None:
    col = BUDGET_COLUMN
    _put(sheet, row, col, name, bold=bold)
    for i, value in enumerate((initial, adjusted, executed), 1):
        _put(sheet, row, col + i, cell_number(value), number_format=MONEY, bold=bold)
    _put(sheet, row, col + 4, cell_number(rate, RATE_PLACES), number_format=PERCENT, fill=_COMPUTED_FILL, bold=bold)
    _put(sheet, row, col + 5, cell_number(weight), number_format=POINTS, fill=_COMPUTED_FILL, bold=bold)
    _put(sheet, row, col + 6, cell_number(score), number_format=POINTS, fill=_COMPUTED_FILL, bold=bold)


def _indicator_block(sheet, ev: Evaluation, row: int):
    _put(sheet, row, 1, "二、绩效指标完成情况", bold=True, border=False, align=Alignment())
    row += 1
    _put(sheet, row, 1, f"说明：白色单元格由部门填写，灰色单元格由 evalkit 计算。指标性质填 {DIRECTION_CHOICES_TEXT}；"
                        "定性指标的全年完成值填 达成、部分达成 或 未达成。导入时，与 evalkit 所填不同的分值、"
                        "得分系数和得分视为部门填报。", border=False, align=Alignment(wrap_text=False))
    row += 1
    header_row = row
    for i, header in enumerate(INDICATOR_HEADERS, 1):
        computed = header in ("得分系数", "得分", "计算过程", "核查意见")
        _put(sheet, row, i, header, bold=True, fill=_HEAD_FILL, align=_CENTER)
        if computed:
            sheet.cell(row, i).font = Font(bold=True, color="595959")
    findings = findings_by_subject(ev.finding_items)
    written = []
    first = row + 1
    remaining = iter(ev.indicator_scores)
    for goal in ev.params.goals:
        start = row + 1
        for ind in goal.indicators:
            s = next(remaining)
            row += 1
            written.append(_indicator_row(sheet, row, goal.name, s, findings.get(ind.key, [])))
        _merge_down(sheet, 2, start, row)
        _merge_tiers(sheet, start, row)
    last = row
    row += 1
    total = ev.score
    _put(sheet, row, 1, TOTAL, bold=True)
    for col in range(2, len(INDICATOR_HEADERS) + 1):
        _put(sheet, row, col, None, fill=_COMPUTED_FILL)
    _put(sheet, row, 8, cell_number(sum((s.weight for s in ev.indicator_scores), Fraction(0))),
         number_format=POINTS, fill=_COMPUTED_FILL, bold=True)
    _put(sheet, row, 10, cell_number(total.indicators), number_format=POINTS, fill=_COMPUTED_FILL, bold=True)
    if not total.complete:
        _put(sheet, row, 12, f"已计分指标合计；另有 {fmt(total.unscored_points)} 分的指标未填报完成值，不计分",
             fill=_COMPUTED_FILL)
    _validations(sheet, first, max(last, first))
    return header_row, written, row + 1


def _indicator_row(sheet, row: int, goal: str, s, notes: list[str]) -> dict:
    ind = s.indicator
    target = ind.target if isinstance(ind.target, str) else cell_number(ind.target)
    if ind.direction == "qualitative":
        actual = ind.level or ind.actual
    else:
        actual = cell_number(ind.actual)
    weight, coefficient, score = cell_number(s.weight), cell_number(s.coefficient, RATE_PLACES), cell_number(s.score)
    values = [ind.tier, goal, ind.name, ind.unit, DIRECTION_LABELS[ind.direction], target, actual, weight,
              coefficient, score, ind.deviation, s.trail, "；".join(notes) or None]
    formats = {8: POINTS, 9: PERCENT, 10: POINTS}
    for col, value in enumerate(values, 1):
        fill = _COMPUTED_FILL if col in (9, 10, 12, 13) else None
        _put(sheet, row, col, value, number_format=formats.get(col), fill=fill)
    return {"row": row, "goal": goal, "name": ind.name, "weight": weight, "coefficient": coefficient,
            "score": score}


def _merge_down(sheet, col: int, start: int, end: int) -> None:
    if end > start:
        sheet.merge_cells(start_row=start, start_column=col, end_row=end, end_column=col)
        sheet.cell(start, col).alignment = Alignment(vertical="center", wrap_text=True)


def _merge_tiers(sheet, start: int, end: int) -> None:
    """Merge runs of the same 一级指标 inside one goal."""
    run_start = start
    for row in range(start + 1, end + 2):
        if row > end or sheet.cell(row, 1).value != sheet.cell(run_start, 1).value:
            if sheet.cell(run_start, 1).value is not None:
                _merge_down(sheet, 1, run_start, row - 1)
            run_start = row


def _validations(sheet, first: int, last: int) -> None:
    direction = DataValidation(type="list", formula1=f'"{",".join(DIRECTION_CHOICES)}"', allow_blank=False,
                               showErrorMessage=True, errorTitle="指标性质", error=f"请选择 {DIRECTION_CHOICES_TEXT}")
    direction.add(f"E{first}:E{last}")
    tier = DataValidation(type="list", formula1=f'"{",".join(TIERS)}"', allow_blank=True)
    tier.add(f"A{first}:A{last}")
    sheet.add_data_validation(direction)
    sheet.add_data_validation(tier)


def _result_block(sheet, ev: Evaluation, row: int) -> None:
    s, rep = ev.score, ev.params.reported
    _put(sheet, row, 1, "三、评价结果", bold=True, border=False, align=Alignment())
    verdict = [f.message for f in ev.finding_items if f.subject in ("reported.score", "reported.grade")]
    indicators = (cell_number(s.indicators) if s.complete
                  else f"{fmt(s.indicators)}（另有 {fmt(s.unscored_points)} 分的指标未填报完成值）")
    values = {
        "预算执行得分": (cell_number(s.execution), POINTS),
        "绩效指标得分": (indicators, POINTS),
        "总分": (cell_number(s.min) if s.complete else ev.score_text(), POINTS),
        "评价等级": (ev.grade_text(), None),
        "等级划分": ("；".join(ev.scheme.band_texts()), None),
        "部门自评得分": (cell_number(rep.score), None),
        "部门自评等级": (rep.grade, None),
        "核对结论": ("；".join(verdict) if verdict else ("与核算结果一致" if rep.score is not None or rep.grade
                                                      else "部门未填报自评得分"), None),
    }
    for label in RESULT_LABELS:
        row += 1
        value, number_format = values[label]
        computed = label not in READ_RESULTS
        _put(sheet, row, 2, label, bold=True)
        _put(sheet, row, 3, value, number_format=number_format, fill=_COMPUTED_FILL if computed else None,
             align=Alignment(vertical="top", wrap_text=False))


def _meta_sheet(book, ev: Evaluation, written: list[dict]) -> None:
    """The hidden sheet: one YAML line per row in column A."""
    sheet = book.create_sheet(META_SHEET)
    sheet.sheet_state = "hidden"
    text = params_yaml({"format": META_FORMAT, "params": params_to_mapping(ev.params), "written": written},
                       header="由 evalkit 生成：导入时用来还原表格未显示的内容（叙述、报告数字、指标表述等）。请勿编辑。")
    # split at newlines only: str.splitlines() also splits at U+2028, U+0085 and the like, which YAML
    # keeps inside a quoted scalar, and the reader joins the rows with newlines
    for i, line in enumerate(text.removesuffix("\n").split("\n"), 1):
        put_value(sheet.cell(i, 1), line)
    sheet.column_dimensions["A"].width = 120
