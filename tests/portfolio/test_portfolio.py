"""evalkit.Portfolio: the documented DataFrames, robust z-scores (MAD = 0 included), cross-department
findings as pure functions, loading that reports bad files instead of stopping (and lets bugs through),
regions kept apart, and what the overview shows first."""

import json
import math
import re
import shutil
from fractions import Fraction
from html import escape
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from conftest import PARAMS, ROOT

import evalkit
from evalkit.core.findings import Finding
from evalkit.exceptions import ParamsError, SchemeError
from evalkit.portfolio.cross_checks import (
    PortfolioFinding,
    all_full_score_findings,
    copied_indicator_findings,
    copied_target_findings,
    load_portfolio_rules,
    outlier_findings,
    parse_portfolio_rules,
    robust_z,
    score_inflation_findings,
)
from evalkit.portfolio.portfolio import (
    DEPARTMENT_COLUMNS,
    FINDING_COLUMNS,
    INDICATOR_COLUMNS,
    MONTHLY_COLUMNS,
    PROJECT_COLUMNS,
    Portfolio,
)
from evalkit.publish import overview

RULES = load_portfolio_rules()
SAMPLE_REGION = "示例区（示例数据）"


@pytest.fixture(scope="module")
def district():
    """The illustrative district alone, without the worked example's 某高新区."""
    return Portfolio.load(PARAMS, year=2023, region="示例区")


# --- the DataFrames ---------------------------------------------------------------------------

def test_departments_frame(pf):
    d = pf.departments
    assert list(d.columns) == DEPARTMENT_COLUMNS
    for column in ("id", "name", "year", "region", "sample", "scheme", "score_min", "score_max", "score", "complete",
                   "grade", "grade_min", "grade_max", "reported_score", "inflation", "execution_rate",
                   "adjustment_rate", "december_share", "q4_share", "errors", "warnings", "infos"):
        assert column in d.columns
    assert len(d) == len(pf.evaluations) == 25
    assert list(d["id"]) == sorted(d["id"])
    assert d["sample"].dtype == bool and d["complete"].dtype == bool
    d = d.set_index("id")
    assert not d.at["dangzheng-office", "sample"] and d.drop("dangzheng-office")["sample"].all()
    assert (d["score"].isna() == ~d["complete"]).all()
    assert (d.loc[d["complete"], "score"] == d.loc[d["complete"], "score_min"]).all()


def test_inflation_uses_the_top_of_the_interval_when_incomplete(pf):
    d = pf.departments.set_index("id")
    urban = d.loc["demo-urban-management-bureau"]
    assert not urban["complete"]
    assert urban["inflation"] == pytest.approx(urban["reported_score"] - urban["score_max"])
    market = d.loc["demo-market-regulation-bureau"]
    assert market["inflation"] == pytest.approx(84 - market["score"])
    assert math.isnan(d.at["demo-ecology-environment-bureau", "execution_rate"])  # no budget: no rate


def test_department_rates_match_each_evaluation(pf):
    d = pf.departments.set_index("id")
    for dept, ev in pf.evaluations.items():
        rate = ev.budget.execution_rate
        expected = math.nan if rate is None else float(rate)
        assert d.at[dept, "execution_rate"] == pytest.approx(expected, nan_ok=True)
        assert d.at[dept, "errors"] == ev.severity_counts()["error"]
    assert d.at["demo-education-bureau", "december_share"] > 0.25
    assert math.isnan(d.at["dangzheng-office", "december_share"])  # no monthly table


def test_indicators_frame(pf):
    i = pf.indicators
    assert list(i.columns) == INDICATOR_COLUMNS
    assert list(i.columns[1:]) == list(pf.department("dangzheng-office").indicators.columns)
    assert len(i) == sum(len(ev.indicator_scores) for ev in pf.evaluations.values())
    assert (i.loc[i["department_id"] == "dangzheng-office", "scored"] == False).all()


