"""Cheap unchanged reruns: a department whose stamp shows every input as it was is settled from the
stamp alone — no evaluation — and any change the evaluation would see (a params file, a side table,
a review or last year's file appearing or going, another notebook, evalkit or formats, a missing
output) sends it back to be evaluated and run."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import PARAMS, WORKED, finish, run_cli

import evalkit
from evalkit import outputs
from evalkit.outputs import FORMATS
from evalkit.publish.terminal import LIST_UNCHANGED, render_run_summary
from evalkit.run import batch, department
from evalkit.run.department import Outcome
from evalkit.stamps.fingerprint import Stamps

DEMO = "demo-education-bureau"


def copy_department(folder: Path, stem: str = f"{DEMO}-2023") -> Path:
    """A demo department with its side tables and last year's result, copied into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in PARAMS.glob(f"{stem.rsplit('-', 1)[0]}-*"):
        shutil.copy(path, folder / path.name)
    return folder / f"{stem}.yaml"


@pytest.fixture
def finished(tmp_path) -> tuple[Path, Path, Path]:
    path = copy_department(tmp_path / "params")
    out = tmp_path / "reports"
    return path, out, finish(path, out)


def test_an_unchanged_department_is_settled_from_its_stamp_without_evaluating(finished, monkeypatch):
    path, out, folder = finished
    ev = evalkit.evaluate(path)

    def refuse(*args, **kwargs):
        raise AssertionError("an unchanged department was evaluated")

    monkeypatch.setattr(batch, "evaluate", refuse)
    todo, settled = batch.plan_batch([path], out, formats=FORMATS, force=False)
    assert todo == []
    [o] = settled
    assert (o.status, o.department_id, o.year, o.name) == ("skipped", ev.department.id, 2023, ev.department.name)
    assert (o.score, o.grade, o.findings) == (ev.score_text(), ev.grade_text(), ev.severity_counts())
    assert Path(o.out_dir) == folder


def test_the_stamp_names_every_file_read_and_every_file_looked_for(finished):
    path, _, folder = finished
    files = json.loads((folder / outputs.STAMP.filename).read_text(encoding="utf-8"))["files"]
    read = {k for k, v in files.items() if v is not None}
    projects = {p.name for p in path.parent.glob(f"{DEMO}-2023.project-*.yaml")}  # its project tables
    assert projects
    assert read == {f"{DEMO}-2023.yaml", f"{DEMO}-2023.monthly.csv", f"{DEMO}-2023.projects.csv",
                    f"{DEMO}-2022.result.json", f"{DEMO}-2023.monitoring.yaml", *projects}
    assert {k for k, v in files.items() if v is None} == {f"{DEMO}-2023.review.yaml", f"{DEMO}-2022.yaml",
                                                          f"{DEMO}-2022.yml", "bureau.yaml", "bureau.yml",
                                                          f"{DEMO}-2023.rectification.yaml",
                                                          f"{DEMO}-2022.rectification.yaml",
                                                          *(p.replace(".yaml", ".review.yaml") for p in projects),
                                                          *(p.replace(".yaml", ".monitoring.yaml") for p in projects)}
    assert files[path.name]["size"] == path.stat().st_size


