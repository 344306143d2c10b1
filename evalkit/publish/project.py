"""The 项目支出绩效自评表's pages: the table itself as HTML, Word and PDF (the unit's document, in its
voice), the blocks of each project's appendix, ``notebooks/project.ipynb`` (the finance bureau's reading
of it: scores, findings, evidence, 整改建议), and the 项目 section of its department's appendix.

>>> ev = evaluate("params/demo-health-bureau-2023.yaml")          # doctest: +SKIP
>>> "卫生应急宣传培训经费" in projects_block(ev).data               # doctest: +SKIP
True
"""

from __future__ import annotations

import io
from html import escape

from IPython.display import HTML, Markdown

from .. import outputs
from ..core.evaluation import Evaluation, project_folder_name
from ..core.model import DIRECTION_LABELS
from ..core.numbers import fmt, fmt_pct, fmt_plain
from ..core.review import quantity
from ..core.sample import is_sample_region
from ..core.wording import finding_label, tidy
from ..iorw import reproducible_office
from .markup import html_table, link, markdown

PROJECTS_DIR = outputs.PROJECTS_DIR
TABLE_TITLE = "项目支出绩效自评表"
FUNDS_HEADERS = ("项目资金（万元）", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分")
_STYLE = """<style>
@page { size: A4; margin: 18mm 15mm; }
body { font-family: "Noto Sans CJK SC", "Noto Serif CJK SC", sans-serif; font-size: 10.5pt; line-height: 1.5; }
h1 { font-size: 16pt; text-align: center; } h2 { font-size: 13pt; } h3 { font-size: 11pt; }
table { border-collapse: collapse; width: 100%; margin: 6pt 0; }
td, th { border: 1px solid #808080; padding: 2pt 4pt; vertical-align: middle; }
th { background: #DCE6F1; } td.num { text-align: right; } .note { color: #555; font-size: 9pt; }
</style>"""


def _project_name(ev: Evaluation) -> str:
    return ev.params.project.name


def _rows(ev: Evaluation) -> list[list]:
    """The 项目资金 rows: 年度资金总额 then the 其中 rows (no 分值 or 得分 on those)."""
    b, res = ev.params.budget, ev.budget
    initial = fmt(b.initial) if b.initial is not None else ""
    rows = [["年度资金总额", initial, fmt(b.adjusted), fmt(b.executed), fmt_plain(ev.scheme.execution_weight),
             fmt_pct(res.execution_rate), fmt(res.execution_score)]]
    for i, s in enumerate(b.sources):
        rate = fmt_pct(s.executed / s.adjusted) if s.adjusted else "—"
        rows.append([("其中：" if i == 0 else "") + s.name, fmt(s.initial) if s.initial is not None else "",
                     fmt(s.adjusted), fmt(s.executed), "—", rate, "—"])
    return rows


def _tables(ev: Evaluation) -> tuple[list, list]:
    """The 自评表's tables in the form's order, each ``(headers, rows, numeric columns)``: those above the
    reason for low execution (项目, 项目资金) and those below it (年度总体目标, 绩效指标 and 总分)."""
    p, d = ev.params.project, ev.params.department
    rows = [[s.indicator.tier or "", s.indicator.level2 or "", s.indicator.name, _target(s.indicator),
             _value(s.indicator.actual, s.indicator.unit), fmt(s.weight), fmt(s.score) if s.score is not None else "",
             s.indicator.deviation or ""] for s in ev.indicator_scores]
    rows.append(["总分", "", "", "", "", fmt(sum(s.weight for s in ev.indicator_scores) + ev.budget.execution_weight),
                 ev.score_text(), f"评价等级：{ev.grade_text()}"])
    return ([(["项目名称", "主管部门", "实施单位", "项目负责人"], [[p.name, d.name, p.implementer or "", p.manager or ""]], ()),
             (FUNDS_HEADERS, _rows(ev), {1, 2, 3, 4, 5, 6})],
            [(["年度总体目标", "预期目标", "实际完成情况"], [[g.name, g.objective or "", g.outcome or ""] for g in ev.params.goals],
              ()),
             (["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"], rows,
              {5, 6})])


def table_html(ev: Evaluation) -> str:
    """The 自评表 as an HTML fragment in the form's order (the unit's own figures and words)."""
    above, below = _tables(ev)
    parts = [f"<h1>{TABLE_TITLE}</h1>", f"<p style='text-align:center'>（{ev.params.department.year}年度）</p>",
             *(html_table(headers, rows, numeric=numeric) for headers, rows, numeric in above)]
    if ev.params.budget.deviation:
        parts.append(f"<p>执行率低于90%的原因：{escape(ev.params.budget.deviation)}</p>")
    parts += [*(html_table(headers, rows, numeric=numeric) for headers, rows, numeric in below),
              f"<p class='note'>{escape('；'.join(ev.scheme.band_texts()))}</p>"]
    return "".join(parts)


def _target(ind) -> str:
    """年度指标值 as the form prints it: ``≥90%``; a qualitative target as written."""
    text = _value(ind.target, ind.unit)
    return text if ind.direction == "qualitative" else f"{DIRECTION_LABELS[ind.direction]}{text}"


def _value(value, unit: str | None) -> str:
    return "" if value is None else quantity(value, unit)


def table_page(ev: Evaluation) -> str:
    """The 自评表 as a self-contained A4 HTML page (for the PDF)."""
    return (f"<!DOCTYPE html><html lang='zh'><head><meta charset='utf-8'><title>{escape(_project_name(ev))}"
            f" {TABLE_TITLE}</title>{_STYLE}</head><body>{table_html(ev)}</body></html>")


def table_pdf(ev: Evaluation) -> bytes:
    from .exporters import render_pdf

    return render_pdf(table_page(ev))


def table_xlsx(ev: Evaluation) -> bytes:
    """The 自评表 as ``项目支出绩效自评表.xlsx`` (:mod:`evalkit.workbook.project`)."""
    from ..workbook.project import render_project_workbook

    return render_project_workbook(ev)


def table_docx(ev: Evaluation) -> bytes:
    """The 自评表 as a Word document: the same rows as the HTML, one Word table per block."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm, Pt

    document = Document()
    section = document.sections[0]
    section.orientation, section.page_width, section.page_height = WD_ORIENT.LANDSCAPE, Mm(297), Mm(210)
    style = document.styles["Normal"]
    style.font.name, style.font.size = "宋体", Pt(10.5)
    style.element.rPr.rFonts.set("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia", "宋体")
    document.add_heading(TABLE_TITLE, level=1)
    document.add_paragraph(f"（{ev.params.department.year}年度）")
    above, below = _tables(ev)
    for headers, rows, _ in above:
        _docx_table(document, headers, rows)
    if ev.params.budget.deviation:
        document.add_paragraph(f"执行率低于90%的原因：{ev.params.budget.deviation}")
    for headers, rows, _ in below:
        _docx_table(document, headers, rows)
    document.add_paragraph("；".join(ev.scheme.band_texts()))
    out = io.BytesIO()
    document.save(out)
    return reproducible_office(out.getvalue(), ev.provenance.get("generated_at"))


def _docx_table(document, headers: list[str], rows: list[list]) -> None:
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = text
    for values in rows:
        for cell, value in zip(table.add_row().cells, values, strict=True):
            cell.text = str(value)


# --- the finance bureau's pages ----------------------------------------------------------------

def header(ev: Evaluation) -> Markdown:
    """The project appendix's title (the page's running header) and who filed the table: the
    first block of ``notebooks/project.ipynb``, the finance bureau's reading of one project table."""
    d, p = ev.params.department, ev.params.project
    counts = ev.severity_counts()
    lines = [markdown("# {}", f"{p.name}{d.year}年度项目支出绩效自评复核附件"), ""]
    if is_sample_region(d.region):
        lines += ["> **示例数据**：本附件由虚构的示例数据生成，仅用于演示，不代表任何真实项目。", ""]
    lines += [markdown("- 项目名称：{}", p.name) + (markdown("（项目编码{}）", p.code) if p.code else ""),
              markdown("- 主管部门：{}；实施单位：{}", d.name, p.implementer or d.name)
              + (markdown("；项目负责人：{}", p.manager) if p.manager else ""),
              markdown("- 评价年度：{}年；金额单位：{}", d.year, ev.params.unit),
              markdown("- 复核得分：**{}**分　评价等级：**{}**　发现问题：错误{}项、警告{}项、提示{}项",
                       ev.score_text(), ev.grade_text(), counts["error"], counts["warning"], counts["info"])]
    return Markdown("\n".join(lines))