def test_findings_frame(pf):
    f = pf.findings
    assert list(f.columns) == FINDING_COLUMNS
    assert set(f["scope"]) == {"department", "portfolio"}
    assert (f["scope"] == "portfolio").sum() == len(pf.portfolio_findings)
    department_level = f[f["scope"] == "department"]
    assert len(department_level) == sum(len(ev.finding_items) for ev in pf.evaluations.values())
    assert set(f["severity"]) <= {"error", "warning", "info"}
    outlier = f[f["id"] == "portfolio.outlier_execution_rate"].iloc[0]
    assert outlier["department_id"] == "demo-civil-affairs-bureau"
    assert {"value", "median", "mad", "scale", "z", "threshold", "departments"} <= set(outlier["evidence"])
    assert "中位数" in outlier["message"] and "偏离程度居全区" in outlier["message"]
    assert "z" not in outlier["message"] and outlier["evidence"]["z"]  # the statistic is evidence, not wording
    assert outlier["label"] == "执行率离群（跨部门）" and outlier["region"] == SAMPLE_REGION
    q4 = f[f["id"] == "portfolio.outlier_q4_share"]
    assert q4["department_id"].tolist() == ["demo-education-bureau"]  # 54% of its payments in Q4


def test_projects_and_monthly_frames(pf):
    p, m = pf.projects, pf.monthly
    assert list(p.columns) == PROJECT_COLUMNS and list(m.columns) == MONTHLY_COLUMNS
    water = m[m["department_id"] == "demo-water-bureau"]
    assert list(water["month"]) == list(range(1, 13))
    assert water["schedule"].iloc[-1] == 1.0
    assert water["cumulative"].iloc[-1] == pytest.approx(pf.departments.set_index("id").at["demo-water-bureau",
                                                                                         "executed"])
    shares = p.groupby("department_id")["share"].sum()
    assert shares.to_numpy() == pytest.approx(1.0)
    assert "dangzheng-office" not in set(p["department_id"])  # the worked example has no project table


def test_frames_are_copies(pf):
    d = pf.departments
    d.loc[:, "score_min"] = -1
    assert (pf.departments["score_min"] >= 0).all()


def test_summary_has_one_row_per_region(pf, district):
    s = pf.summary()
    assert s["地区"].tolist() == ["某高新区", SAMPLE_REGION]
    assert s["部门数"].tolist() == [1, 24] and s["示例数据"].tolist() == [False, True]
    assert s["跨部门问题"].sum() == len(pf.portfolio_findings)
    assert s["错误"].sum() == (pf.findings["severity"] == "error").sum()
    grades = [c for c in s.columns if c.startswith("等级·")]
    assert (s[grades].sum(axis=1) == s["部门数"]).all()
    for row in s.itertuples(index=False):
        assert row.有问题的部门数 + row.无任何问题的部门数 == row.部门数
    # the district's medians are the district's alone, not mixed with the worked example's 某高新区
    alone = district.summary()
    assert len(alone) == 1
    mixed = pf.departments["execution_rate"].median()
    assert s.iloc[1]["预算执行率中位数"] == alone.iloc[0]["预算执行率中位数"] != mixed
    assert s.iloc[1]["总体预算执行率"] == pytest.approx(s.iloc[1]["全年执行数合计"] / s.iloc[1]["全年预算数合计"])


def test_region_filter(pf, district):
    assert district.regions == {SAMPLE_REGION: 24}
    assert district.departments["sample"].all() and "dangzheng-office" not in district.evaluations
    assert list(Portfolio.load(PARAMS, region="某高新区").evaluations) == ["dangzheng-office"]
    assert len(Portfolio.load(PARAMS, region=SAMPLE_REGION).evaluations) == 24
    assert pf.regions == {"某高新区": 1, SAMPLE_REGION: 24}
    with pytest.raises(ValueError, match="no department has it.*某高新区、示例区"):
        Portfolio.load(PARAMS, region="某某县")
    with pytest.raises(ValueError, match="several regions contain it"):
        Portfolio.load(PARAMS, region="区")


