"""``evalkit audit``: the corpus in three formats gives exactly its planted findings and reads its figures;
the seed report's known flaws come out with quotes and locations; bad documents get one reason each and
never a traceback; outputs, pages and drafts are what a reviewer and an analyst need."""

from __future__ import annotations

import json
import re
import shutil
import time
from html import escape
from pathlib import Path

import pytest
import yaml
from audit_corpus import load_corpus, render, seed_path
from conftest import ROOT, run_cli

import evalkit
from evalkit.audit import audit_document, audit_paths
from evalkit.audit import batch as batch_module

SEED = seed_path()
CORPUS = load_corpus()
SERIOUS = ("error", "warning")
needs_seed = pytest.mark.skipif(not SEED.is_file(), reason="the shared seed report is not on this machine")


@pytest.fixture(scope="session")
def rendered(tmp_path_factory) -> dict[tuple[str, str], Path]:
    """Every corpus document as .txt and .docx (fast)."""
    folder = tmp_path_factory.mktemp("corpus")
    out = {}
    for doc in CORPUS:
        for fmt, path in render(doc, folder, ("txt", "docx")).items():
            out[doc["id"], fmt] = path
    return out


@pytest.fixture(scope="session")
def rendered_pdf(tmp_path_factory) -> dict[str, Path]:
    """Every corpus document as PDF (WeasyPrint, about half a second each)."""
    folder = tmp_path_factory.mktemp("corpus-pdf")
    return {doc["id"]: render(doc, folder, ("pdf",))["pdf"] for doc in CORPUS}


def _figures(record: dict) -> dict:
    found = {}
    for f in record["extracted"]["figures"]:
        found.setdefault(f["key"], f["value"])
    found["indicators"] = len(record["extracted"]["indicators"])
    found["department"] = record["document"]["department"]
    return found


def _check_corpus_record(doc: dict, record: dict) -> None:
    assert record["status"] == "audited", record.get("refused")
    found = sorted({f["id"] for f in record["findings"] if f["severity"] in SERIOUS})
    assert found == doc["findings"], f"{doc['id']} ({doc['about']}): expected {doc['findings']}, got {found}"
    figures = _figures(record)
    wrong = {k: (v, figures.get(k)) for k, v in doc["figures"].items() if figures.get(k) != v}
    assert not wrong, f"{doc['id']}: figures read wrongly (expected, got): {wrong}"
    for f in record["findings"]:
        assert f["message"] and f["location"]["where"], f
        if f["severity"] in SERIOUS and f["id"] != "indicator.missing_actual":
            assert f["quotes"], f"{f['id']} has no quoted text"


