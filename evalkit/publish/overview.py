"""What the district overview notebook shows: one displayable block per function.

Every figure comes from a ``Portfolio``; nothing here computes a score. Charts are labelled in
Chinese (finding types by their short labels from ``evalkit/core/finding_wording.yaml``).

A district of up to :data:`LIST_UP_TO` departments is shown department by department. A larger
portfolio (a province of cities and counties) is summarised: regions in tables (市, then the 县区 with
the most problems), charts of distributions instead of one mark per named department, and every list
cut to its first rows with a count of what is not shown — no table of thousands of rows.

>>> pf = Portfolio.load("params", year=2023)      # doctest: +SKIP
>>> overview.header(pf, year=2023)                # doctest: +SKIP
>>> overview.top_anomalies(pf)                    # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import os
import re
from fractions import Fraction

import numpy as np
import pandas as pd
from IPython.display import HTML, Image, Markdown
from matplotlib.figure import Figure

from ..core.findings import SEVERITIES, SEVERITY_LABELS
from ..core.numbers import chinese_numeral, fmt, fmt_pct
from ..core.scoring import GRADE_RANGE, grade_range_text
from ..core.wording import finding_label
from ..exceptions import Problem
from ..portfolio.portfolio import NO_CITY, NO_REGION
from . import monitoring
from .charts import BLUE, GREY, ORANGE, RED, chart_image, legend_above, titled_png, to_png
from .fonts import use_cjk_font
from .index import triage
from .markup import escape_markdown, generated_date, html_table

__all__ = [
    "application_table",
    "departments_table",
    "district_lights",
    "execution_score_chart",
    "findings_heatmap",
    "grade_chart",
    "header",
    "invalid_files",
    "payment_curves_chart",
    "provenance",
    "rank_findings",
    "rectification_table",
    "regions_table",
    "reported_vs_computed_chart",
    "top_anomalies",
    "year_table",
]

YEAR_END_IDS = ("budget.year_end_spike", "portfolio.outlier_december_share", "portfolio.outlier_q4_share")
#: Up to this many departments the overview names every one (tables, chart labels); above, it summarises.
LIST_UP_TO = 60
#: Rows of a cut list (departments, counties, findings, files) in a summarised overview.
TOP = 30
#: Input files listed one by one in 可复现信息; above, their count and one digest over all of them.
FILES_LISTED = 200
SAMPLE_SUFFIX = "（示例数据）"  # the page says 示例数据 once, at its top


def header(pf, *, year, region: str | None = None) -> Markdown:
    """The title, the 示例数据 notice, the regions included and the finding counts.

    Parameters
    ----------
    pf : Portfolio
    year : the fiscal year shown in the title.
    region : the region the portfolio was filtered to, or None when it holds every region of the folder
        (each is then listed on its own line with its department count, or counted by 市 and 县区
        when there are many).
    """
    d = pf.departments
    regions, cities = pf.regions, sorted(set(d["city"].dropna()))
    lines = [f"# {year}年度部门整体支出绩效自评 · {'总览' if len(cities) > 1 else '全区总览'}", ""]
    if bool(d["sample"].any()):
        lines += ["> **示例数据**：本总览包含虚构的示例部门，仅用于演示，不代表任何真实部门。", ""]
    if region is None and len(regions) > 1:
        where = f"{len(cities)}个市、{len(regions)}个县区" if len(cities) > 1 else f"{len(regions)}个地区"
        listed = "：" if len(regions) <= TOP else "。"
        lines += [f"本总览包含{where}的部门；各地区的中位数和离群判断分别计算，互不混合{listed}", ""]
    elif region is not None:
        lines += [f"地区筛选：{escape_markdown(region)}", ""]
    if len(regions) <= TOP:
        lines += [f"- 地区：{escape_markdown(r)}，{n}个部门" for r, n in regions.items()]
    complete = int(d["complete"].sum())
    lines += [f"- 部门数：{len(d)}（得分可完整计算{complete}个，因缺少完成值只能给出区间{len(d) - complete}个）",
              (f"- 发现问题：错误{int(d['errors'].sum())}项、警告{int(d['warnings'].sum())}项、"
               f"提示{int(d['infos'].sum())}项；跨部门问题{len(pf.portfolio_findings)}项")]
    if pf.invalid:
        lines.append(f"- 无法读取或内容有误的参数文件{len(pf.invalid)}个，未纳入本总览的统计；"
                     "每个文件的问题及其所在行列于文末“可复现信息”。")
    return Markdown("\n".join(lines))


def regions_table(pf, *, limit: int = TOP) -> HTML | Markdown:
    """地区概况 of a portfolio of more than :data:`LIST_UP_TO` departments in several regions: every
    市 with its figures and the total across all of them, then the ``limit`` 县区 with the most
    problems, with a count of those not shown. A smaller portfolio names each department in
    :func:`departments_table` instead, and this shows nothing."""
    d = pf.departments
    if len(d) <= LIST_UP_TO or len(pf.regions) <= 1:
        return Markdown("")
    parts = ["<p class='evalkit-note'>以下各市和合计行的数字为其全部部门的合计或中位数；"
             "离群、指标雷同等跨部门判断在各县区内进行，互不混合。</p>"]
    if d["city"].notna().any():
        cities = pf.summary(by="city")
        cities = cities.iloc[sorted(range(len(cities)), key=lambda i: _natural(cities["地区"].iloc[i]))]
        total = pf.summary(by=None).assign(地区="合计")
        shown = cities.head(LIST_UP_TO)  # a province's cities are listed whole; its counties are cut
        rows = [_region_row(r, counties=_county_count(d, r["地区"])) for _, r in shown.iterrows()]
        rows.append(_region_row(total.iloc[0], counties=len(pf.regions)))
        parts.append(html_table(["市", "县区数", *_REGION_HEADERS], rows, numeric=set(range(1, 13)),
                                classes="evalkit-table evalkit-wide", total_last=True))
        if len(cities) > len(shown):
            parts.append(f"<p class='evalkit-note'>市共{len(cities)}个，列出前{len(shown)}个，"
                         f"另有{len(cities) - len(shown)}个市未列出（已计入合计行）。</p>")
    counties = pf.summary(by="region")
    order = counties.sort_values(["错误", "警告", "跨部门问题", "提示", "地区"],
                                 ascending=[False, False, False, False, True])
    shown = order.head(limit)
    city_of = d.assign(region=d["region"].fillna(NO_REGION)).groupby("region")["city"].first().to_dict()
    with_city = bool(d["city"].notna().any())  # counties of several cities: say which city each is in
    rows = []
    for _, r in shown.iterrows():
        city = city_of.get(r["地区"]) or NO_CITY
        rows.append(([city, _short_region(r["地区"], city)] if with_city else [_short_region(r["地区"], "")])
                    + _region_row(r)[1:])
    parts.append(f"<p class='evalkit-note'>县区共{len(counties)}个，按问题多少排列，列出前{len(shown)}个"
                 + (f"，另有{len(counties) - len(shown)}个县区未列出。" if len(counties) > len(shown) else "。")
                 + "</p>")
    shift = 1 if with_city else 0
    parts.append(html_table((["市"] if with_city else []) + ["县区", *_REGION_HEADERS], rows,
                            numeric=set(range(1 + shift, 12 + shift)), classes="evalkit-table evalkit-wide"))
    return HTML("".join(parts))


_REGION_HEADERS = ["部门数", "得分可完整计算", "预算执行率中位数", "计算得分中位数", "自评得分中位数",
                  "有问题的部门", "错误", "警告", "提示", "跨部门问题"]


def _region_row(r, *, counties: int | None = None) -> list:
    """One 市 or 县区 of ``Portfolio.summary`` as the regions table shows it."""
    head = [str(r["地区"]).removesuffix(SAMPLE_SUFFIX)] + ([counties] if counties is not None else [])
    return head + [int(r["部门数"]), int(r["得分完整的部门数"]), fmt_pct(float(r["预算执行率中位数"])),
                   fmt(float(r["计算得分中位数"])), fmt(float(r["自评得分中位数"])), int(r["有问题的部门数"]),
                   int(r["错误"]), int(r["警告"]), int(r["提示"]), int(r["跨部门问题"])]


def _county_count(d: pd.DataFrame, city: str) -> int:
    return int(d.loc[d["city"].fillna(NO_CITY) == city, "region"].nunique())


def _short_region(region: str, city: str) -> str:
    """A county without its city's name in front and without the 示例数据 mark (示例一市东城区 → 东城区)."""
    short = region.removesuffix(SAMPLE_SUFFIX)
    return short.removeprefix(city) or short


