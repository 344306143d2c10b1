"""What the district overview notebook shows: one displayable block per function.

Every figure comes from a ``Portfolio``; nothing here computes a score. Charts are labelled in
Chinese (finding types by their short labels from ``evalkit/core/finding_wording.yaml``).

>>> pf = Portfolio.load("params", year=2023)      # doctest: +SKIP
>>> overview.header(pf, year=2023)                # doctest: +SKIP
>>> overview.top_anomalies(pf)                    # doctest: +SKIP
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
from IPython.display import HTML, Image, Markdown
from matplotlib.figure import Figure

from ..core.findings import SEVERITIES, SEVERITY_LABELS
from ..core.numbers import fmt, fmt_pct
from ..core.scoring import GRADE_RANGE, grade_range_text
from ..core.wording import finding_label
from ..portfolio.portfolio import NO_REGION
from .charts import BLUE, GREY, ORANGE, RED, chart_image, legend_above, to_png
from .fonts import use_cjk_font
from .markup import escape_markdown, generated_date, html_table

__all__ = [
    "departments_table",
    "execution_score_chart",
    "findings_heatmap",
    "grade_chart",
    "header",
    "payment_curves_chart",
    "provenance",
    "rank_findings",
    "reported_vs_computed_chart",
    "top_anomalies",
    "year_table",
]

YEAR_END_IDS = ("budget.year_end_spike", "portfolio.outlier_december_share", "portfolio.outlier_q4_share")


def header(pf, *, year, region: str | None = None) -> Markdown:
    """The title, the 示例数据 notice, the regions included and the finding counts.

    Parameters
    ----------
    pf : Portfolio
    year : the fiscal year shown in the title.
    region : the region the portfolio was filtered to, or None when it holds every region of the folder
        (each is then listed on its own line with its department count).
    """
    d = pf.departments
    lines = [f"# {year} 年度部门整体支出绩效自评 · 全区总览", ""]
    if bool(d["sample"].any()):
        lines += ["> **示例数据**：本总览包含虚构的示例部门，仅用于演示，不代表任何真实部门。", ""]
    regions = pf.regions
    if region is None and len(regions) > 1:
        lines += [f"本总览包含 {len(regions)} 个地区的部门；各地区的中位数和离群判断分别计算，互不混合：", ""]
    elif region is not None:
        lines += [f"地区筛选：{escape_markdown(region)}", ""]
    lines += [f"- 地区：{escape_markdown(r)}，{n} 个部门" for r, n in regions.items()]
    complete = int(d["complete"].sum())
    lines += [f"- 部门数：{len(d)}（得分可完整计算 {complete} 个，因缺少完成值只能给出区间 {len(d) - complete} 个）",
              (f"- 发现问题：错误 {int(d['errors'].sum())} 项、警告 {int(d['warnings'].sum())} 项、"
               f"提示 {int(d['infos'].sum())} 项；跨部门问题 {len(pf.portfolio_findings)} 项")]
    if pf.invalid:
        lines.append(f"- 无法读取的参数文件 {len(pf.invalid)} 个：" + "、".join(escape_markdown(p) for p, _ in pf.invalid))
    return Markdown("\n".join(lines))


def departments_table(pf) -> HTML:
    """Every department, best score first: score or interval, grade, reported score, rates, finding counts.

    A ``地区`` column is added when the portfolio holds more than one region.
    """
    d = pf.departments.sort_values(["score_min", "score_max"], ascending=False)
    regions = len(pf.regions) > 1
    rows = []
    for r in d.itertuples():
        s = pf.evaluations[r.id].score
        score = fmt(s.min) if s.complete else f"无法核定（{fmt(s.min)}–{fmt(s.max)}）"
        row = [r.name, score, _grade_text(r), fmt(r.reported_score), fmt_pct(r.execution_rate),
               fmt_pct(r.adjustment_rate), fmt_pct(r.december_share), int(r.errors), int(r.warnings), int(r.infos)]
        # the page says 示例数据 once, at its top: the region column stays one line in the PDF
        rows.append(([(r.region or NO_REGION).removesuffix("（示例数据）")] if regions else []) + row)
    headers = ["部门", "得分", "评价等级", "自评得分", "预算执行率", "预算调整率", "12月支付占比", "错误", "警告", "提示"]
    shift = 1 if regions else 0
    return HTML(html_table((["地区"] if regions else []) + headers, rows,
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
    """Each department's computed score (or interval) against the score it reported; legend above the axes."""
    d = pf.departments.sort_values("score_min").reset_index(drop=True)
    if d.empty:
        return Markdown("（没有部门。）")
    use_cjk_font()
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


