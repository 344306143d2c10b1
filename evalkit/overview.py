"""What the district overview notebook shows: one displayable block per function.

Every figure comes from a ``Portfolio``; nothing here computes a score.
"""

from __future__ import annotations

import numpy as np
from IPython.display import HTML, Image, Markdown  # noqa: F401  (Image: return type)
from matplotlib.figure import Figure

from .charts import BLUE, GREY, ORANGE, RED, to_png
from .findings import SEVERITY_LABELS
from .fonts import use_cjk_font
from .numbers import fmt, fmt_pct
from .present import _md, _table, chart_image


def header(pf, *, year) -> Markdown:
    d = pf.departments
    lines = [f"# {year} 年度部门整体支出绩效自评 · 全区总览", ""]
    if bool(d["sample"].any()):
        lines += ["> **示例数据**：本总览包含虚构的示例部门，仅用于演示，不代表任何真实部门。", ""]
    complete = int(d["complete"].sum())
    lines += [f"- 部门数：{len(d)}（得分可完整计算 {complete} 个，因缺少完成值只能给出区间 {len(d) - complete} 个）",
              f"- 发现问题：错误 {int(d['errors'].sum())} 项、警告 {int(d['warnings'].sum())} 项、"
              f"提示 {int(d['infos'].sum())} 项；跨部门问题 {len(pf.portfolio_findings)} 项"]
    if pf.invalid:
        lines.append(f"- 无法读取的参数文件 {len(pf.invalid)} 个：" + "、".join(_md(p) for p, _ in pf.invalid))
    return Markdown("\n".join(lines))


def departments_table(pf) -> HTML:
    d = pf.departments.sort_values(["score_min", "score_max"], ascending=False)
    rows = []
    for r in d.itertuples():
        score = fmt(r.score_min) if r.complete else f"[{fmt(r.score_min)}, {fmt(r.score_max)}]"
        grade = r.grade if r.complete else (r.grade_min if r.grade_min == r.grade_max else f"{r.grade_min} ~ {r.grade_max}")
        reported = fmt(r.reported_score)
        rows.append([r.name, score, grade, reported, fmt_pct(r.execution_rate), fmt_pct(r.adjustment_rate),
                     fmt_pct(r.december_share),
                     int(r.errors), int(r.warnings), int(r.infos)])
    return HTML(_table(["部门", "得分", "评价等级", "自评得分", "预算执行率", "预算调整率", "12月支付占比", "错误", "警告", "提示"],
                       rows, numeric={1, 3, 4, 5, 6, 7, 8, 9}, classes="evalkit-table evalkit-wide"))


def grade_chart(pf) -> Image:
    """How many departments fall in each grade (intervals counted at both ends)."""
    use_cjk_font()
    d = pf.departments
    labels = d.apply(lambda r: r.grade if r.complete else (r.grade_min if r.grade_min == r.grade_max
                                                            else f"{r.grade_min}~{r.grade_max}"), axis=1)
    counts = labels.value_counts()
    fig = Figure(figsize=(7, 3.2))
    ax = fig.subplots()
    ax.bar(range(len(counts)), counts.values, color=BLUE)
    ax.set_xticks(range(len(counts)), counts.index, fontsize=9)
    for x, v in enumerate(counts.values):
        ax.text(x, v, str(v), ha="center", va="bottom", fontsize=9)
    ax.set_ylabel("部门数")
    ax.set_title("评价等级分布（得分为区间的部门按“下限~上限”统计）")
    fig.tight_layout()
    return chart_image(to_png(fig), "评价等级分布")


def reported_vs_computed_chart(pf) -> Image:
    """Each department's computed score (or interval) against the score it reported."""
    use_cjk_font()
    d = pf.departments.sort_values("score_min").reset_index(drop=True)
    fig = Figure(figsize=(7.5, 1.2 + 0.28 * len(d)))
    ax = fig.subplots()
    ys = np.arange(len(d))
    ax.hlines(ys, d["score_min"], d["score_max"], color=GREY, linewidth=4, label="计算得分区间")
    ax.plot(d["score_min"], ys, "o", color=BLUE, markersize=4, label="计算得分（下限）")
    has = d["reported_score"].notna()
    ax.plot(d.loc[has, "reported_score"], ys[has.values], "x", color=RED, markersize=6, label="自评得分")
    ax.set_yticks(ys, d["name"], fontsize=7)
    ax.set_xlabel("得分")
    ax.set_title("自评得分与按规则计算的得分")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return chart_image(to_png(fig), "自评得分与按规则计算的得分")


