"""One illustrative department designed from the catalogue (``catalogue.yaml``): budget, projects,
monthly payments, indicators with actuals, and what the department reports.

Amounts are integers of 0.01 万元 so every total adds up exactly. The expected score is computed here
independently of ``evalkit.core.scoring`` (a second implementation of the DESIGN.md rules, for the handful
of rule types the demo uses), so a clean department whose reported figures disagree with evalkit
reveals a bug on one side.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_UP, Decimal
from fractions import Fraction
from functools import cache
from importlib import resources

import yaml

from ..core.numbers import decimals_of, round_half_up
from ..core.scheme import Scheme, load_scheme

TIER_POINTS = {"产出": 50, "效益": 30, "满意度": 10}
NUMBERS = ("（一）", "（二）", "（三）", "（四）", "（五）", "（六）")
BASIC = "人员及公用经费"
PROJECT_LINE = "专项预算项目"
MONTH_PROFILE = (4, 6, 8, 8, 8, 9, 8, 8, 9, 9, 10, 13)  # a typical year: slow start, some year-end bump


@cache
def catalogue() -> dict:
    """The illustrative district's departments (``evalkit/demo/catalogue.yaml``)."""
    return yaml.safe_load((resources.files("evalkit.demo") / "catalogue.yaml").read_text(encoding="utf-8"))


@dataclass
class ProjectBudget:
    name: str
    initial: int
    adjusted: int
    executed: int


@dataclass
class Row:
    """One indicator as it will be written to the params file."""

    goal: int
    name: str
    direction: str
    target: Decimal | str
    unit: str | None
    tier: str
    weight: int | None = None
    actual: Decimal | str | None = None
    level: str | None = None
    coefficient: Decimal | None = None  # percent, as printed
    statement: str | None = None
    reported_score: Decimal | None = None
    reported_coefficient: Decimal | None = None  # percent, as printed
    fixed: bool = False  # a plant set the actual: losses leave it alone
    missing: bool = False  # no actual reported


@dataclass
class Design:
    spec: dict
    seed: int
    year: int
    rng: random.Random
    scheme: str = "mof-2020"
    goals: list[dict] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    explicit: bool = True
    weight_changes: dict[str, int] = field(default_factory=dict)
    basic: ProjectBudget | None = None
    projects: list[ProjectBudget] = field(default_factory=list)
    listed: list[ProjectBudget] | None = None  # the project table as written; None: every project
    filed: list[ProjectBudget] | None = None  # project tables filed for projects its budget does not show (a plant)
    side_tables: bool = True
    month_profile: tuple[float, ...] = MONTH_PROFILE
    monthly: list[int] = field(default_factory=list)
    loss_range: tuple[float, float] = (2.0, 9.0)  # points a clean department loses on its indicators
    max_loss_share: float = 0.3  # one indicator loses at most this share of its weight
    target_total: Fraction | None = None  # tune the losses so the computed total (or max) lands here
    all_full: bool = False
    row_reports: bool = False
    report_adjustment: bool = False
    score_places: int = 2
    statements: bool = False
    period: tuple[str, str] = ("", "")
    report_date: str = ""
    reported: dict = field(default_factory=dict)
    region: str = "示例区（示例数据）"  # the county (县区) label, 示例数据 in it
    city: str | None = None  # the city (市) above it, in a province
    plants: list[tuple[str, Callable[[Design], str]]] = field(default_factory=list)
    before_losses: list[Callable[[Design], None]] = field(default_factory=list)  # weights are known
    after: list[Callable[[Design], None]] = field(default_factory=list)  # the report is written
    facts: dict = field(default_factory=dict)  # figures a plant's note quotes

    @property
    def id(self) -> str:
        return self.spec["id"]

    @property
    def name(self) -> str:
        return self.spec["name"]

    def plant(self, finding: str, note: Callable[[Design], str] | str) -> None:
        self.plants.append((finding, note if callable(note) else (lambda _d, text=note: text)))

    def row(self, name: str) -> Row:
        return next(r for r in self.rows if r.name == name)

    # --- budget figures -------------------------------------------------------------------------

    def project_line(self) -> tuple[int, int, int]:
        return (sum(p.initial for p in self.projects), sum(p.adjusted for p in self.projects),
                sum(p.executed for p in self.projects))

    def totals(self) -> tuple[int, int, int]:
        """``(initial, adjusted, executed)`` of the department."""
        pi, pa, pe = self.project_line()
        return self.basic.initial + pi, self.basic.adjusted + pa, self.basic.executed + pe

    def scheme_rules(self) -> Scheme:
        return load_scheme(self.scheme)