def test_outliers_are_judged_within_each_region(tmp_path):
    """The civil affairs bureau executes 77 % against its neighbours' 98 %: an outlier in their district,
    nobody's outlier once it belongs to a region of its own."""
    _copy(["demo-water-bureau", "demo-sports-bureau", "demo-audit-bureau", "demo-commerce-bureau",
           "demo-archives-bureau", "demo-veterans-bureau", "demo-civil-affairs-bureau"], tmp_path)
    ids = {f.id for f in Portfolio.load(tmp_path).portfolio_findings if f.department_id == "demo-civil-affairs-bureau"}
    assert "portfolio.outlier_execution_rate" in ids
    path = tmp_path / "demo-civil-affairs-bureau-2023.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(f"region: {SAMPLE_REGION}", "region: 另一区", 1),
                    encoding="utf-8")
    pf = Portfolio.load(tmp_path)
    assert pf.regions == {"另一区": 1, SAMPLE_REGION: 6}
    assert not [f for f in pf.portfolio_findings if f.department_id == "demo-civil-affairs-bureau"]


def test_department_and_compare(pf):
    assert pf.department("demo-water-bureau").department.name == "示例区水务局"
    with pytest.raises(KeyError, match="no department 'nope'"):
        pf.department("nope")
    c = pf.compare("demo-water-bureau", "demo-civil-affairs-bureau")
    assert list(c.columns) == ["demo-water-bureau", "demo-civil-affairs-bureau", "差值"]
    assert c.at["部门", "demo-water-bureau"] == "示例区水务局"
    assert c.at["预算执行率", "差值"] == pytest.approx(c.at["预算执行率", "demo-civil-affairs-bureau"]
                                                 - c.at["预算执行率", "demo-water-bureau"])
    assert c.at["部门", "差值"] is None
    assert "budget.low_execution" in c.at["问题类型", "demo-civil-affairs-bureau"]
    with pytest.raises(KeyError):
        pf.compare("demo-water-bureau", "nope")


def test_most_flagged_and_best_scoring_pick_two_departments(pf):
    """The explore notebook's defaults: the most-flagged department is also the best-scoring one (the
    transport bureau claims and scores 100 with four errors), so the peer must exclude it."""
    flagged = pf.most_flagged()
    d = pf.departments.set_index("id")
    assert d.at[flagged, "errors"] == d["errors"].max()
    assert pf.best_scoring() == flagged == "demo-transport-bureau"
    peer = pf.best_scoring(exclude=[flagged])
    assert peer != flagged and d.at[peer, "complete"]
    assert d.at[peer, "score"] == d.drop(flagged).loc[d.drop(flagged)["complete"], "score"].max()
    assert pf.most_flagged(exclude=list(d.index)) is None
    assert Portfolio({}).best_scoring() is None


def test_select_findings(pf):
    errors = pf.select_findings(severity="error")
    assert len(errors) == (pf.findings["severity"] == "error").sum() and set(errors["severity"]) == {"error"}
    cross = pf.select_findings(finding_type="portfolio.*")
    assert len(cross) == len(pf.portfolio_findings)
    one = pf.select_findings(finding_type="budget.low_execution", department="demo-civil-affairs-bureau")
    assert one["id"].tolist() == ["budget.low_execution"]
    assert len(pf.select_findings()) == len(pf.findings)
    with pytest.raises(ValueError, match="severity must be one of"):
        pf.select_findings(severity="fatal")
    with pytest.raises(ValueError, match="no finding id matches"):
        pf.select_findings(finding_type="budget.low_exec")
    with pytest.raises(KeyError):
        pf.select_findings(department="nope")


def test_year_filter_and_empty_portfolio():
    empty = Portfolio.load(PARAMS, year=1999)
    assert empty.evaluations == {} and empty.invalid == []
    assert list(empty.departments.columns) == DEPARTMENT_COLUMNS and empty.departments.empty
    assert list(empty.findings.columns) == FINDING_COLUMNS
    assert empty.summary().iloc[0]["部门数"] == 0
    assert empty.portfolio_findings == ()


# --- loading ----------------------------------------------------------------------------------

def _copy(names, folder):
    for name in names:
        for path in PARAMS.glob(f"{name}-2023*"):
            shutil.copy(path, folder / path.name)


