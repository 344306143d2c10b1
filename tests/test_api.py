"""The public surface: evalkit.__all__, evaluate(), result.json (evalkit-result/v1) and DataFrames."""

import json
import subprocess
import sys
from fractions import Fraction
from types import ModuleType

import pandas as pd
import pytest
import yaml
from conftest import FIXTURES, ROOT, WORKED

import evalkit

CLEAN = FIXTURES / "findings" / "clean.yaml"


@pytest.fixture(scope="module")
def clean():
    return evalkit.evaluate(CLEAN)


def isort_order(name):
    """Constants, then classes, then functions and modules, each alphabetical (isort, ruff RUF022)."""
    kind = 0 if name.isupper() else 1 if name[0].isupper() else 2
    return kind, name


EXPORTED = [
    "RESULT_SCHEMA",
    "CellExecutionError",
    "DataError",
    "EvalkitError",
    "Evaluation",
    "Finding",
    "FontMissingError",
    "KernelDiedError",
    "OutputLockedError",
    "Params",
    "ParamsError",
    "Portfolio",
    "Problem",
    "RunError",
    "RunTimeoutError",
    "Scheme",
    "SchemeError",
    "WorkbookError",
    "evaluate",
    "evaluate_params",
    "import_workbook",
    "load_params",
    "load_scheme",
    "parse_params",
    "paths",
    "round_half_up",
    "shipped_schemes",
]


def test_exported_members():
    assert EXPORTED == sorted(EXPORTED, key=isort_order)
    assert sorted(evalkit.__all__) == sorted(EXPORTED)
    assert len(set(evalkit.__all__)) == len(evalkit.__all__)
    for name in evalkit.__all__:
        assert hasattr(evalkit, name), name


def test_public_names_equal_all():
    """httpx-style: every public name of the package is in ``__all__`` and the other way round
    (subpackages are modules, loaded on use, and are not part of the flat API)."""
    public = {name for name, value in vars(evalkit).items()
              if not name.startswith("_") and not (isinstance(value, ModuleType) and name != "paths")}
    assert public == set(evalkit.__all__)


def test_module_attributes_are_only_the_subpackages_and_top_level_modules():
    modules = {name for name, value in vars(evalkit).items() if isinstance(value, ModuleType)}
    assert modules <= {"core", "portfolio", "publish", "workbook", "run", "demo", "audit", "monitoring", "stamps",
                       "cli", "exceptions", "iorw", "outputs", "paths", "pool"}


def test_exported_members_are_sorted():
    assert evalkit.__all__ == EXPORTED


def test_error_tree():
    assert issubclass(evalkit.SchemeError, evalkit.ParamsError)
    for cls in (evalkit.ParamsError, evalkit.DataError, evalkit.FontMissingError, evalkit.RunError):
        assert issubclass(cls, evalkit.EvalkitError)
    for cls in (evalkit.CellExecutionError, evalkit.RunTimeoutError, evalkit.KernelDiedError):
        assert issubclass(cls, evalkit.RunError)


