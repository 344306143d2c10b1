"""Many departments at once: a district's portfolio as tidy DataFrames plus cross-department findings.

>>> pf = Portfolio.load("params", year=2023, region="示例区")              # doctest: +SKIP
>>> pf.departments[["id", "score_min", "score_max", "grade"]].head()     # doctest: +SKIP
>>> pf.select_findings(finding_type="portfolio.*")[["department_id", "label"]]   # doctest: +SKIP

Every department is evaluated exactly as ``evaluate()`` does it; a file that cannot be evaluated is
listed in ``Portfolio.invalid`` (with its located problems in ``Portfolio.invalid_problems``) and never
stops the others. A folder may hold several regions (the worked example's 某高新区 beside the 示例区, or a
province's counties): medians, outliers and copies are judged within each region (县区); ``summary()``
gives its figures per region, per city (市) or for the whole portfolio.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from fnmatch import fnmatchcase
from pathlib import Path

import pandas as pd

from ..core.evaluation import Evaluation, evaluate
from ..core.findings import SEVERITIES
from ..core.frames import LabelledFrame
from ..core.params import duplicate_departments, load_params
from ..core.project_files import project_index, project_tables, refused, scan
from ..core.scheme import Scheme, load_scheme
from ..core.wording import finding_label, finding_wording, tidy
from ..exceptions import DataError, EvalkitError, ParamsError, Problem
from ..paths import PROJECT_NAME, folder_param_names, is_project_file
from ..pool import Crash, Pool
from ..stamps.fingerprint import Stamps, department_folders, read_stamp, recorded_files
from .cross_checks import (
    PortfolioFinding,
    PortfolioRules,
    all_full_score_findings,
    copied_indicator_findings,
    copied_target_findings,
    load_portfolio_rules,
    outlier_findings,
    score_inflation_findings,
)
from .record import Record, records_of

log = logging.getLogger(__name__)

NAN = float("nan")
NO_REGION = "（未注明地区）"  # how a department without a region label is grouped
NO_CITY = "（未注明市）"  # how a department without a city label is grouped
#: What ``Portfolio.summary(by=…)`` groups by: a column of ``departments`` and the label of a missing value.
SUMMARY_LEVELS = {"region": ("region", NO_REGION), "city": ("city", NO_CITY), None: (None, "")}

DEPARTMENT_COLUMNS = [
    "id", "name", "year", "city", "region", "sample", "scheme", "unit", "initial", "adjusted", "executed",
    "execution_rate", "adjustment_rate", "december_share", "q4_share", "projects", "indicators", "unscored",
    "score_min", "score_max", "score", "complete", "grade", "grade_min", "grade_max", "reported_score",
    "reported_grade", "inflation", "errors", "warnings", "infos", "portfolio_findings", "source",
]
FINDING_COLUMNS = ["department_id", "id", "severity", "message", "evidence", "subject", "scope", "label", "region"]
PROJECT_COLUMNS = ["department_id", "name", "adjusted", "executed", "execution_rate", "share"]
MONTHLY_COLUMNS = ["department_id", "month", "executed", "share", "cumulative", "against_budget", "schedule", "gap"]
INDICATOR_COLUMNS = ["department_id", "goal", "name", "tier", "direction", "target", "actual", "unit", "weight",
                     "coefficient", "score", "max_loss", "scored", "rule", "trail"]


class Portfolio:
    """Every department of a district (one folder of params files) evaluated and compared.

    Attributes
    ----------
    evaluations : Mapping[str, Evaluation]
        By department id, sorted. A department read from its ``result.json`` (``Portfolio.load(…,
        results=…)``) or by a worker process is evaluated when its evaluation is first asked for.
    invalid : list[tuple[str, str]]
        ``(path, message)`` for every file that could not be evaluated.
    invalid_problems : dict[str, tuple[Problem, ...]]
        By path of every file in ``invalid``: its problems, each with file, key path and line where
        they are known (a side table's problem names the side table).
    portfolio_findings : tuple[PortfolioFinding, ...]
        Cross-department findings; ``department_id`` is ``None`` for the district as a whole.
    rules : PortfolioRules
        The thresholds used (``evalkit/portfolio/rules.yaml`` unless given).
    """

    def __init__(self, evaluations: Mapping[str, Evaluation], *, invalid: Iterable[tuple[str, str]] = (),
                 rules: PortfolioRules | None = None, problems: Mapping[str, Sequence[Problem]] | None = None):
        evaluations = dict(sorted(evaluations.items()))
        self._setup(evaluations, records_of(evaluations), invalid=invalid, rules=rules, problems=problems)

    def _setup(self, evaluations: Mapping[str, Evaluation], records: Mapping[str, Record], *,
               invalid: Iterable[tuple[str, str]], rules: PortfolioRules | None,
               problems: Mapping[str, Sequence[Problem]] | None) -> None:
        self.evaluations: Mapping[str, Evaluation] = evaluations
        self._records = dict(sorted(records.items()))
        self.invalid: list[tuple[str, str]] = list(invalid)
        problems = problems or {}
        self.invalid_problems: dict[str, tuple[Problem, ...]] = {
            path: tuple(problems.get(path) or (Problem(path, "", None, message),)) for path, message in self.invalid}
        self.rules = rules or load_portfolio_rules()
        base = pd.DataFrame([r.row for r in self._records.values()],
                            columns=[c for c in DEPARTMENT_COLUMNS if c != "portfolio_findings"])
        base = base.astype({"sample": bool, "complete": bool})
        self.portfolio_findings: tuple[PortfolioFinding, ...] = _find_portfolio(base, self._records, self.rules)
        counts = pd.Series([f.department_id for f in self.portfolio_findings], dtype=object).value_counts().to_dict()
        base["portfolio_findings"] = [int(counts.get(d, 0)) for d in base["id"]]
        self._departments = base[DEPARTMENT_COLUMNS]
        self._findings = _finding_frame(self._records, self.portfolio_findings)
        self._indicators = _rows_frame(self._records, "indicators", INDICATOR_COLUMNS)
        self._projects = _rows_frame(self._records, "projects", PROJECT_COLUMNS)
        self._monthly = _rows_frame(self._records, "monthly", MONTHLY_COLUMNS)

    @classmethod
    def load(cls, folder: str | Path, *, year: int | None = None, region: str | None = None,
             scheme: str | Path | Scheme | None = None,
             rules: str | Path | PortfolioRules | None = None, jobs: int | None = None,
             results: str | Path | None = None) -> Portfolio:
        """Evaluate every params YAML in ``folder`` (in ``jobs`` worker processes, default one per
        core, when there are :data:`PARALLEL_FROM` files or more), or read its ``result.json`` from
        ``results`` when the department's stamp there says it is current.

        Parameters
        ----------
        folder : a folder of params files (``*.yaml``, ``*.yml``).
        year : keep only departments of this fiscal year; None keeps every year.
        region : keep only departments of this region (``department.region``): the exact label, or a
            part of it that only one region's label contains (``"示例区"``); None keeps every region.
        scheme : a scheme id, path or ``Scheme`` overriding each file's own scheme.
        rules : a portfolio rules YAML (or ``PortfolioRules``); None uses ``evalkit/portfolio/rules.yaml``.
        results : the output folder of ``evalkit run`` (``reports``): a department whose stamp there
            records every input as it is now and this evalkit is read from its ``result.json``, the
            others are evaluated; the tables are the same either way. Not used with ``scheme``.

        A file that cannot be read (``EvalkitError``, ``OSError`` or ``ValueError`` while reading it) or
        evaluated (``EvalkitError``) is listed in ``invalid`` and never stops the others; any other
        exception is a bug and propagates. A ``region`` no department has raises ``ValueError``, a bad
        ``scheme`` ``SchemeError``, before any department is compared.

        Examples
        --------
        >>> pf = Portfolio.load("params", year=2023, region="示例区")   # doctest: +SKIP
        >>> len(pf.evaluations), len(pf.invalid)                      # doctest: +SKIP
        (24, 0)
        """
        folder = Path(folder)
        if not folder.is_dir():
            raise FileNotFoundError(f"{folder} is not a folder of params files")
        if not isinstance(rules, PortfolioRules):
            rules = load_portfolio_rules(rules)
        if scheme is not None and not isinstance(scheme, Scheme):
            scheme = load_scheme(scheme)  # an override: a path as the caller gave it
        found: list[tuple[Path, Evaluation | None, Record]] = []
        invalid: list[tuple[str, str]] = []
        problems: dict[str, tuple[Problem, ...]] = {}
        if results is not None and scheme is None:
            paths, read = _read_results(folder, results, jobs)
        else:
            paths, read = _department_files(folder), {}
        evaluated = _read_all([p for p in paths if p not in read], scheme, jobs)
        for path, got, failure in evaluated:
            if failure is not None:
                invalid.append((str(path), failure.message))
                problems[str(path)] = failure.problems
            else:
                read[path] = got
        for path in paths:
            if path in read and (year is None or read[path][1].department.year == year):
                found.append((path, *read[path]))
        if region is not None:
            chosen = _pick_region(region, {r.department.region for _, _, r in found}, folder)
            found = [(path, ev, r) for path, ev, r in found if r.department.region == chosen]
        clashes = duplicate_departments((path, r.department) for path, _, r in found)
        evaluations: dict[str, Evaluation | Path] = {}
        records: dict[str, Record] = {}
        seen: dict[str, str] = {}
        for path, ev, record in found:
            dept = record.department
            if path not in clashes and dept.id in seen:  # one id in two years: one year per department
                clashes[path] = (f"department id {dept.id!r} is also used by {seen[dept.id]}; "
                                 "give each department-year its own id, or pass year= to pick one year")
            if path in clashes:
                invalid.append((str(path), clashes[path]))
                problems[str(path)] = (Problem(str(path), "department.id", _id_line(path, ev), clashes[path]),)
                continue
            seen[dept.id] = str(path)
            evaluations[dept.id] = ev if ev is not None else path
            records[dept.id] = record
        pf = cls.__new__(cls)
        pf._setup(_Evaluations(evaluations, scheme), records, invalid=invalid, rules=rules, problems=problems)
        return pf

    def __repr__(self) -> str:
        return (f"<Portfolio {len(self.evaluations)} departments, {len(self.invalid)} invalid files, "
                f"{len(self.portfolio_findings)} portfolio findings>")

    # --- tables ---------------------------------------------------------------------------------

    @property
    def departments(self) -> pd.DataFrame:
        """One row per department: score (NaN when incomplete) and interval, grade, budget rates, year-end
        shares, reported score, ``inflation`` (reported − computed, against the interval's top when
        incomplete: the least inflation the data prove) and finding counts (``errors``, ``warnings``,
        ``infos`` for the department's own findings; ``portfolio_findings`` for cross-department ones).
        Rates and shares are fractions."""
        return LabelledFrame(self._departments)

    @property
    def findings(self) -> pd.DataFrame:
        """Every finding, ``scope`` 'department' or 'portfolio'; ``department_id`` is None for the district."""
        return LabelledFrame(self._findings)

    @property
    def indicators(self) -> pd.DataFrame:
        """Every indicator of every department (the columns of ``Evaluation.indicators``)."""
        return self._indicators.copy()

    @property
    def projects(self) -> pd.DataFrame:
        """Every project from the departments' project tables; ``share`` of the department's project budget."""
        return self._projects.copy()

    @property
    def monthly(self) -> pd.DataFrame:
        """Monthly payments with cumulative progress ``against_budget`` and the time ``schedule`` (month ÷ 12)."""
        return self._monthly.copy()

    @property
    def regions(self) -> dict[str, int]:
        """Department count per region label (``（未注明地区）`` for none), sorted by label."""
        counts = self._departments["region"].fillna(NO_REGION).value_counts()
        return {str(r): int(counts[r]) for r in sorted(counts.index)}

    def department(self, department_id: str) -> Evaluation:
        """The evaluation of one department.

        Raises ``KeyError`` naming the known ids when ``department_id`` is not in the portfolio.

        >>> pf.department("demo-water-bureau").score_text()   # doctest: +SKIP
        '88.72'
        """
        try:
            return self.evaluations[department_id]
        except KeyError:
            known = ", ".join(self.evaluations) or "none"
            raise KeyError(f"no department {department_id!r} in this portfolio; known: {known}") from None

    def most_flagged(self, *, exclude: Iterable[str] = ()) -> str | None:
        """The id of the department with the most problems: errors, then warnings, then cross-department
        findings, then infos; ties go to the first id. None when no department is left.

        >>> pf.most_flagged(), pf.most_flagged(exclude=[pf.most_flagged()])   # doctest: +SKIP
        ('demo-transport-bureau', 'demo-health-bureau')
        """
        return self._first(exclude, ["errors", "warnings", "portfolio_findings", "infos"])

    def best_scoring(self, *, exclude: Iterable[str] = ()) -> str | None:
        """The id of the department with the highest score (complete scores before intervals, an interval
        by its lower end); ties go to the first id. None when no department is left.

        >>> pf.best_scoring(exclude=["demo-transport-bureau"])   # doctest: +SKIP
        'demo-science-technology-bureau'
        """
        return self._first(exclude, ["complete", "score_min"])

    def _first(self, exclude: Iterable[str], columns: list[str]) -> str | None:
        d = self._departments[~self._departments["id"].isin(list(exclude))]
        if d.empty:
            return None
        order = d.sort_values([*columns, "id"], ascending=[*(False for _ in columns), True])
        return str(order["id"].iloc[0])

    def select_findings(self, *, severity: str | None = None, finding_type: str | None = None,
                        department: str | None = None) -> pd.DataFrame:
        """The rows of ``findings`` matching every filter given (None: no filter).

        Parameters
        ----------
        severity : ``"error"``, ``"warning"`` or ``"info"``.
        finding_type : a finding id or a pattern with ``*`` (``"budget.*"``, ``"portfolio.outlier_*"``).
        department : a department id.

        A severity that does not exist or a pattern no finding id matches raises ``ValueError``; an
        unknown department ``KeyError``.

        >>> pf.select_findings(severity="error", finding_type="score.*")   # doctest: +SKIP
        """
        f = self._findings
        if severity is not None:
            if severity not in SEVERITIES:
                raise ValueError(f"severity must be one of {', '.join(SEVERITIES)} or None, not {severity!r}")
            f = f[f["severity"] == severity]
        if finding_type is not None:
            known = set(finding_wording().findings) | set(self._findings["id"])
            if not any(fnmatchcase(k, finding_type) for k in known):
                raise ValueError(f"no finding id matches {finding_type!r}; give an id such as "
                                 "'budget.low_execution' or a pattern such as 'portfolio.*'")
            f = f[[fnmatchcase(i, finding_type) for i in f["id"]]]
        if department is not None:
            self.department(department)
            f = f[f["department_id"] == department]
        return f.copy()

    def summary(self, *, by: str | None = "region") -> pd.DataFrame:
        """District figures, one row per region (districts are never mixed in one median), per city, or
        for the whole portfolio.

        Counts, totals, medians of the rates and scores, grade counts and findings; ``地区`` names the
        region (or the city, or is empty for the whole portfolio), ``示例数据`` says whether it is
        illustrative. The medians of a city or of the whole portfolio are taken over all its
        departments; outliers and copies are always judged within a region. An empty portfolio gives one
        row of zeros.

        Parameters
        ----------
        by : ``"region"`` (县区, ``department.region``), ``"city"`` (市, ``department.city``) or None.

        >>> pf.summary()[["地区", "部门数", "预算执行率中位数"]]   # doctest: +SKIP
        >>> pf.summary(by="city")["部门数"].sum() == len(pf.evaluations)   # doctest: +SKIP
        True
        """
        if by not in SUMMARY_LEVELS:
            raise ValueError(f"by must be 'region', 'city' or None, not {by!r}")
        d, f = self._departments, self._findings
        grades = list(dict.fromkeys(label for record in self._records.values() for label in record.grades))
        column, missing = SUMMARY_LEVELS[by]
        if d.empty or column is None:
            return pd.DataFrame([self._summary_row("", d, f, grades)])
        level = d.set_index("id")[column]
        owner = f["department_id"].map(level)  # a district-wide finding belongs to its region
        if column == "region":
            owner = owner.where(f["department_id"].notna(), f["region"])
        f = f.assign(_group=owner.astype(object).where(owner.notna(), missing))
        findings = {str(k): part for k, part in f.groupby("_group", sort=False)}
        rows = [self._summary_row(label, part, findings.get(label, f.iloc[:0]), grades)
                for label, part in _groups(d, column, missing).items()]
        return pd.DataFrame(rows)

    def _summary_row(self, region: str, d: pd.DataFrame, f: pd.DataFrame, grades: list[str]) -> dict:
        units = set(d["unit"])
        same_unit = len(units) == 1
        adjusted = float(d["adjusted"].sum()) if same_unit else NAN
        executed = float(d["executed"].sum()) if same_unit else NAN
        flagged = (d["errors"] + d["warnings"] + d["infos"] + d["portfolio_findings"]) > 0
        row = {
            "地区": region,
            "年度": "、".join(str(y) for y in sorted(set(d["year"]))),
            "示例数据": bool(d["sample"].any()),
            "部门数": len(d),
            "得分完整的部门数": int(d["complete"].sum()),
            "无法读取的文件数": len(self.invalid),
            "金额单位": next(iter(units)) if same_unit else ("（单位不一）" if units else ""),
            "全年预算数合计": adjusted,
            "全年执行数合计": executed,
            "总体预算执行率": executed / adjusted if adjusted else NAN,
            **{label: _median(d[column]) for label, column in MEDIAN_ROWS},
            "有问题的部门数": int(flagged.sum()),
            "无任何问题的部门数": int((~flagged).sum()),
        }
        for severity, label in zip(SEVERITIES, ("错误", "警告", "提示"), strict=True):
            row[label] = int((f["severity"] == severity).sum())
        row["跨部门问题"] = int((f["scope"] == "portfolio").sum())
        for label in grades:
            row[f"等级·{label}"] = int((d["complete"] & (d["grade"] == label)).sum())
        row["等级·未定（得分为区间）"] = int((~d["complete"]).sum())
        return row

    def compare(self, a: str, b: str) -> pd.DataFrame:
        """Key figures of departments ``a`` and ``b`` side by side, with ``b − a`` where both are numbers.

        Rows are labelled in Chinese (``预算执行率``, ``计算得分``…, ``问题类型`` last); rates are fractions.
        Raises ``KeyError`` for an unknown id.

        >>> pf.compare("demo-water-bureau", "demo-civil-affairs-bureau").loc["预算执行率"]   # doctest: +SKIP
        """
        rows = {}
        for dept in (a, b):
            self.department(dept)
        d = self._departments.set_index("id")
        kinds = self._findings.groupby("department_id")["id"].agg(lambda s: "、".join(sorted(set(s))))
        for label, column in COMPARE_ROWS:
            rows[label] = [_plain(d.at[dept, column]) for dept in (a, b)]
        rows["问题类型"] = [kinds.get(dept, "") for dept in (a, b)]
        return pd.DataFrame([[x, y, _difference(x, y)] for x, y in rows.values()], index=list(rows),
                            columns=[a, b, "差值"], dtype=object)


#: The medians of a summary row: (label, column of ``departments``), in order.
MEDIAN_ROWS = (("预算执行率中位数", "execution_rate"), ("预算调整率中位数", "adjustment_rate"),
               ("12月支付占比中位数", "december_share"), ("第四季度支付占比中位数", "q4_share"),
               ("计算得分中位数", "score"), ("自评得分中位数", "reported_score"), ("自评虚高中位数", "inflation"))
COMPARE_ROWS = [
    ("部门", "name"), ("评价方案", "scheme"), ("金额单位", "unit"), ("年初预算数", "initial"),
    ("全年预算数", "adjusted"), ("全年执行数", "executed"), ("预算执行率", "execution_rate"),
    ("预算调整率", "adjustment_rate"), ("12月支付占比", "december_share"), ("第四季度支付占比", "q4_share"),
    ("项目数", "projects"), ("绩效指标数", "indicators"), ("未填报完成值的指标数", "unscored"),
    ("计算得分", "score"), ("得分下限", "score_min"), ("得分上限", "score_max"), ("评价等级", "grade"),
    ("自评得分", "reported_score"), ("自评等级", "reported_grade"), ("自评虚高", "inflation"),
    ("错误", "errors"), ("警告", "warnings"), ("提示", "infos"), ("跨部门问题", "portfolio_findings"),
]


def _plain(value):
    return value.item() if hasattr(value, "item") else value


def _difference(x, y):
    numeric = (int, float)
    if isinstance(x, numeric) and isinstance(y, numeric) and not isinstance(x, bool) and not isinstance(y, bool):
        return NAN if math.isnan(x) or math.isnan(y) else y - x
    return None


def _pick_region(region: str, regions: set[str | None], folder: Path) -> str:
    """The region label ``region`` names: itself, or the only label containing it."""
    labels_ = sorted(r for r in regions if r)
    if region in labels_:
        return region
    matches = [r for r in labels_ if region in r]
    if len(matches) == 1:
        return matches[0]
    known = "、".join(labels_) or "none"
    why = "several regions contain it" if matches else "no department has it"
    raise ValueError(f"region {region!r}: {why}; regions in {folder}: {known}")


def _median(series: pd.Series) -> float:
    values = series.dropna()
    return float(values.median()) if len(values) else NAN


class _Evaluations(Mapping):
    """Evaluations by department id, sorted; a department read from its ``result.json`` or by a worker
    process is evaluated (once, under ``scheme`` when given) when its evaluation is first asked for."""

    def __init__(self, items: Mapping[str, Evaluation | Path], scheme: Scheme | None = None):
        self._items: dict[str, Evaluation | Path] = dict(sorted(items.items()))
        self._scheme = scheme

    def __getitem__(self, dept: str) -> Evaluation:
        ev = self._items[dept]
        if isinstance(ev, Path):
            ev = self._items[dept] = evaluate(ev, self._scheme)
        return ev

    def __iter__(self):
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


def _id_line(path: Path, ev: Evaluation | None) -> int | None:
    """The line of ``department.id`` in a params file (read again for a department read from its result)."""
    if ev is not None:
        return ev.params.line("department.id")
    try:
        return load_params(path).line("department.id")
    except (EvalkitError, OSError, ValueError):
        return None


def _department_files(folder: Path) -> list[Path]:
    """``params_files([folder])``, from the one read of each file that also indexes the folder's
    project tables (:func:`~evalkit.core.project_files.project_index`, which every department's
    evaluation asks for, and the parallel reader's workers inherit)."""
    projects = _project_names(folder, project_index(folder), project_tables(folder))
    return [folder / name for name in folder_param_names(folder) if name not in projects]


def _project_names(folder: Path, index: dict, scanned) -> set[str]:
    """The project tables a scan of ``folder`` found (``scanned``), and those among the files it did
    not read (a link out of the folder…), decided as :func:`~evalkit.paths.params_files` decides."""
    return {*scanned, *(name for name in refused(index) if is_project_file(folder / name))}


#: From this many files on, ``Portfolio.load`` reads them in parallel worker processes.
PARALLEL_FROM = 500  # below this, the workers and the folder's project index cost more than they save


@dataclasses.dataclass(frozen=True)
class _Failure:
    """Why one file cannot be evaluated: the whole message, and its problems located where known."""

    message: str
    problems: tuple[Problem, ...]


def _read_one(path: Path, scheme: Scheme | None) -> tuple[Path, tuple[Evaluation, Record] | None, _Failure | None]:
    """One params file, evaluated, with its record; or the reason it cannot be (a broken, unreadable
    or undecodable file is the file's problem; any other exception is a bug and propagates)."""
    try:
        ev = evaluate(load_params(path), scheme)
        return path, (ev, Record.of_evaluation(ev)), None
    except (EvalkitError, OSError, ValueError) as exc:
        return path, None, _failure(path, exc)


def _failure(path: Path, exc: Exception) -> _Failure:
    message = str(exc) or type(exc).__name__
    if isinstance(exc, ParamsError):
        problems = exc.problems
    elif isinstance(exc, DataError):
        problems = exc.failure_cases
    else:  # an OSError or ValueError while reading: the file as a whole
        problems = ()
    return _Failure(message, tuple(problems) or (Problem(str(path), "", None, message.splitlines()[0]),))


def _read_all(paths: list[Path], scheme: Scheme | None, jobs: int | None):
    """Every file read, in order; in ``jobs`` worker processes of :class:`evalkit.pool.Pool` when there
    are many (a province's 10,000 files take a minute on one core). The workers are forked from this
    process after it has indexed the folders' project tables: they start at once, with evalkit imported,
    the schemes read and the index made (one scan of a folder, not one per worker)."""
    jobs = jobs or (os.cpu_count() or 1)
    if jobs <= 1 or len(paths) < PARALLEL_FROM:
        return [_read_one(path, scheme) for path in paths]
    for folder in dict.fromkeys(path.parent for path in paths):
        project_index(folder)
    chunks = [paths[i:i + CHUNK] for i in range(0, len(paths), CHUNK)]
    read: dict[Path, tuple] = {}
    with Pool(jobs, context="fork") as pool:
        for i, part in pool.imap(_read_some, [(chunk, scheme) for chunk in chunks]):
            if isinstance(part, Crash):  # a worker died (out of memory, a signal): its files are read here
                log.warning("Portfolio.load: a worker process stopped (%s); reading its %d files in this process",
                            part.error, len(chunks[i]))
                part = [_read_one(path, scheme) for path in chunks[i]]
            read.update((r[0], r) for r in part)
    return [read[path] for path in paths]


#: Files a worker reads at a time (few: the last of them keep one worker busy while the others wait).
CHUNK = 32


def _read_some(paths: list[Path], scheme: Scheme | None) -> list:
    """The files read by a worker: the records only (sending an evaluation back costs about as much
    as making it again; the parent evaluates a department when its evaluation is asked for)."""
    read = [_read_one(path, scheme) for path in paths]
    return [(path, got and (None, got[1]), failure) for path, got, failure in read]


#: What a results read's workers ask: the stamps (evalkit's digest), the params folder and the names
#: of its params files; set in the parent before its workers fork (they inherit it).
_STAMPS: tuple[Stamps, Path, frozenset[str]] | None = None


def _read_results(folder: Path, results: str | Path, jobs: int | None
                  ) -> tuple[list[Path], dict[Path, tuple[None, Record]]]:
    """The department params files of ``folder`` (as :func:`~evalkit.paths.params_files` lists them),
    and the records of those whose stamp under ``results`` says their ``result.json`` is current
    (:meth:`~evalkit.stamps.fingerprint.Stamps.result_in`); the stamps read, and the results,
    in ``jobs`` forked workers when there are many.

    A file is read to tell a department's params file from a project table's only when no current
    stamp tells: the params file of a current stamp is a department's (the run that made the stamp
    listed it as one, and it has not changed since), and a file a current stamp records as read and
    named as evalkit names project tables (:data:`~evalkit.paths.PROJECT_NAME`) is a project table
    (its department's evaluation read it as one, unchanged since)."""
    global _STAMPS
    listing = folder_param_names(folder)
    stamped = department_folders(Path(results))
    _STAMPS = (Stamps(Path(results), None, read=False), folder, frozenset(listing))
    jobs = jobs or (os.cpu_count() or 1)
    try:
        if jobs <= 1 or len(stamped) < PARALLEL_RESULTS_FROM:
            entries = _stamped(stamped)
        else:
            chunks = [stamped[i:i + RESULTS_CHUNK] for i in range(0, len(stamped), RESULTS_CHUNK)]
            entries = []
            with Pool(jobs, context="fork") as pool:
                for i, part in pool.imap(_stamped, [(chunk,) for chunk in chunks]):
                    entries += _stamped(chunks[i]) if isinstance(part, Crash) else part  # a crashed part: read here
    finally:
        _STAMPS = None
    claims = Counter(name for name, _, _ in entries)  # a file two stamps name is no stamp's: evaluated
    found = {name: (record, recorded) for name, record, recorded in entries
             if record is not None and claims[name] == 1}
    known: set[str] = set()  # the files current stamps recorded: as they were read
    for _, recorded in found.values():
        known |= recorded
    unknown = [name for name in listing if name not in found and not (name in known and PROJECT_NAME.search(name))]
    index, scanned = scan(folder, unknown)
    projects = _project_names(folder, index, scanned)
    unread = set(unknown)
    names = [name for name in listing if name in found or (name in unread and name not in projects)]
    # a project table that appeared since a stamp changes its department's result: the files the
    # current stamps recorded are as they were read, so only the others name a department anew
    tables = {dept: [name for name in files if name not in known] for dept, files in index.items()}
    paths = [folder / name for name in names]
    return paths, {path: (None, found[path.name][0]) for path in paths if path.name in found
                   and all(name in found[path.name][1] for name in tables.get(found[path.name][0].department.id, ()))}


#: From this many stamps on, ``Portfolio.load`` reads results in parallel worker processes.
PARALLEL_RESULTS_FROM = 1000
#: Department folders a worker reads at a time.
RESULTS_CHUNK = 256


def _stamped(folders: list[Path]) -> list[tuple[str, Record | None, frozenset[str]]]:
    """For each department folder with a stamp: the name of the params file it names, the record of
    its ``result.json`` when the stamp says it is current (None when not, or when that file is not
    among the params files), and the names of the files it records as read."""
    stamps, params, listed = _STAMPS
    out = []
    for folder in folders:
        data = read_stamp(folder)
        if data is None:
            continue
        name = Path(data["params"]).name
        record = None
        if name in listed:
            path = params / name
            result = stamps.result_in(path, folder, data)
            try:
                record = None if result is None else Record.of_result(result, path)
            except (KeyError, TypeError, ValueError, AttributeError):  # written by evalkit, yet not whole: evaluate it
                record = None
        out.append((name, record, recorded_files(data)))
    return out


def _groups(frame: pd.DataFrame, column: str, missing: str) -> dict[str, pd.DataFrame]:
    """``frame`` split by the value of ``column`` (``missing`` for none), sorted by label; one pass,
    however many groups (a province has hundreds of counties)."""
    keys = frame[column].astype(object).where(frame[column].notna(), missing)
    return {str(k): part for k, part in frame.groupby(keys.to_numpy(), sort=True)}


def _find_portfolio(departments: pd.DataFrame, records: Mapping[str, Record],
                    rules: PortfolioRules) -> tuple[PortfolioFinding, ...]:
    """Outliers, copies and district inflation within each region (县区): one district's medians, and
    one district's departments copying each other (departments of the same kind in different
    districts share a province's indicator templates, which is no copying)."""
    names = {dept: r.department.name for dept, r in records.items()}
    coefficients = {dept: list(r.coefficients) for dept, r in records.items()}
    signatures = {dept: list(r.signatures) for dept, r in records.items()}
    found: list[PortfolioFinding] = []
    parts = _groups(departments, "region", NO_REGION)
    for part in parts.values():
        found += outlier_findings(part, rules)
    found += all_full_score_findings(coefficients, names, rules)
    for part in parts.values():
        local = {dept: signatures[dept] for dept in part["id"]}
        found += [*copied_indicator_findings(local, names, rules), *copied_target_findings(local, names, rules)]
    for region, part in parts.items():
        found += score_inflation_findings(part, rules, region=None if region == NO_REGION else region)
    return tuple(dataclasses.replace(f, message=tidy(f.message)) for f in found)


def _finding_frame(records: Mapping[str, Record], portfolio: tuple[PortfolioFinding, ...]) -> pd.DataFrame:
    by_department: dict[str | None, list[PortfolioFinding]] = {}
    for f in portfolio:
        by_department.setdefault(f.department_id, []).append(f)
    rows = []
    for dept, record in records.items():
        region = record.department.region
        rows += [{"department_id": dept, **f, "scope": "department", "region": region} for f in record.findings]
        rows += [f.to_dict() | {"region": region} for f in by_department.get(dept, ())]
    rows += [f.to_dict() | {"region": f.evidence.get("region")} for f in by_department.get(None, ())]
    for row in rows:
        row["label"] = finding_label(row["id"])
    return pd.DataFrame(rows, columns=FINDING_COLUMNS)


def _rows_frame(records: Mapping[str, Record], rows: str, columns: list[str]) -> pd.DataFrame:
    """The ``rows`` (indicators, projects or months) of every record, each with its ``department_id``."""
    return pd.DataFrame([{"department_id": dept, **row} for dept, r in records.items() for row in getattr(r, rows)],
                        columns=columns)
