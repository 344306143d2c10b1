"""The bulk-entry table of mid-year monitoring (双监控): one row per indicator of each department,
written as a CSV or XLSX template and read back into ``<stem>.monitoring.yaml`` files.

Every cell the bureau's staff fill in is checked as a monitoring file is; a problem names the
table, the row and the column (``monitoring.csv:5 F 完成目标可能性: expected one of 确定能, …``).
The budget columns repeat on each row of a department: the first filled cell counts, and a
different figure further down is a problem.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from pathlib import Path

from ..core.model import Params
from ..core.monitoring import MONITORING_SCHEMA, MONITORING_SUFFIX, Monitoring, parse_monitoring
from ..core.params import load_params
from ..core.serialisation import params_yaml
from ..core.side_tables import read_table
from ..exceptions import EvalkitError, ParamsError, Problem
from ..iorw import write_atomic
from ..paths import inside
from ..workbook.archive import column_letter

#: (key, header) of every column, in order; ``N`` is the month.
COLUMNS = (("of", "参数文件"), ("month", "月份"), ("initial", "年初预算数"), ("added", "追加"), ("cut", "追减"),
           ("adjusted", "调整后预算数"), ("executed", "1–N月执行数"), ("budget_forecast", "全年预计执行数"),
           ("goal", "绩效目标"), ("name", "绩效指标"), ("target", "年度指标值"), ("progress", "1–N月完成值"),
           ("forecast", "全年预计完成情况"), ("possibility", "完成目标可能性"), ("category", "偏差原因类别"),
           ("reason", "偏差原因"), ("measure", "纠偏措施"))
BUDGET_KEYS = ("initial", "added", "cut", "adjusted", "executed", "budget_forecast")
_MONTHLY = re.compile(r"1\s*[-–—~至]\s*(?:\d{1,2}|n)\s*月(执行数|完成值)")
_SHARED = {"initial": "initial", "month": "month"}  # headers the side-table reader already renames


def headers(month: int) -> list[str]:
    return [h.replace("N", str(month)) for _, h in COLUMNS]


def template_rows(params: Sequence[Params], *, month: int = 7) -> list[list]:
    """One row per indicator (年度指标值 filled in from the params file), budget cells left blank."""
    rows = []
    for p in params:
        stem = Path(p.source).stem
        for goal in p.goals:
            for ind in goal.indicators:
                target = ind.target if isinstance(ind.target, str) or ind.target is None else f"{ind.target:f}"
                row = {"of": stem, "month": month, "goal": goal.name, "name": ind.name, "target": target}
                rows.append([row.get(k, "") for k, _ in COLUMNS])
    return rows


def write_template(params_paths: Sequence[str | Path], target: str | Path, *, month: int = 7) -> Path:
    """Write the template for ``params_paths`` as CSV (UTF-8 with BOM, as Excel opens it) or XLSX."""
    target = Path(target)
    if target.suffix.lower() not in (".csv", ".xlsx"):
        raise EvalkitError(f"{target}: expected a .csv or .xlsx file name for the monitoring table")
    params = [load_params(p) for p in params_paths]
    rows = [headers(month), *template_rows(params, month=month)]
    if target.suffix.lower() == ".csv":
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)
        return write_atomic(target, ("\ufeff" + buf.getvalue()).encode("utf-8"))
    import openpyxl  # only for the XLSX template

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "绩效运行监控"
    for row in rows:
        sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return write_atomic(target, buf.getvalue())


def _key(header: str) -> str | None:
    text = header.strip()
    match = _MONTHLY.fullmatch(text)
    if match:
        return "executed" if match.group(1) == "执行数" else "progress"
    if text in _SHARED:
        return _SHARED[text]
    return next((k for k, h in COLUMNS if h == text), None)


def read_template(path: str | Path, folder: str | Path) -> tuple[dict[str, Monitoring], list[Problem]]:
    """Read a filled-in table: the monitoring of each department whose rows are sound (by params
    stem), and every problem, located by row and column. The params files are those in ``folder``."""
    path, folder = Path(path), Path(folder)
    shown = str(path)
    rows, problems = read_table(path, shown)
    if not rows:
        return {}, problems or [Problem(shown, "", None, "no rows; expected one row per indicator")]
    names = list(rows[0][1])
    columns = {name: _key(name) for name in names}
    letters = {name: column_letter(i + 1) for i, name in enumerate(names)}
    unknown = [n for n, k in columns.items() if k is None]
    if unknown:
        problems.append(Problem(shown, "、".join(unknown), 1, f"unknown column; expected {'、'.join(headers(7))}"))
    groups: dict[str, list[tuple[str, dict]]] = {}
    for where, record in rows:
        mapped = {columns[n]: v for n, v in record.items() if columns.get(n)}
        of = str(mapped.get("of") or "").strip()
        if not of:
            problems.append(Problem(shown, f"{letters.get(_header_of(columns, 'of'), 'A')} 参数文件", _row(where),
                                    "expected the params file's stem (e.g. dangzheng-office-2023)"))
            continue
        groups.setdefault(of, []).append((where, mapped))
    found = {}
    for of, items in groups.items():
        monitoring, more = _department(of, items, folder, shown, columns, letters)
        problems += more
        if monitoring is not None:
            found[of] = monitoring
    return found, problems


def _header_of(columns: dict, key: str) -> str | None:
    return next((n for n, k in columns.items() if k == key), None)


def _row(where: str) -> int | None:
    tail = where.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else None


def _department(of, items, folder, shown, columns, letters) -> tuple[Monitoring | None, list[Problem]]:
    """One department's rows as a monitoring mapping, validated against its params file; each problem
    moved from the mapping's key path back to its cell."""
    def cell(key: str, where: str, message: str) -> Problem:
        name = _header_of(columns, key) or key
        return Problem(shown, f"{letters.get(name, '?')} {name}", _row(where), message)

    try:
        params = load_params(inside(folder, f"{of}.yaml"))
    except (ValueError, ParamsError) as exc:
        return None, [cell("of", items[0][0], f"no readable params file {of}.yaml in {folder} ({exc})")]
    problems, budget, origin = [], {}, {}
    month, month_where = None, items[0][0]
    for where, row in items:
        month = month if month is not None else row.get("month")
        if row.get("month") not in (None, "", month):
            problems.append(cell("month", where, f"expected the same month on every row of {of}, got {row['month']}"))
        for key in BUDGET_KEYS:
            value = row.get(key)
            if value in (None, ""):
                continue
            if key in budget and str(budget[key]).strip() != str(value).strip():
                problems.append(cell(key, where, f"expected the same figure on every row of {of} "
                                                 f"({budget[key]} above), got {value}"))
            budget.setdefault(key, value)
            origin.setdefault(f"budget.{'forecast' if key == 'budget_forecast' else key}", (key, where))
    indicators = []
    for i, (where, row) in enumerate(items):
        item = {k: row.get(k) for k in ("goal", "name", "target", "progress", "forecast", "possibility")}
        deviation = {k: row.get(k) for k in ("category", "reason", "measure") if row.get(k) not in (None, "")}
        if deviation:
            item["deviation"] = deviation
        indicators.append({k: v for k, v in item.items() if v not in (None, "")})
        for k in (*item, "category", "reason", "measure"):
            key = f"indicators[{i}].deviation.{k}" if k in ("category", "reason", "measure") else f"indicators[{i}].{k}"
            origin[key] = (k, where)
    data = {"schema": MONITORING_SCHEMA, "of": of, "month": month,
            "budget": {("forecast" if k == "budget_forecast" else k): v for k, v in budget.items()},
            "indicators": indicators}
    origin["month"] = ("month", month_where)
    try:
        monitoring = parse_monitoring(data, params, path=shown)
    except ParamsError as exc:
        for p in exc.problems:
            key, where = _origin(p, origin, items)
            empty = _MISSING.search(p.message)
            problems.append(cell(key, where, "the cell is empty; fill it in" if empty else p.message))
        return None, problems
    return (None if problems else monitoring), problems


