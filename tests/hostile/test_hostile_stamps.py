"""Hostile changes under a finished department's stamp: nothing stale may be called 未变.

A stamp records each file the evaluation read by the path the params file names it with and by the
file that path led to, and the sha256 of every output. A link re-pointed inside the params folder
(a side table, a scheme, a sub-folder), an output truncated or replaced, each re-runs the
department. A stamp is data, not a list of paths to trust: an entry naming ``/dev/zero``, a ``..``
or a FIFO is never read. And an ``error.json`` goes to the folder of the params file that failed,
not to another department's folder made from a file of the same name elsewhere.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hostile_inputs import BASE, PROJECTS, SCHEME, deadline, finish

from evalkit import outputs
from evalkit.outputs import FORMATS
from evalkit.run import batch
from evalkit.run.department import run_department
from evalkit.run.stale import producer
from evalkit.stamps.fingerprint import Stamps

STEM = "hostile-test-2023"
PROJECTS_B = PROJECTS.replace("绿化提升,20,16", "绿化提升,20,2")
MONTHLY_A = "month,executed\n" + "".join(f"{m},8\n" for m in range(1, 13))
MONTHLY_B = "month,executed\n" + "".join(f"{m},1\n" for m in range(1, 13))
STRICT = SCHEME.replace("- {min: 90, label: 优,", "- {min: 99, label: 优,")


def department(folder: Path, *, projects: str | None = None, scheme: str | None = None,
               monthly: str | None = None) -> Path:
    text = BASE
    if projects:
        text = text.replace("  executed: 99\n", f"  executed: 99\n  projects: {projects}\n", 1)
    if monthly:
        text = text.replace("  executed: 99\n", f"  executed: 99\n  monthly: {monthly}\n", 1)
    if scheme:
        text = text.replace("scheme: mof-2020\n", f"scheme: {scheme}\n", 1)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{STEM}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def relink(link: Path, target: str) -> None:
    link.unlink()
    os.symlink(target, link)


def settled_from_stamp(path: Path, out: Path) -> bool:
    with deadline(10):
        return Stamps(out, FORMATS).unchanged(path) is not None


def planned_to_run(path: Path, out: Path) -> bool:
    with deadline(20):
        todo, _ = batch.plan_batch([path], out, formats=FORMATS, force=False)
    return path in todo


def test_an_untouched_department_stays_settled(tmp_path):
    params = tmp_path / "params"
    path = department(params, projects="t.projects.csv")
    (params / "a.csv").write_text(PROJECTS, encoding="utf-8")
    os.symlink("a.csv", params / "t.projects.csv")
    finish(path, tmp_path / "out")
    assert settled_from_stamp(path, tmp_path / "out") and not planned_to_run(path, tmp_path / "out")


def test_a_side_table_link_re_pointed_re_runs(tmp_path):
    params = tmp_path / "params"
    path = department(params, projects="t.projects.csv")
    (params / "a.csv").write_text(PROJECTS, encoding="utf-8")
    (params / "b.csv").write_text(PROJECTS_B, encoding="utf-8")
    os.symlink("a.csv", params / "t.projects.csv")
    folder = finish(path, tmp_path / "out")
    files = json.loads((folder / outputs.STAMP.filename).read_text(encoding="utf-8"))["files"]
    assert files["t.projects.csv"]["target"] == "a.csv"  # the path as named, and what it led to
    relink(params / "t.projects.csv", "b.csv")
    assert not settled_from_stamp(path, tmp_path / "out") and planned_to_run(path, tmp_path / "out")


def test_a_link_re_pointed_to_identical_bytes_re_runs_too(tmp_path):
    params = tmp_path / "params"
    path = department(params, projects="t.projects.csv")
    (params / "a.csv").write_text(PROJECTS, encoding="utf-8")
    (params / "copy.csv").write_text(PROJECTS, encoding="utf-8")
    os.symlink("a.csv", params / "t.projects.csv")
    finish(path, tmp_path / "out")
    relink(params / "t.projects.csv", "copy.csv")
    assert not settled_from_stamp(path, tmp_path / "out")


def test_a_scheme_link_re_pointed_re_runs(tmp_path):
    params = tmp_path / "params"
    path = department(params, scheme="x.scheme.yaml")
    (params / "s1.yaml").write_text(SCHEME.replace("id: mof-2020", "id: local"), encoding="utf-8")
    (params / "s2.yaml").write_text(STRICT.replace("id: mof-2020", "id: local"), encoding="utf-8")
    os.symlink("s1.yaml", params / "x.scheme.yaml")
    finish(path, tmp_path / "out")
    assert settled_from_stamp(path, tmp_path / "out")
    relink(params / "x.scheme.yaml", "s2.yaml")
    assert not settled_from_stamp(path, tmp_path / "out") and planned_to_run(path, tmp_path / "out")


def test_a_sub_folder_link_re_pointed_re_runs(tmp_path):
    params = tmp_path / "params"
    path = department(params, monthly="sub/m.csv")
    for name, table in (("d1", MONTHLY_A), ("d2", MONTHLY_B)):
        (params / name).mkdir()
        (params / name / "m.csv").write_text(table, encoding="utf-8")
    os.symlink("d1", params / "sub")
    finish(path, tmp_path / "out")
    assert settled_from_stamp(path, tmp_path / "out")
    relink(params / "sub", "d2")
    assert not settled_from_stamp(path, tmp_path / "out") and planned_to_run(path, tmp_path / "out")


@pytest.mark.parametrize("damage", ["truncated", "emptied", "same-size-other-bytes", "replaced-by-fifo",
                                    "replaced-by-folder"])
def test_a_broken_output_is_not_called_unchanged(tmp_path, damage):
    path = department(tmp_path / "params")
    folder = finish(path, tmp_path / "out")
    result = folder / outputs.RESULT.filename
    data = result.read_bytes()
    result.unlink()
    if damage == "truncated":
        result.write_bytes(data[: len(data) // 2])
    elif damage == "emptied":
        result.write_bytes(b"")
    elif damage == "same-size-other-bytes":
        result.write_bytes(data.replace(b"hostile-test", b"hostile-tesT"))
    elif damage == "replaced-by-fifo":
        os.mkfifo(result)
    else:
        result.mkdir()
    assert not settled_from_stamp(path, tmp_path / "out") and planned_to_run(path, tmp_path / "out")


def test_an_appendix_replaced_is_not_called_unchanged(tmp_path):
    path = department(tmp_path / "params")
    folder = finish(path, tmp_path / "out")
    (folder / outputs.APPENDIX_HTML.filename).write_bytes(b"<html>something else</html>")
    assert not settled_from_stamp(path, tmp_path / "out")


def test_a_stamp_without_output_hashes_is_not_trusted(tmp_path):
    path = department(tmp_path / "params")
    folder = finish(path, tmp_path / "out")
    stamp_file = folder / outputs.STAMP.filename
    data = json.loads(stamp_file.read_text(encoding="utf-8"))
    del data["outputs"]
    stamp_file.write_text(json.dumps(data), encoding="utf-8")
    assert not settled_from_stamp(path, tmp_path / "out") and planned_to_run(path, tmp_path / "out")


def _edit_stamp(folder: Path, where: str, size: int = 0) -> None:
    stamp_file = folder / outputs.STAMP.filename
    data = json.loads(stamp_file.read_text(encoding="utf-8"))
    data["files"][where] = {"size": size, "sha256": "0" * 64, "target": where}
    stamp_file.write_text(json.dumps(data), encoding="utf-8")


@pytest.mark.parametrize("where", ["/dev/zero", "/dev/urandom", "../../../../dev/zero", "../out/x", "fifo.csv",
                                   "folder.csv", "/etc/passwd"])
def test_a_stamp_naming_a_device_fifo_or_outside_file_is_never_read(tmp_path, where):
    params = tmp_path / "params"
    path = department(params)
    os.mkfifo(params / "fifo.csv")
    (params / "folder.csv").mkdir()
    folder = finish(path, tmp_path / "out")
    _edit_stamp(folder, where)
    assert not settled_from_stamp(path, tmp_path / "out")  # within the deadline: nothing blocks or floods


def test_an_error_goes_to_the_folder_of_the_file_that_failed(tmp_path):
    """Two params folders each hold ``t.yaml`` (different departments); the second breaks and is run alone."""
    out = tmp_path / "out"
    first, second = tmp_path / "a" / "t.yaml", tmp_path / "b" / "t.yaml"
    for path, ident in ((first, "dept-a"), (second, "dept-b")):
        path.parent.mkdir()
        path.write_text(BASE.replace("id: hostile-test,", f"id: {ident},"), encoding="utf-8")
        finish(path, out)
    a_folder, b_folder = out / "2023" / "dept-a", out / "2023" / "dept-b"
    second.write_text("schema: evalkit/v1\ndepartment: [broken\n", encoding="utf-8")  # no identity left
    with deadline(60):
        job = batch.run_job([second], out=out, formats=FORMATS, progress=False)
    [o] = job.outcomes
    assert o.status == "failed" and o.department_id == "dept-b"
    assert (b_folder / outputs.ERROR.filename).is_file()
    assert not (a_folder / outputs.ERROR.filename).exists()
    assert (a_folder / outputs.RESULT.filename).is_file() and (a_folder / outputs.APPENDIX_HTML.filename).is_file()


def test_a_stamp_that_is_a_fifo_never_blocks_the_run(tmp_path):
    path = department(tmp_path / "params")
    folder = finish(path, tmp_path / "out")
    (folder / outputs.STAMP.filename).unlink()
    os.mkfifo(folder / outputs.STAMP.filename)
    assert not settled_from_stamp(path, tmp_path / "out") and planned_to_run(path, tmp_path / "out")
    with deadline(10):
        assert producer(folder) is None


def test_an_error_record_that_is_a_fifo_is_not_read(tmp_path):
    path = department(tmp_path / "params")
    folder = finish(path, tmp_path / "out")
    (folder / outputs.STAMP.filename).unlink()
    os.mkfifo(folder / outputs.ERROR.filename)
    with deadline(10):
        assert producer(folder) is None
        assert planned_to_run(path, tmp_path / "out")


def test_a_params_file_that_is_a_fifo_fails_located_without_blocking(tmp_path):
    params = tmp_path / "params"
    params.mkdir()
    fifo = params / f"{STEM}.yaml"
    os.mkfifo(fifo)
    with deadline(20):
        todo, settled = batch.plan_batch([fifo], tmp_path / "out", formats=FORMATS, force=False)
    assert todo == [fifo] and settled == []  # read for its identity without blocking; its worker evaluates it
    with deadline(20):
        o = run_department(fifo, tmp_path / "out", formats=FORMATS, skip_current=True)
    assert o.status == "failed" and o.error_kind == "ParamsError"
    assert "not a regular file" in o.error
