"""Writing the illustrative district: params YAML (stable key order, flow-style indicator rows like the
worked example), side-table CSVs, and the plan as ``DEMO.md`` and ``demo-plan.json``."""

from __future__ import annotations

import csv
import io
import json

from ..core.numbers import fmt
from ..core.serialisation import scalar
from .design import BASIC, PROJECT_LINE, Design, Row, money

REGION = "示例区（示例数据）"


def flow(pairs: list[tuple[str, object]]) -> str:
    """``{key: value, …}`` on one line (the :func:`_items` of ``pairs``)."""
    return "{" + ", ".join(_items(pairs)) + "}"


def _items(pairs: list[tuple[str, object]]) -> list[str]:
    """``key: value`` of each pair; ``None`` values are left out unless the key is ``actual``."""
    return [f"{key}: {value if isinstance(value, _Raw) else scalar(value)}" for key, value in pairs
            if value is not None or key == "actual"]


class _Raw(str):
    """Already-rendered YAML (a nested flow mapping)."""


def _row_pairs(row: Row) -> list[tuple[str, object]]:
    reported = None
    if row.reported_score is not None or row.reported_coefficient is not None:
        reported = _Raw(flow([("score", row.reported_score), ("coefficient", row.reported_coefficient)]))
    return [("name", row.name), ("direction", row.direction), ("target", row.target), ("unit", row.unit),
            ("actual", row.actual), ("tier", row.tier), ("weight", row.weight), ("level", row.level),
            ("coefficient", row.coefficient), ("reported", reported)]


def _row_lines(row: Row) -> list[str]:
    pairs = _row_pairs(row)
    if row.statement is None:
        return [f"      - {flow(pairs)}"]
    return [f"      - name: {scalar(row.name)}", f"        statement: {scalar(row.statement)}",
            *(f"        {item}" for item in _items(pairs[1:]))]


def params_yaml(d: Design, *, projects_file: str | None, monthly_file: str | None) -> str:
    initial, adjusted, executed = d.totals()
    _, pa, pe = d.project_line()
    lines = [
        (f"# {d.name} {d.year} 年度部门整体支出绩效自评 —— 示例数据：虚构的部门和数字，"
         f"由 `evalkit demo-data --seed {d.seed}` 生成。"),
        "# 埋设了哪些问题见同目录的 DEMO.md 和 demo-plan.json；要改数据请改生成器（evalkit/demo_*.py）后重新生成。",
        "schema: evalkit/v1",
        "department: " + flow([("id", d.id), ("name", d.name), ("year", d.year), ("region", d.region),
                               ("city", d.city)]),
        f"scheme: {scalar(d.scheme)}",
        "unit: 万元",
        "budget:",
        f"  initial: {money(initial)}",
        f"  adjusted: {money(adjusted)}",
        f"  executed: {money(executed)}",
        "  lines:",
        "    - " + flow([("name", BASIC), ("kind", "basic"), ("adjusted", money(d.basic.adjusted)),
                         ("executed", money(d.basic.executed))]),
        "    - " + flow([("name", PROJECT_LINE), ("kind", "project"), ("count", len(d.projects)),
                         ("adjusted", money(pa)), ("executed", money(pe))]),
    ]
    if projects_file:
        lines.append(f"  projects: {scalar(projects_file)}")
    if monthly_file:
        lines.append(f"  monthly: {scalar(monthly_file)}")
    lines.append("goals:")
    for gi, goal in enumerate(d.goals):
        lines += [f"  - name: {scalar(goal['name'])}", f"    number: {scalar(goal['number'])}",
                  f"    objective: {scalar(goal['objective'])}", "    indicators:"]
        for row in d.rows:
            if row.goal == gi:
                lines += _row_lines(row)
    lines += _reported_lines(d) + _narrative_lines(d)
    return "\n".join(lines) + "\n"


def _reported_lines(d: Design) -> list[str]:
    rep = d.reported
    lines = ["reported:"]
    for key in ("execution_rate", "line_execution_rates", "adjustment_rate", "score", "grade"):
        if key in rep:
            value = flow(list(rep[key].items())) if key == "line_execution_rates" else scalar(rep[key])
            lines.append(f"  {key}: {value}")
    start, end = rep["evaluation_period"]
    lines += [f"  evaluation_period: [{scalar(start)}, {scalar(end)}]", f"  report_date: {scalar(rep['report_date'])}"]
    return lines


PROBLEMS = ("绩效目标设置与年度工作任务衔接不够紧密，部分指标可衡量性不强。",
            "项目支出进度前慢后快，序时进度管理有待加强。",
            "绩效运行监控以事后统计为主，过程纠偏不够及时。",
            "部分项目成本测算依据不足，预算编制精细化程度不高。",
            "基础数据统计口径不统一，佐证材料归集不够完整。")
MEASURES = ("科学设置绩效目标，细化量化指标并明确计算口径。",
            "按月编制用款计划，跟踪序时进度，避免年末集中支付。",
            "加强绩效运行监控，发现偏差及时纠正。",
            "开展事前绩效评估，提高预算编制的准确性。",
            "建立绩效佐证资料台账，确保自评数据真实可核。")


CONCLUSION = "经自评，部门全年围绕年度绩效目标履职尽责，整体支出绩效目标基本实现。"


