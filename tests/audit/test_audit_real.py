"""``evalkit audit`` on documents laid out the way departments publish them: whole-form tables with merged
cells, text copies in every shape, coverage said out loud, kind/year/unit read as a person reads them,
lists compared within one sentence and one level of brackets, and the checks on what tables hold. The
corpus (tests/fixtures/audit/real) is modelled on published documents, each with its truth."""

from __future__ import annotations

import html
import re
import shutil
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from audit_real_corpus import FORMATS, SHAPES, load_real, measure, render_real, table_text, to_text
from conftest import ROOT

from evalkit.audit import audit_paths
from evalkit.audit.coverage import coverage
from evalkit.audit.extract import extract
from evalkit.audit.readers import read_text
from evalkit.audit.report import audit_document
from evalkit.audit.review_pages import audit_page, index_page

REAL = load_real()
SERIOUS = ("error", "warning")


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- the corpus itself -------------------------------------------------------------------------------

def test_every_document_names_the_published_one_and_holds_its_truth():
    assert len(REAL) >= 60
    ids = [d["id"] for d in REAL]
    assert len(ids) == len(set(ids))
    for doc in REAL:
        assert re.match(r"https?://", doc["source"]), doc["id"]
        assert doc["modelled_on"] and doc["kind"] in ("department", "project", "special"), doc["id"]
        truth = doc["truth"]
        assert {"figures", "rows", "flaws"} <= set(truth), doc["id"]
        for flaw in truth["flaws"]:
            assert flaw["what"] and flaw["arithmetic"] and flaw["id"], (doc["id"], flaw)
        for row in truth["rows"]:
            assert len(row) == 5, (doc["id"], row)
    kinds = Counter(d["kind"] for d in REAL)
    assert kinds["project"] >= 25 and kinds["department"] >= 20 and kinds["special"] >= 10, kinds
    assert len({d["source"] for d in REAL}) >= 60  # each modelled on a published document of its own
    assert set(SHAPES) <= {d["shape"] for d in REAL}


# --- text copies in every shape -----------------------------------------------------------------------

FORM = next(d for d in REAL if d["id"] == "r02_langfang_food_school_hvac")


@pytest.mark.parametrize("shape", SHAPES)
def test_a_form_copied_in_any_shape_reads_the_same_rows_and_funds(shape):
    ex = extract(read_text(to_text(FORM, shape), f"copy-{shape}.txt"))
    rows = {(r.name, r.target, r.actual, r.weight, r.score) for r in ex.indicators}
    for name, target, actual, weight, score in FORM["truth"]["rows"]:
        assert any(r[0] == name and r[1] == target and r[2] == actual and r[3] == weight and r[4] == score
                   for r in rows), (shape, name, sorted(rows))
    figures = {f.key: f.value for f in reversed(ex.figures)}
    for key in ("budget.initial", "budget.adjusted", "budget.executed", "execution.weight", "execution.score"):
        assert figures.get(key) == Decimal(str(FORM["truth"]["figures"][key])), (shape, key, figures.get(key))


def test_merged_tier_cells_are_carried_down_in_every_format(tmp_path):
    made = render_real([FORM], tmp_path, ("txt", "docx", "html"))
    for fmt in ("txt", "docx", "html"):
        record = audit_document(made[FORM["id"], fmt])
        tiers = {i["name"]: i["tier1"] for i in record["extracted"]["indicators"]}
        assert tiers["指标2工程验收合格率"] == "产出指标" and tiers["指标1学生满意度"] == "满意度指标", (fmt, tiers)


def test_the_indicator_header_is_found_deep_in_a_whole_form_table():
    rows = [r for b in FORM["blocks"] if "table" in b for r in b["table"]]
    header = next(i for i, r in enumerate(rows) if "一级指标" in r)
    assert header >= 8  # the MoF form: title rows, funds, goals, then the indicators
    ex = extract(read_text(table_text(rows, "tabs"), "form.txt"))
    assert len(ex.indicators) == len(FORM["truth"]["rows"])