_NUMERALS = {chinese_numeral(n): n for n in range(1, 100)}
_NUMERAL_RUN = re.compile("[一二三四五六七八九十]+|[0-9]+")


def _natural(label: str) -> list:
    """Sort key reading numbers in a label, Chinese or Arabic (示例二市 before 示例十市)."""
    parts, last = [], 0
    for m in _NUMERAL_RUN.finditer(label):
        number = _NUMERALS.get(m[0]) if not m[0].isdigit() else int(m[0])
        parts += [label[last:m.start()], number if number is not None else 0]
        last = m.end()
    return [*parts, label[last:], label]


def departments_table(pf, *, limit: int = TOP) -> HTML:
    """Every department, best score first: score or interval, grade, reported score, rates, finding
    counts. Above :data:`LIST_UP_TO` departments, the ``limit`` with the most problems (errors, then
    warnings, cross-department findings, hints), with a count of those not shown.

    A ``地区`` column is added when the portfolio holds more than one region.
    """
    d = pf.departments
    if len(d) <= LIST_UP_TO:
        d = d.set_index("id", drop=False).loc[_triage_order(pf)]
        note = ("已复核的部门以复核得分为准；已复核和无错误的部门按得分从高到低排列（得分为区间的按下限，超预算支出的排在最后），"
                "存在错误、尚未复核的部门排在其后，按错误数、再按涉及分值从多到少排列；使用不同评价方案的部门分方案排列。")
    else:
        order = d.sort_values(["errors", "warnings", "portfolio_findings", "infos", "id"],
                              ascending=[False, False, False, False, True])
        d = order.head(limit)
        note = (f"部门共{len(order)}个，按问题多少（先错误，再警告、跨部门问题和提示）排列，列出前{len(d)}个，"
                f"另有{len(order) - len(d)}个部门未列出；各部门的得分和问题见其计算附件。")
    regions = len(pf.regions) > 1
    rows = []
    for r in d.itertuples():
        ev = pf.evaluations[r.id]
        s = ev.review.score if ev.reviewed else ev.score
        score = fmt(s.min) if s.complete else f"无法核定（{fmt(s.min)}–{fmt(s.max)}）"
        if ev.reviewed:
            score += f"（复核；计算{fmt(ev.score.min) if ev.score.complete else ev.score.text}）"
        row = [r.name, score, ev.result_grade_text() if ev.reviewed else _grade_text(r), fmt(r.reported_score), fmt_pct(r.execution_rate),
               fmt_pct(r.adjustment_rate), fmt_pct(r.december_share), int(r.errors), int(r.warnings), int(r.infos)]
        rows.append(([(r.region or NO_REGION).removesuffix(SAMPLE_SUFFIX)] if regions else []) + row)
    headers = ["部门", "得分", "评价等级", "自评得分", "预算执行率", "预算调整率", "12月支付占比", "错误", "警告", "提示"]
    shift = 1 if regions else 0
    return HTML(f"<p class='evalkit-note'>{note}</p>"
                + html_table((["地区"] if regions else []) + headers, rows,
                             numeric={i + shift for i in (1, 3, 4, 5, 6, 7, 8, 9)}, classes="evalkit-table evalkit-wide"))


