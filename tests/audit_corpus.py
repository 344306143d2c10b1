"""The audit corpus rendered from its one source per document (``tests/fixtures/audit/corpus/*.yaml``) as
.txt, .html, .docx (python-docx) and .pdf (WeasyPrint from the HTML; its text is extractable).
Shared by ``tests/audit/test_audit*.py`` and ``bench/audit.py``.

>>> docs = load_corpus()                 # doctest: +SKIP
>>> render(docs[0], Path("/tmp/x"))      # doctest: +SKIP
"""

from __future__ import annotations

import textwrap
from html import escape
from pathlib import Path

import yaml

CORPUS = Path(__file__).resolve().parent / "fixtures" / "audit" / "corpus"
SEED_NAME = "000_80b251a725951dfe.txt"


def seed_path() -> Path:
    """The worked example's published report, read where it is shared (beside the checkout, as CI lays it
    out, or in /work/shared): never copied into the repository."""
    root = Path(__file__).resolve().parents[1]
    for folder in (root.parent / "shared" / "seeds", Path("/work/shared/seeds")):
        if (folder / SEED_NAME).is_file():
            return folder / SEED_NAME
    return Path("/work/shared/seeds") / SEED_NAME
FORMATS = ("txt", "docx", "pdf")
CSS = ("body{font-family:'Noto Sans CJK SC',sans-serif;font-size:10.5pt;line-height:1.5}"
       "h1{font-size:15pt;text-align:center}h2{font-size:12pt}p{text-indent:2em;margin:.4em 0}"
       "table{border-collapse:collapse;width:100%;margin:.5em 0}td,th{border:.6pt solid #000;padding:2pt 3pt;"
       "font-size:9pt}@page{size:A4;margin:2cm}")


def load_corpus() -> list[dict]:
    """Every corpus document, in file order."""
    return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(CORPUS.glob("*.yaml"))]


def to_text(doc: dict) -> str:
    """Plain text: blank lines between paragraphs, tables as tab-separated rows; ``wrap`` breaks lines
    at a fixed width (inside numbers and words, as text copied out of a PDF is)."""
    out = []
    for block in doc["blocks"]:
        if "table" in block:
            out.append("\n".join("\t".join(cells) for cells in block["table"]))
            continue
        text = block.get("h") or block.get("p")
        if doc.get("wrap") and "p" in block:
            text = "\n".join(textwrap.wrap(text, doc["wrap"], break_long_words=True, break_on_hyphens=False))
        out.append(text)
    return "\n\n".join(out) + "\n"


def to_html(doc: dict) -> str:
    parts = []
    for i, block in enumerate(doc["blocks"]):
        if "table" in block:
            rows = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>" for r in block["table"])
            parts.append(f"<table>{rows}</table>")
        elif "h" in block:
            tag = "h1" if i == 0 else "h2"
            parts.append(f"<{tag}>{escape(block['h'])}</{tag}>")
        else:
            parts.append(f"<p>{escape(block['p']).replace(chr(10), '<br>')}</p>")
    return (f"<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'><style>{CSS}</style></head>"
            f"<body>{''.join(parts)}</body></html>")


def to_docx(doc: dict, path: Path) -> None:
    import docx

    d = docx.Document()
    for i, block in enumerate(doc["blocks"]):
        if "table" in block:
            rows = block["table"]
            width = max(len(r) for r in rows)
            table = d.add_table(rows=len(rows), cols=width)
            table.style = "Table Grid"
            for r, cells in enumerate(rows):
                for c, text in enumerate(cells):
                    table.cell(r, c).text = text
            _merge_blank_tiers(table, rows)
        elif "h" in block:
            d.add_heading(block["h"], level=0 if i == 0 else 1)
        else:
            d.add_paragraph(block["p"])
    d.save(str(path))


def _merge_blank_tiers(table, rows) -> None:
    """Merge a blank 一级指标/二级指标 cell into the one above, as Word tables are made."""
    if not rows or rows[0][:1] != ["一级指标"]:
        return
    for c in (0, 1):
        start = None
        for r in range(1, len(rows)):
            if rows[r][c] and not rows[r][0].startswith("总分"):
                start = r
            elif start is not None and not rows[r][c] and not rows[r][0].startswith("总分"):
                top = table.cell(start, c)
                text = top.text
                merged = top.merge(table.cell(r, c))
                merged.text = text


def render(doc: dict, folder: Path, formats=FORMATS) -> dict[str, Path]:
    """Write ``doc`` in each of ``formats`` into ``folder``; returns format → path."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for fmt in formats:
        path = folder / f"{doc['id']}.{fmt}"
        if fmt == "txt":
            path.write_text(to_text(doc), encoding="utf-8")
        elif fmt == "html":
            path.write_text(to_html(doc), encoding="utf-8")
        elif fmt == "docx":
            to_docx(doc, path)
        elif fmt == "pdf":
            from weasyprint import HTML

            HTML(string=to_html(doc)).write_pdf(str(path))
        out[fmt] = path
    return out
