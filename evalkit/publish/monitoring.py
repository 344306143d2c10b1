"""The monitoring (双监控) blocks of the department appendix: the lights table, spending against
序时进度, and the mid-year and year-end figures side by side where they contradict each other.

Each light is written in words (红灯, 黄灯, 绿灯, 蓝灯) next to its value, so a page printed in
black and white still says it.
"""

from __future__ import annotations

from html import escape

from IPython.display import HTML, Image, Markdown
from matplotlib.figure import Figure

from ..core.evaluation import Evaluation
from ..core.midyear import CONTRADICTIONS
from ..core.numbers import exact, fmt, fmt_pct, fmt_plain
from ..core.review import quantity
from ..core.wording import tidy
from .charts import BLUE, GREY, chart_image, titled_png
from .fonts import use_cjk_font
from .lights import LIGHT_COLOURS, light_badge
from .markup import Raw, html_table

NONE = "（部门未报送绩效运行监控数据。）"


def _value(value, unit: str | None = "") -> str:
    return "未填报" if value is None else quantity(value, unit)


def monitoring_block(ev: Evaluation) -> HTML | Markdown:
    """The lights: the department's, spending's, each goal's and each indicator's, with trails."""
    r = ev.monitoring
    if r is None:
        return Markdown(NONE)
    m, b, unit = r.monitoring, r.monitoring.budget, ev.params.unit
    lead = (f"<p class='evalkit-note'>监控期间：1–{m.month}月，序时进度 = {m.month} ÷ 12 = "
            f"{fmt_pct(exact(m.month) / 12)}。部门综合评价：{light_badge(r.department.light)}"
            f"（{escape(tidy(r.department.trail))}）。</p>")
    rows = [["支出进度", f"调整后预算数{_value(b.adjusted)}{unit}", f"执行数{_value(b.executed)}{unit}",
             r.spending.display, Raw(light_badge(r.spending.light)), r.spending.trail]]
    for x in r.indicators:
        unit_i = next((s.indicator.unit for s in ev.indicator_scores if s.indicator.key == x.monitored.params_key), "")
        rows.append([f"{x.monitored.goal}：{x.monitored.name}", _value(x.monitored.target, unit_i),
                     _value(x.monitored.progress, unit_i), x.light.display, Raw(light_badge(x.light.light)),
                     x.light.trail])
    table = html_table(["监控内容", "年度目标", f"1–{m.month}月完成", "进度（%）", "监控结果", "计算过程"], rows,
                       classes="evalkit-table evalkit-wide")
    goals = "".join(f"<li>{escape(g.goal)}：{light_badge(g.light.light)}</li>" for g in r.goals)
    legend = (f"<p class='evalkit-note'>亮灯规则：支出进度低于序时进度的{_pct(ev, 'spending_yellow')}为红灯，"
              f"{_pct(ev, 'spending_yellow')}至{_pct(ev, 'spending_green')}为黄灯，其余为绿灯；指标进度低于"
              f"{_pct(ev, 'progress_yellow')}为红灯，{_pct(ev, 'progress_yellow')}至{_pct(ev, 'progress_green')}为黄灯，"
              f"{_pct(ev, 'progress_green')}至{_pct(ev, 'progress_blue')}为绿灯，达到{_pct(ev, 'progress_blue')}及以上"
              "为蓝灯（目标可能设定偏低）；反向指标未超出年度指标值为绿灯，否则为红灯。目标的灯取其指标中最差者。</p>")
    return HTML(lead + table + (f"<p class='evalkit-note'>各目标监控结果：</p><ul class='evalkit-note'>{goals}</ul>"
                                if goals else "") + legend + _deviations(r))


def _pct(ev: Evaluation, name: str) -> str:
    return fmt_pct(ev.scheme.monitoring[name], 0)


def _deviations(r) -> str:
    rows = [[x.monitored.name, x.monitored.possibility or "未填报", x.monitored.deviation.category or "—",
             x.monitored.deviation.reason or "未填报", x.monitored.deviation.measure or "未填报"]
            for x in r.indicators if x.monitored.possibility not in (None, "确定能") or x.monitored.deviation.reason]
    if not rows:
        return ""
    return ("<p class='evalkit-note'>完成目标可能性及偏差说明：</p>"
            + html_table(["绩效指标", "完成目标可能性", "偏差原因类别", "偏差原因", "纠偏措施"], rows))


def spending_chart(ev: Evaluation) -> Image | Markdown:
    """1–N月 spending against 序时进度, with where the lights change."""
    png = _spending_png(ev)
    return Markdown("") if png is None else chart_image(png, f"1–{ev.monitoring.monitoring.month}月支出进度与序时进度")


def _spending_png(ev: Evaluation) -> bytes | None:
    r = ev.monitoring
    if r is None:
        return None
    use_cjk_font()
    m, b, t = r.monitoring, r.monitoring.budget, ev.scheme.monitoring
    schedule = float(exact(m.month) / 12 * 100)
    spent = float(exact(b.executed) / exact(b.adjusted) * 100) if b.adjusted and b.executed is not None else 0.0
    fig = Figure(figsize=(7.5, 2.4))
    ax = fig.subplots()
    ax.barh([1], [schedule], height=0.5, color=GREY, label=f"序时进度（{m.month} ÷ 12）")
    ax.barh([0], [spent], height=0.5, color=LIGHT_COLOURS.get(r.spending.light, BLUE),
            label=f"1–{m.month}月执行进度（{r.spending.word}）")
    for name, style in (("spending_yellow", ":"), ("spending_green", "--")):
        ax.axvline(schedule * float(t[name]), color="#555555", linestyle=style, linewidth=1,
                   label=f"序时进度的{fmt_pct(t[name], 0)}")
    ax.text(spent, 0, f" {fmt(spent)}%", va="center", fontsize=9)
    ax.text(schedule, 1, f" {fmt(schedule)}%", va="center", fontsize=9)
    ax.set_yticks([0, 1], ["执行进度", "序时进度"])
    ax.set_xlabel("占调整后预算数（%）")
    ax.set_xlim(0, max(105, spent + 10))
    return titled_png(fig, ax, f"1–{m.month}月支出进度与序时进度")