def test_a_pre_page_reads_as_the_text_it_holds(tmp_path):
    doc = next(d for d in REAL if d["shape"] == "pipes")
    page = _write(tmp_path, "pre.html", "<html><body><pre>" + html.escape(to_text(doc)) + "</pre></body></html>")
    text_copy = _write(tmp_path, "copy.txt", to_text(doc))
    assert measure(doc, audit_document(page))["rows_ok"] == measure(doc, audit_document(text_copy))["rows_ok"]
    assert audit_document(page)["extracted"]["indicators"]


# --- accuracy on the corpus ---------------------------------------------------------------------------

def _accuracy(formats, tmp_path) -> dict[str, Counter]:
    made = render_real(REAL, tmp_path, formats)
    by_id = {d["id"]: d for d in REAL}
    totals: dict[str, Counter] = {}
    for (doc_id, fmt), path in made.items():
        m = measure(by_id[doc_id], audit_document(path))
        t = totals.setdefault(fmt, Counter())
        for key in ("figures", "figures_ok", "rows", "rows_ok", "flaws", "flaws_found", "identity", "identity_ok"):
            t[key] += m[key]
        t["refused"] += m["refused"]
        t["false_alarms"] += len(m["false_alarms"])
        if m["false_alarms"]:
            t[f"false:{doc_id}:{','.join(m['false_alarms'])}"] += 1
    return totals


def _assert_accurate(totals: dict[str, Counter]) -> None:
    for fmt, t in totals.items():
        alarms = [k for k in t if k.startswith("false:")]
        assert t["false_alarms"] == 0 and t["refused"] == 0, (fmt, alarms)
        assert t["figures_ok"] >= 0.95 * t["figures"], (fmt, t["figures_ok"], t["figures"])
        assert t["rows_ok"] >= 0.90 * t["rows"], (fmt, t["rows_ok"], t["rows"])
        assert t["identity_ok"] >= 0.90 * t["identity"], (fmt, t["identity_ok"], t["identity"])
        assert t["flaws_found"] >= 0.85 * t["flaws"], (fmt, t["flaws_found"], t["flaws"])


def test_accuracy_on_text_copies_word_files_and_pages(tmp_path):
    _assert_accurate(_accuracy(("txt", "docx", "html"), tmp_path))


@pytest.mark.parametrize("shape", ["pipes", "tabs", "spaces"])
def test_accuracy_on_every_form_copied_with_separators(tmp_path, shape):
    """Every document with a table, copied with ` | `, tabs or aligned spaces (one cell per line and
    cells run together are measured by bench/audit.py: they read less, see the README)."""
    totals = Counter()
    for doc in (d for d in REAL if any("table" in b for b in d["blocks"])):
        m = measure(doc, audit_document(_write(tmp_path, f"{doc['id']}.txt", to_text(doc, shape))))
        for key in ("figures", "figures_ok", "rows", "rows_ok", "flaws", "flaws_found", "identity", "identity_ok"):
            totals[key] += m[key]
        totals["false_alarms"] += len(m["false_alarms"])
        totals["refused"] += m["refused"]
    _assert_accurate({shape: totals})


@pytest.mark.slow
def test_accuracy_on_pdfs_made_by_libreoffice(tmp_path):
    if not shutil.which("soffice"):
        pytest.skip("LibreOffice is not installed")
    _assert_accurate(_accuracy(("pdf",), tmp_path))


# --- coverage said out loud ---------------------------------------------------------------------------

def test_a_truncated_form_says_what_was_read_and_states_no_count_as_fact(tmp_path):
    doc = next(d for d in REAL if d["id"] == "r01_chizhou_tangxi_entrusted")
    made = render_real([doc], tmp_path, ("docx",))
    record = audit_document(made[doc["id"], "docx"])
    cov = record["coverage"]
    assert cov["truncated"] and cov["partial"] and cov["indicators_read"] == 9 and cov["indicators_listed"] == 10
    assert cov["words"] == "读出指标9项，表中列有10项；文档在总分之前截断；部分读取"
    page = audit_page(record)
    assert "读出指标9项，表中列有10项" in page and "<td>9项</td>" not in page
    # a weight total over a truncated table is not reported as a flaw
    assert "weights.sum_mismatch" not in {f["id"] for f in record["findings"]}
    index = index_page([record], {})
    assert "读取情况" in index and "文档在总分之前截断" in index