def funds_block(ev: Evaluation) -> HTML:
    """一、项目资金: the form's funds rows recomputed, how the execution score came, and the reason the
    table gives for execution below 90 %."""
    parts = [html_table(FUNDS_HEADERS, _rows(ev), numeric={1, 2, 3, 4, 5, 6}),
             f"<p class='evalkit-note'>{escape(tidy(ev.budget.trails.get('execution_score', '')))}</p>"]
    if ev.params.budget.deviation:
        parts.append(f"<p>自评表说明的执行率低于90%的原因：{escape(ev.params.budget.deviation)}</p>")
    return HTML("".join(parts))


def goals_block(ev: Evaluation) -> HTML | Markdown:
    """二、年度总体目标: 预期目标 beside 实际完成情况, as the table states them."""
    goals = [[g.name, g.objective or "未填写", g.outcome or "未填写"] for g in ev.params.goals]
    if not goals:
        return Markdown("（自评表未填写年度总体目标。）")
    return HTML(html_table(["年度总体目标", "预期目标", "实际完成情况"], goals))


def score_block(ev: Evaluation) -> HTML:
    """四、得分与评价等级: the recomputed score and grade, what the table claimed, and which band table graded it."""
    rep = ev.params.reported
    claimed = "".join([f"自评表填报得分{fmt(rep.score)}分。" if rep.score is not None else "",
                       f"自评表填报等级为“{escape(rep.grade)}”。" if rep.grade else ""])
    return HTML(f"<p>复核得分{escape(ev.score_text())}分，评价等级为“{escape(ev.grade_text())}”。{claimed}</p>"
                f"<p>{escape(tidy(ev.grade.trail))}。</p>")


