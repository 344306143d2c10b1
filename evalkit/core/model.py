"""The validated, immutable model of one department-year (schema ``evalkit/v1``).

Numbers are ``Decimal`` exactly as written; rates and coefficients written in percent in the
params file are stored here as fractions (``99.71`` → ``Decimal('0.9971')``) except the
``reported`` block, which keeps the printed values so they can be compared at their precision.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from .frozen import quick_init

DIRECTIONS = (">=", ">", "<=", "<", "=", "qualitative")
#: How a report writes each direction (指标性质): ≥ > ≤ < = 定性.
DIRECTION_LABELS = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "=": "=", "qualitative": "定性"}
TIERS = ("产出", "效益", "满意度", "成本")
LEVELS = ("达成", "部分达成", "未达成")
LINE_KINDS = ("basic", "project", "other")
#: What a params file describes: a department as a whole (部门整体) or one project (项目支出).
KINDS = ("department", "project")
#: The funding rows of a 项目支出绩效自评表 (财预〔2020〕10号 and the Sichuan-style variant).
FUND_SOURCES = ("当年财政拨款", "上年结转资金", "其他资金", "财政专户管理资金", "单位资金", "财政资金")


@quick_init
@dataclass(frozen=True)
class Department:
    id: str
    name: str | None  # None only in a partial model (``Params.unknown``)
    year: int | None
    region: str | None = None  # the lowest level: a district or county (县区)
    city: str | None = None  # the level above (市), when a portfolio spans several


@quick_init
@dataclass(frozen=True)
class BudgetLine:
    name: str
    kind: str
    adjusted: Decimal
    executed: Decimal
    initial: Decimal | None = None
    count: int | None = None


@dataclass(frozen=True)
class Project:
    name: str
    adjusted: Decimal
    executed: Decimal
    initial: Decimal | None = None
    line: int | None = None  # row in the side table, for evidence


@dataclass(frozen=True)
class FundSource:
    """One 其中 row under a project's 年度资金总额: 当年财政拨款, 上年结转资金…"""

    name: str
    adjusted: Decimal
    executed: Decimal
    initial: Decimal | None = None


@dataclass(frozen=True)
class ProjectInfo:
    """The header of a 项目支出绩效自评表 (``kind: project``)."""

    name: str
    department: str  # the 主管部门's department id: the project rolls up into that department
    code: str | None = None
    implementer: str | None = None  # 实施单位
    manager: str | None = None  # 项目负责人


@dataclass(frozen=True)
class MonthlyPayment:
    month: int
    executed: Decimal


@quick_init
@dataclass(frozen=True)
class Budget:
    initial: Decimal | None  # None only in a partial model (``Params.unknown``)
    adjusted: Decimal | None
    executed: Decimal | None
    lines: tuple[BudgetLine, ...] = ()
    projects: tuple[Project, ...] | None = None
    monthly: tuple[MonthlyPayment, ...] | None = None
    sources: tuple[FundSource, ...] = ()  # a project's 其中 rows (当年财政拨款, 上年结转资金…)
    deviation: str | None = None  # why execution fell short (执行率低于90%的原因), a project table's row


@dataclass(frozen=True)
class Band:
    """One band of a ``steps`` rule: ``min`` ≤ value (or value ≤ ``max``) gives ``coefficient``."""

    coefficient: Decimal
    min: Decimal | None = None
    max: Decimal | None = None


@dataclass(frozen=True)
class Rule:
    """A local scoring rule overriding the direction's default."""

    type: str  # steps | deduct
    bands: tuple[Band, ...] = ()
    threshold: Decimal | None = None
    per: Decimal = Decimal(1)
    points: Decimal = Decimal(0)
    side: str = "above"  # deduct when actual is above (or below) the threshold


@dataclass(frozen=True)
class ReportedRow:
    score: Decimal | None = None
    coefficient: Decimal | None = None  # fraction


