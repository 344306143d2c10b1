"""The params mapping assembled from a scoring table's blocks, top to bottom: the header block, the
budget (:mod:`.budget`), 年度总体目标, the indicator table (:mod:`.goals`) with its 合计 and 总分 rows,
the result block and the signature block.

Of 年度总体目标, 实际完成情况 is the department's (the narrative's ``achievements``, a paragraph a
line) and 预期目标 is evalkit's, written from the goals' objectives: the objectives come back from the
hidden sheet, and a 预期目标 someone changed is an error rather than an edit silently lost. Of the
result block, 部门自评得分 and 部门自评等级 are read, and 填报日期 of the signature block is the
report's date; 填报单位, 填报人 and 联系电话 are for the printed form and not read.
"""

from __future__ import annotations

from ..core.params import SCHEMA
from .budget import read_budget
from .cells import Cells
from .goals import read_goals
from .layout import (
    ACHIEVED,
    BUDGET_HEADERS,
    BUDGET_READ,
    EXPECTED,
    GRAND_TOTAL,
    INDICATOR_READ,
    INFO_LABELS,
    LEVEL,
    NAME,
    READ_RESULTS,
    SHOWN_LABELS,
)
from .locate import check_merges, check_strays, first_content_row, header_row, headings, labelled

#: Header-block field → the params key its value gives.
INFO_KEYS = {"name": "department.name", "id": "department.id", "year": "department.year",
             "region": "department.region", "scheme": "scheme", "unit": "unit"}
REQUIRED_INFO = ("name", "id", "year", "scheme")
#: Result-block labels whose value is evalkit's (checked when typed over), by the figure they show.
RESULT_FIGURES = {"预算执行得分": "execution_score", "绩效指标得分": "indicators_total",
                  "未计分指标分值": "unscored_points", "评价等级": "grade"}


