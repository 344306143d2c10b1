"""The index of a run describes exactly the departments of that run's params files: a file that no
longer parses shows its error in its old folder, a folder no params file produces any more is
已过期 outside the ranking, and no unreadable file in the output folder can break the page."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import WORKED, run_cli

from evalkit import outputs
from evalkit.publish import index
from evalkit.run import batch

BROKEN_YAML = "schema: evalkit/v1\ndepartment: {id: dept-b, name: [unclosed\n"


def copy_seed(folder: Path, department_id: str, *, name: str | None = None) -> Path:
    text = WORKED.read_text(encoding="utf-8").replace("id: dangzheng-office", f"id: {department_id}", 1)
    path = folder / (name or f"{department_id}.yaml")
    path.write_text(text, encoding="utf-8")
    return path


def rows(out: Path) -> dict[str, str]:
    """The index page's rows: department id → status cell text."""
    html = (out / "2023" / "index.html").read_text(encoding="utf-8")
    found = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", html.split("<tbody>")[1], re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        found[re.search(r"<small>(.*?)</small>", cells[0]).group(1)] = " ".join(re.sub(r"<[^>]+>", " ", cells[7]).split())
    return found


def summary(out: Path) -> str:
    html = (out / "2023" / "index.html").read_text(encoding="utf-8")
    return re.search(r"<p>(共.*?(?:失败\d+个。|未完成\d+个。)(?:另有.*?不参加排名。)?)", html).group(1)


# --- end to end: two departments run once, then their params files change ---------------------

