"""Budget execution: rates, the execution score, lines, projects and monthly payments."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from .bureau import Bureau, over_execution_score
from .frozen import quick_init
from .model import Budget, BudgetLine
from .numbers import exact, fmt, fmt_pct, fmt_plain
from .scheme import Scheme


@quick_init
@dataclass(frozen=True)
class LineResult:
    name: str
    kind: str
    adjusted: Fraction
    executed: Fraction
    execution_rate: Fraction | None
    trail: str
    count: int | None = None
    initial: Fraction | None = None


@quick_init
@dataclass(frozen=True)
class BudgetResult:
    initial: Fraction | None  # None only in a partial model
    adjusted: Fraction
    executed: Fraction
    execution_rate: Fraction | None
    adjustment_rate: Fraction | None
    execution_score: Fraction
    execution_weight: Fraction
    lines: tuple[LineResult, ...]
    trails: dict[str, str]


def rate(numerator, denominator) -> Fraction | None:
    """``numerator ÷ denominator`` exactly, or ``None`` when the denominator is 0."""
    den = exact(denominator)
    return None if den == 0 else exact(numerator) / den


def rate_trail(numerator, denominator) -> str:
    """``9565.63 ÷ 9593.18 = 99.71%``."""
    return _trail(numerator, denominator, rate(numerator, denominator))


def _trail(numerator, denominator, value: Fraction | None) -> str:
    """:func:`rate_trail` of a rate already worked out (``value``)."""
    result = "无法计算（分母为 0）" if value is None else fmt_pct(value)
    return f"{fmt_plain(numerator)} ÷ {fmt_plain(denominator)} = {result}"


def compute_budget(budget: Budget, scheme: Scheme, bureau: Bureau | None = None) -> BudgetResult:
    """Execution rate, adjustment rate, execution score and per-line rates, each with its trail; a
    rate above 100 % is scored by the bureau's over-execution rule when a bureau file says one."""
    adjusted, executed = exact(budget.adjusted), exact(budget.executed)
    execution_rate = rate(executed, adjusted)
    known = budget.initial is not None  # a partial model may not know the initial budget
    initial = exact(budget.initial) if known else None
    adjustment_rate = rate(adjusted - initial, initial) if known else None
    weight = exact(scheme.execution_weight)
    capped = min(execution_rate, Fraction(1)) if execution_rate is not None else Fraction(0)
    score = weight * capped
    adj_text = "无法计算（年初预算数为 0）" if adjustment_rate is None else fmt_pct(adjustment_rate)
    trails = {
        "execution_rate": f"预算执行率 = 全年执行数 ÷ 全年预算数 = {_trail(budget.executed, budget.adjusted, execution_rate)}",
        "adjustment_rate": (f"预算调整率 = (全年预算数 − 年初预算数) ÷ 年初预算数 = "
                            f"({fmt_plain(budget.adjusted)} − {fmt_plain(budget.initial)}) ÷ "
                            f"{fmt_plain(budget.initial)} = {adj_text}" if known else "年初预算数未知，无法计算"),
        "execution_score": (f"预算执行得分 = 分值 × min(预算执行率, 100%) = {fmt_plain(scheme.execution_weight)} × "
                            f"{fmt_pct(capped)} = {fmt(score)}"
                            if execution_rate is not None else "预算执行率无法计算，得 0 分"),
    }
    if bureau is not None and bureau.source and execution_rate is not None and execution_rate > 1:
        score, rule = over_execution_score(weight, execution_rate, bureau)
        trails["execution_score"] = f"预算执行得分：{rule}"
    lines = tuple(_line_result(line) for line in budget.lines)
    return BudgetResult(initial=initial, adjusted=adjusted, executed=executed, execution_rate=execution_rate,
                        adjustment_rate=adjustment_rate, execution_score=score, execution_weight=weight,
                        lines=lines, trails=trails)


def _line_result(line: BudgetLine) -> LineResult:
    adjusted, executed = exact(line.adjusted), exact(line.executed)
    execution_rate = rate(executed, adjusted)
    return LineResult(name=line.name, kind=line.kind, adjusted=adjusted, executed=executed,
                      execution_rate=execution_rate,
                      trail=f"{line.name}执行率 = {_trail(line.executed, line.adjusted, execution_rate)}",
                      count=line.count, initial=None if line.initial is None else exact(line.initial))
