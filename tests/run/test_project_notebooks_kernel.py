"""The project notebooks of a department run on its kernel, one after the other: each on a namespace
reset to a fresh kernel's (nothing of the department's notebook or the previous project's is left,
counts start at 1), each with its own project's params file; a cell that raises stops the department
with an error naming the project, and leaves that project's partial notebook, not the older run's files."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from conftest import PARAMS, ROOT
from nbformat.v4 import new_code_cell, new_notebook

import evalkit
from evalkit.exceptions import CellExecutionError
from evalkit.run import kernels
from evalkit.run.projects import PARTIAL, PROJECTS_DIR, ProjectNotebooks, leave_projects, project_folders

DEPARTMENT = PARAMS / "demo-health-bureau-2023.yaml"


def notebook(path, *cells) -> str:
    nb = new_notebook(cells=[new_code_cell("params_file = None\nscheme = None", metadata={"tags": ["parameters"]}),
                             *[new_code_cell(c) for c in cells]],
                      metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nbformat.write(nb, path)
    return path


def run_code(kernel, code: str) -> None:
    from jupyter_core.utils import run_sync

    client = kernel.manager.client()
    client.start_channels()
    try:
        run_sync(client.wait_for_ready)(timeout=60)
        reply = run_sync(client.execute_interactive)(code, timeout=60, output_hook=lambda msg: None)
    finally:
        client.stop_channels()
    assert reply["content"]["status"] == "ok"


def test_the_project_notebook_is_committed_without_outputs_and_takes_the_runner_s_parameters():
    import papermill as pm

    path = ROOT / "notebooks" / "project.ipynb"
    nb = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") and not c.get("execution_count") for c in nb.cells if c.cell_type == "code")
    assert set(pm.inspect_notebook(str(path))) == {"params_file", "scheme"}
    assert (PARAMS.parent / pm.inspect_notebook(str(path))["params_file"]["default"].strip('"')).is_file()


@pytest.mark.slow
def test_plain_papermill_runs_the_project_notebook(tmp_path):
    """``papermill notebooks/project.ipynb out.ipynb -p params_file <project file>``, and nbconvert's
    evalkit_html of it, as for the department's notebook."""
    import subprocess

    from conftest import BIN

    project = PARAMS / "demo-health-bureau-2023.project-01.yaml"
    out = tmp_path / "out.ipynb"
    done = subprocess.run([BIN / "papermill", ROOT / "notebooks" / "project.ipynb", out, "-p", "params_file",
                           str(project), "--cwd", str(ROOT)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    done = subprocess.run([BIN / "jupyter", "nbconvert", "--to", "evalkit_html", out], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    html = (tmp_path / "out.html").read_text(encoding="utf-8")
    assert "卫生应急宣传培训经费2023年度项目支出绩效自评复核附件" in html and "相差1.00万元" in html
    assert "evalkit.evaluate(" not in html  # code hidden


@pytest.fixture
def kernel():
    k = kernels.start_kernel()
    yield k
    kernels.discard(k)


@pytest.mark.slow
def test_each_project_runs_alone_on_the_department_s_kernel(tmp_path, kernel):
    ev = evalkit.evaluate(DEPARTMENT)
    assert len(ev.project_evaluations) >= 3
    run_code(kernel, "leftover = 'the department notebook'")  # what the department's notebook leaves
    nb = notebook(tmp_path / "p.ipynb",
                  "assert 'leftover' not in globals() and 'project_ev' not in globals(), sorted(globals())",
                  "import evalkit\nproject_ev = evalkit.evaluate(params_file)\nleftover = 1\nprint(project_ev.params.project.name)")
    staging = tmp_path / "out" / ".evalkit-staging"
    runs = ProjectNotebooks(ev, staging, timeout=120, notebook=nb)
    runs.execute(kernel)
    assert [folder.name for _, folder, _ in runs.executed] == [name for _, name in project_folders(ev)]
    for executed, folder, project in runs.executed:
        assert executed.cells[-1].outputs[0]["text"].strip() == project.params.project.name
        counts = [c.execution_count for c in executed.cells]
        assert counts == list(range(1, len(counts) + 1)), counts
        assert (folder / PARTIAL).is_file()


@pytest.mark.slow
def test_a_failing_project_notebook_names_the_project_and_leaves_its_partial(tmp_path, kernel):
    ev = evalkit.evaluate(DEPARTMENT)
    second = ev.project_evaluations[1]
    target = tmp_path / "out"
    old = target / PROJECTS_DIR / "old-project" / "result.json"
    old.parent.mkdir(parents=True)
    old.write_text("{}", encoding="utf-8")  # a previous run's project output
    nb = notebook(tmp_path / "p.ipynb", "import evalkit\nproject_ev = evalkit.evaluate(params_file)",
                  f"assert project_ev.params.project.name != {second.params.project.name!r}, 'planted failure'")
    staging = target / ".evalkit-staging"
    with pytest.raises(CellExecutionError) as raised:
        ProjectNotebooks(ev, staging, timeout=120, notebook=nb).execute(kernel)
    message = str(raised.value)
    assert second.params.project.name in message and Path(second.params.source).name in message
    assert "AssertionError" in message and "planted failure" in message
    name = dict((id(p), n) for p, n in project_folders(ev))[id(second)]
    assert raised.value.output_path == str(target / PROJECTS_DIR / name / PARTIAL)

    leave_projects(staging, target, keep_previous=False)  # the department's data failed: nothing older stays
    assert not old.exists()
    partial = target / PROJECTS_DIR / name / PARTIAL
    executed = json.loads(partial.read_text(encoding="utf-8"))
    assert any(o.get("ename") == "AssertionError" for c in executed["cells"] for o in c.get("outputs", []))


def test_a_run_s_failure_keeps_the_previous_project_outputs(tmp_path):
    target = tmp_path / "out"
    old = target / PROJECTS_DIR / "old-project" / "appendix.html"
    old.parent.mkdir(parents=True)
    old.write_text("<p>old</p>", encoding="utf-8")
    leave_projects(None, target, keep_previous=True)  # a timeout or a dead kernel is not the department's
    assert old.read_text(encoding="utf-8") == "<p>old</p>"
