"""The indicator table of a scoring table (三、绩效指标完成情况) as the ``goals`` of a params file.

One row per indicator, a goal's rows together (its 二级指标 cell may be merged down them), ending at
the 合计 row or the next section. What a department typed is read; a formula is not:

* 分值: a number is the indicator's own weight; a formula (evalkit's ``=90/41``) or an empty cell is
  the scheme's default split, and so is a number still equal to what evalkit wrote there (a table
  whose formulas were pasted as values);
* 得分系数 of a 定性 row: a number is the department's coefficient; a formula is the scheme's default
  for the row's 达成程度, and so is the number that default gave when evalkit wrote the table;
* 得分系数 of any other row, and 得分: evalkit's formulas, never read; a value typed over one is checked
  against evalkit's figure once the table is scored (:mod:`.verify`), and is no claim of the department.

A 定性 row's level is its 达成程度 (tables without that column give it in 实际完成值). An indicator's
row repeated within its goal is an error, unless the params file itself had the repeat (the hidden
sheet says so).
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal

from ..core import serialisation
from ..core.model import LEVELS, TIERS
from ..core.params import HUNDRED
from .cells import EMPTY, Cells, same_number
from .layout import ACTUAL, DEVIATION, DIRECTION_CHOICES, GOAL, INDICATOR_READ, LEVEL, NAME, TOTAL
from .locate import SECTION

DIRECTIONS = {"≥": ">=", ">=": ">=", ">": ">", "≤": "<=", "<=": "<=", "<": "<", "=": "=", "==": "=",
              "定性": "qualitative", "qualitative": "qualitative", "正向": ">=", "反向": "<="}
#: Column → the indicator field it gives (for locating params problems).
FIELDS = ((NAME, "name"), ("指标性质", "direction"), ("年度指标值", "target"), (ACTUAL, "actual"),
          ("分值", "weight"), ("一级指标", "tier"), ("计量单位", "unit"), ("得分系数", "coefficient"),
          (LEVEL, "level"), (DEVIATION, "deviation"))


def read_goals(cells: Cells, header: int, cols: dict, hidden: dict, written: list) -> tuple[list, int, int | None]:
    """The ``goals`` list, the last row of the table and the row of its 合计 (None when it ends otherwise)."""
    missing = [name for name in INDICATOR_READ if name not in cols]
    for name in missing:
        cells.fail(header, max(cols.values()) + 1, "", f"the indicator header row has no {name!r} column")
    if missing:
        return [], header, None
    table = _Table(cells, cols, hidden, written)
    last = table.read(header)
    if not table.goals and not cells.problems:
        cells.fail(header + 1, cols[NAME], NAME, "expected at least one indicator row under the header")
    return table.goals, last, table.total


def _keyed(pairs) -> dict:
    """``(goal, name, k)`` → item, ``k`` counting repeats of the same name within a goal."""
    out, counts = {}, {}
    for goal, item in pairs:
        if not isinstance(goal, str) or not isinstance(item.get("name"), str):
            continue  # an edited hidden sheet: the visible cells speak alone
        k = counts[(goal, item.get("name"))] = counts.get((goal, item.get("name")), -1) + 1
        out[(goal, item.get("name"), k)] = item
    return out


class _Table:
    def __init__(self, cells: Cells, cols: dict, hidden: dict, written: list):
        self.cells, self.cols = cells, cols
        hidden_goals = [g for g in hidden.get("goals") or [] if isinstance(g, dict)]
        # name → goal, the first of a repeated name
        self.hidden_goals = {g["name"]: g for g in reversed(hidden_goals) if isinstance(g.get("name"), str)}
        self.hidden_inds = _keyed((g.get("name"), i) for g in hidden_goals
                                  for i in g.get("indicators") or [] if isinstance(i, dict))
        self.written = _keyed((w.get("goal"), w) for w in written if isinstance(w, dict))
        self.goals: list[dict] = []
        self.ended: dict[str, int] = {}  # goal → its last row so far
        self.counts: dict[tuple, int] = {}
        self.first_rows: dict[tuple, int] = {}  # (goal, name) → the row it was first on
        self.total: int | None = None  # the 合计 row

    def read(self, header: int) -> int:
        row = last = header
        while row < self.cells.max_row:
            row += 1
            status = self._status(row)
            if status == "total":
                self.total = row
                break
            if status == "end":
                break
            if status == "row":
                last = row
                self._row(row)
        return last

    def _status(self, row: int) -> str:
        """``total`` (the 合计 row), ``end`` (the next section), ``skip`` (a blank row) or ``row``."""
        cells, cols = self.cells, self.cols
        if TOTAL in [cells.value(row, col) for col in range(1, cols[NAME] + 1)]:
            return "total"
        if not any(self._own(row, col) for col in cols.values() if col != 1):
            if SECTION.match(str(cells.value(row, 1) or "")):
                return "end"  # the next block (四、评价结果) begins
            if not self._own(row, 1):
                return "skip"  # a blank row inside the table (rows inserted and left empty) is harmless
        return "row"

    def _own(self, row: int, col: int) -> bool:
        """Whether a cell holds a value of its own: not a merged range's continuation (a goal's name
        merged down its rows), not one of evalkit's formulas (a default weight), not empty."""
        return (row, col) not in self.cells.formulas and self.cells.sheet.cell(row, col).value not in (None, "")

    def _row(self, row: int) -> None:
        goal = self._goal_name(row)
        name = self.cells.text(row, self.cols[NAME], NAME, optional=False)
        if goal is None or name is None or not self._enter_goal(row, goal):
            return
        k = self.counts[(goal, name)] = self.counts.get((goal, name), -1) + 1
        first = self.first_rows.setdefault((goal, name), row)
        if k and (goal, name, k) not in self.hidden_inds:  # a repeat the params file did not have
            self.cells.fail(row, self.cols[NAME], NAME,
                            f"the indicator {name!r} of the goal {goal!r} is already on row {first}; each indicator "
                            "appears once: delete the repeated row, or give the indicator a name of its own")
            return
        key = f"goals[{len(self.goals) - 1}].indicators[{len(self.goals[-1]['indicators'])}]"
        indicator = _Indicator(self, row, key, self.hidden_inds.get((goal, name, k), {}),
                               self.written.get((goal, name, k)))
        self.goals[-1]["indicators"].append(indicator.read(name))

    def _enter_goal(self, row: int, goal: str) -> bool:
        """Start a new goal when the name changes; a goal that already ended cannot start again."""
        col = self.cols[GOAL]
        if not self.goals or self.goals[-1]["name"] != goal:
            if goal in self.ended:
                self.cells.fail(row, col, GOAL, f"the goal {goal!r} already ended at row {self.ended[goal]}; "
                                                "keep a goal's indicators together")
                return False
            extra = self.hidden_goals.get(goal, {})
            self.goals.append({"name": goal, **{k: extra[k] for k in ("number", "objective") if extra.get(k)},
                               "indicators": []})
            self.cells.note(f"goals[{len(self.goals) - 1}].name", row, col, GOAL)
        self.ended[goal] = row
        return True

    def _goal_name(self, row: int) -> str | None:
        col = self.cols[GOAL]
        if not self.cells.usable(row, col, GOAL):
            return None
        rng = self.cells.merged.get((row, col))
        value = self.cells.value(row, col)
        if value not in (None, ""):
            return str(value)
        if rng is None:
            self.cells.fail(row, col, GOAL, "expected the goal name, or a cell merged with the goal above; "
                                            "got an empty cell")
        elif row == rng.min_row:
            self.cells.fail(row, col, GOAL, f"expected the goal name in the merged cells {rng.coord}, "
                                            "got an empty cell")
        return None