def grade_chart(pf) -> Image | Markdown:
    """How many departments fall in each grade, best grade first, one panel per evaluation scheme.

    A department whose score is an interval is counted once under ``下限~上限`` beside its best grade.
    """
    d = pf.departments
    if d.empty:
        return Markdown("（没有部门。）")
    use_cjk_font()
    schemes = {}
    for dept, ev in pf.evaluations.items():
        schemes.setdefault(ev.scheme.id, (ev.scheme, []))[1].append(dept)
    fig = Figure(figsize=(max(7.0, 3.8 * len(schemes)), 3.4))
    axes = fig.subplots(1, len(schemes), sharey=True, squeeze=False)[0]
    rows = d.set_index("id")
    for ax, (scheme, depts) in zip(axes, schemes.values(), strict=True):
        labels = [_grade_text(r) for r in rows.loc[depts].itertuples()]
        categories = _grade_categories(scheme, labels)
        counts = [labels.count(c) for c in categories]
        colors = [GREY if GRADE_RANGE in c else BLUE for c in categories]
        ax.bar(range(len(categories)), counts, color=colors)
        ax.set_xticks(range(len(categories)), categories, fontsize=9)
        for x, v in enumerate(counts):
            ax.text(x, v, str(v), ha="center", va="bottom", fontsize=9)
        if len(schemes) > 1:
            ax.set_title(f"{'／'.join(g.label for g in scheme.grades)}（{len(depts)}个部门）", fontsize=9)
    axes[0].set_ylabel("部门数")
    axes[0].margins(y=0.15)
    fig.suptitle("评价等级分布（由高到低；灰色为得分区间跨等级的部门，按“下限~上限”统计）", fontsize=10)
    fig.tight_layout()
    return chart_image(to_png(fig), "评价等级分布")


def reported_vs_computed_chart(pf) -> Image | Markdown:
    """Each department's computed score (or interval) against the score it reported; legend above the axes.
    Above :data:`LIST_UP_TO` departments, how many departments reported how many points more than the
    data support (:func:`_inflation_chart`)."""
    d = pf.departments.sort_values("score_min").reset_index(drop=True)
    if d.empty:
        return Markdown("（没有部门。）")
    use_cjk_font()
    if len(d) > LIST_UP_TO:
        return _inflation_chart(d)
    fig = Figure(figsize=(7.5, 1.6 + 0.28 * len(d)))
    ax = fig.subplots()
    ys = np.arange(len(d))
    ax.hlines(ys, d["score_min"], d["score_max"], color=GREY, linewidth=4, label="计算得分区间")
    ax.plot(d["score_min"], ys, "o", color=BLUE, markersize=4, label="计算得分（区间为下限）")
    has = d["reported_score"].notna()
    ax.plot(d.loc[has, "reported_score"], ys[has.values], "x", color=RED, markersize=6, label="自评得分")
    ax.set_yticks(ys, d["name"], fontsize=7)
    ax.set_ylim(-0.7, len(d) - 0.3)
    ax.set_xlabel("得分")
    ax.set_title("自评得分与按规则计算的得分", pad=26)
    ax.legend(fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, frameon=False)
    fig.tight_layout()
    return chart_image(to_png(fig), "自评得分与按规则计算的得分")


