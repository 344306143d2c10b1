"""The audit corpus modelled on published documents (``tests/fixtures/audit/real/*.yaml``), rendered the
ways departments publish them: .docx with real merged cells (python-docx), .pdf with real table structure
(LibreOffice converting that .docx), .html with ``rowspan``/``colspan`` (or the text copy in ``<pre>``),
and a text copy in the shape the published page gives (`` | `` pipes, tabs, aligned spaces, one cell per
line with blank lines between, or cells run together on one line).

A fixture holds one document: ``source`` (the published document's address), its blocks in order
(``h`` heading, ``p`` paragraph, ``table`` rows where ``^`` is a cell merged into the one above and
``<`` one merged into the one to its left) and ``truth``: every figure by role, every indicator row, every
flaw with its arithmetic and the finding id the audit should give, and what is clean.
Shared by ``tests/audit/test_audit_real.py`` and ``bench/audit.py``.

>>> grid([["一级指标", "二级指标"], ["产出指标", "数量指标"], ["^", "质量指标"]])[2]
[('', 'merged'), ('质量指标', 'text')]
"""

from __future__ import annotations

import unicodedata
from html import escape
from pathlib import Path

import yaml

REAL = Path(__file__).resolve().parent / "fixtures" / "audit" / "real"
SHAPES = ("pipes", "tabs", "spaces", "cell_lines", "run_together")
FORMATS = ("txt", "docx", "pdf", "html")


def load_real() -> list[dict]:
    """Every document modelled on a published one, in file order."""
    return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(REAL.glob("*.yaml"))]


def grid(rows: list[list[str]]) -> list[list[tuple[str, str]]]:
    """Each cell as (text, 'text' | 'merged'): ``^`` and ``<`` are merged cells, read as ''."""
    width = max(len(r) for r in rows)
    out = []
    for r in rows:
        cells = [(str(c), "text") if str(c) not in ("^", "<") else ("", "merged") for c in r]
        cells += [("", "text")] * (width - len(cells))
        out.append(cells)
    return out


def _spans(rows: list[list[str]]) -> dict[tuple[int, int], tuple[int, int]]:
    """(row, col) of every cell that starts a merge → (rowspan, colspan)."""
    width = max(len(r) for r in rows)
    norm = [[str(c) for c in r] + [""] * (width - len(r)) for r in rows]
    spans = {}
    for r, row in enumerate(norm):
        for c, cell in enumerate(row):
            if cell in ("^", "<"):
                continue
            cs = 1
            while c + cs < width and norm[r][c + cs] == "<":
                cs += 1
            rs = 1
            while r + rs < len(norm) and norm[r + rs][c] == "^":
                rs += 1
            spans[r, c] = (rs, cs)
    return spans


# --- text copies -------------------------------------------------------------------------------------

def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def table_text(rows: list[list[str]], shape: str) -> str:
    """One table as a text copy of ``shape``."""
    cells = [[t for t, _ in r] for r in grid(rows)]
    if shape == "pipes":
        return "\n".join("| " + " | ".join(r) + " |" for r in cells)
    if shape == "tabs":
        return "\n".join("\t".join(r).rstrip("\t") for r in cells)
    if shape == "spaces":  # a PDF's text layer laid out: each column at its own position
        width = len(cells[0])
        cols = [max(_width(r[c]) for r in cells) + 3 for c in range(width)]
        lines = []
        for r in cells:
            line = "".join(t + " " * (cols[c] - _width(t)) for c, t in enumerate(r))
            lines.append(line.rstrip())
        return "\n".join(lines)
    if shape == "cell_lines":
        return "\n\n".join(t for r in cells for t in r if t)
    if shape == "run_together":
        return " ".join(t for r in cells for t in r if t)
    raise ValueError(f"unknown text shape {shape!r}; expected one of {SHAPES}")


def to_text(doc: dict, shape: str | None = None) -> str:
    shape = shape or doc["shape"]
    out = []
    for block in doc["blocks"]:
        if "table" in block:
            out.append(table_text(block["table"], shape))
        else:
            out.append(block.get("h") or block.get("p"))
    return "\n\n".join(out) + "\n"


def to_html(doc: dict) -> str:
    """HTML as a site publishes it: tables with rowspan/colspan, or (``html: pre``) the text copy in ``<pre>``."""
    if doc.get("html") == "pre":
        return ("<html><head><meta charset='utf-8'></head><body><pre>" + escape(to_text(doc))
                + "</pre></body></html>")
    parts = []
    for i, block in enumerate(doc["blocks"]):
        if "table" in block:
            rows = block["table"]
            spans = _spans(rows)
            html_rows = []
            for r, row in enumerate(grid(rows)):
                tds = []
                for c, (text, kind) in enumerate(row):
                    if kind == "merged":
                        continue
                    rs, cs = spans.get((r, c), (1, 1))
                    attrs = (f" rowspan='{rs}'" if rs > 1 else "") + (f" colspan='{cs}'" if cs > 1 else "")
                    tds.append(f"<td{attrs}>{escape(text)}</td>")
                html_rows.append("<tr>" + "".join(tds) + "</tr>")
            parts.append("<table border='1'>" + "".join(html_rows) + "</table>")
        elif "h" in block:
            tag = "h1" if i == 0 else "h2"
            parts.append(f"<{tag}>{escape(block['h'])}</{tag}>")
        else:
            parts.append(f"<p>{escape(block['p'])}</p>")
    crumb = doc.get("breadcrumb")
    head = f"<div class='crumb'>{escape(crumb)}</div>" if crumb else ""
    return ("<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'></head><body>" + head
            + "".join(parts) + "</body></html>")


