"""The department's self-evaluation report (自评报告), in the department's own voice.

:func:`build_draft` turns an ``Evaluation`` into a :class:`~.written.WrittenDocument` in the structure of
the worked example's report (six sections), written as the department writes it and publishable as
it comes out once its 【待补充：…】 slots are filled:

* Every figure comes from the ``Evaluation`` (never typed twice); narrative comes from the params'
  ``narrative`` block. Where narrative is missing the draft leaves a slot that says, in plain Chinese,
  what to write — never a parameter key — and invents nothing.
* It carries no finding and no reviewer's wording: the finance bureau's view is the 复核意见书
  (:mod:`.opinion`). Where the arithmetic contradicts a figure the department gave, the draft states
  the computed figure and leaves a slot to explain the difference; it never calls its own department
  wrong, and never calls figures 一致 that it has not shown to be.
* 公文 conventions: “” quotes, no space between Chinese and numerals, dates as 2024年6月11日.

>>> draft = build_draft(evaluate("params/dangzheng-office-2023.yaml"))   # doctest: +SKIP
>>> [b.title for b in draft.blocks if isinstance(b, Heading) and b.level == 1][0]   # doctest: +SKIP
'一、部门基本情况'
"""

from __future__ import annotations

from decimal import Decimal

from ..core.evaluation import Evaluation
from ..core.model import DIRECTION_LABELS, Indicator
from ..core.numbers import fmt, fmt_parts, fmt_pct, fmt_plain, round_half_up, rounding_eq_decimal
from ..core.params import TOTAL
from ..core.review import quantity
from ..core.scoring import IndicatorScore
from ..core.wording import chinese_date
from .written import Span, Writer, WrittenDocument, WrittenParagraph, chinese_numeral, missing

__all__ = ["build_draft", "target_phrase"]

#: Units that count things: a target of them reads 不少于/不多于; others read 不低于/不高于.
COUNT_UNITS = ("个", "件", "次", "人次", "人", "项", "篇", "起", "份", "场", "期", "所", "户", "家", "条", "台", "套",
               "天", "日", "小时", "公里", "千米", "米", "平方米", "亩", "册", "批")


def build_draft(ev: Evaluation) -> WrittenDocument:
    """The report draft of one evaluation, in the worked example's six sections."""
    d = ev.params.department
    w = Writer(d, "本报告")
    _basic_info(w, ev)
    _self_evaluation_work(w, ev)
    _goal_analysis(w, ev)
    _conclusion(w, ev)
    _problems(w, ev)
    _team(w, ev)
    if any(s.kind == "missing" for b in w.blocks if hasattr(b, "spans") for s in b.spans):
        w.blocks.insert(int(w.sample), WrittenParagraph((Span("（本稿标注“待补充”之处，须补充完整后方可印发。）"),), "note"))
    return w.document(f"{d.name}{d.year}年度整体支出绩效自评报告")


def _basic_info(w: Writer, ev: Evaluation) -> None:
    n = ev.params.narrative
    w.heading(1, "部门基本情况")
    w.heading(2, "部门职责")
    if n.summary:
        w.para(n.summary)
    if n.duties:
        w.para("我部门的主要职责有：")
        for i, duty in enumerate(n.duties, 1):
            w.para(f"{i}. {duty}", style="item")
    else:
        w.para(missing("部门主要职责"))
    w.heading(2, "部门收支预决算情况")
    w.para(*budget_sentence(ev))
    _budget_table(w, ev)
    w.heading(2, "部门整体支出绩效目标、指标")
    for goal in ev.params.goals:
        w.heading(3, goal.name)
        w.para(Span("绩效目标：", "strong"), goal.objective or missing(f"“{goal.name}”的绩效目标"))
        w.para("；".join(target_phrase(ind) for ind in goal.indicators) + "。")


def budget_sentence(ev: Evaluation) -> list[Span | str]:
    """The 部门收支预决算情况 paragraph, every figure and rate from the evaluation."""
    b, p = ev.budget, ev.params
    unit, year = p.unit, p.department.year
    out: list[Span | str] = [f"{year}年，我部门年初预算安排{fmt(b.initial)}{unit}，调整预算数{fmt(b.adjusted)}{unit}，"
                             f"截至12月底，共支付完成{fmt(b.executed)}{unit}，"]
    out += (["全年预算数为0，", missing("全年预算数为0的原因及支出依据"), "。"] if b.execution_rate is None
            else [f"预算执行率{fmt_pct(b.execution_rate)}。"])
    parts = []
    for line in b.lines:
        count = f"{line.count}个，" if line.count is not None else ""
        rate = "预算数为0" if line.execution_rate is None else f"预算执行率{fmt_pct(line.execution_rate)}"
        parts.append(f"{line.name}{count}预算调整金额{fmt(line.adjusted)}{unit}，截至12月底共完成"
                     f"{fmt(line.executed)}{unit}，{rate}")
    if parts:
        out.append("其中" + "；".join(parts) + "。")
    if b.adjustment_rate is not None:
        change = b.adjusted - b.initial
        verb = "调增" if change > 0 else "调减" if change < 0 else "未调整"
        amount = f"{fmt(abs(change))}{unit}" if change else ""
        out.append(f"全年预算较年初{verb}{amount}，预算调整率{fmt_pct(b.adjustment_rate)}。")
    if b.execution_rate is not None and b.execution_rate > 1:
        out.append(missing(f"全年执行数超过全年预算数{fmt(b.executed - b.adjusted)}{unit}的原因及资金来源"))
    out += _claim_slot("预算执行率", p.reported.execution_rate, b.execution_rate)
    return out