def _inflation_chart(d: pd.DataFrame) -> Image:
    """A histogram of reported − computed score (against the interval's top when incomplete), whole points."""
    values = d["inflation"].dropna()
    fig = Figure(figsize=(7.5, 3.6))
    ax = fig.subplots()
    low, high = np.floor(min(values.min(), 0)) if len(values) else 0, np.ceil(max(values.max(), 1)) if len(values) else 1
    bins = np.arange(low, high + 1, 1.0)
    above = values > 0.5  # the scheme's usual score tolerance: half a point
    ax.hist(values[~above], bins=bins, color=BLUE, label=f"自评得分未高出计算得分，或高出不足0.5分（{int((~above).sum())}个）")
    ax.hist(values[above], bins=bins, color=RED, label=f"自评得分高出计算得分0.5分以上（{int(above.sum())}个）")
    ax.set_xlabel("自评得分减计算得分（分；得分为区间的部门按区间上限计）")
    ax.set_ylabel("部门数")
    missing = int(d["inflation"].isna().sum())
    title = "自评得分高出计算得分的分布" + (f"（另有{missing}个部门未填报自评得分）" if missing else "")
    return chart_image(titled_png(fig, ax, title), "自评得分高出计算得分的分布")


def execution_score_chart(pf) -> Image | Markdown:
    """Execution rate against score (an interval's midpoint, with the interval as a bar).

    Departments with an error, a warning or a cross-department finding are drawn in red and named in a
    column beside the axes, each joined to its point; departments without an execution rate (no budget)
    are named in a note under the chart.
    """
    d = pf.departments
    if d.empty:
        return Markdown("（没有部门。）")
    use_cjk_font()
    d = d.assign(short=_short_names(d), mid=(d["score_min"] + d["score_max"]) / 2,
                 flagged=(d["errors"] + d["warnings"] + d["portfolio_findings"]) > 0)
    shown, missing = d[d["execution_rate"].notna()], d[d["execution_rate"].isna()]
    if len(d) > LIST_UP_TO:
        return _execution_score_cloud(pf, shown, missing)
    fig = Figure(figsize=(7.5, 4.6))
    ax = fig.subplots()
    fig.subplots_adjust(left=0.1, right=0.74, top=0.9, bottom=0.17)
    for flagged, color, label in ((False, BLUE, "其他部门"), (True, RED, "有错误、警告或跨部门问题的部门")):
        part = shown[shown["flagged"] == flagged]
        ax.errorbar(part["execution_rate"] * 100, part["mid"], yerr=(part["score_max"] - part["score_min"]) / 2,
                    fmt="o", color=color, ecolor=GREY, markersize=5, capsize=2, label=label)
    for limit in sorted({float(ev.scheme.thresholds["low_execution"]) for ev in pf.evaluations.values()}):
        ax.axvline(limit * 100, color=ORANGE, linestyle=":", linewidth=1, label=f"预算执行率预警线 {fmt_pct(limit, 0)}")
    ax.set_xlabel("预算执行率（%）")
    ax.set_ylabel("得分（区间取中点，竖线为区间）")
    fig.suptitle("预算执行率与绩效得分", fontsize=11)
    fig.subplots_adjust(top=0.82)
    legend_above(ax, fontsize=7)
    _label_column(ax, fig, shown[shown["flagged"]])
    if not missing.empty:
        ax.text(0, -0.16, "未绘出（没有预算执行率）：" + "、".join(missing["name"]), transform=ax.transAxes,
                fontsize=8, va="top")
    return chart_image(to_png(fig), "预算执行率与绩效得分")


def _execution_score_cloud(pf, shown: pd.DataFrame, missing: pd.DataFrame) -> Image:
    """Execution rate against score for many departments: small marks, no names, counts in the legend."""
    fig = Figure(figsize=(7.5, 4.6))
    ax = fig.subplots()
    for flagged, color, label in ((False, BLUE, "其他部门"), (True, RED, "有错误、警告或跨部门问题的部门")):
        part = shown[shown["flagged"] == flagged]
        ax.scatter(part["execution_rate"] * 100, part["mid"], s=4, color=color, alpha=0.35, linewidths=0,
                   label=f"{label}（{len(part)}个）")
    for limit in sorted({float(ev.scheme.thresholds["low_execution"]) for ev in pf.evaluations.values()}):
        ax.axvline(limit * 100, color=ORANGE, linestyle=":", linewidth=1, label=f"预算执行率预警线{fmt_pct(limit, 0)}")
    ax.set_xlabel("预算执行率（%）")
    ax.set_ylabel("得分（区间取中点）")
    if not missing.empty:
        ax.text(0, -0.16, f"未绘出：没有预算执行率的部门{len(missing)}个。", transform=ax.transAxes, fontsize=8, va="top")
    return chart_image(titled_png(fig, ax, "预算执行率与绩效得分（每点一个部门）", legend=7), "预算执行率与绩效得分")


