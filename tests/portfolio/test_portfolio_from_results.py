"""``Portfolio.load(…, results=…)``: a department whose stamp says its ``result.json`` is current is read
from it, the others are evaluated, and the portfolio — its tables, its cross-department findings and the
overview built on it — is the one evaluating every params file gives."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import PARAMS

import evalkit
from evalkit import outputs
from evalkit.core.result import result_bytes
from evalkit.paths import department_dir, notebook_path, params_files
from evalkit.portfolio import portfolio as portfolio_module
from evalkit.publish import overview
from evalkit.stamps.fingerprint import stamp

#: Departments whose results are not written: Portfolio.load must evaluate them.
UNWRITTEN = ("demo-water-bureau", "dangzheng-office")


def write_results(folder, out, skip=()) -> int:
    """What ``evalkit run`` leaves of each department for a portfolio: its result.json and its stamp."""
    written = 0
    for path in params_files([folder]):
        ev = evalkit.evaluate(path)
        if ev.params.kind != "department" or ev.department.id in skip:
            continue
        target = department_dir(out, ev.department.year, ev.department.id)
        target.mkdir(parents=True, exist_ok=True)
        (target / outputs.RESULT.filename).write_bytes(result_bytes(ev))
        (target / outputs.STAMP.filename).write_text(
            json.dumps(stamp(ev, notebook_path("department"), (), target), ensure_ascii=False), encoding="utf-8")
        written += 1
    return written


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    """A copy of ``params/`` with results written for all but :data:`UNWRITTEN`."""
    root = tmp_path_factory.mktemp("district")
    shutil.copytree(PARAMS, root / "params")
    assert write_results(root / "params", root / "reports", skip=UNWRITTEN) > 20
    return root


def _evaluations_counted(monkeypatch) -> list:
    seen = []
    real = portfolio_module.evaluate

    def counted(source, *args, **kwargs):
        seen.append(Path(str(getattr(source, "source", source))).name)
        return real(source, *args, **kwargs)

    monkeypatch.setattr(portfolio_module, "evaluate", counted)
    return seen


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame with its evidence as JSON writes it (tuples become lists), for comparing."""
    if "evidence" in frame:
        frame = frame.assign(evidence=[json.loads(json.dumps(e, ensure_ascii=False)) for e in frame["evidence"]])
    return frame.reset_index(drop=True)


def test_current_results_are_read_and_only_the_others_evaluated(district, monkeypatch):
    seen = _evaluations_counted(monkeypatch)
    pf = evalkit.Portfolio.load(district / "params", year=2023, results=district / "reports")
    assert sorted(seen) == ["dangzheng-office-2023.yaml", "demo-water-bureau-2023.yaml"]
    assert len(pf.evaluations) == 25 and not pf.invalid


def test_the_tables_are_those_of_evaluating_every_file(district):
    read = evalkit.Portfolio.load(district / "params", year=2023, results=district / "reports")
    evaluated = evalkit.Portfolio.load(district / "params", year=2023)
    for name in ("departments", "findings", "indicators", "projects", "monthly"):
        pd.testing.assert_frame_equal(_plain(getattr(read, name)), _plain(getattr(evaluated, name)), check_exact=False,
                                      rtol=1e-12, obj=name)
    # the same findings, word for word; their evidence to the last few bits of a float (a result keeps
    # the scores as floats, the evaluation as exact fractions)
    assert [(f.id, f.message, f.department_id) for f in read.portfolio_findings] == [
        (f.id, f.message, f.department_id) for f in evaluated.portfolio_findings]
    for a, b in zip(read.portfolio_findings, evaluated.portfolio_findings, strict=True):
        assert a.evidence.keys() == b.evidence.keys()
        for key, value in a.evidence.items():
            assert value == (pytest.approx(b.evidence[key], rel=1e-12) if isinstance(value, float) else b.evidence[key])
    pd.testing.assert_frame_equal(read.summary(), evaluated.summary())
    pd.testing.assert_frame_equal(read.summary(by=None), evaluated.summary(by=None))


