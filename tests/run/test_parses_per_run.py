"""How often one ``evalkit run`` reads each params file: the parent plans from the stamps and one
lenient read of a file's department id and year, never evaluating; the worker evaluates a file
once, fails it there if it is invalid, and settles it as unchanged there if its outputs turn out to
be current. Counted in this process, the batch's departments run in it as a worker runs them (the
notebook's own evaluation, in its kernel, is not counted)."""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from pathlib import Path

import pytest
from conftest import WORKED, finish

import evalkit
from evalkit import outputs
from evalkit.core import evaluation, params
from evalkit.core.result import Summary
from evalkit.paths import department_dir
from evalkit.run import batch, department
from evalkit.stamps.fingerprint import Stamps

FORMATS = ("html",)


class InProcess:
    """An engine running the batch's departments here, one after another, with ``where`` saying
    "worker" while a department's task runs."""

    def __init__(self, where: list[str]):
        self.where = where

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None

    def run(self, paths, out, *, formats, timeout, task):
        for path in paths:
            self.where[0] = "worker"
            try:
                result = task(path, out, formats=formats, timeout=timeout)
            finally:
                self.where[0] = "parent"
            yield path, result


@pytest.fixture
def counted(monkeypatch):
    """``(where, counts)``: counts of (where, what, params file name), what being "identity" (the
    plan's lenient read), "parsed" (the file read and validated), "evaluated" or "kernel"."""
    where, counts = ["parent"], Counter()

    def counting(what, fn, name_of):
        def wrapper(*args, **kwargs):
            counts[where[0], what, Path(str(name_of(args))).name] += 1
            return fn(*args, **kwargs)
        return wrapper

    parse = counting("parsed", params.load_params, lambda a: a[0])
    monkeypatch.setattr(params, "load_params", parse)
    monkeypatch.setattr(evaluation, "load_params", parse)
    monkeypatch.setattr(evaluation, "evaluate_params", counting("evaluated", evaluation.evaluate_params,
                                                                lambda a: a[0].source))
    peek = counting("identity", department.peek_identity, lambda a: a[0])
    monkeypatch.setattr(department, "peek_identity", peek)
    monkeypatch.setattr(batch, "peek_identity", peek)
    monkeypatch.setattr(department, "_execute", counting("kernel", department._execute,
                                                         lambda a: a[2]["params_file"]))
    return where, counts


def worked(folder: Path, name: str, dept_id: str, *, edit=lambda text: text) -> Path:
    path = folder / name
    text = WORKED.read_text(encoding="utf-8").replace("id: dangzheng-office", f"id: {dept_id}", 1)
    path.write_text(edit(text), encoding="utf-8")
    return path


@pytest.mark.slow
def test_each_params_file_is_read_once_by_the_parent_and_evaluated_once_by_its_worker(tmp_path, counted):
    where, counts = counted
    folder, out = tmp_path / "params", tmp_path / "reports"
    (folder / "store").mkdir(parents=True)
    changed = worked(folder, "changed.yaml", "changed-office")
    unchanged = worked(folder, "unchanged.yaml", "unchanged-office")
    invalid = worked(folder, "invalid.yaml", "invalid-office",
                     edit=lambda text: text.replace("executed: 9565.63", "executed: 九千五百", 1))
    # a link to a shared file, re-pointed to an identical copy: its stamp cannot settle it (the file
    # read is another), its evaluation finds the outputs current
    worked(folder / "store", "v1.yaml", "touched-office")
    shutil.copy(folder / "store" / "v1.yaml", folder / "store" / "v2.yaml")
    touched = folder / "touched.yaml"
    os.symlink("store/v1.yaml", touched)
    for path in (changed, unchanged, touched):
        finish(path, out, FORMATS)
    touched.unlink()
    os.symlink("store/v2.yaml", touched)
    changed.write_text(changed.read_text(encoding="utf-8") + "\n# 复核后补充说明\n", encoding="utf-8")
    stamps = Stamps(out, FORMATS)
    assert stamps.unchanged(unchanged) is not None
    assert stamps.unchanged(touched) is None and stamps.unchanged(changed) is None
    counts.clear()

    outcomes = batch.run_batch([folder], out, formats=FORMATS, timeout=300, progress=False, engine=InProcess(where))

    by_name = {Path(o.params).name: o for o in outcomes}
    assert {name: o.status for name, o in by_name.items()} == {
        "changed.yaml": "ok", "unchanged.yaml": "skipped", "invalid.yaml": "failed", "touched.yaml": "skipped"}
    names = ("changed.yaml", "invalid.yaml", "touched.yaml", "unchanged.yaml")
    seen = {(who, name): tuple(counts[who, what, name] for what in ("identity", "parsed", "evaluated", "kernel"))
            for who in ("parent", "worker") for name in names}
    assert seen == {  # (identity reads, parses, evaluations, kernels)
        ("parent", "changed.yaml"): (1, 0, 0, 0), ("worker", "changed.yaml"): (0, 1, 1, 1),
        ("parent", "invalid.yaml"): (1, 0, 0, 0), ("worker", "invalid.yaml"): (0, 1, 0, 0),
        ("parent", "touched.yaml"): (1, 0, 0, 0), ("worker", "touched.yaml"): (0, 1, 1, 0),
        ("parent", "unchanged.yaml"): (0, 0, 0, 0), ("worker", "unchanged.yaml"): (0, 0, 0, 0)}

    bad = by_name["invalid.yaml"]
    assert (bad.error_kind, bad.department_id, bad.year) == ("ParamsError", "invalid-office", 2023)
    line = invalid.read_text(encoding="utf-8").splitlines().index("  executed: 九千五百") + 1
    assert f"{invalid}:{line} budget.executed: expected an amount" in bad.error, bad.error
    record = json.loads((department_dir(out, 2023, "invalid-office") / outputs.ERROR.filename).read_text("utf-8"))
    assert (record["status"], record["error_kind"], record["error"]) == ("failed", "ParamsError", bad.error)
    settled = by_name["touched.yaml"]
    summary = Summary.of(evalkit.evaluate(touched))
    assert (settled.department_id, settled.score, settled.grade, settled.findings) == (
        "touched-office", summary.score, summary.grade, summary.findings)

    counts.clear()
    again = batch.run_batch([folder], out, formats=FORMATS, timeout=300, progress=False, engine=InProcess(where))
    assert {Path(o.params).name: o.status for o in again}["changed.yaml"] == "skipped"
    assert not any(counts[who, what, "changed.yaml"] for who in ("parent", "worker")
                   for what in ("identity", "parsed", "evaluated", "kernel"))  # settled from its new stamp