def test_a_whole_document_states_its_count_plainly(tmp_path):
    doc = next(d for d in REAL if d["id"] == "r13_chongqing_media_center")
    full = [b for b in doc["blocks"]]
    table = [r for r in full[1]["table"] if r[0] != "公共服务"] + [["总分", "", "", "", "", "", "", "98", "97.6", ""]]
    text = to_text({**doc, "blocks": [full[0], {"table": table}]}, "tabs")
    d = read_text(text, "whole.txt")
    ex = extract(d)
    cov = coverage(d, ex)
    assert not cov["partial"] and cov["words"] == f"读出指标{len(ex.indicators)}项"


# --- kind, year, unit ---------------------------------------------------------------------------------

def test_a_table_only_form_opening_with_its_unit_is_audited_as_a_project(tmp_path):
    text = ("单位名称：某县农业农村局\t填报日期：2020年3月5日\n\n"
            "一级指标\t二级指标\t三级指标\t年度指标值\t实际完成值\t分值\t得分\n"
            "产出指标\t数量指标\t培训农民人次\t≥500人次\t520人次\t20\t20\n"
            "\t质量指标\t培训合格率\t≥95%\t97%\t20\t20\n"
            "总分\t\t\t\t\t40\t40\n")
    record = audit_document(_write(tmp_path, "form.txt", text))
    assert record["status"] == "audited", record.get("refused")
    assert len(record["extracted"]["indicators"]) == 2 and record["document"]["department"] == "某县农业农村局"


def test_year_is_read_from_the_title_never_from_the_filing_date(tmp_path):
    text = ("首页 > 信息公开 > 某县水利局2019年度项目支出绩效自评表\n\n填报日期：2020年3月1日\n\n"
            "项目资金（万元）\t年初预算数\t全年预算数\t全年执行数\t分值\t执行率\t得分\n"
            "年度资金总额\t100\t100\t98\t10\t98%\t9.8\n")
    record = audit_document(_write(tmp_path, "form.txt", text))
    assert record["document"]["year"] == 2019 and record["document"]["kind"] == "project"
    assert record["document"]["department"] == "某县水利局"


def test_traditional_characters_are_folded_for_matching_and_quoted_as_printed(tmp_path):
    text = ("某縣交通運輸局2020年度項目支出績效自評表\n\n"
            "項目資金（萬元）\t年初預算數\t全年預算數\t全年執行數\t分值\t執行率\t得分\n"
            "年度資金總額\t200\t200\t190\t10\t95%\t9.5\n")
    record = audit_document(_write(tmp_path, "trad.txt", text))
    assert record["status"] == "audited" and record["document"]["kind"] == "project"
    figures = {f["key"]: f for f in record["extracted"]["figures"]}
    assert figures["budget.executed"]["value"] == 190 and "年度資金總額" in figures["budget.executed"]["snippet"]
    assert record["document"]["department"] == "某縣交通運輸局"


@pytest.mark.parametrize("title, kind", [("某区财政局2023年度部门整体支出绩效自评报告", "department"),
                                          ("某区教育局2023年度项目支出绩效自评表", "project"),
                                          ("某区残联2023年度中央转移支付绩效自评报告", "special")])
def test_kind_is_read_from_the_title(tmp_path, title, kind):
    record = audit_document(_write(tmp_path, "k.txt", f"{title}\n\n全年预算数100万元，全年执行数99万元。\n"))
    assert record["document"]["kind"] == kind


