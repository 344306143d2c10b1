"""Hostile text through what ``evalkit audit`` writes and prints: the mapped params file, the
terminal report and the reviewer's pages.

A report's text is data, never markup: every character class and line break a table cell can hold
goes cell text → mapped params → ``load_params`` and comes back as it was (or, where a params name may not
hold it, as a located error); text can never end a comment or a value and add keys. A quoted ESC
sequence or direction override is shown, never obeyed, on the terminal and in the audit HTML.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from conftest import run_cli

import evalkit
from evalkit import ParamsError
from evalkit.audit.mapping import mapped_params_yaml
from evalkit.audit.runner import audit_paths

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from audit_corpus import load_corpus, to_docx, to_text  # noqa: E402

INJECTED = "见附件1.1.1\n rule: {type: steps, bands: [{min: 0, coefficient: 100}]} #"


@dataclass
class Text:
    id: str
    text: str
    name_ok: bool = True  # whether a params name may hold it (else a located error)


# one row per character class a cell can carry; each is put in an indicator's name, target, actual and note
TEXTS = [
    Text("plain-chinese", "按计划完成"),
    Text("yaml-injection", INJECTED, name_ok=False),
    Text("two-paragraphs", "按计划完成\n详见附件", name_ok=False),
    Text("crlf", "按计划完成\r\n详见附件", name_ok=False),
    Text("carriage-return", "按计划完成\r rule: x", name_ok=False),
    Text("next-line-u0085", "按计划完成\x85rule: x", name_ok=False),
    Text("line-separator", "按计划完成\u2028rule: x", name_ok=False),
    Text("paragraph-separator", "按计划完成\u2029rule: x", name_ok=False),
    Text("vertical-tab-form-feed", "甲\x0b乙\x0c丙", name_ok=False),
    Text("file-group-separators", "甲\x1c乙\x1d丙\x1e丁", name_ok=False),
    Text("tab", "甲\t乙", name_ok=False),
    Text("nul", "甲\x00乙", name_ok=False),
    Text("escape-sequence", "甲\x1b[2J\x1b[31m乙", name_ok=False),
    Text("delete", "甲\x7f乙", name_ok=False),
    Text("c1-control", "甲\x9b31m乙", name_ok=False),
    Text("byte-order-mark", "\ufeff甲乙", name_ok=False),
    Text("zero-width-space", "甲\u200b乙", name_ok=False),
    Text("right-to-left-override", "\u202e量数理办", name_ok=False),
    Text("private-use", "甲\ue000", name_ok=False),
    Text("noncharacter-fffe", "甲\ufffe", name_ok=False),
    Text("lone-surrogate", "甲\udc80乙", name_ok=False),
    Text("astral-emoji", "完成😀𠀀"),
    Text("ideographic-space", "按计划\u3000完成"),
    Text("fullwidth", "ＡＢＣ１２３（全角）"),
    Text("double-quote-backslash", 'say "x" \\n \\ end'),
    Text("single-quotes", "it's '引号'"),
    Text("comment-mark", "完成 # 注释"),
    Text("colon-space", "key: value"),
    Text("flow-indicators", "{a: 1}, [b], &anchor *alias !tag |literal >folded"),
    Text("leading-indicators", "- item"),
    Text("document-markers", "--- ...", ),
    Text("percent-at-backtick", "%YAML @x `y`"),
    Text("looks-like-null", "null"),
    Text("looks-like-tilde", "~"),
    Text("looks-like-true", "yes"),
    Text("looks-like-number", "1e5"),
    Text("looks-like-date", "2024-01-01"),
    Text("html-script", "<script>alert(1)</script>"),
    Text("padded-spaces", "  两端空格  "),
    Text("long-199", "长" * 199),
]


def mapping_with(text: str) -> dict:
    return {
        "schema": "evalkit/v1",
        "department": {"id": "draft-2023", "name": "测试局", "year": 2023},
        "scheme": "mof-2020", "unit": "万元",
        "budget": {"initial": 100, "adjusted": 110, "executed": 99},
        "goals": [{"name": "综合管理", "indicators": [
            {"name": text, "direction": "qualitative", "target": text, "actual": text},
            {"name": "文件办理数量", "direction": ">=", "target": 100, "unit": "件", "actual": None},
        ]}],
    }


def test_the_table_covers_every_class_once():
    assert len(TEXTS) >= 40 and len({t.id for t in TEXTS}) == len(TEXTS)


@pytest.mark.parametrize("case", TEXTS, ids=lambda t: t.id)
def test_cell_text_goes_through_the_mapped_params_unchanged(case, tmp_path):
    mapping = mapping_with(case.text)
    note = f"完成值“{case.text}”不是数值，请核对"
    mapped = mapped_params_yaml(mapping, notes={"goals[0].indicators[1].actual": note}, source=case.text + ".docx")
    plain = mapped_params_yaml(mapping_with("x"), notes={"goals[0].indicators[1].actual": "x"}, source="x.docx")
    # no text can add a line, end a comment or add a key: the file has the plain file's lines
    assert len(mapped.splitlines()) == len(plain.splitlines())
    assert yaml.safe_load(mapped) == mapping
    [noted] = [line for line in mapped.splitlines() if "actual: null  # 待核对：" in line]
    assert noted.endswith("”不是数值，请核对")  # the whole note stays in its comment, on its line
    path = tmp_path / "mapped.yaml"
    path.write_text(mapped, encoding="utf-8", errors="strict")
    if case.name_ok:
        params = evalkit.load_params(path)
        ind = params.goals[0].indicators[0]
        assert (ind.name, ind.target, ind.actual) == (case.text.strip(),) * 3
        assert all(i.rule is None for g in params.goals for i in g.indicators)
        return
    with pytest.raises(ParamsError) as info:
        evalkit.load_params(path)
    hits = [p for p in info.value.problems if p.key.startswith("goals[0].indicators[0]")
            or (p.key == "" and "invalid Unicode" in p.message)]  # a lone surrogate: refused by the YAML reader
    assert hits and all(p.line is not None for p in hits), str(info.value)
    assert re.search(r"control character|invisible character|invalid Unicode", hits[0].message)


def _table_report(tmp_path: Path, **cells: str) -> Path:
    """The corpus's table-laid 自评表 as .docx, with 实际完成值 cells replaced (row → text)."""
    doc = next(d for d in load_corpus() if d["id"] == "04_table_clean_dept")
    table = [b for b in doc["blocks"] if "table" in b][1]["table"]
    assert table[0][4] == "实际完成值"
    for row, text in cells.items():
        table[int(row.removeprefix("row"))][4] = text
    path = tmp_path / "report.docx"
    to_docx(doc, path)
    return path