def money(cents: int) -> Decimal:
    """Integer hundredths of 万元 → the amount as written (``123456`` → ``1234.56``)."""
    return Decimal(cents).scaleb(-2)


def percent(numerator: int, denominator: int, places: int = 2) -> Decimal:
    """A rate in percent as a report prints it: rounded half up."""
    return round_half_up(Fraction(numerator, denominator) * 100, places)


def split(total: int, weights: list[float]) -> list[int]:
    """``total`` split in proportion to ``weights`` (largest remainder), adding up exactly."""
    exact = [Fraction(total) * Fraction(w) / sum(Fraction(x) for x in weights) for w in weights]
    parts = [int(x) for x in exact]
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


# --- base design ------------------------------------------------------------------------------

def base_design(spec: dict, *, seed: int, year: int) -> Design:
    """A clean department: every figure adds up and every claim is what evalkit will compute."""
    rng = random.Random(f"evalkit-demo:{seed}:{spec['id']}")
    d = Design(spec=spec, seed=seed, year=year, rng=rng)
    d.explicit = rng.random() < 0.7
    d.row_reports = d.explicit and rng.random() < 0.4
    d.report_adjustment = rng.random() < 0.5
    d.score_places = 1 if rng.random() < 0.3 else 2
    d.statements = rng.random() < 0.5
    _budget(d)
    for gi, goal in enumerate(spec["goals"]):
        d.goals.append({"name": goal["name"], "objective": goal["objective"], "number": NUMBERS[gi]})
        for name, direction, target, unit, tier in goal["indicators"]:
            value = target if direction == "qualitative" else Decimal(str(target))
            d.rows.append(Row(gi, name, direction, value, unit, tier))
    start = f"{year + 1}-03-{rng.randint(1, 10):02d}"
    end = f"{year + 1}-04-{rng.randint(10, 28):02d}"
    d.period, d.report_date = (start, end), f"{year + 1}-05-{rng.randint(6, 28):02d}"
    return d


def _budget(d: Design) -> None:
    rng, cat = d.rng, catalogue()
    level = rng.uniform(0.03, 0.10)  # the department's typical mid-year adjustment
    basic_adjusted = rng.randint(80_000, 400_000)
    d.basic = ProjectBudget(BASIC, round(basic_adjusted / (1 + level * rng.uniform(0.3, 1.0))), basic_adjusted,
                      basic_adjusted - round(basic_adjusted * rng.uniform(0.0005, 0.012)))
    names = rng.sample([t + s for t in d.spec["topics"] for s in cat["project_suffixes"]], rng.randint(7, 13))
    amounts = split(rng.randint(150_000, 900_000), [rng.uniform(0.6, 1.4) for _ in names])
    d.projects = [ProjectBudget(name, round(a / (1 + level * rng.uniform(0.4, 1.6))), a,
                                round(a * rng.uniform(0.95, 0.999)))
                  for name, a in zip(names, amounts, strict=True)]


def finish(d: Design) -> None:
    """Weights, actuals and monthly payments, after any plant has reshaped the design."""
    _weights(d)
    for row in d.rows:
        if row.actual is None and not row.missing and not row.fixed:
            _full_actual(row, d.rng)
    if d.statements:
        _add_statement(d)
    for fn in d.before_losses:
        fn(d)
    _losses(d)
    if d.side_tables and d.totals()[2]:
        d.monthly = split(d.totals()[2], [w * d.rng.uniform(0.85, 1.15) for w in d.month_profile])


