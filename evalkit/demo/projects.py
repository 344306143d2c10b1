"""The illustrative district's 项目支出绩效自评表: 3–8 project files per department
(``<id>-<year>.project-NN.yaml``, ``kind: project``), drawn from the department's own project list so
they roll up into its 专项预算项目 line, with a few planted project findings.

Every project of a clean department is clean: executed 90–100 %, 其中 rows that add up, every indicator
met, a survey behind the satisfaction figure, the reported score and grade what evalkit computes. The
planted ones (:data:`PROJECT_PLANTS`) each break one rule of the form, in a department that already
carries planted problems; ``plan["projects"]`` lists them by file and ``plan["departments"]`` gains
the roll-up finding a project's wrong grade raises in its department.
"""

from __future__ import annotations

import random
from decimal import Decimal
from fractions import Fraction

from ..core.evaluation import evaluate_params
from ..core.numbers import round_half_up
from ..core.params import parse_params
from ..core.scheme import load_scheme
from ..core.serialisation import params_yaml
from .design import Design, ProjectBudget, money

MIN_PROJECTS, MAX_PROJECTS = 3, 8
#: How many a department files is drawn up to here: every department lists at least 7 projects (6
#: in its table when one is left out, 5 within 90–100 % when one is also over-executed), so every seed
#: writes the same file names.
DRAWN_MAX = 5
#: department id → (finding ids the plant raises in the project, in the department, and the note).
PROJECT_PLANTS = {
    "demo-health-bureau": ("sources", ["project.sources_do_not_add_up"], [],
                           "年度资金总额的全年执行数与其中各项之和相差1.00万元"),
    "demo-justice-bureau": ("deviation", ["project.deviation_missing"], [],
                            "数量指标只完成七成，偏差原因分析及改进措施一栏空白"),
    "demo-statistics-bureau": ("level2", ["project.level2_wrong_tier"], [],
                               "二级指标“经济效益指标”填在一级指标“产出”之下"),
    "demo-culture-tourism-bureau": ("execution", ["project.execution_scored_twice"], [],
                                    "把“项目预算执行率”又列为产出指标计分"),
    "demo-urban-management-bureau": ("survey", ["project.satisfaction_without_survey"], [],
                                     "满意度指标未注明任何调查依据"),
    "demo-market-regulation-bureau": ("grade", ["grade.inconsistent_with_reported_score", "grade.mismatch"],
                                      ["project.grade_mismatch"],
                                      "计算得分达不到最高等级，自评表却评为最高等级"),
}


#: What a department whose budget shows no project line (``Design.filed``: the branch funded by the city,
#: in every county of a province) raises by filing its tables all the same, and the note on it.
UNFUNDED = (["project.budget_exceeds_line", "project.count_mismatch"],
            "部门整体支出中专项预算项目为0个、0.00万元，却报送了{}张列有项目资金的项目自评表")


def project_file_names(department_id: str, year: int) -> list[str]:
    return [f"{department_id}-{year}.project-{i:02d}.yaml" for i in range(1, MAX_PROJECTS + 1)]


def chosen_projects(d: Design) -> list[ProjectBudget]:
    """The department's projects that get a table (3 to 8 of them, as many for every seed): listed in
    its project table and executed 90–100 %; a department whose projects mostly fall short (its own
    planted problem) files the short ones too, and the branch whose budget shows none (its own planted
    problem) files the tables of the projects it runs with the city's money."""
    listed = {p.name for p in d.listed} if d.listed is not None else None
    projects = d.projects if d.filed is None else d.filed  # a branch funded by the city files tables all the same
    usable = [p for p in projects if p.adjusted > 0 and (listed is None or p.name in listed)]
    fit = [p for p in usable if Fraction(9, 10) <= Fraction(p.executed, p.adjusted) <= 1]
    if len(fit) < MIN_PROJECTS:
        fit = usable
    n = random.Random(f"evalkit-demo-projects:{d.id}").randint(MIN_PROJECTS, DRAWN_MAX)  # the same for every seed
    return fit[:n] if len(fit) >= MIN_PROJECTS else []


