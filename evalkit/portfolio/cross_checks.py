"""Cross-department findings: what only shows when a district's departments are read together.

Pure functions over in-memory tables (no file is opened except the rules YAML by
``load_portfolio_rules``). The rules live in ``evalkit/portfolio/rules.yaml``:

- ``portfolio.outlier_<metric>``: a robust outlier (median/MAD z-score) in execution rate,
  adjustment rate, December or fourth-quarter payment share, or self-score inflation;
- ``portfolio.all_full_score``: every indicator of a department scores exactly in full;
- ``portfolio.copied_indicators``: two departments share (nearly) the same indicator table;
- ``portfolio.copied_targets``: two departments set the same targets, in the same order, under other
  indicator names (a table copied and renamed);
- ``portfolio.score_inflation``: the district's median self-score is far above what the data support.

>>> stats = robust_z(pd.Series([0.97, 0.98, 0.98, 0.99, 0.60]), min_scale=0.01)
>>> round(float(stats.z.iloc[-1]), 1)
-25.6
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from importlib import resources
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.findings import SEVERITIES, Finding
from ..core.numbers import fmt, fmt_pct
from ..core.validation import read_document
from ..exceptions import ParamsError

MAD_TO_SD = 1.4826  # 1 / Φ⁻¹(3/4): MAD → standard deviation for normal data
MEAN_AD_TO_SD = 1.2533  # √(π/2): mean absolute deviation → standard deviation
SIDES = ("both", "high", "low")
VALUE_FORMATS = ("percent", "points")  # how a rule's value reads: 98.26% or 3.5 分


@dataclass(frozen=True)
class PortfolioFinding(Finding):
    """A finding about one department seen against the district (``department_id``), or about the
    district as a whole (``department_id is None``)."""

    department_id: str | None = None

    def to_dict(self) -> dict:
        return super().to_dict() | {"department_id": self.department_id, "scope": "portfolio"}


@dataclass(frozen=True)
class Metric:
    key: str  # the finding id is portfolio.outlier_<key>
    column: str  # column of Portfolio.departments
    side: str
    min_scale: float
    label: str
    format: str


@dataclass(frozen=True)
class PortfolioRules:
    z: float
    min_departments: int
    outlier_severity: str
    metrics: tuple[Metric, ...]
    full_min_indicators: int
    full_severity: str
    copy_min_shared: int
    copy_min_share: float
    copy_severity: str
    targets_min_indicators: int
    targets_severity: str
    inflation_median_above: float
    inflation_min_departments: int
    inflation_severity: str
    source: str = ""
    sha256: str = ""


@dataclass(frozen=True)
class RobustStats:
    median: float
    mad: float
    scale: float  # what z divides by
    basis: str  # mad | mean_ad | min_scale | none
    z: pd.Series  # NaN where the value is missing


# --- rules ------------------------------------------------------------------------------------

def load_portfolio_rules(path: str | Path | None = None) -> PortfolioRules:
    """The shipped ``evalkit/portfolio/rules.yaml``, or a rules file of the same shape."""
    if path is None:
        raw, shown = (resources.files("evalkit.portfolio") / "rules.yaml").read_bytes(), "evalkit/portfolio/rules.yaml"
    else:
        raw, shown = Path(path).read_bytes(), str(path)
    return parse_portfolio_rules(raw.decode("utf-8-sig"), path=shown, sha256=hashlib.sha256(raw).hexdigest())


def parse_portfolio_rules(text: str, *, path: str = "<memory>", sha256: str = "") -> PortfolioRules:
    """Validate a portfolio rules document; raise ``ParamsError`` listing every problem."""
    c, data = read_document(text, path)
    top = c.mapping("", data, allowed=("outliers", "all_full_score", "copied_indicators", "copied_targets",
                                           "score_inflation"),
                    required=("outliers", "all_full_score", "copied_indicators", "score_inflation")) or {}
    out = c.mapping("outliers", top.get("outliers"), allowed=("z", "min_departments", "severity", "metrics"),
                    required=("z", "metrics")) or {}
    metrics = []
    for key, value in (c.mapping("outliers.metrics", out.get("metrics"), allowed=tuple(out.get("metrics") or ()))
                       or {}).items():
        k = f"outliers.metrics.{key}"
        m = c.mapping(k, value, allowed=("column", "side", "min_scale", "label", "format"),
                      required=("column", "label")) or {}
        metrics.append(Metric(key=key, column=c.text(f"{k}.column", m.get("column")) or "",
                              side=c.text(f"{k}.side", m.get("side", "both"), choices=SIDES) or "both",
                              min_scale=float(c.number(f"{k}.min_scale", m.get("min_scale", 0), minimum=0) or 0),
                              label=c.text(f"{k}.label", m.get("label")) or key,
                              format=c.text(f"{k}.format", m.get("format", "points"), choices=VALUE_FORMATS) or "points"))
    full = c.mapping("all_full_score", top.get("all_full_score"), allowed=("min_indicators", "severity")) or {}
    copy = c.mapping("copied_indicators", top.get("copied_indicators"),
                     allowed=("min_shared", "min_share", "severity")) or {}
    targets = c.mapping("copied_targets", top.get("copied_targets", {}), allowed=("min_indicators", "severity")) or {}
    infl = c.mapping("score_inflation", top.get("score_inflation"),
                     allowed=("median_above", "min_departments", "severity")) or {}

    def severity(key, block):
        return c.text(f"{key}.severity", block.get("severity", "warning"), choices=SEVERITIES) or "warning"

    rules = PortfolioRules(
        z=float(c.number("outliers.z", out.get("z"), minimum=0) or 0),
        min_departments=c.integer("outliers.min_departments", out.get("min_departments", Decimal(5)), minimum=3) or 5,
        outlier_severity=severity("outliers", out), metrics=tuple(metrics),
        full_min_indicators=c.integer("all_full_score.min_indicators", full.get("min_indicators", Decimal(1)),
                                      minimum=1) or 1,
        full_severity=severity("all_full_score", full),
        copy_min_shared=c.integer("copied_indicators.min_shared", copy.get("min_shared", Decimal(5)), minimum=1) or 5,
        copy_min_share=float(c.number("copied_indicators.min_share", copy.get("min_share", Decimal("0.8")),
                                      minimum=0, maximum=1) or 0),
        copy_severity=severity("copied_indicators", copy),
        targets_min_indicators=c.integer("copied_targets.min_indicators",
                                         targets.get("min_indicators", Decimal(4)), minimum=2) or 4,
        targets_severity=severity("copied_targets", targets),
        inflation_median_above=float(c.number("score_inflation.median_above", infl.get("median_above", Decimal(5)))
                                     or 0),
        inflation_min_departments=c.integer("score_inflation.min_departments",
                                            infl.get("min_departments", Decimal(5)), minimum=1) or 5,
        inflation_severity=severity("score_inflation", infl), source=path, sha256=sha256)
    if c.problems:
        raise ParamsError(c.problems)
    return rules


# --- statistics -------------------------------------------------------------------------------

def robust_z(values: pd.Series, *, min_scale: float = 0.0) -> RobustStats:
    """Median/MAD z-scores of ``values`` (NaN ignored), scale floored at ``min_scale``.

    MAD = 0 (more than half the values equal) falls back to the mean absolute deviation; when every
    value is equal and ``min_scale`` is 0, every z is 0.
    """
    median, mad, scale, basis, z = _robust(values.to_numpy(dtype=float), min_scale)
    return RobustStats(median, mad, scale, basis, pd.Series(z, index=values.index))


def _robust(array: np.ndarray, min_scale: float) -> tuple[float, float, float, str, np.ndarray]:
    """:func:`robust_z` of a float array: median, MAD, scale, basis and the z-scores (an array)."""
    present = array[~np.isnan(array)]
    if not len(present):
        return float("nan"), float("nan"), float("nan"), "none", array * np.nan
    median = float(np.median(present))
    deviations = np.abs(present - median)
    mad = float(np.median(deviations))
    scale, basis = MAD_TO_SD * mad, "mad"
    if mad == 0:
        scale, basis = MEAN_AD_TO_SD * float(deviations.mean()), "mean_ad"
    if scale < min_scale:
        scale, basis = min_scale, "min_scale"
    if scale == 0:
        return median, mad, 0.0, "none", (array - median) * 0.0
    return median, mad, scale, basis, (array - median) / scale


def _show(value: float, how: str) -> str:
    return fmt_pct(value) if how == "percent" else f"{fmt(value)}分"


def _name(names: Mapping[str, str], dept: str) -> str:
    return names.get(dept) or dept


# --- checks -----------------------------------------------------------------------------------

def outlier_findings(departments: pd.DataFrame, rules: PortfolioRules) -> list[PortfolioFinding]:
    """One finding per department and metric whose robust z-score is beyond ``rules.z``."""
    found: list[PortfolioFinding] = []
    ids = departments["id"].tolist()
    names = dict(zip(ids, departments["name"], strict=True))
    for metric in rules.metrics:
        values = departments[metric.column].to_numpy(dtype=float)  # arrays: a province has hundreds of districts
        count = int((~np.isnan(values)).sum())
        if count < rules.min_departments:
            continue
        median, mad, scale, basis, zs = _robust(values, metric.min_scale)
        if basis == "none":
            continue
        beyond = [(i, z) for i, z in enumerate(zs.tolist()) if not math.isnan(z) and _beyond(z, rules.z, metric.side)]
        if not beyond:
            continue
        sizes = np.sort(np.abs(zs[~np.isnan(zs)]))
        for i, z in beyond:
            dept, value = ids[i], float(values[i])
            word = "高于" if z > 0 else "低于"
            rank = 1 + len(sizes) - int(np.searchsorted(sizes, abs(z), side="right"))  # ties share the best place
            place = "首位" if rank == 1 else f"第{rank}位"
            found.append(PortfolioFinding(
                f"portfolio.outlier_{metric.key}", rules.outlier_severity,
                f"“{_name(names, dept)}”{metric.label}{_show(value, metric.format)}，明显{word}全区中位数"
                f"{_show(median, metric.format)}，偏离程度居全区{count}个部门的{place}",
                {"metric": metric.key, "column": metric.column, "value": value, "median": median,
                 "mad": mad, "scale": scale, "scale_basis": basis, "z": float(z),
                 "threshold": rules.z, "side": metric.side, "departments": count},
                metric.column, department_id=dept))
    return found


def _beyond(z: float, limit: float, side: str) -> bool:
    return {"both": abs(z) > limit, "high": z > limit, "low": z < -limit}[side]


def all_full_score_findings(coefficients: Mapping[str, Sequence[Fraction | None]], names: Mapping[str, str],
                            rules: PortfolioRules) -> list[PortfolioFinding]:
    """Departments whose every indicator has an actual and a coefficient of exactly 1."""
    found = []
    for dept, values in coefficients.items():
        if len(values) < rules.full_min_indicators or any(v is None or v != 1 for v in values):
            continue
        found.append(PortfolioFinding(
            "portfolio.all_full_score", rules.full_severity,
            f"“{_name(names, dept)}”全部 {len(values)} 项绩效指标均恰好得满分（得分系数 100%），"
            "指标值可能设置偏低，或完成值未经核实",
            {"indicators": len(values)}, "goals", department_id=dept))
    return found


def indicator_signature(name: str, direction: str, target, unit: str | None) -> tuple[str, str, str, str]:
    """What makes two indicators "the same": name, direction, target (normalised) and unit."""
    if isinstance(target, Decimal | Fraction | int | float):
        target = _target_text(target)
    return (str(name).strip(), str(direction), str(target).strip(), (unit or "").strip())


@lru_cache(maxsize=65536, typed=True)
def _target_text(target) -> str:
    """A numeric target as signatures compare it (a province's departments share most targets: each
    value is formatted once)."""
    return fmt(target, 6).rstrip("0").rstrip(".")


def copied_indicator_findings(signatures: Mapping[str, Sequence[tuple]], names: Mapping[str, str],
                              rules: PortfolioRules) -> list[PortfolioFinding]:
    """Pairs of departments sharing most of their indicators; one finding per department involved."""
    sets = {dept: set(items) for dept, items in signatures.items() if items}
    partners: dict[str, list[dict]] = {}
    for a, b, shared in _copied_pairs(signatures, rules):
        items = sorted(shared)
        for me, other in ((a, b), (b, a)):
            partners.setdefault(me, []).append({
                "department_id": other, "shared": len(shared), "of": len(sets[me]),
                "share": len(shared) / len(sets[me]),
                "indicators": [f"{n} {d} {t}{u}" for n, d, t, u in items[:10]]})
    found = []
    for dept in sorted(partners):
        pairs = partners[dept]
        listed = "；".join(f"与“{_name(names, p['department_id'])}”相同 {p['shared']} 项" for p in pairs)
        found.append(PortfolioFinding(
            "portfolio.copied_indicators", rules.copy_severity,
            f"“{_name(names, dept)}”的绩效指标（名称、方向、指标值和单位）与其他部门雷同：{listed}"
            f"（本部门共 {len(sets[dept])} 项），指标可能照抄而非按本部门职责设定",
            {"partners": pairs}, "goals", department_id=dept))
    return found


def _copied_pairs(signatures: Mapping[str, Sequence[tuple]],
                  rules: PortfolioRules) -> list[tuple[str, str, set[tuple]]]:
    """The department pairs ``copied_indicator_findings`` reports, sorted, each with the signatures shared."""
    sets = {dept: set(items) for dept, items in signatures.items() if items}
    pairs = []
    for a, b in combinations(sorted(sets), 2):
        shared = sets[a] & sets[b]
        if len(shared) >= rules.copy_min_shared and len(shared) / min(len(sets[a]), len(sets[b])) >= rules.copy_min_share:
            pairs.append((a, b, shared))
    return pairs


def copied_target_findings(signatures: Mapping[str, Sequence[tuple]], names: Mapping[str, str],
                           rules: PortfolioRules) -> list[PortfolioFinding]:
    """Departments whose whole ordered list of (direction, target, unit) equals another's.

    ``signatures`` are ``indicator_signature`` tuples in the department's own order. The lists must be
    at least ``rules.targets_min_indicators`` long. A pair ``copied_indicator_findings`` already reports
    (the names were copied too) is not reported again.
    """
    targets = {dept: [tuple(s[1:]) for s in items] for dept, items in signatures.items()}
    reported = {(a, b) for a, b, _ in _copied_pairs(signatures, rules)}
    partners: dict[str, list[dict]] = {}
    for a, b in combinations(sorted(targets), 2):
        if (a, b) in reported or len(targets[a]) < rules.targets_min_indicators or targets[a] != targets[b]:
            continue
        for me, other in ((a, b), (b, a)):
            renamed = [f"{mine[0]}／{theirs[0]}" for mine, theirs in zip(signatures[me], signatures[other], strict=True)
                       if mine[0] != theirs[0]]
            partners.setdefault(me, []).append({"department_id": other, "indicators": len(targets[me]),
                                                "renamed": renamed[:10]})
    found = []
    for dept in sorted(partners):
        pairs = partners[dept]
        listed = "、".join(f"“{_name(names, p['department_id'])}”" for p in pairs)
        n = len(targets[dept])
        renamed = next((p["renamed"][0] for p in pairs if p["renamed"]), None)
        how = f"只是指标名称不同（如“{renamed}”）" if renamed else "指标名称也相同"
        found.append(PortfolioFinding(
            "portfolio.copied_targets", rules.targets_severity,
            f"“{_name(names, dept)}”全部 {n} 项绩效指标的方向、指标值和单位与{listed}逐项相同，{how}，"
            "指标值可能照抄而非按本部门职责测算",
            {"partners": pairs}, "goals", department_id=dept))
    return found


def score_inflation_findings(departments: pd.DataFrame, rules: PortfolioRules, *,
                             region: str | None = None) -> list[PortfolioFinding]:
    """The district's median inflation (reported − computed) at or above ``median_above`` points.

    ``departments`` are one district's; ``region`` names it in the message and the evidence.
    """
    values = departments["inflation"].dropna().astype(float)
    if len(values) < rules.inflation_min_departments:
        return []
    median = float(values.median())
    if median < rules.inflation_median_above:
        return []
    above = departments.loc[departments["inflation"] > 0, "id"].tolist()
    where = f"“{region}”" if region else "全区"
    return [PortfolioFinding(
        "portfolio.score_inflation", rules.inflation_severity,
        f"{where}自评得分普遍高于数据所能支持的得分：{len(values)} 个填报自评得分的部门，自评得分比计算得分"
        f"（或得分区间上限）高出的中位数为 {fmt(median)} 分，达到 {rules.inflation_median_above:g} 分",
        {"region": region, "median": median, "threshold": rules.inflation_median_above, "departments": len(values),
         "inflated": above}, "reported.score", department_id=None)]
