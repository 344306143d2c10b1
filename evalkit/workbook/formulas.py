"""The scoring table's live formulas, as text: one for each cell evalkit computes, so the table
recalculates as a department types (:mod:`.write` puts them in the cells, with evalkit's own
figures as their saved values).

Each formula applies the rule :mod:`evalkit.core.scoring` applies, with the scheme's numbers
written in as literals: execution rate = executed ÷ adjusted; execution score = weight ×
MIN(rate, 1); an indicator's 得分系数 by its 指标性质 (proportional for ≥ > and = with a positive
target, reverse for ≤ < by the scheme's ``reverse_rule``, = exactly, 定性 by 达成程度 through the
scheme's defaults and bands), or by its own ``steps`` / ``deduct`` rule; 得分 = 分值 × 得分系数,
empty when 实际完成值 is (unscored); totals, 总分 (an interval in words while an indicator is
unscored) and the grade by the scheme's bands. The 指标性质 a formula follows is the one in its row,
so a department correcting a direction sees the score follow.

A formula is built from cell references, numbers and a fixed set of words (directions, levels,
the scheme's grade labels); no text from a params file ever enters one.

>>> from evalkit.core.scheme import load_scheme
>>> score(IndicatorCells(18), load_scheme("mof-2020"))[:40]
'IF(ISNUMBER(J18),IF(E18="定性",I18*IF(H18='
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from ..core.model import DIRECTION_LABELS, LEVELS, Indicator, Rule
from ..core.scheme import Scheme
from .archive import column_letter
from .layout import ACTUAL, INDICATOR_HEADERS, LEVEL, NAME

#: Where 总分 says the score cannot be settled: the words of ``ScoreSummary.words``.
UNSETTLED = "无法核定（缺少全年完成值），可能区间"
#: What the grade says when the interval spans grades: ``GRADE_RANGE`` of the core.
GRADE_RANGE = " ~ "
#: Excel and LibreOffice both compare at 15 significant digits; a total is graded rounded to this
#: many decimals, so a float sum a hair below a band's minimum (84.99999999999999) gets the band.
GRADE_PLACES = 9


def column_of(header: str) -> str:
    """The column letter of an indicator-table header.

    >>> column_of("得分")
    'K'
    """
    return column_letter(INDICATOR_HEADERS.index(header) + 1)


@dataclass(frozen=True)
class IndicatorCells:
    """The addresses of one indicator row's cells."""

    row: int

    def at(self, header: str) -> str:
        return f"{column_of(header)}{self.row}"

    direction = property(lambda self: self.at("指标性质"))
    target = property(lambda self: self.at("年度指标值"))
    actual = property(lambda self: self.at(ACTUAL))
    level = property(lambda self: self.at(LEVEL))
    weight = property(lambda self: self.at("分值"))
    coefficient = property(lambda self: self.at("得分系数"))
    score = property(lambda self: self.at("得分"))


def number(value: Decimal | Fraction | int) -> str:
    """A number as a formula writes it: ``0.6``, ``-2``, ``(90/41)`` for a fraction no decimal holds.

    >>> number(Decimal("0.60")), number(Fraction(90, 41)), number(Fraction(5, 2)), number(Decimal("1E+2"))
    ('0.6', '(90/41)', '2.5', '100')
    """
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return str(value.numerator)
        if 10**40 % value.denominator == 0:  # a finite decimal
            return number(Decimal(value.numerator) / Decimal(value.denominator))
        return f"({value.numerator}/{value.denominator})"
    text = f"{Decimal(value).normalize():f}"
    return text if "." not in text else text.rstrip("0").rstrip(".")


def text(value: str) -> str:
    """A string literal (a quote is doubled, as formulas escape it)."""
    return '"' + value.replace('"', '""') + '"'


def coefficient(ind: Indicator, scheme: Scheme, c: IndicatorCells) -> str:
    """得分系数 of an indicator row: by its own rule when it has one, else by the row's 指标性质."""
    if ind.rule is not None and ind.rule.type == "steps":
        return _steps(ind.rule, c)
    if ind.rule is not None and ind.rule.type == "deduct":
        return _deduct(ind.rule, c)
    return by_direction(scheme, c)


def by_direction(scheme: Scheme, c: IndicatorCells) -> str:
    """The coefficient every direction gives, chosen by the text in the row's 指标性质 cell."""
    e, f, g = c.direction, c.target, c.actual
    proportional = f"IF({g}>={f},1,IF(OR({g}<=0,{f}<=0),0,{g}/{f}))"
    equal = f"IF({f}=0,IF({g}<=0,1,0),IF({g}={f},1,0))"
    reverse = f"{f}/{g}" if scheme.reverse_rule == "ratio" else f"MAX(0,2-{g}/{f})"
    reverse = f"IF({g}<={f},1,IF({f}<=0,0,{reverse}))"
    quantitative = (f'IF(OR({e}="≥",{e}=">",AND({e}="=",{f}>0)),{proportional},IF({e}="=",{equal},'
                    f'IF(OR({e}="≤",{e}="<"),{reverse},"")))')
    return f'IF({e}="定性",{level_default(scheme, c)},IF(COUNT({f},{g})<2,"",{quantitative}))'


def level_default(scheme: Scheme, c: IndicatorCells) -> str:
    """The scheme's default coefficient for the row's 达成程度; empty while none is chosen."""
    out = '""'
    for level in reversed(LEVELS):
        out = f'IF({c.level}={text(level)},{number(scheme.qualitative_default[level])},{out})'
    return out