def year_end_comparison(ev: Evaluation) -> HTML | Markdown:
    """Where the year-end self-evaluation contradicts the mid-year monitoring: both figures side by side."""
    r = ev.monitoring
    if r is None:
        return Markdown("")
    found = [f for f in ev.finding_items if f.id in CONTRADICTIONS]
    if not found:
        return Markdown(f"（年终自评与1–{r.monitoring.month}月监控情况未见矛盾。）")
    by_key = {s.indicator.key: s for s in ev.indicator_scores}
    lit = {x.monitored.params_key: x for x in r.indicators}
    rows = []
    for f in found:
        s, x = by_key.get(f.subject or ""), lit.get(f.subject or "")
        if s is not None and x is not None:
            unit = s.indicator.unit or ""
            mid = (f"指标值{_value(x.monitored.target, unit)}，1–{r.monitoring.month}月完成"
                   f"{_value(x.monitored.progress, unit)}，{x.light.word}，可能性{x.monitored.possibility or '未填报'}")
            end = (f"指标值{_value(s.indicator.target, unit)}，全年完成{_value(s.indicator.actual, unit)}，"
                   f"得分{fmt(s.score) if s.scored else '—'}/{fmt(s.weight)}")
            rows.append([s.indicator.name, mid, end, f.message])
        else:
            b = r.monitoring.budget
            mid = f"1–{r.monitoring.month}月执行{_value(b.executed)}，预计全年执行{_value(b.forecast)}"
            end = f"全年执行{fmt_plain(ev.budget.executed)}，执行率{fmt_pct(ev.budget.execution_rate)}"
            rows.append(["预算执行", mid, end, f.message])
    return HTML(html_table(["监控内容", f"1–{r.monitoring.month}月监控", "年终自评", "问题"], rows,
                           classes="evalkit-table evalkit-wide"))


# --- the district overview and the index ---------------------------------------------------------

#: Worst first, as the overview lists departments (no monitoring last).
_ORDER = {"red": 0, "yellow": 1, "green": 2, "blue": 3, None: 4}


def district_lights(pf, *, limit: int = 60) -> HTML | Markdown:
    """The district's monitoring: lights by region, then the departments, reds first (the ``limit``
    worst when there are more)."""
    lit = [(ev, ev.monitoring) for ev in pf.evaluations.values() if ev.monitoring is not None]
    if not lit:
        return Markdown("（各部门均未报送绩效运行监控数据。）")
    by_region: dict[str, list[str | None]] = {}
    for ev, r in lit:
        by_region.setdefault(ev.params.department.region or "（未注明地区）", []).append(r.department.light)
    region_rows = [[region, len(lights), *(sum(1 for x in lights if x == c) for c in ("red", "yellow", "green"))]
                   for region, lights in sorted(by_region.items())]
    region_note = ""
    if len(region_rows) > limit:  # a province: the regions with the most red lights
        region_rows = sorted(region_rows, key=lambda r: (-r[2], -r[3], r[0]))
        region_note = (f"<p class='evalkit-note'>地区共{len(region_rows)}个，列出红灯部门最多的{limit}个，"
                       f"另有{len(region_rows) - limit}个地区未列出。</p>")
        region_rows = region_rows[:limit]
    regions = region_note + html_table(["地区", "报送监控的部门", "红灯", "黄灯", "绿灯"], region_rows,
                                       numeric={1, 2, 3, 4})
    order = sorted(lit, key=lambda p: (_ORDER[p[1].department.light], _ORDER[p[1].spending.light],
                                       p[1].spending.value or 0, p[0].params.department.id))
    rows = []
    for ev, r in order[:limit]:
        counts = [sum(1 for x in r.indicators if x.light.light == c) for c in ("red", "yellow", "blue")]
        rows.append([ev.params.department.name, Raw(escape(ev.params.department.region or "—")),
                     Raw(f"1–{r.monitoring.month}月"), Raw(light_badge(r.department.light)), Raw(r.spending.display),
                     Raw(light_badge(r.spending.light)), *counts])
    missing = len(pf.evaluations) - len(lit)
    note = (f"<p class='evalkit-note'>{len(lit)}个部门报送了绩效运行监控数据"
            + (f"，{missing}个部门未报送" if missing else "")
            + ("；红灯在前，其次为黄灯、绿灯" + (f"，列出前{limit}个" if len(order) > limit else "") + "。</p>"))
    return HTML(note + regions + html_table(["部门", "地区", "监控期间", "综合评价", "支出进度（%）", "支出", "红灯指标",
                                             "黄灯指标", "蓝灯指标"], rows, numeric={4, 6, 7, 8},
                                            classes="evalkit-table evalkit-wide"))
