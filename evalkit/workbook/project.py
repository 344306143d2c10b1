"""The 项目支出绩效自评表 (``kind: project``) as ``项目支出绩效自评表.xlsx``, in the form's layout
(财预〔2020〕10号 附件; Sichuan-style fund rows when the params use them), written with the department
table's machinery: the same indicator columns and live formulas (:mod:`.formulas`), evalkit's figures as
saved values (:mod:`.cached`), white cells for what the unit fills in and the rest locked under sheet
protection without a password (:mod:`.entry`).

From the top: the title and year; 项目名称, 主管部门, 实施单位, 项目负责人, 项目编码; 项目资金（万元）with
年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分 for 年度资金总额 (分值 10, 得分 = 10 × MIN(执行率,
100%)) and its 其中 rows (no 分值 or 得分), and the reason when execution falls short; 年度总体目标 (预期目标
beside 实际完成情况); 绩效指标 (一级 | 二级 | 三级指标 … 得分 | 偏差原因分析及改进措施); 合计, 总分 and 评价等级
by the scheme's band table (inclusive or exclusive bounds); 自评得分 and 自评等级.

A hidden sheet ``evalkit`` keeps the params as YAML and, for every white cell, the key it fills, so
:func:`import_project_workbook` gives the params file back: unchanged cells keep the figure exactly
as written, changed ones take the typed value.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.styles import Font

from ..core.evaluation import Evaluation
from ..core.model import DIRECTION_LABELS
from ..core.params import SCHEMA, parse_params
from ..core.serialisation import params_to_mapping, params_yaml
from ..core.source import load_yaml
from ..exceptions import WorkbookError
from ..paths import read_head
from . import formulas
from .layout import FONT, INDICATOR_HEADERS, MONEY, PERCENT, POINTS, TITLE_SIZE, WIDTHS
from .sheet import CENTER, COLUMNS, NUMBER, Form, plain

TITLE = "项目支出绩效自评表"
SHEET = "项目支出绩效自评表"
META_SHEET = "evalkit"
META_SCHEMA = "evalkit-project-table/v1"
FUND_HEADERS = ("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分")


def render_project_workbook(ev: Evaluation) -> bytes:
    """The ``.xlsx`` bytes of a project's 自评表."""
    if ev.params.kind != "project" or ev.params.project is None:
        raise ValueError("render_project_workbook takes a project's evaluation (kind: project)")
    return _ProjectForm(ev).render()