def test_the_corpus_has_twenty_documents_in_every_layout():
    assert len(CORPUS) >= 20
    assert {d["layout"] for d in CORPUS} == {"prose", "table", "mixed"}
    assert {d["kind"] for d in CORPUS} == {"department", "project"}
    assert sum(1 for d in CORPUS if not d["findings"]) >= 5  # clean documents
    assert len({d["id"] for d in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("fmt", ["txt", "docx"])
@pytest.mark.parametrize("doc", CORPUS, ids=lambda d: d["id"])
def test_corpus_documents_give_their_planted_findings(doc, fmt, rendered):
    _check_corpus_record(doc, audit_document(rendered[doc["id"], fmt]))


@pytest.mark.slow
@pytest.mark.parametrize("doc", CORPUS, ids=lambda d: d["id"])
def test_corpus_documents_as_pdf_give_their_planted_findings(doc, rendered_pdf):
    _check_corpus_record(doc, audit_document(rendered_pdf[doc["id"]]))


def test_a_clean_document_gets_no_error_and_no_warning(rendered):
    clean = [d for d in CORPUS if not d["findings"]]
    for doc in clean:
        record = audit_document(rendered[doc["id"], "txt"])
        assert [f["message"] for f in record["findings"] if f["severity"] in SERIOUS] == [], doc["id"]


def test_html_reports_are_read_too(tmp_path):
    doc = next(d for d in CORPUS if d["id"].startswith("07_"))
    _check_corpus_record(doc, audit_document(render(doc, tmp_path, ("html",))["html"]))


# --- the seed ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def seed():
    return audit_document(SEED)


def _finding(record, fid):
    matches = [f for f in record["findings"] if f["id"] == fid]
    assert matches, f"no {fid} in {[f['id'] for f in record['findings']]}"
    return matches


@needs_seed
@pytest.mark.parametrize("fid, quoted, where", [
    ("score.unverifiable", "99分", "第154行"),
    ("indicator.direction_contradiction", "大型会议控制率低于达到 0.5%及以上", "第54行"),
    ("indicator.percent_on_speed", "公文流转速度达到 85%及以上", "第48行"),
    ("timeline.period_before_year_end", "2023年4月10日至4月30日", "第134行"),
    ("report.duplicate_section_number", "（十）机关后勤保障工作", "第104行"),
])
def test_the_seed_reports_its_known_flaws_with_quotes_and_locations(seed, fid, quoted, where):
    quotes = [q for f in _finding(seed, fid) for q in f["quotes"]]
    marked = [(q["snippet"][q["mark"][0]:q["mark"][1]], q["where"]) for q in quotes]
    assert any(quoted in text and w == where for text, w in marked), marked


@needs_seed
def test_the_seed_self_score_has_no_actuals_behind_it(seed):
    (unverifiable,) = _finding(seed, "score.unverifiable")
    assert unverifiable["evidence"]["min"] == pytest.approx(9.97, abs=0.01)
    assert unverifiable["evidence"]["max"] == pytest.approx(99.97, abs=0.01)
    (missing,) = _finding(seed, "indicator.missing_actual")
    assert missing["evidence"]["count"] == missing["evidence"]["of"] == 41
    vague = {f["evidence"]["target"] for f in _finding(seed, "indicator.vague_target")}
    assert {"维持系统稳定", "保障网络通畅", "做好全面深化改革工作"} <= vague
    figures = _figures(seed)
    assert (figures["budget.adjusted"], figures["budget.executed"], figures["budget.rate"]) == (9593.18, 9565.63, 99.71)
    assert seed["counts"]["error"] == 1  # the evaluation period; the figures themselves agree


@needs_seed
def test_the_seed_as_word_and_pdf_gives_what_its_text_gives(seed, tmp_path):
    """The same report laid out as .docx paragraphs and as an A4 PDF (made here, never committed)."""
    import docx
    from weasyprint import HTML

    paragraphs = [p for p in SEED.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    word = docx.Document()
    for p in paragraphs:
        word.add_paragraph(p)
    word.save(str(tmp_path / "seed.docx"))
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    HTML(string=f"<style>body{{font-family:'Noto Sans CJK SC'}}p{{text-indent:2em}}</style>{body}").write_pdf(
        str(tmp_path / "seed.pdf"))
    expected = sorted(f["id"] for f in seed["findings"])
    for name in ("seed.docx", "seed.pdf"):
        record = audit_document(tmp_path / name)
        assert sorted(f["id"] for f in record["findings"]) == expected, name
        (period,) = _finding(record, "timeline.period_before_year_end")
        pattern = r"第[0-9]+页第[0-9]+段" if name == "seed.pdf" else r"第[0-9]+段"
        assert re.fullmatch(pattern, period["location"]["where"]), period["location"]


def test_the_audit_does_not_read_its_own_pages(tmp_path, rendered):
    shutil.copy(rendered[CORPUS[0]["id"], "txt"], tmp_path / "r.txt")
    audit_paths([tmp_path], out=tmp_path)  # pages and index.html beside the report
    run = audit_paths([tmp_path])
    assert [Path(r["source"]).name for r in run.records] == ["r.txt"]
    assert audit_document(tmp_path / "index.html")["refused"]["reason"] == "not_self_evaluation"


@needs_seed
def test_the_cli_prints_the_seed_flaws_and_exits_one():
    code, out = run_cli("audit", SEED)
    assert code == 1
    assert "第134行" in out and "评价期间2023年4月10日至2023年4月30日早于2023年度结束" in out
    assert "“（十）”重复使用" in out and "大型会议控制率低于达到" in out


# --- bad documents -------------------------------------------------------------------------------

def _encrypted_pdf(path: Path, source: Path) -> Path:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(source).pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="owner")
    with path.open("wb") as handle:
        writer.write(handle)
    return path


def _image_only_pdf(path: Path) -> Path:
    from weasyprint import HTML

    svg = ("data:image/svg+xml;utf8,<svg xmlns='http://www.w3.org/2000/svg' width='400' height='300'>"
           "<rect x='10' y='10' width='380' height='280' fill='black'/></svg>")
    HTML(string=f"<img src=\"{svg}\">").write_pdf(str(path))
    return path


def _encrypted_docx(path: Path) -> Path:
    """An encrypted Office file: an OLE compound container holding EncryptionInfo and EncryptedPackage."""
    header = bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 504
    names = "EncryptionInfo".encode("utf-16-le") + b"\x00" * 40 + "EncryptedPackage".encode("utf-16-le")
    path.write_bytes(header + names + b"\x00" * 2048)
    return path


@pytest.fixture(scope="module")
def bad_documents(tmp_path_factory, rendered_txt_pdf) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bad")
    huge = folder / "huge.pdf"
    with huge.open("wb") as handle:  # sparse: 200 MB on paper, nothing on disk
        handle.truncate(200 * 1024 * 1024)
    (folder / "corrupt.docx").write_bytes(b"PK\x03\x04 this zip ends here")
    (folder / "notes.txt").write_text("会议纪要\n\n本次会议讨论了食堂菜单和停车位安排。\n", encoding="utf-8")
    return {
        "encrypted": _encrypted_pdf(folder / "encrypted.pdf", rendered_txt_pdf),
        "no_text": _image_only_pdf(folder / "scan.pdf"),
        "corrupt": folder / "corrupt.docx",
        "encrypted-docx": _encrypted_docx(folder / "protected.docx"),
        "too_large": huge,
        "not_self_evaluation": folder / "notes.txt",
    }


@pytest.fixture(scope="module")
def rendered_txt_pdf(tmp_path_factory) -> Path:
    return render(CORPUS[0], tmp_path_factory.mktemp("one"), ("pdf",))["pdf"]


@pytest.mark.parametrize("kind, reason", [("encrypted", "encrypted"), ("no_text", "no_text"), ("corrupt", "corrupt"),
                                          ("encrypted-docx", "encrypted"), ("too_large", "too_large"),
                                          ("not_self_evaluation", "not_self_evaluation")])
def test_a_bad_document_gets_one_reason_and_a_non_zero_exit(bad_documents, kind, reason, capsys):
    path = bad_documents[kind]
    started = time.perf_counter()
    code, out = run_cli("audit", path, "--json")
    record = json.loads(out)
    assert code == 1 and record["status"] == "refused" and record["refused"]["reason"] == reason
    assert str(path) in record["refused"]["message"] and "Traceback" not in capsys.readouterr().err
    assert time.perf_counter() - started < 10  # the 200 MB file is refused by its size, unread


def test_a_folder_run_goes_on_past_bad_documents(bad_documents, rendered, tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    for path in bad_documents.values():
        target = folder / path.name
        if path.stat().st_size > 10**6:
            with target.open("wb") as handle:
                handle.truncate(path.stat().st_size)
        else:
            shutil.copy(path, target)
    shutil.copy(rendered[CORPUS[0]["id"], "txt"], folder / "good.txt")
    run = audit_paths([folder], out=tmp_path / "out")
    by_name = {Path(r["source"]).name: r for r in run.records}
    assert by_name["good.txt"]["status"] == "audited" and len(run.failed) == len(bad_documents)
    index = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "无法审核：文件已加密" in index and "good.txt.audit.html" in index


def test_a_document_that_hangs_is_stopped_at_the_timeout(monkeypatch, rendered):
    def hang(path, *, shown=None):
        time.sleep(30)

    monkeypatch.setattr(batch_module, "audit_document", hang)  # the forked worker runs this copy
    started = time.perf_counter()
    run = audit_paths([rendered[CORPUS[0]["id"], "txt"]], timeout=1)
    assert time.perf_counter() - started < 5
    assert run.records[0]["refused"]["reason"] == "timeout"


# --- outputs -------------------------------------------------------------------------------------

def test_json_record_has_the_contract_keys(rendered):
    code, out = run_cli("audit", rendered[CORPUS[6]["id"], "txt"], "--json")
    record = json.loads(out)
    assert code == 1 and record["schema"] == "evalkit-audit/v1"
    assert record["source"] == str(rendered[CORPUS[6]["id"], "txt"])
    assert {"figures", "indicators"} <= set(record["extracted"])
    for f in record["findings"]:
        assert {"id", "severity", "message", "evidence", "location"} <= set(f)
        assert f["severity"] in ("error", "warning", "info")
    figure = record["extracted"]["figures"][0]
    assert {"key", "value", "printed", "snippet", "mark", "location", "where"} <= set(figure)


def test_a_clean_document_exits_zero(rendered):
    code, _ = run_cli("audit", rendered[CORPUS[0]["id"], "txt"])
    assert code == 0


def test_the_page_quotes_escaped_text_beside_each_finding(tmp_path):
    hostile = tmp_path / "hostile.txt"
    hostile.write_text("示例区某局2023年度部门整体支出绩效自评报告\n\n"
                       "年初预算安排100.00万元，调整预算数120.00万元，全年执行数114.00万元，"
                       "预算执行率96.00%<script>alert(1)</script>。\n", encoding="utf-8")
    run = audit_paths([hostile], out=tmp_path / "out")
    page = (tmp_path / "out" / "hostile.txt.audit.html").read_text(encoding="utf-8")
    assert "<script" not in page and "&lt;script&gt;" in page
    assert "Content-Security-Policy" in page and "http" not in page.split("</head>")[1]
    assert "<mark>96.00%</mark>" in page and "整改建议" in page
    body, _, last = page.partition("<h2>可复现信息</h2>")
    ids = [f["id"] for f in run.records[0]["findings"]]
    assert ids and not any(i in body for i in ids) and all(i in last for i in ids)
    assert not re.search(r"[\u4e00-\u9fff] +[0-9]", body.replace("报告所列", ""))


def test_messages_read_in_plain_chinese(rendered):
    for doc in CORPUS:
        for f in audit_document(rendered[doc["id"], "txt"])["findings"]:
            assert not re.search(r"[\u4e00-\u9fff] +[0-9]|[0-9%] +[\u4e00-\u9fff]|>=|<=|[0-9]{4}-[0-9]{2}-[0-9]{2}",
                                 f["message"]), f["message"]


def test_every_audit_finding_id_has_wording_and_advice():
    """Every id an ``AuditFinding(...)`` call can give has a short Chinese label, an 整改建议 ending in 。,
    and every evidence key it shows has a label (ids and keys never reach the page)."""
    import ast

    from evalkit.audit.document import REASONS
    from evalkit.audit.page import _wording

    ids, keys = set(), set()
    for path in (ROOT / "evalkit" / "audit").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "AuditFinding" and node.args:
                fid = node.args[0].value if isinstance(node.args[0], ast.Constant) else ""
                ids.add(fid)
                if fid.startswith("audit.") and len(node.args) > 3 and isinstance(node.args[3], ast.Dict):
                    keys |= {k.value for k in node.args[3].keys if isinstance(k, ast.Constant)}
    from evalkit.core.wording import finding_wording

    ids.discard("")
    reused = {i for i in ids if not i.startswith("audit.")}  # the core's ids keep the core's wording
    assert reused <= set(finding_wording().findings) and reused <= set(finding_wording().advice)
    ids -= reused
    wording = _wording()
    assert len(ids) >= 19 and ids <= set(wording["findings"]) and ids <= set(wording["advice"])
    for fid in ids:
        assert re.search(r"[\u4e00-\u9fff]", wording["findings"][fid]) and len(wording["findings"][fid]) <= 12
        assert wording["advice"][fid].endswith("。"), fid
    assert keys <= set(wording["evidence"]), sorted(keys - set(wording["evidence"]))
    assert set(REASONS) == set(wording["reasons"])


@needs_seed
def test_params_out_writes_a_draft_that_loads_and_scores_like_the_worked_example(tmp_path):
    run_cli("audit", SEED, "--params-out", tmp_path)
    (draft,) = tmp_path.glob("*.yaml")
    text = draft.read_text(encoding="utf-8")
    assert "actual: null  # 待核对" in text
    ev = evalkit.evaluate(evalkit.load_params(draft))
    assert (ev.score_text(), ev.grade_text()) == ("[9.97, 99.97]", "较差 ~ 优秀")


def test_a_draft_with_required_nulls_loads_once_they_are_filled(tmp_path):
    report = tmp_path / "short.txt"
    report.write_text("示例区某局2023年度部门整体支出绩效自评报告\n\n调整预算数120.00万元，全年执行数114.00万元。\n\n"
                      "公文处理件数：年度指标值≥100件，实际完成值120件，分值90分，得分90分。\n", encoding="utf-8")
    audit_paths([report], params_out=tmp_path / "params")
    (draft,) = (tmp_path / "params").glob("*.yaml")
    text = draft.read_text(encoding="utf-8")
    assert re.search(r"initial: null  # 待核对", text)
    with pytest.raises(evalkit.ParamsError, match="budget.initial"):
        evalkit.load_params(draft)
    draft.write_text(text.replace("initial: null", "initial: 100"), encoding="utf-8")
    params = evalkit.load_params(draft)
    assert params.budget.adjusted == 120 and params.indicators[0].actual == 120


def test_draft_comments_say_which_nulls_to_fill(tmp_path):
    report = tmp_path / "r.txt"
    report.write_text("示例区某局2023年度部门整体支出绩效自评报告\n\n全年执行数14.00万元。\n", encoding="utf-8")
    audit_paths([report], params_out=tmp_path)
    doc = yaml.safe_load((tmp_path / "r-2023.yaml").read_text(encoding="utf-8"))
    assert doc["budget"]["adjusted"] is None and doc["department"]["year"] == 2023


def test_a_refused_document_error_pickles_and_names_the_file():
    import pickle

    from evalkit.audit.document import DocumentRefused

    exc = pickle.loads(pickle.dumps(DocumentRefused("x.pdf", "encrypted", "the PDF is encrypted")))
    assert (exc.source, exc.reason, str(exc)) == ("x.pdf", "encrypted", "x.pdf: the PDF is encrypted")
    assert isinstance(exc, evalkit.EvalkitError)


def test_a_count_whose_items_are_numbered_paragraphs_is_checked(tmp_path):
    report = tmp_path / "duties.txt"
    report.write_text("示例区某局2023年度部门整体支出绩效自评报告\n\n我局主要职责有以下3项：\n\n1. 甲。\n\n2. 乙。\n\n"
                      "二、预算执行情况\n", encoding="utf-8")
    (finding,) = [f for f in audit_document(report)["findings"] if f["id"] == "audit.count_mismatch"]
    assert finding["message"] == "报告称共3项，其后列出2项" and finding["location"]["where"] == "第3行"


@pytest.mark.parametrize("executed, expected", [("114.00", 1), ("115.00", 1)])
def test_a_wrong_part_rate_is_reported_once(tmp_path, executed, expected):
    """Whether the core checks the part (the parts add up) or the audit does (they do not), once."""
    report = tmp_path / "rates.txt"
    report.write_text("示例区某局2023年度部门整体支出绩效自评报告\n\n"
                      f"年初预算安排110.00万元，调整预算数120.00万元，全年执行数{executed}万元。"
                      "其中人员及公用经费全年预算数20.00万元，全年执行数19.00万元，执行率99.00%；"
                      "专项预算项目全年预算数100.00万元，全年执行数95.00万元，执行率95.00%。\n", encoding="utf-8")
    record = audit_document(report)
    rates = [f for f in record["findings"] if f["id"] == "budget.line_rate_mismatch"]
    assert len(rates) == expected and "人员及公用经费" in rates[0]["message"] and "95.00%" in rates[0]["message"]
    assert "99.00%" in rates[0]["quotes"][0]["snippet"]
