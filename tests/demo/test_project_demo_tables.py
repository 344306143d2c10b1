"""The illustrative district's project tables: 3 to 8 per department (the department whose budget is
all zeros files them too, and its empty project line is exceeded), each one of its department's listed
projects, every planted project finding found on exactly its file and every other project table clean;
``demo-data --count N`` scales them."""

import json

import pytest
from conftest import PARAMS

import evalkit
from evalkit.demo.generate import generate
from evalkit.paths import is_project_file

PLAN = json.loads((PARAMS / "demo-plan.json").read_text(encoding="utf-8"))
PROJECT_FILES = sorted(p for p in PARAMS.glob("demo-*.yaml") if is_project_file(p))


def test_three_to_eight_per_department():
    counts = {d: len(files) for d, files in PLAN["project_files"].items()}
    assert len(PROJECT_FILES) == sum(counts.values()) >= 25
    departments = {p.name.removesuffix("-2023.yaml") for p in PARAMS.glob("demo-*-2023.yaml")}
    assert set(counts) == departments and all(3 <= n <= 8 for n in counts.values()), counts


def test_the_branch_without_a_budget_exceeds_its_empty_project_line(pf):
    ev = pf.department("demo-ecology-environment-bureau")
    line = next(ln for ln in ev.params.budget.lines if ln.kind == "project")
    assert line.count == 0 and line.adjusted == 0 and len(ev.project_evaluations) >= 3
    rolled = sorted({f.id for f in ev.finding_items if f.id.startswith("project.")})
    assert rolled == ["project.budget_exceeds_line", "project.count_mismatch"]
    assert all(not p.finding_items for p in ev.project_evaluations)  # the tables themselves are clean


@pytest.mark.parametrize("path", PROJECT_FILES, ids=lambda p: p.stem)
def test_each_project_carries_exactly_its_planted_findings(path):
    ev = evalkit.evaluate(path)
    assert sorted({f.id for f in ev.finding_items}) == PLAN["projects"].get(path.name, [])


def test_every_form_finding_is_planted_somewhere():
    planted = {f for ids in PLAN["projects"].values() for f in ids}
    assert {"project.sources_do_not_add_up", "project.low_execution_without_reason", "project.deviation_missing",
            "project.level2_wrong_tier", "project.execution_scored_twice",
            "project.satisfaction_without_survey", "grade.mismatch"} <= planted


def test_projects_roll_up_into_their_department(pf):
    for dept_id, files in PLAN["project_files"].items():
        ev = pf.department(dept_id)
        assert sorted(p.params.source.rsplit("/", 1)[-1] for p in ev.project_evaluations) == sorted(files)
        listed = {p.name for p in ev.params.budget.projects or ()}
        assert all(p.params.project.name in listed for p in ev.project_evaluations) or not listed


def test_a_larger_count_scales_the_project_tables(tmp_path):
    generate(tmp_path, seed=2023, count=30)
    plan = json.loads((tmp_path / "demo-plan.json").read_text(encoding="utf-8"))
    files = sorted(p for p in tmp_path.glob("*.yaml") if is_project_file(p))
    assert len(files) == sum(len(v) for v in plan["project_files"].values()) > len(PROJECT_FILES)
    departments = {p.name.split(".project-")[0] for p in files}
    assert all((tmp_path / f"{d}.yaml").is_file() for d in departments)
    every = {p.name.removesuffix(".yaml") for p in tmp_path.glob("*-2023.yaml") if not is_project_file(p)}
    assert departments == every  # every department of the larger district files 3 to 8
    assert all(3 <= len(v) <= 8 for v in plan["project_files"].values())