class _ProjectForm(Form):
    def __init__(self, ev: Evaluation):
        super().__init__(ev, SHEET)
        self.keys: dict[str, str] = {}  # white cell → the params key it fills

    def entry_cell(self, row: int, col: int, value, key: str, *, kind: str | None = None,
                   number_format: str | None = None, to: int | None = None):
        cell = self.put(row, col, plain(value) if isinstance(value, Decimal) else value, style="input", kind=kind,
                        number_format=number_format, to=to, align=NUMBER if number_format else None)
        self.keys[cell.coordinate] = key
        return cell

    def render(self) -> bytes:
        row = self._header()
        execution, row = self._funds(row + 1)
        row = self._goals(row)
        header = row
        first, last = self._indicators(row)
        row = self._totals(execution, first, last, last + 1)
        p = self.ev.params
        return self.finish(header, row, title=f"{p.project.name} {p.department.year} 年度{TITLE}", creator="evalkit")

    def _header(self) -> int:
        p, d = self.ev.params.project, self.ev.params.department
        title = self.put(1, 1, TITLE, style="section", to=COLUMNS, align=CENTER)
        title.font = Font(name=FONT, size=TITLE_SIZE, bold=True)
        self.put(2, 1, f"（{d.year}年度）", style="text", to=COLUMNS, align=CENTER)
        self.put(3, 1, "项目名称", style="label", to=2)
        self.entry_cell(3, 3, p.name, "project.name", to=COLUMNS)
        self.put(4, 1, "主管部门", style="label", to=2)
        self.put(4, 3, d.name, style="text", to=6)
        self.put(4, 7, "实施单位", style="label", to=8)
        self.entry_cell(4, 9, p.implementer or "", "project.implementer", to=COLUMNS)
        self.put(5, 1, "项目负责人", style="label", to=2)
        self.entry_cell(5, 3, p.manager or "", "project.manager", to=6)
        self.put(5, 7, "项目编码", style="label", to=8)
        self.entry_cell(5, 9, p.code or "", "project.code", to=COLUMNS)
        return 5

    def _funds(self, row: int) -> tuple[str, int]:
        b, res = self.ev.params.budget, self.ev.budget
        self.put(row, 1, "项目资金（万元）", style="head", to=2)
        for i, head in enumerate(FUND_HEADERS):
            self.put(row, 3 + i, head, style="head")
        self.put(row, 9, "执行率低于90%的原因", style="head", to=COLUMNS)
        total = row + 1
        self.put(total, 1, "年度资金总额", style="label", to=2)
        for col, field in zip((3, 4, 5), ("initial", "adjusted", "executed"), strict=True):
            self.entry_cell(total, col, getattr(b, field), f"budget.{field}", kind="amount", number_format=MONEY)
        self.put(total, 6, plain(self.ev.scheme.execution_weight), style="computed", number_format=POINTS,
                 align=NUMBER)
        rate = f"G{total}"
        self.formula(total, 7, formulas.execution_rate(f"E{total}", f"D{total}"), res.execution_rate,
                     number_format=PERCENT)
        self.formula(total, 8, formulas.execution_score(f"F{total}", rate), res.execution_score)
        self.entry_cell(total, 9, b.deviation or "", "budget.deviation", to=COLUMNS)
        row = total
        for i, source in enumerate(b.sources):
            row += 1
            self.put(row, 1, f"其中：{source.name}" if i == 0 else source.name, style="label", to=2)
            for col, field in zip((3, 4, 5), ("initial", "adjusted", "executed"), strict=True):
                value = getattr(source, field)
                self.entry_cell(row, col, value if value is not None else "", f"budget.sources[{i}].{field}",
                                kind="amount", number_format=MONEY)
            self.put(row, 6, "—", style="computed", align=CENTER)
            rate_value = source.executed / source.adjusted if source.adjusted else ""
            self.formula(row, 7, formulas.execution_rate(f"E{row}", f"D{row}"), rate_value, number_format=PERCENT)
            self.put(row, 8, "—", style="computed", align=CENTER)
            self.put(row, 9, "", style="computed", to=COLUMNS)
        return f"H{total}", row + 1

    def _goals(self, row: int) -> int:
        self.put(row, 1, "年度总体目标", style="head", to=2)
        self.put(row, 3, "预期目标", style="head", to=7)
        self.put(row, 8, "实际完成情况", style="head", to=COLUMNS)
        for i, goal in enumerate(self.ev.params.goals):
            row += 1
            self.put(row, 1, goal.name, style="label", to=2)
            self.entry_cell(row, 3, goal.objective or "", f"goals[{i}].objective", to=7)
            self.entry_cell(row, 8, goal.outcome or "", f"goals[{i}].outcome", to=COLUMNS)
            self.height(row, (goal.objective, sum(WIDTHS[2:7])), (goal.outcome, sum(WIDTHS[7:])))
        return row + 1

    def _indicators(self, row: int) -> tuple[int, int]:
        for col, head in enumerate(INDICATOR_HEADERS, 1):
            self.put(row, col, head, style="head")
        first = row + 1
        scheme = self.ev.scheme
        for s in self.ev.indicator_scores:
            row += 1
            ind = s.indicator
            c = formulas.IndicatorCells(row)
            self.put(row, 1, ind.tier or "", style="text")
            self.entry_cell(row, 2, ind.level2 or "", f"{ind.key}.level2")
            self.put(row, 3, ind.name, style="text")
            self.put(row, 4, ind.unit or "", style="text", align=CENTER)
            self.put(row, 5, DIRECTION_LABELS[ind.direction], style="text", align=CENTER)
            target = ind.target if not isinstance(ind.target, Decimal) else plain(ind.target)
            self.put(row, 6, target, style="text", number_format=None if isinstance(target, str) else "General")
            actual = plain(ind.actual) if isinstance(ind.actual, Decimal) else (ind.actual or "")
            self.entry_cell(row, 7, actual, f"{ind.key}.actual", kind=None if ind.direction == "qualitative" else "number")
            self.entry_cell(row, 8, ind.level or "", f"{ind.key}.level", kind="level")
            self.put(row, 9, plain(Decimal(s.weight.numerator) / Decimal(s.weight.denominator)), style="computed",
                     number_format=POINTS, align=NUMBER)
            self.formula(row, 10, formulas.coefficient(ind, scheme, c), s.coefficient, number_format=PERCENT)
            self.formula(row, 11, formulas.score(c, scheme), s.score)
            self.entry_cell(row, 12, ind.deviation or "", f"{ind.key}.deviation")
            self.height(row, (ind.name, WIDTHS[2]), (ind.deviation, WIDTHS[11]))
        return first, row

    def _totals(self, execution: str, first: int, last: int, row: int) -> int:
        summary, grade = self.ev.score, self.ev.grade
        self.put(row, 1, "合计", style="label", to=8)
        self.formula(row, 9, formulas.column_sum("I", first, last), sum(s.weight for s in self.ev.indicator_scores))
        self.put(row, 10, "", style="computed")
        self.formula(row, 11, formulas.column_sum("K", first, last), summary.indicators)
        self.put(row, 12, "", style="computed")
        indicators = f"K{row}"
        row += 1
        self.put(row, 1, "总分", style="label", to=8)
        self.formula(row, 9, f"{execution}+{indicators}", summary.min, to=11)  # an interval's low end
        self.put(row, 12, "", style="computed")
        total = f"I{row}"
        row += 1
        self.put(row, 1, "评价等级", style="label", to=8)
        self.formula(row, 9, formulas.grade_of(self.ev.scheme, total), grade.min_label, number_format=None, to=11)
        self.put(row, 12, "", style="computed")
        row += 1
        self.put(row, 1, "等级标准", style="label", to=2)
        self.put(row, 3, "；".join(self.ev.scheme.band_texts()), style="text", to=COLUMNS)
        row += 1
        reported = self.ev.params.reported
        self.put(row, 1, "自评得分", style="label", to=2)
        self.entry_cell(row, 3, reported.score if reported.score is not None else "", "reported.score", kind="score",
                        number_format=POINTS, to=6)
        self.put(row, 7, "自评等级", style="label", to=8)
        self.entry_cell(row, 9, reported.grade or "", "reported.grade", kind="grade", to=COLUMNS)
        return row

    def _meta(self) -> None:
        meta = self.book.create_sheet(META_SHEET)
        meta.sheet_state = "hidden"
        meta["A1"] = META_SCHEMA
        meta["A2"] = params_yaml(self.ev.params)
        meta["A3"] = json.dumps(self.keys, ensure_ascii=False)
        for ref in ("A1", "A2", "A3"):
            meta[ref].data_type = "s"


