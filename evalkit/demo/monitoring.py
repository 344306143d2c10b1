"""The illustrative district's 1–7月 monitoring (双监控): one ``<id>-<year>.monitoring.yaml`` per
department, designed from its finished year-end ``Design`` so the two agree unless a contradiction is
planted.

A department on schedule spends 62 % of its budget by July (106 % of 序时进度, 绿灯) and reports each
indicator at 95 % of 序时进度 (绿灯), never above its year-end figure. ``MONITORING_PLANTS`` reshapes a
few departments: a red and a yellow spending light, a red and a blue indicator light, a doubtful
possibility left unexplained, and each year-end contradiction. Each records what it plants
(``Design.plant``) so the plan, ``DEMO.md`` and the tests know.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from ..core.monitoring import MONITORING_SCHEMA
from ..core.numbers import decimals_of, round_half_up
from .design import Design, Row, money
from .render import flow, scalar

MONTH = 7
ON_SCHEDULE = Fraction(62, 100)  # of the budget spent by July: 106 % of 序时进度
PROGRESS = Fraction(95, 100)  # of 序时进度 reached by each indicator


@dataclass
class Monitored:
    """One department's 1–7月 monitoring, as it will be written."""

    initial: int
    adjusted: int
    executed: int
    forecast: int
    reason: str | None = None
    rows: list[dict] = field(default_factory=list)
    lights: dict[str, str] = field(default_factory=dict)  # what the plan says is lit where


