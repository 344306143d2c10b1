"""The monitoring's findings — what the 1–N月 figures show on their own (missing reasons and
measures, red and blue lights), and where the year-end self-evaluation contradicts them.

The checks join the core's findings registry (:func:`evalkit.core.findings.check`); each reads
``Context.monitoring`` (the lights of :func:`evalkit.core.lights.assess_monitoring`) and stays quiet
when there is no monitoring file. Importing this module registers them.
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction

from .findings import BUDGET, Context, Finding, check
from .lights import IndicatorLight
from .monitoring import MonitoredIndicator
from .numbers import exact, fmt, fmt_pct, fmt_plain, jsonable, to_float
from .scoring import IndicatorScore

#: Words that record a target adjustment (目标调整) in a measure or a year-end 偏差说明.
ADJUSTMENT_WORDS = ("调整", "调增", "调减", "修订", "变更")
NOT_CUMULATIVE_UNITS = ("%", "％")
#: The year-end contradictions with an indicator or the budget on both sides (the appendix shows the
#: mid-year and year-end figures of each side by side).
CONTRADICTIONS = ("monitoring.full_marks_after_red", "monitoring.forecast_far", "monitoring.cumulative_decreased",
                  "monitoring.target_changed", "monitoring.blue_scored_in_full")


# --- mid-year findings ---------------------------------------------------------------------------

@check()
def monitoring_deviation_missing(ctx: Context) -> Iterator[Finding]:
    for x in _lit(ctx):
        m = x.monitored
        if m.possibility in (None, "确定能") or m.explained:
            continue
        missing = [w for w, v in (("偏差原因", m.deviation.reason), ("纠偏措施", m.deviation.measure)) if not v]
        yield Finding("monitoring.deviation_missing", "warning",
                      f"“{m.name}”1–{ctx.monitoring.monitoring.month}月监控填报完成目标可能性为“{m.possibility}”，"
                      f"但未说明{'和'.join(missing)}",
                      {"indicator": m.name, "possibility": m.possibility, "missing": missing}, m.params_key or None)


@check()
def monitoring_lights(ctx: Context) -> Iterator[Finding]:
    """The red lights (spending and indicators; warnings) and the indicators' blue lights (info)."""
    r = ctx.monitoring
    if r is None:
        return
    if r.spending.light == "red":
        yield Finding("monitoring.red_light", "warning",
                      f"1–{r.monitoring.month}月支出进度亮红灯，明显慢于序时进度（{r.spending.trail}）",
                      {"what": "支出进度", "value": to_float(r.spending.value), "trail": r.spending.trail},
                      "budget.executed")
    for x in r.indicators:
        evidence = {"what": x.monitored.name, "value": to_float(x.light.value), "trail": x.light.trail}
        if x.light.light == "red":
            yield Finding("monitoring.red_light", "warning",
                          f"“{x.monitored.name}”1–{r.monitoring.month}月完成进度亮红灯（{x.light.trail}）",
                          evidence, x.monitored.params_key or None)
        elif x.light.light == "blue":
            yield Finding("monitoring.blue_light", "info",
                          f"“{x.monitored.name}”1–{r.monitoring.month}月已超序时进度较多，亮蓝灯，"
                          f"年度指标值可能设定偏低（{x.light.trail}）", evidence, x.monitored.params_key or None)


# --- year-end contradictions ---------------------------------------------------------------------

def _lit(ctx: Context) -> tuple[IndicatorLight, ...]:
    return ctx.monitoring.indicators if ctx.monitoring is not None else ()


def _pairs(ctx: Context) -> Iterator[tuple[IndicatorLight, IndicatorScore]]:
    """Each monitored indicator with its year-end score."""
    lit = _lit(ctx)
    if not lit:  # no monitoring file (most departments): no scores to look up
        return
    by_key = {s.indicator.key: s for s in ctx.scores}
    for x in lit:
        score = by_key.get(x.monitored.params_key)
        if score is not None:
            yield x, score


def _full(score: IndicatorScore) -> bool:
    return score.score is not None and score.weight > 0 and score.score >= score.weight


@check("goals")
def monitoring_full_marks_after_red(ctx: Context) -> Iterator[Finding]:
    for x, s in _pairs(ctx):
        m = x.monitored
        if (x.light.light == "red" or m.possibility == "不可能") and _full(s) and not m.deviation.measure:
            why = "亮红灯" if x.light.light == "red" else "填报不可能完成目标"
            yield Finding("monitoring.full_marks_after_red", "error",
                          f"“{m.name}”1–{ctx.monitoring.monitoring.month}月监控{why}，未记录纠偏措施，"
                          f"年终自评却得满分{fmt(s.score)}分",
                          {"indicator": m.name, "midyear": x.light.word, "possibility": m.possibility,
                           "score": float(s.score), "weight": float(s.weight)}, s.indicator.key)


@check(*BUDGET)
def monitoring_forecast_far(ctx: Context) -> Iterator[Finding]:
    r = ctx.monitoring
    if r is None or not r.monitoring.budget.forecast:
        return
    b = r.monitoring.budget
    gap = abs(exact(ctx.budget.executed) - exact(b.forecast)) / exact(b.forecast)
    explained = b.reason or any(x.monitored.deviation.category == "经费保障" and x.monitored.deviation.reason
                                for x in r.indicators)
    if gap > exact(ctx.scheme.monitoring["forecast_gap"]) and not explained:
        yield Finding("monitoring.forecast_far", "warning",
                      f"1–{r.monitoring.month}月监控预计全年执行{fmt_plain(b.forecast)}，年终全年执行数为"
                      f"{fmt_plain(ctx.budget.executed)}，相差{fmt_pct(gap)}，未说明原因",
                      {"forecast": float(b.forecast), "executed": float(ctx.budget.executed), "gap": float(gap)},
                      "budget.executed")