def _weights(d: Design) -> None:
    if not d.explicit:
        return
    for tier, points in TIER_POINTS.items():
        rows = [r for r in d.rows if r.tier == tier]
        for i, row in enumerate(rows):
            row.weight = points // len(rows) + (1 if i < points % len(rows) else 0)
    for name, change in d.weight_changes.items():
        d.row(name).weight += change


def _places(value: Decimal) -> int:
    return decimals_of(value.normalize())


def _quantize(value: float | Fraction, places: int, rounding: str) -> Decimal:
    if isinstance(value, Fraction):
        number = Decimal(value.numerator) / Decimal(value.denominator)
    else:
        number = Decimal(repr(value))
    return number.quantize(Decimal(1).scaleb(-places), rounding=rounding)


def _full_actual(row: Row, rng: random.Random) -> None:
    """An actual that meets the target, by less than the overshoot ratio (1.3)."""
    if row.direction == "qualitative":
        row.actual, row.level = "全部完成", "达成"
        return
    t = row.target
    places = 1 if row.unit == "%" else _places(t) + (1 if _places(t) else 0)
    if row.direction == "=":
        row.actual = t
    elif row.direction in (">=", ">"):
        room = min(Decimal(100) - t, t * Decimal("0.2")) if row.unit == "%" else t * Decimal("0.2")
        row.actual = max(t, _quantize(float(t) + rng.uniform(0, float(max(room, Decimal(0)))), places, ROUND_DOWN))
    elif t == 0:
        row.actual = Decimal(0)
    else:
        places = max(places, _places(t) + 1)
        value = round_half_up(float(t) * rng.uniform(0.82, 1.0), places)
        row.actual = value if 0 < value <= t and t / value < Decimal("1.25") else t


def _add_statement(d: Design) -> None:
    """A wording that agrees with the direction (the direction checks must stay quiet)."""
    for row in d.rows:
        if row.statement is None and row.unit == "%" and row.direction in (">=", "<="):
            word = "不低于" if row.direction == ">=" else "不高于"
            row.statement = f"{row.name}{word} {row.target:f}%"
            return


def _losses(d: Design) -> None:
    if d.all_full:
        return
    rng = d.rng
    rows = [r for r in d.rows if not r.fixed and not r.missing and r.direction in (">=", ">", "=", "<=", "<")
            and r.target > 0]
    rng.shuffle(rows)
    rows.sort(key=lambda r: r.unit == "%")  # finely graded percentages last: they settle the remainder
    if d.target_total is not None:
        need = expected_score(d)[1] - d.target_total
    else:
        need = Fraction(round_half_up(rng.uniform(*d.loss_range), 2))
    _spend(d, rows, need)
    if d.target_total is None:
        bounds = [Fraction(g.min) for g in d.scheme_rules().grades if g.min > 0]
        for _ in range(10):  # keep clean scores clear of the grade boundaries
            high = expected_score(d)[1]
            if all(abs(high - b) >= Fraction(6, 10) for b in bounds):
                break
            _spend(d, [r for r in rows if _coefficient(d, r) == 1] + rows, Fraction(3, 2))
        else:
            raise RuntimeError(f"{d.id}: could not keep the score clear of the grade boundaries")
    elif abs(expected_score(d)[1] - d.target_total) > Fraction(1, 10):
        raise RuntimeError(f"{d.id}: could not tune the score to {float(d.target_total):.2f}")


def _spend(d: Design, rows: list[Row], need: Fraction) -> None:
    ws = weights(d)  # only actuals change below
    for row in rows:
        if need <= Fraction(1, 100):
            return
        weight = ws[d.rows.index(row)]
        have = _coefficient(d, row)
        loss = min(need, weight * (have - (1 - Fraction(d.max_loss_share))))
        if loss <= 0:
            continue
        _set_coefficient(row, have - loss / weight)
        need -= weight * (have - _coefficient(d, row))


