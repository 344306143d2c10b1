"""The report draft: 自评报告.docx and its HTML twin, in the worked example's structure."""

from __future__ import annotations

import io
import re
from pathlib import Path

import docx
import pytest
import yaml
from conftest import ROOT, WORKED
from docx.oxml.ns import qn
from docx.shared import Pt
from lxml import etree
from pypdf import PdfReader

import evalkit
from evalkit import outputs
from evalkit.publish import index
from evalkit.publish.documents import write_documents
from evalkit.publish.draft import build_draft
from evalkit.publish.exporters import external_resources, render_pdf
from evalkit.publish.written import MISSING, Numbering, WrittenParagraph, chinese_numeral
from evalkit.publish.written_docx import DocxFonts, render_docx
from evalkit.publish.written_html import render_html

CLEAN = ROOT / "tests" / "fixtures" / "findings" / "clean.yaml"
SECTIONS = ["一、部门基本情况", "二、自评工作开展情况", "三、绩效目标实现情况及指标分析", "四、评价结论和评价等级",
            "五、存在的问题及改进措施", "六、评价工作组"]
NARRATIVE = {
    "summary": "负责示例事务的综合协调。",
    "duties": ["承办示例事务甲。", "承办示例事务乙。"],
    "organisation": ["成立自评小组，收集资料。"],
    "method": ["逐项核对资料后打分。"],
    "achievements": ["全年完成各项示例任务。"],
    "conclusion": "管理规范，目标基本实现。",
    "problems": ["预算编制精细化不足。"],
    "measures": ["加强预算编制论证。"],
    "team": [{"role": "组长", "name": "张三", "title": "示例办公室主任"}, {"role": "组员", "name": "李四"}],
}


def docx_text(path: Path) -> str:
    """Every paragraph and table cell, in document order."""
    document = docx.Document(str(path))
    lines = []
    for element in document.element.body.iterchildren():
        if element.tag.endswith("}p"):
            lines.append("".join(t.text or "" for t in element.iter() if t.tag.endswith("}t")))
        elif element.tag.endswith("}tbl"):
            for row in element.iter():
                if row.tag.endswith("}tr"):
                    lines.append("\t".join("".join(t.text or "" for t in cell.iter() if t.tag.endswith("}t"))
                                           for cell in row if cell.tag.endswith("}tc")))
    return "\n".join(lines)


def evaluate_mapping(tmp_path: Path, mutate) -> evalkit.Evaluation:
    data = yaml.safe_load(CLEAN.read_text(encoding="utf-8"))
    mutate(data)
    path = tmp_path / "department.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return evalkit.evaluate(path)


@pytest.fixture(scope="module")
def worked_files(worked, tmp_path_factory):
    folder = tmp_path_factory.mktemp("documents")
    return write_documents(worked, folder, outputs.DOCUMENT_FORMATS)


@pytest.fixture(scope="module")
def worked_text(worked_files):
    return docx_text(worked_files["docx"])


@pytest.fixture
def without_narrative(tmp_path):
    """The worked example with its narrative block and report date removed."""
    text = WORKED.read_text(encoding="utf-8").split("\nnarrative:")[0]
    text = re.sub(r"^  report_date: .*$", "", text, flags=re.MULTILINE)
    path = tmp_path / "missing_narrative.yaml"
    path.write_text(text, encoding="utf-8")
    return evalkit.evaluate(path)


def test_write_documents_writes_both_voices_and_the_table(worked_files):
    expected = [o for o in outputs.DEPARTMENT if o.writer == "documents"]
    assert {k: p.name for k, p in worked_files.items()} == {o.kind: o.filename for o in expected}
    assert {"自评报告.docx", "自评报告.html", "自评报告.pdf", "复核意见书.docx", "复核意见书.html", "复核意见书.pdf",
            "绩效自评表.xlsx"} == {o.filename for o in expected}
    folder = worked_files["docx"].parent
    assert sorted(p.name for p in folder.iterdir()) == sorted(o.filename for o in expected)


def test_unknown_format_is_refused_before_anything_is_written(worked, tmp_path):
    with pytest.raises(ValueError, match="ipynb"):
        write_documents(worked, tmp_path / "out", ["docx", "ipynb"])
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("fmt", ["html", "pdf", "docx"])
def test_each_format_writes_one_file_type_the_same_bytes(worked, worked_files, fmt, tmp_path):
    """``docx`` no longer brings the .html and .pdf along: each format writes its own file type of both
    documents, byte for byte the files all formats write."""
    written = write_documents(worked, tmp_path, [fmt])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(o.filename for o in outputs.DEPARTMENT
                                                                if o.writer == "documents" and o.format == fmt)
    assert {p.suffix for p in written.values()} == {f".{fmt}"}
    for kind, path in written.items():
        assert path.read_bytes() == worked_files[kind].read_bytes(), path.name


