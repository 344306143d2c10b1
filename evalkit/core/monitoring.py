"""Mid-year monitoring (绩效运行监控, "双监控") of one department-year: the 1–N月 figures a department
reports in the summer, read from ``<params-stem>.monitoring.yaml`` beside its params file::

    schema: evalkit-monitoring/v1
    of: dangzheng-office-2023        # the params file's stem
    month: 7                         # 1–7月
    budget: {initial: 1000, added: 50, cut: 0, adjusted: 1050, executed: 600, forecast: 1040}
    indicators:
      - goal: 综合事务管理工作
        name: 文件办理数量
        target: 100                  # 年度指标值 as monitored
        progress: 55                 # 1–7月完成值 (qualitative: 达成目标 | 部分达成 | 未达成)
        forecast: 100                # 全年预计完成情况
        possibility: 有可能          # 完成目标可能性: 确定能 | 有可能 | 不可能
        deviation: {category: 人员保障, reason: …, measure: …}   # required unless 确定能

The file may only sit beside its params file: a link that leads out of the folder is refused.
Errors name the file, the key path and the line, as a params file's do.

>>> m = parse_monitoring({"schema": MONITORING_SCHEMA, "of": "x", "month": 7,
...                       "budget": {"adjusted": 1000, "executed": 350}, "indicators": []})
>>> m.month, m.budget.executed
(7, Decimal('350'))
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ..exceptions import ParamsError, Problem
from ..paths import inside
from .model import Params
from .numbers import NumberFormatError, parse_number
from .params import _decimalise
from .source import Located, read_utf8
from .validation import Validator, read_document

MONITORING_SCHEMA = "evalkit-monitoring/v1"
MONITORING_SUFFIX = ".monitoring.yaml"
POSSIBILITIES = ("确定能", "有可能", "不可能")
CATEGORIES = ("经费保障", "制度保障", "人员保障", "硬件条件保障", "其他")
#: 1–N月完成值 of a qualitative indicator, and the words a params file uses for the same levels.
PROGRESS_LEVELS = ("达成目标", "部分达成", "未达成")
_LEVEL_ALIASES = {"达成": "达成目标"}
TOP_KEYS = ("schema", "of", "month", "budget", "indicators")
BUDGET_KEYS = ("initial", "added", "cut", "adjusted", "executed", "forecast", "reason")
INDICATOR_KEYS = ("goal", "name", "target", "progress", "forecast", "possibility", "deviation")


@dataclass(frozen=True)
class Deviation:
    """偏差原因 (by category) and 纠偏措施 of one indicator."""

    category: str | None = None
    reason: str | None = None
    measure: str | None = None


@dataclass(frozen=True)
class MonitoredBudget:
    """年初预算数, 追加, 追减, 调整后预算数, 1–N月执行数 and 全年预计执行数 (``reason``: why the
    forecast may differ, optional)."""

    initial: Decimal | None = None
    added: Decimal | None = None
    cut: Decimal | None = None
    adjusted: Decimal | None = None
    executed: Decimal | None = None
    forecast: Decimal | None = None
    reason: str | None = None


@dataclass(frozen=True)
class MonitoredIndicator:
    """One indicator as monitored: 年度指标值, 1–N月完成值, 全年预计完成情况, 完成目标可能性, 偏差."""

    goal: str
    name: str
    target: Decimal | str | None
    progress: Decimal | str | None
    forecast: Decimal | str | None = None
    possibility: str | None = None
    deviation: Deviation = field(default_factory=Deviation)
    key: str = ""  # key path in the monitoring file: indicators[3]
    params_key: str = ""  # the same indicator in the params file: goals[0].indicators[1]
    direction: str = ">="  # from the params file

    @property
    def explained(self) -> bool:
        """Whether a reason and a measure are both recorded."""
        return bool(self.deviation.reason and self.deviation.measure)


@dataclass(frozen=True)
class Monitoring:
    """The 1–N月 monitoring of one params file."""

    of: str
    month: int
    budget: MonitoredBudget
    indicators: tuple[MonitoredIndicator, ...]
    source: str = "<memory>"
    sha256: str = ""
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)


def monitoring_path(params_path: str | Path) -> Path:
    """Where the monitoring of a params file lives: ``x.yaml`` → ``x.monitoring.yaml`` beside it."""
    path = Path(params_path)
    return path.with_name(path.stem + MONITORING_SUFFIX)


def load_monitoring(path: str | Path, params: Params | None = None) -> Monitoring:
    """Read and validate a monitoring file (against ``params``, when given: its stem, goals and
    indicators). Raises ``ParamsError`` listing every problem (file, key path, line, expectation)."""
    path = Path(path)
    shown = str(path)
    try:
        inside(path.parent, path.name)
    except ValueError as exc:
        raise ParamsError([Problem(shown, "", None, f"cannot read the monitoring file: {exc}; keep "
                                                    "it as a plain file beside the params file")]) from None
    raw, text = read_utf8(path, shown)
    c, data = read_document(text, shown)
    return _build(c, data, params, sha256=hashlib.sha256(raw).hexdigest())


def parse_monitoring(data: dict, params: Params | None = None, *, path: str = "<memory>") -> Monitoring:
    """Validate monitoring given as a Python mapping (as YAML would load it)."""
    return _build(Validator(Located(path, _decimalise(data))), _decimalise(data), params, sha256="")


def _build(c: Validator, data, params: Params | None, *, sha256: str) -> Monitoring:
    top = c.top(data, MONITORING_SCHEMA, allowed=TOP_KEYS, required=("schema", "of", "month", "budget"))
    of = c.text("of", top.get("of"), what="the stem of the params file it monitors")
    if of is not None and params is not None and params.source != "<memory>" and of != Path(params.source).stem:
        c.fail("of", f"expected '{Path(params.source).stem}' (the params file beside it), got {of!r}")
    month = c.integer("month", top.get("month"), minimum=1, maximum=12)
    budget = _budget(c, top.get("budget"))
    indicators = _indicators(c, top.get("indicators"), params)
    if c.problems:
        raise ParamsError(c.problems, source=c.doc.path)
    return Monitoring(of=of, month=month, budget=budget, indicators=indicators, source=c.doc.path,
                      sha256=sha256, lines=dict(c.doc.lines))


def _money(c: Validator, key: str, value) -> Decimal | None:
    return c.number(key, value, minimum=0, optional=True, what="an amount", allow_percent=False)


def _budget(c: Validator, value) -> MonitoredBudget:
    b = c.mapping("budget", value, allowed=BUDGET_KEYS, required=("executed",)) or {}
    amounts = {k: _money(c, f"budget.{k}", b.get(k)) for k in BUDGET_KEYS if k != "reason"}
    initial, added, cut, adjusted = (amounts[k] for k in ("initial", "added", "cut", "adjusted"))
    if None not in (initial, adjusted) and (added is not None or cut is not None):
        expected = initial + (added or 0) - (cut or 0)
        if expected != adjusted:
            c.fail("budget.adjusted", f"expected 年初预算数 + 追加 − 追减 = {expected:f}, got {adjusted:f}")
    return MonitoredBudget(**amounts, reason=c.text("budget.reason", b.get("reason"), optional=True, long=True))


def _indicators(c: Validator, value, params: Params | None) -> tuple[MonitoredIndicator, ...]:
    known = {(g.name, ind.name): ind for g in params.goals for ind in g.indicators} if params else {}
    out, seen = [], {}
    for i, item in enumerate(c.items("indicators", value, optional=True)):
        k = f"indicators[{i}]"
        d = c.mapping(k, item, allowed=INDICATOR_KEYS, required=("goal", "name", "target", "progress"))
        if d is None:
            continue
        goal, name = c.text(f"{k}.goal", d.get("goal")), c.text(f"{k}.name", d.get("name"))
        if goal is None or name is None:
            continue
        ind = known.get((goal, name))
        if params is not None and ind is None:
            names = [f"{g} / {n}" for g, n in known]
            close = difflib.get_close_matches(f"{goal} / {name}", names, n=1)
            hint = f"did you mean '{close[0]}'?" if close else "expected a goal and indicator of the params file"
            c.fail(f"{k}.name", f"no indicator {name!r} under goal {goal!r} in the params file; {hint}")
            continue
        if (goal, name) in seen:
            c.fail(f"{k}.name", f"this indicator is already monitored at {seen[(goal, name)]}; list it once")
            continue
        seen[(goal, name)] = k
        direction = ind.direction if ind is not None else ">="
        qualitative = direction == "qualitative"
        possibility = c.text(f"{k}.possibility", d.get("possibility"), optional=True, choices=POSSIBILITIES)
        deviation = _deviation(c, f"{k}.deviation", d.get("deviation"))
        out.append(MonitoredIndicator(
            goal=goal, name=name, key=k, params_key=ind.key if ind is not None else "", direction=direction,
            target=_value(c, f"{k}.target", d.get("target"), text=qualitative),
            progress=_progress(c, f"{k}.progress", d.get("progress"), qualitative=qualitative),
            forecast=_forecast(c, f"{k}.forecast", d.get("forecast")),
            possibility=possibility, deviation=deviation))
    return tuple(out)


def _value(c: Validator, key: str, value, *, text: bool) -> Decimal | str | None:
    if text:
        return f"{value:f}" if isinstance(value, Decimal) else c.text(key, value, long=True)
    return c.number(key, value, what="a number (年度指标值)")


def _progress(c: Validator, key: str, value, *, qualitative: bool) -> Decimal | str | None:
    if qualitative:
        level = c.text(key, value, optional=True, what=f"one of {', '.join(PROGRESS_LEVELS)}")
        level = _LEVEL_ALIASES.get(level, level)
        if level is not None and level not in PROGRESS_LEVELS:
            c.fail(key, f"expected one of {', '.join(PROGRESS_LEVELS)} for a qualitative indicator; got {level!r}")
            return None
        return level
    return c.number(key, value, optional=True, what="a number (1–N月完成值)")


def _forecast(c: Validator, key: str, value) -> Decimal | str | None:
    """全年预计完成情况: a number when it reads as one, else a short text (能够完成)."""
    if value is None or isinstance(value, Decimal):
        return value
    try:
        return parse_number(value)[0]
    except NumberFormatError:
        return c.text(key, value, optional=True, long=True)


def _deviation(c: Validator, key: str, value) -> Deviation:
    if value is None:
        return Deviation()
    d = c.mapping(key, value, allowed=("category", "reason", "measure")) or {}
    return Deviation(category=c.text(f"{key}.category", d.get("category"), optional=True, choices=CATEGORIES),
                     reason=c.text(f"{key}.reason", d.get("reason"), optional=True, long=True),
                     measure=c.text(f"{key}.measure", d.get("measure"), optional=True, long=True))