def _set_coefficient(row: Row, c: Fraction) -> None:
    """Set the actual for coefficient ``c`` at the precision the unit is written with, rounding towards
    full score, so the loss never exceeds what was asked for."""
    t = Fraction(row.target)
    if row.unit == "%":
        places = 1
    else:
        places = _places(row.target) + 1 if _places(row.target) else 0
    if row.direction in ("<=", "<"):
        row.actual = _quantize(t / c, max(places, _places(row.target) + 1), ROUND_DOWN)
    else:
        row.actual = _quantize(t * c, places, ROUND_UP)


# --- the expected score (independent of evalkit.core.scoring) --------------------------------------

def weights(d: Design) -> list[Fraction]:
    if d.explicit:
        return [Fraction(r.weight) for r in d.rows]
    counts = {tier: sum(1 for r in d.rows if r.tier == tier) for tier in TIER_POINTS}
    return [Fraction(TIER_POINTS[r.tier], counts[r.tier]) for r in d.rows]


def _coefficient(d: Design, row: Row) -> Fraction | None:
    if row.missing or row.actual is None:
        return None
    if row.direction == "qualitative":
        low, high = {"达成": (Fraction(4, 5), 1), "部分达成": (Fraction(3, 5), Fraction(4, 5)),
                     "未达成": (0, Fraction(3, 5))}[row.level]
        if row.coefficient is None:
            return {"达成": Fraction(1), "部分达成": Fraction(3, 5), "未达成": Fraction(0)}[row.level]
        return min(max(Fraction(row.coefficient) / 100, Fraction(low)), Fraction(high))
    a, t = Fraction(row.actual), Fraction(row.target)
    if row.direction in ("<=", "<"):
        return Fraction(1) if a <= t else (Fraction(0) if t <= 0 else t / a)
    return Fraction(1) if a >= t else (Fraction(0) if a <= 0 else a / t)


def execution_score(d: Design) -> Fraction:
    _, adjusted, executed = d.totals()
    return Fraction(0) if adjusted == 0 else 10 * min(Fraction(executed, adjusted), Fraction(1))


def expected_score(d: Design) -> tuple[Fraction, Fraction]:
    """``(min, max)`` of the total score: equal when every indicator has an actual."""
    low = high = execution_score(d)
    for row, w in zip(d.rows, weights(d), strict=True):
        c = _coefficient(d, row)
        low += 0 if c is None else w * c
        high += w if c is None else w * c
    return low, high


def row_score(d: Design, row: Row, ws: list[Fraction] | None = None) -> tuple[Fraction, Fraction]:
    """``(score, coefficient)`` of a scored row; ``ws``: ``weights(d)`` when the caller has them."""
    c = _coefficient(d, row)
    return (weights(d) if ws is None else ws)[d.rows.index(row)] * c, c


# --- what the department reports --------------------------------------------------------------

def report(d: Design) -> None:
    """Reported figures as a careful department would print them (plants may change them after)."""
    initial, adjusted, executed = d.totals()
    rep: dict = {}
    if adjusted:
        rep["execution_rate"] = percent(executed, adjusted)
        lines = [(BASIC, d.basic.adjusted, d.basic.executed), (PROJECT_LINE, *d.project_line()[1:])]
        rep["line_execution_rates"] = {name: percent(e, a) for name, a, e in lines if a}
    if d.report_adjustment and initial:
        rep["adjustment_rate"] = percent(adjusted - initial, initial)
    low, high = expected_score(d)
    scheme = d.scheme_rules()
    if low == high:
        rep["score"] = round_half_up(low, d.score_places)
        rep["grade"] = scheme.grade_for(low)
    rep["evaluation_period"] = list(d.period)
    rep["report_date"] = d.report_date
    d.reported = rep
    if d.row_reports:
        ws = weights(d)  # only reported figures change below
        for row in d.rows:
            if _coefficient(d, row) is not None and row.coefficient is None:
                score, c = row_score(d, row, ws)
                row.reported_score, row.reported_coefficient = round_half_up(score, 2), round_half_up(c * 100, 2)
