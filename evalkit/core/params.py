"""Loading and validating parameter files (schema ``evalkit/v1``).

>>> params = load_params("params/dangzheng-office-2023.yaml")
>>> params.department.name
'党政办公室'
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from ..exceptions import ParamsError, Problem
from ..paths import inside
from . import model as m
from .numbers import NumberFormatError, parse_number, short
from .scheme import shipped_schemes
from .side_tables import MONTHLY_COLUMNS, PROJECT_COLUMNS, SIDE_TABLE_SUFFIXES, read_table
from .source import Located, load_yaml, read_utf8, unreadable_character
from .validation import MAX_NAME, MISSING, Validator, plain_text

SCHEMA = "evalkit/v1"
HUNDRED = Decimal(100)
#: The word every table's total row carries: no line, goal or indicator may be called so.
TOTAL = "合计"
DEPARTMENT_ID = r"[a-z0-9][a-z0-9._-]{0,79}"  # it names the output folder
YEARS = (1990, 2100)
#: Words that make a negative percentage possible: the indicator measures a change.
CHANGE_WORDS = re.compile(r"增长|增幅|增速|增减|变化|变动|同比|环比|下降|降低|减少|差额|偏差")
_DIRECTION_ALIASES = {"≥": ">=", "≤": "<=", "定性": "qualitative", "==": "="}

TOP_KEYS = ("schema", "department", "scheme", "unit", "budget", "goals", "reported", "narrative")
#: Top-level keys of the kind of file (``kind: project`` and its ``project`` header).
KIND_KEYS = ("kind", "project")
#: Keys the 项目支出绩效自评表 brought (either kind may use them), validated by ``_form_fields``.
FORM_BUDGET_KEYS = ("sources", "deviation")
FORM_GOAL_KEYS = ("outcome",)
FORM_INDICATOR_KEYS = ("level2", "basis")
PROJECT_KEYS = ("name", "code", "department", "implementer", "manager")
#: 二级指标 allowed under each 一级指标 (tier), as the 财预〔2020〕10号 table lists them.
LEVEL2_BY_TIER = {
    "产出": ("数量指标", "质量指标", "时效指标", "成本指标"),
    "成本": ("经济成本指标", "社会成本指标", "生态环境成本指标", "成本指标"),
    "效益": ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"),
    "满意度": ("服务对象满意度指标", "满意度指标"),
}
#: An indicator row without 自评 figures (most of them): one shared, immutable value.
NOT_REPORTED = m.ReportedRow()
INDICATOR_KEYS = ("name", "statement", "direction", "target", "unit", "actual", "tier", "weight",
                  "level", "coefficient", "rule", "reported", "deviation")


def load_params(path: str | Path) -> m.Params:
    """Read and validate a params YAML file and its side tables.

    Raises ``ParamsError`` listing every problem (file, key path, line, what was expected).
    """
    path = Path(path)
    shown = str(path)
    if path.exists() and not path.is_file():  # a FIFO or a device would block or never end: never opened
        raise ParamsError([Problem(shown, "", None, "not a regular file (a folder, FIFO or device); expected a "
                                                    "params YAML file")])
    raw, text = read_utf8(path, shown)
    doc, problems = load_yaml(text, shown)
    if doc is None:
        raise ParamsError(problems)
    inputs = {shown: hashlib.sha256(raw).hexdigest()}
    return _build(doc, problems, base=path.parent, inputs=inputs)


def duplicate_departments(found) -> dict:
    """The params files whose department-year another file also claims: ``found`` is pairs of
    (path, ``Department``); returns path → the message saying which files collide. Every file of a
    collision is named (neither can be trusted to be the department's), for ``evalkit run`` and
    ``Portfolio.load`` alike.

    >>> a, b = m.Department("x", "甲", 2023), m.Department("x", "乙", 2023)
    >>> duplicate_departments([("a.yaml", a), ("b.yaml", b), ("c.yaml", m.Department("x", "丙", 2024))])["a.yaml"]
    "department id 'x' for 2023 is also used by b.yaml; each department-year needs its own id (department.id)"
    """
    owners: dict[tuple[int, str], list] = {}
    for path, dept in found:
        owners.setdefault((dept.year, dept.id), []).append(path)
    clashes = {}
    for (year, dept_id), paths in owners.items():
        for path in paths if len(paths) > 1 else ():
            others = ", ".join(str(p) for p in paths if p != path)
            clashes[path] = (f"department id '{dept_id}' for {year} is also used by {others}; "
                             "each department-year needs its own id (department.id)")
    return clashes


def parse_params(data: dict, *, path: str = "<memory>", unknown: dict[str, str] | None = None) -> m.Params:
    """Validate params given as a Python mapping (as YAML would load it); side tables inline.

    ``unknown`` (key path → why) makes a partial model: those keys may be null or absent (``goals`` may
    be empty), everything else is validated as in a file."""
    return _build(Located(path, _decimalise(data)), [], base=None, inputs={}, unknown=unknown or {})


def _decimalise(value):
    kind = type(value)
    if kind is str or value is None or kind is bool:  # most of a params file, decided without isinstance
        return value
    if kind is dict:  # a text or null value (most of them) is kept without a call, a whole number made exact
        return {k if type(k) is str else str(k): v if type(v) is str or v is None
                else Decimal(v) if type(v) is int else _decimalise(v) for k, v in value.items()}
    if kind is list:
        return [v if type(v) is str or v is None else _decimalise(v) for v in value]
    if isinstance(value, dict):
        return {k if type(k) is str else str(k): _decimalise(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_decimalise(v) for v in value]
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    return value


def _build(doc: Located, problems: list[Problem], *, base: Path | None, inputs: dict,
           unknown: dict[str, str] | None = None) -> m.Params:
    c = Validator(doc, unknown)
    c.problems.extend(problems)
    top = c.mapping("", doc.data, allowed=TOP_KEYS + KIND_KEYS,
                    required=("schema", "department", "scheme", "budget", "goals"))
    if top is None:
        raise ParamsError(c.problems)
    top, extras = _split_form_keys(top)
    schema = top.get("schema")
    if schema is not MISSING and schema is not None and schema != SCHEMA:
        c.fail("schema", f"expected '{SCHEMA}', got {schema!r}")
    department = _department(c, top.get("department"))
    scheme = c.text("scheme", top.get("scheme"), what="a scheme id (mof-2020, seed-85-75-60) or a path")
    if scheme is not None and base is not None:
        _check_scheme_ref(c, scheme, base)
    unit = c.text("unit", top.get("unit", "万元")) or "万元"
    budget = _budget(c, top.get("budget"), base=base, inputs=inputs)
    goals = _goals(c, top.get("goals"))
    reported = _reported(c, top.get("reported"), budget)
    narrative = _narrative(c, top.get("narrative"))
    form = _form_fields(c, top, department, extras)
    if c.problems:
        raise ParamsError(c.problems, source=doc.path)
    return m.Params(department=department, scheme=scheme, unit=unit, budget=_form_budget(budget, form),
                    goals=_form_goals(goals, form), reported=reported, narrative=narrative, source=doc.path,
                    lines=dict(doc.lines), inputs=inputs, unknown=dict(unknown or {}), kind=form["kind"],
                    project=form["project"])


def _check_scheme_ref(c: Validator, ref: str, base: Path) -> None:
    """The scheme must be shipped or a file in the params file's folder (as ``load_scheme`` resolves it)."""
    if ref in shipped_schemes():
        return
    try:
        path = inside(base, ref)
    except ValueError as exc:
        c.fail("scheme", f"cannot use scheme {short(ref)}: {exc}; expected one of "
                         f"{', '.join(shipped_schemes())} or a scheme YAML in the params file's folder")
        return
    if not path.is_file():
        c.fail("scheme", f"unknown scheme {short(ref)}; expected one of {', '.join(shipped_schemes())} "
                         "or the path of a scheme YAML relative to the params file")


def _refuse_total(c: Validator, key: str, name: str | None, what: str) -> None:
    """Fail ``{key}.name`` when it is the total row's name (the key path is built only then)."""
    if name == TOTAL:
        c.fail(f"{key}.name", f"'{TOTAL}' names the total row of every table; give the {what} its own name")


def _department(c: Validator, value) -> m.Department | None:
    d = c.mapping("department", value, allowed=("id", "name", "year", "region", "city"),
                  required=("id", "name", "year"))
    if d is None:
        return None
    return m.Department(
        id=c.text("department.id", d.get("id"), pattern=DEPARTMENT_ID,
                  what="an id of lower-case letters, digits and '-' (it names the output folder)"),
        name=c.text("department.name", d.get("name")),
        year=c.integer("department.year", d.get("year"), minimum=YEARS[0], maximum=YEARS[1]),
        region=c.text("department.region", d.get("region"), optional=True),
        city=c.text("department.city", d.get("city"), optional=True),
    )


def _money(c: Validator, key: str, value, *, optional=False) -> Decimal | None:
    return c.number(key, value, minimum=0, optional=optional, what="an amount", allow_percent=False)


def _budget(c: Validator, value, *, base, inputs) -> m.Budget | None:
    b = c.mapping("budget", value, allowed=("initial", "adjusted", "executed", "lines", "projects", "monthly"),
                  required=("initial", "adjusted", "executed"))
    if b is None:
        return None
    initial = _money(c, "budget.initial", b.get("initial"))
    adjusted = _money(c, "budget.adjusted", b.get("adjusted"))
    executed = _money(c, "budget.executed", b.get("executed"))
    lines = tuple(filter(None, (_line(c, f"budget.lines[{i}]", item)
                                for i, item in enumerate(c.items("budget.lines", b.get("lines"), optional=True)))))
    _check_line_sums(c, lines, initial=initial, adjusted=adjusted, executed=executed)
    names = [line.name for line in lines]
    for i, name in enumerate(names):
        if names.index(name) != i:
            c.fail(f"budget.lines[{i}].name", f"duplicate line name {name!r}; names must be unique")
        _refuse_total(c, f"budget.lines[{i}]", name, "line")
    projects = _side_table(c, "budget.projects", b.get("projects"), base=base, inputs=inputs,
                           columns=PROJECT_COLUMNS, row=_project)
    monthly = _side_table(c, "budget.monthly", b.get("monthly"), base=base, inputs=inputs,
                          columns=MONTHLY_COLUMNS, row=_month)
    if monthly:
        months = [p.month for p in monthly]
        if len(set(months)) != len(months):
            c.fail("budget.monthly", "each month (1-12) may appear once")
    return m.Budget(initial=initial, adjusted=adjusted, executed=executed, lines=lines,
                    projects=projects, monthly=monthly)


def _line(c: Validator, key: str, value) -> m.BudgetLine | None:
    d = c.mapping(key, value, allowed=("name", "kind", "count", "initial", "adjusted", "executed"),
                  required=("name", "adjusted", "executed"))
    if d is None:
        return None
    return m.BudgetLine(
        name=c.text(f"{key}.name", d.get("name")),
        kind=c.text(f"{key}.kind", d.get("kind", "other"), choices=m.LINE_KINDS),
        count=c.integer(f"{key}.count", d.get("count"), minimum=0, optional=True),
        initial=_money(c, f"{key}.initial", d.get("initial"), optional=True),
        adjusted=_money(c, f"{key}.adjusted", d.get("adjusted")),
        executed=_money(c, f"{key}.executed", d.get("executed")),
    )


def _check_line_sums(c: Validator, lines, **totals) -> None:
    if not lines:
        return
    for field, total in totals.items():
        values = [getattr(line, field) for line in lines]
        if total is None or any(v is None for v in values):
            continue
        added = sum(values, Decimal(0))
        if added != total:
            c.fail("budget.lines", f"the lines' {field} add up to {added:f}, but budget.{field} is "
                                    f"{total:f} (difference {added - total:f}); the lines must add up to the total")


def _side_table(c: Validator, key: str, value, *, base, inputs, columns, row):
    if value is None or value is MISSING:
        return None
    if isinstance(value, list):  # inline rows (tests, generated params)
        rows = [(f"{c.doc.path}:{c.doc.line(f'{key}[{i}]') or '?'}", item) for i, item in enumerate(value)]
    elif isinstance(value, str):
        if base is None:
            c.fail(key, "a side-table file name needs a params file to be relative to; give the rows inline")
            return None
        try:
            path = inside(base, value)
        except ValueError as exc:
            c.fail(key, f"cannot read side table {short(value)}: {exc}")
            return None
        shown = str(path)
        if path.suffix.lower() not in SIDE_TABLE_SUFFIXES:
            c.fail(key, f"side table {short(value)}: expected a .csv or .xlsx file")
            return None
        if not path.is_file():
            c.fail(key, f"side table {short(value)} does not exist; expected a CSV/XLSX file beside the params file")
            return None
        inputs[shown] = hashlib.sha256(path.read_bytes()).hexdigest()
        rows, problems = read_table(path, shown)
        c.problems.extend(problems)
    else:
        c.fail(key, "expected a CSV/XLSX file name or a list of rows")
        return None
    out = []
    for where, record in rows:
        if not isinstance(record, dict):
            c.problems.append(Problem(where, key, None, "expected a row mapping"))
            continue
        item = row(c, where, key, record, columns)
        if item is not None:
            out.append(item)
    return tuple(out)


def _cell_problem(where: str, column: str, message: str) -> Problem:
    """A problem of a side table's cell, located at ``where`` (``file:line``) and its column."""
    path, _, line = where.rpartition(":")
    return Problem(path, column, int(line) if line.isdigit() else None, message)


def _cell_number(c: Validator, where: str, column: str, value, *, optional=False, minimum=0, maximum=None):
    if value is None or value == "":
        if not optional:
            c.problems.append(_cell_problem(where, column, "expected a number, got an empty cell"))
        return None
    try:
        number, _ = parse_number(value)
    except NumberFormatError:
        c.problems.append(_cell_problem(where, column, f"expected a number, got {value!r}"))
        return None
    if number < minimum or (maximum is not None and number > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f"≥ {minimum}"
        c.problems.append(_cell_problem(where, column, f"expected a number {bound}, got {number:f}"))
        return None
    return number


def _unknown_columns(c: Validator, where: str, record: dict, columns) -> None:
    for name in record:
        if name not in columns:
            c.problems.append(_cell_problem(where, name, f"unknown column; expected {', '.join(columns)}"))


def _cell_name(c: Validator, where: str, value) -> str | None:
    """A project's name from a side table, under the rules of a name in YAML (one line, at most
    ``MAX_NAME`` characters, no control or invisible character), located at the table's file, row
    and column."""
    text = "" if value is None else str(value).strip()
    if not text:
        c.problems.append(_cell_problem(where, "name", "expected a project name"))
        return None
    if len(text) > MAX_NAME:
        c.problems.append(_cell_problem(where, "name", f"expected a project name of at most {MAX_NAME} "
                                                       f"characters, got {len(text)} ({short(text)})"))
        return None
    bad = unreadable_character(text)
    if bad:
        c.problems.append(_cell_problem(where, "name", f"contains {bad}; delete it (got {short(text)})"))
        return None
    return text


def _project(c: Validator, where, key, record, columns) -> m.Project | None:
    _unknown_columns(c, where, record, columns)
    name = _cell_name(c, where, record.get("name"))
    path, _, line = where.rpartition(":")
    adjusted = _cell_number(c, where, "adjusted", record.get("adjusted"))
    executed = _cell_number(c, where, "executed", record.get("executed"))
    initial = _cell_number(c, where, "initial", record.get("initial"), optional=True)
    if not name or adjusted is None or executed is None:
        return None
    return m.Project(name=name, adjusted=adjusted, executed=executed, initial=initial,
                     line=int(line) if line.isdigit() else None)


def _month(c: Validator, where, key, record, columns) -> m.MonthlyPayment | None:
    _unknown_columns(c, where, record, columns)
    month = _cell_number(c, where, "month", record.get("month"), minimum=1, maximum=12)
    executed = _cell_number(c, where, "executed", record.get("executed"))
    if month is not None and month != month.to_integral_value():
        path, _, line = where.rpartition(":")
        c.problems.append(Problem(path, "month", int(line) if line.isdigit() else None,
                                  f"expected a whole month 1-12, got {month:f}"))
        return None
    if month is None or executed is None:
        return None
    return m.MonthlyPayment(month=int(month), executed=executed)


def _goals(c: Validator, value) -> tuple[m.Goal, ...]:
    goals = []
    items = c.items("goals", value)
    if isinstance(value, list) and not value and not c.reported_missing("goals"):
        c.fail("goals", "expected at least one goal (绩效目标) with indicators")
    for i, item in enumerate(items):
        key = f"goals[{i}]"
        g = c.mapping(key, item, allowed=("name", "objective", "number", "indicators"),
                      required=("name", "indicators"))
        if g is None:
            continue
        raw_indicators = c.items(f"{key}.indicators", g.get("indicators"))
        if isinstance(g.get("indicators"), list) and not raw_indicators:
            c.fail(f"{key}.indicators", "expected at least one indicator (绩效指标); a goal without indicators "
                                        "would silently drop its points")
        indicators = tuple(filter(None, (_indicator(c, f"{key}.indicators[{j}]", ind)
                                         for j, ind in enumerate(raw_indicators))))
        name = plain_text(g.get("name")) or c.text(f"{key}.name", g.get("name"))
        _refuse_total(c, key, name, "goal")
        objective, number = g.get("objective"), g.get("number")
        goals.append(m.Goal(name=name, indicators=indicators,
                            objective=plain_text(objective, long=True)
                            or c.text(f"{key}.objective", objective, optional=True, long=True),
                            number=plain_text(number) or c.text(f"{key}.number", number, optional=True)))
    return tuple(goals)


def _direction(c: Validator, key: str, value) -> str | None:
    if isinstance(value, str):
        value = _direction_alias(value)
    return c.text(key, value, choices=m.DIRECTIONS)


@lru_cache(maxsize=256)
def _direction_alias(value: str) -> str:
    """A direction as written (``≥``, ``＞＝``, ``定性``) in the words evalkit uses (``>=``, ``qualitative``)."""
    value = unicodedata.normalize("NFKC", value).strip()
    value = _DIRECTION_ALIASES.get(value, value)
    return _DIRECTION_ALIASES.get(value, value)


def _percent(c: Validator, key: str, value, *, optional=True) -> Decimal | None:
    """A coefficient written in percent (85 or "85%") → fraction 0.85."""
    number = c.number(key, value, minimum=0, maximum=100, optional=optional,
                      what="a percentage (85 or \"85%\")")
    return None if number is None else number / HUNDRED


def _indicator(c: Validator, key: str, value) -> m.Indicator | None:
    d = c.mapping(key, value, allowed=INDICATOR_KEYS, required=("name", "direction", "target"))
    if d is None:
        return None
    get = d.get  # an optional key left out (most of them) is None without building its key path
    direction = get("direction")
    if direction not in m.DIRECTIONS:  # written otherwise (≥, 定性) or not at all: read and checked
        direction = _direction(c, f"{key}.direction", direction)
    unit = get("unit")
    unit = None if unit is None else plain_text(unit) or c.text(f"{key}.unit", unit, optional=True)
    qualitative = direction == "qualitative"
    if qualitative:
        target = d.get("target")
        target = f"{target:f}" if isinstance(target, Decimal) else c.text(f"{key}.target", target, long=True)
        actual = d.get("actual")
        actual = (f"{actual:f}" if isinstance(actual, Decimal)
                  else c.text(f"{key}.actual", actual, optional=True, long=True))
    else:
        target = c.number(f"{key}.target", d.get("target"), what="a number (年度指标值)")
        actual = (None if get("actual") is None
                  else c.number(f"{key}.actual", get("actual"), optional=True, what="a number (全年完成值) or null"))
        raw_target = d.get("target")
        if unit is None and isinstance(raw_target, str) and raw_target.strip().endswith(("%", "％")):
            unit = "%"
    name = plain_text(get("name")) or c.text(f"{key}.name", get("name"))
    _refuse_total(c, key, name, "indicator")
    if unit == "%" and isinstance(actual, Decimal) and actual < 0 and not CHANGE_WORDS.search(name or ""):
        c.fail(f"{key}.actual", f"expected a percentage ≥ 0, got {actual:f}; only an indicator that measures a "
                                "change (增长率, 同比, 下降率…) can be negative")
    level = None if get("level") is None else c.text(f"{key}.level", get("level"), optional=True, choices=m.LEVELS)
    if qualitative and level is None and actual in m.LEVELS:
        level = actual  # "actual: 达成" says the level outright
    if level is not None and not qualitative:
        c.fail(f"{key}.level", "a level (达成/部分达成/未达成) applies to qualitative indicators only")
    coefficient = None if get("coefficient") is None else _percent(c, f"{key}.coefficient", get("coefficient"))
    rp = d.get("reported")
    reported = NOT_REPORTED
    if rp is not None:
        r = c.mapping(f"{key}.reported", rp, allowed=("score", "coefficient"))
        if r is not None:
            reported = m.ReportedRow(
                score=c.number(f"{key}.reported.score", r.get("score"), minimum=0, optional=True,
                               what="points (得分)", allow_percent=False),
                coefficient=_percent(c, f"{key}.reported.coefficient", r.get("coefficient")))
    return m.Indicator(
        name=name, direction=direction, target=target, unit=unit,
        actual=actual,
        tier=None if get("tier") is None else c.text(f"{key}.tier", get("tier"), optional=True, choices=m.TIERS),
        weight=None if get("weight") is None else c.number(f"{key}.weight", get("weight"), minimum=0, optional=True,
                                                            what="points (分值)", allow_percent=False),
        level=level, coefficient=coefficient,
        rule=None if get("rule") is None else _rule(c, f"{key}.rule", get("rule"), direction),
        statement=None if get("statement") is None else c.text(f"{key}.statement", get("statement"), optional=True,
                                                                long=True),
        deviation=None if get("deviation") is None else c.text(f"{key}.deviation", get("deviation"), optional=True,
                                                                long=True),
        reported=reported, key=key)


def _rule(c: Validator, key: str, value, direction) -> m.Rule | None:
    if value is None:
        return None
    d = c.mapping(key, value, allowed=("type", "bands", "threshold", "per", "points", "side"), required=("type",))
    if d is None:
        return None
    kind = c.text(f"{key}.type", d.get("type"), choices=("steps", "deduct"))
    if direction == "qualitative" and kind is not None:
        c.fail(f"{key}.type", "qualitative indicators are scored by level; remove the rule")
    if kind == "steps":
        for name in ("threshold", "per", "points", "side"):
            if name in d:
                c.fail(f"{key}.{name}", "applies to deduct rules only")
        bands = []
        raw = c.items(f"{key}.bands", d.get("bands"))
        if isinstance(d.get("bands"), list) and not raw:
            c.fail(f"{key}.bands", "expected at least one band like {min: 95, coefficient: 100}")
        for i, item in enumerate(raw):
            bk = f"{key}.bands[{i}]"
            b = c.mapping(bk, item, allowed=("min", "max", "coefficient"), required=("coefficient",))
            if b is None:
                continue
            low = c.number(f"{bk}.min", b.get("min"), optional=True)
            high = c.number(f"{bk}.max", b.get("max"), optional=True)
            if low is None and high is None and "min" not in b and "max" not in b:
                c.fail(bk, "expected 'min' or 'max' (the band's bound on the actual value)")
            if low is not None and high is not None and low > high:
                c.fail(bk, f"min {low:f} is above max {high:f}; no value could fall in this band")
            coefficient = _percent(c, f"{bk}.coefficient", b.get("coefficient"), optional=False)
            if coefficient is not None:
                bands.append(m.Band(coefficient=coefficient, min=low, max=high))
        return m.Rule(type="steps", bands=tuple(bands))
    if kind == "deduct":
        if "bands" in d:
            c.fail(f"{key}.bands", "applies to steps rules only")
        side = c.text(f"{key}.side", d.get("side", "above" if direction in ("<=", "<") else "below"),
                      choices=("above", "below"))
        return m.Rule(type="deduct",
                      threshold=c.number(f"{key}.threshold", d.get("threshold")),
                      per=c.number(f"{key}.per", d.get("per", Decimal(1)), minimum=Decimal("0.000001")) or Decimal(1),
                      points=c.number(f"{key}.points", d.get("points"), minimum=0) or Decimal(0),
                      side=side or "above")
    return None


def _reported(c: Validator, value, budget: m.Budget | None) -> m.Reported:
    if value is None:
        return m.Reported()
    d = c.mapping("reported", value, allowed=("execution_rate", "line_execution_rates", "adjustment_rate",
                                              "score", "grade", "evaluation_period", "report_date"))
    if d is None:
        return m.Reported()
    rates = []
    raw_rates = d.get("line_execution_rates")
    if raw_rates is not None:
        names = tuple(line.name for line in (budget.lines if budget else ()))
        if not names and budget is not None:
            c.fail("reported.line_execution_rates", "there are no budget.lines to compare these rates with; "
                                                    "add the lines under budget.lines or remove this key")
        r = c.mapping("reported.line_execution_rates", raw_rates, allowed=names) if names else None
        for name, rate in (r or {}).items():
            number = c.number(f"reported.line_execution_rates.{name}", rate, minimum=0,
                              what="a rate in percent as printed (99.55)")
            if number is not None:
                rates.append((name, number))
    period = None
    raw_period = d.get("evaluation_period")
    if raw_period is not None:
        if not isinstance(raw_period, list) or len(raw_period) != 2:
            c.fail("reported.evaluation_period", "expected [start, end] dates, e.g. [\"2024-03-01\", \"2024-04-30\"]")
        else:
            start = c.date("reported.evaluation_period[0]", raw_period[0], optional=False)
            end = c.date("reported.evaluation_period[1]", raw_period[1], optional=False)
            period = (start, end) if start and end else None
    return m.Reported(
        execution_rate=c.number("reported.execution_rate", d.get("execution_rate"), minimum=0, optional=True,
                                what="a rate in percent as printed (99.71)"),
        line_execution_rates=tuple(rates),
        adjustment_rate=c.number("reported.adjustment_rate", d.get("adjustment_rate"), optional=True,
                                 what="a rate in percent as printed"),
        score=c.number("reported.score", d.get("score"), minimum=0, maximum=100, optional=True,
                       what="the self-assessed score (自评得分)", allow_percent=False),
        grade=c.text("reported.grade", d.get("grade"), optional=True),
        evaluation_period=period,
        report_date=c.date("reported.report_date", d.get("report_date")),
    )


def _narrative(c: Validator, value) -> m.Narrative:
    if value is None:
        return m.Narrative()
    keys = ("summary", "duties", "organisation", "method", "achievements", "conclusion", "problems",
            "measures", "team")
    d = c.mapping("narrative", value, allowed=keys)
    if d is None:
        return m.Narrative()
    team = []
    for i, item in enumerate(c.items("narrative.team", d.get("team"), optional=True)):
        t = c.mapping(f"narrative.team[{i}]", item, allowed=("role", "name", "title"), required=("role",))
        if t is not None:
            team.append(m.TeamMember(role=c.text(f"narrative.team[{i}].role", t.get("role")),
                                     name=c.text(f"narrative.team[{i}].name", t.get("name"), optional=True),
                                     title=c.text(f"narrative.team[{i}].title", t.get("title"), optional=True)))
    # summary and conclusion are one paragraph each; the other sections lists of paragraphs
    sections = {k: c.text(f"narrative.{k}", d.get(k), optional=True, long=True) if k in ("summary", "conclusion")
                else c.texts(f"narrative.{k}", d.get(k)) for k in keys if k != "team"}
    return m.Narrative(**sections, team=tuple(team))


# --- the 项目支出绩效自评表's fields (kind: project; 二级指标, 实际完成情况, 资金来源) --------------------

def _split_form_keys(top: dict) -> tuple[dict, dict]:
    """``top`` without the form's keys (budget.sources/deviation, goals[].outcome,
    goals[].indicators[].level2/basis), and those keys by key path; the rest of the document is
    validated exactly as before. A mapping without any of them is kept as it is, not copied."""
    extras: dict[str, object] = {}

    def has(mapping, names) -> bool:
        return isinstance(mapping, dict) and any(map(mapping.__contains__, names))

    def pick(mapping: dict, key: str, names) -> dict:
        for n in names:
            if n in mapping:
                extras[f"{key}.{n}"] = mapping[n]
        return {k: v for k, v in mapping.items() if k not in names}

    top = dict(top)
    if has(top.get("budget"), FORM_BUDGET_KEYS):
        top["budget"] = pick(top["budget"], "budget", FORM_BUDGET_KEYS)
    goals = top.get("goals")
    if isinstance(goals, list):
        new_goals = []
        for i, goal in enumerate(goals):
            if has(goal, FORM_GOAL_KEYS):
                goal = pick(goal, f"goals[{i}]", FORM_GOAL_KEYS)
            indicators = goal.get("indicators") if isinstance(goal, dict) else None
            if isinstance(indicators, list) and any(has(ind, FORM_INDICATOR_KEYS) for ind in indicators):
                goal = dict(goal, indicators=[pick(ind, f"goals[{i}].indicators[{j}]", FORM_INDICATOR_KEYS)
                                              if has(ind, FORM_INDICATOR_KEYS) else ind
                                              for j, ind in enumerate(indicators)])
            new_goals.append(goal)
        top["goals"] = new_goals
    return top, extras


def _form_fields(c: Validator, top: dict, department: m.Department | None, extras: dict) -> dict:
    """Validate the kind of file and the form's fields; what ``_with_form_fields`` adds to Params."""
    kind = c.text("kind", top.get("kind", "department"), choices=m.KINDS) or "department"
    project = None
    if kind == "project":
        project = _project_header(c, top.get("project"), department)
    elif top.get("project") is not None:
        c.fail("project", "a project header belongs in a project file; add 'kind: project' or remove it")
    sources = []
    raw_sources = extras.get("budget.sources")
    for i, item in enumerate(c.items("budget.sources", raw_sources, optional=True) if raw_sources is not None else ()):
        source = _fund_source(c, f"budget.sources[{i}]", item)
        if source is not None:
            if any(s.name == source.name for s in sources):
                c.fail(f"budget.sources[{i}].name", f"duplicate source {source.name!r}; each source may appear once")
            sources.append(source)
    fields = {"kind": kind, "project": project, "sources": tuple(sources),
              "budget.deviation": c.text("budget.deviation", extras.get("budget.deviation"), optional=True, long=True)}
    for key, value in extras.items():  # a 二级指标 is a name; an outcome and a basis are paragraphs
        if key.endswith((".outcome", ".level2", ".basis")):
            fields[key] = c.text(key, value, optional=True, long=not key.endswith(".level2"))
    return fields


def _project_header(c: Validator, value, department: m.Department | None) -> m.ProjectInfo | None:
    d = c.mapping("project", value, allowed=PROJECT_KEYS, required=("name", "department"))
    if d is None:
        return None
    dept_id = c.text("project.department", d.get("department"), pattern=DEPARTMENT_ID,
                     what="the department id of the 主管部门 (its params file's department.id)")
    if dept_id is not None and department is not None and department.id is not None and dept_id != department.id:
        c.fail("project.department", f"names department {dept_id!r} but department.id is {department.id!r}; "
                                     "a project file's department block is its 主管部门's")
    name = c.text("project.name", d.get("name"))
    _refuse_total(c, "project", name, "project")
    code = d.get("code")
    return m.ProjectInfo(
        name=name, department=dept_id,
        code=f"{code:f}" if isinstance(code, Decimal) else c.text("project.code", code, optional=True),
        implementer=c.text("project.implementer", d.get("implementer"), optional=True),
        manager=c.text("project.manager", d.get("manager"), optional=True))


def _fund_source(c: Validator, key: str, value) -> m.FundSource | None:
    d = c.mapping(key, value, allowed=("name", "initial", "adjusted", "executed"), required=("name",))
    if d is None:
        return None
    name = c.text(f"{key}.name", d.get("name"), choices=m.FUND_SOURCES)
    adjusted = _money(c, f"{key}.adjusted", d.get("adjusted", Decimal(0)))
    executed = _money(c, f"{key}.executed", d.get("executed", Decimal(0)))
    initial = _money(c, f"{key}.initial", d.get("initial"), optional=True)
    if name is None or adjusted is None or executed is None:
        return None
    return m.FundSource(name=name, adjusted=adjusted, executed=executed, initial=initial)


#: The form's fields of a goal or an indicator, as the key paths ``_form_fields`` records them under.
FORM_ROW_SUFFIXES = (".outcome", ".level2", ".basis")


def _form_goals(goals: tuple[m.Goal, ...], form: dict) -> tuple[m.Goal, ...]:
    """``goals`` with the form's 实际完成情况, 二级指标 and basis put in place (the same tuple when
    the file gives none)."""
    import dataclasses

    if not any(key.endswith(FORM_ROW_SUFFIXES) for key in form):
        return goals
    out = []
    for i, goal in enumerate(goals):
        indicators = tuple(
            dataclasses.replace(ind, level2=form.get(f"{ind.key}.level2"), basis=form.get(f"{ind.key}.basis"))
            if f"{ind.key}.level2" in form or f"{ind.key}.basis" in form else ind
            for ind in goal.indicators)
        outcome = form.get(f"goals[{i}].outcome")
        unchanged = outcome == goal.outcome and all(a is b for a, b in zip(indicators, goal.indicators, strict=True))
        out.append(goal if unchanged else dataclasses.replace(goal, indicators=indicators, outcome=outcome))
    return tuple(out)


def _form_budget(budget: m.Budget | None, form: dict) -> m.Budget | None:
    """``budget`` with the form's 资金来源 rows and 偏差原因, when the file gives them."""
    import dataclasses

    if form["sources"] or form["budget.deviation"] is not None:
        return dataclasses.replace(budget, sources=form["sources"], deviation=form["budget.deviation"])
    return budget