def test_invalid_files_are_reported_not_fatal(tmp_path):
    _copy(["demo-water-bureau", "demo-sports-bureau"], tmp_path)
    (tmp_path / "broken.yaml").write_text("department: [unclosed\n", encoding="utf-8")
    text = (PARAMS / "demo-audit-bureau-2023.yaml").read_text(encoding="utf-8")
    (tmp_path / "typo.yaml").write_text(text.replace("  executed:", "  exectued:", 1), encoding="utf-8")
    pf = Portfolio.load(tmp_path)
    assert sorted(pf.evaluations) == ["demo-sports-bureau", "demo-water-bureau"]
    invalid = dict(pf.invalid)
    assert set(invalid) == {str(tmp_path / "broken.yaml"), str(tmp_path / "typo.yaml")}
    assert "exectued" in invalid[str(tmp_path / "typo.yaml")]
    assert pf.summary().iloc[0]["无法读取的文件数"] == 2


def test_unreadable_files_are_reported_but_bugs_surface(tmp_path, monkeypatch):
    _copy(["demo-water-bureau"], tmp_path)
    (tmp_path / "gbk.yaml").write_bytes("department: {name: \"示例\"}\n".encode("gb18030"))
    (tmp_path / "folder.yaml").mkdir()
    pf = Portfolio.load(tmp_path)
    assert list(pf.evaluations) == ["demo-water-bureau"]
    assert sorted(p for p, _ in pf.invalid) == [str(tmp_path / "folder.yaml"), str(tmp_path / "gbk.yaml")]

    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug in evalkit, not in the file")

    monkeypatch.setattr(evalkit.portfolio.portfolio, "evaluate", broken)
    with pytest.raises(ZeroDivisionError, match="a bug in evalkit"):
        Portfolio.load(tmp_path)


def test_a_bad_scheme_override_fails_at_once(tmp_path):
    _copy(["demo-water-bureau"], tmp_path)
    with pytest.raises(SchemeError, match="no such scheme"):
        Portfolio.load(tmp_path, scheme="no-such-scheme")


def test_a_department_id_used_twice_is_reported(tmp_path):
    _copy(["demo-water-bureau"], tmp_path)
    shutil.copy(tmp_path / "demo-water-bureau-2023.yaml", tmp_path / "zz-copy.yaml")
    pf = Portfolio.load(tmp_path)  # as in `evalkit run`: neither file can be trusted to be the department
    assert list(pf.evaluations) == []
    assert sorted(Path(path).name for path, _ in pf.invalid) == ["demo-water-bureau-2023.yaml", "zz-copy.yaml"]
    assert all("also used by" in message for _, message in pf.invalid)


def test_one_id_in_two_years_keeps_one_year_per_department(tmp_path):
    _copy(["demo-water-bureau"], tmp_path)
    text = (tmp_path / "demo-water-bureau-2023.yaml").read_text(encoding="utf-8")
    (tmp_path / "zz-2022.yaml").write_text(text.replace("year: 2023", "year: 2022", 1), encoding="utf-8")
    pf = Portfolio.load(tmp_path)
    assert list(pf.evaluations) == ["demo-water-bureau"] and "pass year=" in pf.invalid[0][1]
    assert list(Portfolio.load(tmp_path, year=2022).evaluations) == ["demo-water-bureau"]


def test_load_needs_a_folder(tmp_path):
    with pytest.raises(FileNotFoundError):
        Portfolio.load(tmp_path / "missing")


def test_scheme_override_applies_to_every_department(tmp_path):
    _copy(["demo-water-bureau", "demo-audit-bureau"], tmp_path)
    pf = Portfolio.load(tmp_path, scheme="seed-85-75-60")
    assert set(pf.departments["scheme"]) == {"seed-85-75-60"}