@check(*BUDGET, "goals")
def monitoring_cumulative_decreased(ctx: Context) -> Iterator[Finding]:
    r = ctx.monitoring
    if r is None:
        return
    mid = r.monitoring.budget.executed
    if mid is not None and ctx.budget.executed < mid:
        yield Finding("monitoring.cumulative_decreased", "error",
                      f"年终全年执行数{fmt_plain(ctx.budget.executed)}低于1–{r.monitoring.month}月已执行的"
                      f"{fmt_plain(mid)}，累计数不应减少",
                      {"what": "全年执行数", "midyear": float(mid), "year_end": float(ctx.budget.executed)},
                      "budget.executed")
    for x, s in _pairs(ctx):
        m, ind = x.monitored, s.indicator
        if (m.direction in (">=", ">", "=") and ind.unit not in NOT_CUMULATIVE_UNITS
                and not isinstance(m.progress, str | None) and not isinstance(ind.actual, str | None)
                and ind.actual < m.progress):
            yield Finding("monitoring.cumulative_decreased", "error",
                          f"“{m.name}”全年完成值{fmt_plain(ind.actual)}低于1–{r.monitoring.month}月已完成的"
                          f"{fmt_plain(m.progress)}，累计数不应减少",
                          {"what": m.name, "midyear": float(m.progress), "year_end": float(ind.actual)}, ind.key)


def _adjustment_recorded(m: MonitoredIndicator, year_end_deviation: str | None) -> bool:
    texts = (m.deviation.measure or "", m.deviation.reason or "", year_end_deviation or "")
    return any(w in t for t in texts for w in ADJUSTMENT_WORDS)


@check("goals")
def monitoring_target_changed(ctx: Context) -> Iterator[Finding]:
    for x, s in _pairs(ctx):
        m, ind = x.monitored, s.indicator
        if m.target is None or ind.target is None or _same(m.target, ind.target):
            continue
        if not _adjustment_recorded(m, ind.deviation):
            yield Finding("monitoring.target_changed", "warning",
                          f"“{m.name}”年终指标值{_show(ind.target)}与1–{ctx.monitoring.monitoring.month}月监控时的"
                          f"{_show(m.target)}不同，未见目标调整记录",
                          {"indicator": m.name, "midyear": jsonable(m.target), "year_end": jsonable(ind.target)},
                          ind.key)


def _same(a, b) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return str(a) == str(b)
    return exact(a) == exact(b)


def _show(value) -> str:
    return f"“{value}”" if isinstance(value, str) else fmt_plain(value)


@check("goals")
def monitoring_blue_scored_in_full(ctx: Context) -> Iterator[Finding]:
    for x, s in _pairs(ctx):
        m, ind = x.monitored, s.indicator
        if x.light.light != "blue" or not _full(s) or isinstance(ind.target, str | None) or isinstance(m.target, str):
            continue
        raised = m.target is not None and exact(ind.target) > exact(m.target)
        questioned = bool(m.deviation.reason or ind.deviation)
        if not raised and not questioned:
            yield Finding("monitoring.blue_scored_in_full", "warning",
                          f"“{m.name}”1–{ctx.monitoring.monitoring.month}月即亮蓝灯（{x.light.trail}），"
                          f"年终未调高指标值也未说明原因，仍得满分{fmt(s.score)}分",
                          {"indicator": m.name, "value": to_float(x.light.value), "score": float(s.score)}, ind.key)


@check(*BUDGET, "goals")
def monitoring_score_above_spending(ctx: Context) -> Iterator[Finding]:
    """Indicator scores claiming more than the money spent: s/S − e/E over s/S above the threshold."""
    if ctx.monitoring is None or not ctx.summary.complete or ctx.budget.execution_rate is None:
        return
    t, scheme = ctx.scheme.monitoring, ctx.scheme
    if not scheme.indicator_points or not scheme.execution_weight:
        return
    s_share = exact(ctx.summary.indicators) / exact(scheme.indicator_points)
    e_share = exact(ctx.budget.execution_score) / exact(scheme.execution_weight)
    if s_share > 0 and (s_share - e_share) / s_share > exact(t["score_above_spending"]):
        gap = (s_share - e_share) / s_share
        yield Finding("monitoring.score_above_spending", "error",
                      f"绩效指标得分率{fmt_pct(s_share)}，高于预算执行得分率{fmt_pct(e_share)}，"
                      f"相对高出{fmt_pct(gap)}，产出效益与资金使用不匹配",
                      {"score_share": float(s_share), "spending_share": float(e_share), "gap": float(gap)},
                      "budget.executed")
        return
    unspent = 1 - min(ctx.budget.execution_rate, Fraction(1))
    if unspent > exact(t["unspent_share"]):
        yield Finding("monitoring.large_unspent", "warning",
                      f"年终仍有{fmt_pct(unspent)}的预算未支出，绩效目标的实现程度需结合资金使用情况复核",
                      {"unspent": float(unspent)}, "budget.executed")
