"""The layouts the corpus modelled on published documents brought in, read the way a person reads them:
a table row a PDF page break split, one cell per line and cells run together without false alarms, an
amount rounded differently in two places, amounts in 元, a weight printed in a funds header, a deadline
met by a date, a list table's 合计 row, posts of several kinds in one sentence, spending counted before
the year ended, a unit introduced by its short name."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from audit_real_corpus import load_real, measure, render_real, to_text
from office import convert

from evalkit.audit.extract import extract
from evalkit.audit.readers import _finish, read_document, read_text
from evalkit.audit.report import audit_document
from evalkit.audit.source_document import Location, SourceParagraph, SourceTable

REAL = {d["id"]: d for d in load_real()}
SERIOUS = ("error", "warning")


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _ids(record: dict) -> set[str]:
    return {f["id"] for f in record["findings"] if f["severity"] in SERIOUS}


# --- a PDF table row split by a page break ------------------------------------------------------------

HEADER = ("三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施")


def test_a_row_a_page_break_split_is_joined_back_and_a_table_over_three_pages_is_one():
    row = ("宣传活动次数", "≥12次", "10次", "5", "4", "资金拨付较慢，部分活动")
    rest = ("", "", "", "", "", "推迟到下一年，今后提前安排")
    nxt = ("培训人次", "≥200人次", "230人次", "5", "5", "")
    blocks = [SourceTable((HEADER, row), Location(page=1)), SourceTable((rest, nxt), Location(page=2)),
              SourceTable((("满意度", "≥90%", "95%", "10", "10", ""),), Location(page=3))]
    doc = _finish("x.pdf", "pdf", blocks, pages=3)
    assert len(doc.tables) == 1
    rows = doc.tables[0].rows
    assert rows[1][-1] == "资金拨付较慢，部分活动推迟到下一年，今后提前安排" and rows[1][:5] == row[:5]
    assert [r[0] for r in rows[1:]] == ["宣传活动次数", "培训人次", "满意度"]


def test_the_first_row_of_a_page_with_numbers_of_its_own_is_a_row_not_the_rest_of_one():
    row = ("宣传活动次数", "≥12次", "10次", "5", "4", "部分活动推迟")
    own = ("", "", "", "5", "5", "另列")  # 分值 and 得分 of its own: not a split row's tail
    doc = _finish("x.pdf", "pdf", [SourceTable((HEADER, row), Location(page=1)), SourceTable((own,), Location(page=2))],
                  pages=2)
    assert doc.tables[0].rows[-1] == own and doc.tables[0].rows[1] == row
    paragraph_between = [SourceTable((HEADER, row), Location(page=1)), SourceParagraph("附注", Location(page=2)),
                         SourceTable((("", "", "", "", "", "尾"),), Location(page=3))]
    assert len(_finish("x.pdf", "pdf", paragraph_between, pages=3).tables) == 2


@pytest.mark.slow
def test_a_pdf_whose_rows_run_over_page_breaks_reads_every_row_whole(tmp_path):
    """A Word table with long 偏差原因 cells converted by LibreOffice: rows split at each page break."""
    if not shutil.which("soffice"):
        pytest.skip("LibreOffice is not installed")
    import docx

    d = docx.Document()
    d.add_heading("某县2022年度项目支出绩效自评表", 0)
    for _ in range(12):
        d.add_paragraph("本项目按年初计划实施，各项资金按规定用途使用。" * 5)
    table = d.add_table(rows=1, cols=len(HEADER))
    table.style = "Table Grid"
    for c, h in enumerate(HEADER):
        table.cell(0, c).text = h
    reasons = []
    for i in range(14):
        cells = table.add_row().cells
        reason = f"第{i + 1}项：" + "资金拨付进度较慢，部分工作延后，今后加强预算执行管理，" * 4
        reasons.append(reason)
        for c, text in enumerate((f"工作事项{i + 1}完成数量", "≥10项", "10项", "5", "5", reason)):
            cells[c].text = text
    d.save(str(tmp_path / "split.docx"))
    convert([tmp_path / "split.docx"], tmp_path, "pdf")
    doc = read_document(tmp_path / "split.pdf")
    assert doc.pages and doc.pages >= 3  # the table runs over page breaks
    assert len(doc.tables) == 1
    body = [r for r in doc.tables[0].rows[1:] if any(c.strip() for c in r)]
    assert [r[0] for r in body] == [f"工作事项{i + 1}完成数量" for i in range(14)]
    assert [re.sub(r"\s", "", r[-1]) for r in body] == reasons  # each 偏差原因 whole, none cut into a row of its own
    ex = extract(doc)
    assert [r.name for r in ex.indicators] == [f"工作事项{i + 1}完成数量" for i in range(14)]
    assert "indicator.missing_actual" not in _ids(audit_document(tmp_path / "split.pdf"))


# --- text copies one cell per line and run together: no false alarm ----------------------------------

@pytest.mark.parametrize("shape", ["cell_lines", "run_together"])
def test_a_form_tail_with_a_word_for_its_actual_is_read_and_its_total_row_not_added_up_empty(tmp_path, shape):
    doc = REAL["r23_daying_cost_control_form"]
    m = measure(doc, audit_document(_write(tmp_path, "r23.txt", to_text(doc, shape))))
    assert m["false_alarms"] == [] and m["rows_ok"] == 1 and m["flaws_found"] == 1, m


@pytest.mark.parametrize("shape", ["cell_lines", "run_together"])
def test_blank_amounts_lost_in_a_copy_leave_the_rate_weight_and_score_in_their_columns(tmp_path, shape):
    doc = REAL["r27_liangping_forestry_dept"]
    record = audit_document(_write(tmp_path, "r27.txt", to_text(doc, shape)))
    figures = {f["key"]: f["value"] for f in record["extracted"]["figures"]}
    assert figures.get("budget.rate") == 79.27 and figures.get("execution.weight") == 10
    assert figures.get("execution.score") == 7.93 and "budget.initial" not in figures
    rows = {i["name"]: (i["target"], i["actual"], i["weight"], i["score"]) for i in record["extracted"]["indicators"]}
    assert rows["天然林和公益林管护当期任务完成率"] == ("90", "100", 10, 10)  # 指标权重 sits before 全年完成值
    assert measure(doc, record)["false_alarms"] == []


# --- an amount rounded differently in two places -------------------------------------------------------

def test_an_allocation_stated_as_173_65_and_later_as_174_wan_is_found(tmp_path):
    record = audit_document(_write(tmp_path, "r17.txt", to_text(REAL["r17_guiyang_rural_road_fund"])))
    found = [f for f in record["findings"] if f["id"] == "audit.stated_twice"]
    assert found and "173.65万元" in found[0]["message"] and "174万元" in found[0]["message"]


def test_a_rate_shown_to_fewer_places_and_one_amount_repeated_are_not_stated_twice(tmp_path):
    text = ("某局2022年度项目支出绩效自评报告\n\n全年预算数120.5万元，全年执行数103.63万元，执行率86%。"
            "\n\n经核对，全年预算数120.5万元，执行率86.00%，资金使用规范。\n")
    assert "audit.stated_twice" not in _ids(audit_document(_write(tmp_path, "a.txt", text)))


# --- the other layouts ---------------------------------------------------------------------------------

FULLY_READ = ["r38_jishan_medical_insurance_match", "r40_lijiang_gucheng_satellite_trad", "r43_xiping_transport_revival_fund",
              "r44_honghe_second_hospital_phs", "r46_aba_county_police_dept", "r47_zhongjiang_water_gauges",
              "r48_linxiang_wildlife_shelter", "r63_hubei_assistive_devices_2018", "r65_yongde_minglang_nutrition",
              "r67_jishan_zhaidian_public_health"]


@pytest.mark.parametrize("doc_id", FULLY_READ)
def test_a_published_layout_is_read_whole_in_its_own_copy_word_file_and_page(tmp_path, doc_id):
    doc = REAL[doc_id]
    made = render_real([doc], tmp_path, ("txt", "docx", "html"))
    for fmt in ("txt", "docx", "html"):
        m = measure(doc, audit_document(made[doc_id, fmt]))
        assert not m["missed"] and not m["false_alarms"] and not m["refused"], (fmt, m)


def test_amounts_a_funds_header_gives_in_yuan_are_read_in_wan(tmp_path):
    record = audit_document(_write(tmp_path, "r65.txt", to_text(REAL["r65_yongde_minglang_nutrition"], "tabs")))
    figures = {f["key"]: f["value"] for f in record["extracted"]["figures"]}
    assert abs(figures["budget.adjusted"] - 38.766462) < 1e-9 and abs(figures["budget.executed"] - 38.766462) < 1e-9


def test_the_weight_a_funds_header_prints_scores_the_execution(tmp_path):
    record = audit_document(_write(tmp_path, "r39.txt", to_text(REAL["r39_xiangyang_central_hospital"], "tabs")))
    figures = {f["key"]: f["value"] for f in record["extracted"]["figures"]}
    assert figures["execution.weight"] == 20 and figures["execution.score"] == 20
    assert "audit.execution_score_mismatch" not in _ids(record)


def test_a_deadline_met_by_an_earlier_date_is_measured_and_a_later_one_is_missed():
    from evalkit.audit.extract import IndicatorRow
    from evalkit.audit.mapping import _deadline_level

    assert _deadline_level(IndicatorRow(name="完工时限", target="2023年12月", actual="2023年10月", quote=None)) == "达成"
    assert _deadline_level(IndicatorRow(name="完工时限", target="2023年6月底", actual="2023年9月", quote=None)) == "未达成"
    assert _deadline_level(IndicatorRow(name="完工率", target="100%", actual="100%", quote=None)) is None


def test_a_list_table_whose_items_add_to_one_cent_more_than_its_total_row(tmp_path):
    record = audit_document(_write(tmp_path, "r49.txt", to_text(REAL["r49_chunan_public_culture_fund"])))
    found = [f for f in record["findings"] if f["id"] == "audit.total_row_mismatch"]
    assert len(found) == 1 and "1020.03" in found[0]["message"] and "1020.02" in found[0]["message"]


def test_posts_of_several_kinds_in_one_sentence_are_not_one_count_stated_twice():
    ex = extract(read_text("某县公安局2021年度部门整体支出绩效自评报告\n\n核定政法专项编制247人、行政工勤编制15人。"
                           "在职244人。\n", "x.txt"))
    assert not [f for f in ex.figures if f.key == "staff.authorised"]
    assert [f.value for f in ex.figures if f.key == "staff.serving"] == [244]


def test_spending_counted_to_a_day_before_the_year_ends(tmp_path):
    head = "某县交通运输局2022年度衔接推进乡村振兴资金项目绩效自评报告\n\n项目资金共2179万元，"
    early = audit_document(_write(tmp_path, "a.txt", head + "截至2022年12月8日已拨付2113.63万元，执行率97%。\n"))
    assert "audit.report_dated_in_year" in _ids(early)
    whole = audit_document(_write(tmp_path, "b.txt", head + "截至2022年12月31日已拨付2113.63万元，执行率97%。\n"))
    assert "audit.report_dated_in_year" not in _ids(whole)


def test_a_unit_the_opening_introduces_by_its_short_name(tmp_path):
    for doc_id, unit in (("r63_hubei_assistive_devices_2018", "湖北残疾人联合会"),
                         ("r31_hubei_disabled_fund_2018", "湖北省残疾人联合会")):
        record = audit_document(_write(tmp_path, f"{doc_id}.txt", to_text(REAL[doc_id])))
        assert record["document"]["department"] == unit


# --- a title as a PDF's text layer breaks it -------------------------------------------------------------

def _identified(paragraphs: list[str]):
    from evalkit.audit.coverage import identify

    doc = _finish("x.pdf", "pdf", [SourceParagraph(t, Location(page=1)) for t in paragraphs], pages=1)
    ex = extract(doc)
    identify(doc, ex)
    return ex


def test_a_title_over_three_lines_whose_last_is_a_word_tail():
    ex = _identified(["中央补助地方公共文化服务体系建设", "全民健身补短板工程项目绩效自评报", "告",
                      "按省财政厅的通知，现将我市全民健身补短板工程项目自评情况报告如下："])
    assert ex.title == "中央补助地方公共文化服务体系建设全民健身补短板工程项目绩效自评报告" and ex.kind == "special"


def test_a_title_cut_by_a_line_break_inside_a_site_info_box_paragraph():
    ex = _identified(["索引号：20240913-201210-563 发布机构：红河州卫生健康委员会 发布日期：\n2024-03-20\n"
                      "红河州第二人民医院国家基本公共卫生服务项目州级补助资金2023\n年度绩效自评报告",
                      "一、绩效目标完成情况分析"])
    assert ex.title == "红河州第二人民医院国家基本公共卫生服务项目州级补助资金2023年度绩效自评报告"
    assert ex.year == 2023 and ex.department == "红河州第二人民医院"


def test_a_share_paid_against_what_the_same_sentence_says_was_paid_and_unpaid(tmp_path):
    head = "某县乡村振兴项目绩效自评报告\n\n资金已支付18501.096万元，尚未支付703万元，支付率"
    wrong = audit_document(_write(tmp_path, "a.txt", head + "95%。\n"))
    found = [f for f in wrong["findings"] if f["id"] == "audit.paid_share_mismatch"]
    assert found and "96.34%" in found[0]["message"]
    assert "audit.paid_share_mismatch" not in _ids(audit_document(_write(tmp_path, "b.txt", head + "96.34%。\n")))
    assert "audit.paid_share_mismatch" not in _ids(audit_document(_write(tmp_path, "c.txt", head + "96%。\n")))


def test_the_unit_the_opening_names_as_the_one_that_evaluated_the_year_but_not_we(tmp_path):
    doc = REAL["r18_rural_roads_2021"]
    assert audit_document(_write(tmp_path, "r18.txt", to_text(doc)))["document"]["department"] == "市交通运输局"
    ours = audit_document(_write(tmp_path, "we.txt", "2021年度“四好农村路”建设项目绩效自评报告\n\n"
                                 "我局对2021年度项目实施情况开展了绩效自评，现报告如下。\n"))
    assert ours["document"]["department"] != "我局"