def test_an_inflated_district_raises_score_inflation(tmp_path):
    """Every department claims 8 points more than its data support: the district-level finding."""
    plan = json.loads((PARAMS / "demo-plan.json").read_text(encoding="utf-8"))
    for dept in plan["clean"]:
        _copy([dept], tmp_path)
        path = tmp_path / f"{dept}-2023.yaml"
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        i = next(i for i, line in enumerate(lines) if line.startswith("  score: "))
        score = float(lines[i].split(":")[1])
        lines[i] = f"  score: {min(100.0, score + 8):.2f}\n"
        path.write_text("".join(lines), encoding="utf-8")
    pf = Portfolio.load(tmp_path)
    district = [f for f in pf.portfolio_findings if f.department_id is None]
    assert [f.id for f in district] == ["portfolio.score_inflation"]
    assert district[0].evidence["median"] >= 5
    f = pf.findings
    assert f.loc[f["department_id"].isna(), "id"].tolist() == ["portfolio.score_inflation"]
    honest = Portfolio.load(PARAMS)
    assert not [f for f in honest.portfolio_findings if f.id == "portfolio.score_inflation"]


# --- robust z and the pure checks ---------------------------------------------------------------

def test_robust_z_uses_the_mad():
    s = pd.Series([0.97, 0.98, 0.98, 0.99, 0.60])
    stats = robust_z(s)
    assert stats.basis == "mad" and stats.median == 0.98 and stats.mad == pytest.approx(0.01)
    assert stats.z.iloc[-1] == pytest.approx((0.60 - 0.98) / (1.4826 * 0.01))


def test_robust_z_when_mad_is_zero_falls_back_to_the_mean_deviation():
    s = pd.Series([1.0] * 10 + [0.8])
    stats = robust_z(s)
    assert stats.mad == 0 and stats.basis == "mean_ad"
    assert stats.scale == pytest.approx(1.2533 * 0.2 / 11)
    assert stats.z.iloc[:10].tolist() == [0.0] * 10
    assert stats.z.iloc[-1] < -3.5


def test_robust_z_when_every_value_is_equal():
    stats = robust_z(pd.Series([0.5] * 6))
    assert stats.basis == "none" and (stats.z == 0).all()


def test_robust_z_floor_and_missing_values():
    s = pd.Series([1.0, 1.001, 0.999, float("nan"), 1.0, 1.002])
    stats = robust_z(s, min_scale=0.02)
    assert stats.basis == "min_scale" and stats.scale == 0.02
    assert math.isnan(stats.z.iloc[3])
    assert stats.z.abs().max() < 0.2
    assert robust_z(pd.Series([float("nan")] * 3)).basis == "none"


def _frame(column, values, **extra):
    ids = [f"d{i:02d}" for i in range(len(values))]
    data = {"id": ids, "name": [f"部门{i}" for i in range(len(values))], "execution_rate": float("nan"),
            "adjustment_rate": float("nan"), "december_share": float("nan"), "q4_share": float("nan"),
            "inflation": float("nan")}
    data[column] = values
    data.update(extra)
    return pd.DataFrame(data)


def test_outliers_with_mad_zero_are_still_found():
    found = outlier_findings(_frame("execution_rate", [1.0] * 10 + [0.7]), RULES)
    assert [(f.id, f.department_id) for f in found] == [("portfolio.outlier_execution_rate", "d10")]
    assert found[0].evidence["scale_basis"] in ("mean_ad", "min_scale")
    assert "部门10" in found[0].message and "低于" in found[0].message


def test_outliers_respect_the_side_and_the_minimum_count():
    low_december = _frame("december_share", [0.12] * 10 + [0.0])
    assert outlier_findings(low_december, RULES) == []  # only a high December share is a problem
    high = _frame("december_share", [0.12, 0.13, 0.11, 0.12, 0.14, 0.12, 0.45])
    assert [f.department_id for f in outlier_findings(high, RULES)] == ["d06"]
    assert outlier_findings(_frame("execution_rate", [1.0, 1.0, 1.0, 0.2]), RULES) == []  # 4 < min_departments


