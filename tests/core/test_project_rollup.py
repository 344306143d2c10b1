"""A department's project tables rolled up into its project line: to the cent when the set is
complete, only "within the line and as listed" when it is partial (the worked example: 3 of 85),
the count, the department's execution recomputed, each project's grade against its total; and the
department's result.json and appendix gain the 项目 section."""

import json
import re
import shutil

import pytest
from conftest import PARAMS, WORKED

import evalkit
from evalkit.publish import project as project_pages

PROJECTS = sorted(PARAMS.glob("dangzheng-office-2023.project-*.yaml"))
BASIC = ("3484.29", "3483.94")


def department(folder, *, count, adjusted, executed, projects_csv=None):
    text = WORKED.read_text(encoding="utf-8")
    total_adjusted = f"{float(BASIC[0]) + float(adjusted):.2f}"
    total_executed = f"{float(BASIC[1]) + float(executed):.2f}"
    text = text.replace("{name: 专项预算项目, kind: project, count: 85, adjusted: 6108.89, executed: 6081.69}",
                        f"{{name: 专项预算项目, kind: project, count: {count}, adjusted: {adjusted}, executed: {executed}}}")
    text = text.replace("  adjusted: 9593.18\n  executed: 9565.63", f"  adjusted: {total_adjusted}\n  executed: {total_executed}")
    text = re.sub(r"\nreported:\n(  .*\n)*", "\n", text)  # the report's own rates are not what is tested here
    if projects_csv:
        (folder / "dangzheng-office-2023.projects.csv").write_text(projects_csv, encoding="utf-8")
        text = text.replace("\ngoals:\n", "\n  projects: dangzheng-office-2023.projects.csv\ngoals:\n", 1)
    path = folder / "dangzheng-office-2023.yaml"
    path.write_text(text, encoding="utf-8")
    for p in PROJECTS:
        shutil.copy(p, folder / p.name)
    return path


def project_ids(ev) -> list[str]:
    return sorted(f.id for f in ev.finding_items if f.id.startswith("project."))


def test_the_worked_example_s_partial_set_raises_no_false_error():
    ev = evalkit.evaluate(WORKED)
    assert [p.params.project.name for p in ev.project_evaluations] == ["机关食堂运行保障", "政务信息系统运行维护", "保密宣传教育"]
    assert project_ids(ev) == []
    doc = ev.to_dict()
    assert doc["projects_coverage"] == {"received": 3, "count": 85, "complete": False}
    assert [p["score_display"] for p in doc["projects"]] == ["99.81", "99.88", "99.60"]
    html = project_pages.projects_block(ev).data
    assert "部门报告专项预算项目85个，本次收到其中3个项目的自评表" in html
    assert "项目/2023-dzb-01/appendix.html" in html


def test_a_complete_set_adds_up_to_the_cent(tmp_path):
    path = department(tmp_path, count=3, adjusted="184.20", executed="181.34")
    ev = evalkit.evaluate(path)
    assert len(ev.project_evaluations) == 3 and project_ids(ev) == []
    assert ev.to_dict()["projects_coverage"]["complete"] is True


def test_a_complete_set_off_by_a_cent_is_found(tmp_path):
    path = department(tmp_path, count=3, adjusted="184.21", executed="181.34")
    ev = evalkit.evaluate(path)
    assert project_ids(ev) == ["project.budget_do_not_add_up", "project.department_rate_mismatch"]
    found = next(f for f in ev.finding_items if f.id == "project.budget_do_not_add_up")
    assert found.evidence == {"field": "adjusted", "projects_total": 184.2, "line_total": 184.21}
    assert "相差0.01万元" in found.message


def test_more_tables_than_the_count(tmp_path):
    path = department(tmp_path, count=2, adjusted="184.20", executed="181.34")
    assert project_ids(evalkit.evaluate(path)) == ["project.count_mismatch"]


def test_a_partial_set_that_exceeds_the_line(tmp_path):
    path = department(tmp_path, count=9, adjusted="150.00", executed="150.00")
    ids = project_ids(evalkit.evaluate(path))
    assert ids == ["project.budget_exceeds_line", "project.budget_exceeds_line"]