def test_docx_has_each_section_heading_once_in_order(worked_files, worked_text):
    document = docx.Document(str(worked_files["docx"]))
    level1 = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert level1 == SECTIONS
    positions = [worked_text.index(s) for s in SECTIONS]
    assert positions == sorted(positions)
    for section in SECTIONS:
        assert worked_text.count(section) == 1, section


def test_docx_title_is_centred_first_paragraph(worked_files):
    first = docx.Document(str(worked_files["docx"])).paragraphs[0]
    assert first.text == "党政办公室2023年度\n整体支出绩效自评报告"  # broken after the unit and year, not anywhere
    assert first.style.paragraph_format.alignment == 1  # WD_ALIGN_PARAGRAPH.CENTER


@pytest.mark.parametrize("figure", ["8779.84", "9593.18", "9565.63", "99.71%", "3484.29", "3483.94", "99.99%",
                                    "6108.89", "6081.69", "99.55%", "85个", "9.97分至99.97分", "9.97"])
def test_docx_states_the_worked_example_figures(worked_text, figure):
    assert figure in worked_text


def test_budget_paragraph_reads_like_the_worked_example(worked_text):
    assert ("2023年，我部门年初预算安排8779.84万元，调整预算数9593.18万元，截至12月底，共支付完成"
            "9565.63万元，预算执行率99.71%。其中人员及公用经费预算调整金额3484.29万元，截至12月底共完成"
            "3483.94万元，预算执行率99.99%；专项预算项目85个，预算调整金额6108.89万元，截至12月底共完成"
            "6081.69万元，预算执行率99.55%。") in worked_text


def test_grade_bands_are_written_out_as_the_worked_example_does(worked_text):
    assert ("得分≥85分为优秀；75≤得分<85分为良好；60≤得分<75分为一般；得分<60分为较差"
            in worked_text)
    assert "按可能的得分区间，评价等级在“较差”至“优秀”之间" in worked_text


def test_self_score_is_stated_in_the_departments_voice(worked_text):
    line = next(x for x in worked_text.splitlines() if x.startswith("本部门自评得分"))
    assert line.startswith("本部门自评得分99分，自评等级为“优秀”。")
    assert "【待补充：自评得分、等级与按评分规则计算的结果（9.97分至99.97分）不同，请核对后统一】" in line
    assert "经核对" not in line and "无法核实" not in line


def test_section_four_states_the_score_interval_once(worked_text):
    four = worked_text[worked_text.index(SECTIONS[3]):worked_text.index(SECTIONS[4])]
    assert four.count("总分暂无法确定，可能在9.97分至99.97分之间") == 1, four
    assert "[9.97, 99.97]" not in four


def test_the_draft_carries_no_reviewer_wording(worked, worked_text):
    """Findings belong to the 复核意见书: the department's report states figures and its own words."""
    for phrase in ("经核查", "经核对", "【错误】", "【警告】", "【提示】", "方向自相矛盾", "发现以下问题"):
        assert phrase not in worked_text, phrase
    for finding in worked.finding_items:
        assert finding.id not in worked_text and finding.message not in worked_text
    assert not re.search(r"\b(goals|narrative|reported|budget)[.\[]", worked_text)


def test_goal_numbers_are_generated_and_do_not_repeat(worked):
    """The worked example numbers two goals （十）; the draft numbers them 10. and 11."""
    draft = build_draft(worked)
    level3 = [h.title for h in draft.headings if h.level == 3]
    assert "10. 信息网络与电子政务工作" in level3 and "11. 机关后勤保障工作" in level3
    for parent in ("一", "三"):
        numbers = [h.number for h in _children(draft, f"{parent}、", level=3)]
        assert numbers == [f"{i}. " for i in range(1, 12)]
    for parent in SECTIONS:
        numbers = [h.number for h in _children(draft, parent, level=2)]
        assert numbers == [f"（{chinese_numeral(i)}）" for i in range(1, len(numbers) + 1)]


def _children(draft, prefix: str, *, level: int):
    inside, out = False, []
    for h in draft.headings:
        if h.level == 1:
            inside = h.title.startswith(prefix)
        elif inside and h.level == level:
            out.append(h)
    return out


