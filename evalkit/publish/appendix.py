"""What the department notebook shows: each function returns one displayable block.

The notebook calls these in order and holds no logic of its own. Every figure comes from the
``Evaluation``; nothing here computes a score.
"""

from __future__ import annotations

from html import escape

from IPython.display import HTML, Image, Markdown

from ..core.budget import rate_trail
from ..core.evaluation import Evaluation
from ..core.findings import SEVERITIES, SEVERITY_LABELS
from ..core.model import DIRECTION_LABELS
from ..core.numbers import fmt, fmt_parts, fmt_pct, fmt_plain
from ..core.params import TOTAL
from ..core.review import quantity
from ..core.sample import is_sample_region
from ..core.wording import chinese_date, evidence_text, finding_advice, finding_label, tidy
from . import charts, monitoring
from .charts import chart_image
from .markup import escape_markdown, generated_date, html_table, markdown

__all__ = [
    "basic_info",
    "budget_chart",
    "budget_table",
    "budget_trails",
    "findings_block",
    "header",
    "indicator_table",
    "loss_chart",
    "monitoring_block",
    "monthly_chart",
    "monthly_table",
    "projects_table",
    "provenance_block",
    "score_block",
    "spending_chart",
    "year_comparison",
    "year_end_comparison",
]


def header(ev: Evaluation) -> Markdown:
    d = ev.params.department
    counts = ev.severity_counts()
    lines = [markdown("# {}", f"{d.name} {d.year} 年度部门整体支出绩效自评 · 计算附件"), ""]
    if is_sample_region(d.region):
        lines += ["> **示例数据**：本附件由虚构的示例数据生成，仅用于演示，不代表任何真实部门。", ""]
    lines += [markdown("- 部门：{}（{}）", d.name, d.id) + (markdown("，{}", d.region) if d.region else ""),
              markdown("- 评价年度：{} 年", d.year),
              markdown("- 评价方案：{}", ev.scheme.title),
              markdown("- 金额单位：{}", ev.params.unit),
              markdown("- 总分：**{}**　评价等级：**{}**　发现问题：错误{}项、警告{}项、提示{}项",
                       ev.score.words, _grade_words(ev.grade), counts["error"], counts["warning"], counts["info"])]
    lines += _review_lines(ev)
    return Markdown("\n".join(lines))


def _review_lines(ev: Evaluation) -> list[str]:
    """Once reviewed, the 复核得分 and its grade lead, the computed score beside them."""
    if not ev.reviewed:
        return []
    r = ev.review
    who = "，".join(x for x in (ev.review_input.reviewer and f"复核人{ev.review_input.reviewer}",
                                ev.review_input.date and chinese_date(ev.review_input.date)) if x)
    decided = sum(1 for x in r.rows if x.decision)
    lines = [markdown("- **复核得分：{}　复核等级：{}**（以复核结果为准；上列总分为按评分规则计算的得分{}）",
                      r.score.text, _grade_words(r.grade), f"，{who}" if who else ""),
             markdown("- 复核认定：{}项指标", decided)]
    if ev.application:
        lines.append(markdown("- 结果应用：{}", ev.application.text))
    return lines


def _grade_words(g) -> str:
    return g.label or f"无法核定（可能为“{g.min_label}”至“{g.max_label}”）"


def basic_info(ev: Evaluation) -> Markdown:
    n = ev.params.narrative
    parts = []
    if n.summary:
        parts += [escape_markdown(n.summary), ""]
    if n.duties:
        parts += ["**主要职责**", ""] + [f"{i}. {escape_markdown(d)}" for i, d in enumerate(n.duties, 1)]
    if not parts:
        parts = ["（参数文件未提供部门基本情况。）"]
    return Markdown("\n".join(parts))