# --- lists --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    # sections run together: the spending of section 三 is not a part of the 239
    "某中学专项资金绩效自评报告\n\n（二）资金：按生均1000元安排，共计239万元，其中上级资金179.25万元，本级59.75万元，用于保障运转"
    "三、实施情况：本校财政安排支出共计87.06万元，余款下年支出",
    # a list that goes on after a semicolon
    "某局项目支出绩效自评报告\n\n全年共安排资金55.75万元，其中培训费22万元，印刷费4.98万元，差旅费16.11万元；"
    "会议费12.66万元。",
    # one level of brackets: 其中 inside brackets lists the parts of the amount before them
    "某局项目支出绩效自评报告\n\n完成一批建设内容3374.3万元（其中建筑工程3292万元），设备购置2848.1万元，"
    "合计6222.4万元（其中财政资金6025.215万元）。",
])
def test_lists_are_compared_within_one_sentence_and_one_level_of_brackets(tmp_path, text):
    record = audit_document(_write(tmp_path, "list.txt", text))
    assert "audit.list_does_not_add_up" not in {f["id"] for f in record["findings"]}


def test_a_list_that_does_not_add_up_is_still_found(tmp_path):
    text = "某局项目支出绩效自评报告\n\n全年支出设备费共计2263万元，其中购置费2000万元，安装费253万元。\n"
    record = audit_document(_write(tmp_path, "list.txt", text))
    found = [f for f in record["findings"] if f["id"] == "audit.list_does_not_add_up"]
    assert found and found[0]["evidence"]["sum"] == 2253


# --- checks on what tables hold -----------------------------------------------------------------------

def _form(funds: str, rows: str = "", head: str = "某局2023年度项目支出绩效自评表") -> str:
    return (f"{head}\n\n项目资金（万元）\t年初预算数\t全年预算数\t全年执行数\t分值\t执行率\t得分\n{funds}\n\n"
            + (f"一级指标\t二级指标\t三级指标\t年度指标值\t实际完成值\t分值\t得分\n{rows}\n" if rows else ""))


@pytest.mark.parametrize("funds, fid", [
    ("年度资金总额\t43.2\t43.2\t37.24\t10\t86.2%\t9", "audit.execution_score_rounded"),
    ("年度资金总额\t100\t100\t108.2\t10\t108.2%\t10", "audit.over_execution_full_score"),
    ("年度资金总额\t100\t100\t90\t10\t90%\t9\n其中：当年财政拨款\t80\t80\t70\t\t\t\n其他资金\t10\t10\t10\t\t\t",
     "audit.total_row_vs_parts"),
])
def test_the_funds_block_is_checked(tmp_path, funds, fid):
    record = audit_document(_write(tmp_path, "f.txt", _form(funds)))
    assert fid in {f["id"] for f in record["findings"]}, [f["id"] for f in record["findings"]]


def test_a_clean_funds_block_gives_no_table_finding(tmp_path):
    funds = "年度资金总额\t100\t100\t90\t10\t90%\t9\n其中：当年财政拨款\t90\t90\t80\t\t\t\n其他资金\t10\t10\t10\t\t\t"
    record = audit_document(_write(tmp_path, "f.txt", _form(funds)))
    assert not [f["id"] for f in record["findings"] if f["id"].startswith("audit.") and f["severity"] in SERIOUS]


def test_a_row_that_scores_the_budget_again_is_found(tmp_path):
    rows = "产出指标\t数量指标\t工程资金金额\t43.2\t37.24\t10\t9\n\t质量指标\t工程完工率\t100%\t100%\t10\t10\n总分\t\t\t\t\t30\t27.62"
    record = audit_document(_write(tmp_path, "f.txt", _form("年度资金总额\t43.2\t43.2\t37.24\t10\t86.2%\t8.62", rows)))
    assert "audit.execution_scored_again" in {f["id"] for f in record["findings"]}


def test_words_and_dates_are_checked_against_the_figures(tmp_path):
    text = ("某县卫生院2023年度部门整体支出绩效自评报告\n\n全年预算数200万元，全年执行数72.8万元，预算执行率36.4%。\n\n"
            "五、存在的问题：本单位预算运转正常，暂无问题。\n\n核定编制128人，在职人员185人。\n\n某县卫生院\n\n2023年12月31日\n")
    found = {f["id"] for f in audit_document(_write(tmp_path, "w.txt", text))["findings"]}
    assert {"audit.low_execution_called_normal", "audit.staff_over_posts", "audit.report_dated_in_year"} <= found