def test_the_scheme_is_named_by_its_title_without_its_id(worked, worked_text):
    line = next(x for x in worked_text.splitlines() if x.startswith("本次自评按"))
    assert line.startswith("本次自评按“部门整体支出绩效自评（优秀≥85，良好75–85，一般60–75，较差<60）”的评分规则计分")
    assert worked.scheme.id not in worked_text
    assert not re.search(r"[()\[\]]", line), line  # full-width brackets only
    assert "预算执行得分9.97分，即10分×预算执行率99.71%。" in line


@pytest.mark.parametrize("scheme", ["mof-2020", "seed-85-75-60"])
def test_scheme_titles_use_full_width_brackets(scheme):
    title = evalkit.load_scheme(scheme).title
    assert not re.search(r"[()\[\],]", title), title


def test_shortfalls_without_a_reason_ask_for_one():
    draft = build_draft(evalkit.evaluate(ROOT / "params" / "demo-education-bureau-2023.yaml"))
    lines = [b.text for b in draft.blocks
             if isinstance(b, WrittenParagraph) and b.style == "item" and b.text.startswith("“")]
    assert lines
    for line in lines:
        name = line[1:line.index("”")]
        assert line.count(f"“{name}”") == 1, line
        assert line.endswith("【待补充：未达到年度指标值的原因及改进措施】") or "。" in line[len(name) + 3:], line


@pytest.mark.parametrize("params", [WORKED, ROOT / "params" / "demo-culture-tourism-bureau-2023.yaml",
                                    ROOT / "params" / "demo-statistics-bureau-2023.yaml", CLEAN],
                         ids=lambda p: p.stem)
def test_the_body_reads_like_a_government_document(params):
    """No tool jargon in the body (the draft note above the text may name evalkit), no ASCII brackets
    around evalkit's own words, no internal scheme id."""
    ev = evalkit.evaluate(params)
    draft = build_draft(ev)
    body = [b for b in draft.blocks if isinstance(b, WrittenParagraph) and b.style != "note"]
    for block in body:
        assert "evalkit" not in block.text, block.text
        assert ev.scheme.id not in block.text or "评价方案（" in block.text, block.text
    ours = [s.text for b in body for s in b.spans if s.kind in ("strong", "note")]
    for text in ours:
        assert not re.search(r"^\[|\]\s*$", text), text


@pytest.mark.parametrize("params", [p for p in evalkit.paths.params_files([ROOT / "params"]) if p.name.startswith("demo-")],
                         ids=lambda p: p.stem)
def test_the_draft_never_states_two_grades(params):
    """The narrative (总体评价) states no grade of its own that the computed grade could contradict."""
    ev = evalkit.evaluate(params)
    text = build_draft(ev).text()
    four = text[text.index(SECTIONS[3]):text.index("（二）评价得分")]
    assert not re.search(r"\d", four.removeprefix(SECTIONS[3])), four
    assert not any(f"“{g.label}”" in four or f"为{g.label}" in four for g in ev.scheme.grades), four


@pytest.mark.parametrize(("n", "text"), [(1, "一"), (9, "九"), (10, "十"), (11, "十一"), (20, "二十"), (99, "九十九")])
def test_chinese_numerals(n, text):
    assert chinese_numeral(n) == text


def test_numbering_restarts_under_each_parent():
    numbering = Numbering()
    got = [numbering.next(level) for level in (1, 2, 2, 3, 3, 2, 3, 1, 2)]
    assert got == ["一、", "（一）", "（二）", "1. ", "2. ", "（三）", "1. ", "二、", "（一）"]


def test_missing_narrative_shows_placeholders_and_invents_nothing(without_narrative, tmp_path):
    paths = write_documents(without_narrative, tmp_path, ["docx", "html"])
    text = docx_text(paths["docx"])
    html = paths["html"].read_text(encoding="utf-8")
    worked = yaml.safe_load(WORKED.read_text(encoding="utf-8"))["narrative"]
    narrative = [v for v in worked.values() if isinstance(v, str)]
    narrative += [item for v in worked.values() if isinstance(v, list) for item in v]
    for sentence in narrative:
        assert sentence not in text and sentence not in html, sentence
    for what in ("部门主要职责", "自评的组织工作", "自评的方法和过程", "总体绩效目标实现情况", "总体评价",
                 "存在的主要问题", "改进措施", "评价工作组人员名单（职务、姓名、工作单位及职务）", "报告日期"):
        assert f"【{MISSING}：{what}】" in text.splitlines(), what  # a slot of its own, in plain words
    assert not re.search(r"[a-z_]+\.[a-z_]+|goals\[", text), "a parameter key path in the draft"
    assert html.count("<mark class='missing'>【待补充：") == text.count(f"【{MISSING}：")
    for section in SECTIONS:
        assert text.count(section) == 1
    assert "9565.63" in text  # the figures do not depend on the narrative