def to_docx(doc: dict, path: Path) -> None:
    """A Word file whose tables have real merged cells (``gridSpan`` and ``vMerge``)."""
    import docx

    d = docx.Document()
    for i, block in enumerate(doc["blocks"]):
        if "table" in block:
            rows = block["table"]
            g = grid(rows)
            table = d.add_table(rows=len(g), cols=len(g[0]))
            table.style = "Table Grid"
            for r, row in enumerate(g):
                for c, (text, kind) in enumerate(row):
                    if kind == "text" and text:
                        table.cell(r, c).text = text
            for (r, c), (rs, cs) in _spans(rows).items():
                if rs > 1 or cs > 1:
                    top = table.cell(r, c)
                    text = top.text
                    merged = top.merge(table.cell(r + rs - 1, c + cs - 1))
                    merged.text = text
        elif "h" in block:
            d.add_heading(block["h"], level=0 if i == 0 else 1)
        else:
            d.add_paragraph(block["p"])
    d.save(str(path))


def render_real(docs: list[dict], folder: Path, formats=FORMATS) -> dict[tuple[str, str], Path]:
    """Every document in each of ``formats``; PDFs come from LibreOffice converting the .docx files in
    one run (a PDF with the Word tables' real structure)."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    docx_paths = []
    for doc in docs:
        for fmt in formats:
            path = folder / f"{doc['id']}.{fmt}"
            if fmt == "txt":
                path.write_text(to_text(doc), encoding="utf-8")
            elif fmt == "html":
                path.write_text(to_html(doc), encoding="utf-8")
            elif fmt in ("docx", "pdf"):
                docx_path = folder / f"{doc['id']}.docx"
                if docx_path not in docx_paths:
                    to_docx(doc, docx_path)
                    docx_paths.append(docx_path)
            out[doc["id"], fmt] = path
    if "pdf" in formats and docx_paths:
        from office import convert

        convert(docx_paths if "docx" in formats else docx_paths, folder, "pdf")
    if "docx" not in formats:
        for p in docx_paths:
            p.unlink()
    return out


# --- measuring ---------------------------------------------------------------------------------------

SERIOUS = ("error", "warning")


def _flat(text) -> str:
    return "".join(str(text if text is not None else "").split())


def _same_number(a, b) -> bool:
    from decimal import Decimal

    if a is None and b is None:
        return True
    try:
        return a is not None and b is not None and abs(Decimal(str(a)) - Decimal(str(b))) < Decimal("0.0005")
    except ArithmeticError:
        return False


def _same_target(indicator: dict, target) -> bool:
    """The target as printed, or the same number (30 in its cell, ≤30万元 in a copy that ran cells together)."""
    if _flat(indicator["target"]) == _flat(target):
        return True
    from evalkit.audit.extract import parse_target

    value = parse_target(str(target))[1]
    return value is not None and _same_number(indicator.get("target_value"), value)


def flaw_ids(flaw: dict) -> list[str]:
    """The finding ids that count as finding ``flaw`` (one id, or a list of acceptable ids)."""
    ids = flaw["id"]
    return list(ids) if isinstance(ids, list) else [ids]


def measure(doc: dict, record: dict) -> dict:
    """What one audit record got right against the document's truth: figures by value and role, indicator
    rows (name, target, actual, 分值, 得分), flaws found, false alarms (an error or warning the truth
    neither plants nor accepts), and whether the document was refused."""
    truth = doc["truth"]
    figures, rows, flaws = truth.get("figures") or {}, truth.get("rows") or [], truth.get("flaws") or []
    out = {"identity": 0, "identity_ok": 0, "figures": len(figures), "figures_ok": 0, "rows": len(rows), "rows_ok": 0, "flaws": len(flaws),
           "flaws_found": 0, "false_alarms": [], "refused": record["status"] != "audited", "missed": []}
    expected = truth.get("refused")  # a document that is not a self-evaluation is refused, rightly
    if out["refused"] or expected:
        out["refused"] = out["refused"] and record["refused"]["reason"] != expected
        if out["refused"] or not record["status"] == "refused" and expected:
            out["missed"] = [f"refused: {record.get('refused', {}).get('reason')} (expected {expected})"]
        return out
    document = record["document"]
    for key, got in (("kind", document["kind"]), ("year", document["year"]), ("unit", document["department"])):
        want = doc.get(key)
        if want is None and key == "unit":
            continue
        out["identity"] += 1
        if (want is None and got is None) or (want is not None and _flat(got) == _flat(want)):
            out["identity_ok"] += 1
        else:
            out["missed"].append(f"{key}: {got!r} != {want!r}")
    read = {}
    for f in record["extracted"]["figures"]:
        read.setdefault(f["key"], f["value"])
    for key, value in figures.items():
        if _same_number(read.get(key), value):
            out["figures_ok"] += 1
        else:
            out["missed"].append(f"figure {key}: {read.get(key)!r} != {value!r}")
    indicators = record["extracted"]["indicators"]
    for name, target, actual, weight, score in rows:
        hit = any(_flat(i["name"]) == _flat(name) and _same_target(i, target)
                  and _flat(i["actual"]) == _flat(actual) and _same_number(i["weight"], weight)
                  and _same_number(i["score"], score) for i in indicators)
        out["rows_ok"] += hit
        if not hit:
            out["missed"].append(f"row {name}")
    found = {f["id"] for f in record["findings"] if f["severity"] in SERIOUS}
    planted = set()
    for flaw in flaws:
        ids = flaw_ids(flaw)
        planted.update(ids)
        if found & set(ids):
            out["flaws_found"] += 1
        else:
            out["missed"].append(f"flaw {ids[0]}")
    accepted = {a["id"] for a in truth.get("accepted") or []}
    out["false_alarms"] = sorted(found - planted - accepted)
    return out