def _band(scheme: Scheme, c: IndicatorCells, end: int) -> str:
    """The low (``end=0``) or high (``end=1``) bound of the band of the row's 达成程度."""
    out = number(scheme.qualitative[LEVELS[-1]][end])
    for level in reversed(LEVELS[:-1]):
        out = f"IF({c.level}={text(level)},{number(scheme.qualitative[level][end])},{out})"
    return out


def score(c: IndicatorCells, scheme: Scheme) -> str:
    """得分 = 分值 × 得分系数; a qualitative coefficient typed by the department (85% or 85) is held
    within its level's band; empty while the row is unscored."""
    j = c.coefficient
    typed = f"IF({j}>1,{j}/100,{j})"
    qualitative = f'{c.weight}*IF({c.level}="",{typed},MAX({_band(scheme, c, 0)},MIN({_band(scheme, c, 1)},{typed})))'
    return f'IF(ISNUMBER({j}),IF({c.direction}="定性",{qualitative},{c.weight}*{j}),"")'


def _steps(rule: Rule, c: IndicatorCells) -> str:
    g = c.actual
    out = "0"
    for band in reversed(rule.bands):
        tests = ([f"{g}>={number(band.min)}"] if band.min is not None else []) + \
                ([f"{g}<={number(band.max)}"] if band.max is not None else [])
        test = tests[0] if len(tests) == 1 else f"AND({','.join(tests)})"
        out = f"IF({test},{number(band.coefficient)},{out})"
    return f'IF(ISNUMBER({g}),{out},"")'


def _deduct(rule: Rule, c: IndicatorCells) -> str:
    g, i = c.actual, c.weight
    excess = f"({g}-{number(rule.threshold)})" if rule.side == "above" else f"({number(rule.threshold)}-{g})"
    kept = f"MAX(0,{i}-{excess}/{number(rule.per)}*{number(rule.points)})"
    return f'IF(ISNUMBER({g}),IF({excess}<=0,1,IF({i}=0,0,{kept}/{i})),"")'


def default_weight(pool: Fraction, count: int) -> str:
    """A weight of the scheme's default split: the points shared (``pool``) over ``count`` indicators.

    >>> default_weight(Fraction(90), 41), default_weight(Fraction(50), 1)
    ('90/41', '50')
    """
    return number(pool) if count == 1 else f"{number(pool)}/{count}"


def execution_rate(executed: str, adjusted: str) -> str:
    return f'IF({adjusted}=0,"",{executed}/{adjusted})'


def execution_score(weight: str, rate: str) -> str:
    return f'IF({rate}="",0,{weight}*MIN({rate},1))'


def column_sum(column: str, first: int, last: int) -> str:
    return f"SUM({column}{first}:{column}{last})"


@dataclass(frozen=True)
class IndicatorRows:
    """The indicator rows (first to last) and the columns the totals read."""

    first: int
    last: int
    name: str = column_of(NAME)
    weight: str = column_of("分值")
    score: str = column_of("得分")

    def _range(self, column: str) -> str:
        return f"{column}{self.first}:{column}{self.last}"

    def unscored_count(self) -> str:
        """Indicators (rows with a name) whose 得分 is empty."""
        return f'SUMPRODUCT(({self._range(self.score)}="")*({self._range(self.name)}<>""))'

    def unscored_points(self) -> str:
        """分值 of the indicators whose 得分 is empty."""
        return f'SUMPRODUCT(({self._range(self.score)}="")*({self._range(self.name)}<>"")*{self._range(self.weight)})'


def grand_total(table: IndicatorRows, execution: str, indicators: str) -> str:
    """总分: execution score + indicator scores, or the interval in words while an indicator is unscored."""
    low = f"{execution}+{indicators}"
    words = (f'{text(UNSETTLED)}&TEXT({low},"0.00")&"–"&TEXT({low}+{table.unscored_points()},"0.00")&"分"')
    return f"IF({table.unscored_count()}>0,{words},{low})"


def grade(scheme: Scheme, table: IndicatorRows, execution: str, indicators: str, unscored: str) -> str:
    """评价等级 by the scheme's bands, at both ends of the interval while an indicator is unscored (the
    arguments are the cells holding the execution score, the indicator scores and the unscored points)."""
    low = f"{execution}+{indicators}"
    high = f"{low}+{unscored}"
    at_low, at_high = grade_of(scheme, low), grade_of(scheme, high)
    return (f"IF({table.unscored_count()}>0,IF({at_low}={at_high},{at_low},{at_low}&{text(GRADE_RANGE)}&{at_high}),"
            f"{at_low})")


def grade_of(scheme: Scheme, total: str) -> str:
    """评价等级 of ``total`` by the scheme's bands: ``>=`` a band's min, or ``>`` when its bounds are
    exclusive (the lowest band takes the rest either way)."""
    value = f"ROUND({total},{GRADE_PLACES})"
    test = ">" if scheme.grade_bounds == "exclusive" else ">="
    out = text(scheme.grades[-1].label)
    for band in reversed(scheme.grades[:-1]):
        out = f"IF({value}{test}{number(band.min)},{text(band.label)},{out})"
    return out


def words() -> tuple[str, ...]:
    """Every word a formula may hold besides the scheme's grade labels (for tests that check no
    params text enters a formula)."""
    return ("", *DIRECTION_LABELS.values(), *LEVELS, UNSETTLED, "–", "分", GRADE_RANGE, "0.00", *YEAR)


#: The year line under the title: ``（2023年度）``.
YEAR = ("（", "年度）")


def year(cell: str) -> str:
    """The year line under the title, from the 年度 cell."""
    return f"{text(YEAR[0])}&{cell}&{text(YEAR[1])}"
