"""Reading a filled-in scoring table (``绩效自评表.xlsx``) back into a params file (``evalkit/v1``).

The table is found by its labels and headers, not by fixed positions, so added rows and moved
columns are fine (``workbook_layout``). The visible cells are the authority for everything they
show (department, scheme, budget figures, goals, indicators, targets, actuals, weights, 自评得分):
``workbook_budget`` and ``workbook_goals`` read them through ``workbook_cells``. The hidden
``evalkit`` sheet, when present, gives back what the table does not show. Without it, weights
that are the scheme's default split at the precision shown (two decimals) stay the default split
rather than becoming the department's own weights.

Every cell that cannot be read is reported with its sheet and address before anything is
written (``WorkbookError``). The file is read within the form's real extent: ``workbook_archive``
checks the zip and its XML as a bounded stream before openpyxl loads it, numbers and texts are
bounded as they are read, and a value the reader would pass over (under no header, below a
block's 合计) is reported rather than dropped.

>>> text = import_workbook("绩效自评表.xlsx", "params/x.yaml")   # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

from ..core.model import Params
from ..core.numbers import round_half_up
from ..core.params import SCHEMA, parse_params
from ..core.scheme import load_scheme, resolve_scheme_ref, shipped_schemes
from ..core.scoring import plan_weights
from ..core.serialisation import params_yaml
from ..core.source import load_yaml
from ..exceptions import EvalkitError, ParamsError, Problem, WorkbookError
from ..iorw import write_atomic
from .archive import check_archive, read_table_bytes
from .budget import read_budget
from .cells import Cells, unescape
from .goals import read_goals
from .layout import (
    BUDGET_HEADERS,
    BUDGET_READ,
    INDICATOR_READ,
    INFO_LABELS,
    META_FORMAT,
    META_SHEET,
    READ_RESULTS,
    SHEET,
)
from .locate import check_merges, check_strays, first_content_row, header_row, labelled

#: Header-block label → the params key its value gives.
INFO_KEYS = {label: ("department." + field if field not in ("scheme", "unit") else field)
             for label, field in INFO_LABELS.items()}
REQUIRED_INFO = ("部门名称", "部门编码", "评价年度", "评价方案")
#: The hidden sheet's text: evalkit writes about 10 KB and 6,000 YAML tokens for the worked example's
#: forty indicators, 1.4 MB and 270,000 tokens for a table as long as the form allows. Composing YAML
#: costs about 20 µs a token, so the tokens are counted (with libyaml, fast) before it is composed.
MAX_META_CHARS, MAX_META_TOKENS = 4 * 2**20, 400_000


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
    mapping, cells, hidden = _read(table)
    base = Path(out).resolve().parent if out is not None else Path.cwd()
    _check_scheme(cells, mapping.get("scheme"), base)
    cells.raise_if_failed()
    params = _parse(mapping, table, cells)
    if not hidden and _default_split(params, base):
        params = _parse(_without_weights(mapping), table, cells)
    text = params_yaml(params, header=f"Imported from {table.name} by `evalkit import-xlsx` (schema {SCHEMA}).")
    if out is not None:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        write_atomic(Path(out), text.encode("utf-8"))
    return text


def _read(table: Path) -> tuple[dict, Cells, bool]:
    book, archive = _open(table)
    cells = Cells(book[SHEET], str(table), uncached=archive.uncached.get(SHEET, frozenset()))
    meta = _meta(book, cells)
    mapping = _Assembly(cells).read(meta)
    cells.raise_if_failed()
    return mapping, cells, bool(meta)


def _open(table: Path):
    """The workbook, opened by openpyxl only after its archive was checked within bounds."""
    import io

    import openpyxl

    shown = str(table)
    data = read_table_bytes(table, shown)
    archive = check_archive(data, shown)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")
            book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # openpyxl raises any type on a malformed part: all mean "unreadable"
        raise WorkbookError(shown, [Problem(shown, "", None, f"cannot read as an .xlsx workbook: {_reason(exc)}; "
                                                             "save the table again as .xlsx")]) from None
    if SHEET not in book.sheetnames:
        raise WorkbookError(shown, [Problem(shown, "", None, f"no sheet named {SHEET!r}; the workbook has "
                                                             f"{', '.join(book.sheetnames)}")])
    return book, archive


def _reason(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 200 else f"{text[:200]}…"


def _meta(book, cells: Cells) -> dict:
    """The hidden sheet's YAML (numbers as exact Decimals), or nothing for a department's own table."""
    if META_SHEET not in book.sheetnames:
        return {}
    lines = ["" if c.value is None else unescape(str(c.value)) for c in book[META_SHEET]["A"]]
    if sum(len(line) + 1 for line in lines) > MAX_META_CHARS:
        cells.fail_at(f"{META_SHEET}!A1", f"the hidden sheet holds more than {MAX_META_CHARS // 2**20} MB of text; "
                                          "evalkit writes far less: delete the sheet to import the visible table alone")
        return {}
    text = "\n".join(lines)
    if _tokens(text) > MAX_META_TOKENS:
        cells.fail_at(f"{META_SHEET}!A1", f"the hidden sheet holds more than {MAX_META_TOKENS} YAML tokens; evalkit "
                                          "writes far fewer: delete the sheet to import the visible table alone")
        return {}
    doc, problems = load_yaml(text, f"{cells.shown} sheet {META_SHEET}")
    if doc is None and problems:
        cells.fail_at(f"{META_SHEET}!A{problems[0].line or 1}", f"the hidden sheet cannot be read: {problems[0].message}; "
                                                                "delete the sheet to import the visible table alone")
        return {}
    if doc is None or not isinstance(doc.data, dict) or doc.data.get("format") != META_FORMAT:
        cells.fail_at(f"{META_SHEET}!A1", f"the hidden sheet is not evalkit's ({META_FORMAT}); delete the sheet "
                                          "to import the visible table alone")
        return {}
    return _shaped(doc.data)


def _tokens(text: str) -> int:
    """YAML tokens in ``text``, counted no further than one past :data:`MAX_META_TOKENS`."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    count = 0
    try:
        for _ in yaml.scan(text, Loader=loader):
            count += 1
            if count > MAX_META_TOKENS:
                break
    except yaml.YAMLError:
        pass  # composing it says what is wrong, and where
    return count