class Assembly:
    """The params mapping from the table's blocks, top to bottom."""

    def __init__(self, cells: Cells):
        self.cells = cells
        self.info_end = 1

    def read(self, meta: dict) -> dict:
        cells = self.cells
        hidden = meta.get("params") if isinstance(meta.get("params"), dict) else {}
        budget_at = header_row(cells, BUDGET_READ, start=1)
        info = self._info(budget_at[0] if budget_at else cells.max_row + 1)
        if budget_at is None:
            row = first_content_row(cells, max(self.info_end, 1))
            cells.fail(row, 2, "", f"expected the header row of the budget block ({' | '.join(BUDGET_HEADERS)}); "
                                   "not found")
            return {}
        budget_cols = {**{h: c for h, c in headings(cells, budget_at[0]).items() if h in BUDGET_HEADERS}, **budget_at[1]}
        budget, budget_end = read_budget(cells, budget_at[0], budget_cols, hidden.get("budget") or {})
        table_at = header_row(cells, INDICATOR_READ + (LEVEL,), start=budget_end + 1)
        overall = self._overall_at(budget_end + 1, table_at[0] if table_at else cells.max_row + 1)
        if table_at is None:
            self._no_indicator_header(overall[0] + 2 if overall else budget_end + 1)
            return {}
        narrative = self._overall(overall, hidden.get("narrative"), meta.get("objectives"))
        goals, table_end, total = read_goals(cells, *table_at, hidden, meta.get("written") or [])
        check_merges(cells, budget=(budget_at[0], budget_end), table=(table_at[0], table_end), cols=table_at[1])
        if set(BUDGET_READ) <= set(budget_at[1]) and set(INDICATOR_READ) <= set(table_at[1]):
            check_strays(cells, budget=(budget_at[0], budget_end, budget_at[1]),
                         table=(table_at[0], table_end, table_at[1]))
        new_layout = LEVEL in table_at[1]  # tables before the MoF layout held rounded figures, not formulas
        if total is not None and new_layout:
            self._totals(total, table_at[1])
        shown = ("id", "name", "year", "region")  # what else the params say of the department comes back hidden
        kept = hidden.get("department") if isinstance(hidden.get("department"), dict) else {}
        info["department"] = {**{k: v for k, v in kept.items() if k not in shown}, **info["department"]}
        mapping = {"schema": SCHEMA, **info, "budget": budget, "goals": goals}
        reported = {**(hidden.get("reported") or {}), **self._results(table_end + 1, checked=new_layout)}
        if any(v is not None for v in reported.values()):
            mapping["reported"] = {k: v for k, v in reported.items() if v is not None}
        if narrative:
            mapping["narrative"] = narrative
        return mapping

    def _no_indicator_header(self, start: int) -> None:
        cells = self.cells
        row = first_content_row(cells, start)
        got = [str(cells.sheet.cell(row, c).value) for c in range(1, 4) if cells.sheet.cell(row, c).value]
        cells.fail(row, 1, "", f"expected the header row of the indicator table ({' | '.join(INDICATOR_READ)}), "
                               f"got {' | '.join(got) or 'an empty row'}")

    # --- the header block ---------------------------------------------------------------------

    def _info(self, end: int) -> dict:
        """单位名称, 年度, 金额单位, 部门编码, 所属地区 and 评价方案 from the labelled cells above the budget."""
        found_labels = labelled(self.cells, INFO_LABELS, range(1, end), shown=SHOWN_LABELS)
        self.info_end = max((row + 1 for row, _ in found_labels.values()), default=1)
        found: dict[str, tuple[str, tuple[int, int]]] = {}
        for label, at in found_labels.items():
            found.setdefault(INFO_LABELS[label], (label, at))
        for field in REQUIRED_INFO:
            if field not in found:
                label = next(label for label, f in INFO_LABELS.items() if f == field)
                self.cells.fail(1, 1, "", f"expected a cell labelled {label!r} above the budget block, with the "
                                          "value to its right")
        department = {"id": self._text(found, "id", False), "name": self._text(found, "name", False),
                      "year": self._year(found.get("year"))}
        region = self._text(found, "region")
        if region:
            department["region"] = region
        return {"department": department, "scheme": self._text(found, "scheme", False),
                "unit": self._text(found, "unit") or "万元"}

    def _text(self, found: dict, field: str, optional=True) -> str | None:
        if field not in found:
            return None
        label, at = found[field]
        self.cells.note(INFO_KEYS[field], *at, label)
        return self.cells.text(*at, label, optional=optional)

    def _year(self, found: tuple[str, tuple[int, int]] | None) -> int | None:
        if found is None:
            return None
        label, at = found
        self.cells.note("department.year", *at, label)
        number, _ = self.cells.number(*at, label, what="a year like 2023", allow_percent=False)
        if number is not None and number != number.to_integral_value():
            self.cells.fail(*at, label, f"expected a whole year like 2023, got {number:f}")
            return None
        return None if number is None else int(number)

    # --- 年度总体目标 -----------------------------------------------------------------------------

    def _overall_at(self, start: int, end: int) -> tuple[int, dict] | None:
        """The header row of 年度总体目标 (预期目标 | 实际完成情况) and its columns, if the table has it."""
        for row in range(start, end):
            found = headings(self.cells, row)
            if EXPECTED in found and ACHIEVED in found:
                return row, found
        return None

    def _overall(self, at: tuple[int, dict] | None, hidden: dict | None, objectives: str | None) -> dict:
        """The narrative: the hidden sheet's, with ``achievements`` from 实际完成情况 when the block is there."""
        narrative = dict(hidden) if isinstance(hidden, dict) else {}
        if at is None:
            return narrative  # a table without the block: the hidden sheet speaks alone
        cells, (row, found) = self.cells, at
        expected_at, achieved_at = (row + 1, found[EXPECTED]), (row + 1, found[ACHIEVED])
        if isinstance(objectives, str) and _lines(cells.text(*expected_at, EXPECTED)) != _lines(objectives):
            cells.fail(*expected_at, EXPECTED, "预期目标 is written from the goals' objectives and is not read; undo "
                                               "the change, and change an objective in the params file (its goal's "
                                               "objective)")
        cells.note("narrative.achievements", *achieved_at, ACHIEVED)
        text = cells.text(*achieved_at, ACHIEVED)
        kept = narrative.get("achievements")
        if isinstance(kept, list) and all(isinstance(a, str) for a in kept) and _lines("\n".join(kept)) == _lines(text):
            return narrative
        narrative.pop("achievements", None)
        if _lines(text):
            narrative["achievements"] = _lines(text)
        return narrative

    # --- below the indicator table --------------------------------------------------------------

    def _totals(self, total: int, cols: dict) -> None:
        """合计 and the 总分 row below it: evalkit's formulas, checked when typed over."""
        cells = self.cells
        cells.computed(total, cols["分值"], "分值", "weights_total")
        cells.computed(total, cols["得分"], "得分", "indicators_total")
        row = total + 1
        if row <= cells.max_row and GRAND_TOTAL in [cells.value(row, c) for c in range(1, cols[NAME] + 1)]:
            cells.computed(row, cols["分值"], "分值", "total_points")
            cells.computed(row, cols["得分"], "得分", "total")

    def _results(self, start: int, *, checked: bool) -> dict:
        """部门自评得分, 部门自评等级 and 填报日期 from below the indicator table; evalkit's result cells
        are checked when typed over (``checked``: a table in this layout)."""
        cells = self.cells
        found = labelled(cells, {**READ_RESULTS, **RESULT_FIGURES}, range(start, cells.max_row + 1))
        out = {}
        if "部门自评得分" in found:
            out["score"], _ = cells.number(*found["部门自评得分"], "部门自评得分", optional=True, what="a score",
                                          allow_percent=False)
            cells.note("reported.score", *found["部门自评得分"], "部门自评得分")
        for label, key in (("部门自评等级", "grade"), ("填报日期", "report_date")):
            if label in found:
                out[key] = cells.text(*found[label], label)
                cells.note(f"reported.{key}", *found[label], label)
        for label, figure in RESULT_FIGURES.items():
            if checked and label in found:
                cells.computed(*found[label], label, figure)
        return out


def _lines(text: str | None) -> list[str]:
    """A block of text as its non-empty lines (how 实际完成情况 holds a paragraph each)."""
    return [line.strip() for line in (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n") if line.strip()]
