"""Charts for the appendix: matplotlib figures with Chinese labels, returned as PNG bytes.

Figures are built with ``matplotlib.figure.Figure`` (not pyplot), so nothing is shown twice and
no global state leaks between departments in a long-lived worker.
"""

from __future__ import annotations

import io
from collections import OrderedDict

from matplotlib.figure import Figure

from ..core.evaluation import Evaluation
from ..core.numbers import fmt_pct
from .fonts import use_cjk_font

BLUE, ORANGE, GREY, RED = "#2f6db5", "#e08a2c", "#b8bec6", "#c0392b"


def chart_image(png: bytes, alt: str):
    """A chart as a displayable image with its alternative text (read by screen readers, kept in
    the appendix HTML by the template)."""
    from IPython.display import Image

    return Image(data=png, format="png", metadata={"alt": alt})


def to_png(fig: Figure, *, dpi: int = 150) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    return buf.getvalue()


def titled_png(fig: Figure, ax, title: str, *, legend: int = 8) -> bytes:
    """How every chart ends: its title, the legend above the axes, a tight layout, the PNG."""
    fig.suptitle(title, fontsize=11)
    legend_above(ax, fontsize=legend)
    fig.tight_layout()
    return to_png(fig)


def budget_chart(ev: Evaluation) -> bytes:
    """全年预算数 vs 全年执行数 per line and in total, with each 预算执行率 printed."""
    use_cjk_font()
    b = ev.budget
    names = [line.name for line in b.lines] + ["合计"]
    adjusted = [float(line.adjusted) for line in b.lines] + [float(b.adjusted)]
    executed = [float(line.executed) for line in b.lines] + [float(b.executed)]
    rates = [line.execution_rate for line in b.lines] + [b.execution_rate]
    fig = Figure(figsize=(7.5, 0.9 + 0.75 * len(names)))
    ax = fig.subplots()
    ys = range(len(names))
    ax.barh([y + 0.2 for y in ys], adjusted, height=0.38, color=GREY, label="全年预算数")
    ax.barh([y - 0.2 for y in ys], executed, height=0.38, color=BLUE, label="全年执行数")
    for y, value, r in zip(ys, executed, rates, strict=True):
        ax.text(value, y - 0.2, f" {fmt_pct(r)}", va="center", fontsize=9)
    ax.set_yticks(list(ys), names)
    ax.invert_yaxis()
    ax.set_xlabel(f"金额（{ev.params.unit}）")
    ax.margins(x=0.15)
    return titled_png(fig, ax, "预算执行情况：全年预算数与全年执行数", legend=9)


def loss_chart(ev: Evaluation) -> bytes:
    """Points per goal: earned, lost, and not verifiable (no actual reported)."""
    use_cjk_font()
    goals: OrderedDict[str, list[float]] = OrderedDict()
    for s in ev.indicator_scores:
        earned, lost, unknown = goals.setdefault(s.goal, [0.0, 0.0, 0.0])
        if s.scored:
            goals[s.goal] = [earned + float(s.score), lost + float(s.weight - s.score), unknown]
        else:
            goals[s.goal] = [earned, lost, unknown + float(s.weight)]
    names = list(goals)
    fig = Figure(figsize=(7.5, 1.0 + 0.42 * len(names)))
    ax = fig.subplots()
    ys = list(range(len(names)))
    earned, lost, unknown = ([v[i] for v in goals.values()] for i in range(3))
    ax.barh(ys, earned, color=BLUE, label="已得分")
    ax.barh(ys, lost, left=earned, color=RED, label="失分")
    ax.barh(ys, unknown, left=[e + lo for e, lo in zip(earned, lost, strict=True)], color=GREY,
            hatch="//", edgecolor="white", label="未填报完成值（无法核实）")
    ax.set_yticks(ys, [wrap_label(n) for n in names], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("分值")
    return titled_png(fig, ax, "各绩效目标得分与失分")


def monthly_chart(ev: Evaluation) -> bytes | None:
    """Cumulative payment progress against the time schedule (序时进度 = month / 12)."""
    profile = ev.monthly
    if profile is None:
        return None
    use_cjk_font()
    t = profile.table
    adjusted = float(ev.budget.adjusted) or 1.0
    progress = [0.0 if v is None else v * 100 for v in t["against_budget"]]
    fig = Figure(figsize=(7.5, 3.6))
    ax = fig.subplots()
    ax.plot(t["month"], t["schedule"] * 100, color=GREY, linestyle="--", label="序时进度")
    ax.plot(t["month"], progress, color=BLUE, marker="o", label="累计支付进度（占全年预算数）")
    ax.bar(t["month"], t["executed"] / adjusted * 100, color=ORANGE, alpha=0.5, label="当月支付（占全年预算数）")
    ax.set_xticks(list(t["month"]), [f"{m}月" for m in t["month"]], fontsize=8)
    ax.set_ylabel("%")
    ax.set_ylim(0, max(105, max(progress) + 5))
    return titled_png(fig, ax, "月度支付进度与序时进度")


#: Where a Chinese label may break: after these marks (and before an opening bracket).
_BREAK_AFTER = "、，,；;：:）)》」”—·/ "


def wrap_label(text: str, size: int = 12) -> str:
    """A long Chinese label over several lines, broken after punctuation where it can be (at most
    ``size`` characters a line), never in the middle of a bracketed part when a break outside it fits.

    >>> print(wrap_label("党工委、党政办公文秘、文件管理工作"))
    党工委、党政办公文秘、
    文件管理工作
    >>> wrap_label("短名称")
    '短名称'
    """
    lines = []
    while len(text) > size:
        cut = max((i + 1 for i, ch in enumerate(text[:size]) if ch in _BREAK_AFTER), default=0)
        cut = cut or max((i for i, ch in enumerate(text[:size]) if ch in "（(《“" and i > 0), default=0) or size
        lines.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return "\n".join([*lines, text]) if text else "\n".join(lines)


def legend_above(ax, *, fontsize: int = 8) -> None:
    """The legend above the plotting area, never over the data, and only for what was drawn (a
    series with nothing to show has no entry)."""
    handles, labels = [], []
    for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
        patches = getattr(handle, "patches", None)
        if patches is not None and not any(p.get_width() * p.get_height() for p in patches):
            continue
        handles.append(handle)
        labels.append(label)
    if handles:
        ax.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(handles),
                  frameon=False, fontsize=fontsize)