def payment_curves_chart(pf) -> Image | Markdown:
    """Every department's cumulative payments against 序时进度; year-end spenders in red."""
    m = pf.monthly
    if m.empty:
        return Markdown("（没有部门提供月度支付数据。）")
    use_cjk_font()
    flagged = set(pf.findings.loc[pf.findings["id"].isin(YEAR_END_IDS), "department_id"])
    if m["department_id"].nunique() > LIST_UP_TO:
        return _payment_bands(m, flagged)
    fig = Figure(figsize=(7.5, 4))
    ax = fig.subplots()
    for dept, group in m.groupby("department_id"):
        hot = dept in flagged
        ax.plot(group["month"], group["against_budget"] * 100, color=RED if hot else BLUE,
                alpha=0.9 if hot else 0.25, linewidth=1.6 if hot else 1)
    months = list(range(1, 13))
    ax.plot(months, [x / 12 * 100 for x in months], color="black", linestyle="--", label="序时进度")
    if flagged:
        ax.plot([], [], color=RED, label="年末突击支出的部门")
    ax.plot([], [], color=BLUE, alpha=0.4, label="其他部门")
    return _payment_chart(fig, ax)


def _payment_bands(m: pd.DataFrame, flagged: set) -> Image:
    """Cumulative payments of many departments as a band (10th to 90th percentile) and the median, for the
    year-end spenders and the others apart."""
    fig = Figure(figsize=(7.5, 4))
    ax = fig.subplots()
    months = list(range(1, 13))
    hot = m["department_id"].isin(flagged)
    for part, color, label in ((m[~hot], BLUE, "其他部门"), (m[hot], RED, "年末突击支出的部门")):
        if part.empty:
            continue
        q = (part["against_budget"] * 100).groupby(part["month"]).quantile([0.1, 0.5, 0.9]).unstack()
        count = part["department_id"].nunique()
        ax.fill_between(q.index, q[0.1], q[0.9], color=color, alpha=0.18, linewidth=0)
        ax.plot(q.index, q[0.5], color=color, linewidth=1.8, label=f"{label}（{count}个）：中位数，阴影为10%～90%分位")
    ax.plot(months, [x / 12 * 100 for x in months], color="black", linestyle="--", label="序时进度")
    return _payment_chart(fig, ax)


def _payment_chart(fig, ax) -> Image:
    """The months, axis, title and legend both payment charts share, and the finished image."""
    months = list(range(1, 13))
    ax.set_xticks(months, [f"{x}月" for x in months], fontsize=8)
    ax.set_ylabel("累计支付进度（占全年预算数，%）")
    return chart_image(titled_png(fig, ax, "各部门累计支付进度与序时进度"), "各部门累计支付进度与序时进度")


def findings_heatmap(pf) -> Image | Markdown:
    """Finding types (Chinese short labels, cross-department ones first) × departments with a finding,
    the count in each cell; district-wide findings in a column of their own. Tall rather than wide, so
    it stays readable on an A4 page."""
    f = pf.findings
    if f.empty:
        return Markdown("（未发现问题。）")
    if len(pf.departments) > LIST_UP_TO:
        return _finding_types_table(pf)
    use_cjk_font()
    d = pf.departments
    short = dict(zip(d["id"], _short_names(d), strict=True))
    columns = [short.get(i, i) if isinstance(i, str) else f"全区（{r or NO_REGION}）"
               for i, r in zip(f["department_id"], f["region"], strict=True)]
    counts = pd.crosstab(pd.Series(list(f["id"]), name="问题类型"), pd.Series(columns, name="部门"))
    counts = counts.loc[sorted(counts.index, key=_finding_order)]
    fig = Figure(figsize=(max(6.0, 0.42 * len(counts.columns) + 2.6), 1.6 + 0.19 * len(counts)))
    ax = fig.subplots()
    ax.imshow(counts.values > 0, cmap="Oranges", aspect="auto", vmin=0, vmax=1.4)
    ax.set_yticks(range(len(counts)), [finding_label(i) for i in counts.index], fontsize=7)
    ax.set_xticks(range(len(counts.columns)), list(counts.columns), rotation=60, ha="left", rotation_mode="anchor",
                  fontsize=7)
    ax.xaxis.tick_top()
    for (y, x), v in np.ndenumerate(counts.values):
        if v:
            ax.text(x, y, str(v), ha="center", va="center", fontsize=6)
    ax.set_title("部门 × 问题类型（数字为问题数；只列出有问题的部门）", fontsize=10)
    fig.tight_layout()
    return chart_image(to_png(fig, dpi=130), "部门 × 问题类型")


def _finding_types_table(pf) -> HTML:
    """Each finding type once (cross-department ones first): its severity, how many findings, departments
    and 县区 it concerns — what a heat map of departments shows for a district, for a province."""
    f = pf.findings
    rows = []
    for finding_id in sorted(set(f["id"]), key=_finding_order):
        part = f[f["id"] == finding_id]
        rows.append([finding_label(finding_id), "、".join(SEVERITY_LABELS[s] for s in SEVERITIES
                                                          if s in set(part["severity"])),
                     len(part), int(part["department_id"].nunique()), int(part["region"].nunique())])
    note = (f"<p class='evalkit-note'>问题类型共{len(rows)}种，全部列出（跨部门问题在前）；"
            "涉及县区数为出现该类问题的县区个数。</p>")
    return HTML(note + html_table(["问题类型", "严重程度", "问题数", "涉及部门数", "涉及县区数"], rows,
                                  numeric={2, 3, 4}, classes="evalkit-table"))