_MISSING = re.compile(r"missing required key '(\w+)'")


def _origin(problem: Problem, origin: dict, items: list) -> tuple[str, str]:
    """The column and row a problem of the assembled mapping came from."""
    if problem.key in origin:
        return origin[problem.key]
    missing = _MISSING.search(problem.message)
    row = re.fullmatch(r"indicators\[(\d+)\]", problem.key)
    if row and missing:
        return missing.group(1), items[int(row.group(1))][0]
    if problem.key == "budget":
        return (missing.group(1) if missing else "executed"), items[0][0]
    return "of", items[0][0]


def monitoring_yaml(m: Monitoring) -> str:
    """A monitoring as its YAML file (numbers as written, keys in the contract's order), through the
    one params writer (:func:`evalkit.core.serialisation.params_yaml`)."""
    b = m.budget
    data = {"schema": MONITORING_SCHEMA, "of": m.of, "month": m.month,
            "budget": {k: getattr(b, k) for k in ("initial", "added", "cut", "adjusted", "executed", "forecast")
                       if getattr(b, k) is not None},
            "indicators": []}
    for x in m.indicators:
        item = {"goal": x.goal, "name": x.name, "target": x.target, "progress": x.progress,
                "forecast": x.forecast, "possibility": x.possibility,
                "deviation": {k: v for k, v in vars(x.deviation).items() if v} or None}
        data["indicators"].append({k: v for k, v in item.items() if v is not None})
    return params_yaml(data)


def import_template(path: str | Path, folder: str | Path) -> tuple[list[Path], list[Problem]]:
    """Write ``<stem>.monitoring.yaml`` beside each params file whose rows are sound; return the
    files written and the problems of the others (one bad department does not stop the rest)."""
    found, problems = read_template(path, folder)
    written = [write_atomic(Path(folder) / f"{of}{MONITORING_SUFFIX}", monitoring_yaml(m).encode("utf-8"))
               for of, m in sorted(found.items())]
    return written, problems
