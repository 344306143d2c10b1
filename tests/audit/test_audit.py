"""``evalkit audit``: the corpus in three formats gives exactly its planted findings and reads its figures;
the seed report's known flaws come out with quotes and locations; bad documents get one reason each and
never a traceback; a folder run goes on past them (pages, mapped params files and the checks on their own:
the other tests/audit/ files)."""

from __future__ import annotations

import json
import re
import shutil
import time
from html import escape
from pathlib import Path

import pytest
from audit_corpus import load_corpus, render, seed_path
from conftest import run_cli

from evalkit.audit import audit_document, audit_paths
from evalkit.audit import runner as batch_module

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


def test_messages_read_in_plain_chinese(rendered):
    for doc in CORPUS:
        for f in audit_document(rendered[doc["id"], "txt"])["findings"]:
            assert not re.search(r"[\u4e00-\u9fff] +[0-9]|[0-9%] +[\u4e00-\u9fff]|>=|<=|[0-9]{4}-[0-9]{2}-[0-9]{2}",
                                 f["message"]), f["message"]