def project_files(d: Design) -> tuple[dict[str, str], dict[str, list[str]], dict[str, str], list[tuple[str, str]]]:
    """The project files of one department: name → text, the planted project findings by file name,
    the roll-up findings planted in the department (id → note), and (file name, note) for DEMO.md."""
    files: dict[str, str] = {}
    planted: dict[str, list[str]] = {}
    notes: list[tuple[str, str]] = []
    rolled: dict[str, str] = {}
    plant = PROJECT_PLANTS.get(d.id)
    reason_missing = False
    for i, project in enumerate(chosen_projects(d)):
        name = f"{d.id}-{d.year}.project-{i + 1:02d}.yaml"
        rng = random.Random(f"evalkit-demo-project:{d.seed}:{d.id}:{i}")
        kind = plant[0] if plant and i == 0 else None
        mapping = _mapping(d, project, i, rng, kind)
        found: list[str] = []
        if project.initial and abs(Fraction(project.adjusted - project.initial, project.initial)) > Fraction(
                load_scheme(d.scheme).thresholds["high_adjustment"]):
            found.append("budget.high_adjustment")  # the department's own mid-year additions
        if Fraction(project.executed, project.adjusted) < Fraction(9, 10):
            # the department's own low execution: the first short project gives no reason, the others do
            found.append("budget.low_execution")
            if not reason_missing:
                found.append("project.low_execution_without_reason")
                notes.append((name, f"“{project.name}”执行率低于90%，表中未说明原因"))
                reason_missing = True
            else:
                mapping["budget"]["deviation"] = "项目实施方案调整，部分资金未能在年内支付，已申请结转下年使用。"
        if kind:
            found += plant[1]
            rolled.update(dict.fromkeys(plant[2], f"项目“{project.name}”：{plant[3]}"))
            notes.append((name, plant[3]))
        if found:
            planted[name] = sorted(set(found))
        files[name] = params_yaml(mapping, header=(
            f"{d.name}“{project.name}”{d.year}年度项目支出绩效自评表 —— 示例数据：虚构的项目和数字，"
            f"由 `evalkit demo-data --seed {d.seed}` 生成。\n埋设了哪些问题见同目录的 DEMO.md 和 demo-plan.json。"))
    if d.filed is not None and files:
        rolled.update(dict.fromkeys(UNFUNDED[0], UNFUNDED[1].format(len(files))))
    return files, planted, rolled, notes


def _mapping(d: Design, project: ProjectBudget, i: int, rng: random.Random, kind: str | None) -> dict:
    carry = round(project.adjusted * rng.uniform(0.0, 0.15)) if rng.random() < 0.5 else 0
    current = project.adjusted - carry
    carry_spent = min(carry, project.executed)
    sources = [{"name": "当年财政拨款", "initial": money(project.initial), "adjusted": money(current),
                "executed": money(project.executed - carry_spent)}]
    if carry:
        sources.append({"name": "上年结转资金", "initial": money(0), "adjusted": money(carry),
                        "executed": money(carry_spent)})
    if kind == "sources":
        sources[0]["executed"] += Decimal("1.00")
    topic = project.name[:4]
    count = rng.randint(4, 24)
    served = rng.randint(8, 90) * 100
    quality = Decimal(rng.choice((95, 96, 98)))
    indicators = [
        {"name": f"{topic}任务完成个数", "level2": "数量指标", "tier": "产出", "direction": ">=",
         "target": Decimal(count), "unit": "个", "actual": Decimal(count), "weight": Decimal(20)},
        {"name": f"{topic}验收合格率", "level2": "质量指标", "tier": "产出", "direction": ">=",
         "target": quality, "unit": "%", "actual": quality + rng.choice((0, 1, 2)), "weight": Decimal(20)},
        {"name": "按计划进度完成", "level2": "时效指标", "tier": "产出", "direction": "qualitative",
         "target": f"{d.year}年12月31日前完成", "actual": "按期完成", "level": "达成", "weight": Decimal(10)},
        {"name": f"{topic}受益群众", "level2": "社会效益指标", "tier": "效益", "direction": ">=",
         "target": Decimal(served), "unit": "人次", "actual": Decimal(served + rng.randint(0, 9) * 10),
         "weight": Decimal(30)},
        {"name": "服务对象满意度", "level2": "服务对象满意度指标", "tier": "满意度", "direction": ">=",
         "target": Decimal(90), "unit": "%", "actual": Decimal(rng.randint(91, 98)), "weight": Decimal(10),
         "basis": f"发放问卷调查表{rng.randint(6, 20) * 10}份，按有效问卷统计"},
    ]
    if kind == "deviation":
        indicators[0]["actual"] = Decimal(round(count * 0.7))
    elif kind == "grade":
        indicators[0]["actual"] = Decimal(count) / 4
        indicators[0]["deviation"] = "部分任务因选址调整顺延至下年实施，已制定分月推进计划。"
        indicators[3]["actual"] = Decimal(served) * Decimal("0.8")
        indicators[3]["deviation"] = "受任务顺延影响，受益人次未达预期，下年随任务完成补足。"
    elif kind == "level2":
        indicators[1]["level2"] = "经济效益指标"
    elif kind == "execution":
        indicators[1]["weight"] = Decimal(10)
        indicators.insert(2, {"name": "项目预算执行率", "level2": "质量指标", "tier": "产出", "direction": ">=",
                              "target": Decimal(90), "unit": "%", "actual": Decimal(95), "weight": Decimal(10)})
    elif kind == "survey":
        indicators[-1].pop("basis")
    mapping = {
        "schema": "evalkit/v1", "kind": "project",
        "project": {"name": project.name, "code": f"{d.year}-{d.spec['id'].removeprefix('demo-')}-{i + 1:02d}",
                    "department": d.id, "implementer": d.name, "manager": None},
        "department": {"id": d.id, "name": d.name, "year": d.year, "region": d.region, "city": d.city},
        "scheme": d.scheme, "unit": "万元",
        "budget": {"initial": money(project.initial), "adjusted": money(project.adjusted),
                   "executed": money(project.executed), "sources": sources},
        "goals": [{"name": "年度总体目标", "objective": f"按计划实施{project.name}，完成年度任务。",
                   "outcome": f"{project.name}按计划实施，年度任务基本完成。", "indicators": indicators}],
    }
    ev = evaluate_params(parse_params(_prune(mapping)), load_scheme(d.scheme))
    score = round_half_up(ev.score.total, 2)
    grade = ev.grade.label
    if kind == "grade":
        grade = load_scheme(d.scheme).grades[0].label
    mapping["reported"] = {"score": score, "grade": grade}
    return _prune(mapping)


