"""The finance bureau's 复核意见书 for one department-year, in the reviewer's voice.

:func:`build_opinion` turns an ``Evaluation`` (with its :class:`~evalkit.core.review.Review`) into a
:class:`~.written.WrittenDocument`, rendered by the same Word and HTML writers as the department's draft:
被复核单位, 年度, 评价方案 and 复核依据; a table per indicator with 自评得分, 复核得分 and the 扣分说明
in plain words; the findings grouped 错误 / 警告 / 提示, each with its 整改建议; the 复核结论; the
reviewer's signature lines; and, last, a 可复现信息 section — the only place for hashes and versions.

>>> opinion = build_opinion(evaluate("params/dangzheng-office-2023.yaml"))   # doctest: +SKIP
>>> opinion.title                                                            # doctest: +SKIP
'党政办公室2023年度部门整体支出绩效自评复核意见书'
"""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction

from ..core.evaluation import Evaluation
from ..core.findings import SEVERITIES, SEVERITY_LABELS
from ..core.numbers import fmt, fmt_parts, fmt_pct, fmt_plain, rounding_eq_decimal
from ..core.params import TOTAL
from ..core.wording import chinese_date, evidence_text, finding_advice
from .written import Span, Writer, WrittenDocument

__all__ = ["build_opinion"]

BLANK_DATE = "　　　　年　　月　　日"  # ideographic spaces: blanks to write in, kept by HTML and Word


def build_opinion(ev: Evaluation) -> WrittenDocument:
    """The 复核意见书 of one evaluation."""
    d, review = ev.params.department, ev.review
    w = Writer(d, "本意见书")
    _letterhead(w, ev)
    w.para(Span("被复核单位：", "strong"), d.name)
    w.para(Span("评价年度：", "strong"), f"{d.year}年度")
    w.para(Span("评价方案：", "strong"), ev.scheme.title)
    w.para(Span("复核依据：", "strong"), "；".join(review.input.basis) + "。")
    _summary(w, ev)
    _budget(w, ev)
    _indicators(w, ev)
    _findings(w, ev)
    _conclusion(w, ev)
    _application(w, ev)
    _signature(w, ev)
    _reproduction(w, ev)
    return w.document(f"{d.name}{d.year}年度部门整体支出绩效自评复核意见书")


def _claimed(ev: Evaluation) -> str:
    rep = ev.params.reported
    parts = []
    if rep.score is not None:
        parts.append(f"自评得分{fmt_plain(rep.score)}分")
    if rep.grade:
        parts.append(f"评价等级“{rep.grade}”")
    return "、".join(parts) if parts else "未报自评得分和评价等级"


def _summary(w: Writer, ev: Evaluation) -> None:
    review, d = ev.review, ev.params.department
    w.heading(1, "复核情况")
    grade = f"，评价等级“{review.grade.label}”" if review.score.complete else (
        f"，评价等级在“{review.grade.min_label}”至“{review.grade.max_label}”之间")
    decided = f"，并对{sum(1 for r in review.rows if r.decision)}项指标作出复核认定" if review.decided else ""
    w.para(f"{d.name}报送的{d.year}年度部门整体支出绩效自评材料显示：{_claimed(ev)}。"
           f"我局按评价方案的评分规则，对预算执行和{len(review.rows)}项绩效指标逐项复核{decided}，"
           f"复核得分{review.score.words}{grade}。")


def _budget(w: Writer, ev: Evaluation) -> None:
    b, unit, rep = ev.budget, ev.params.unit, ev.params.reported
    w.heading(1, "预算执行情况复核")
    if b.execution_rate is None:
        w.para(f"全年预算数为0，全年执行数{fmt(b.executed)}{unit}，预算执行率无法计算，预算执行得分0分；"
               "请部门说明无预算支出的依据。")
        return
    text = (f"全年预算数{fmt(b.adjusted)}{unit}，全年执行数{fmt(b.executed)}{unit}，预算执行率{fmt_pct(b.execution_rate)}，"
            f"预算执行得分{fmt(b.execution_score)}分。")
    if b.execution_rate > 1:
        rule = ("预算执行得分按100%计" if ev.bureau.over_execution == "flag" or not ev.bureau.source
                else ev.budget.trails["execution_score"].removeprefix("预算执行得分："))
        text += (f"全年执行数超过全年预算数{fmt(b.executed - b.adjusted)}{unit}，属超预算支出，"
                 f"{rule}，超支部分须说明资金来源并整改。")
    if rep.execution_rate is not None:
        same = rounding_eq_decimal(b.execution_rate, rep.execution_rate, scale=100)
        if same and b.execution_rate <= 1:
            text += f"部门报告的预算执行率{fmt_plain(rep.execution_rate)}%与复核结果一致。"
        elif not same:
            text += f"部门报告的预算执行率为{fmt_plain(rep.execution_rate)}%，与复核结果不符。"
    w.para(text)