def _narrative_lines(d: Design) -> list[str]:
    """The department's own words: no figure and no grade, which the report draft takes from the
    evaluation (a narrative stating them would contradict the draft wherever a plant changed them)."""
    rng = d.rng
    topics = "、".join(d.spec["topics"][:4])
    _, adjusted, _ = d.totals()
    spend = (f"全年围绕{topics}等重点工作组织实施各项目，各项绩效目标的完成情况见分项指标分析。" if adjusted
             else "部门预算由上级部门统一编列，区级预算表未安排资金。")
    return [
        "narrative:",
        f"  summary: {scalar(f'{d.name}（示例数据，虚构部门）主要负责{topics}等工作。')}",
        "  duties:", *(f"    - {scalar(x)}" for x in d.spec["duties"]),
        "  organisation:", "    - 成立部门整体支出绩效自评工作小组，分管领导任组长，财务和业务科室共同参与。",
        "  method:", "    - 对照年初绩效目标，收集预算执行、项目支出和指标完成资料，逐项核实后打分汇总。",
        "  achievements:", f"    - {scalar(spend)}",
        f"  conclusion: {scalar(CONCLUSION)}",
        "  problems:", *(f"    - {scalar(x)}" for x in rng.sample(PROBLEMS, 2)),
        "  measures:", *(f"    - {scalar(x)}" for x in rng.sample(MEASURES, 2)),
    ]


def _csv(header: list[str], rows: list[list]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def projects_csv(d: Design) -> str:
    listed = d.projects if d.listed is None else d.listed
    return _csv(["name", "initial", "adjusted", "executed"],
                [[p.name, money(p.initial), money(p.adjusted), money(p.executed)] for p in listed])


def monthly_csv(d: Design) -> str:
    return _csv(["month", "executed"], [[m, money(v)] for m, v in enumerate(d.monthly, start=1)])


# --- the plan ---------------------------------------------------------------------------------

def plan_json(plan: dict) -> str:
    return json.dumps(plan, ensure_ascii=False, indent=2) + "\n"


def demo_md(plan: dict, designs: list[Design]) -> str:
    names = {d.id: d.name for d in designs}
    planted = [d for d in designs if d.plants]
    clean = [d for d in designs if not d.plants]
    seed, count, year = plan["seed"], plan["count"], plan["year"]
    lines = [
        "# The illustrative district (示例数据)",
        "",
        (f"Every `demo-*-{year}.*` file in this folder is **invented**: {count} departments of the district "
         f"“{REGION}”, fiscal year {year}, written by"),
        "",
        "```bash",
        f"evalkit demo-data --seed {seed} --count {count} --year {year} --out params/",
        "```",
        "",
        ("(`evalkit/demo/generate.py`; the departments, projects and indicators come from "
        "`evalkit/demo/catalogue.yaml`, the planted problems from `evalkit/demo/plants.py`). The generator is "
        "deterministic: the same seed writes byte-identical files, and a test checks that the files here equal "
        "a fresh generation. Change the generator and regenerate rather than editing them by hand. Every output "
        "made from them says 示例数据 (the region names itself so)."),
        "",
        ("This file and `demo-plan.json` are written by the generator from the same plan as the data, so they "
        "cannot drift. The worked example `dangzheng-office-2023.yaml` is a real report's transcription and "
        "not part of the plan."),
        "",
        (f"**{len(planted)} departments carry planted problems; {len(clean)} are clean** — no finding at all, "
        "not even 提示, and no cross-department finding. Amounts are 万元; every total adds up to the cent "
        "unless a problem is planted there."),
        "",
        "## What is planted where",
        "",
        "| 部门 | id | 方案 | planted findings |",
        "|---|---|---|---|",
    ]
    for d in planted:
        ids = "<br>".join(f"`{f}`" for f in plan["departments"][d.id])
        lines.append(f"| {d.name} | `{d.id}` | {d.scheme} | {ids} |")
    lines += ["", "### How each one was planted", ""]
    for d in planted:
        lines += [f"**{d.name}** (`{d.id}`)", ""]
        lines += [f"- `{f}`: {plan['notes'][d.id][f]}" for f in plan["departments"][d.id]]
        lines.append("")
    lines += ["## Cross-department findings (evalkit.Portfolio)", "",
              "| finding | departments |", "|---|---|"]
    for finding, depts in plan["portfolio"].items():
        lines.append(f"| `{finding}` | " + "、".join(names[x] for x in depts) + " |")
    expected = ", ".join(f"`{x}`" for x in plan["district"]) or "none"
    lines += ["", (f"District-level findings expected: {expected}. "
                   "`portfolio.score_inflation` (the district's median self-score far above the computed scores) "
                   "cannot be planted in a district that is mostly honest, as this one is; the tests build an "
                   "inflated district to check it."), "",
              "## Clean departments", "",
              "| 部门 | id | 方案 | computed score | grade |", "|---|---|---|---|---|"]
    for d in clean:
        lines.append(f"| {d.name} | `{d.id}` | {d.scheme} | {fmt(d.facts['score'])} | {d.reported.get('grade')} |")
    lines += ["", "## Coverage: which department carries each finding", "", "| finding | departments |", "|---|---|"]
    for finding in sorted({f for ids in plan["departments"].values() for f in ids}):
        depts = [x for x, ids in plan["departments"].items() if finding in ids]
        lines.append(f"| `{finding}` | " + "、".join(names[x] for x in depts) + " |")
    return "\n".join(lines) + "\n"