def payment_curves_chart(pf) -> Image | Markdown:
    """Every department's cumulative payments against 序时进度; year-end spenders in red."""
    m = pf.monthly
    if m.empty:
        return Markdown("（没有部门提供月度支付数据。）")
    use_cjk_font()
    fig = Figure(figsize=(7.5, 4))
    ax = fig.subplots()
    flagged = set(pf.findings.loc[pf.findings["id"].isin(YEAR_END_IDS), "department_id"])
    for dept, group in m.groupby("department_id"):
        hot = dept in flagged
        ax.plot(group["month"], group["against_budget"] * 100, color=RED if hot else BLUE,
                alpha=0.9 if hot else 0.25, linewidth=1.6 if hot else 1)
    months = list(range(1, 13))
    ax.plot(months, [x / 12 * 100 for x in months], color="black", linestyle="--", label="序时进度")
    if flagged:
        ax.plot([], [], color=RED, label="年末突击支出的部门")
    ax.plot([], [], color=BLUE, alpha=0.4, label="其他部门")
    ax.set_xticks(months, [f"{x}月" for x in months], fontsize=8)
    ax.set_ylabel("累计支付进度（占全年预算数，%）")
    fig.suptitle("各部门累计支付进度与序时进度", fontsize=11)
    legend_above(ax)
    fig.tight_layout()
    return chart_image(to_png(fig), "各部门累计支付进度与序时进度")


def findings_heatmap(pf) -> Image | Markdown:
    """Finding types (Chinese short labels, cross-department ones first) × departments with a finding,
    the count in each cell; district-wide findings in a column of their own. Tall rather than wide, so
    it stays readable on an A4 page."""
    f = pf.findings
    if f.empty:
        return Markdown("（未发现问题。）")
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
    return HTML(html_table(["部门", "预算执行率（上年 → 本年）", "得分（上年 → 本年）", "评价等级", "新出现问题",
                            "仍存在问题", "已解决问题"], rows, numeric={4, 5, 6}, classes="evalkit-table"))


def rank_findings(pf) -> pd.DataFrame:
    """Every finding in the order the overview lists them: errors first (every one, by department),
    then warnings, then hints; within a severity the cross-department findings first, then by
    department id (the district's own findings first)."""
    f = pf.findings
    key = pd.DataFrame({"severity": f["severity"].map(SEVERITIES.index), "scope": f["scope"] != "portfolio",
                        "department": f["department_id"].fillna("")})
    return f.loc[key.sort_values(["severity", "scope", "department"], kind="stable").index]


def top_anomalies(pf, *, limit: int = 30) -> HTML:
    """重点问题: every error of every department, grouped by department (never truncated: an error
    is what a reviewer must see), then the warnings and hints, cross-department ones first, up to
    ``limit`` rows, with a count of what is not shown."""
    f = rank_findings(pf)
    names = pf.departments.set_index("id")["name"].to_dict()

    def row(r) -> list[str]:
        who = (names.get(r.department_id, r.department_id) if isinstance(r.department_id, str)
               else f"全区（{r.region or NO_REGION}）")
        return [SEVERITY_LABELS[r.severity], who, r.message, r.label]

    errors, rest = f[f["severity"] == "error"], f[f["severity"] != "error"]
    shown = rest.head(limit)
    parts = [f"<p class='evalkit-note'>错误共{len(errors)}项，全部列出（按部门排列）；"
             f"警告和提示共{len(rest)}项，" + (f"列出前{len(shown)}项，另有{len(rest) - len(shown)}项"
                                               f"（{_by_severity(rest.iloc[len(shown):])}）未列出，见各部门附件。"
                                               if len(rest) > len(shown) else "全部列出。") + "</p>"]
    headers = ["严重程度", "部门", "问题与依据", "问题类型"]
    if len(errors):
        parts.append(html_table(headers, [row(r) for r in errors.itertuples()], classes="evalkit-table"))
    if len(shown):
        parts.append(html_table(headers, [row(r) for r in shown.itertuples()], classes="evalkit-table"))
    return HTML("".join(parts))


def _by_severity(f: pd.DataFrame) -> str:
    counts = f["severity"].value_counts()
    return "、".join(f"{SEVERITY_LABELS[s]}{int(counts[s])}项" for s in SEVERITIES if s in counts)


def provenance(pf) -> HTML:
    """Every input file with its sha256, so the overview can be reproduced."""
    rows, seen = [], set()
    for ev in pf.evaluations.values():
        for path, digest in ev.provenance.get("inputs", {}).items():
            if path not in seen:
                seen.add(path)
                rows.append([path, digest])
    first = next(iter(pf.evaluations.values()), None)
    versions = ""
    if first is not None:
        p = first.provenance
        versions = (f"<p>evalkit {p.get('evalkit', '')}，Python {p.get('python', '')}；"
                    + "，".join(f"{k} {v}" for k, v in p.get("packages", {}).items())
                    + f"；生成日期：{generated_date(p)}</p>")
    return HTML(html_table(["输入文件", "SHA-256"], sorted(rows), classes="evalkit-table evalkit-mono") + versions)


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