# --- reading a filled table back ---------------------------------------------------------------

def is_project_workbook(path: str | Path) -> bool:
    """Whether ``path`` is a project table evalkit wrote (its hidden sheet says so). A FIFO, a device
    or a folder is not opened (the department reader then says what it is)."""
    try:
        read_head(path, 0)
    except (OSError, ValueError):
        return False
    try:
        book = load_workbook(path, read_only=True)
    except Exception:  # not a workbook at all: the department reader says what is wrong
        return False
    try:
        return META_SHEET in book.sheetnames and book[META_SHEET]["A1"].value == META_SCHEMA
    finally:
        book.close()


def import_project_workbook(table: str | Path) -> str:
    """The params YAML of a filled project table: the hidden sheet's params with every white cell's
    value put in its key (a figure left as evalkit wrote it keeps its written precision)."""
    table = Path(table)
    book = load_workbook(table, data_only=True)
    meta = book[META_SHEET]
    doc, problems = load_yaml(meta["A2"].value, f"{table}:{META_SHEET}")
    if doc is None:
        raise WorkbookError("\n".join(str(p) for p in problems))
    mapping = doc.data
    keys = json.loads(meta["A3"].value)
    sheet = book[SHEET]
    problems: list[str] = []
    for ref, key in keys.items():
        value = sheet[ref].value
        try:
            _put(mapping, key, value)
        except (KeyError, IndexError, TypeError) as exc:
            problems.append(f"{table}: {SHEET}!{ref}: cannot put its value in {key} ({exc})")
    if problems:
        raise WorkbookError("\n".join(problems))
    params = parse_params(mapping, path=str(table))
    return params_yaml(params_to_mapping(params),
                       header=f"Imported from {table.name} by `evalkit import-xlsx` (schema {SCHEMA}).")


def _put(mapping: dict, key: str, value) -> None:
    """Set ``key`` (``goals[0].indicators[1].actual``) in ``mapping`` to a cell's value: empty → absent;
    a number equal to what is there keeps what is there."""
    parts = [p for chunk in key.replace("]", "").split(".") for p in chunk.split("[")]
    where = mapping
    for part in parts[:-1]:
        where = where[int(part)] if isinstance(where, list) else where.setdefault(part, {})
    last = parts[-1]
    old = where.get(last) if isinstance(where, dict) else None
    if value is None or value == "":
        if isinstance(where, dict):
            where.pop(last, None)
        return
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, int | float):
        if old is not None and not isinstance(old, str) and Decimal(repr(float(old))) == Decimal(repr(float(value))):
            return
        value = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    elif isinstance(value, str):
        value = value.strip()
    where[last] = value