def _quantity(value: Fraction, like: Decimal) -> Decimal:
    """``value`` written with as many decimals as ``like`` (at least none), rounded down."""
    places = decimals_of(like)
    scaled = value * 10**places
    return Decimal(scaled.numerator // scaled.denominator).scaleb(-places)


def _schedule(row_target: Decimal, share: Fraction) -> Fraction:
    return Fraction(row_target) / 12 * MONTH * share


def design_monitoring(d: Design) -> Monitored:
    """The on-schedule monitoring of a finished department."""
    initial, adjusted, executed = d.totals()
    mid = adjusted * ON_SCHEDULE
    m = Monitored(initial=initial, adjusted=adjusted, executed=mid.numerator // mid.denominator, forecast=executed)
    for row in d.rows:
        goal = d.goals[row.goal]["name"]
        item = {"goal": goal, "name": row.name, "target": row.target, "possibility": "确定能"}
        if row.direction == "qualitative":
            item["progress"] = "达成目标"
        elif not isinstance(row.target, Decimal) or row.target == 0:
            item["progress"] = row.target
        elif row.direction in ("<=", "<"):
            item["progress"] = _quantity(Fraction(row.target) / 2, row.target)
        else:
            item["progress"] = _green_progress(row)
        m.rows.append(item)
    if not adjusted:
        m.lights["支出进度"] = "红灯"
        d.plant("monitoring.red_light", "全年预算数为0，1–7月支出进度按0计，亮红灯")
    return m


def _green_progress(row) -> Decimal:
    """95 % of 序时进度, written with the target's decimals or, where that leaves 绿灯, one or two
    more; a count (not a percentage) never above its year-end figure."""
    places = decimals_of(row.target)
    for extra in (0, 1, 2):
        progress = round_half_up(_schedule(row.target, PROGRESS), places + extra)
        if row.unit != "%" and isinstance(row.actual, Decimal) and progress > row.actual:
            progress = row.actual
        if Fraction(80, 100) <= Fraction(progress) / _schedule(row.target, Fraction(1)) < Fraction(120, 100):
            return progress
    return progress


def _numeric(m: Monitored, d: Design, *, cumulative: bool = False, full: bool = True) -> tuple[dict, Row]:
    """The first monitored indicator with a positive numeric target met in full at year end (a count,
    when ``cumulative``), and its year-end row."""
    for item, row in zip(m.rows, d.rows, strict=True):
        if row.direction in (">=", ">") and isinstance(row.target, Decimal) and row.target > 0 \
                and isinstance(row.actual, Decimal) and (row.actual >= row.target or not full) and (not cumulative or row.unit != "%"):
            return item, d.row(item["name"])
    raise ValueError(f"{d.id}: no numeric indicator to plant on")


def _light(share: Fraction) -> str:
    v = share * 100
    return "红灯" if v < 60 else "黄灯" if v < 80 else "蓝灯" if v >= 120 else "绿灯"


# --- the plants ----------------------------------------------------------------------------------

def behind_schedule(d: Design, m: Monitored) -> None:
    """Spending far behind 序时进度 (红灯) in a department that also ends the year under-spent; its
    indicator scores then claim more than its money did."""
    m.executed = m.adjusted * 30 // 100
    v = Fraction(m.executed, m.adjusted) / Fraction(MONTH, 12)
    m.lights["支出进度"] = _light(v)
    d.plant("monitoring.red_light", f"1–7月支出{money(m.executed)}万元，为序时进度的{float(v) * 100:.2f}%，亮红灯")
    d.plant("monitoring.score_above_spending", "年终预算执行率偏低，绩效指标得分率却明显高于资金执行得分率")


def slightly_behind(d: Design, m: Monitored) -> None:
    """Spending and one indicator a little behind (黄灯): no finding, lights the overview shows."""
    m.executed = m.adjusted * 40 // 100
    m.lights["支出进度"] = _light(Fraction(m.executed, m.adjusted) / Fraction(MONTH, 12))
    item, row = _numeric(m, d)
    item["progress"] = round_half_up(_schedule(row.target, Fraction(70, 100)), 1)
    m.lights[item["name"]] = _light(Fraction(item["progress"]) / _schedule(row.target, Fraction(1)))


def red_then_full(d: Design, m: Monitored) -> None:
    """An indicator far behind at mid-year (红灯, 不可能) with no 纠偏措施, scored in full at year end."""
    item, row = _numeric(m, d)
    item["progress"] = _quantity(_schedule(row.target, Fraction(30, 100)), row.target)
    item["possibility"] = "不可能"
    item["deviation"] = {"category": "人员保障", "reason": "上半年业务骨干抽调参加专项工作"}
    m.lights[item["name"]] = "红灯"
    d.plant("monitoring.red_light", f"“{item['name']}”1–7月仅完成{item['progress']}，亮红灯")
    d.plant("monitoring.deviation_missing", f"“{item['name']}”填报不可能完成目标，只写了偏差原因，没有纠偏措施")
    d.plant("monitoring.full_marks_after_red", f"“{item['name']}”年中亮红灯、无纠偏措施，年终仍得满分")


def over_ahead(d: Design, m: Monitored) -> None:
    """An indicator already far past 序时进度 (蓝灯) whose target is neither raised nor questioned
    and which is scored in full at year end."""
    item, row = _numeric(m, d)
    progress = _quantity(_schedule(row.target, Fraction(130, 100)), row.target)
    item["progress"] = min(progress, row.actual) if isinstance(row.actual, Decimal) else progress
    m.lights[item["name"]] = _light(Fraction(item["progress"]) / _schedule(row.target, Fraction(1)))
    d.plant("monitoring.blue_light", f"“{item['name']}”1–7月已完成{item['progress']}，超过序时进度120%，亮蓝灯")
    d.plant("monitoring.blue_scored_in_full", f"“{item['name']}”年中亮蓝灯，年终未调高指标值也未说明，仍得满分")


def unexplained_doubt(d: Design, m: Monitored) -> None:
    """A doubtful possibility (有可能) with neither reason nor measure."""
    item = m.rows[-1]
    item["possibility"] = "有可能"
    d.plant("monitoring.deviation_missing", f"“{item['name']}”填报有可能完成目标，未写偏差原因和纠偏措施")


def forecast_off(d: Design, m: Monitored) -> None:
    """A 全年预计执行数 a fifth below what was spent, with no reason given."""
    m.forecast = m.forecast * 80 // 100
    d.plant("monitoring.forecast_far", f"1–7月预计全年执行{money(m.forecast)}万元，年终实际执行比预计高出约25%，未说明原因")


def count_shrinks(d: Design, m: Monitored) -> None:
    """A count that is higher at mid-year than at year end."""
    item, row = _numeric(m, d, cumulative=True)
    item["progress"] = row.actual + 1
    m.lights[item["name"]] = _light(Fraction(item["progress"]) / _schedule(row.target, Fraction(1)))
    d.plant("monitoring.cumulative_decreased", f"“{item['name']}”1–7月已完成{item['progress']}{row.unit}，"
                                               f"年终全年完成值只有{row.actual}{row.unit}")
    if m.lights[item["name"]] == "蓝灯":
        d.plant("monitoring.blue_light", f"“{item['name']}”1–7月完成数超过序时进度120%，亮蓝灯")
        if row.actual >= row.target:
            d.plant("monitoring.blue_scored_in_full", f"“{item['name']}”年中亮蓝灯，年终未调高指标值，仍得满分")


def target_moved(d: Design, m: Monitored) -> None:
    """A year-end target other than the one monitored, with no adjustment on record."""
    item, row = _numeric(m, d, full=False)
    item["target"] = row.target + 1 if row.target >= 1 else row.target * 2
    d.plant("monitoring.target_changed", f"“{item['name']}”年中监控指标值{item['target']}，年终自评写{row.target}，"
                                         "未见目标调整记录")


#: Department id → the monitoring problems planted on it, in order.
MONITORING_PLANTS: dict[str, tuple[Callable[[Design, Monitored], None], ...]] = {
    "demo-civil-affairs-bureau": (behind_schedule,),
    "demo-justice-bureau": (unexplained_doubt,),
    "demo-housing-bureau": (forecast_off,),
    "demo-transport-bureau": (count_shrinks,),
    "demo-culture-tourism-bureau": (red_then_full,),
    "demo-statistics-bureau": (over_ahead,),
    "demo-market-regulation-bureau": (target_moved,),
}
#: Clean departments whose monitoring shows a yellow spending light (no finding: a light to see).
YELLOW = ("demo-agriculture-bureau",)


def plant_monitoring(designs: list[Design]) -> dict[str, Monitored]:
    """The monitoring of every department, with the planted problems; records each plant on its design."""
    out = {}
    for d in designs:
        m = design_monitoring(d)
        for fn in MONITORING_PLANTS.get(d.id, ()):
            fn(d, m)
        if d.id in YELLOW:
            slightly_behind(d, m)
        out[d.id] = m
    return out


def monitoring_yaml(d: Design, m: Monitored, stem: str) -> str:
    """The ``<stem>.monitoring.yaml`` text."""
    budget = [("initial", money(m.initial)), ("added", money(max(m.adjusted - m.initial, 0))),
              ("cut", money(max(m.initial - m.adjusted, 0))), ("adjusted", money(m.adjusted)),
              ("executed", money(m.executed)), ("forecast", money(m.forecast)), ("reason", m.reason)]
    lines = [f"# {d.name} {d.year}年1–{MONTH}月绩效运行监控 —— 示例数据，由 `evalkit demo-data --seed {d.seed}` 生成。",
             f"schema: {MONITORING_SCHEMA}", f"of: {scalar(stem)}", f"month: {MONTH}", "budget: " + flow(budget),
             "indicators:"]
    for item in m.rows:
        deviation = item.get("deviation")
        pairs = [(k, item.get(k)) for k in ("goal", "name", "target", "progress", "possibility")]
        lines.append("  - " + flow(pairs)[:-1] + (", deviation: " + flow(list(deviation.items())) if deviation else "")
                     + "}")
    return "\n".join(lines) + "\n"


def monitoring_notes(designs: list[Design], monitored: dict[str, Monitored]) -> dict:
    """The plan's ``monitoring`` block: per department, the file and the planted lights."""
    return {d.id: {"month": MONTH, "lights": dict(sorted(monitored[d.id].lights.items()))}
            for d in designs if d.id in monitored}


def monitoring_md(plan: dict, designs: list[Design]) -> str:
    """The ``DEMO.md`` section on the monitoring files."""
    names = {d.id: d.name for d in designs}
    lines = ["", "## Mid-year monitoring (双监控)", "",
             (f"Every department has a 1–{MONTH}月 monitoring file `<id>-<year>.monitoring.yaml` "
              "(`evalkit/demo/monitoring.py`). On schedule, a department has spent 62% of its budget by July "
              "(绿灯) and each indicator stands at 95% of 序时进度 (绿灯), never above its year-end figure. "
              "The lights planted elsewhere:"), "",
             "| 部门 | id | planted lights |", "|---|---|---|"]
    for dept, block in plan["monitoring"].items():
        if block["lights"]:
            lit = "<br>".join(f"{what}：{light}" for what, light in block["lights"].items())
            lines.append(f"| {names[dept]} | `{dept}` | {lit} |")
    lines += ["", "The monitoring findings and year-end contradictions are listed with each department above "
              "(ids `monitoring.*`)."]
    return "\n".join(lines) + "\n"