def _shaped(meta: dict) -> dict:
    """The hidden sheet with each part it gives back of the shape the reader expects; a part of another
    shape (someone edited the sheet) is dropped, and the visible cells speak alone for it."""
    params = meta.get("params") if isinstance(meta.get("params"), dict) else {}
    kinds = {"budget": dict, "goals": list, "reported": dict, "narrative": dict}
    params = {k: v for k, v in params.items() if isinstance(v, kinds.get(k, object))}
    if "budget" in params:
        params["budget"] = {k: v for k, v in params["budget"].items() if k != "lines" or isinstance(v, list)}
    written = meta.get("written") if isinstance(meta.get("written"), list) else []
    return {**meta, "params": params, "written": written}


def _parse(mapping: dict, table: Path, cells: Cells) -> Params:
    try:
        return parse_params(mapping, path=str(table))
    except ParamsError as exc:
        raise WorkbookError(str(table), [cells.locate(p) for p in exc.problems]) from None


class _Assembly:
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
        budget, budget_end = read_budget(cells, *budget_at, hidden.get("budget") or {})
        table_at = header_row(cells, INDICATOR_READ, start=budget_end + 1)
        if table_at is None:
            self._no_indicator_header(budget_end + 1)
            return {}
        goals, table_end = read_goals(cells, *table_at, hidden, meta.get("written") or [])
        check_merges(cells, budget=(budget_at[0], budget_end), table=(table_at[0], table_end), cols=table_at[1])
        if set(BUDGET_READ) <= set(budget_at[1]) and set(INDICATOR_READ) <= set(table_at[1]):
            check_strays(cells, budget=(budget_at[0], budget_end, budget_at[1]),
                         table=(table_at[0], table_end, table_at[1]))
        mapping = {"schema": SCHEMA, **info, "budget": budget, "goals": goals}
        reported = {**(hidden.get("reported") or {}), **self._results(table_end + 1)}
        if any(v is not None for v in reported.values()):
            mapping["reported"] = {k: v for k, v in reported.items() if v is not None}
        if hidden.get("narrative"):
            mapping["narrative"] = hidden["narrative"]
        return mapping

    def _no_indicator_header(self, start: int) -> None:
        cells = self.cells
        row = first_content_row(cells, start)
        got = [str(cells.sheet.cell(row, c).value) for c in range(1, 4) if cells.sheet.cell(row, c).value]
        cells.fail(row, 1, "", f"expected the header row of the indicator table ({' | '.join(INDICATOR_READ)}), "
                               f"got {' | '.join(got) or 'an empty row'}")

    def _info(self, end: int) -> dict:
        """部门名称, 部门编码, 评价年度, 所属地区, 评价方案 and 金额单位 from the labelled cells above the budget."""
        found = labelled(self.cells, INFO_LABELS, range(1, end))
        self.info_end = max((row + 1 for row, _ in found.values()), default=1)
        for label in REQUIRED_INFO:
            if label not in found:
                self.cells.fail(1, 1, "", f"expected a cell labelled {label!r} above the budget block, with the "
                                          "value to its right")
        department = {"id": self._text(found, "部门编码", False), "name": self._text(found, "部门名称", False),
                      "year": self._year(found.get("评价年度"))}
        region = self._text(found, "所属地区")
        if region:
            department["region"] = region
        return {"department": department, "scheme": self._text(found, "评价方案", False),
                "unit": self._text(found, "金额单位") or "万元"}

    def _text(self, found: dict, label: str, optional=True) -> str | None:
        if label not in found:
            return None
        self.cells.note(INFO_KEYS[label], *found[label], label)
        return self.cells.text(*found[label], label, optional=optional)

    def _year(self, at: tuple[int, int] | None) -> int | None:
        if at is None:
            return None
        self.cells.note("department.year", *at, "评价年度")
        number, _ = self.cells.number(*at, "评价年度", what="a year like 2023", allow_percent=False)
        if number is not None and number != number.to_integral_value():
            self.cells.fail(*at, "评价年度", f"expected a whole year like 2023, got {number:f}")
            return None
        return None if number is None else int(number)

    def _results(self, start: int) -> dict:
        """部门自评得分 and 部门自评等级 from the result block below the indicator table."""
        found = labelled(self.cells, READ_RESULTS, range(start, self.cells.max_row + 1))
        out = {}
        if "部门自评得分" in found:
            out["score"], _ = self.cells.number(*found["部门自评得分"], "部门自评得分", optional=True, what="a score",
                                               allow_percent=False)
            self.cells.note("reported.score", *found["部门自评得分"], "部门自评得分")
        if "部门自评等级" in found:
            out["grade"] = self.cells.text(*found["部门自评等级"], "部门自评等级")
            self.cells.note("reported.grade", *found["部门自评等级"], "部门自评等级")
        return out