def test_all_full_score():
    one = Fraction(1)
    coefficients = {"a": [one] * 6, "b": [one] * 5 + [Fraction(9, 10)], "c": [one] * 5 + [None], "d": [one] * 3}
    found = all_full_score_findings(coefficients, {"a": "甲"}, RULES)
    assert [(f.id, f.department_id) for f in found] == [("portfolio.all_full_score", "a")]
    assert "甲" in found[0].message


def test_copied_indicators():
    table = [(f"指标{i}", ">=", "90", "%") for i in range(6)]
    own = [(f"其他{i}", ">=", "90", "%") for i in range(6)]
    signatures = {"a": table, "b": table[:5] + [("另一个", ">=", "1", "次")], "c": own[:5] + [table[0]]}
    found = copied_indicator_findings(signatures, {"a": "甲", "b": "乙"}, RULES)
    assert [(f.id, f.department_id) for f in found] == [("portfolio.copied_indicators", "a"),
                                                         ("portfolio.copied_indicators", "b")]
    assert found[0].evidence["partners"][0]["department_id"] == "b"
    assert "乙" in found[0].message


def _targets(names, targets):
    return [(n, ">=", t, "%") for n, t in zip(names, targets, strict=True)]


def test_copied_targets_under_other_names():
    targets = ["90", "95", "100", "98", "85"]
    signatures = {
        "a": _targets([f"甲指标{i}" for i in range(5)], targets),
        "b": _targets([f"乙指标{i}" for i in range(5)], targets),  # renamed copy of a
        "c": _targets([f"丙指标{i}" for i in range(5)], targets[::-1]),  # same targets, other order
        "d": _targets([f"丁指标{i}" for i in range(3)], targets[:3]),  # too short to tell
        "e": _targets([f"戊指标{i}" for i in range(3)], targets[:3]),
    }
    found = copied_target_findings(signatures, {"a": "甲局", "b": "乙局"}, RULES)
    assert [(f.id, f.department_id) for f in found] == [("portfolio.copied_targets", "a"),
                                                         ("portfolio.copied_targets", "b")]
    partner = found[0].evidence["partners"][0]
    assert partner["department_id"] == "b" and partner["indicators"] == 5
    assert partner["renamed"][0] == "甲指标0／乙指标0"
    assert "“乙局”" in found[0].message and "名称不同" in found[0].message


def test_copied_targets_does_not_repeat_copied_indicators():
    table = _targets([f"指标{i}" for i in range(6)], ["90", "95", "100", "98", "85", "80"])
    assert copied_indicator_findings({"a": table, "b": table}, {}, RULES)
    assert copied_target_findings({"a": table, "b": table}, {}, RULES) == []
    short = table[:4]  # four identical indicators: too few for copied_indicators, caught here
    found = copied_target_findings({"a": short, "b": short}, {}, RULES)
    assert [f.department_id for f in found] == ["a", "b"] and "名称也相同" in found[0].message


def test_the_example_district_has_no_renamed_copy(pf):
    assert "portfolio.copied_targets" not in set(pf.findings["id"])


def test_score_inflation_needs_the_median_far_above():
    assert score_inflation_findings(_frame("inflation", [0, 0, 0.1, 12, 15, 0]), RULES) == []
    found = score_inflation_findings(_frame("inflation", [6, 7, 5.5, 9, 0, 8]), RULES)
    assert [(f.id, f.department_id) for f in found] == [("portfolio.score_inflation", None)]
    named = score_inflation_findings(_frame("inflation", [6, 7, 5.5, 9, 0, 8]), RULES, region="甲区")
    assert named[0].message.startswith("“甲区”") and named[0].evidence["region"] == "甲区"


def test_portfolio_findings_are_findings():
    f = PortfolioFinding("portfolio.all_full_score", "warning", "…", {}, "goals", department_id="x")
    assert isinstance(f, Finding)
    assert f.to_dict() | {} == {"id": "portfolio.all_full_score", "severity": "warning", "message": "…",
                                "evidence": {}, "subject": "goals", "department_id": "x", "scope": "portfolio"}


# --- the rules are data -------------------------------------------------------------------------