def projects_block(ev: Evaluation) -> HTML:
    """The 项目 section of a department's appendix: each project table received, with its recomputed
    score, grade, execution and findings, linked to its own appendix; then how many were received."""
    projects = ev.project_evaluations
    if not projects:
        return HTML("<p>本部门未报送项目支出绩效自评表。</p>")
    rows = []
    for p in projects:
        counts = p.severity_counts()
        labels = "、".join(dict.fromkeys(finding_label(f.id) for f in p.finding_items)) or "未发现问题"
        href = f"{PROJECTS_DIR}/{project_folder_name(p.params)}/appendix.html"
        rows.append([link(href, _project_name(p)), fmt(p.params.budget.adjusted),
                     fmt(p.params.budget.executed), fmt_pct(p.budget.execution_rate), p.score_text(), p.grade_text(),
                     p.params.reported.grade or "—",
                     f"{counts['error']}项错误，{counts['warning']}项警告：{labels}" if any(counts.values()) else labels])
    table = html_table(["项目名称", "全年预算数", "全年执行数", "执行率", "复核得分", "评价等级", "自评等级", "发现的问题"],
                       rows, numeric={1, 2, 3, 4})
    line = next((ln for ln in ev.params.budget.lines if ln.kind == "project"), None)
    received = len(projects)
    if line is not None and line.count is not None and received < line.count:
        note = (f"部门报告专项预算项目{line.count}个，本次收到其中{received}个项目的自评表；项目资金只核对所收到的项目"
                "不超过部门项目支出、与项目明细表一致，未按全部项目核对合计数。")
    else:
        note = f"收到项目自评表{received}个，项目资金合计已与部门项目支出逐项核对。"
    rolled = [f for f in ev.finding_items if f.id.startswith("project.")]
    parts = [table, f"<p>{escape(note)}</p>"]
    if rolled:
        parts.append("<p>项目自评表与部门数据核对发现的问题：</p><ol>"
                     + "".join(f"<li>{escape(f.message)}</li>" for f in rolled) + "</ol>")
    return HTML("".join(parts))


def overview_block(pf, *, limit: int = 30) -> HTML:
    """The 项目 section of the district overview: per department, the project tables received (of how
    many its line counts), their scores and grades, and the problems the tables and the roll-up show;
    the ``limit`` departments with most problems (a province's overview stays a few pages)."""
    rows = []
    for dept_id, ev in pf.evaluations.items():
        projects = ev.project_evaluations
        if not projects:
            continue
        line = next((ln for ln in ev.params.budget.lines if ln.kind == "project"), None)
        received = f"{len(projects)}/{line.count}" if line is not None and line.count is not None else str(len(projects))
        scores = "、".join(f"{_project_name(p)}{p.score_text()}分（{p.grade_text()}）" for p in projects)
        problems = sum(len(p.finding_items) for p in projects)
        rolled = [f for f in ev.finding_items if f.id.startswith("project.")]
        words = "；".join(f.message for f in rolled) or "—"
        rows.append((len(rolled) + problems, [link(f"{dept_id}/appendix.html", ev.department.name), received, scores,
                                              f"{problems}项" if problems else "无", words]))
    if not rows:
        return HTML("<p>各部门均未报送项目支出绩效自评表。</p>")
    shown = [r for _, r in sorted(rows, key=lambda x: -x[0])[:limit]] if len(rows) > limit else [r for _, r in rows]
    more = (f"<p>报送项目自评表的部门共{len(rows)}个，按问题多少列出前{len(shown)}个，另有{len(rows) - len(shown)}个部门未列出；"
            "各部门的项目自评表见其计算附件。</p>") if len(shown) < len(rows) else ""
    return HTML(more + html_table(["部门", "收到的项目自评表", "项目得分与等级", "项目自评表的问题", "与部门数据核对的问题"],
                                  shown, numeric={1}))


__all__ = ["PROJECTS_DIR", "funds_block", "goals_block", "header", "overview_block", "projects_block",
           "score_block", "table_docx", "table_html", "table_page", "table_pdf", "table_xlsx"]