@pytest.fixture(scope="module")
def both(district):
    """The district read from its results, and evaluated file by file."""
    return (evalkit.Portfolio.load(district / "params", year=2023, results=district / "reports"),
            evalkit.Portfolio.load(district / "params", year=2023))


@pytest.mark.parametrize("block", ["header", "regions_table", "departments_table", "grade_chart",
                                   "reported_vs_computed_chart", "execution_score_chart", "payment_curves_chart",
                                   "findings_heatmap", "top_anomalies", "year_table", "application_table",
                                   "rectification_table", "district_lights", "provenance", "invalid_files"])
def test_the_overview_is_the_one_of_evaluating_every_file(both, block):
    kwargs = {"year": 2023} if block == "header" else {}
    read, evaluated = (getattr(overview, block)(pf, **kwargs).data for pf in both)
    assert read == evaluated
    assert read or block in ("regions_table", "invalid_files")  # one region, no invalid file: nothing to show


def test_the_ranked_findings_are_those_of_evaluating_every_file(both):
    read, evaluated = (_plain(overview.rank_findings(pf)) for pf in both)
    pd.testing.assert_frame_equal(read, evaluated)


def test_a_changed_input_is_evaluated_again(district, tmp_path, monkeypatch):
    folder = tmp_path / "params"
    shutil.copytree(district / "params", folder)
    shutil.copytree(district / "reports", tmp_path / "reports")
    monthly = folder / "demo-health-bureau-2023.monthly.csv"
    monthly.write_text(monthly.read_text(encoding="utf-8").replace("\n12,", "\n12,1", 1), encoding="utf-8")
    seen = _evaluations_counted(monkeypatch)
    pf = evalkit.Portfolio.load(folder, year=2023, results=tmp_path / "reports")
    assert "demo-health-bureau-2023.yaml" in seen
    fresh = evalkit.evaluate(folder / "demo-health-bureau-2023.yaml")
    row = pf.departments.set_index("id").loc["demo-health-bureau"]
    assert row["december_share"] == pytest.approx(float(fresh.monthly.december_share), rel=1e-12)


def test_a_project_table_that_appeared_since_is_evaluated(district, tmp_path, monkeypatch):
    folder = tmp_path / "params"
    shutil.copytree(district / "params", folder)
    table = next(folder.glob("demo-health-bureau-2023.project-*.yaml"))
    shutil.copy(table, folder / "demo-health-bureau-2023.project-09.yaml")
    seen = _evaluations_counted(monkeypatch)
    pf = evalkit.Portfolio.load(folder, year=2023, results=district / "reports")
    assert "demo-health-bureau-2023.yaml" in seen and "demo-civil-affairs-bureau-2023.yaml" not in seen
    assert len(pf.evaluations) == 25


def test_a_result_not_as_its_stamp_recorded_it_is_not_read(district, tmp_path, monkeypatch):
    shutil.copytree(district / "reports", tmp_path / "reports")
    result = department_dir(tmp_path / "reports", 2023, "demo-health-bureau") / outputs.RESULT.filename
    doc = json.loads(result.read_text(encoding="utf-8"))
    doc["score"]["min"] = doc["score"]["max"] = 12.0
    result.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    seen = _evaluations_counted(monkeypatch)
    pf = evalkit.Portfolio.load(district / "params", year=2023, results=tmp_path / "reports")
    assert "demo-health-bureau-2023.yaml" in seen
    assert pf.departments.set_index("id").loc["demo-health-bureau", "score_min"] != 12.0


def test_a_department_read_from_its_result_is_evaluated_when_asked_for(district):
    pf = evalkit.Portfolio.load(district / "params", year=2023, results=district / "reports")
    ev = pf.department("demo-health-bureau")
    assert ev.score_text() == evalkit.evaluate(district / "params" / "demo-health-bureau-2023.yaml").score_text()
