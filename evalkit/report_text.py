"""A readable terminal rendering of one evaluation (``evalkit score``)."""

from __future__ import annotations

from .evaluation import Evaluation
from .findings import SEVERITY_LABELS
from .numbers import fmt, fmt_pct, fmt_plain
from .text import table


def render(ev: Evaluation) -> str:
    """The budget block, the indicator table, the total and grade, and the findings."""
    p, b = ev.params, ev.budget
    out = [f"{p.department.name}（{p.department.id}）{p.department.year} 年度部门整体支出绩效自评",
           f"评价方案：{ev.scheme.title}（{ev.scheme.id}）   金额单位：{p.unit}", ""]
    rows = [[line.name, fmt(line.adjusted), fmt(line.executed), fmt_pct(line.execution_rate)] for line in b.lines]
    rows.append(["合计", fmt(b.adjusted), fmt(b.executed), fmt_pct(b.execution_rate)])
    out += [table(["预算项目", "全年预算数", "全年执行数", "预算执行率"], rows, right={1, 2, 3}), ""]
    out += [f"年初预算数 {fmt_plain(p.budget.initial)}；{b.trails['adjustment_rate']}",
            b.trails["execution_score"], ""]
    rows, last_goal = [], None
    for s in ev.indicator_scores:
        ind = s.indicator
        target = ind.target if isinstance(ind.target, str) else f"{fmt_plain(ind.target)}{ind.unit or ''}"
        actual = "—" if ind.actual is None else (ind.actual if isinstance(ind.actual, str)
                                                 else f"{fmt_plain(ind.actual)}{ind.unit or ''}")
        rows.append([_clip(s.goal, 14) if s.goal != last_goal else "", ind.name, ind.direction if ind.direction != "qualitative" else "定性",
                     _clip(target, 16), _clip(actual, 12), fmt(s.weight),
                     fmt_pct(s.coefficient) if s.coefficient is not None else "—",
                     fmt(s.score) if s.scored else "未计分"])
        last_goal = s.goal
    out += [table(["绩效目标", "绩效指标", "指标性质", "年度指标值", "全年完成值", "分值", "得分系数", "得分"],
                  rows, right={5, 6, 7}), "", ev.weights.trail, ev.score.trail,
            f"总分：{ev.score_text()}   评价等级：{ev.grade_text()}", ""]
    if ev.finding_items:
        out.append(f"发现的问题（{len(ev.finding_items)} 项）：")
        out += [f"  [{SEVERITY_LABELS[f.severity]}] {f.id}: {f.message}" for f in ev.finding_items]
    else:
        out.append("未发现问题。")
    return "\n".join(out)


def _clip(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"