@quick_init
@dataclass(frozen=True)
class Indicator:
    name: str
    direction: str
    target: Decimal | str | None
    unit: str | None = None
    actual: Decimal | str | None = None
    tier: str | None = None
    weight: Decimal | None = None
    level: str | None = None
    coefficient: Decimal | None = None  # fraction
    rule: Rule | None = None
    statement: str | None = None  # the indicator as worded in the report
    deviation: str | None = None  # 偏差原因分析
    level2: str | None = None  # 二级指标 (数量指标, 社会效益指标…)
    basis: str | None = None  # where the actual value comes from (问卷调查…), a project table's note
    reported: ReportedRow = field(default_factory=ReportedRow)
    key: str = ""  # key path in the params file, e.g. goals[2].indicators[1]


@quick_init
@dataclass(frozen=True)
class Goal:
    name: str
    indicators: tuple[Indicator, ...]
    objective: str | None = None
    number: str | None = None  # section number as printed, e.g. （十）
    outcome: str | None = None  # 实际完成情况 beside the objective (预期目标)


@quick_init
@dataclass(frozen=True)
class Reported:
    """What the department's report claims, as printed (percent, not fractions)."""

    execution_rate: Decimal | None = None
    line_execution_rates: tuple[tuple[str, Decimal], ...] = ()
    adjustment_rate: Decimal | None = None
    score: Decimal | None = None
    grade: str | None = None
    evaluation_period: tuple[date, date] | None = None
    report_date: date | None = None


@dataclass(frozen=True)
class TeamMember:
    role: str
    name: str | None = None
    title: str | None = None


@quick_init
@dataclass(frozen=True)
class Narrative:
    summary: str | None = None
    duties: tuple[str, ...] = ()
    organisation: tuple[str, ...] = ()
    method: tuple[str, ...] = ()
    achievements: tuple[str, ...] = ()
    conclusion: str | None = None
    problems: tuple[str, ...] = ()
    measures: tuple[str, ...] = ()
    team: tuple[TeamMember, ...] = ()


@quick_init
@dataclass(frozen=True)
class Params:
    """One department-year, validated. A params file gives every required value; a partial model (the
    audit's, made from what a report states) may leave some unknown: ``None``, with the reason in
    ``unknown`` (key path → why), and the checks that need them are skipped."""

    department: Department
    scheme: str
    unit: str
    budget: Budget
    goals: tuple[Goal, ...]
    reported: Reported = field(default_factory=Reported)
    narrative: Narrative = field(default_factory=Narrative)
    source: str = "<memory>"
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)
    inputs: dict[str, str] = field(default_factory=dict, compare=False)  # path → sha256
    unknown: dict[str, str] = field(default_factory=dict, compare=False)  # key path → why it is unknown
    kind: str = "department"  # department | project
    project: ProjectInfo | None = None  # the project's header when kind is project

    @property
    def indicators(self) -> tuple[Indicator, ...]:
        return tuple(ind for goal in self.goals for ind in goal.indicators)

    def unknown_why(self, key: str) -> str | None:
        """Why ``key`` (or a parent of it) is unknown; ``None`` when it is known."""
        if not self.unknown:  # a whole params file: nothing is unknown
            return None
        return next((self.unknown[k] for k in key_and_parents(key) if k in self.unknown), None)

    def line(self, key: str) -> int | None:
        """Line of ``key`` (else of its closest parent) in the params file, if it came from one."""
        if not self.lines:  # params given as a mapping: no lines to find
            return None
        return next((self.lines[k] for k in key_and_parents(key) if k in self.lines), None)


def key_and_parents(key: str):
    """``goals[0].indicators[1].name``, then ``goals[0].indicators[1]``, ``goals[0].indicators``,
    ``goals[0]``, ``goals``: where to look for the line of a key path.

    >>> list(key_and_parents("goals[0].name"))
    ['goals[0].name', 'goals[0]', 'goals']
    """
    while key:
        yield key
        cut = max(key.rfind("."), key.rfind("["))
        key = key[:cut] if cut > 0 else ""