def _check_scheme(cells: Cells, scheme, base: Path) -> None:
    if not isinstance(scheme, str) or resolve_scheme_ref(scheme, relative_to=base) is not None:
        return
    row, col = cells.at.get("scheme", (1, 1))
    cells.fail(row, col, "评价方案", f"unknown scheme {scheme!r}; expected one of {', '.join(shipped_schemes())} "
                                 "or the path of a scheme YAML relative to the params file")


def _default_split(params: Params, base: Path) -> bool:
    """Whether every indicator's weight is the scheme's default weight as the table shows it (two
    decimals): a table exported by evalkit, its hidden sheet gone, says nothing about weights."""
    indicators = params.indicators
    if not indicators or any(ind.weight is None for ind in indicators):
        return False
    try:
        scheme = load_scheme(params.scheme, relative_to=base)
    except EvalkitError:
        return False
    plan = plan_weights(tuple(dataclasses.replace(ind, weight=None) for ind in indicators), scheme)
    return all(round_half_up(ind.weight, 2) == round_half_up(w, 2) for ind, w in zip(indicators, plan.weights,
                                                                                     strict=True))


def _without_weights(mapping: dict) -> dict:
    goals = [{**goal, "indicators": [{k: v for k, v in ind.items() if k != "weight"} for ind in goal["indicators"]]}
             for goal in mapping["goals"]]
    return {**mapping, "goals": goals}