def _claim_slot(what: str, printed: Decimal | None, computed) -> list[Span]:
    """When a figure the department gave (in percent, as printed) differs from the computed one at
    its printed precision: a slot asking the writer to reconcile them, in neutral words."""
    if printed is None or computed is None:
        return []
    if rounding_eq_decimal(computed, printed, scale=100):
        return []
    return [missing(f"此前填报的{what}为{fmt_plain(printed)}%，与按上述数字计算的{fmt_pct(computed)}不同，"
                    "请核对后统一")]


def _budget_table(w: Writer, ev: Evaluation) -> None:
    b, unit = ev.budget, ev.params.unit
    rows = [[line.name + (f"（{line.count}个）" if line.count is not None else ""), fmt(line.initial),
             fmt(line.adjusted), fmt(line.executed), fmt_pct(line.execution_rate)] for line in b.lines]
    rows.append([TOTAL, fmt(b.initial), fmt(b.adjusted), fmt(b.executed), fmt_pct(b.execution_rate)])
    w.table(["预算项目", f"年初预算数（{unit}）", f"全年预算数（{unit}）", f"全年执行数（{unit}）", "预算执行率"],
            rows, (30, 18, 18, 18, 16), numeric={1, 2, 3, 4})


def target_phrase(ind: Indicator) -> str:
    """The indicator and its target in words, from its direction (never from free text).

    >>> from evalkit.core.model import Indicator
    >>> target_phrase(Indicator("教师培训", ">=", Decimal(3000), "人次"))
    '教师培训不少于3000人次'
    >>> target_phrase(Indicator("安全事故", "<=", Decimal(0), "起")), target_phrase(Indicator("满意度", ">=", Decimal(90), "%"))
    ('安全事故为0起', '满意度不低于90%')
    """
    if ind.direction == "qualitative":
        return str(ind.target)
    t = quantity(ind.target, ind.unit)
    if ind.direction in ("<=", "=") and ind.target == 0:
        return f"{ind.name}为{t}"
    counted = (ind.unit or "") in COUNT_UNITS
    more, less = ("多", "少") if counted else ("高", "低")
    return {">=": f"{ind.name}不{less}于{t}", ">": f"{ind.name}{more}于{t}", "<=": f"{ind.name}不{more}于{t}",
            "<": f"{ind.name}{less}于{t}", "=": f"{ind.name}为{t}"}[ind.direction]


def _self_evaluation_work(w: Writer, ev: Evaluation) -> None:
    n, rep = ev.params.narrative, ev.params.reported
    w.heading(1, "自评工作开展情况")
    w.section("自评的组织工作", n.organisation)
    w.section("自评的方法和过程", n.method)
    if rep.evaluation_period:
        start, end = (chinese_date(x) for x in rep.evaluation_period)
        w.para(f"自评工作时间：{start}至{end}。")


def _goal_analysis(w: Writer, ev: Evaluation) -> None:
    n = ev.params.narrative
    w.heading(1, "绩效目标实现情况及指标分析")
    w.section("总体绩效目标实现情况", n.achievements)
    w.para(*execution_sentence(ev))
    if ev.previous_year is not None:
        w.para(year_sentence(ev))
    w.heading(2, "分项绩效目标实现情况及指标分析")
    w.para(*weights_sentence(ev))
    tiers = any(s.indicator.tier for s in ev.indicator_scores)
    remaining = iter(ev.indicator_scores)  # in params order, goal by goal
    # points shown so that every table's points together add up to the total shown
    shown = dict(zip((s.indicator.key for s in ev.indicator_scores),
                     fmt_parts([s.weight for s in ev.indicator_scores]), strict=True))
    for goal in ev.params.goals:
        scores = [next(remaining) for _ in goal.indicators]
        w.heading(3, goal.name)
        _indicator_table(w, scores, tiers=tiers, shown=shown)
        _deviations(w, scores)