def _edit_params(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8") + "\n# 复核后补充说明\n", encoding="utf-8")


def _edit_table(path: Path) -> None:
    table = path.with_name(f"{DEMO}-2023.projects.csv")
    table.write_text(table.read_text(encoding="utf-8").replace("\n", "\r\n"), encoding="utf-8")


def _add_review(path: Path) -> None:
    path.with_name(f"{DEMO}-2023.review.yaml").write_text("schema: evalkit-review/v1\ndecisions: []\n", encoding="utf-8")


def _drop_last_year(path: Path) -> None:
    path.with_name(f"{DEMO}-2022.result.json").unlink()


def _add_last_year_params(path: Path) -> None:
    shutil.copy(path, path.with_name(f"{DEMO}-2022.yaml"))


def _edit_monitoring(path: Path) -> None:
    monitoring = path.with_name(f"{DEMO}-2023.monitoring.yaml")
    monitoring.write_text(monitoring.read_text(encoding="utf-8").replace("month: 7", "month: 8"), encoding="utf-8")


def _drop_monitoring(path: Path) -> None:
    path.with_name(f"{DEMO}-2023.monitoring.yaml").unlink()


def _drop_output(path: Path, folder: Path) -> None:
    (folder / outputs.APPENDIX_PDF.filename).unlink()


CHANGES = {"params file edited": _edit_params, "side table edited": _edit_table, "review file added": _add_review,
           "last year's result removed": _drop_last_year, "last year's params added": _add_last_year_params,
           "monitoring file edited": _edit_monitoring, "monitoring file removed": _drop_monitoring}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_a_change_the_evaluation_would_see_is_never_settled_from_the_stamp(finished, change):
    path, out, _ = finished
    assert Stamps(out, FORMATS).unchanged(path) is not None
    change(path)
    assert Stamps(out, FORMATS).unchanged(path) is None


def test_another_run_setup_or_a_missing_output_is_not_unchanged(finished):
    path, out, folder = finished
    assert Stamps(out, ("html",)).unchanged(path) is None  # other formats
    stamps = Stamps(out, FORMATS)
    stamps.current = {**stamps.current, "notebook": "0" * 64}  # another notebook
    assert stamps.unchanged(path) is None
    _drop_output(path, folder)
    assert Stamps(out, FORMATS).unchanged(path) is None


def test_a_file_touched_but_not_changed_is_still_unchanged(finished):
    path, out, _ = finished
    for p in path.parent.iterdir():
        os.utime(p, ns=(1_000_000_000, 1_000_000_000))
    assert Stamps(out, FORMATS).unchanged(path) is not None


def test_a_file_of_the_same_name_in_another_folder_is_evaluated(finished, tmp_path):
    path, out, _ = finished
    elsewhere = copy_department(tmp_path / "elsewhere")
    assert Stamps(out, FORMATS).unchanged(elsewhere) is None


def test_an_older_stamp_without_files_falls_back_to_evaluating(finished, monkeypatch):
    path, out, folder = finished
    data = json.loads((folder / outputs.STAMP.filename).read_text(encoding="utf-8"))
    del data["files"], data["summary"]
    (folder / outputs.STAMP.filename).write_text(json.dumps(data), encoding="utf-8")
    assert Stamps(out, FORMATS).unchanged(path) is None
    todo, settled = batch.plan_batch([path], out, formats=FORMATS, force=False)
    assert todo == [path] and settled == []  # the worker evaluates it

    def refuse(*args, **kwargs):
        raise AssertionError("a department whose outputs are current was run")

    monkeypatch.setattr(department, "_execute", refuse)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    o = department.run_department(path, out, formats=FORMATS, skip_current=True)
    assert o.status == "skipped"  # decided by evaluating: the fingerprint is the same
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_a_change_decided_by_evaluating_runs_the_department(finished):
    path, out, _ = finished
    _edit_params(path)
    todo, settled = batch.plan_batch([path], out, formats=FORMATS, force=False)
    assert todo == [path] and settled == []


def test_an_unchanged_department_another_file_now_claims_fails_as_a_duplicate(finished):
    path, out, _ = finished
    copy = path.with_name("copy-of-education.yaml")
    shutil.copy(path, copy)
    todo, settled = batch.plan_batch([path, copy], out, formats=FORMATS, force=False)
    assert todo == []
    assert {(Path(o.params).name, o.status, o.error_kind) for o in settled} == {
        (path.name, "failed", "DuplicateDepartmentError"), (copy.name, "failed", "DuplicateDepartmentError")}


def test_a_long_run_summary_does_not_list_every_unchanged_department():
    skipped = [Outcome(params=f"d{i}.yaml", status="skipped", department_id=f"d{i}", name=f"部门{i}", year=2023)
               for i in range(LIST_UNCHANGED + 1)]
    ran = Outcome(params="x.yaml", status="ok", department_id="x", name="新部门", year=2023, seconds=2.0)
    text = render_run_summary([*skipped, ran])
    assert "新部门" in text and "部门0" not in text
    assert f"({LIST_UNCHANGED + 1} unchanged departments not listed" in text
    assert f"{LIST_UNCHANGED + 2} departments: 1 run, {LIST_UNCHANGED + 1} unchanged, 0 failed" in text
    short = render_run_summary(skipped[:2])
    assert "部门0" in short and "not listed" not in short


@pytest.mark.slow
def test_a_real_rerun_settles_every_department_from_the_stamps(tmp_path, monkeypatch):
    params = tmp_path / "params"
    copy_department(params)
    shutil.copy(WORKED, params / WORKED.name)
    out = tmp_path / "reports"
    code, text = run_cli("run", params, "--out", out, "--formats", "html", "--no-progress")
    assert code == 0 and "2 run, 0 unchanged" in text, text

    real = batch.evaluate
    evaluated = []
    monkeypatch.setattr(batch, "evaluate", lambda p, *a, **k: evaluated.append(Path(p).name) or real(p, *a, **k))
    code, text = run_cli("run", params, "--out", out, "--formats", "html", "--no-progress")
    assert code == 0 and "0 run, 2 unchanged" in text and evaluated == [], text

    _add_review(params / f"{DEMO}-2023.yaml")
    code, text = run_cli("run", params, "--out", out, "--formats", "html", "--no-progress")
    assert code == 0 and "1 run, 1 unchanged" in text, text
    assert evaluated == []  # the parent plans without evaluating: the changed file is evaluated by its worker
