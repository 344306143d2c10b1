"""The scoring table ``绩效自评表.xlsx`` in the MoF 部门整体支出绩效自评表 layout, written from an
``Evaluation``.

One visible sheet, ``绩效自评表``, from top to bottom (columns A–L, A4 landscape):

* the title, the year, and a header block: 单位名称, 主管部门 (the unit itself: a 部门整体 self-evaluation
  is filed by the 主管部门), 年度, 金额单位, 部门编码, 所属地区, 评价方案 and its title;
* 一、年度预算执行情况: 预算项目 | 年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分, a row per
  budget line and a 合计 row. The params have no funding split (财政拨款 / 其他资金), so the block shows
  the lines the params have and the total, and no rows the reader could not take back;
* 二、年度总体目标: 预期目标 (the goals' objectives) beside 实际完成情况 (the narrative's achievements);
* 三、绩效指标完成情况: 一级指标 (tier) | 二级指标 (goal) | 三级指标 (indicator) | 计量单位 | 指标性质 |
  年度指标值 | 实际完成值 | 达成程度 | 分值 | 得分系数 | 得分 | 偏差原因分析及改进措施, a 合计 row and a 总分 row;
* 四、评价结果: the scores, 评价等级, the grade bands, 部门自评得分 and 部门自评等级; then the signature
  block (填报单位（盖章）, 填报人, 联系电话, 填报日期).

White cells are what a department fills in: unlocked, with data validation. Grey cells are
evalkit's: live formulas (:mod:`.formulas`) holding evalkit's own figures as saved values
(:mod:`.cached`), locked under sheet protection without a password (:mod:`.entry`); the workbook
recalculates fully on load. The scheme's default 分值 and a qualitative row's default 得分系数 are
formulas in white cells: typing a number there is the department's own weight or coefficient.
Every text from params is written as text, never as a formula. A hidden sheet ``evalkit`` keeps, as
YAML, what the visible table does not show (narrative, reported figures, indicator statements and
rules, line kinds, side tables) and what evalkit wrote where a value means "as evalkit wrote it",
so :func:`evalkit.workbook.read.import_workbook` gives the params file back exactly.
"""

from __future__ import annotations

from fractions import Fraction

from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from ..core.evaluation import Evaluation
from ..core.model import DIRECTION_LABELS
from ..core.sample import is_sample_region
from ..core.serialisation import params_to_mapping, params_yaml
from . import formulas
from .layout import (
    ACHIEVED,
    BUDGET_COLUMN,
    BUDGET_HEADERS,
    DATE,
    DIRECTION_CHOICES_TEXT,
    EXPECTED,
    FONT,
    FREEZE_MAX_ROW,
    GOALS_LEFT,
    GOALS_RIGHT,
    GRAND_TOTAL,
    HIDDEN_INFO_ROW,
    INDICATOR_HEADERS,
    INFO_ROWS,
    LEFT_VALUE,
    META_FORMAT,
    META_SHEET,
    MONEY,
    PERCENT,
    POINTS,
    RESULT_LABELS,
    RIGHT_LABEL,
    RIGHT_VALUE,
    SECTIONS,
    SHEET,
    SIGNATURE,
    TITLE,
    TITLE_SIZE,
    TOTAL,
    WIDTHS,
)
from .page import freeze_cell
from .sheet import CENTER, COLUMNS, LEFT, NUMBER, SAMPLE_FILL, TOP, Form, plain, put_value, saved

__all__ = ["BUDGET_HEADERS", "FREEZE_MAX_ROW", "INDICATOR_HEADERS", "META_SHEET", "SHEET", "freeze_cell",
           "objectives_text", "put_value", "render_workbook"]


def render_workbook(ev: Evaluation) -> bytes:
    """The ``.xlsx`` bytes of the scoring table of ``ev``."""
    return _Form(ev).render()