@pytest.fixture(scope="module")
def first_run(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("stale")
    params = work / "params"
    params.mkdir()
    copy_seed(params, "dept-a")
    copy_seed(params, "dept-b")
    code, text = run_cli("run", params, "--out", work / "reports", "--formats", "html", "--no-progress")
    assert code == 0, text
    return work


@pytest.fixture
def project(first_run, tmp_path) -> tuple[Path, Path]:
    """A copy of the first run's params and reports (stamps name files relatively: still current)."""
    shutil.copytree(first_run, tmp_path, dirs_exist_ok=True)
    return tmp_path / "params", tmp_path / "reports"


def run(params: Path, out: Path) -> tuple[int, str]:
    return run_cli("run", params, "--out", out, "--formats", "html", "--no-progress")


@pytest.mark.slow
def test_a_params_file_that_no_longer_parses_shows_its_error_in_its_old_folder(project):
    params, out = project
    (params / "dept-b.yaml").write_text(BROKEN_YAML, encoding="utf-8")
    code, text = run(params, out)
    assert code == 1 and "not valid YAML" in text
    folder = out / "2023" / "dept-b"
    assert sorted(p.name for p in folder.iterdir()) == ["error.json"]  # no appendix, no result.json
    assert json.loads((folder / "error.json").read_text(encoding="utf-8"))["params"].endswith("dept-b.yaml")
    assert not (out / outputs.INVALID_DIR).exists()  # listed once, in its own folder
    status = rows(out)
    assert status["dept-a"].startswith("待复核")  # the worked example's copy: computed, with errors
    assert status["dept-b"].startswith("失败") and "参数文件有误" in status["dept-b"] and "dept-b.yaml" in status["dept-b"]
    assert summary(out) == "共2个部门：计算完成1个（其中存在错误、待复核1个），失败1个。"


@pytest.mark.slow
def test_a_deleted_params_file_is_listed_stale_never_as_a_success(project):
    params, out = project
    kept = (params / "dept-b.yaml").read_text(encoding="utf-8")
    (params / "dept-b.yaml").unlink()
    code, text = run(params, out)
    assert code == 0
    assert f"stale: {out / '2023' / 'dept-b'}: its params file dept-b.yaml is not in this run" in text
    assert json.loads((out / "2023" / "dept-b" / "stale.json").read_text(encoding="utf-8")) == {
        "reason": "absent", "params": "dept-b.yaml"}
    status = rows(out)
    assert status["dept-a"].startswith("待复核")
    assert status["dept-b"].startswith("已过期") and "dept-b.yaml 没有参加本次运行" in status["dept-b"]
    assert summary(out) == ("共1个部门：计算完成1个（其中存在错误、待复核1个），失败0个。"
                            "另有1个部门已过期（不在本次参数中），列在表末，不参加排名。")
    # the file comes back unchanged: nothing is rerun, the mark goes
    (params / "dept-b.yaml").write_text(kept, encoding="utf-8")
    code, text = run(params, out)
    assert code == 0 and "0 run, 2 unchanged" in text
    assert not (out / "2023" / "dept-b" / "stale.json").exists()
    assert all(status.startswith("待复核") for status in rows(out).values()) and len(rows(out)) == 2


@pytest.mark.slow
def test_a_changed_department_id_is_listed_once(project):
    params, out = project
    path = params / "dept-a.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("id: dept-a", "id: dept-c", 1), encoding="utf-8")
    code, text = run(params, out)
    assert code == 0 and "1 run, 1 unchanged" in text
    status = rows(out)
    assert status["dept-c"].startswith("待复核") and status["dept-b"].startswith("待复核")
    assert status["dept-a"].startswith("已过期") and "参数文件 dept-a.yaml 现在对应另一个部门" in status["dept-a"]
    assert sum(v.startswith("待复核") for v in status.values()) == 2


# --- fast: the same rules on hand-made folders, and an index that survives any file -----------

def stamped(out: Path, department_id: str, params_name: str | None) -> Path:
    folder = out / "2023" / department_id
    folder.mkdir(parents=True)
    for output in (outputs.NOTEBOOK, outputs.APPENDIX_HTML):
        (folder / output.filename).write_text("{}", encoding="utf-8")
    (folder / outputs.RESULT.filename).write_text(json.dumps({"department": {"name": department_id}}),
                                                  encoding="utf-8")
    if params_name:
        (folder / outputs.STAMP.filename).write_text(json.dumps({"params": params_name}), encoding="utf-8")
    return folder


def test_every_folder_is_matched_to_its_params_file_or_marked_stale(tmp_path):
    params, out = tmp_path / "params", tmp_path / "reports"
    params.mkdir()
    (params / "broken.yaml").write_text("department: [\n", encoding="utf-8")
    broken = stamped(out, "was-broken", "broken.yaml")
    gone = stamped(out, "gone", "deleted.yaml")
    unknown = stamped(out, "no-stamp", None)
    job = batch.run_job([params / "broken.yaml"], out=out, progress=False)  # a file: no district overview
    assert [(o.params, o.department_id, o.status) for o in job.outcomes] == [
        (str(params / "broken.yaml"), "was-broken", "failed")]
    assert sorted(p.name for p in broken.iterdir()) == ["error.json"]
    assert {(s.folder, s.reason, s.params) for s in job.stale} == {(gone, "absent", "deleted.yaml"),
                                                                   (unknown, "unknown", None)}
    assert (gone / "stale.json").is_file() and (unknown / "stale.json").is_file()
    status = {r["id"]: r["status"] for r in index.collect(out, 2023)}
    assert status == {"was-broken": "failed", "gone": "stale", "no-stamp": "stale"}


def test_records_of_params_files_no_longer_in_the_run_are_dropped(tmp_path):
    params, out = tmp_path / "params", tmp_path / "reports"
    params.mkdir()
    (params / "x.yaml").write_text("department: [\n", encoding="utf-8")
    batch.run_job([params / "x.yaml"], out=out, progress=False)
    assert (out / outputs.INVALID_DIR / "x.json").is_file()
    (params / "y.yaml").write_text("department: [\n", encoding="utf-8")
    batch.run_job([params / "y.yaml"], out=out, progress=False)
    assert sorted(p.name for p in (out / outputs.INVALID_DIR).iterdir()) == ["y.json"]


@pytest.fixture
def damaged(tmp_path, worked) -> Path:
    """An output folder with one good department and every kind of damaged or missing record."""
    out = tmp_path / "reports"
    year = out / "2023"
    result = json.dumps(worked.to_dict(), ensure_ascii=False).encode("utf-8")
    files = {
        "good/result.json": result,
        "truncated/result.json": result[:300],
        "not-utf8/result.json": b"\xff\xfe garbage",
        "a-list/result.json": b"[]",
        "wrong-shape/result.json": b'{"department": "x", "score": 3}',
        "garbage-error/error.json": b"\x00\x01 not json",
        "garbage-error/result.json": result,
        "garbage-stale/stale.json": b"{{{",
        "garbage-stale/result.json": result,
    }
    for name, data in files.items():
        (year / name).parent.mkdir(parents=True, exist_ok=True)
        (year / name).write_bytes(data)
    (year / "interrupted").mkdir()
    (year / ".evalkit-staging").mkdir()  # an overview run's leftovers are no department
    (out / outputs.INVALID_DIR).mkdir()
    (out / outputs.INVALID_DIR / "half.json").write_bytes(b'{"params": "half.ya')
    return out


def test_the_index_reads_every_record_defensively(damaged):
    page = index.write_index(damaged, 2023).read_text(encoding="utf-8")
    status = {r["id"]: r["status"] for r in index.collect(damaged, 2023)}
    assert status == {"a-list": "unreadable", "garbage-error": "unreadable", "garbage-stale": "stale",
                      "good": "review", "interrupted": "incomplete", "not-utf8": "unreadable",
                      "truncated": "unreadable", "wrong-shape": "unreadable", "half.yaml": "unreadable"}
    found = rows(damaged)
    assert found["good"].startswith("待复核")  # the worked example has errors: never ranked among the clean
    assert found["truncated"] == ("无法读取 结果文件 result.json 不完整或已损坏，无法读取（可能是写入时运行被中断或磁盘已满）。"
                                  "请重新运行该部门。")
    assert found["wrong-shape"].startswith("无法读取 结果文件 result.json 的内容不是本程序写出的格式")
    assert found["garbage-error"].startswith("无法读取 错误记录不完整或已损坏")
    assert found["interrupted"] == "未完成 没有结果：上次运行在这个部门完成之前中断了。重新运行即可补齐。"
    assert found["garbage-stale"].startswith("已过期 不在本次参数中：本次运行的参数文件都没有生成这个部门。")
    assert found["half.yaml"].startswith("无法读取 错误记录不完整或已损坏")
    assert "共8个部门：计算完成1个（其中存在错误、待复核1个），失败0个，结果无法读取或未完成7个。另有1个部门已过期" in page
    for leak in ("Traceback", "JSONDecodeError", "KeyError", "Errno"):
        assert leak not in page