def test_complete_narrative_leaves_nothing_to_fill_in(tmp_path):
    def complete(data):
        data["narrative"] = NARRATIVE
        for goal in data["goals"]:
            goal["objective"] = "示例目标。"
    ev = evaluate_mapping(tmp_path, complete)
    text = docx_text(write_documents(ev, tmp_path, ["docx"])["docx"])
    assert MISSING not in text
    for item in ("承办示例事务甲。", "成立自评小组，收集资料。", "一是预算编制精细化不足。", "一是加强预算编制论证。",
                 "张三", "示例办公室主任", "2024年5月20日", "总分99.50分。", "按上述得分，评价等级为“优”。",
                 "本部门自评得分99.5分，自评等级为“优”。", "各项指标均达到年度指标值，无偏差。"):
        assert item in text, item
    assert "本稿标注“待补充”之处" not in text


def test_deviation_text_comes_from_the_indicator_or_is_asked_for(tmp_path):
    def short(data):
        data["goals"][0]["indicators"][0]["actual"] = 45
        data["goals"][0]["indicators"][1]["actual"] = 3
        data["goals"][0]["indicators"][1]["deviation"] = "发生一起小事故，已整改。"
    text = build_draft(evaluate_mapping(tmp_path, short)).text()
    assert "“安全事故次数”：发生一起小事故，已整改。" in text
    assert "“公文办结率”：得分系数50.00%，未达到年度指标值。【待补充：未达到年度指标值的原因及改进措施】" in text


def test_sample_department_is_marked_in_both_files(tmp_path):
    ev = evaluate_mapping(tmp_path, lambda d: d["department"].update(region="示例区"))
    paths = write_documents(ev, tmp_path, ["docx", "html"])
    assert "示例数据：本报告由虚构的示例数据生成" in docx_text(paths["docx"])
    assert "示例数据：" in paths["html"].read_text(encoding="utf-8")
    plain = build_draft(evalkit.evaluate(CLEAN)).text()
    assert "示例数据" not in plain


def test_docx_page_is_a4_with_official_margins_and_page_numbers(worked_files):
    document = docx.Document(str(worked_files["docx"]))
    section = document.sections[0]
    mm = [round(x.mm, 1) for x in (section.page_width, section.page_height, section.top_margin,
                                   section.bottom_margin, section.left_margin, section.right_margin)]
    assert mm == [210, 297, 37, 35, 28, 26]
    footer = section.footer.paragraphs[0]._p.xml
    assert "PAGE" in footer and 'w:fldCharType="begin"' in footer


def _east_asia(style):
    fonts = style.element.rPr.rFonts
    return fonts.get(qn("w:eastAsia")), [a for a in fonts.attrib if "Theme" in a or "theme" in a]