def execution_sentence(ev: Evaluation) -> list[Span | str]:
    """The year's execution in words: executed, adjusted and the rate between them."""
    b, unit = ev.budget, ev.params.unit
    if b.execution_rate is None:
        return [f"全年预算数为0，全年执行数{fmt(b.executed)}{unit}，", missing("全年预算数为0的原因及支出依据"), "。"]
    return [f"全年执行数{fmt(b.executed)}{unit}，占全年预算数{fmt(b.adjusted)}{unit}的{fmt_pct(b.execution_rate)}。"]


def year_sentence(ev: Evaluation) -> str:
    """This year beside last year, in the department's words.

    Rates move by 个百分点; a score only when both years' scores are complete."""
    c = ev.previous_year
    p, now = c.previous, c.current
    parts = []
    if p.execution_rate is not None and now.execution_rate is not None:
        parts.append(f"预算执行率由{fmt_pct(p.execution_rate)}{_moved(c.execution_change * 100, '个百分点')}"
                     f"{'' if _flat(c.execution_change * 100) else '至' + fmt_pct(now.execution_rate)}")
    if c.score_change is not None:
        parts.append(f"得分由{fmt(p.score_min)}分{_moved(c.score_change, '分')}"
                     f"{'' if _flat(c.score_change) else '至' + fmt(now.score_min) + '分'}")
    if p.grade != now.grade and p.complete and now.complete:
        parts.append(f"评价等级由“{p.grade}”变为“{now.grade}”")
    elif p.complete and now.complete:
        parts.append(f"评价等级保持“{now.grade}”")
    return f"与{p.year}年度相比，" + "，".join(parts) + "。" if parts else f"{p.year}年度的数据不完整，暂无法与上年比较。"


def _flat(value: float) -> bool:
    return fmt(abs(value)) == "0.00"


def _moved(value: float, unit: str) -> str:
    if _flat(value):
        return "持平"
    return f"{'提高' if value > 0 else '下降'}{fmt(abs(value))}{unit}"


def weights_sentence(ev: Evaluation) -> list[Span | str]:
    """How the indicator points were split."""
    plan, points = ev.weights, ev.scheme.indicator_points
    if plan.basis != "explicit":
        return [f"指标分值：{plan.trail}。"]
    if plan.explicit_sum == points:
        return [f"各项指标分值按本部门设定的分值计，合计{fmt(plan.explicit_sum)}分。"]
    return [f"各项指标分值按本部门设定的分值计，合计{fmt(plan.explicit_sum)}分（评价方案规定指标总分为"
            f"{fmt_plain(points)}分），", missing("分值合计与指标总分不同的原因"), "。"]


def _indicator_table(w: Writer, scores: list[IndicatorScore], *, tiers: bool, shown: dict[str, str]) -> None:
    rows = []
    for s in scores:
        weight = shown[s.indicator.key]
        ind = s.indicator
        row = [ind.name, DIRECTION_LABELS[ind.direction], quantity(ind.target, ind.unit), actual_text(ind),
               weight, fmt_pct(s.coefficient), fmt(s.score) if s.scored else "—"]
        rows.append(([ind.tier or "—"] if tiers else []) + row)
    headers = ["指标名称", "指标性质", "年度指标值", "全年完成值", "分值", "得分系数", "得分"]
    widths = [28, 12, 18, 16, 10, 13, 10]
    numeric = {4, 5, 6}
    if tiers:
        headers, widths, numeric = ["一级指标", *headers], [10, *widths], {i + 1 for i in numeric}
    w.table(headers, rows, widths, numeric=numeric)


def actual_text(ind: Indicator) -> str:
    """The actual as the table shows it: value and unit, the qualitative level, or 未填报."""
    if ind.direction == "qualitative":
        parts = [x for x in (ind.level, ind.actual) if x]
        return "；".join(parts) if parts else "未填报"
    return "未填报" if ind.actual is None else quantity(ind.actual, ind.unit)


def _deviations(w: Writer, scores: list[IndicatorScore]) -> None:
    """偏差原因分析, in the department's words: its own explanation of each shortfall, or a slot
    where a shortfall has none."""
    lines = []
    for s in scores:
        ind = s.indicator
        if ind.deviation:
            lines.append((ind.name, [Span(ind.deviation)]))
        elif s.scored and s.coefficient is not None and s.coefficient < 1:
            lines.append((ind.name, [Span(f"得分系数{fmt_pct(s.coefficient)}，未达到年度指标值。"),
                                     missing("未达到年度指标值的原因及改进措施")]))
    unscored = [s.indicator.name for s in scores if not s.scored and not s.indicator.deviation]
    if not lines and not unscored:
        w.para("各项指标均达到年度指标值，无偏差。")
        return
    w.para(Span("偏差原因分析：", "strong"))
    for name, spans in lines:
        w.para(Span(f"“{name}”", "strong"), Span("："), *spans, style="item")
    if unscored:
        w.para(Span("尚未填报全年完成值的指标：", "strong"), "、".join(f"“{x}”" for x in unscored) + "。",
               missing("上述指标的全年完成值及佐证材料"), style="item")


