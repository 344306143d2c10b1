"""Monitoring lights (红灯 / 黄灯 / 绿灯 / 蓝灯), computed exactly, each with its trail.

Spending: v = 1–N月执行数 ÷ 调整后预算数 ÷ (N ÷ 12) × 100; an indicator: v = 1–N月完成值 ÷
(年度指标值 ÷ 12 × N) × 100. Where the lights change is data (a scheme's ``monitoring:`` block).

>>> from .scheme import DEFAULT_MONITORING as T
>>> spending_light(Decimal(350), Decimal(1000), 7, T).trail
'350 ÷ 1000 ÷ (7 ÷ 12) × 100 = 60.00，黄灯'
>>> indicator_light(">=", Decimal(100), Decimal(60), 6, T).word
'蓝灯'
>>> from .monitoring import parse_monitoring
>>> from .scheme import load_scheme
>>> m = parse_monitoring({"schema": "evalkit-monitoring/v1", "of": "x", "month": 7,
...                       "budget": {"adjusted": 1000, "executed": 467}, "indicators": []})
>>> assess_monitoring(m, load_scheme("mof-2020")).spending.trail
'467 ÷ 1000 ÷ (7 ÷ 12) × 100 = 80.06，绿灯'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from decimal import Decimal
from fractions import Fraction

from .monitoring import MonitoredIndicator, Monitoring
from .numbers import exact, fmt, fmt_plain, jsonable, to_float
from .scheme import Scheme

LIGHT_WORDS = {"red": "红灯", "yellow": "黄灯", "green": "绿灯", "blue": "蓝灯"}
#: Worst first: a goal's light is its worst indicator's.
WORST_FIRST = ("red", "yellow", "green", "blue")
QUALITATIVE_LIGHTS = {"达成目标": "green", "部分达成": "yellow", "未达成": "red"}


@dataclass(frozen=True)
class Light:
    """One light: its colour (None when it cannot be lit), the exact value behind it and the trail."""

    light: str | None
    value: Fraction | None
    trail: str

    @property
    def word(self) -> str:
        """``黄灯``, or ``未亮灯`` when nothing could be computed."""
        return LIGHT_WORDS.get(self.light, "未亮灯")

    @property
    def display(self) -> str:
        """The value as shown beside the light (two decimals, half up), or ``—``."""
        return fmt(self.value)


def _band(value: Fraction, thresholds: Mapping[str, Decimal], prefix: str, *, blue: bool) -> str:
    v = value / 100
    if v < exact(thresholds[f"{prefix}_yellow"]):
        return "red"
    if v < exact(thresholds[f"{prefix}_green"]):
        return "yellow"
    if blue and v >= exact(thresholds[f"{prefix}_blue"]):
        return "blue"
    return "green"


def spending_light(executed: Decimal | None, adjusted: Decimal | None, month: int,
                   thresholds: Mapping[str, Decimal]) -> Light:
    """The spending light: 1–N月执行数 against 调整后预算数 at 序时进度 N ÷ 12; a zero or missing
    budget gives v = 0 (red)."""
    if not adjusted or executed is None:
        why = "调整后预算数为0或未填报" if executed is not None else "未填报1–N月执行数"
        return Light("red", Fraction(0), f"{why}，支出进度按0计，红灯")
    value = exact(executed) / exact(adjusted) / Fraction(month, 12) * 100
    light = _band(value, thresholds, "spending", blue=False)
    trail = f"{fmt_plain(executed)} ÷ {fmt_plain(adjusted)} ÷ ({month} ÷ 12) × 100 = {fmt(value)}，{LIGHT_WORDS[light]}"
    return Light(light, value, trail)


def indicator_light(direction: str, target: Decimal | str | None, progress: Decimal | str | None, month: int,
                    thresholds: Mapping[str, Decimal]) -> Light:
    """An indicator's light by its direction: positive (≥ > =) against 序时进度, reverse (≤ <) green
    iff within the target, a target of 0 green iff equal, qualitative by level."""
    if progress is None:
        return Light(None, None, f"未填报1–{month}月完成值，无法亮灯")
    if direction == "qualitative":
        light = QUALITATIVE_LIGHTS.get(progress)
        return Light(light, None, f"定性指标1–{month}月完成情况为“{progress}”，{LIGHT_WORDS.get(light, '未亮灯')}")
    if not isinstance(target, Decimal):
        return Light(None, None, "年度指标值不是数值，无法亮灯")
    if direction in ("<=", "<"):
        within = progress <= target if direction == "<=" else progress < target
        light = "green" if within else "red"
        sign = ("≤" if direction == "<=" else "<") if within else (">" if direction == "<=" else "≥")
        return Light(light, None, f"反向指标：1–{month}月完成值 {fmt_plain(progress)} {sign} 年度指标值 "
                                  f"{fmt_plain(target)}，{LIGHT_WORDS[light]}")
    if target == 0:
        light = "green" if progress == 0 else "red"
        sign = "=" if progress == 0 else "≠"
        return Light(light, None, f"年度指标值为0：1–{month}月完成值 {fmt_plain(progress)} {sign} 0，{LIGHT_WORDS[light]}")
    value = exact(progress) / (exact(target) / 12 * month) * 100
    light = _band(value, thresholds, "progress", blue=True)
    trail = f"{fmt_plain(progress)} ÷ ({fmt_plain(target)} ÷ 12 × {month}) × 100 = {fmt(value)}，{LIGHT_WORDS[light]}"
    return Light(light, value, trail)


def worst_light(lights: Iterable[Light], *, what: str = "目标") -> Light:
    """A goal's light: the worst of its indicators' (red before yellow before green before blue)."""
    lit = [x for x in lights if x.light is not None]
    if not lit:
        return Light(None, None, f"{what}下无可亮灯的指标")
    worst = min(lit, key=lambda x: WORST_FIRST.index(x.light))
    counts = "、".join(f"{LIGHT_WORDS[c]}{n}个" for c in WORST_FIRST if (n := sum(x.light == c for x in lit)))
    return Light(worst.light, None, f"{what}下指标{counts}，取最差者：{worst.word}")


def department_light(spending: Light, goals: Iterable[Light], thresholds: Mapping[str, Decimal]) -> Light:
    """The combined light: spending behind 序时进度 → red; on schedule but a goal behind → yellow;
    on schedule and every goal met → green. "On schedule" is the spending light not red."""
    behind = spending.light == "red"
    lit = [g for g in goals if g.light is not None]
    unmet = [g for g in lit if g.light in ("red", "yellow")]
    if behind:
        return Light("red", None, f"支出进度为序时进度的{spending.display}%，低于"
                                  f"{fmt(exact(thresholds['spending_yellow']) * 100, 0)}%，红灯")
    if unmet:
        return Light("yellow", None, f"支出进度为序时进度的{spending.display}%，未落后；{len(unmet)}个目标未达进度，黄灯")
    return Light("green", None, f"支出进度为序时进度的{spending.display}%，未落后；各目标均达进度，绿灯")


# --- one monitoring file lit ---------------------------------------------------------------------

@dataclass(frozen=True)
class IndicatorLight:
    monitored: MonitoredIndicator
    light: Light


@dataclass(frozen=True)
class GoalLight:
    goal: str
    light: Light


@dataclass(frozen=True)
class MonitoringResult:
    """The lights of one monitoring file: spending, each indicator, each goal, the department."""

    monitoring: Monitoring
    spending: Light
    indicators: tuple[IndicatorLight, ...]
    goals: tuple[GoalLight, ...]
    department: Light

    def to_dict(self) -> dict:
        """The ``monitoring`` block of ``evalkit-result/v1`` (values unrounded, display beside)."""
        m, b = self.monitoring, self.monitoring.budget
        return {
            "of": m.of, "month": m.month, "file": m.source.replace("\\", "/").rsplit("/", 1)[-1],
            "budget": {k: to_float(getattr(b, k)) for k in ("initial", "added", "cut", "adjusted", "executed",
                                                              "forecast")},
            "spending": _light_dict(self.spending),
            "department": _light_dict(self.department),
            "goals": [{"goal": g.goal, **_light_dict(g.light)} for g in self.goals],
            "indicators": [{
                "goal": x.monitored.goal, "name": x.monitored.name, "key": x.monitored.params_key,
                "target": jsonable(x.monitored.target), "progress": jsonable(x.monitored.progress),
                "forecast": jsonable(x.monitored.forecast), "possibility": x.monitored.possibility,
                "deviation": asdict(x.monitored.deviation),
                **_light_dict(x.light),
            } for x in self.indicators],
        }


def _light_dict(light: Light) -> dict:
    return {"light": light.light, "word": light.word, "value": to_float(light.value),
            "display": light.display if light.value is not None else None, "trail": light.trail}


def assess_monitoring(monitoring: Monitoring, scheme: Scheme) -> MonitoringResult:
    """Light the spending, every indicator, every goal (its worst indicator) and the department."""
    t, n = scheme.monitoring, monitoring.month
    spending = spending_light(monitoring.budget.executed, monitoring.budget.adjusted, n, t)
    lit = tuple(IndicatorLight(x, indicator_light(x.direction, x.target, x.progress, n, t))
                for x in monitoring.indicators)
    names = list(dict.fromkeys(x.goal for x in monitoring.indicators))
    goals = tuple(GoalLight(g, worst_light((x.light for x in lit if x.monitored.goal == g), what=f"“{g}”"))
                  for g in names)
    return MonitoringResult(monitoring, spending, lit, goals, department_light(spending, (g.light for g in goals), t))
