"""Project params (``kind: project``) are validated like a department's: every problem located by
file, key path and line, and a department file keeps validating exactly as before."""

from pathlib import Path

import pytest
from conftest import FIXTURES, PARAMS

from evalkit.core.params import load_params
from evalkit.exceptions import ParamsError

PUBLISHED = (FIXTURES / "project" / "daying-anke-2023.yaml").read_text(encoding="utf-8")


def problems_of(tmp_path: Path, text: str) -> list:
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ParamsError) as caught:
        load_params(path)
    return list(caught.value.problems)


def line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_a_project_file_loads_with_its_form_fields():
    p = load_params(FIXTURES / "project" / "daying-anke-2023.yaml")
    assert p.kind == "project" and p.project.implementer == "大英县司法局"
    assert p.goals[0].outcome.startswith("已完成")
    assert p.indicators[0].level2 == "质量指标"


def test_a_department_file_is_a_department():
    p = load_params(PARAMS / "demo-agriculture-bureau-2023.yaml")
    assert p.kind == "department" and p.project is None and p.budget.sources == ()


def test_an_unknown_fund_source_is_located(tmp_path):
    text = PUBLISHED.replace("name: 单位资金", "name: 自筹资金")
    [problem] = problems_of(tmp_path, text)
    assert problem.key == "budget.sources[2].name"
    assert problem.line == line_of(text, "自筹资金")
    assert "当年财政拨款" in problem.message and str(tmp_path / "p.yaml") == problem.path


def test_a_project_naming_another_department_is_refused(tmp_path):
    text = PUBLISHED.replace("department: daying-justice-bureau, implementer", "department: other-bureau, implementer")
    [problem] = problems_of(tmp_path, text)
    assert problem.key == "project.department" and problem.line == line_of(text, "other-bureau")
    assert "daying-justice-bureau" in problem.message


def test_a_project_header_needs_a_name_and_its_department(tmp_path):
    text = PUBLISHED.replace("project: {name: 2023年全县安可替代补助资金项目, ", "project: {")
    found = problems_of(tmp_path, text)
    assert [p.key for p in found] == ["project"] and found[0].line == line_of(text, "project: {")
    assert "name" in found[0].message


def test_kind_must_be_department_or_project(tmp_path):
    text = PUBLISHED.replace("kind: project", "kind: programme")
    found = problems_of(tmp_path, text)
    assert found[0].key == "kind" and found[0].line == line_of(text, "kind: programme")
    assert "department" in found[0].message and "project" in found[0].message


def test_a_project_header_in_a_department_file_is_refused(tmp_path):
    text = PUBLISHED.replace("kind: project\n", "")
    found = problems_of(tmp_path, text)
    assert [p.key for p in found] == ["project"] and "kind: project" in found[0].message


def test_a_bad_amount_in_a_source_is_located(tmp_path):
    text = PUBLISHED.replace("{name: 财政资金, initial: 0.00, adjusted: 3.36", "{name: 财政资金, initial: 0.00, adjusted: -3.36")
    [problem] = problems_of(tmp_path, text)
    assert problem.key == "budget.sources[0].adjusted" and problem.line == line_of(text, "-3.36")


def test_a_misplaced_form_key_is_still_an_unknown_key(tmp_path):
    """level2 belongs on an indicator; on a goal it is an unknown key as any other."""
    text = PUBLISHED.replace("    outcome:", "    level2: 数量指标\n    outcome:")
    found = problems_of(tmp_path, text)
    assert found[0].key.startswith("goals[0]") and "level2" in str(found[0])


def test_run_finds_departments_and_leaves_projects_to_them():
    from evalkit.paths import params_files

    found = params_files([PARAMS])
    assert PARAMS / "dangzheng-office-2023.yaml" in found
    assert not [p for p in found if ".project-" in p.name]
    # naming a project file runs its department
    assert params_files([PARAMS / "dangzheng-office-2023.project-02.yaml"]) == [PARAMS / "dangzheng-office-2023.yaml"]
