"""Reading a filled-in scoring table (``绩效自评表.xlsx``) back into a params file (``evalkit/v1``).

The table is found by its labels and headers, not by fixed positions, so added rows, moved
columns, changed styles and a renamed sheet are fine (``locate``). What people typed is read, never
a formula's result: the visible cells are the authority for everything a department fills in
(department, scheme, budget figures, goals, indicators, targets, actuals, levels, weights,
实际完成情况, 自评得分, 填报日期), read by ``budget`` and ``goals`` through ``cells``; a value typed
over one of evalkit's formulas is checked against evalkit's figure once the table is scored
(``verify``). The hidden ``evalkit`` sheet, when present, gives back what the table does not show.
Without it, weights that are the scheme's default split at the precision shown (two decimals) stay
the default split rather than becoming the department's own weights.

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
from ..core.source import YAML_LOADER, load_yaml
from ..exceptions import EvalkitError, ParamsError, Problem, WorkbookError
from ..iorw import write_atomic
from .archive import check_archive, read_table_bytes
from .assembly import Assembly
from .cells import Cells, unescape
from .layout import META_FORMAT, META_SHEET
from .locate import find_form
from .verify import check_typed

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
    from .project import import_project_workbook, is_project_workbook

    if is_project_workbook(table):  # a 项目支出绩效自评表 (kind: project)
        return _write_imported(import_project_workbook(table), out)
    mapping, cells, hidden = _read(table)
    base = Path(out).resolve().parent if out is not None else Path.cwd()
    _check_scheme(cells, mapping.get("scheme"), base)
    cells.raise_if_failed()
    params = _parse(mapping, table, cells)
    if not hidden and _default_split(params, base):
        params = _parse(_without_weights(mapping), table, cells)
    check_typed(cells, params, base)
    text = params_yaml(params, header=f"Imported from {table.name} by `evalkit import-xlsx` (schema {SCHEMA}).")
    return _write_imported(text, out)


def _write_imported(text: str, out: str | Path | None) -> str:
    if out is not None:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        write_atomic(Path(out), text.encode("utf-8"))
    return text


def _read(table: Path) -> tuple[dict, Cells, bool]:
    book, archive = _open(table)
    sheet = find_form(book, str(table))
    cells = Cells(sheet, str(table), uncached=archive.uncached.get(sheet.title, frozenset()),
                  formulas=archive.formulas.get(sheet.title, frozenset()))
    meta = _meta(book, cells)
    mapping = Assembly(cells).read(meta)
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
    return book, archive


def _reason(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 200 else f"{text[:200]}…"


def _meta(book, cells: Cells) -> dict:
    """The hidden sheet's YAML (numbers as exact Decimals), or nothing for a department's own table."""
    def refuse(why: str, line: int = 1) -> dict:
        cells.fail_at(f"{META_SHEET}!A{line}", f"the hidden sheet {why} delete the sheet to import the visible table alone")
        return {}

    if META_SHEET not in book.sheetnames:
        return {}
    lines = ["" if c.value is None else unescape(str(c.value)) for c in book[META_SHEET]["A"]]
    if sum(len(line) + 1 for line in lines) > MAX_META_CHARS:
        return refuse(f"holds more than {MAX_META_CHARS // 2**20} MB of text; evalkit writes far less:")
    text = "\n".join(lines)
    if _tokens(text) > MAX_META_TOKENS:
        return refuse(f"holds more than {MAX_META_TOKENS} YAML tokens; evalkit writes far fewer:")
    doc, problems = load_yaml(text, f"{cells.shown} sheet {META_SHEET}")
    if doc is None and problems:
        return refuse(f"cannot be read: {problems[0].message};", problems[0].line or 1)
    if doc is None or not isinstance(doc.data, dict) or doc.data.get("format") != META_FORMAT:
        return refuse(f"is not evalkit's ({META_FORMAT});")
    cells.hidden = {key.removeprefix("params."): f"{META_SHEET}!A{line}" for key, line in doc.lines.items()
                    if key.startswith("params.")}
    return _shaped(doc.data)


def _tokens(text: str) -> int:
    """YAML tokens in ``text``, counted no further than one past :data:`MAX_META_TOKENS`."""
    import yaml

    count = 0
    try:
        for _ in yaml.scan(text, Loader=YAML_LOADER):
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
    kinds = {"department": dict, "budget": dict, "goals": list, "reported": dict, "narrative": dict}
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