def execution_score_chart(pf) -> Image:
    use_cjk_font()
    d = pf.departments
    fig = Figure(figsize=(7, 4))
    ax = fig.subplots()
    rate = d["execution_rate"] * 100
    ax.errorbar(rate, (d["score_min"] + d["score_max"]) / 2, yerr=(d["score_max"] - d["score_min"]) / 2,
                fmt="o", color=BLUE, ecolor=GREY, markersize=5, capsize=2)
    for r, s, name in zip(rate, d["score_min"], d["name"], strict=True):
        ax.annotate(name[:6], (r, s), fontsize=6, xytext=(3, -8), textcoords="offset points")
    ax.axvline(90, color=ORANGE, linestyle=":", linewidth=1)
    ax.set_xlabel("预算执行率（%）")
    ax.set_ylabel("得分（区间取中点，竖线为区间）")
    ax.set_title("预算执行率与绩效得分")
    fig.tight_layout()
    return chart_image(to_png(fig), "预算执行率与绩效得分")


def payment_curves_chart(pf) -> Image | Markdown:
    m = pf.monthly
    if m.empty:
        return Markdown("（没有部门提供月度支付数据。）")
    use_cjk_font()
    fig = Figure(figsize=(7.5, 4))
    ax = fig.subplots()
    flagged = set(pf.findings.loc[pf.findings["id"].isin(["budget.year_end_spike", "portfolio.outlier_december_share"]),
                                  "department_id"])
    for dept, group in m.groupby("department_id"):
        hot = dept in flagged
        ax.plot(group["month"], group["against_budget"] * 100, color=RED if hot else BLUE,
                alpha=0.9 if hot else 0.25, linewidth=1.6 if hot else 1)
    months = list(range(1, 13))
    ax.plot(months, [x / 12 * 100 for x in months], color="black", linestyle="--", label="序时进度")
    ax.plot([], [], color=RED, label="年末突击支出的部门")
    ax.plot([], [], color=BLUE, alpha=0.4, label="其他部门")
    ax.set_xticks(months, [f"{x}月" for x in months], fontsize=8)
    ax.set_ylabel("累计支付进度（占全年预算数，%）")
    ax.set_title("各部门累计支付进度与序时进度")
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    return chart_image(to_png(fig), "各部门累计支付进度与序时进度")


def findings_heatmap(pf) -> Image | Markdown:
    f = pf.findings
    if f.empty:
        return Markdown("（未发现问题。）")
    use_cjk_font()
    table = f.pivot_table(index="department_id", columns="id", values="severity", aggfunc="count", fill_value=0)
    names = pf.departments.set_index("id")["name"]
    fig = Figure(figsize=(max(7.5, 0.28 * len(table.columns) + 3), 1.5 + 0.26 * len(table)))
    ax = fig.subplots()
    ax.imshow(table.values > 0, cmap="Oranges", aspect="auto", vmin=0, vmax=1.4)
    ax.set_xticks(range(len(table.columns)), table.columns, rotation=70, ha="right", fontsize=6)
    ax.set_yticks(range(len(table)), [names.get(i, i) for i in table.index], fontsize=7)
    for (y, x), v in np.ndenumerate(table.values):
        if v:
            ax.text(x, y, str(v), ha="center", va="center", fontsize=6)
    ax.set_title("部门 × 问题类型（数字为问题数）")
    fig.tight_layout()
    return chart_image(to_png(fig, dpi=130), "部门 × 问题类型")


def top_anomalies(pf, *, limit: int = 30) -> HTML:
    """Portfolio findings first, then department errors and warnings, with evidence."""
    f = pf.findings.copy()
    names = pf.departments.set_index("id")["name"].to_dict()
    rank = {"error": 0, "warning": 1, "info": 2}
    f["order"] = f["severity"].map(rank) + (f["scope"] != "portfolio") * 0.5
    f = f.sort_values(["order", "department_id"]).head(limit)
    rows = [[SEVERITY_LABELS[r.severity], names.get(r.department_id, r.department_id or "全区"),
             r.message, r.id] for r in f.itertuples()]
    return HTML(_table(["严重程度", "部门", "问题与依据", "问题类型"], rows, classes="evalkit-table"))


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
                    + f"；生成时间（UTC）{p.get('generated_at', '')}</p>")
    return HTML(_table(["输入文件", "SHA-256"], sorted(rows), classes="evalkit-table evalkit-mono") + versions)