def _prune(value):
    """``value`` without its ``None`` entries, as ``parse_params`` takes it (Decimals stay Decimals)."""
    if isinstance(value, dict):
        return {k: _prune(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


def add_projects(files: dict[str, str], plan: dict, designs: list[Design]) -> None:
    """Add every department's project files to ``files`` and what is planted in them to ``plan``:
    ``projects`` (file → finding ids), ``project_files`` (department → its project files) and
    ``project_notes``; a roll-up finding joins its department's list and notes."""
    plan["projects"], plan["project_files"], plan["project_notes"] = {}, {}, {}
    for d in designs:
        written, planted, rolled, notes = project_files(d)
        files.update(written)
        plan["project_files"][d.id] = list(written)
        plan["projects"].update(planted)
        for name, note in notes:
            plan["project_notes"].setdefault(name, []).append(note)
        for finding, note in rolled.items():
            plan["departments"][d.id] = sorted({*plan["departments"][d.id], finding})
            plan["notes"].setdefault(d.id, {})[finding] = note
            plan["notes"][d.id] = dict(sorted(plan["notes"][d.id].items()))


def projects_md(plan: dict, designs: list[Design]) -> list[str]:
    """DEMO.md's section on the project tables."""
    total = sum(len(v) for v in plan["project_files"].values())
    lines = ["", "## 项目支出绩效自评表 (`kind: project`)", "",
             (f"{total} project files (`<id>-<year>.project-NN.yaml`), 3 to 8 per department, each one of the "
              "department's listed projects with its own figures, so they roll up into its 专项预算项目 line. "
              "Fewer tables than the line's count is a partial set: evalkit checks that the received tables "
              "do not exceed the line and match the project table, not the sums to the cent. The department "
              "whose budget is all zeros (示例区生态环境分局) files tables with funds all the same: its "
              "project line of none is exceeded (a roll-up finding in the department)."), "",
             "| project file | planted findings | how |", "|---|---|---|"]
    for name, ids in plan["projects"].items():
        how = "；".join(plan["project_notes"].get(name, []))
        lines.append(f"| `{name}` | " + "<br>".join(f"`{f}`" for f in ids) + f" | {how} |")
    lines += ["", "Every other project file is clean: no finding at all."]
    return lines