def test_a_partial_set_against_the_project_list(tmp_path):
    listed = "name,initial,adjusted,executed\n机关食堂运行保障,42.60,45.80,44.95\n政务信息系统运行维护,118.00,126.40,124.78\n" \
             "其他项目,100.00,100.00,99.00\n"
    path = department(tmp_path, count=4, adjusted="284.20", executed="280.34", projects_csv=listed)
    ev = evalkit.evaluate(path)
    assert project_ids(ev) == ["project.not_listed", "project.table_mismatch"]
    mismatch = next(f for f in ev.finding_items if f.id == "project.table_mismatch")
    assert mismatch.evidence["project"] == "政务信息系统运行维护" and mismatch.evidence["listed"] == 124.78


def test_each_project_s_grade_against_its_total(tmp_path):
    path = department(tmp_path, count=3, adjusted="184.20", executed="181.34")
    table = tmp_path / "dangzheng-office-2023.project-03.yaml"
    table.write_text(table.read_text(encoding="utf-8").replace("grade: 优秀", "grade: 良好"), encoding="utf-8")
    ev = evalkit.evaluate(path)
    assert project_ids(ev) == ["project.grade_mismatch"]
    assert "项目“保密宣传教育”自评得分99.60分，按方案应评为“优秀”，自评表却评为“良好”" in \
        next(f.message for f in ev.finding_items if f.id == "project.grade_mismatch")


def test_an_invalid_project_table_is_a_finding_not_a_crash(tmp_path):
    path = department(tmp_path, count=3, adjusted="184.20", executed="181.34")
    table = tmp_path / "dangzheng-office-2023.project-02.yaml"
    table.write_text(table.read_text(encoding="utf-8").replace("adjusted: 126.40", "adjusted: lots"), encoding="utf-8")
    ev = evalkit.evaluate(path)
    assert "project.unreadable" in project_ids(ev) and len(ev.project_evaluations) == 2


def test_a_project_of_another_department_or_year_is_not_rolled_up(tmp_path):
    path = department(tmp_path, count=3, adjusted="184.20", executed="181.34")
    table = tmp_path / "dangzheng-office-2023.project-03.yaml"
    table.write_text(table.read_text(encoding="utf-8").replace("year: 2023", "year: 2024"), encoding="utf-8")
    assert len(evalkit.evaluate(path).project_evaluations) == 2


def test_the_result_json_s_project_section(tmp_path):
    ev = evalkit.evaluate(WORKED)
    doc = json.loads(json.dumps(ev.to_dict(), ensure_ascii=False))
    first = doc["projects"][0]
    assert first["name"] == "机关食堂运行保障" and first["grade"] == "优秀" and first["findings"] == []
    assert first["execution_rate_display"] == "98.14%"


@pytest.mark.parametrize("finding_id", ["project.grade_mismatch"])
def test_the_demo_plants_a_roll_up_finding(pf, finding_id):
    plan = json.loads((PARAMS / "demo-plan.json").read_text(encoding="utf-8"))
    planted = [d for d, ids in plan["departments"].items() if finding_id in ids]
    assert planted == ["demo-market-regulation-bureau"]
    html = project_pages.projects_block(pf.department(planted[0])).data
    assert "自评表却评为" in html


def test_the_overview_s_project_section(pf):
    html = project_pages.overview_block(pf).data
    assert "<a href='demo-market-regulation-bureau/appendix.html'>示例区市场监督管理局</a>" in html
    assert "自评表却评为" in html and "3/85" in html  # the roll-up finding; the worked example's partial set
    # the branch whose budget shows no project line: its tables received, 4 of none, and the line exceeded
    assert re.search(r"示例区生态环境分局</a></td><td class='num'>\d/0</td>", html), html
    assert "已超过部门项目支出的0.00万元" in html


def test_a_project_is_not_compared_with_its_department_s_last_year():
    ev = evalkit.evaluate(PARAMS / "demo-health-bureau-2023.project-01.yaml")
    assert ev.previous_year is None
    assert not [path for path in ev.files if "2022" in path]