def test_docx_declares_the_gongwen_fonts(worked_files):
    """GB/T 9704: 方正小标宋简体 title, 黑体 / 楷体_GB2312 headings, 仿宋_GB2312 body — whatever this
    machine has, each declared with a Noto CJK alternate so it still renders here."""
    document = docx.Document(str(worked_files["docx"]))
    assert _east_asia(document.styles["Normal"]) == ("仿宋_GB2312", [])
    assert _east_asia(document.styles["Report Title"]) == ("方正小标宋简体", [])
    assert _east_asia(document.styles["Heading 1"]) == ("黑体", [])
    assert _east_asia(document.styles["Heading 2"]) == ("楷体_GB2312", [])
    assert _east_asia(document.styles["Heading 3"]) == ("仿宋_GB2312", [])
    assert document.styles["Normal"].font.size == Pt(16)
    assert document.styles["Table Text"].font.size == Pt(10.5)
    table = next(p for p in document.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml").blob
    declared = {f.get(qn("w:name")): f.find(qn("w:altName")).get(qn("w:val"))
                for f in etree.fromstring(table).findall(qn("w:font")) if f.find(qn("w:altName")) is not None}
    assert {name: declared[name] for name in ("方正小标宋简体", "黑体", "楷体_GB2312", "仿宋_GB2312")} == {
        "方正小标宋简体": "Noto Serif CJK SC", "黑体": "Noto Sans CJK SC", "楷体_GB2312": "Noto Serif CJK SC",
        "仿宋_GB2312": "Noto Serif CJK SC"}


def test_other_fonts_can_be_asked_for(worked):
    fonts = DocxFonts(title="宋体", heading="黑体", subheading="楷体", body="仿宋")
    document = docx.Document(io.BytesIO(render_docx(build_draft(worked), fonts=fonts)))
    assert _east_asia(document.styles["Normal"]) == ("仿宋", [])
    assert _east_asia(document.styles["Report Title"]) == ("宋体", [])


def test_missing_placeholders_are_highlighted_in_the_docx(without_narrative, tmp_path):
    document = docx.Document(str(write_documents(without_narrative, tmp_path, ["docx"])["docx"]))
    runs = [r for p in document.paragraphs for r in p.runs if r.text.startswith(f"【{MISSING}：")]
    assert runs and all(r.font.highlight_color is not None for r in runs)


def test_html_twin_is_offline_escaped_and_says_the_same(worked, worked_files, worked_text):
    html = worked_files["html"].read_text(encoding="utf-8")
    assert external_resources(html) == []
    assert not re.search(r"<script|<link|@import|https?://", html)
    assert '<html lang="zh-CN">' in html and "Noto Serif CJK SC" in html and "Noto Sans CJK SC" in html
    for section in SECTIONS:
        assert html.count(section) == 1
    for figure in ("99.71%", "9565.63", "8779.84", "9593.18", "99.99%", "99.55%", "85个", "9.97分至99.97分"):
        assert figure in html


def test_html_escapes_text_from_the_params_file(tmp_path):
    ev = evaluate_mapping(tmp_path, lambda d: d["department"].update(name="<script>alert(1)</script>办公室"))
    html = render_html(build_draft(ev))
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;办公室" in html


@pytest.mark.slow
def test_html_twin_prints_to_a4_pdf_with_chinese_text(worked, worked_files):
    reader = PdfReader(io.BytesIO(render_pdf(worked_files["html"].read_text(encoding="utf-8"))))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    first, second = (reader.pages[i].extract_text() for i in (0, 1))
    assert "党政办公室2023年度整体支出绩效自评报告" in first and "部门基本情况" in first
    assert first.rstrip().endswith("— 1 —") and second.rstrip().endswith("— 2 —")


def test_index_links_the_report_and_the_table(worked_files):
    links = index._links(worked_files["docx"].parent)
    assert list(links) == ["自评报告", "自评报告（HTML）", "自评报告（PDF）", "复核意见书", "复核意见书（HTML）",
                           "复核意见书（PDF）", "自评表"]


# --- two voices, for every department shipped ------------------------------------------------

KEY_PATH = re.compile(r"\b(goals|narrative|reported|budget|department)(\[\d+\]|\.[a-z_]+)")


@pytest.mark.slow
@pytest.mark.parametrize("params", evalkit.paths.params_files([ROOT / "params"]), ids=lambda p: p.stem)
def test_the_draft_speaks_for_the_department_and_the_opinion_for_the_reviewer(params, tmp_path):
    ev = evalkit.evaluate(params)
    paths = write_documents(ev, tmp_path, ["docx", "pdf"])
    draft = docx_text(paths["docx"])
    draft_pdf = "".join(page.extract_text() for page in PdfReader(paths["pdf"]).pages)
    for text in (draft, re.sub(r"\s+", "", draft_pdf)):
        for phrase in ("经核查", "经核对", "【错误】", "【警告】", "【提示】", "整改建议"):
            assert phrase not in text, phrase
        assert not KEY_PATH.search(text), KEY_PATH.search(text)
        for finding in ev.finding_items:
            assert finding.id not in text
            assert re.sub(r"\s+", "", finding.message) not in text, finding.message
    opinion = docx_text(paths["opinion_docx"])
    assert {p.suffix for k, p in paths.items() if k.startswith("opinion")} == {".docx", ".pdf"}  # one file type per format: no .html without "html"
    assert f"复核得分{ev.review.score.words}" in opinion
    if not ev.review.decided:
        assert (ev.review.score.min, ev.review.score.max) == (ev.score.min, ev.score.max)
    for finding in ev.finding_items:
        if finding.severity == "error":
            at = opinion.index(finding.message.rstrip("。"))
            assert "整改建议：" in opinion[at:at + len(finding.message) + 400], finding.message
        assert finding.id not in opinion.split("可复现信息")[0]
    assert not KEY_PATH.search(opinion.split("可复现信息")[0])
    if ev.budget.execution_rate is not None and ev.budget.execution_rate > 1:
        assert "一致" not in opinion.split("三、")[0] and "超预算支出" in opinion