def test_a_target_missed_while_the_report_says_all_was_done(tmp_path):
    text = ("某区残联2023年度中央转移支付绩效自评报告\n\n资金已按计划完成目标，达到预期效果。\n\n"
            "1.发放燃油补贴人次数：年初指标值不低于180人，全年实际完成值164人。\n")
    found = {f["id"] for f in audit_document(_write(tmp_path, "t.txt", text))["findings"]}
    assert "audit.target_missed_called_complete" in found


@pytest.mark.parametrize("text, found", [
    ("共实施项目15个，年初批复预算8个项目，年中新增8个项目。", True),
    ("共实施项目16个，年初批复预算8个项目，年中新增8个项目。", False),
])
def test_a_count_of_projects_against_its_two_parts(tmp_path, text, found):
    record = audit_document(_write(tmp_path, "c.txt", f"某中心2024年度项目支出绩效自评报告\n\n{text}\n"))
    assert ("audit.count_mismatch" in {f["id"] for f in record["findings"]}) is found


@pytest.mark.parametrize("text, found", [
    ("实施养护工程380公里，完成总投资5964万元，至9月底完成200.031公里，完工率100%。", True),
    ("实施养护工程380公里，完成总投资5964万元，至9月底完成380公里，完工率100%。", False),
])
def test_a_plan_called_done_with_another_quantity(tmp_path, text, found):
    record = audit_document(_write(tmp_path, "p.txt", f"某局2021年度项目支出绩效自评报告\n\n{text}\n"))
    assert ("audit.stated_twice" in {f["id"] for f in record["findings"]}) is found


def test_a_unit_slip_is_found_from_the_arithmetic(tmp_path):
    text = "某局项目支出绩效自评报告\n\n全年安排培训经费共计12.6万元，其中师资费9万元，教材费3.6元。\n"
    found = {f["id"] for f in audit_document(_write(tmp_path, "u.txt", text))["findings"]}
    assert "audit.unit_slip" in found


def test_row_scores_under_a_stated_total_are_found(tmp_path):
    rows = ("产出指标\t数量指标\t培训人次\t≥500人次\t520人次\t40\t40\n\t质量指标\t合格率\t≥95%\t97%\t30\t30\n"
            "效益指标\t社会效益指标\t群众满意度\t≥90%\t92%\t20\t14\n总分\t\t\t\t\t100\t98")
    record = audit_document(_write(tmp_path, "t.txt", _form("年度资金总额\t100\t100\t100\t10\t100%\t10", rows)))
    assert {"audit.total_row_mismatch", "audit.total_score_mismatch"} & {f["id"] for f in record["findings"]}


# --- the seed as it is published --------------------------------------------------------------------

@pytest.mark.slow
def test_the_seed_gives_41_indicators_and_the_same_findings_in_every_format(tmp_path):
    from audit_corpus import seed_path
    from office import convert

    seed = seed_path()
    if not seed.is_file() or not shutil.which("soffice"):
        pytest.skip("the seed or LibreOffice is not on this machine")
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(seed, folder / "seed.txt")
    convert([folder / "seed.txt"], folder, "docx")
    convert([folder / "seed.txt"], folder, "pdf")
    text = seed.read_text(encoding="utf-8")
    _write(folder, "seed-pre.html", "<html><body><pre>" + html.escape(text) + "</pre></body></html>")
    result = audit_paths([folder])
    records = {Path(r["source"]).suffix: r for r in result.records}
    assert set(records) == {".txt", ".docx", ".pdf", ".html"}
    findings = {}
    for suffix, record in records.items():
        assert len(record["extracted"]["indicators"]) == 41, suffix
        assert record["coverage"]["indicators_read"] == 41 and not record["coverage"]["partial"], suffix
        findings[suffix] = sorted(f["id"] for f in record["findings"])
    assert len({tuple(v) for v in findings.values()}) == 1, findings


def test_the_readme_quotes_the_measured_accuracy():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "tests/fixtures/audit/real" in readme and "bench/audit.py" in readme
    assert all(fmt in readme for fmt in FORMATS)
