"""Values typed where the scoring table has evalkit's formulas, checked against evalkit's figures.

A cell evalkit computes (执行率, an indicator's 得分系数 and 得分, the totals, 总分, 评价等级) holds a
formula; the reader never takes its result for what the department typed. A value typed over one
is no claim of the department either: the department's own total goes in 部门自评得分, and its
own weights and qualitative coefficients in 分值 and 得分系数. So once the imported table is scored,
each typed value is compared with the figure the formula computes, at the precision the cell shows:

* the same figure (a table whose formulas were pasted as values) is harmless and passes;
* another figure is an error naming the cell, what was typed and what the formula gives, so a
  department never believes it claimed a score evalkit does not read.

>>> shown_figure(Fraction(90, 41), "points"), shown_figure(Fraction(9565, 9593), "rate"), shown_figure(None, "points")
('2.20', '99.71%', '（空）')
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from ..core.evaluation import Evaluation, evaluate_params
from ..core.model import Params
from ..core.numbers import NumberFormatError, fmt, fmt_pct, parse_number, round_half_up
from ..core.scheme import load_scheme
from ..exceptions import EvalkitError
from .cells import Cells, Typed, decimal, is_number, percent_of
from .layout import POINT_PLACES, RATE_PLACES

#: figure → how the cell shows it: ``points`` (two decimals), ``rate`` (a percentage), ``text``.
KINDS = {"line_rate": "rate", "execution_rate": "rate", "execution_weight": "points", "execution_score": "points",
         "coefficient": "rate", "score": "points", "weights_total": "points", "indicators_total": "points",
         "total_points": "points", "total": "total", "unscored_points": "points", "grade": "text"}
#: Where the department's own figures go instead.
OWN = "the department's own total goes in 部门自评得分, its own weights and qualitative coefficients in 分值 and 得分系数"


def check_typed(cells: Cells, params: Params, base: Path) -> None:
    """Score ``params`` and report, at its cell, every typed value that differs from evalkit's figure."""
    if not cells.typed:
        return
    try:
        ev = evaluate_params(params, load_scheme(params.scheme, relative_to=base))
    except EvalkitError as exc:  # weights beyond the scheme's points: say where they were read
        for problem in getattr(exc, "failure_cases", []):
            cells.problems.append(cells.locate(problem))
        cells.raise_if_failed()
        return
    figure = figures(ev)
    for typed in cells.typed:
        expected = figure(typed)
        if not matches(typed, expected, KINDS[typed.figure]):
            cells.fail(typed.row, typed.col, typed.header,
                       f"expected evalkit's formula, which gives {shown_figure(expected, KINDS[typed.figure])}, got "
                       f"{_shown(typed)} typed over it; a computed cell is not read: undo the change (or copy the "
                       f"formula from the row above) or clear the cell — {OWN}")
    cells.raise_if_failed()


def figures(ev: Evaluation) -> Callable[[Typed], object]:
    """The figure evalkit computes for a typed cell of ``ev``'s table: a Fraction, a text, or None
    (nothing: unscored). The lookups are built once per table, not once per typed cell."""
    scores = {s.indicator.key: s for s in ev.indicator_scores}
    lines = {f"budget.lines[{i}]": line for i, line in enumerate(ev.budget.lines)}
    weights = sum((s.weight for s in ev.indicator_scores), Fraction(0))
    by_figure = {
        "line_rate": lambda key: lines[key].execution_rate,
        "execution_rate": lambda key: ev.budget.execution_rate,
        "execution_weight": lambda key: ev.budget.execution_weight,
        "execution_score": lambda key: ev.budget.execution_score,
        "coefficient": lambda key: scores[key].coefficient,
        "score": lambda key: scores[key].score,
        "weights_total": lambda key: weights,
        "indicators_total": lambda key: ev.score.indicators,
        "total_points": lambda key: ev.budget.execution_weight + weights,
        "total": lambda key: ev.score.min if ev.score.complete else ev.score.words,
        "unscored_points": lambda key: ev.score.unscored_points,
        "grade": lambda key: ev.grade_text(),
    }
    return lambda typed: by_figure[typed.figure](typed.key)


def matches(typed: Typed, expected, kind: str) -> bool:
    """Whether the typed value shows the same figure as evalkit's, at the cell's precision."""
    if isinstance(expected, str) or expected is None:
        return isinstance(typed.value, str) and typed.value.strip() == (expected or "")
    number = _number(typed)
    if number is None:
        return False
    places = RATE_PLACES if kind == "rate" else POINT_PLACES
    return round_half_up(number, places) == round_half_up(expected, places)


def _number(typed: Typed) -> Decimal | None:
    """The typed value as a number (a rate as a fraction), or None when it is no number."""
    value = typed.value
    if is_number(value):
        number = decimal(value)
        if KINDS[typed.figure] == "rate" and typed.percent == "literal":
            return number / 100
        return number
    if isinstance(value, str):
        try:
            number, percent = parse_number(value)
        except NumberFormatError:
            return None
        return number / 100 if percent else number
    return None


def shown_figure(value, kind: str) -> str:
    """A figure as its cell shows it."""
    if value is None:
        return "（空）"
    if isinstance(value, str):
        return value
    return fmt_pct(value) if kind == "rate" else fmt(value)


def _shown(typed: Typed) -> str:
    value = typed.value
    if is_number(value):
        if typed.percent == "scaled":
            return f"{percent_of(value):f}%"
        return f"{decimal(value):f}"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else f"{text[:36]}…"