def budget_table(ev: Evaluation) -> HTML:
    b, unit = ev.budget, ev.params.unit
    rows = [[line.name, fmt(line.initial), fmt(line.adjusted), fmt(line.executed),
             fmt_pct(line.execution_rate), rate_trail(line.executed, line.adjusted)] for line in b.lines]
    rows.append([TOTAL, fmt(b.initial), fmt(b.adjusted), fmt(b.executed), fmt_pct(b.execution_rate),
                 rate_trail(b.executed, b.adjusted)])
    headers = ["预算项目", f"年初预算数（{unit}）", f"全年预算数（{unit}）", f"全年执行数（{unit}）", "预算执行率", "计算过程"]
    return HTML(html_table(headers, rows, numeric={1, 2, 3, 4}, total_last=True))


def budget_trails(ev: Evaluation) -> Markdown:
    b = ev.budget
    items = [b.trails["execution_rate"], b.trails["adjustment_rate"], b.trails["execution_score"]]
    items += [line.trail for line in b.lines]
    count = next((line.count for line in b.lines if line.count), None)
    if count:
        items.append(f"专项预算项目 {count} 个")
    return Markdown("\n".join(f"- {escape_markdown(t)}" for t in items))


def budget_chart(ev: Evaluation) -> Image:
    return chart_image(charts.budget_chart(ev), "预算执行情况：全年预算数与全年执行数")


def projects_table(ev: Evaluation) -> HTML | Markdown:
    """Per-project execution, projects never started, and the share of the largest projects."""
    profile = ev.projects
    if profile is None:
        return Markdown("（部门未提供项目明细。）")
    unit = ev.params.unit
    low = ev.scheme.thresholds["project_low_execution"]
    rows = [[r.name, fmt(r.adjusted), fmt(r.executed), fmt_pct(r.execution_rate), fmt_pct(r.share),
             "未启动" if r.name in profile.never_started else
             ("执行偏低" if r.execution_rate is not None and r.execution_rate < float(low) else "")]
            for r in profile.table.sort_values("adjusted", ascending=False).itertuples()]
    lead = tidy(f"<p class='evalkit-note'>共 {profile.count} 个项目；未启动（有预算、零支出）{len(profile.never_started)} 个；"
            f"预算最多的 {profile.top_count} 个项目占项目预算的 {fmt_pct(profile.top_share)}；"
            f"执行率低于 {fmt_pct(low, 0)} 的项目标为“执行偏低”。</p>")
    return HTML(lead + html_table(["项目名称", f"全年预算数（{unit}）", f"全年执行数（{unit}）", "预算执行率", "占项目预算",
                               "状态"], rows, numeric={1, 2, 3, 4}))


def monthly_table(ev: Evaluation) -> HTML | Markdown:
    """Cumulative payment progress against 序时进度, month by month."""
    profile = ev.monthly
    if profile is None:
        return Markdown("（部门未提供月度支付数据。）")
    rows = [[f"{r.month} 月", fmt(r.executed), fmt(r.cumulative), fmt_pct(r.against_budget), fmt_pct(r.schedule),
             fmt_pct(r.gap)] for r in profile.table.itertuples()]
    lead = tidy(f"<p class='evalkit-note'>序时进度 = 月份 ÷ 12；累计支付进度 = 累计支付 ÷ 全年预算数。12 月支付占全年支付的 "
            f"{fmt_pct(profile.december_share)}，第四季度占 {fmt_pct(profile.q4_share)}"
            f"（预警阈值：12 月 {fmt_pct(ev.scheme.thresholds['december_share'], 0)}，"
            f"第四季度 {fmt_pct(ev.scheme.thresholds['q4_share'], 0)}）。</p>")
    unit = ev.params.unit
    return HTML(lead + html_table(["月份", f"当月支付（{unit}）", f"累计支付（{unit}）", "累计支付进度", "序时进度", "进度差"],
                              rows, numeric={1, 2, 3, 4, 5}))


def monthly_chart(ev: Evaluation) -> Image | Markdown:
    png = charts.monthly_chart(ev)
    return Markdown("") if png is None else chart_image(png, "月度支付进度与序时进度")