def year_table(pf) -> HTML | Markdown:
    """Each department beside its own previous year: execution rate, score and grade, and how many
    findings are new, recurring or resolved."""
    rows = []
    for ev in sorted(pf.evaluations.values(), key=lambda e: e.department.id):
        c = ev.previous_year
        if c is None:
            continue
        p, now = c.previous, c.current
        score = (f"{fmt(p.score_min)} → {fmt(now.score_min)}" if c.score_change is not None else
                 f"{p.year}年度或本年度得分无法核定")
        rows.append([ev.department.name, f"{fmt_pct(p.execution_rate)} → {fmt_pct(now.execution_rate)}", score,
                     f"{p.grade} → {now.grade}", str(len(c.new)), str(len(c.recurring)), str(len(c.resolved))])
    if not rows:
        return Markdown("（未提供上年度数据，无法与上年比较。）")
    shown = rows[:TOP] if len(pf.departments) > LIST_UP_TO else rows
    note = (f"<p class='evalkit-note'>有上年度数据的部门共{len(rows)}个，列出前{len(shown)}个（按部门排列），"
            f"另有{len(rows) - len(shown)}个部门未列出。</p>" if len(shown) < len(rows) else "")
    return HTML(note + html_table(["部门", "预算执行率（上年 → 本年）", "得分（上年 → 本年）", "评价等级", "新出现问题",
                                   "仍存在问题", "已解决问题"], shown, numeric={4, 5, 6}, classes="evalkit-table"))


def rank_findings(pf) -> pd.DataFrame:
    """Every finding in the order the overview lists them: errors first (every one, by department),
    then warnings, then hints; within a severity the cross-department findings first, then by
    department id (the district's own findings first)."""
    f = pf.findings
    key = pd.DataFrame({"severity": f["severity"].map(SEVERITIES.index), "scope": f["scope"] != "portfolio",
                        "department": f["department_id"].fillna("")})
    return f.loc[key.sort_values(["severity", "scope", "department"], kind="stable").index]


def top_anomalies(pf, *, limit: int = TOP) -> HTML:
    """重点问题: every error of every department, grouped by department (never truncated in a district:
    an error is what a reviewer must see), then the warnings and hints, cross-department ones first, up
    to ``limit`` rows, with a count of what is not shown. Above :data:`LIST_UP_TO` departments the
    errors too are cut to ``limit`` rows, with the count of the others by finding type."""
    f = rank_findings(pf)
    names = pf.departments.set_index("id")["name"].to_dict()

    def row(r) -> list[str]:
        who = (names.get(r.department_id, r.department_id) if isinstance(r.department_id, str)
               else f"全区（{(r.region or NO_REGION).removesuffix(SAMPLE_SUFFIX)}）")
        return [SEVERITY_LABELS[r.severity], who, r.message, r.label]

    errors, rest = f[f["severity"] == "error"], f[f["severity"] != "error"]
    large = len(pf.departments) > LIST_UP_TO
    if large:  # thousands of findings: every type before a second one of any type
        errors, rest = _each_type_first(errors), _each_type_first(rest)
    listed = errors.head(limit) if large else errors
    shown = rest.head(limit)
    if len(listed) == len(errors):
        about_errors = f"错误共{len(errors)}项，全部列出（按部门排列）；"
    else:
        about_errors = (f"错误共{len(errors)}项、{errors['id'].nunique()}类，每类先列一项，共列出{len(listed)}项，"
                        f"另有{len(errors) - len(listed)}项未列出（{_by_type(errors.iloc[len(listed):])}），"
                        "见各部门计算附件；")
    order = "每类先列一项，" if large else ""
    parts = [f"<p class='evalkit-note'>{about_errors}"
             f"警告和提示共{len(rest)}项，" + (f"{order}列出前{len(shown)}项，另有{len(rest) - len(shown)}项"
                                               f"（{_by_severity(rest.iloc[len(shown):])}）未列出，见各部门计算附件。"
                                               if len(rest) > len(shown) else "全部列出。") + "</p>"]
    headers = ["严重程度", "部门", "问题与依据", "问题类型"]
    parts += [html_table(headers, [row(r) for r in part.itertuples()]) for part in (listed, shown) if len(part)]
    return HTML("".join(parts))


def _each_type_first(f: pd.DataFrame) -> pd.DataFrame:
    """``f`` reordered in rounds: the first finding of each type, then the second of each, and so on;
    the order of ``f`` is kept within a round."""
    rounds = f.groupby("id", sort=False).cumcount().to_numpy()
    return f.iloc[np.argsort(rounds, kind="stable")]