def test_import_has_no_side_effects():
    code = ("import logging, sys; import evalkit; "
            "print(len(logging.getLogger().handlers), 'matplotlib.pyplot' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.split() == ["0", "False"]


# The keys DESIGN.md lists for evalkit-result/v1 (more are allowed; none of these may go).
RESULT_KEYS = {
    "": {"schema", "department", "scheme", "unit", "budget", "score", "grade", "indicators", "findings",
         "reported", "provenance"},
    "department": {"id", "name", "year"},
    "scheme": {"id", "title"},
    "budget": {"initial", "adjusted", "executed", "execution_rate", "adjustment_rate", "lines"},
    "score": {"execution", "indicators", "total", "min", "max", "complete"},
    "grade": {"label", "min_label", "max_label"},
    "provenance": {"inputs", "evalkit", "python", "packages", "generated_at"},
}
ITEM_KEYS = {
    ("budget", "lines"): {"name", "kind", "adjusted", "executed", "execution_rate"},
    ("indicators",): {"goal", "name", "direction", "target", "actual", "unit", "weight", "coefficient", "score",
                      "rule", "trail"},
    ("findings",): {"id", "severity", "message", "evidence"},
}


@pytest.mark.parametrize("section", list(RESULT_KEYS))
def test_result_has_the_v1_keys(worked, section):
    d = worked.to_dict()
    part = d[section] if section else d
    assert RESULT_KEYS[section] <= set(part)


@pytest.mark.parametrize("path", list(ITEM_KEYS))
def test_result_list_items_have_the_v1_keys(worked, path):
    items = worked.to_dict()
    for step in path:
        items = items[step]
    assert items
    for item in items:
        assert ITEM_KEYS[path] <= set(item)


def test_result_values(worked):
    d = worked.to_dict()
    assert d["schema"] == evalkit.RESULT_SCHEMA == "evalkit-result/v1"
    assert (d["department"]["id"], d["department"]["name"], d["department"]["year"]) == (
        "dangzheng-office", "党政办公室", 2023)
    assert d["scheme"]["id"] == "seed-85-75-60"
    assert d["unit"] == "万元"
    assert d["budget"]["execution_rate"] == pytest.approx(9565.63 / 9593.18, abs=1e-15)  # a fraction, not percent
    assert d["budget"]["lines"][0]["execution_rate"] == pytest.approx(3483.94 / 3484.29, abs=1e-15)
    assert d["indicators"][1]["target"] == 90.0
    assert d["indicators"][1]["actual"] is None
    assert d["indicators"][1]["weight"] == pytest.approx(90 / 41)
    assert d["indicators"][1]["score"] is None
    # the params file's sha256, keyed by its path inside the project (no machine-specific folders)
    assert len(d["provenance"]["inputs"]["params/dangzheng-office-2023.yaml"]) == 64
    assert not [k for k in d["provenance"]["inputs"] if k.startswith("/")]


def test_result_survives_json(worked):
    d = worked.to_dict()
    text = json.dumps(d, ensure_ascii=False, allow_nan=False)
    assert json.loads(text) == d


def test_complete_result_has_min_max_total_equal(clean):
    score = clean.to_dict()["score"]
    assert score["complete"] is True
    assert score["min"] == score["max"] == score["total"] == 99.5
    grade = clean.to_dict()["grade"]
    assert (grade["label"], grade["min_label"], grade["max_label"]) == ("优", "优", "优")


def test_indicators_frame(worked):
    df = worked.indicators
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == ["goal", "name", "tier", "direction", "target", "actual", "unit", "weight",
                                "coefficient", "score", "max_loss", "scored", "rule", "trail"]
    assert len(df) == 41
    assert df["weight"].sum() == pytest.approx(90)
    assert not df["scored"].any()
    assert df.loc[df["name"] == "公文流转速度", "goal"].item() == "党工委、党政办文秘、文件管理工作"
    assert (df["direction"] == "qualitative").sum() == 7


def test_indicators_frame_scored(clean):
    df = clean.indicators.set_index("name")
    assert df.loc["公文办结率", "score"] == 45.0
    assert df.loc["公文办结率", "coefficient"] == 1.0
    assert df.loc["公文办结率", "max_loss"] == 0.0
    assert bool(df.loc["安全事故次数", "scored"]) is True


def test_findings_frame(worked):
    df = worked.findings
    assert list(df.columns) == ["id", "severity", "message", "evidence", "subject"]
    assert len(df) == len(worked.finding_items)
    assert df["severity"].iloc[0] == "error"
    assert "timeline.period_before_year_end" in set(df["id"])


def test_findings_frame_empty_keeps_its_columns(clean):
    df = clean.findings
    assert df.empty
    assert list(df.columns) == ["id", "severity", "message", "evidence", "subject"]


def test_budget_lines_frame(worked):
    df = worked.budget_lines
    assert list(df["name"]) == ["人员及公用经费", "专项预算项目", "合计"]
    assert list(df["kind"]) == ["basic", "project", "total"]
    assert list(df["adjusted"]) == [3484.29, 6108.89, 9593.18]
    assert list(df["executed"]) == [3483.94, 6081.69, 9565.63]
    assert df["execution_rate"].tolist() == pytest.approx([348394 / 348429, 608169 / 610889, 956563 / 959318])
    assert {"name", "kind", "count", "initial", "adjusted", "executed", "execution_rate", "trail"} <= set(df.columns)


def test_severity_counts(worked):
    counts = worked.severity_counts()
    assert counts == {s: sum(1 for f in worked.finding_items if f.severity == s) for s in ("error", "warning", "info")}
    assert counts["error"] == 1  # the evaluation period


@pytest.mark.parametrize("source", ["path", "str", "params", "mapping"])
def test_evaluate_accepts_path_params_or_mapping(source):
    params = evalkit.load_params(CLEAN)
    given = {"path": CLEAN, "str": str(CLEAN), "params": params}.get(source)
    if source == "mapping":
        given = yaml.safe_load(CLEAN.read_text(encoding="utf-8"))
    ev = evalkit.evaluate(given)
    assert ev.score.total == Fraction(199, 2)
    assert ev.department.id == "demo-office"


def test_evaluate_with_a_scheme_override(worked):
    ev = evalkit.evaluate(WORKED, "mof-2020")
    assert ev.scheme.id == "mof-2020"
    assert (ev.grade.min_label, ev.grade.max_label) == ("差", "优")
    assert "grade.synonym" in {f.id for f in ev.finding_items}  # 优秀 is mof-2020's 优, in other words


def test_evaluate_rejects_other_types():
    with pytest.raises(TypeError, match="takes a path, a Params or a mapping"):
        evalkit.evaluate(42)


def test_evaluation_objects_are_immutable(worked):
    with pytest.raises(AttributeError):
        worked.score = None
    with pytest.raises(AttributeError):
        worked.params.budget.adjusted = 0


def test_frames_read_in_chinese_in_a_notebook_and_stay_machine_friendly(worked):
    frame = worked.indicators
    assert list(frame.columns[:4]) == ["goal", "name", "tier", "direction"] and frame["weight"].dtype == float
    html = frame._repr_html_()
    assert "指标性质" in html and "≥" in html and "计算过程" in html and ">=" not in html
    findings = worked.findings.readable()
    assert list(findings.columns) == ["编号", "严重程度", "问题", "依据", "所涉内容"]
    assert not any(text.startswith("{") for text in findings["依据"])  # evidence as words, not dicts
    assert "2023年4月10日" in "".join(findings["依据"])
    departments = evalkit.Portfolio.load(ROOT / "params", year=2023).departments
    shown = departments.readable()
    assert "预算执行率" in shown.columns and shown["预算执行率"].str.endswith("%").sum() >= len(shown) - 1  # one has no budget
    assert 0 < departments["execution_rate"].max() < 2  # still fractions for code