def test_a_docx_cell_holding_yaml_cannot_inject_a_rule(tmp_path):
    report = _table_report(tmp_path, row1=INJECTED, row2="按计划完成\n详见附件")
    run = audit_paths([report], params_out=tmp_path / "params")
    [mapped] = run.written
    text = mapped.read_text(encoding="utf-8")
    params = evalkit.load_params(mapped)  # the file is valid YAML and a valid params file
    indicators = [i for g in params.goals for i in g.indicators]
    assert all(i.rule is None for i in indicators)
    first = indicators[0]
    assert first.name == "培训教师人次" and first.actual is None
    assert "rule: {type: steps" not in [line.split("#")[0].strip() for line in text.splitlines()][0]
    assert sum("待核对" in line and "rule: {type: steps" in line for line in text.splitlines()) == 1
    assert evalkit.evaluate(params).score_text()  # and it scores as an interval, no full marks


def test_the_mapped_params_header_escapes_a_hostile_file_name(tmp_path):
    mapped = mapped_params_yaml(mapping_with("x"), source="r\neport\x1b.docx\u2028x: 1")
    assert yaml.safe_load(mapped) == mapping_with("x")
    assert mapped.splitlines()[0].startswith("# ") and "\\n" in mapped.splitlines()[0]


# --- the terminal and the pages show a report's control characters, never obey them ----------------

# (a NUL makes a .txt binary, refused as such; U+2028 is read as a line break)
HOSTILE_QUOTES = ["\x1b[2J\x1b[31m", "\u202e", "\x07", "\x9b2J", "\u200f"]


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory) -> Path:
    doc = next(d for d in load_corpus() if d["id"] == "07_parts_do_not_add_up")
    text = to_text(doc)
    assert "我局年初预算" in text
    path = tmp_path_factory.mktemp("esc") / "report.txt"
    path.write_text(text.replace("我局年初预算", "".join(HOSTILE_QUOTES) + "我局年初预算"), encoding="utf-8")
    return path


def test_the_terminal_shows_escape_sequences_in_quotes_as_text(hostile_report, capsys):
    code, out = run_cli("audit", hostile_report)
    capsys.readouterr()
    assert code == 1 and "ERROR" in out  # the planted finding is reported, quoting the line
    assert not any(ch in out for ch in "\x1b\u202e\x07\x9b\u200f")
    assert "\\x1b[2J\\x1b[31m\\u202e\\x07\\x9b2J\\u200f我局年初预算" in out


def test_the_audit_pages_show_control_characters_as_text(hostile_report, tmp_path, capsys):
    run_cli("audit", hostile_report, "--out", tmp_path)
    capsys.readouterr()
    page = (tmp_path / "report.txt.audit.html").read_text(encoding="utf-8")
    assert "我局年初预算" in page
    assert not any(ch in page for ch in "\x1b\u202e\x07\x9b\u200f")
    assert "\\u202e" in page
    data = (tmp_path / "report.txt.audit.json").read_text(encoding="utf-8")
    assert "\\u001b[2J" in data  # the JSON record keeps the text as it was, escaped by JSON


def test_a_hostile_file_name_is_shown_escaped(tmp_path, capsys):
    path = tmp_path / "r\x1b[2Jx.txt"
    path.write_text("这不是一份自评报告。\n", encoding="utf-8")
    code, out = run_cli("audit", path)
    err = capsys.readouterr().err
    assert code == 1 and "REFUSED" in out
    assert "\x1b" not in out + err and "\\x1b[2J" in out and "\\x1b[2J" in err


def test_the_json_record_on_the_terminal_escapes_what_a_terminal_obeys(hostile_report, capsys):
    code, out = run_cli("audit", hostile_report, "--json")
    capsys.readouterr()
    assert code == 1 and not any(ch in out for ch in "\x1b\u202e\x07\x9b\u200f")
    record = json.loads(out)  # the same JSON, only escaped
    quoted = [q["snippet"] for f in record["findings"] for q in f.get("quotes", [])]
    assert any("".join(HOSTILE_QUOTES) + "我局年初预算" in q for q in quoted)
