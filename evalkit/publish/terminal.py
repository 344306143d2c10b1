"""What the terminal shows: one evaluation (``evalkit score``) and the summary of a run
(``evalkit run``), as plain-text tables aligned for Chinese (wide) characters."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from ..core.evaluation import Evaluation
from ..core.findings import SEVERITY_LABELS
from ..core.numbers import fmt, fmt_pct, fmt_plain
from ..core.review import quantity


def render_evaluation(ev: Evaluation) -> str:
    """The budget block, the indicator table, the total and grade, and the findings."""
    p, b = ev.params, ev.budget
    out = [f"{p.department.name}（{p.department.id}）{p.department.year} 年度部门整体支出绩效自评",
           f"评价方案：{ev.scheme.title}（{ev.scheme.id}）   金额单位：{p.unit}", ""]
    rows = [[line.name, fmt(line.adjusted), fmt(line.executed), fmt_pct(line.execution_rate)] for line in b.lines]
    rows.append(["合计", fmt(b.adjusted), fmt(b.executed), fmt_pct(b.execution_rate)])
    out += [text_table(["预算项目", "全年预算数", "全年执行数", "预算执行率"], rows, right={1, 2, 3}), ""]
    out += [f"年初预算数 {fmt_plain(p.budget.initial)}；{b.trails['adjustment_rate']}",
            b.trails["execution_score"], ""]
    rows, last_goal = [], None
    for s in ev.indicator_scores:
        ind = s.indicator
        target = quantity(ind.target, ind.unit)
        actual = "—" if ind.actual is None else quantity(ind.actual, ind.unit)
        rows.append([_clip(s.goal, 14) if s.goal != last_goal else "", ind.name, ind.direction if ind.direction != "qualitative" else "定性",
                     _clip(target, 16), _clip(actual, 12), fmt(s.weight),
                     fmt_pct(s.coefficient), fmt(s.score) if s.scored else "未计分"])
        last_goal = s.goal
    out += [text_table(["绩效目标", "绩效指标", "指标性质", "年度指标值", "全年完成值", "分值", "得分系数", "得分"],
                  rows, right={5, 6, 7}), "", ev.weights.trail, ev.score.trail,
            f"总分：{ev.score_text()}   评价等级：{ev.grade_text()}", ""]
    if ev.reviewed:  # the reviewed result is the result
        out[-1:] = [f"复核得分：{ev.result_score_text()}   复核等级：{ev.result_grade_text()}（以复核结果为准）", ""]
    out += _monitoring_lines(ev)
    if ev.finding_items:
        out.append(f"发现的问题（{len(ev.finding_items)} 项）：")
        out += [f"  [{SEVERITY_LABELS[f.severity]}] {f.id}: {f.message}" for f in ev.finding_items]
    else:
        out.append("未发现问题。")
    return "\n".join(out)


def _monitoring_lines(ev: Evaluation) -> list[str]:
    """The mid-year lights, when there is a monitoring file: the department's, spending's, each goal's."""
    r = ev.monitoring
    if r is None:
        return []
    goals = "；".join(f"{g.goal}：{g.light.word}" for g in r.goals)
    return [f"1–{r.monitoring.month}月绩效运行监控：{r.department.word}（{r.department.trail}）",
            f"  支出进度：{r.spending.trail}", *([f"  各目标：{goals}"] if goals else []), ""]


def _clip(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


#: How a run's outcome status reads in the summary.
STATUS = {"ok": "成功 ok", "skipped": "未变 skipped", "failed": "失败 FAILED"}


#: Above this many unchanged departments, the summary lists only those run or failed.
LIST_UNCHANGED = 30


def render_run_summary(outcomes) -> str:
    """One row per department (and overview) of a run, then the counts; a run with more than
    :data:`LIST_UNCHANGED` unchanged departments lists only the others (the index lists them all)."""
    unchanged = sum(1 for o in outcomes if o.status == "skipped")
    rows = []
    for o in outcomes:
        if o.status == "skipped" and unchanged > LIST_UNCHANGED:
            continue
        f = o.findings
        counts = f"{f.get('error', 0)}/{f.get('warning', 0)}/{f.get('info', 0)}" if f else "—"
        rows.append([o.name or Path(o.params).name, o.score or "—", o.grade or "—", counts, STATUS[o.status],
                     f"{o.seconds:.1f}s" if o.status != "skipped" else "—"])
    departments = [o for o in outcomes if o.department_id != "overview"]
    done = sum(1 for o in departments if o.status == "ok")
    skipped = sum(1 for o in departments if o.status == "skipped")
    failed = sum(1 for o in departments if o.failed)
    overviews = [f"overview {o.year}: {o.status}" for o in outcomes if o.department_id == "overview"]
    head = text_table(["部门", "得分", "评价等级", "问题 错误/警告/提示", "状态", "用时"], rows, right={1, 5})
    if unchanged > LIST_UNCHANGED:
        note = f"({unchanged} unchanged departments not listed; the index page lists every department)"
        head = f"{head}\n{note}" if rows else note
    tail = f"; {', '.join(overviews)}" if overviews else ""
    noun = "department" if len(departments) == 1 else "departments"
    return f"{head}\n{len(departments)} {noun}: {done} run, {skipped} unchanged, {failed} failed{tail}"

# --- aligned plain-text tables ---------------------------------------------------------------


def width(text: str) -> int:
    """Display width: CJK and full-width characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def pad(text: str, size: int, *, right: bool = False) -> str:
    gap = " " * max(0, size - width(text))
    return gap + text if right else text + gap


def text_table(headers: list[str], rows: list[list[str]], *, right: set[int] = frozenset()) -> str:
    """Render rows under headers with columns aligned; ``right`` holds right-aligned column indexes."""
    cells = [headers, *rows]
    sizes = [max(width(str(r[i])) for r in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        lines.append("  ".join(pad(str(v), sizes[i], right=i in right) for i, v in enumerate(row)).rstrip())
        if n == 0:
            lines.append("  ".join("─" * s for s in sizes))
    return "\n".join(lines)