def _by_severity(f: pd.DataFrame) -> str:
    counts = f["severity"].value_counts()
    return "、".join(f"{SEVERITY_LABELS[s]}{int(counts[s])}项" for s in SEVERITIES if s in counts)


def _by_type(f: pd.DataFrame, *, most: int = 5) -> str:
    """The commonest finding types of ``f`` with their counts (“问题类型甲12项、…等”)."""
    counts = f["label"].value_counts()
    text = "、".join(f"“{label}”{int(n)}项" for label, n in counts.head(most).items())
    return text + ("等" if len(counts) > most else "")


def invalid_files(pf, *, limit: int = TOP) -> HTML | Markdown:
    """The params files that could not be evaluated, each with its first problem located (file, line, key
    path, what was expected), up to ``limit`` files, with a count of those not shown. For whoever fixes
    the files: it belongs to 可复现信息 (key paths and messages are as evalkit reports them)."""
    if not pf.invalid:
        return Markdown("")
    rows = []
    for path, _ in pf.invalid[:limit]:
        problems = pf.invalid_problems.get(path) or (Problem(path, "", None, ""),)
        first = problems[0]
        where = "" if first.line is None else str(first.line)
        if os.path.basename(first.path) != os.path.basename(path):  # a side table's cell
            where = f"{os.path.basename(first.path)}:{where}" if where else os.path.basename(first.path)
        more = f"（另有{len(problems) - 1}处）" if len(problems) > 1 else ""
        rows.append([os.path.basename(path), where, first.key, first.message + more])
    rest = len(pf.invalid) - len(rows)
    note = (f"<p class='evalkit-note'>无法读取或内容有误的参数文件共{len(pf.invalid)}个，未纳入统计；"
            + (f"列出前{len(rows)}个，另有{rest}个未列出。" if rest else "全部列出。")
            + "每个文件的全部问题都记录在批量运行的错误记录中（结果目录的 _invalid/ 与各部门的 error.json），"
            "也可用 evalkit validate 逐个列出。</p>")
    return HTML(note + html_table(["参数文件", "所在行", "项目", "问题"], rows,
                                  classes="evalkit-table evalkit-mono"))


def provenance(pf, *, limit: int = FILES_LISTED) -> HTML:
    """Every input file with its sha256, so the overview can be reproduced; above ``limit`` files, their
    count and one SHA-256 over the list of them (what ``sha256sum`` prints for them, sorted by path)."""
    files = {}
    for ev in pf.evaluations.values():
        files.update(ev.provenance.get("inputs", {}))
    rows = sorted(files.items())
    first = next(iter(pf.evaluations.values()), None)
    versions = ""
    if first is not None:
        p = first.provenance
        versions = (f"<p>evalkit {p.get('evalkit', '')}，Python {p.get('python', '')}；"
                    + "，".join(f"{k} {v}" for k, v in p.get("packages", {}).items())
                    + f"；生成日期：{generated_date(p)}</p>")
    if len(rows) <= limit:
        return HTML(html_table(["输入文件", "SHA-256"], rows, classes="evalkit-table evalkit-mono") + versions)
    listing = "".join(f"{digest}  {path}\n" for path, digest in rows)
    digest = hashlib.sha256(listing.encode("utf-8")).hexdigest()
    return HTML(f"<p>输入文件共{len(rows)}个（参数文件及其附表），不逐个列出。按文件路径排序后，"
                f"每个文件一行“SHA-256、两个空格、路径”（即 sha256sum 的输出格式），全部行的 SHA-256 为：</p>"
                f"<p class='evalkit-mono'>{digest}</p>"
                "<p>每个文件的 SHA-256 记录在各部门的 result.json（provenance.inputs）中。</p>" + versions)


# --- helpers ----------------------------------------------------------------------------------

def _grade_text(r) -> str:
    return r.grade if r.complete else grade_range_text(r.grade_min, r.grade_max)


def _grade_categories(scheme, labels: list[str]) -> list[str]:
    """The scheme's grades best first, each followed by the intervals whose best end it is."""
    order = [g.label for g in scheme.grades]
    intervals = sorted({x for x in labels if GRADE_RANGE in x},
                       key=lambda x: (order.index(x.split(GRADE_RANGE)[1]), order.index(x.split(GRADE_RANGE)[0])))
    out = []
    for label in order:
        out.append(label)
        out += [x for x in intervals if x.split(GRADE_RANGE)[1] == label]
    return out + [x for x in dict.fromkeys(labels) if x not in out]


def _short_names(d: pd.DataFrame) -> pd.Series:
    """Names without the prefix every department of their region shares (示例区水务局 → 水务局)."""
    regions = d["region"].fillna(NO_REGION)
    short = d["name"].copy()
    for region in set(regions):
        names = list(d.loc[regions == region, "name"])
        prefix = os.path.commonprefix(names) if len(names) > 1 else ""
        if prefix:
            short[regions == region] = [n[len(prefix):] or n for n in names]
    return short


