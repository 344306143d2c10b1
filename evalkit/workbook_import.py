"""Reading a filled-in scoring table (``绩效自评表.xlsx``) back into a params file (``evalkit/v1``).

The table is found by its labels and headers, not by fixed positions, so added rows and moved
columns are fine. The visible cells are the authority for everything they show (department,
scheme, budget figures, goals, indicators, targets, actuals, weights, 自评得分); the hidden
``evalkit`` sheet, when present, gives back what the table does not show. Of the cells evalkit
computes, a 分值 still holding what evalkit wrote means "the scheme's default weight", and a
得分系数 or 得分 someone changed is read as the department's own claim (``reported``), which
evalkit then verifies.

Every cell that cannot be read is reported with its sheet and address before anything is
written (``WorkbookError``).

>>> text = import_workbook("绩效自评表.xlsx", "params/x.yaml")   # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import warnings
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from openpyxl.utils import get_column_letter

from .exceptions import ParamsError, Problem, WorkbookError
from .iorw import write_atomic
from .model import LEVELS, TIERS
from .numbers import NumberFormatError, parse_number
from .params import parse_params
from .scheme import shipped_schemes
from .serialisation import params_yaml
from .source import load_yaml
from .workbook import (
    BUDGET_HEADERS,
    BUDGET_READ,
    INDICATOR_READ,
    INFO_LABELS,
    MERGEABLE,
    META_FORMAT,
    META_SHEET,
    READ_RESULTS,
    SHEET,
    TOTAL,
)

DIRECTIONS = {"≥": ">=", ">=": ">=", ">": ">", "≤": "<=", "<=": "<=", "<": "<", "=": "=", "==": "=",
              "定性": "qualitative", "qualitative": "qualitative", "正向": ">=", "反向": "<="}
_EMPTY = {"", "—", "——", "–", "-", "/", "未填报"}
_HUNDRED = Decimal(100)
_SECTION = re.compile(r"^[一二三四五六七八九十]+、")


def import_workbook(table: str | Path, out: str | Path | None = None, *, overwrite: bool = False) -> str:
    """Read a scoring table and return the params YAML; write it to ``out`` when given.

    Parameters
    ----------
    table
        A ``.xlsx`` file in the layout ``evalkit run`` writes (``绩效自评表.xlsx``).
    out
        Where to write the params file (atomically); nothing is written when the table has errors.
    overwrite
        Replace an existing ``out``.

    Returns
    -------
    str
        The params YAML; ``evalkit.load_params`` reads it.

    Raises
    ------
    WorkbookError
        Cells that cannot be read, each with its sheet and cell address.
    FileExistsError
        ``out`` exists and ``overwrite`` is false.
    """
    table = Path(table)
    if out is not None and Path(out).exists() and not overwrite:
        raise FileExistsError(f"{out} exists; choose another name or overwrite it explicitly")
    mapping, reader = read_workbook(table)
    base = Path(out).resolve().parent if out is not None else Path.cwd()
    _check_scheme(reader, mapping.get("scheme"), base)
    reader.raise_if_failed()
    try:
        params = parse_params(mapping, path=str(table))
    except ParamsError as exc:
        raise WorkbookError(str(table), [reader.locate(p) for p in exc.problems]) from None
    text = params_yaml(params, header=f"Imported from {table.name} by `evalkit import-xlsx` (schema evalkit/v1).")
    if out is not None:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        write_atomic(Path(out), text.encode("utf-8"))
    return text


def read_workbook(table: Path) -> tuple[dict, _Reader]:
    """The params mapping a table describes, and the reader (its problems and cell addresses)."""
    import zipfile

    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    shown = str(table)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")
            book = openpyxl.load_workbook(table, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise WorkbookError(shown, [Problem(shown, "", None, f"cannot read as an .xlsx workbook: {exc}")]) from None
    if SHEET not in book.sheetnames:
        raise WorkbookError(shown, [Problem(shown, "", None, f"no sheet named {SHEET!r}; the workbook has "
                                                             f"{', '.join(book.sheetnames)}")])
    reader = _Reader(book[SHEET], shown)
    meta = _meta(book, reader)
    mapping = reader.read(meta)
    reader.raise_if_failed()
    return mapping, reader


def _meta(book, reader: _Reader) -> dict:
    """The hidden sheet's YAML (numbers as exact Decimals), or nothing for a department's own table."""
    if META_SHEET not in book.sheetnames:
        return {}
    sheet = book[META_SHEET]
    text = "\n".join("" if c.value is None else str(c.value) for c in sheet["A"])
    doc, _ = load_yaml(text, f"{reader.shown} sheet {META_SHEET}")
    if doc is None or not isinstance(doc.data, dict) or doc.data.get("format") != META_FORMAT:
        reader.problems.append(Problem(reader.shown, f"{META_SHEET}!A1", None,
                                       f"the hidden sheet is not evalkit's ({META_FORMAT}); delete the sheet "
                                       "to import the visible table alone"))
        return {}
    return doc.data


@dataclass
class _Row:
    row: int
    tier: str | None
    goal: str | None
    values: dict = field(default_factory=dict)


class _Reader:
    """Reads the visible sheet, collecting a problem for every unreadable cell."""

    def __init__(self, sheet, shown: str):
        self.sheet, self.shown = sheet, shown
        self.problems: list[Problem] = []
        self.where: dict[str, str] = {}  # params key path → "绩效自评表!G16 全年完成值"
        self.merged = {}
        for rng in sheet.merged_cells.ranges:
            for row in range(rng.min_row, rng.max_row + 1):
                for col in range(rng.min_col, rng.max_col + 1):
                    self.merged[(row, col)] = rng

    # --- cells ---------------------------------------------------------------------------

    def address(self, row: int, col: int, header: str = "") -> str:
        return f"{self.sheet.title}!{get_column_letter(col)}{row}" + (f" {header}" if header else "")

    def fail(self, row: int, col: int, header: str, message: str) -> None:
        self.problems.append(Problem(self.shown, self.address(row, col, header), None, message))

    def raise_if_failed(self) -> None:
        if self.problems:
            raise WorkbookError(self.shown, self.problems)

    def value(self, row: int, col: int):
        rng = self.merged.get((row, col))
        if rng is not None:
            row, col = rng.min_row, rng.min_col
        value = self.sheet.cell(row, col).value
        return value.strip() if isinstance(value, str) else value

    def text(self, row: int, col: int, header: str, *, optional=True) -> str | None:
        value = self.value(row, col)
        if value is None or value == "":
            if not optional:
                self.fail(row, col, header, "expected text, got an empty cell")
            return None
        if isinstance(value, float | int | Decimal) and not isinstance(value, bool):
            return f"{_decimal(value):f}"
        if isinstance(value, dt.datetime | dt.date):
            return value.isoformat()[:10]
        return str(value)

    def number(self, row: int, col: int, header: str, *, optional=False, written=None,
               minimum: Decimal | None = Decimal(0)) -> tuple[Decimal | None, bool]:
        """A number (and whether it was typed with %); ``written`` keeps the form it had in params."""
        value = self.value(row, col)
        if value is None or (isinstance(value, str) and (value in _EMPTY if optional else value == "")):
            if not optional:
                self.fail(row, col, header, "expected a number, got an empty cell")
            return None, False
        if isinstance(value, dt.datetime | dt.date | dt.time):
            self.fail(row, col, header, f"expected a number, got the date {value.isoformat()} (format the cell as a number)")
            return None, False
        try:
            number, percent = parse_number(_decimal(value) if isinstance(value, float) else value)
        except NumberFormatError:
            self.fail(row, col, header, f"expected a number, got {value!r}")
            return None, False
        if minimum is not None and number < minimum:
            self.fail(row, col, header, f"expected a number ≥ {minimum}, got {number:f}")
            return None, False
        if written is not None and isinstance(written, Decimal) and written == number:
            number = written
        return number, percent

    def locate(self, problem: Problem) -> Problem:
        """A params problem moved to the cell its key was read from."""
        key = problem.key
        while key:
            if key in self.where:
                return Problem(self.shown, self.where[key], None, problem.message)
            cut = max(key.rfind("."), key.rfind("["))
            key = key[:cut] if cut > 0 else ""
        return Problem(self.shown, problem.key, None, problem.message)

    def note(self, key: str, row: int, col: int, header: str = "") -> None:
        self.where[key] = self.address(row, col, header)

    # --- the sheet -----------------------------------------------------------------------

    def rows(self) -> range:
        return range(1, self.sheet.max_row + 1)

    def header_row(self, names: tuple[str, ...], *, start: int, need: int = 2) -> tuple[int, dict] | None:
        """The first row at or after ``start`` holding at least ``need`` of ``names``."""
        for row in range(start, self.sheet.max_row + 1):
            found = {}
            for col in range(1, self.sheet.max_column + 1):
                value = self.sheet.cell(row, col).value
                if isinstance(value, str) and value.strip() in names and value.strip() not in found:
                    found[value.strip()] = col
            if len(found) >= need:
                return row, found
        return None

    def first_content_row(self, start: int) -> int:
        """The first row at or after ``start`` with something beyond column A (labels sit in A)."""
        for row in range(start, self.sheet.max_row + 1):
            if any(self.sheet.cell(row, col).value not in (None, "") for col in range(2, self.sheet.max_column + 1)):
                return row
        return start

    def read(self, meta: dict) -> dict:
        hidden = meta.get("params") if isinstance(meta.get("params"), dict) else {}
        budget_at = self.header_row(BUDGET_READ, start=1)
        info = self._info(budget_at[0] if budget_at else self.sheet.max_row + 1)
        if budget_at is None:
            row = self.first_content_row(max(self.where_info_ends, 1))
            self.fail(row, 2, "", f"expected the header row of the budget block ({' | '.join(BUDGET_HEADERS)}); "
                                  "not found")
            return {}
        budget, budget_end = self._budget(*budget_at, hidden.get("budget") or {})
        indicators_at = self.header_row(INDICATOR_READ, start=budget_end + 1)
        if indicators_at is None:
            row = self.first_content_row(budget_end + 1)
            got = [str(self.sheet.cell(row, c).value) for c in range(1, 4) if self.sheet.cell(row, c).value]
            self.fail(row, 1, "", f"expected the header row of the indicator table ({' | '.join(INDICATOR_READ)}), "
                                  f"got {' | '.join(got) or 'an empty row'}")
            return {}
        goals, table_end = self._indicators(*indicators_at, hidden, meta.get("written") or [])
        self._merges(budget_at[0], budget_end, indicators_at[0], table_end, indicators_at[1])
        reported = dict(hidden.get("reported") or {})
        reported.update(self._results(table_end + 1))
        mapping = {"schema": "evalkit/v1", "department": info["department"], "scheme": info["scheme"],
                   "unit": info["unit"], "budget": budget, "goals": goals}
        if reported:
            mapping["reported"] = {k: v for k, v in reported.items() if v is not None}
        if hidden.get("narrative"):
            mapping["narrative"] = hidden["narrative"]
        return mapping

    def _info(self, end: int) -> dict:
        found = {}
        self.where_info_ends = 1
        for row in range(1, end):
            for col in range(1, self.sheet.max_column):
                label = self.sheet.cell(row, col).value
                if isinstance(label, str) and label.strip() in INFO_LABELS and label.strip() not in found:
                    found[label.strip()] = (row, col + 1)
                    self.where_info_ends = row + 1
        for label in ("部门名称", "部门编码", "评价年度", "评价方案"):
            if label not in found:
                self.fail(1, 1, "", f"expected a cell labelled {label!r} above the budget block, with the value to "
                                    "its right")
        def get(label, optional=True):
            if label not in found:
                return None
            row, col = found[label]
            self.note({"部门名称": "department.name", "部门编码": "department.id", "评价年度": "department.year",
                       "所属地区": "department.region", "评价方案": "scheme", "金额单位": "unit"}[label], row, col, label)
            return self.text(row, col, label, optional=optional)
        year = None
        if "评价年度" in found:
            number, _ = self.number(*found["评价年度"], "评价年度")
            if number is not None and number != number.to_integral_value():
                self.fail(*found["评价年度"], "评价年度", f"expected a whole year like 2023, got {number:f}")
            elif number is not None:
                year = int(number)
            self.note("department.year", *found["评价年度"], "评价年度")
        department = {"id": get("部门编码", False), "name": get("部门名称", False), "year": year}
        region = get("所属地区")
        if region:
            department["region"] = region
        self.scheme_cell = found.get("评价方案")
        return {"department": department, "scheme": get("评价方案", False), "unit": get("金额单位") or "万元"}

    def _budget(self, header: int, cols: dict, hidden: dict) -> tuple[dict, int]:
        missing = [name for name in BUDGET_READ if name not in cols]
        for name in missing:
            self.fail(header, max(cols.values()) + 1, "", f"the budget header row has no {name!r} column")
        if missing:
            return {}, header
        hidden_lines = {line.get("name"): line for line in hidden.get("lines") or [] if isinstance(line, dict)}
        name_col = cols["预算项目"]
        lines, row = [], header
        totals = None
        while True:
            row += 1
            name = self.text(row, name_col, "预算项目")
            if row > self.sheet.max_row or (name is None and all(
                    self.value(row, cols[c]) in (None, "") for c in BUDGET_READ[1:])):
                self.fail(row, name_col, "预算项目", f"expected the budget block to end with a {TOTAL!r} row, "
                                                   "got an empty row")
                break
            if name == TOTAL:
                totals = row
                break
            if name is None:
                self.fail(row, name_col, "预算项目", "expected the budget line's name, got an empty cell")
                continue
            lines.append(self._budget_line(row, cols, name, hidden_lines.get(name, {}), f"budget.lines[{len(lines)}]"))
        budget = {"lines": lines} if lines else {}
        if totals is not None:
            for header_name, key in (("年初预算数", "initial"), ("全年预算数", "adjusted"), ("全年执行数", "executed")):
                budget[key], _ = self.number(totals, cols[header_name], header_name, written=hidden.get(key))
                self.note(f"budget.{key}", totals, cols[header_name], header_name)
            self.where["budget.lines"] = f"{self.sheet.title}!{get_column_letter(name_col)}{header + 1}:" \
                                         f"{get_column_letter(cols['全年执行数'])}{totals} 预算执行情况"
        for key in ("projects", "monthly"):
            if hidden.get(key) is not None:
                budget[key] = hidden[key]
        return budget, row

    def _budget_line(self, row: int, cols: dict, name: str, hidden: dict, key: str) -> dict:
        line = {"name": name, "kind": hidden.get("kind") or _line_kind(name)}
        if hidden.get("count") is not None:
            line["count"] = hidden["count"]
        for header_name, field_name in (("年初预算数", "initial"), ("全年预算数", "adjusted"), ("全年执行数", "executed")):
            value, _ = self.number(row, cols[header_name], header_name, optional=field_name == "initial",
                                   written=hidden.get(field_name))
            self.note(f"{key}.{field_name}", row, cols[header_name], header_name)
            if value is not None:
                line[field_name] = value
        self.note(f"{key}.name", row, cols["预算项目"], "预算项目")
        return line

    def _indicators(self, header: int, cols: dict, hidden: dict, written: list) -> tuple[list, int]:
        missing = [name for name in INDICATOR_READ if name not in cols]
        for name in missing:
            self.fail(header, max(cols.values()) + 1, "", f"the indicator header row has no {name!r} column")
        if missing:
            return [], header
        self.cols = cols
        hidden_goals = {}
        for goal in hidden.get("goals") or []:
            if isinstance(goal, dict):
                hidden_goals.setdefault(goal.get("name"), goal)
        hidden_inds = _keyed((g.get("name"), i) for g in hidden.get("goals") or [] if isinstance(g, dict)
                             for i in g.get("indicators") or [] if isinstance(i, dict))
        written_rows = _keyed((w.get("goal"), w) for w in written if isinstance(w, dict))
        goals: list[dict] = []
        seen: dict[str, int] = {}
        counts: dict[tuple, int] = {}
        row = last = header
        while True:
            row += 1
            if row > self.sheet.max_row:
                break
            first = [self.value(row, col) for col in range(1, cols["指标名称"] + 1)]
            if TOTAL in first:
                break
            rest = [self.value(row, cols[name]) for name in INDICATOR_READ if cols[name] != 1]
            if all(v in (None, "") for v in rest):
                if _SECTION.match(str(self.value(row, 1) or "")):
                    break  # the next block (三、评价结果) begins
                if self.value(row, 1) in (None, ""):
                    continue  # a blank row inside the table is harmless
            last = row
            goal_name = self._goal_name(row, cols["二级指标"])
            name = self.text(row, cols["指标名称"], "指标名称", optional=False)
            if goal_name is None or name is None:
                continue
            if not goals or goals[-1]["name"] != goal_name:
                if goal_name in seen:
                    self.fail(row, cols["二级指标"], "二级指标", f"the goal {goal_name!r} already ended at row "
                                                           f"{seen[goal_name]}; keep a goal's indicators together")
                    continue
                extra = hidden_goals.get(goal_name, {})
                goals.append({"name": goal_name, **{k: extra[k] for k in ("number", "objective") if extra.get(k)},
                              "indicators": []})
                self.note(f"goals[{len(goals) - 1}].name", row, cols["二级指标"], "二级指标")
            seen[goal_name] = row
            k = counts[(goal_name, name)] = counts.get((goal_name, name), -1) + 1
            key = f"goals[{len(goals) - 1}].indicators[{len(goals[-1]['indicators'])}]"
            goals[-1]["indicators"].append(self._indicator(row, key, goal_name, name,
                                                           hidden_inds.get((goal_name, name, k), {}),
                                                           written_rows.get((goal_name, name, k))))
        if not goals and not self.problems:
            self.fail(header + 1, cols["指标名称"], "指标名称", "expected at least one indicator row under the header")
        return goals, last

    def _goal_name(self, row: int, col: int) -> str | None:
        rng = self.merged.get((row, col))
        value = self.value(row, col)
        if value not in (None, ""):
            return str(value)
        if rng is None:
            self.fail(row, col, "二级指标", "expected the goal (绩效目标) name, or a cell merged with the goal above; "
                                         "got an empty cell")
        elif row == rng.min_row:
            self.fail(row, col, "二级指标", f"expected the goal (绩效目标) name in the merged cells {rng.coord}, "
                                         "got an empty cell")
        return None

    def _indicator(self, row: int, key: str, goal: str, name: str, hidden: dict, written: dict | None) -> dict:
        cols = self.cols
        for header_name, field_name in (("指标名称", "name"), ("指标性质", "direction"), ("年度指标值", "target"),
                                        ("全年完成值", "actual"), ("分值", "weight"), ("一级指标", "tier"),
                                        ("计量单位", "unit"), ("得分系数", "coefficient"), ("得分", "reported.score"),
                                        ("偏差原因分析", "deviation")):
            self.note(f"{key}.{field_name}", row, cols[header_name], header_name)
        self.note(key, row, cols["指标名称"], "指标名称")
        out = {"name": name}
        direction_text = self.text(row, cols["指标性质"], "指标性质", optional=False)
        direction = None
        if direction_text is not None:
            direction = DIRECTIONS.get(unicodedata.normalize("NFKC", direction_text).replace(" ", ""))
            if direction is None:
                self.fail(row, cols["指标性质"], "指标性质", f"expected one of ≥ > ≤ < = 定性, got {direction_text!r}")
        out["direction"] = direction or ">="
        unit = self.text(row, cols["计量单位"], "计量单位")
        tier = self.text(row, cols["一级指标"], "一级指标")
        if tier is not None and tier not in TIERS:
            self.fail(row, cols["一级指标"], "一级指标", f"expected one of {'、'.join(TIERS)} or an empty cell, got {tier!r}")
        if direction == "qualitative":
            out["target"] = self.text(row, cols["年度指标值"], "年度指标值", optional=False)
            self._qualitative_actual(row, out, hidden)
        else:
            target, percent = self.number(row, cols["年度指标值"], "年度指标值", written=hidden.get("target"),
                                          minimum=None)
            out["target"] = target
            if percent and unit is None:
                unit = "%"
            out["actual"], _ = self.number(row, cols["全年完成值"], "全年完成值", optional=True,
                                           written=hidden.get("actual"), minimum=None)
        if unit is not None:
            out["unit"] = unit
        if tier in TIERS:
            out["tier"] = tier
        self._claims(row, out, direction, hidden, written)
        deviation = self.text(row, cols["偏差原因分析"], "偏差原因分析")
        if deviation:
            out["deviation"] = deviation
        for extra in ("statement", "rule"):
            if hidden.get(extra) is not None:
                out[extra] = hidden[extra]
        return out

    def _qualitative_actual(self, row: int, out: dict, hidden: dict) -> None:
        text = self.text(row, self.cols["全年完成值"], "全年完成值")
        if text in _EMPTY:
            text = None
        if text in LEVELS:
            out["level"] = text
            out["actual"] = hidden.get("actual") if isinstance(hidden.get("actual"), str) else None
        else:
            out["actual"] = text

    def _claims(self, row: int, out: dict, direction: str | None, hidden: dict, written: dict | None) -> None:
        """分值, 得分系数 and 得分: unchanged cells give back the params' values; changed ones are input."""
        cols = self.cols
        weight, _ = self.number(row, cols["分值"], "分值", optional=True)
        coefficient = self._coefficient(row)
        score, _ = self.number(row, cols["得分"], "得分", optional=True)
        hidden_reported = hidden.get("reported") if isinstance(hidden.get("reported"), dict) else {}
        reported = {}
        if written is not None and _same(weight, written.get("weight")):
            weight = hidden.get("weight")
        if weight is not None:
            out["weight"] = weight
        unchanged_c = written is not None and _same(coefficient, _fraction(written.get("coefficient")))
        if direction == "qualitative":
            given = hidden.get("coefficient") if unchanged_c else _percent(coefficient)
            if given is not None:
                out["coefficient"] = given
            reported["coefficient"] = hidden_reported.get("coefficient")
        else:
            if hidden.get("coefficient") is not None:
                out["coefficient"] = hidden["coefficient"]
            reported["coefficient"] = hidden_reported.get("coefficient") if unchanged_c else _percent(coefficient)
        unchanged_s = written is not None and _same(score, written.get("score"))
        reported["score"] = hidden_reported.get("score") if unchanged_s else score
        reported = {k: v for k, v in reported.items() if v is not None}
        if reported:
            out["reported"] = reported

    def _coefficient(self, row: int) -> Decimal | None:
        """得分系数 as a fraction: 0.85, 85% and "85%" all mean 85 %."""
        col = self.cols["得分系数"]
        value, percent = self.number(row, col, "得分系数", optional=True)
        if value is None:
            return None
        fraction = value / _HUNDRED if percent or value > 1 else value
        if fraction > 1:
            self.fail(row, col, "得分系数", f"expected a coefficient between 0% and 100%, got {value:f}")
            return None
        return fraction

    def _merges(self, budget_header: int, budget_end: int, header: int, end: int, cols: dict) -> None:
        names = {col: name for name, col in cols.items()}
        for rng in self.sheet.merged_cells.ranges:
            where = f"{self.sheet.title}!{rng.coord}"
            if rng.max_row >= budget_header and rng.min_row <= budget_end:
                self.problems.append(Problem(self.shown, where, None, "merged cells in the budget block; unmerge "
                                                                      "them and give each cell its own value"))
            elif rng.max_row > header and rng.min_row <= end:
                header_name = names.get(rng.min_col, get_column_letter(rng.min_col))
                if rng.min_row <= header:
                    message = "merged cells reach into the indicator table's header row; unmerge them"
                elif rng.max_row > end:
                    message = (f"merged cells run past the last indicator row ({end}); merge only the rows of "
                               "one goal")
                elif rng.min_col != rng.max_col:
                    message = "merged cells span several columns; each column needs its own cell"
                elif header_name not in MERGEABLE:
                    message = (f"{header_name} cells cannot be merged: each indicator needs its own value; "
                               f"only {' and '.join(MERGEABLE)} may be merged down a goal's rows")
                else:
                    continue
                self.problems.append(Problem(self.shown, f"{where} {header_name}", None, message))

    def _results(self, start: int) -> dict:
        found = {}
        for row in range(start, self.sheet.max_row + 1):
            for col in range(1, self.sheet.max_column):
                label = self.sheet.cell(row, col).value
                if isinstance(label, str) and label.strip() in READ_RESULTS:
                    found[READ_RESULTS[label.strip()]] = (row, col + 1, label.strip())
        out = {}
        if "score" in found:
            row, col, label = found["score"]
            out["score"], _ = self.number(row, col, label, optional=True)
            self.note("reported.score", row, col, label)
        if "grade" in found:
            row, col, label = found["grade"]
            out["grade"] = self.text(row, col, label)
            self.note("reported.grade", row, col, label)
        return out


