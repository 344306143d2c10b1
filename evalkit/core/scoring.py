"""Indicator weights, indicator scores, totals and grades — exactly as DESIGN.md states them."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from ..exceptions import ParamsError, Problem
from .frozen import quick_init
from .model import Indicator, Params
from .numbers import exact, exact_sum, fmt, fmt_pct, fmt_plain
from .scheme import Scheme

ONE = Fraction(1)
ZERO = Fraction(0)


@quick_init
@dataclass(frozen=True)
class WeightPlan:
    weights: tuple[Fraction, ...]
    basis: str  # explicit | mixed | tier | equal
    trail: str
    explicit_sum: Fraction | None = None


@quick_init
@dataclass(frozen=True)
class IndicatorScore:
    goal: str
    indicator: Indicator
    weight: Fraction
    coefficient: Fraction | None
    score: Fraction | None
    rule: str  # the rule in words: 正向：完成值 ≥ 指标值得满分，否则按 完成值 ÷ 指标值 计分
    trail: str
    rule_name: str = ""  # its short name, as a table column shows it: 正向, 反向, 等于, 定性, 分档计分, 扣分制

    @property
    def scored(self) -> bool:
        return self.score is not None


@quick_init
@dataclass(frozen=True)
class ScoreSummary:
    execution: Fraction
    indicators: Fraction  # points from scored indicators
    unscored_points: Fraction  # weight of indicators without an actual
    min: Fraction
    max: Fraction
    complete: bool
    trail: str

    @property
    def total(self) -> Fraction | None:
        return self.min if self.complete else None

    @property
    def text(self) -> str:
        """``99.97``, or ``[9.97, 99.97]`` when an indicator is unscored."""
        return fmt(self.min) if self.complete else f"[{fmt(self.min)}, {fmt(self.max)}]"

    @property
    def words(self) -> str:
        """The score as a reader's page states it: ``99.97分``, or
        ``无法核定（缺少全年完成值），可能区间9.97–99.97分``."""
        if self.complete:
            return f"{fmt(self.min)}分"
        return f"无法核定（缺少全年完成值），可能区间{fmt(self.min)}–{fmt(self.max)}分"


@quick_init
@dataclass(frozen=True)
class GradeResult:
    label: str | None
    min_label: str
    max_label: str
    possible: tuple[str, ...]
    trail: str = ""  # which band table graded the total (the scheme's title and its bands)

    @property
    def text(self) -> str:
        """``优秀``, or ``较差 ~ 优秀`` when the score is an interval that spans grades."""
        return self.label or grade_range_text(self.min_label, self.max_label)


#: Between the two ends of a grade that the data leave open: ``较差 ~ 优秀``.
GRADE_RANGE = " ~ "


def grade_range_text(low: str, high: str) -> str:
    """One grade, or the two ends of the grades an interval allows: the one spelling evalkit uses.

    >>> grade_range_text("良好", "良好"), grade_range_text("较差", "优秀")
    ('良好', '较差 ~ 优秀')
    """
    return low if low == high else f"{low}{GRADE_RANGE}{high}"


def plan_weights(indicators: tuple[Indicator, ...], scheme: Scheme) -> WeightPlan:
    """Explicit weights win; else by tier (every indicator tiered); else an equal split."""
    points = exact(scheme.indicator_points)
    n = len(indicators)
    if n == 0:
        return WeightPlan((), "equal", "没有绩效指标")
    given = [ind.weight for ind in indicators]
    if None not in given:
        total = exact_sum(given)
        return WeightPlan(tuple(exact(w) for w in given), "explicit",
                          f"按填报分值：合计 {fmt(total)} 分（应为 {fmt(points)} 分）", total)
    if given.count(None) < n:  # some given
        explicit = exact_sum(w for w in given if w is not None)
        rest = [i for i, w in enumerate(given) if w is None]
        share = max(points - explicit, ZERO) / len(rest)
        weights = tuple(exact(w) if w is not None else share for w in given)
        return WeightPlan(weights, "mixed",
                          f"部分指标填报分值（合计 {fmt(explicit)} 分），其余 {len(rest)} 项平分剩余 "
                          f"{fmt(points)} − {fmt(explicit)} = {fmt(max(points - explicit, ZERO))} 分，"
                          f"每项 {fmt(share)} 分", explicit)
    tiers = scheme.tier_points
    if tiers and all(ind.tier in tiers for ind in indicators):
        return _tier_plan(indicators, tiers, points)
    reason = ("" if not tiers or all(ind.tier is None for ind in indicators)
              else "（部分指标未标注一级指标或一级指标不在方案中，改为平均分配）")
    share = points / n
    return WeightPlan((share,) * n, "equal",
                      f"{fmt(points)} 分由 {n} 项指标平均分配，每项 {fmt(points)} ÷ {n} = {fmt(share)} 分{reason}")


def _tier_plan(indicators, tiers, points) -> WeightPlan:
    counts = {t: sum(1 for ind in indicators if ind.tier == t) for t in tiers}
    pool = {t: exact(v) for t, v in tiers.items()}
    notes = []
    for tier, count in counts.items():
        if count == 0 and pool[tier]:
            target = "效益" if counts.get("效益") else next(t for t in tiers if counts[t])
            pool[target] += pool[tier]
            notes.append(f"{tier}无指标，其 {fmt(pool[tier])} 分并入{target}")
            pool[tier] = ZERO
    scale = points / sum(pool.values()) if sum(pool.values()) else ZERO
    weights = tuple(pool[ind.tier] * scale / counts[ind.tier] for ind in indicators)
    parts = "，".join(f"{t} {fmt(pool[t] * scale)} 分 ÷ {counts[t]} 项" for t in tiers if counts[t])
    scaled = "" if scale == 1 else f"（一级指标分值按 {fmt(points)} 分等比换算）"
    return WeightPlan(weights, "tier", "按一级指标分配：" + parts + ("；" + "；".join(notes) if notes else "") + scaled)


def refuse_excess_weights(params: Params, plan: WeightPlan, scheme: Scheme) -> None:
    """Weights (分值) written in the params that add up to more than the scheme gives indicators
    cannot be scored: the total would pass 100 and earn any grade. Raise ``ParamsError`` naming them.
    (Weights that add up to less are scored, and the shortfall is a finding.)"""
    points = exact(scheme.indicator_points)
    if plan.basis not in ("explicit", "mixed") or plan.explicit_sum <= points:
        return
    keys = [ind.key for ind in params.indicators if ind.weight is not None]
    key = keys[0] if len(keys) == 1 else "goals"
    raise ParamsError([Problem(params.source, key, params.line(key),
                               f"the indicators' weights (分值) add up to {_points(plan.explicit_sum)}, more than "
                               f"the {_points(points)} points scheme '{scheme.id}' gives indicators; correct the "
                               f"weights so they add up to {_points(points)}")])


def _points(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else fmt(value)


def score_indicator(ind: Indicator, weight: Fraction, scheme: Scheme,
                    w: str | None = None) -> tuple[Fraction | None, Fraction | None, str, str]:
    """Return ``(coefficient, score, rule, trail)``; score is ``None`` when no actual is reported.

    The rule in words starts with its short name (:func:`rule_name`, decided once): ``正向：…``.
    ``w`` is the weight as displayed, when the caller has it already (``fmt(weight)``)."""
    w, name = w or fmt(weight), rule_name(ind)
    if ind.direction == "qualitative":
        return _score_qualitative(ind, weight, scheme, w)
    if ind.actual is None:
        return None, None, name, f"未填报全年完成值，不计分（可得 0 至 {w} 分）"
    actual, target = exact(ind.actual), exact(ind.target)
    a, t = fmt_plain(ind.actual), fmt_plain(ind.target)
    if ind.rule is not None and ind.rule.type == "steps":
        return _score_steps(ind, weight, actual)
    if ind.rule is not None and ind.rule.type == "deduct":
        return _score_deduct(ind, weight, actual)
    if ind.direction in (">=", ">") or (ind.direction == "=" and target > 0):
        rule = f"{name}：完成值 ≥ 指标值得满分，否则按 完成值 ÷ 指标值 计分"
        if actual >= target:
            return ONE, weight, rule, f"{a} ≥ {t}，得满分 {w}"
        if actual <= 0 or target <= 0:
            return ZERO, ZERO, rule, f"{a} < {t} 且完成值不为正，得 0 分"
        c = actual / target
        return c, weight * c, rule, f"{w} × {a} ÷ {t} = {fmt(weight * c)}"
    if ind.direction == "=":
        rule = f"{name}：" + ("完成值 ≤ 0 得满分，否则 0 分" if target == 0 else "完成值 = 指标值得满分，否则 0 分")
        ok = actual <= 0 if target == 0 else actual == target
        return (ONE, weight, rule, f"{a} 符合 {t}，得满分 {w}") if ok else (ZERO, ZERO, rule, f"{a} 不符合 {t}，得 0 分")
    # <=, <
    if scheme.reverse_rule == "ratio":
        rule = f"{name}：完成值 ≤ 指标值得满分，否则按 指标值 ÷ 完成值 计分"
    else:
        rule = f"{name}：完成值 ≤ 指标值得满分，否则按 max(0, 2 − 完成值 ÷ 指标值) 计分"
    if actual <= target:
        return ONE, weight, rule, f"{a} ≤ {t}，得满分 {w}"
    if target <= 0:
        return ZERO, ZERO, rule, f"{a} > {t}（指标值为 {t}），得 0 分"
    if scheme.reverse_rule == "ratio":
        c = target / actual
        return c, weight * c, rule, f"{w} × {t} ÷ {a} = {fmt(weight * c)}"
    c = max(ZERO, 2 - actual / target)
    return c, weight * c, rule, f"{w} × max(0, 2 − {a} ÷ {t}) = {fmt(weight * c)}"


def rule_name(ind: Indicator) -> str:
    """The short name of the rule :func:`score_indicator` applies to ``ind`` (``=`` with a positive
    target is scored as ``≥``, so it is 正向)."""
    if ind.direction == "qualitative":
        return "定性"
    if ind.rule is not None:
        return {"steps": "分档计分", "deduct": "扣分制"}[ind.rule.type]
    if ind.direction == "=":
        target = exact(ind.target)
        return "正向" if target > 0 else "等于 0" if target == 0 else "等于"
    return "正向" if ind.direction in (">=", ">") else "反向"


def _score_qualitative(ind: Indicator, weight: Fraction, scheme: Scheme, w: str):
    if ind.level is None and ind.coefficient is None:
        return None, None, f"{rule_name(ind)}：按达成程度（达成/部分达成/未达成）取得分系数", f"未填报达成程度，不计分（可得 0 至 {w} 分）"
    if ind.level is None:
        c = exact(ind.coefficient)
        return c, weight * c, f"{rule_name(ind)}：按填报得分系数", f"{w} × {fmt_pct(c)} = {fmt(weight * c)}"
    low, high = (exact(v) for v in scheme.qualitative[ind.level])
    rule = f"{rule_name(ind)}：{ind.level}，得分系数 {fmt_pct(low, 0)}–{fmt_pct(high, 0)}"
    if ind.coefficient is None:
        c = exact(scheme.qualitative_default[ind.level])
        return c, weight * c, rule, f"{ind.level}，按方案默认系数 {fmt_pct(c)}：{w} × {fmt_pct(c)} = {fmt(weight * c)}"
    given = exact(ind.coefficient)
    c = min(max(given, low), high)
    note = "" if c == given else f"（填报系数 {fmt_pct(given)} 超出该档区间，按 {fmt_pct(c)} 计）"
    return c, weight * c, rule, f"{ind.level}{note}：{w} × {fmt_pct(c)} = {fmt(weight * c)}"


def _score_steps(ind: Indicator, weight: Fraction, actual: Fraction):
    parts = []
    for band in ind.rule.bands:
        bound = (f"≥ {fmt_plain(band.min)}" if band.min is not None else "") + \
                (f"≤ {fmt_plain(band.max)}" if band.max is not None else "")
        parts.append(f"{bound} → {fmt_pct(band.coefficient, 0)}")
    rule = f"{rule_name(ind)}：" + "；".join(parts)
    for band in ind.rule.bands:
        if (band.min is None or actual >= exact(band.min)) and (band.max is None or actual <= exact(band.max)):
            c = exact(band.coefficient)
            return c, weight * c, rule, f"完成值 {fmt_plain(ind.actual)} 落在“{parts[ind.rule.bands.index(band)]}”档：{fmt(weight)} × {fmt_pct(c)} = {fmt(weight * c)}"
    return ZERO, ZERO, rule, f"完成值 {fmt_plain(ind.actual)} 不在任何分档内，得 0 分"


def _score_deduct(ind: Indicator, weight: Fraction, actual: Fraction):
    r = ind.rule
    threshold, per, points = exact(r.threshold), exact(r.per), exact(r.points)
    word = "超过" if r.side == "above" else "低于"
    rule = f"{rule_name(ind)}：{word} {fmt_plain(r.threshold)} 的部分每 {fmt_plain(r.per)} 扣 {fmt_plain(r.points)} 分"
    excess = actual - threshold if r.side == "above" else threshold - actual
    if excess <= 0:
        return ONE, weight, rule, f"完成值 {fmt_plain(ind.actual)} 未{word} {fmt_plain(r.threshold)}，得满分 {fmt(weight)}"
    lost = excess / per * points
    score = max(ZERO, weight - lost)
    c = score / weight if weight else ZERO
    return c, score, rule, (f"{word} {fmt(excess)}，扣 {fmt(excess)} ÷ {fmt_plain(r.per)} × {fmt_plain(r.points)} = "
                            f"{fmt(lost)} 分：max(0, {fmt(weight)} − {fmt(lost)}) = {fmt(score)}")


def score_indicators(params: Params, scheme: Scheme) -> tuple[WeightPlan, tuple[IndicatorScore, ...]]:
    """Weights plus every indicator's coefficient, score and trail, in params order."""
    plan = plan_weights(params.indicators, scheme)
    pairs = [(goal.name, ind) for goal in params.goals for ind in goal.indicators]
    out, last, w = [], None, ""
    for (goal, ind), weight in zip(pairs, plan.weights, strict=True):
        if weight is not last and weight != last:  # a plan repeats a weight from one row to the next
            last, w = weight, fmt(weight)
        coefficient, score, rule, trail = score_indicator(ind, weight, scheme, w)
        out.append(IndicatorScore(goal=goal, indicator=ind, weight=weight, coefficient=coefficient,
                                  score=score, rule=rule, trail=trail, rule_name=rule_name(ind)))
    return plan, tuple(out)