def _label_column(ax, fig, points: pd.DataFrame) -> None:
    """Name each point in a column right of the axes, spaced to stay readable, joined by a thin line."""
    if points.empty:
        return
    low, high = ax.get_ylim()
    height_pt = fig.get_figheight() * ax.get_position().height * 72
    gap = (high - low) * 9.5 / height_pt
    if gap * len(points) > high - low:
        gap = (high - low) / len(points)
    points = points.sort_values("mid")
    ys = []
    for y in points["mid"]:
        ys.append(max(y, ys[-1] + gap) if ys else max(y, low + gap / 2))
    ys[-1] = min(ys[-1], high - gap / 2)
    for i in range(len(ys) - 2, -1, -1):  # pushed past the top: move only the crowded ones down
        ys[i] = min(ys[i], ys[i + 1] - gap)
    for (_, r), y in zip(points.iterrows(), ys, strict=True):
        ax.annotate(r["short"], xy=(r["execution_rate"] * 100, r["mid"]), xytext=(1.03, y),
                    textcoords=("axes fraction", "data"), fontsize=7, va="center", annotation_clip=False,
                    arrowprops={"arrowstyle": "-", "color": GREY, "linewidth": 0.6, "shrinkA": 0, "shrinkB": 2})


def _finding_order(finding_id: str) -> tuple:
    return (not finding_id.startswith("portfolio."), finding_id)


def district_lights(pf, *, limit: int = LIST_UP_TO) -> HTML | Markdown:
    """绩效运行监控 across the district: lights by region, then the departments, reds first."""
    return monitoring.district_lights(pf, limit=limit)
# --- 复核, 结果应用 and 整改 ---------------------------------------------------------------------

def _stake(ev) -> float:
    """The points at stake in a department's result: the unscored points plus how far the self-score
    stands above the computed one."""
    s, rep = ev.score, ev.params.reported.score
    return float(s.max - s.min) + (max(0.0, float(rep) - float(s.min)) if rep is not None else 0.0)


def _triage_order(pf) -> list[str]:
    """Department ids in the order the bureau should look at them, the index page's order
    (:func:`.index.triage`): per scheme (when the district mixes schemes), first the settled ones
    (reviewed, or without errors) by the score that counts with over-budget departments last, then the
    待复核 ones by errors and then the points at stake."""
    rows = []
    for ev in pf.evaluations.values():
        result, errors = ev.review.score if ev.reviewed else ev.score, ev.severity_counts()["error"]
        rows.append({"id": ev.department.id, "scheme_id": ev.scheme.id, "sort": result.min, "sort_max": result.max,
                     "status": "review" if errors and not ev.reviewed else "ok", "findings": {"error": errors},
                     "stake": _stake(ev), "over_budget": any(f.id == "budget.over_execution" for f in ev.finding_items)})
    return [r["id"] for r in triage(rows)]


def application_table(pf) -> HTML | Markdown:
    """结果应用 by department, as the bureau's file sets it: grade that counts, action, and the amount
    where a percentage applies (that share of the 全年预算数)."""
    rows = []
    for dept_id in _triage_order(pf):
        ev = pf.evaluations[dept_id]
        app = ev.application
        if app is None:
            continue
        amount = (f"{fmt(ev.budget.adjusted * Fraction(app.percent) / 100)}{ev.params.unit}" if app.percent is not None else "—")
        rows.append([ev.department.name, ev.result_grade_text(), "复核" if ev.reviewed else "计算", app.text, amount])
    if not rows:
        return Markdown("未设定结果应用规则（财政部门的复核设置文件未列出“结果应用”），或各部门等级尚无法核定。")
    return HTML("<p class='evalkit-note'>结果应用按财政部门复核设置文件中各评价等级对应的措施列示；核减金额按全年预算数乘以核减比例计算。</p>"
                + html_table(["部门", "评价等级", "等级依据", "结果应用", "核减金额"], rows, numeric={4},
                             classes="evalkit-table"))


def rectification_table(pf) -> HTML | Markdown:
    """The 整改 ledgers by department: items by status, and what the checks found (逾期, 销号无佐证,
    整改未见实效)."""
    rows = []
    for ev in pf.evaluations.values():
        if not ev.ledgers:
            continue
        for ledger in ev.ledgers:
            c = ledger.counts()
            found = [f.id for f in ev.finding_items if f.subject and f.subject.startswith(f"rectification.{ledger.year}.")]
            rows.append([ev.department.name, f"{ledger.year}年度", len(ledger.items), c["未整改"], c["整改中"], c["已整改"],
                         *(found.count(f"rectification.{kind}") for kind in ("overdue", "closed_without_evidence",
                                                                             "not_effective"))])
    if not rows:
        return Markdown("尚无整改台账。")
    return HTML("<p class='evalkit-note'>各部门整改台账的整改状态；“逾期”为超过整改期限仍未整改完成的事项，"
                "“未见实效”为台账标为已整改、本年度再次出现的问题。</p>"
                + html_table(["部门", "台账", "事项", "未整改", "整改中", "已整改", "逾期", "销号无佐证", "未见实效"], rows,
                             numeric={2, 3, 4, 5, 6, 7, 8}, classes="evalkit-table"))