def _check_scheme(reader: _Reader, scheme, base: Path) -> None:
    if not isinstance(scheme, str) or scheme in shipped_schemes():
        return
    path = Path(scheme)
    if path.is_file() or (not path.is_absolute() and (base / path).is_file()):
        return
    row, col = getattr(reader, "scheme_cell", None) or (1, 1)
    reader.fail(row, col, "评价方案", f"unknown scheme {scheme!r}; expected one of {', '.join(shipped_schemes())} "
                                  "or the path of a scheme YAML relative to the params file")


def _keyed(pairs) -> dict:
    """``(goal, name, k)`` → item, ``k`` counting repeats of the same name within a goal."""
    out, counts = {}, {}
    for goal, item in pairs:
        k = counts[(goal, item.get("name"))] = counts.get((goal, item.get("name")), -1) + 1
        out[(goal, item.get("name"), k)] = item
    return out


def _decimal(value) -> Decimal:
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _same(cell: Decimal | None, written) -> bool:
    if cell is None or written is None:
        return cell is None and written is None
    try:
        return Decimal(cell) == _decimal(written) if not isinstance(written, str) else False
    except (ArithmeticError, ValueError):
        return False


def _fraction(value):
    return None if value is None else _decimal(value)


def _percent(fraction: Decimal | None) -> Decimal | None:
    if fraction is None:
        return None
    value = (fraction * _HUNDRED).normalize()
    return value if value.as_tuple().exponent <= 0 else value.quantize(Decimal(1))


def _line_kind(name: str) -> str:
    """A budget line's kind from its name, for tables that come without evalkit's hidden sheet."""
    if any(word in name for word in ("项目", "专项")):
        return "project"
    if any(word in name for word in ("人员", "公用", "基本")):
        return "basic"
    return "other"