def objectives_text(goals) -> str:
    """预期目标: one line per goal, ``（一）名称：目标`` (the goal's own number, else 1. 2. …).

    >>> from evalkit.core.model import Goal
    >>> print(objectives_text([Goal("综合事务", (), "绩效考核", "（一）"), Goal("改革", ())]))
    （一）综合事务：绩效考核
    2. 改革
    """
    lines = []
    for i, goal in enumerate(goals, 1):
        number = goal.number or f"{i}. "
        lines.append(f"{number}{goal.name}" + (f"：{goal.objective}" if goal.objective else ""))
    return "\n".join(lines)


class _Form(Form):
    """The form, written block by block from the top."""

    def __init__(self, ev: Evaluation):
        super().__init__(ev, SHEET)
        self.written: list[dict] = []
        self.at: dict[str, str] = {}  # named cells the formulas refer to

    def render(self) -> bytes:
        row = self._title()
        row = self._budget(row + 1)
        objectives = self._goals(row + 1)
        header, row = self._indicators(objectives + 1)
        row = self._results(row + 2)
        last = self._signature(row + 2)
        d = self.ev.params.department
        # the department's file names no tool
        return self.finish(header, last, title=f"{d.name} {d.year} 年度{TITLE}", creator=d.name)

    # --- blocks -------------------------------------------------------------------------------

    def _title(self) -> int:
        d, p, sheet = self.ev.params.department, self.ev.params, self.sheet
        self.put(1, 1, TITLE, style="section", to=COLUMNS, align=CENTER).font = Font(name=FONT, size=TITLE_SIZE,
                                                                                      bold=True)
        sheet.row_dimensions[1].height = 30
        values = {"name": d.name, "year": d.year, "unit": p.unit, "id": d.id, "region": d.region, "scheme": p.scheme,
                  "title": self.ev.scheme.title}
        kinds = {"year": "year"}
        for row, pairs in enumerate(INFO_ROWS, 3):
            for (label, field), (col, value_span) in zip(pairs, ((1, LEFT_VALUE), (RIGHT_LABEL, RIGHT_VALUE)),
                                                         strict=True):
                self.put(row, col, label, style="label")
                start, end = value_span
                if field == "parent":  # the unit files its own 部门整体 self-evaluation
                    self.formula(row, start, self.at["name"], d.name, number_format=None, to=end)
                elif field == "title":
                    self.put(row, start, values[field], style="computed", to=end)
                else:
                    self.put(row, start, values[field], style="input", kind=kinds.get(field), to=end, align=LEFT)
                    self.at[field] = f"{get_column_letter(start)}{row}"
        self.sheet.row_dimensions[2 + HIDDEN_INFO_ROW + 1].hidden = True  # 部门编码 and the scheme's id
        self.formula(2, 1, formulas.year(self.at["year"]), f"（{d.year}年度）", number_format=None, to=COLUMNS,
                     style="section")
        self.sheet.cell(2, 1).alignment = CENTER
        row = 2 + len(INFO_ROWS)
        if is_sample_region(d.region):
            row += 1
            self.put(row, 1, "示例数据", style="label").fill = SAMPLE_FILL
            self.put(row, 2, "本表由虚构的示例数据生成，仅用于演示，不代表任何真实部门。", to=COLUMNS).fill = SAMPLE_FILL
        return row

    def _budget(self, row: int) -> int:
        ev, col = self.ev, BUDGET_COLUMN
        self.put(row, 1, f"{SECTIONS[0]}（金额单位：{ev.params.unit}）", style="section")
        row += 1
        for i, header in enumerate(BUDGET_HEADERS):
            self.put(row, col + i, header, style="head")
        for line, source in zip(ev.budget.lines, ev.params.budget.lines, strict=True):  # compute_budget keeps the order
            row += 1
            self.put(row, col, line.name, style="input")
            self._amounts(row, source.initial, source.adjusted, source.executed)
            self.put(row, col + 4, style="computed")
            self.formula(row, col + 5, self._rate(row), line.execution_rate, number_format=PERCENT)
            self.put(row, col + 6, style="computed")
        row += 1
        b, budget = ev.budget, ev.params.budget
        self.put(row, col, TOTAL, style="label")
        self._amounts(row, budget.initial, budget.adjusted, budget.executed)
        weight = self.put(row, col + 4, plain(ev.scheme.execution_weight), style="computed", number_format=POINTS,
                          align=NUMBER)
        rate = self.formula(row, col + 5, self._rate(row), b.execution_rate, number_format=PERCENT, bold=True)
        score = self.formula(row, col + 6, formulas.execution_score(weight.coordinate, rate.coordinate),
                             b.execution_score, bold=True)
        self.at.update(execution_weight=weight.coordinate, execution_score=score.coordinate)
        return row

    def _amounts(self, row: int, *amounts) -> None:
        for i, value in enumerate(amounts, 1):
            self.put(row, BUDGET_COLUMN + i, plain(value), style="input", kind="amount", number_format=MONEY,
                     align=NUMBER)

    def _rate(self, row: int) -> str:
        col = BUDGET_COLUMN
        return formulas.execution_rate(f"{get_column_letter(col + 3)}{row}", f"{get_column_letter(col + 2)}{row}")

    def _goals(self, row: int) -> int:
        """二、年度总体目标: the objectives (evalkit's, from the goals) beside the achievements (the department's)."""
        p = self.ev.params
        self.put(row, 1, SECTIONS[1], style="section")
        row += 1
        self.put(row, GOALS_LEFT[0], EXPECTED, style="head", to=GOALS_LEFT[1])
        self.put(row, GOALS_RIGHT[0], ACHIEVED, style="head", to=GOALS_RIGHT[1])
        row += 1
        expected, achieved = objectives_text(p.goals), "\n".join(p.narrative.achievements)
        self.put(row, GOALS_LEFT[0], expected or None, style="computed", to=GOALS_LEFT[1], align=TOP)
        self.put(row, GOALS_RIGHT[0], achieved or None, style="input", to=GOALS_RIGHT[1], align=TOP)
        width = min(sum(WIDTHS[GOALS_LEFT[0] - 1:GOALS_LEFT[1]]), sum(WIDTHS[GOALS_RIGHT[0] - 1:GOALS_RIGHT[1]]))
        self.height(row, (expected, width), (achieved, width))
        return row

    def _indicators(self, row: int) -> tuple[int, int]:
        ev = self.ev
        self.put(row, 1, SECTIONS[2], style="section")
        row += 1
        note = (f"说明：白色单元格由部门填写；灰色单元格为自动计算或按评价方案显示的内容，其中的公式随填报内容自动计算（工作表受保护，不设密码）。"
                f"指标性质选 {DIRECTION_CHOICES_TEXT}；定量指标的年度指标值、实际完成值填数字（百分比指标填 95，不填 95%），"
                "实际完成值留空则该指标不计分；定性指标在达成程度中选择 达成、部分达成 或 未达成。分值、得分系数中的公式为"
                "评价方案的默认值，填入数字即为自定的分值或系数。得分系数（定量指标）、得分和合计由公式计算，填入的数字不作为"
                "自评得分；部门自评的总分填在下方“部门自评得分”。")
        self.put(row, 1, note, to=COLUMNS)
        self.height(row, (note, sum(WIDTHS)))
        row += 1
        header = row
        for i, name in enumerate(INDICATOR_HEADERS, 1):
            self.put(row, i, name, style="head")
        first = row + 1
        defaults = _default_weights(ev)
        scores = iter(ev.indicator_scores)
        for goal in ev.params.goals:
            start = row + 1
            for _ in goal.indicators:
                row += 1
                self._indicator(row, next(scores), defaults, alone=len(goal.indicators) == 1)
            self._merge_down(2, start, row)
            self._merge_tiers(start, row)
            if row > start:
                self.fit_down(2, start, row)
        last = max(row, first)
        table = formulas.IndicatorRows(first, last)
        for row, label in ((last + 1, TOTAL), (last + 2, GRAND_TOTAL)):  # 合计 and 总分
            self.put(row, 1, label, style="label")
            for col in range(2, len(INDICATOR_HEADERS) + 1):
                self.put(row, col, style="computed")
        row = last + 1
        weight_col, score_col = INDICATOR_HEADERS.index("分值") + 1, INDICATOR_HEADERS.index("得分") + 1
        weights = self.formula(row, weight_col, formulas.column_sum(table.weight, first, last),
                               sum((s.weight for s in ev.indicator_scores), Fraction(0)), bold=True)
        total = self.formula(row, score_col, formulas.column_sum(table.score, first, last), ev.score.indicators,
                             bold=True)
        self.at.update(indicators=total.coordinate)
        row += 1
        self.formula(row, weight_col, f"{self.at['execution_weight']}+{weights.coordinate}",
                     ev.budget.execution_weight + sum((s.weight for s in ev.indicator_scores), Fraction(0)), bold=True)
        grand = ev.score.min if ev.score.complete else ev.score.words
        self.formula(row, score_col, formulas.grand_total(table, self.at["execution_score"], total.coordinate), grand,
                     bold=True)
        self.table = table
        return header, row

    def _indicator(self, row: int, s, defaults: dict, *, alone: bool) -> None:
        ind, scheme = s.indicator, self.ev.scheme
        cells = formulas.IndicatorCells(row)
        qualitative = ind.direction == "qualitative"
        target = ind.target if isinstance(ind.target, str) else plain(ind.target)
        actual = ind.actual if qualitative else plain(ind.actual)
        number = None if qualitative else "number"
        for col, value, kind in ((1, ind.tier, "tier"), (2, s.goal, None), (3, ind.name, None), (4, ind.unit, None),
                                 (5, DIRECTION_LABELS[ind.direction], "direction"), (6, target, number),
                                 (7, actual, number)):
            self.put(row, col, value, style="input", kind=kind)
        if qualitative:
            self.put(row, 8, ind.level, style="input", kind="level", align=CENTER)
        else:
            self.put(row, 8, style="computed")
        # what evalkit wrote where a value means "as evalkit wrote it": the default weight, the default coefficient
        written = {"row": row, "goal": s.goal, "name": ind.name, "weight": ind.weight}
        if ind.weight is None:
            self.formula(row, 9, defaults[ind.key], s.weight, style="input", kind="weight")
            written["weight"] = saved(s.weight)
        else:
            self.put(row, 9, plain(ind.weight), style="input", kind="weight", number_format=POINTS, align=NUMBER)
        if qualitative and ind.coefficient is not None:
            self.put(row, 10, ind.coefficient, style="input", kind="coefficient", number_format=PERCENT, align=NUMBER)
        elif qualitative:
            self.formula(row, 10, formulas.coefficient(ind, scheme, cells), s.coefficient, number_format=PERCENT,
                         style="input", kind="coefficient")
            written["coefficient"] = None if s.coefficient is None else saved(s.coefficient)
        else:
            self.formula(row, 10, formulas.coefficient(ind, scheme, cells), s.coefficient, number_format=PERCENT)
        self.formula(row, 11, formulas.score(cells, scheme), s.score)
        self.put(row, 12, ind.deviation, style="input")
        texts = (ind.tier, s.goal, ind.name, ind.unit, None, target, actual, ind.level, None, None, None, ind.deviation)
        merged = () if alone else (0, 1)  # a merged goal or tier cell spans rows: its own height is not needed
        self.height(row, *((text, WIDTHS[i]) for i, text in enumerate(texts) if i not in merged))
        self.written.append(written)

    def _merge_down(self, col: int, start: int, end: int) -> None:
        """Merge a goal's (or a tier's) cells down its rows; the name sits at the top, so a page break
        inside the goal never cuts it in half."""
        if end > start:
            self.sheet.merge_cells(start_row=start, start_column=col, end_row=end, end_column=col)
            self.sheet.cell(start, col).alignment = TOP

    def _merge_tiers(self, start: int, end: int) -> None:
        """Merge runs of the same 一级指标 inside one goal."""
        sheet = self.sheet
        run_start = start
        for row in range(start + 1, end + 2):
            if row > end or sheet.cell(row, 1).value != sheet.cell(run_start, 1).value:
                if sheet.cell(run_start, 1).value is not None:
                    self._merge_down(1, run_start, row - 1)
                run_start = row

    def _results(self, row: int) -> int:
        ev, table = self.ev, self.table
        rep = ev.params.reported
        self.put(row, 1, SECTIONS[3], style="section")
        rows = {}
        for label in RESULT_LABELS:
            row += 1
            self.put(row, 1, label, style="label", to=2)
            rows[label] = row
        values = {
            "预算执行得分": (self.at["execution_score"], ev.score.execution),
            "绩效指标得分": (self.at["indicators"], ev.score.indicators),
            "未计分指标分值": (table.unscored_points(), ev.score.unscored_points),
        }
        for label, (text, value) in values.items():
            self.formula(rows[label], 3, text, value, to=5)
        grade = formulas.grade(ev.scheme, table, *(f"C{rows[label]}" for label in values))
        self.formula(rows["评价等级"], 3, grade, ev.grade_text(), number_format=None, to=5)
        self.put(rows["等级划分"], 3, "；".join(ev.scheme.band_texts()), style="computed", to=COLUMNS)
        self.put(rows["部门自评得分"], 3, plain(rep.score), style="input", kind="score", to=5, align=NUMBER)
        self.put(rows["部门自评等级"], 3, rep.grade, style="input", kind="grade", to=5)
        return row

    def _signature(self, row: int) -> int:
        """填报单位（盖章）, 填报人 and 联系电话 for the printed form (not read back); 填报日期 is the report's date."""
        unit, person, phone, date = SIGNATURE
        self.put(row, 1, unit, style="label", to=2)
        self.put(row, 3, style="input", to=5)
        self.put(row, 6, person, style="label")
        self.put(row, 7, style="input", to=8)
        self.put(row, 9, phone, style="label", to=10)
        self.put(row, 11, style="input", to=12)
        self.sheet.row_dimensions[row].height = 36
        row += 1
        self.put(row, 1, date, style="label", to=2)
        self.put(row, 3, self.ev.params.reported.report_date, style="input", kind="date", number_format=DATE, to=5,
                 align=Alignment(horizontal="left", vertical="center"))
        return row

    def _meta(self) -> None:
        """The hidden sheet: one YAML line per row in column A."""
        sheet = self.book.create_sheet(META_SHEET)
        sheet.sheet_state = "hidden"
        text = params_yaml({"format": META_FORMAT, "params": params_to_mapping(self.ev.params),
                            "written": self.written, "objectives": objectives_text(self.ev.params.goals)},
                           header="导入时用来还原表格未显示的内容（叙述、报告数字、指标表述等）。请勿编辑。")
        # split at newlines only: str.splitlines() also splits at U+2028, U+0085 and the like, which YAML
        # keeps inside a quoted scalar, and the reader joins the rows with newlines
        for i, line in enumerate(text.removesuffix("\n").split("\n"), 1):
            put_value(sheet.cell(i, 1), line)
        sheet.column_dimensions["A"].width = 120
        sheet.protection.sheet = True


def _default_weights(ev: Evaluation) -> dict[str, str]:
    """Indicator key → the formula of its default weight: the points its group shares over the group's
    size (the tier's points by tier, else what explicit weights leave, split equally)."""
    groups: dict[object, list] = {}
    for s in ev.indicator_scores:
        if s.indicator.weight is None:
            group = s.indicator.tier if ev.weights.basis == "tier" else None
            groups.setdefault(group, []).append(s)
    return {s.indicator.key: formulas.default_weight(s.weight * len(members), len(members))
            for members in groups.values() for s in members}