def _indicators(w: Writer, ev: Evaluation) -> None:
    review = ev.review
    w.heading(1, "绩效指标复核")
    rows, last_goal = [], None
    # displayed so that the column adds up to its 合计 as displayed
    weights = fmt_parts([r.computed.weight for r in review.rows])
    scores = fmt_parts([r.reviewed.score if r.reviewed.scored else None for r in review.rows])
    for r, weight, score in zip(review.rows, weights, scores, strict=True):
        s = r.computed
        rows.append([s.goal if s.goal != last_goal else "", s.indicator.name, weight,
                     fmt(r.reported), score if r.reviewed.scored else "无法核定", r.explanation])
        last_goal = s.goal
    scored = [r.reviewed.score for r in review.rows if r.reviewed.scored]
    reported = [r.reported for r in review.rows if r.reported is not None]
    rows.append([TOTAL, "", fmt(sum(r.computed.weight for r in review.rows)),
                 fmt(sum(reported)) if reported else "—",
                 fmt(sum(scored)) if len(scored) == len(review.rows) else "无法核定", ""])
    w.table(["绩效目标", "绩效指标", "分值", "自评得分", "复核得分", "扣分说明"], rows, (14, 20, 8, 9, 11, 38),
            numeric={2, 3, 4})
    w.para(f"注：“自评得分”为部门自评表所列各指标得分，未列的以“—”表示；“复核得分”按评价方案的评分规则计算"
           f"{'，并计入复核认定' if review.decided else ''}。")


def _findings(w: Writer, ev: Evaluation) -> None:
    w.heading(1, "发现的问题及整改建议")
    if not ev.finding_items:
        w.para("复核未发现需要整改的问题。")
        return
    for severity in SEVERITIES:
        items = [f for f in ev.finding_items if f.severity == severity]
        if not items:
            continue
        w.heading(2, f"{SEVERITY_LABELS[severity]}（{len(items)}项）")
        for i, f in enumerate(items, 1):
            evidence = evidence_text(f.id, f.evidence, unit=ev.params.unit)
            w.para(f"{i}. ", Span(f.message.rstrip("。") + "。", "strong"),
                   *((f"依据：{evidence}。",) if evidence else ()), style="item")
            w.para(Span("整改建议：", "strong"), finding_advice(f.id), style="item")


def _conclusion(w: Writer, ev: Evaluation) -> None:
    review, rep = ev.review, ev.params.reported
    w.heading(1, "复核结论")
    claimed = f"自评得分{fmt_plain(rep.score)}分" if rep.score is not None else "部门未报自评得分"
    text = f"{claimed}，复核得分{review.score.words}。"
    if review.score.complete:
        label = review.grade.label
        if rep.grade is None:
            text += f"评价等级为“{label}”。"
        elif ev.scheme.same_grade(rep.grade, label):
            text += f"评价等级维持“{label}”。"
        else:
            text += f"评价等级由“{rep.grade}”调整为“{label}”。"
    else:
        text += (f"在补充全年完成值及佐证材料前，评价等级无法核定（可能为“{review.grade.min_label}”至"
                 f"“{review.grade.max_label}”）。")
    items = [f for f in ev.finding_items if f.severity in ("error", "warning")]
    if items:
        text += f"请部门对下列{len(items)}项问题逐项整改或说明，并于{deadline_text(ev)}报送整改情况："
    w.para(text)
    for i, f in enumerate(items, 1):
        what = "整改" if f.severity == "error" else "说明"
        w.para(f"{i}. {f.message.rstrip('。')}。{finding_advice(f.id)}（须{what}，期限：{deadline_text(ev)}）",
               style="item")


def deadline_text(ev: Evaluation) -> str:
    """整改期限: the review's date plus the bureau's days, else counted from receipt."""
    days = ev.bureau.rectification_days
    when = ev.review.input.date
    if when is None:
        return f"收到本意见书后{days}日内"
    return f"{chinese_date(when + timedelta(days=days))}前"


def _letterhead(w: Writer, ev: Evaluation) -> None:
    """文号 and 主送, when the bureau's file gives them."""
    b = ev.bureau
    number = b.document_number(ev.review.input.date.year if ev.review.input.date else None)
    if number:
        w.para(number, style="note")
    recipients = "、".join(b.recipients) if b.recipients else ev.params.department.name
    w.para(f"{recipients}：", style="item")


def _application(w: Writer, ev: Evaluation) -> None:
    app = ev.application
    if app is None:
        return
    g = ev.review.grade.label or ""
    amount = ""
    if app.percent is not None:
        amount = f"，按全年预算数计核减{fmt(ev.budget.adjusted * Fraction(app.percent) / 100)}{ev.params.unit}"
    w.para(f"按照复核结果应用规则，评价等级“{g}”对应的结果应用为“{app.text}”{amount}。")


def _signature(w: Writer, ev: Evaluation) -> None:
    review = ev.review
    w.para("复核人（签字）：" + (review.input.reviewer or "　" * 6), style="closing")
    w.para(ev.bureau.name or "复核单位（盖章）", style="closing")
    w.para(chinese_date(review.input.date) if review.input.date else BLANK_DATE, style="closing")


def _reproduction(w: Writer, ev: Evaluation) -> None:
    p = ev.provenance
    w.para("附件：可复现信息", style="attachment")
    rows = [[path, digest] for path, digest in p.get("inputs", {}).items()]
    scheme = p.get("scheme", {})
    rows.append([f"评价方案 {ev.scheme.id}", scheme.get("sha256") or "（随 evalkit 发布）"])
    w.table(["输入文件", "SHA-256"], rows, (40, 60))
    versions = "，".join(f"{k} {v}" for k, v in p.get("packages", {}).items())
    w.para(f"evalkit {p.get('evalkit', '')}，Python {p.get('python', '')}；{versions}。", style="note")