class _Indicator:
    """One indicator row; ``hidden`` is its entry in the hidden sheet, ``written`` what evalkit wrote."""

    def __init__(self, table: _Table, row: int, key: str, hidden: dict, written: dict | None):
        self.cells, self.cols, self.row, self.key = table.cells, table.cols, row, key
        self.hidden, self.written = hidden, written

    def text(self, header: str, *, optional=True) -> str | None:
        return self.cells.text(self.row, self.cols[header], header, optional=optional)

    def number(self, header: str, **kwargs) -> tuple[Decimal | None, bool]:
        return self.cells.number(self.row, self.cols[header], header, **kwargs)

    def read(self, name: str) -> dict:
        for header, field in FIELDS:
            if header in self.cols:
                self.cells.note(f"{self.key}.{field}", self.row, self.cols[header], header)
        self.cells.note(self.key, self.row, self.cols[NAME], NAME)
        out = {"name": name}
        direction = self._direction()
        out["direction"] = direction or ">="
        unit, tier = self.text("计量单位"), self._tier()
        if direction == "qualitative":
            out["target"] = self.text("年度指标值", optional=False)
            self._qualitative_actual(out)
        else:
            unit = self._quantities(out, unit)
            if LEVEL in self.cols and self.text(LEVEL) not in (None, *EMPTY):
                out["level"] = self.text(LEVEL)  # the params say where a level does not belong
        if unit is not None:
            out["unit"] = unit
        if tier is not None:
            out["tier"] = tier
        self._weight(out)
        self._coefficient(out, direction)
        self.cells.computed(self.row, self.cols["得分"], "得分", "score", self.key)
        reported = self.hidden.get("reported") if isinstance(self.hidden.get("reported"), dict) else {}
        reported = {k: reported.get(k) for k in ("score", "coefficient") if reported.get(k) is not None}
        if reported:
            out["reported"] = reported
        self._extras(out)
        return out

    def _direction(self) -> str | None:
        text = self.text("指标性质", optional=False)
        if text is None:
            return None
        direction = DIRECTIONS.get(unicodedata.normalize("NFKC", text).replace(" ", ""))
        if direction is None:
            self.cells.fail(self.row, self.cols["指标性质"], "指标性质",
                            f"expected one of {' '.join(DIRECTION_CHOICES)}, got {text!r}")
        return direction

    def _tier(self) -> str | None:
        tier = self.text("一级指标")
        if tier is not None and tier not in TIERS:
            self.cells.fail(self.row, self.cols["一级指标"], "一级指标",
                            f"expected one of {'、'.join(TIERS)} or an empty cell, got {tier!r}")
            return None
        return tier

    def _quantities(self, out: dict, unit: str | None) -> str | None:
        """Target and actual of a quantitative indicator; a target shown as a percentage implies ``%``."""
        out["target"], percent = self.number("年度指标值", written=self.hidden.get("target"), minimum=None)
        out["actual"], _ = self.number(ACTUAL, optional=True, written=self.hidden.get("actual"), minimum=None)
        return "%" if percent and unit is None else unit

    def _qualitative_actual(self, out: dict) -> None:
        """实际完成值 as text and the level from 达成程度; a table without that column gives the level in
        实际完成值 (its text then comes from the hidden sheet)."""
        text = self.text(ACTUAL)
        text = None if text in EMPTY else text
        if LEVEL not in self.cols:
            if text in LEVELS:
                out["level"] = text
                text = self.hidden.get("actual") if isinstance(self.hidden.get("actual"), str) else None
            out["actual"] = text
            return
        out["actual"] = text
        level = self.text(LEVEL)
        if level in (None, *EMPTY):
            return
        if level not in LEVELS:
            self.cells.fail(self.row, self.cols[LEVEL], LEVEL, f"expected {'、'.join(LEVELS)} or an empty cell, "
                                                                f"got {level!r}")
            return
        out["level"] = level

    def _extras(self, out: dict) -> None:
        deviation = self.text(DEVIATION)
        if deviation:
            out["deviation"] = deviation
        for extra in ("statement", "rule"):
            if self.hidden.get(extra) is not None:
                out[extra] = self.hidden[extra]

    def _weight(self, out: dict) -> None:
        """分值: a formula (evalkit's default split) or an empty cell says nothing; a number still equal to
        what evalkit wrote gives back the params' weight; another number is the indicator's own weight."""
        if self.cells.formula(self.row, self.cols["分值"]):
            return
        weight, _ = self.number("分值", optional=True, what="points", allow_percent=False)
        if self.written is not None and same_number(weight, self.written.get("weight")):
            weight = self.hidden.get("weight")
        if weight is not None:
            out["weight"] = weight

    def _coefficient(self, out: dict, direction: str | None) -> None:
        """得分系数: a 定性 row's typed coefficient is the department's; elsewhere the cell is evalkit's
        (checked when typed over), and a coefficient the params gave another row comes back hidden."""
        col = self.cols["得分系数"]
        if direction != "qualitative":
            self.cells.computed(self.row, col, "得分系数", "coefficient", self.key)
            given = self.hidden.get("coefficient")
        elif self.cells.formula(self.row, col):
            given = None  # the scheme's default for the level
        else:
            fraction = self._fraction()
            claimed = serialisation.percent(fraction)  # in percent, as params write it
            given = self.hidden.get("coefficient") if same_number(claimed, self.hidden.get("coefficient")) else claimed
            if self.written is not None and "coefficient" in self.written and fraction is not None \
                    and same_number(fraction, self.written["coefficient"]):
                given = self.hidden.get("coefficient")  # the default evalkit wrote, pasted as a value
        if given is not None:
            out["coefficient"] = given

    def _fraction(self) -> Decimal | None:
        """得分系数 as a fraction: 0.85, 85, "85%" and 85 % formatted as a percentage all mean 85 %."""
        col = self.cols["得分系数"]
        value, percent = self.number("得分系数", optional=True)
        if value is None:
            return None
        fraction = value / HUNDRED if percent or value > 1 else value
        if fraction > 1:
            self.cells.fail(self.row, col, "得分系数", f"expected a coefficient between 0% and 100%, got {value:f}")
            return None
        return fraction