def summarise(execution_score: Fraction, scores: tuple[IndicatorScore, ...]) -> ScoreSummary:
    """Total = execution score + indicator scores; an interval when some indicators are unscored."""
    left = [s for s in scores if s.score is None]  # the unscored rows
    scored = exact_sum(s.score for s in scores if s.score is not None)
    unscored = exact_sum(s.weight for s in left)
    low, high = execution_score + scored, execution_score + scored + unscored
    missing = len(left)
    if missing:
        trail = (f"预算执行 {fmt(execution_score)} + 已计分指标 {fmt(scored)} = {fmt(low)}；"
                 f"{missing} 项指标未填报完成值（合计 {fmt(unscored)} 分），总分区间 [{fmt(low)}, {fmt(high)}]")
    else:
        trail = f"预算执行 {fmt(execution_score)} + 绩效指标 {fmt(scored)} = {fmt(low)}"
    return ScoreSummary(execution=execution_score, indicators=scored, unscored_points=unscored,
                        min=low, max=high, complete=missing == 0, trail=trail)


def grade(summary: ScoreSummary, scheme: Scheme) -> GradeResult:
    """The grade at each end of the score interval (the same when the score is complete)."""
    low, high = scheme.grade_for(summary.min), scheme.grade_for(summary.max)
    return GradeResult(label=low if summary.complete else None, min_label=low, max_label=high,
                       possible=tuple(scheme.grade_labels_between(summary.min, summary.max)),
                       trail=scheme.grade_trail(summary.min if summary.complete else None))