def indicator_table(ev: Evaluation) -> HTML:
    rows, last_goal = [], None
    weights = fmt_parts([s.weight for s in ev.indicator_scores])  # the shown points add up to the shown total
    for s in ev.indicator_scores:
        ind = s.indicator
        target = quantity(ind.target, ind.unit)
        if ind.actual is None:
            actual = "未填报" if ind.direction != "qualitative" else (ind.level or "未填报")
        else:
            actual = quantity(ind.actual, ind.unit)
            if ind.level:
                actual += f"（{ind.level}）"
        rows.append([s.goal if s.goal != last_goal else "", ind.name, ind.tier or "—",
                     DIRECTION_LABELS[ind.direction], target, actual, weights[len(rows)],
                     s.rule_name, fmt_pct(s.coefficient), fmt(s.score) if s.scored else "—", s.trail])
        last_goal = s.goal
    headers = ["绩效目标", "绩效指标", "一级指标", "指标性质", "年度指标值", "全年完成值", "分值", "计分规则",
               "得分系数", "得分", "计算过程"]
    note = f"<p class='evalkit-note'>分值分配：{escape(ev.weights.trail)}</p>"
    rules = dict.fromkeys(s.rule for s in ev.indicator_scores if s.rule != s.rule_name)
    legend = "".join(f"<li>{escape(r)}</li>" for r in rules)
    legend = (f"<p class='evalkit-note'>计分规则：</p><ul class='evalkit-note'>{legend}"
              "<li>得分为“—”：未填报全年完成值（或达成程度），不计分，总分以区间表示。</li></ul>")
    return HTML(note + html_table(headers, rows, numeric={6, 8, 9}, classes="evalkit-table evalkit-wide") + legend)


def score_block(ev: Evaluation) -> Markdown:
    s, g, scheme = ev.score, ev.grade, ev.scheme
    bands = scheme.band_texts()
    lines = [markdown("- 预算执行得分：{} 分（{}）", fmt(s.execution), ev.budget.trails["execution_score"]),
             markdown("- 绩效指标得分：已计分指标合计 {} 分", fmt(s.indicators))
             + (markdown("，另有 {} 分的指标未填报完成值", fmt(s.unscored_points)) if not s.complete else ""),
             markdown("- 计算过程：{}", s.trail)]
    if s.complete:
        lines.append(markdown("- **总分 {} 分，评价等级：{}**", fmt(s.min), g.label))
    else:
        lines.append(markdown("- **总分区间 [{}, {}] 分**：最低端（未填报指标按 0 分）评价等级为**{}**，"
                              "最高端（未填报指标按满分）评价等级为**{}**", fmt(s.min), fmt(s.max), g.min_label, g.max_label))
    lines.append(markdown("- 评价等级划分：{}。", "；".join(bands)))
    rep = ev.params.reported
    if rep.score is not None or rep.grade:
        claimed = f"{fmt_plain(rep.score)} 分" if rep.score is not None else ""
        lines.append(markdown("- 部门自评：{}{}{}（核对结果见“发现的问题”）", claimed,
                              "，" if claimed and rep.grade else "", rep.grade or ""))
    return Markdown("\n".join(lines))


def loss_chart(ev: Evaluation) -> Image:
    return chart_image(charts.loss_chart(ev), "各绩效目标得分与失分")