def test_shipped_rules():
    assert RULES.z == 3.5
    assert {m.key for m in RULES.metrics} == {"execution_rate", "adjustment_rate", "december_share", "q4_share",
                                              "score_inflation"}
    assert (RULES.targets_min_indicators, RULES.targets_severity) == (4, "warning")


def test_rules_without_copied_targets_still_load():
    text = (ROOT / "evalkit" / "portfolio" / "rules.yaml").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("copied_targets:")]
    rules = parse_portfolio_rules("\n".join(lines))
    assert rules.targets_min_indicators == 4


def test_custom_rules_file(tmp_path):
    text = (ROOT / "evalkit" / "portfolio" / "rules.yaml").read_text(encoding="utf-8").replace("  z: 3.5", "  z: 1000")
    (tmp_path / "lenient.yaml").write_text(text, encoding="utf-8")
    pf = Portfolio.load(PARAMS, rules=tmp_path / "lenient.yaml")
    assert not [f for f in pf.portfolio_findings if f.id.startswith("portfolio.outlier_")]


def test_bad_rules_say_what_is_wrong():
    text = (ROOT / "evalkit" / "portfolio" / "rules.yaml").read_text(encoding="utf-8")
    with pytest.raises(ParamsError, match="side"):
        parse_portfolio_rules(text.replace("side: high, min_scale", "side: upwards, min_scale", 1))
    with pytest.raises(ParamsError, match="unknown key"):
        parse_portfolio_rules(text.replace("all_full_score: {", "all_full_score: {minimum: 3, ", 1))


def test_portfolio_is_exported():
    assert evalkit.Portfolio is Portfolio


# --- the overview -----------------------------------------------------------------------------

def test_the_overview_never_drops_an_error(pf):
    ranked = overview.rank_findings(pf)
    order = ranked["severity"].map({"error": 0, "warning": 1, "info": 2}).tolist()
    assert order == sorted(order)  # errors, then warnings, then hints
    html = overview.top_anomalies(pf, limit=5).data
    errors = ranked[ranked["severity"] == "error"]
    assert len(errors) > 5
    for message in errors["message"]:
        assert escape(message) in html, message  # every error, whatever the limit
    assert "示例区城市管理局" in html and "超出" in html  # the self-score outside its possible range
    rest = ranked[ranked["severity"] != "error"]
    assert sum(escape(m) in html for m in rest["message"]) == 5
    assert f"另有{len(rest) - 5}项" in html
    warnings = rest[rest["severity"] == "warning"]
    cross = warnings[warnings["scope"] == "portfolio"]
    assert warnings.index[:len(cross)].tolist() == cross.index.tolist()  # cross-department warnings first


def test_overview_header_lists_each_region(pf, district):
    text = overview.header(pf, year=2023).data
    assert "- 地区：某高新区，1个部门" in text and f"- 地区：{SAMPLE_REGION}，24个部门" in text
    assert "示例数据" in text
    alone = overview.header(district, year=2023, region="示例区").data
    assert "某高新区" not in alone and "地区筛选：示例区" in alone


def test_grade_bars_run_from_best_to_worst():
    scheme = evalkit.load_scheme("mof-2020")
    assert overview._grade_categories(scheme, ["良", "中 ~ 良", "优", "差 ~ 优"]) == ["优", "差 ~ 优", "良", "中 ~ 良", "中", "差"]


def test_departments_table_names_regions_only_when_mixed(pf, district):
    assert "<th>地区</th>" in overview.departments_table(pf).data
    assert "<th>地区</th>" not in overview.departments_table(district).data


@pytest.mark.parametrize("name", ["overview", "explore"])
def test_portfolio_notebooks_are_clean_sources(name):
    nb = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert not [c for c in code if c.outputs or c.execution_count]
    assert not [c for c in code if re.search(r"^\s*(def|class) ", c.source, re.MULTILINE)]
    parameters = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(parameters) == 1
    names = set(re.findall(r"^(\w+) = ", parameters[0].source, re.MULTILINE))
    expected = {"params_dir", "year", "region"} | (
        {"department", "other", "severity", "finding_type"} if name == "explore" else {"results_dir"})
    assert names == expected
