"""``evalkit validate`` lists every project table (``kind: project``) of a folder beside the
departments, validates each with the same located errors, and fails a table no department beside it
claims (no run would ever check or publish it)."""

from __future__ import annotations

import shutil

from conftest import PARAMS

from evalkit import cli

DEPT = "dangzheng-office"


def folder_with_projects(tmp_path):
    for path in PARAMS.glob(f"{DEPT}-2023*"):
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


def test_a_folder_s_project_files_are_listed_and_validated(tmp_path, capsys):
    folder = folder_with_projects(tmp_path)
    projects = sorted(folder.glob(f"{DEPT}-2023.project-*.yaml"))
    assert len(projects) >= 3
    assert cli.main(["validate", str(folder)]) == 0
    out = capsys.readouterr().out
    for path in projects:
        assert f"ok   {path}  (project of {DEPT}: " in out
    assert f"ok   {folder / f'{DEPT}-2023.yaml'}  (" in out


def test_a_bad_project_file_fails_with_file_key_and_line(tmp_path, capsys):
    folder = folder_with_projects(tmp_path)
    bad = folder / f"{DEPT}-2023.project-02.yaml"
    text = bad.read_text(encoding="utf-8")
    assert "\n  adjusted: " in text
    bad.write_text(text.replace("\n  adjusted: ", "\n  adjusted: lots # ", 1), encoding="utf-8")
    line = next(i for i, ln in enumerate(bad.read_text(encoding="utf-8").splitlines(), 1) if "adjusted: lots" in ln)
    assert cli.main(["validate", str(folder)]) == 1
    out, err = capsys.readouterr()
    fail = err[err.index("FAIL"):]
    assert fail.count("FAIL") == 1 and bad.name in fail.splitlines()[0], err
    assert f"{bad.name}:{line} budget.adjusted: " in fail, fail
    assert "Traceback" not in err
    assert f"ok   {folder / f'{DEPT}-2023.project-01.yaml'}" in out  # the others still get their verdict


def test_a_project_file_named_alone_is_validated_with_its_department(tmp_path, capsys):
    folder = folder_with_projects(tmp_path)
    project = folder / f"{DEPT}-2023.project-01.yaml"
    assert cli.main(["validate", str(project)]) == 0
    out = capsys.readouterr().out
    assert f"ok   {project}  (project of {DEPT}: " in out and f"{DEPT}-2023.yaml  (" in out


def test_a_project_no_department_claims_fails(tmp_path, capsys):
    folder = folder_with_projects(tmp_path)
    orphan = folder / f"{DEPT}-2023.project-01.yaml"
    text = orphan.read_text(encoding="utf-8")
    assert f"department: {DEPT}" in text
    orphan.write_text(text.replace(DEPT, "no-such-office"), encoding="utf-8")  # project.department and department.id
    line = next(i for i, ln in enumerate(orphan.read_text(encoding="utf-8").splitlines(), 1)
                if "department: no-such-office" in ln)
    assert cli.main(["validate", str(folder)]) == 1
    err = capsys.readouterr().err
    fail = next(ln for ln in err.splitlines() if orphan.name in ln)
    assert fail.startswith(f"FAIL {orphan}:{line} project.department: 'no-such-office'"), fail