def year_comparison(ev: Evaluation) -> HTML | Markdown:
    """Last year beside this year: execution, adjustment, score and grade, and which findings are
    new, recurring or resolved."""
    c = ev.previous_year
    if c is None:
        return Markdown("（未提供上年度的参数文件或评价结果，无法与上年比较。）")
    p, now = c.previous, c.current

    def score(f) -> str:
        return fmt(f.score_min) if f.complete else f"{fmt(f.score_min)}–{fmt(f.score_max)}"

    def change(value, kind) -> str:
        if value is None:
            return "—"
        shown = fmt_pct(abs(value)) if kind == "rate" else fmt(abs(value))
        return "持平" if shown in ("0.00%", "0.00") else ("提高" if value > 0 else "降低") + shown

    rows = [["预算执行率", fmt_pct(p.execution_rate), fmt_pct(now.execution_rate), change(c.execution_change, "rate")],
            ["预算调整率", fmt_pct(p.adjustment_rate), fmt_pct(now.adjustment_rate), change(c.adjustment_change, "rate")],
            ["得分", score(p), score(now), change(c.score_change, "points")],
            ["评价等级", p.grade, now.grade, "维持" if p.grade == now.grade else "变化"]]
    table = html_table(["项目", f"{p.year}年度", f"{now.year}年度", "变化"], rows, numeric={1, 2})

    def names(items) -> str:
        return "、".join(dict.fromkeys(finding_label(i) for i, _ in items)) or "无"

    lines = (f"<p class='evalkit-note'>新出现的问题{len(c.new)}项：{escape(names(c.new))}；"
             f"上年已有、本年仍存在的问题{len(c.recurring)}项：{escape(names(c.recurring))}；"
             f"上年存在、本年已解决的问题{len(c.resolved)}项：{escape(names(c.resolved))}。</p>")
    return HTML(table + lines)


def findings_block(ev: Evaluation) -> HTML:
    """Every finding by severity: the message, its short label, its evidence with Chinese labels
    (rates as percentages, amounts with two decimals and the unit) and its 整改建议."""
    if not ev.finding_items:
        return HTML("<p>未发现问题。</p>")
    parts = []
    for severity in SEVERITIES:
        items = [f for f in ev.finding_items if f.severity == severity]
        if not items:
            continue
        parts.append(f"<h3 class='evalkit-{severity}'>{SEVERITY_LABELS[severity]}（{len(items)}项）</h3><ol>")
        for f in items:
            evidence = escape(evidence_text(f.id, f.evidence, unit=ev.params.unit))
            parts.append(f"<li><strong>{escape(f.message)}</strong><br><small>{escape(finding_label(f.id))}"
                         + (f" · 依据：{evidence}" if evidence else "")
                         + f"<br>整改建议：{escape(finding_advice(f.id))}</small></li>")
        parts.append("</ol>")
    return HTML("".join(parts))


def provenance_block(ev: Evaluation, *, notebook: str = "department") -> HTML:
    """输入文件的 SHA-256, versions and how to reproduce the page with ``notebooks/<notebook>.ipynb``."""
    p = ev.provenance
    rows = [[path, digest] for path, digest in p.get("inputs", {}).items()]
    rows.append([f"评价方案 {ev.scheme.id}", ev.scheme.sha256 or "（随 evalkit 发布）"])
    versions = "，".join(f"{k} {v}" for k, v in p.get("packages", {}).items())
    html = [html_table(["输入文件", "SHA-256"], rows, classes="evalkit-table evalkit-mono"),
            f"<p>evalkit {escape(str(p.get('evalkit', '')))}，Python {escape(str(p.get('python', '')))}；"
            f"{escape(versions)}</p>",
            f"<p>生成日期：{escape(generated_date(p))}</p>",
            "<p>复现方法：使用相同版本的 evalkit 运行 <code>evalkit score &lt;参数文件&gt; --json</code>，"
            f"或 <code>papermill notebooks/{escape(notebook)}.ipynb out.ipynb -p params_file &lt;参数文件&gt;</code>；"
            "输入文件的 SHA-256 相同，则全部数字相同。</p>"]
    return HTML("".join(html))


def monitoring_block(ev: Evaluation) -> HTML | Markdown:
    """绩效运行监控: the 1–N月 lights (in words beside each value) with their trails."""
    return monitoring.monitoring_block(ev)


def spending_chart(ev: Evaluation) -> Image | Markdown:
    """1–N月 spending against 序时进度."""
    return monitoring.spending_chart(ev)


def year_end_comparison(ev: Evaluation) -> HTML | Markdown:
    """The mid-year and year-end figures side by side where they contradict each other."""
    return monitoring.year_end_comparison(ev)