def test_the_plan_reads_identities_alone_and_evaluates_only_files_claiming_one_department(tmp_path, counted):
    _, counts = counted
    folder = tmp_path / "params"
    folder.mkdir()
    a = worked(folder, "a.yaml", "same-office")
    b = worked(folder, "b.yaml", "same-office")
    broken = worked(folder, "broken.yaml", "other-office",
                    edit=lambda text: text.replace("executed: 9565.63", "executed: 九千五百", 1))
    lone = worked(folder, "lone.yaml", "lone-office")
    identities = {}
    todo, settled = batch.plan_batch([a, b, broken, lone], tmp_path / "reports", formats=FORMATS, force=False,
                                     identities=identities)
    assert todo == [broken, lone]
    assert {Path(o.params).name: o.error_kind for o in settled} == {"a.yaml": "DuplicateDepartmentError",
                                                                   "b.yaml": "DuplicateDepartmentError"}
    assert identities == {a: ("same-office", 2023), b: ("same-office", 2023), broken: ("other-office", 2023),
                          lone: ("lone-office", 2023)}
    assert {name: counts["parent", "evaluated", name] for name in ("a.yaml", "b.yaml", "broken.yaml", "lone.yaml")} \
        == {"a.yaml": 1, "b.yaml": 1, "broken.yaml": 0, "lone.yaml": 0}


def test_a_file_claiming_a_department_but_invalid_fails_with_its_own_error_not_as_a_duplicate(tmp_path):
    folder = tmp_path / "params"
    folder.mkdir()
    good = worked(folder, "good.yaml", "same-office")
    bad = worked(folder, "bad.yaml", "same-office",
                 edit=lambda text: text.replace("executed: 9565.63", "executed: 九千五百", 1))
    todo, [o] = batch.plan_batch([good, bad], tmp_path / "reports", formats=FORMATS, force=False)
    assert todo == [good]
    assert (Path(o.params), o.status, o.error_kind) == (bad, "failed", "ParamsError") and "budget.executed" in o.error


@pytest.mark.parametrize("department_line, identity", [
    ("department: {id: dangzheng-office, name: 党政办公室, year: 2023}", ("dangzheng-office", 2023)),
    ("department: {id: '0012', name: 甲, year: ２０２３}", ("0012", 2023)),  # as the evaluation reads them
    ("department: {id: 0012, name: 甲, year: 2023}", ("12", 2023)),  # a number, as the evaluation reads it
    ("department: {id: Bad Id, name: 甲, year: 2023}", (None, None)),
    ("department: {id: x, name: 甲, year: 1800}", (None, None)),
    ("department: [x]", (None, None)),
])
def test_the_identity_read_is_the_one_the_evaluation_gives(tmp_path, department_line, identity):
    text = WORKED.read_text(encoding="utf-8")
    line = next(line for line in text.splitlines() if line.startswith("department:"))
    path = tmp_path / "p.yaml"
    path.write_text(text.replace(line, department_line, 1), encoding="utf-8")
    assert department.peek_identity(path) == identity
    if identity != (None, None):
        d = evalkit.evaluate(path).department
        assert (d.id, d.year) == identity
