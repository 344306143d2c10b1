"""From what a report states to an ``evalkit/v1`` params mapping: the mapped params file the analyst goes
on with (``evalkit audit --params-out``), and the partial model the core's checks run on.

:func:`params_mapping` keeps what could not be read as ``None`` and lists it in ``missing``; ``subjects``
maps each params key path to the quotes it came from, so a core finding about ``reported.score`` or
``goals[2].indicators[1]`` points at the text of the report.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache

from ..core.scheme import Scheme, load_scheme
from ..core.serialisation import escaped, params_yaml
from .extract import Extracted, IndicatorRow, Quote, parse_target, patterns
from .text import normalise, number

#: An indicator row's cells by their params key under the indicator, where it differs.
CELL_KEYS = {"score": "reported.score", "coefficient": "reported.coefficient"}
#: Params keys the schema requires; a mapped params file leaves them null when the report does not state them.
REQUIRED = ("department.name", "department.year", "budget.initial", "budget.adjusted", "budget.executed")


@dataclass
class Mapped:
    """The params mapping, the keys left null, the quotes behind each key, and the scheme it implies."""

    mapping: dict
    missing: list[str]
    subjects: dict[str, list[Quote]] = field(default_factory=dict)
    scheme: Scheme | None = None
    notes: dict[str, str] = field(default_factory=dict)  # key → why it is null or doubtful (Chinese)
    unknown: dict[str, str] = field(default_factory=dict)  # key → why the core cannot know it (Chinese)
    non_numeric: list[int] = field(default_factory=list)  # indicator indexes whose actual is words


def choose_scheme(ex: Extracted) -> Scheme:
    """The shipped scheme whose grade bands the report states (优秀 from 85: ``seed-85-75-60``), else
    ``mof-2020``; its execution weight and indicator points as the report gives them."""
    top = ex.bands.get("优秀", ex.bands.get("优"))
    scheme = _shipped("seed-85-75-60" if top == 85 else "mof-2020")
    weight = ex.value("execution.weight")
    if isinstance(weight, Decimal) and 0 < weight < 100 and weight != scheme.execution_weight:
        scheme = dataclasses.replace(scheme, execution_weight=weight, indicator_points=Decimal(100) - weight)
    return scheme


@cache
def _shipped(scheme_id: str) -> Scheme:
    """A shipped scheme, read once per process (schemes are immutable)."""
    return load_scheme(scheme_id)


def _level(actual: str | None) -> str | None:
    if not actual:
        return None
    text = normalise(actual).text
    for level in ("未达成", "部分达成", "达成"):
        if any(text == w or text.startswith(w) for w in patterns()["levels"][level]):
            return level
    return None


def _restates(row: IndicatorRow) -> str | None:
    """达成 when a qualitative actual repeats its target word for word (符合相关文件要求 → 符合相关文件要求)."""
    if row.actual and normalise(row.actual).text == normalise(row.target).text:
        return "达成"
    return None


#: A deadline as a target or an actual: 2023年12月, 2023年12月底, 2023年10月15日前.
DEADLINE = re.compile(r"(?P<y>(?:19|20)[0-9]{2})年(?P<m>1[0-2]|0?[1-9])月(?:(?P<d>3[01]|[12][0-9]|0?[1-9])日)?(?:底|末|前|之前|以前)?")


def _deadline_level(row: IndicatorRow) -> str | None:
    """达成 when a deadline target (2023年12月) is met by an actual date no later than it, 未达成 when the
    actual date is later; None when either is not a date."""
    target = DEADLINE.fullmatch(normalise(row.target or "").text)
    actual = DEADLINE.fullmatch(normalise(row.actual or "").text)
    if not target or not actual:
        return None

    def key(m):
        return int(m.group("y")), int(m.group("m")), int(m.group("d") or 31)

    return "达成" if key(actual) <= key(target) else "未达成"


def _indicator(row: IndicatorRow, key: str, m: Mapped, index: int, scheme: Scheme) -> dict:
    direction, target, unit = parse_target(row.target)
    if _deadline_level(row):  # a date is not a quantity: the deadline is met or it is not
        direction = "qualitative"
    unit = row.unit or unit
    if row.direction_cell:
        cell = normalise(row.direction_cell).text
        direction = {"≥": ">=", "≤": "<=", "正向": ">=", "反向": "<=", "定性": "qualitative"}.get(cell, direction)
    actual_text = normalise(row.actual).text if row.actual else ""
    actual = number(re.sub(r"[^0-9.%-]", "", actual_text)) if re.search(r"[0-9]", actual_text) else None
    item = {"name": row.name, "direction": direction, "target": target if target is not None else row.target,
            "unit": unit, "actual": None}
    if row.statement and row.statement != row.name:
        item["statement"] = row.statement
    if row.tier1 and (tier := next((t for t in ("产出", "效益", "满意度", "成本") if t in row.tier1), None)):
        item["tier"] = tier
    if direction == "qualitative":
        item["target"] = row.target
        level = _deadline_level(row) or _level(row.actual) or _restates(row)
        if level:
            item["level"] = level
            if row.score is not None and row.weight:
                low, high = scheme.qualitative[level]
                coef = row.score / row.weight
                if low <= coef <= high:
                    item["coefficient"] = (coef * 100).normalize()
        elif row.actual:
            item["actual"] = row.actual
    elif actual is not None:
        item["actual"] = actual
    elif row.actual:
        m.non_numeric.append(index)
        m.notes[f"{key}.actual"] = m.unknown[f"{key}.actual"] = f"完成值“{row.actual}”不是数值，请核对"
    if row.weight is not None:
        item["weight"] = row.weight
    else:  # the core splits the points for it, but does not hold its stated score against that split
        m.unknown[f"{key}.weight"] = "报告未读出该指标分值"
    if row.score is not None:
        item["reported"] = {"score": row.score}
    if row.coefficient is not None and direction != "qualitative":
        # 得分系数 is printed as 95% or 0.95; the params file writes it in percent
        printed = row.cells["coefficient"] if "coefficient" in row.cells else None
        as_percent = printed is not None and "%" in printed.snippet[printed.mark[0]:printed.mark[1]]
        value = row.coefficient if as_percent or row.coefficient > 1 else row.coefficient * 100
        item.setdefault("reported", {})["coefficient"] = value
    return item


def params_mapping(ex: Extracted) -> Mapped:
    """The ``evalkit/v1`` mapping of what ``ex`` holds; unread values ``None``."""
    scheme = choose_scheme(ex)
    m = Mapped({"schema": "evalkit/v1"}, [], scheme=scheme)
    m.mapping |= project_header(ex, m)
    m.mapping |= {"department": {"id": f"audit-{ex.year or 'draft'}", "name": ex.department, "year": ex.year},
                  "scheme": scheme.id, "unit": "万元"}
    budget = {}
    for key in ("initial", "adjusted", "executed"):
        f = ex.first(f"budget.{key}")
        budget[key] = f.value if f else None
        if f:
            m.subjects.setdefault(f"budget.{key}", []).append(f.quote)
    lines = []
    for part, kind, name in (("basic", "basic", "基本支出"), ("project", "project", "项目支出")):
        adjusted, executed = ex.first(f"component.{part}.adjusted"), ex.first(f"component.{part}.executed")
        if adjusted and executed:
            line = {"name": ex.part_names.get(part, name), "kind": kind, "adjusted": adjusted.value,
                    "executed": executed.value}
            count = ex.first(f"component.{part}.count")
            if count:
                line["count"] = count.value
            lines.append((part, line))
    rates = {}  # each line's stated execution rate
    if len(lines) == 2 and all(budget[k] is not None and sum(x[1][k] for x in lines) == budget[k]
                               for k in ("adjusted", "executed")):
        budget["lines"] = [line for _, line in lines]
        for part, line in lines:
            m.subjects[f"budget.lines.{line['name']}"] = [
                f.quote for k in ("rate", "adjusted", "executed") if (f := ex.first(f"component.{part}.{k}"))]
            if f := ex.first(f"component.{part}.rate"):
                rates[line["name"]] = f.value
                m.subjects[f"reported.line_execution_rates.{line['name']}"] = [f.quote]
    m.mapping["budget"] = budget
    goals: dict[tuple, dict] = {}
    for i, row in enumerate(ex.indicators):
        gkey = (row.goal_number, row.goal)
        if gkey not in goals:
            goals[gkey] = {"name": row.goal or "绩效指标", "indicators": []}
            if row.goal_number:
                goals[gkey]["number"] = row.goal_number
        g_index = list(goals).index(gkey)
        key = f"goals[{g_index}].indicators[{len(goals[gkey]['indicators'])}]"
        goals[gkey]["indicators"].append(_indicator(row, key, m, i, scheme))
        m.subjects[key] = [row.quote]
        m.subjects.setdefault(f"goals[{g_index}]", [q for _, num, q in ex.goals if num and num == row.goal_number])
        for cell, quote in row.cells.items():
            m.subjects[f"{key}.{CELL_KEYS.get(cell, cell)}"] = [quote]
    m.mapping["goals"] = list(goals.values())
    if not _weights_usable(m.mapping["goals"], scheme):
        for g in m.mapping["goals"]:
            for ind in g["indicators"]:
                ind.pop("weight", None)
    reported: dict = {}
    rate = ex.first("budget.rate")
    if rate:
        reported["execution_rate"] = rate.value
        m.subjects["reported.execution_rate"] = [rate.quote]
    if rates:
        reported["line_execution_rates"] = rates
    for name in ("score", "grade", "evaluation_period", "report_date"):
        f = ex.first(f"reported.{name}") or (ex.first("table.total_score") if name == "score" else None)
        if f:  # a report date is written as ISO text, an evaluation period as two
            reported[name] = (f.value.isoformat() if isinstance(f.value, date)
                              else [d.isoformat() for d in f.value] if isinstance(f.value, tuple) else f.value)
            m.subjects[f"reported.{name}"] = [f.quote]
    m.mapping["reported"] = reported
    m.missing = [f"{part}.{key}" for part, key in (k.split(".") for k in REQUIRED) if m.mapping[part][key] is None]
    if not m.mapping["goals"]:
        m.missing.append("goals")
    m.unknown |= {k: m.notes.get(k, "报告未读出") for k in m.missing}
    for i, (_, g) in enumerate(goals.items()):
        for j, ind in enumerate(g["indicators"]):
            if ind.get("actual") is None and ind.get("level") is None:
                m.notes.setdefault(f"goals[{i}].indicators[{j}].actual", "报告未列全年完成值，请补充")
    return m


def project_header(ex: Extracted, m: Mapped) -> dict:
    """``kind: project`` and the project header for a 项目支出绩效自评表 (nothing for a department's
    report): the project's name as the title gives it, its department the params file's own id (the same
    placeholder as ``department.id`` here; both are set when the file is written)."""
    if ex.kind != "project":
        return {}
    name = re.sub(r"(项目)?支出绩效(单位)?(自评|评价)(表|报告)?.*$", "", ex.title or "")
    name = re.sub(r"^[（(]?\d{4}年度?[）)]?|[（(]?\d{4}年度?[）)]?$", "", name).strip(" ：:-—")
    name = None if name in ("", "部门预算", "部门预算项目", "项目") else name
    if name is not None and not name.endswith(("项目", "经费", "资金")):
        name += "项目"
    m.notes["project.name"] = "据标题推断，请核对项目名称" if name else "报告未读出项目名称，请填写"
    if name is None:
        m.unknown["project.name"] = "报告未读出项目名称"
    for key, why in (("budget.deviation", "未读取执行率偏低的原因说明"), ("goals.deviation", "未读取偏差原因分析"),
                     ("goals.basis", "未读取满意度的调查依据"),
                     ("goals.execution_scored", "执行率重复计分由审核按原文核对")):
        m.unknown[key] = why  # what the reader does not read: the checks needing it are skipped
    return {"kind": "project", "project": {"name": name, "department": f"audit-{ex.year or 'draft'}"}}


def _weights_usable(goals: list, scheme: Scheme) -> bool:
    """Weights are kept when every indicator has one and they do not exceed the indicator points."""
    weights = [ind.get("weight") for g in goals for ind in g["indicators"]]
    return bool(weights) and all(w is not None for w in weights) and sum(weights) <= scheme.indicator_points


HEADER = """evalkit/v1 params draft made by `evalkit audit` from {source}
Check every figure against the report before use. Values marked 待核对 could not be read and are
null; fill in these before `evalkit run`: {required}.
"""


def mapped_params_yaml(mapping: dict, *, notes: dict[str, str] | None = None, source: str = "") -> str:
    """The mapped params file: what the report did not state is ``null`` with a ``# 待核对`` comment saying
    what to fill in. It loads with :func:`evalkit.load_params` once the nulls of :data:`REQUIRED` are
    filled (and there is a goal with an indicator); other nulls (an ``actual``) may stay.

    >>> print(mapped_params_yaml({"budget": {"initial": None, "adjusted": 10.5}}).split("\\n", 3)[-1])
    budget:
      initial: null  # 待核对：报告未读出，请填写
      adjusted: 10.5
    <BLANKLINE>
    """
    header = HEADER.format(source=escaped(source or "a report", quotes=False), required=", ".join(REQUIRED))
    return params_yaml(mapping, header=header, notes=notes, unread="报告未读出，请填写")


def department_id(stem: str, year) -> str:
    """A department id for a mapped params file, from the file's name: ``000_80b251a7`` → ``000-80b251a7-2023``."""
    slug = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")[:60] or "report"
    return f"{slug}-{year}" if year else slug
