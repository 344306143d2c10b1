"""The budget block of a scoring table (一、预算执行情况) as the ``budget`` mapping of a params file.

One row per budget line under the header row (blank rows between them are skipped), ending with a
合计 row that gives the department's totals. The 分值, 执行率 and 得分 columns are evalkit's: a formula there is not read, and a value typed
over one is checked against evalkit's figure (``Cells.computed``).
"""

from __future__ import annotations

from .cells import Cells
from .layout import BUDGET_READ, TOTAL
from .locate import SECTION

#: Amount columns → params fields.
AMOUNTS = (("年初预算数", "initial"), ("全年预算数", "adjusted"), ("全年执行数", "executed"))


def read_budget(cells: Cells, header: int, cols: dict, hidden: dict) -> tuple[dict, int]:
    """The ``budget`` mapping and the row of its 合计 (or where the block ended)."""
    missing = [name for name in BUDGET_READ if name not in cols]
    for name in missing:
        cells.fail(header, max(cols.values()) + 1, "", f"the budget header row has no {name!r} column")
    if missing:
        return {}, header
    lines, totals, row = _lines(cells, header, cols, hidden)
    budget = {"lines": lines} if lines else {}
    if totals is not None:
        _totals(cells, totals, cols, hidden, budget)
        first, last = cells.address(header + 1, cols["预算项目"]), cells.address(totals, cols["全年执行数"])
        cells.where["budget.lines"] = f"{first}:{last.split('!')[1]} 预算执行情况"
    for key in ("projects", "monthly"):
        if hidden.get(key) is not None:
            budget[key] = hidden[key]
    return budget, row


def _lines(cells: Cells, header: int, cols: dict, hidden: dict) -> tuple[list, int | None, int]:
    hidden_lines = {line["name"]: line for line in hidden.get("lines") or []
                    if isinstance(line, dict) and isinstance(line.get("name"), str)}
    name_col = cols["预算项目"]
    lines, row, blank = [], header, None
    while True:
        row += 1
        if row > cells.max_row or SECTION.match(str(cells.value(row, 1) or "")):
            at = blank or row
            cells.fail(at, name_col, "预算项目", f"expected the budget block to end with a {TOTAL!r} row, got "
                                               f"{'an empty row' if blank else 'the end of the block'}")
            return lines, None, at
        name = cells.text(row, name_col, "预算项目")
        if name is None and all(cells.is_blank(row, cols[c]) for c in BUDGET_READ[1:]):
            blank = blank or row  # a blank row inside the block (rows inserted and left empty) is harmless
            continue
        if name == TOTAL:
            return lines, row, row
        if name is None:
            cells.fail(row, name_col, "预算项目", "expected the budget line's name, got an empty cell")
            continue
        key = f"budget.lines[{len(lines)}]"
        lines.append(_line(cells, row, cols, name, hidden_lines.get(name, {}), key))


def _totals(cells: Cells, row: int, cols: dict, hidden: dict, budget: dict) -> None:
    for header, key in AMOUNTS:
        budget[key], _ = cells.number(row, cols[header], header, written=hidden.get(key), what="an amount",
                                      allow_percent=False)
        cells.note(f"budget.{key}", row, cols[header], header)
    for header, figure in (("分值", "execution_weight"), ("执行率", "execution_rate"), ("得分", "execution_score")):
        if header in cols:
            cells.computed(row, cols[header], header, figure)


def _line(cells: Cells, row: int, cols: dict, name: str, hidden: dict, key: str) -> dict:
    line = {"name": name, "kind": hidden.get("kind") or line_kind(name)}
    if hidden.get("count") is not None:
        line["count"] = hidden["count"]
    for header, field in AMOUNTS:
        value, _ = cells.number(row, cols[header], header, optional=field == "initial", written=hidden.get(field),
                                what="an amount", allow_percent=False)
        cells.note(f"{key}.{field}", row, cols[header], header)
        if value is not None:
            line[field] = value
    cells.note(f"{key}.name", row, cols["预算项目"], "预算项目")
    if "执行率" in cols:
        cells.computed(row, cols["执行率"], "执行率", "line_rate", key)
    return line


def line_kind(name: str) -> str:
    """A budget line's kind from its name, for tables that come without evalkit's hidden sheet."""
    if any(word in name for word in ("项目", "专项")):
        return "project"
    if any(word in name for word in ("人员", "公用", "基本")):
        return "basic"
    return "other"