def _conclusion(w: Writer, ev: Evaluation) -> None:
    n, s, g, scheme = ev.params.narrative, ev.score, ev.grade, ev.scheme
    w.heading(1, "评价结论和评价等级")
    w.heading(2, "总体评价")
    w.para(n.conclusion or missing("总体评价"))
    w.heading(2, "评价得分")
    w.para(f"本次自评按“{scheme.title}”的评分规则计分，其中预算执行{fmt_plain(scheme.execution_weight)}分、"
           f"绩效指标{fmt_plain(scheme.indicator_points)}分。{execution_score_sentence(ev)}")
    if s.complete:
        w.para(f"绩效指标得分{fmt(s.indicators)}分。", Span(f"总分{fmt(s.min)}分。", "strong"))
    else:
        w.para(f"已填报全年完成值的指标得分{fmt(s.indicators)}分；另有{unscored_count(ev)}项指标尚未填报全年完成值"
               f"（合计{fmt(s.unscored_points)}分），", Span(f"总分暂无法确定，可能在{fmt(s.min)}分至{fmt(s.max)}分之间。",
                                                           "strong"), missing("上述指标的全年完成值"))
    w.heading(2, "评价等级")
    w.para(f"部门整体支出绩效评价分为{chinese_numeral(len(scheme.grades))}个等级："
           + "；".join(t.replace(" ", "") for t in scheme.band_texts()) + "。")
    if s.complete:
        w.para(Span(f"按上述得分，评价等级为“{g.label}”。", "strong"))
    else:
        w.para(Span(f"按可能的得分区间，评价等级在“{g.min_label}”至“{g.max_label}”之间。", "strong"))
    _self_score(w, ev)


def execution_score_sentence(ev: Evaluation) -> str:
    b = ev.budget
    if b.execution_rate is None:
        return "全年预算数为0，预算执行得分0分。"
    cap = "（超过100%的按100%计）" if b.execution_rate > 1 else ""
    return (f"预算执行得分{fmt(b.execution_score)}分，即{fmt_plain(ev.scheme.execution_weight)}分×预算执行率"
            f"{fmt_pct(b.execution_rate)}{cap}。")


def unscored_count(ev: Evaluation) -> int:
    return sum(1 for s in ev.indicator_scores if not s.scored)


def _self_score(w: Writer, ev: Evaluation) -> None:
    """The department's own score and grade; a slot when they differ from the computed ones."""
    rep, s, g = ev.params.reported, ev.score, ev.grade
    if rep.score is None and rep.grade is None:
        return
    spans: list[Span | str] = ["本部门自评得分"]
    spans += [f"{fmt_plain(rep.score)}分"] if rep.score is not None else [missing("自评得分")]
    spans += ["，自评等级为"]
    spans += [f"“{rep.grade}”。"] if rep.grade else [missing("自评等级"), "。"]
    score_differs = rep.score is not None and (not s.complete or round_half_up(s.min, 2) != round_half_up(rep.score, 2))
    grade_differs = rep.grade is not None and (not s.complete or not ev.scheme.same_grade(rep.grade, g.label))
    if score_differs or grade_differs:
        computed = f"{fmt(s.min)}分、“{g.label}”" if s.complete else f"{fmt(s.min)}分至{fmt(s.max)}分"
        spans.append(missing(f"自评得分、等级与按评分规则计算的结果（{computed}）不同，请核对后统一"))
    w.para(*spans)


def _problems(w: Writer, ev: Evaluation) -> None:
    n = ev.params.narrative
    w.heading(1, "存在的问题及改进措施")
    for title, items in (("存在的主要问题", n.problems), ("改进措施", n.measures)):
        # 一是……  二是……, as the worked example lists problems and measures
        w.section(title, [f"{chinese_numeral(i)}是{item}" for i, item in enumerate(items, 1)])


def _team(w: Writer, ev: Evaluation) -> None:
    p = ev.params
    w.heading(1, "评价工作组")
    if p.narrative.team:
        w.table(["职务", "姓名", "工作单位及职务"],
                [[t.role, t.name or "—", t.title or "—"] for t in p.narrative.team], (20, 20, 60))
    else:
        w.para(missing("评价工作组人员名单（职务、姓名、工作单位及职务）"))
    w.para(p.department.name, style="closing")
    when = p.reported.report_date
    w.para(chinese_date(when) if when else missing("报告日期"), style="closing")

