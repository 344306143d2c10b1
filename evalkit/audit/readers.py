"""Reading a report as published (.txt, .docx, .pdf, .html) into a :class:`~.source_document.SourceDocument`.

Every reader is bounded: a file over :data:`MAX_BYTES` is refused by its size before a byte is read,
a PDF over :data:`MAX_PAGES` pages by its page count, and what cannot be read (an encrypted PDF or
Word file, a PDF without a text layer, a damaged file) raises :class:`~.source_document.DocumentRefused`
with one reason. Time is bounded by the caller (``batch`` runs each document in a worker process).

>>> doc = read_text("附件\\n\\n一、基本情况\\n\\n年初预算 100 万元，全年执行\\n 98 万元。", "x.txt")
>>> [(p.text, p.location.words()) for p in doc.paragraphs][-1]
('年初预算 100 万元，全年执行\\n 98 万元。', '第5行')
"""

from __future__ import annotations

import contextlib
import re
import stat
import zipfile
from collections import Counter
from dataclasses import replace
from pathlib import Path
from statistics import median

from .source_document import DocumentRefused, Location, SourceDocument, SourceParagraph, SourceTable
from .tables import HEAD_LABELS, align_spaced, cells_to_tables, header_run, pairs_table, split_line
from .tables import blocks as form_blocks
from .text import normalise

#: Largest file read at all (a published report with scans stays well below).
MAX_BYTES = 64 * 1024 * 1024
#: Most pages of a PDF read; a longer file is refused by its page count.
MAX_PAGES = 150
#: Most characters kept from one document (text beyond is not read).
MAX_CHARS = 2_000_000
SUFFIXES = (".txt", ".docx", ".pdf", ".html", ".htm")
#: A line that opens a new item: 1. 1、 （一） 一、 (1) ①
MARKER = re.compile(r"^\s*(?:[0-9０-９]{1,2}\s*(?:[.．](?![0-9０-９])|[、）)])|[（(][一二三四五六七八九十0-9]{1,3}[）)]|"
                    r"[一二三四五六七八九十]{1,3}[、.．]|[①-⑳]|第[一二三四五六七八九十]+[章节部分条])")
#: Punctuation that ends a paragraph; a paragraph without it continues on the next one (page breaks).
TERMINAL = tuple("。；：！？:;!?")
#: How a title or heading ends (it is never continued by the next paragraph).
TITLE_ENDS = ("报告", "表", "情况", "工作", "目标", "指标", "名单", "措施", "问题", "等级")
#: The mark the audit's own pages carry (``page.GENERATOR``): they are never read as reports.
OWN_PAGE_MARK = b"<meta name='generator' content='evalkit audit'>"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _special(path: Path) -> str:
    """What a path that exists but is not a regular file is: ``a named pipe (FIFO)``, ``a folder``, …"""
    mode = path.stat().st_mode
    return ("a folder" if stat.S_ISDIR(mode) else "a named pipe (FIFO)" if stat.S_ISFIFO(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "not a file")


def read_document(path: str | Path, *, shown: str | None = None) -> SourceDocument:
    """Read ``path`` by its suffix; ``shown`` is the name errors and the result use (default: as given)."""
    path = Path(path)
    shown = shown or str(path)
    if not path.is_file():
        if path.exists():  # a FIFO or a device would block or never end: never opened
            raise DocumentRefused(shown, "unsupported", f"{_special(path)}, not a regular file; expected a .txt, "
                                                        ".docx, .pdf or .html report")
        raise DocumentRefused(shown, "not_found", "no such file; expected a .txt, .docx, .pdf or .html report")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise DocumentRefused(shown, "too_large", f"the file is {size / 2**20:.0f} MB; the audit reads files up to "
                                                  f"{MAX_BYTES // 2**20} MB (split the report or remove its scans)")
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise DocumentRefused(shown, "unsupported", f"unsupported file type '{suffix or '(none)'}'; expected "
                                                    "a .txt, .docx, .pdf or .html report")
    if size == 0:
        raise DocumentRefused(shown, "no_text", "the file is empty")
    reader = {".txt": _read_txt, ".docx": _read_docx, ".pdf": _read_pdf, ".html": _read_html, ".htm": _read_html}
    return reader[suffix](path, shown)


# --- plain text ---------------------------------------------------------------------------------

def _decode(raw: bytes, shown: str) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)[:MAX_CHARS]
        except UnicodeDecodeError:
            continue
        if encoding == "gb18030" and _big5(raw):
            raise DocumentRefused(shown, "corrupt", "the text looks like Big5 (traditional Chinese), which the audit "
                                                    "does not read; save the report as UTF-8")
        return text
    raise DocumentRefused(shown, "corrupt", "the text is neither UTF-8 nor GB18030")


def _utf16(raw: bytes) -> bool:
    """Text saved as UTF-16 (Windows Notepad's "Unicode"): a byte-order mark, or NUL bytes nearly all on
    one side of the byte pairs of a text that decodes so."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    head = raw[:4096]
    if len(head) < 4 or b"\x00" not in head:
        return False
    even, odd = head[0::2].count(0), head[1::2].count(0)
    if min(even, odd) * 10 > max(even, odd):  # a character such as U+4E00 puts a NUL on the other side
        return False
    try:
        raw[: len(raw) // 2 * 2].decode("utf-16-be" if even > odd else "utf-16-le")
    except UnicodeDecodeError:
        return False
    return True


def _big5(raw: bytes) -> bool:
    """Bytes that decode as GB18030 only into rare characters, and as Big5 cleanly: a Big5 file."""
    from ..core.side_tables import decode_table

    if decode_table(raw[:65536]) is not None:
        return False
    try:
        raw.decode("big5")
    except UnicodeDecodeError:
        return False
    return True


def _read_txt(path: Path, shown: str) -> SourceDocument:
    raw = path.read_bytes()
    if _utf16(raw):
        raise DocumentRefused(shown, "corrupt", "the text is UTF-16 (Windows \"Unicode\"), which the audit does not "
                                                "read; save the report as UTF-8")
    if raw.startswith((b"%PDF", b"PK\x03\x04", OLE_MAGIC)) or b"\x00" in raw[:4096]:
        raise DocumentRefused(shown, "corrupt", "the file is binary, not text; expected a UTF-8 text report")
    return read_text(_decode(raw, shown), shown)


def read_text(text: str, shown: str, fmt: str = "txt") -> SourceDocument:
    """Paragraphs (blank-line separated, or a line that opens a numbered item) and tables (lines of
    cells separated by `` | ``, tabs or runs of spaces; or one cell per line under a header of a form's
    column words), located by line."""
    blocks: list = []
    para: list[tuple[int, str]] = []
    table: list[tuple[int, tuple[str, ...], bool]] = []

    def flush_para():
        if para:
            blocks.append(SourceParagraph("\n".join(t for _, t in para), Location(line=para[0][0]),
                                    tuple(n for n, _ in para)))
            para.clear()

    def flush_table():
        if table:
            if len(table) == 1 and table[0][2]:  # one line of spaced words is prose, not a table
                para.append((table[0][0], text_lines[table[0][0] - 1].rstrip()))
                flush_para()
            else:
                if table[0][2]:  # laid out with spaces: cells by their column positions
                    rows = tuple(align_spaced([text_lines[n - 1] for n, _, _ in table]))
                else:
                    rows = tuple(r for _, r, _ in table if not all(set(c) <= set("-: ") for c in r))
                blocks.append(SourceTable(rows, Location(line=table[0][0])))
            table.clear()

    text_lines = text.splitlines()
    for number, line in enumerate(text_lines, 1):
        cells = split_line(line)
        if cells is None and table and table[-1][2] and line.startswith("    ") and line.strip():
            cells = (line.strip(),)  # an indented line inside a table laid out with spaces: a row of one cell
        if cells is not None:
            flush_para()
            spaced = "|" not in line and "\t" not in line
            if table and table[-1][2] != spaced:
                flush_table()
            table.append((number, cells, spaced))
            continue
        flush_table()
        if not line.strip() or MARKER.match(line):  # a blank line ends a paragraph, a numbered item opens one
            flush_para()
        if line.strip():
            para.append((number, line.rstrip()))
    flush_para()
    flush_table()
    return _finish(shown, fmt, _cell_per_line(blocks))


def _cell_per_line(blocks: list) -> list:
    """Paragraphs that are a form copied one cell per line (blank lines between), or run together on one
    line, become its tables: the head, the funds block and the indicator block."""
    out: list = []
    i = 0
    while i < len(blocks):
        made, i = (isinstance(blocks[i], SourceParagraph) and _form_at(blocks, i)) or ([blocks[i]], i + 1)
        out.extend(made)
    return out


def _form_at(blocks: list, i: int) -> tuple[list, int] | None:
    """The blocks a form copied one cell per line from paragraph ``i`` on is read as, and the index of the
    block after it; None when paragraph ``i`` opens no form."""
    cells, owners = [], []
    j = i
    while j < len(blocks) and isinstance(blocks[j], SourceParagraph):
        parts = _cells_of(blocks[j].text)
        if parts is None:
            break
        cells += parts
        owners += [j] * len(parts)
        j += 1
    start = next((k for k in range(len(cells)) if header_run(cells, k) >= 3), None)
    if start is None:
        found = pairs_table(cells)
        if found is None or owners[found[0]] != i:
            return None
        first, end, pairs = found
        return [SourceTable(tuple(pairs), Location())], owners[end - 1] + 1
    # the form starts at its first head label in a cell of its own (项目名称 / 某项目), not a line that
    # holds its value too (单位名称：某院　填报日期：…), which stays a paragraph before the form
    first = next((k for k in range(start) if _head_label(cells[k])), start)
    tables, used = cells_to_tables(cells[first:])
    if not tables:
        return None
    before = owners[first] if first < len(owners) else j
    out = list(blocks[i:before])  # paragraphs before the form stay paragraphs
    if first and owners[first - 1] == owners[first]:  # a title on the same line as the form
        lead = " ".join(cells[k] for k in range(first) if owners[k] == owners[first])
        out.append(SourceParagraph(lead, blocks[owners[first]].location, blocks[owners[first]].lines[:1]))
    out.extend(SourceTable(tuple(rows), Location()) for rows in tables)  # rows rebuilt: no source line per row
    last = first + used
    rest = owners[last] if last < len(owners) else j
    if last < len(owners) and owners[last - 1] == owners[last]:  # text after the form on its last line
        tail = " ".join(cells[k] for k in range(last, len(cells)) if owners[k] == owners[last])
        out.append(SourceParagraph(tail, blocks[rest].location, blocks[rest].lines[:1]))
        rest += 1
    return out, max(rest, i + 1)


def _head_label(cell: str) -> bool:
    return normalise(cell).text.startswith(HEAD_LABELS) and len(cell.strip()) <= 12


def _cells_of(text: str) -> list[str] | None:
    """A paragraph as cells: its lines (short ones, a cell each), or one long line run together whose
    words are cells; None for a paragraph of prose."""
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    if len(lines) == 1 and len(lines[0]) > 60:
        words = lines[0].split()
        if len(words) >= 12 and sum(1 for w in words if header_run(words, words.index(w)) >= 1) >= 3:
            return words
    if any(len(ln) > 90 for ln in lines):
        return None
    return lines


def _finish(shown: str, fmt: str, blocks: list, pages: int | None = None) -> SourceDocument:
    """Join paragraphs a page break split, and the rows of a table a page break split (a table on the
    next page with the same columns and no header of its own); number paragraphs and tables, drop empty
    ones."""
    joined: list = []
    last_page = None  # the page the last joined table ends on (it may run over several)
    for b in blocks:
        prev = joined[-1] if joined else None
        if fmt == "pdf" and isinstance(b, SourceTable) and isinstance(prev, SourceTable) and b.location.page \
                and last_page and b.location.page == last_page + 1 and b.rows and prev.rows \
                and len(b.rows[0]) == len(prev.rows[0]) and not _has_header(b):
            rows = b.rows
            if _row_continues(prev.rows[-1], rows[0]):  # a row the page break split: its cells run on
                tail = tuple((a + c) if c.strip() else a for a, c in zip(prev.rows[-1], rows[0], strict=True))
                joined[-1] = SourceTable(prev.rows[:-1] + (tail,) + rows[1:], prev.location)
            else:
                joined[-1] = SourceTable(prev.rows + rows, prev.location)
            last_page = b.location.page
            continue
        if isinstance(b, SourceTable):
            last_page = b.location.page
        if isinstance(b, SourceParagraph) and not b.text.strip():
            continue
        if isinstance(b, SourceParagraph) and isinstance(prev, SourceParagraph) and _continues(prev.text, b.text):
            joined[-1] = SourceParagraph(prev.text + "\n" + b.text, prev.location, prev.lines + b.lines)
            continue
        joined.append(b)
    out, n_para, n_table = [], 0, 0
    for b in joined:
        if isinstance(b, SourceParagraph):
            n_para += 1
            out.append(replace(b, location=replace(b.location, paragraph=n_para)))
        else:
            n_table += 1
            out.append(replace(b, location=replace(b.location, table=n_table)))
    return SourceDocument(shown, fmt, tuple(out), pages)


def _row_continues(last: tuple[str, ...], first: tuple[str, ...]) -> bool:
    """Whether the first row of a table's next page is the rest of the last row of the page before (a row
    a page break split): it fills only cells that row has text in, fewer of them, and no number of its own
    (the short cells, 分值 and 得分, ended on the first page)."""
    filled = [c for c, t in enumerate(first) if t.strip()]
    before = [c for c, t in enumerate(last) if t.strip()]
    if not filled or len(filled) >= len(before) or not set(filled) <= set(before):
        return False
    if any(re.fullmatch(r"[-−]?[0-9]+(?:\.[0-9]+)?%?", first[c].strip()) for c in filled):
        return False
    return not re.match(r"(?:指标\s*[0-9]+|[一二三四五六七八九十]+[、.])", first[filled[0]].strip())


def _has_header(table: SourceTable) -> bool:
    return any(b.header <= 1 for b in form_blocks(table.rows))


def _continues(before: str, after: str) -> bool:
    """Whether ``after`` is the rest of ``before`` (a paragraph a page break cut)."""
    head = before.rstrip()
    if head.endswith(TERMINAL) or MARKER.match(after) or after.lstrip().startswith(("绩效目标", "附件")):
        return False
    size = len(re.sub(r"\s", "", head))
    return head.endswith(("，", "、", ",", "（", "(")) or size >= 30 or (size >= 20 and not head.endswith(TITLE_ENDS))


# --- Word ---------------------------------------------------------------------------------------

def _read_docx(path: Path, shown: str) -> SourceDocument:
    with path.open("rb") as handle:
        head = handle.read(8)
    if head == OLE_MAGIC:
        raw = path.read_bytes()
        if "EncryptedPackage".encode("utf-16-le") in raw or "EncryptionInfo".encode("utf-16-le") in raw:
            raise DocumentRefused(shown, "encrypted", "the Word file is password-protected (an encrypted Office "
                                                      "container); save an unprotected copy and audit that")
        raise DocumentRefused(shown, "corrupt", "this is an old Word 97-2003 (.doc) file named .docx; "
                                                "save it as .docx")
    if not zipfile.is_zipfile(path):
        raise DocumentRefused(shown, "corrupt", "the file is not a Word document (.docx is a zip package); "
                                                "it may be damaged or misnamed")
    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo("word/document.xml")
            if info.file_size > MAX_BYTES * 4:
                raise DocumentRefused(shown, "too_large", "the Word document's text part is too large to read")
            xml = zf.read(info)
    except KeyError:
        raise DocumentRefused(shown, "corrupt", "the zip package has no word/document.xml; "
                                                "it is not a Word document") from None
    except (zipfile.BadZipFile, OSError, RuntimeError) as exc:
        raise DocumentRefused(shown, "corrupt", f"the Word package cannot be read ({exc})") from None
    return _docx_blocks(xml, shown)


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _docx_blocks(xml: bytes, shown: str) -> SourceDocument:
    from lxml import etree

    try:
        root = etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False))
    except etree.XMLSyntaxError as exc:
        raise DocumentRefused(shown, "corrupt", f"the Word document's XML is damaged ({exc})") from None
    body = root.find(f"{W}body")
    blocks: list = []
    for child in body if body is not None else ():
        if child.tag == f"{W}p":
            blocks.append(SourceParagraph(_docx_text(child), Location()))
        elif child.tag == f"{W}tbl":
            try:
                blocks.append(SourceTable(_docx_rows(child), Location()))
            except ValueError as exc:
                number = sum(isinstance(b, SourceTable) for b in blocks) + 1
                raise DocumentRefused(shown, "corrupt", f"table {number} of the Word document is damaged: "
                                                        f"{exc}") from None
    return _finish(shown, "docx", blocks)


def _docx_text(node) -> str:
    return "".join(el.text or "" if el.tag == f"{W}t" else "\t" if el.tag == f"{W}tab" else "\n"
                   for el in node.iter(f"{W}t", f"{W}tab", f"{W}br", f"{W}cr"))


def _docx_rows(tbl) -> tuple[tuple[str, ...], ...]:
    rows = []
    for tr in tbl.iter(f"{W}tr"):
        cells = []
        for tc in tr.findall(f"{W}tc"):
            props = tc.find(f"{W}tcPr")
            merged = props.find(f"{W}vMerge") if props is not None else None
            span = props.find(f"{W}gridSpan") if props is not None else None
            continued = merged is not None and merged.get(f"{W}val") != "restart"
            text = "" if continued else "\n".join(_docx_text(p) for p in tc.findall(f"{W}p")).strip()
            cells.append(text)
            cells += [""] * (_grid_span(span.get(f"{W}val", "1"), len(rows) + 1, len(cells)) - 1
                             if span is not None else 0)
        rows.append(tuple(cells))
    return tuple(rows)


#: Most columns a Word table may have (Word itself stops at 63).
MAX_GRID_SPAN = 63


def _grid_span(value: str, row: int, column: int) -> int:
    """A cell's ``w:gridSpan``: a whole number of columns from 1 to :data:`MAX_GRID_SPAN`, else
    ``ValueError`` saying which cell and what it holds."""
    text = str(value).strip()
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_GRID_SPAN:
        raise ValueError(f"the cell in row {row}, column {column} spans {text[:20]!r} columns (w:gridSpan); "
                         f"expected a whole number from 1 to {MAX_GRID_SPAN}")
    return int(text)


# --- PDF ----------------------------------------------------------------------------------------

def _read_pdf(path: Path, shown: str) -> SourceDocument:
    with path.open("rb") as handle:
        if not handle.read(1024).lstrip().startswith(b"%PDF"):
            raise DocumentRefused(shown, "corrupt", "the file does not start like a PDF; it may be damaged or misnamed")
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    try:
        pdf = pdfplumber.open(path)
    except PDFPasswordIncorrect:
        raise DocumentRefused(shown, "encrypted", "the PDF is encrypted with a password; "
                                                  "audit an unprotected copy") from None
    except Exception as exc:  # pdfminer raises many kinds on a damaged file (pdfplumber wraps them)
        causes = [exc, exc.__cause__, exc.__context__, *exc.args]
        if any(isinstance(c, PDFPasswordIncorrect) or "password" in str(c).lower()
               or "encrypt" in type(c).__name__.lower() for c in causes if c is not None):
            raise DocumentRefused(shown, "encrypted", "the PDF is encrypted; audit an unprotected copy") from None
        raise DocumentRefused(shown, "corrupt", f"the PDF cannot be opened ({type(exc).__name__})") from None
    with _closing(pdf):
        try:
            count = len(pdf.pages)
        except Exception as exc:
            why = "; a page's size (MediaBox) is damaged" if _in_page_box(exc) else ""
            raise DocumentRefused(shown, "corrupt", f"the PDF's pages cannot be read ({type(exc).__name__}{why})") from None
        if count > MAX_PAGES:
            raise DocumentRefused(shown, "too_many_pages", f"the PDF has {count} pages; the audit reads up to "
                                                           f"{MAX_PAGES}")
        blocks: list = []
        chars = 0
        for number, page in enumerate(pdf.pages, 1):
            try:
                page_blocks, n = _pdf_page(page, number)
            except Exception as exc:
                raise DocumentRefused(shown, "corrupt", f"page {number} cannot be read ({type(exc).__name__})") from None
            blocks += page_blocks
            chars += n
            page.close()
        if chars == 0:
            raise DocumentRefused(shown, "no_text", f"the PDF's {count} page(s) have no text layer (a scan); "
                                                    "run OCR first or audit the original document")
    return _finish(shown, "pdf", blocks, pages=count)


def _in_page_box(exc: BaseException) -> bool:
    """Whether ``exc`` rose while pdfplumber read a page's box (MediaBox, CropBox: a size of 1e30, a
    missing corner, a name where a number belongs)."""
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_name == "_normalize_box":
            return True
        tb = tb.tb_next
    return "bounding box" in str(exc).lower()


@contextlib.contextmanager
def _closing(pdf):
    """``pdf`` closed on the way out, even when closing it fails: pdfplumber's ``close`` builds every
    page again, and a page with a damaged MediaBox (``1e30``, a missing corner) raises there, which
    would replace the reason the document was refused."""
    try:
        yield pdf
    finally:
        try:
            pdf.close()
        except Exception:  # the page that failed to build fails again; the file still gets closed
            stream = getattr(pdf, "stream", None)
            if stream is not None:
                stream.close()


def _pdf_page(page, number: int) -> tuple[list, int]:
    tables = page.find_tables() if (page.rects or page.lines) else []
    outside = page
    found = []
    for t in tables:
        # a cell's text wraps inside the cell: its lines are one text again
        rows = tuple(tuple(re.sub(r"\s*\n\s*", "", c or "").strip() for c in row) for row in t.extract())
        if rows and max(len(r) for r in rows) >= 2:
            found.append((t.bbox[1], SourceTable(rows, Location(page=number))))
            x0, top, x1, bottom = t.bbox  # a line set tight under the table's bottom border is not the table's
            outside = outside.outside_bbox((x0 + 1, top + 1, x1 - 1, bottom - 2))
    lines = outside.extract_text_lines(return_chars=False)
    items = sorted([(ln["top"], "line", ln) for ln in lines] + [(top, "table", t) for top, t in found],
                   key=lambda x: x[0])
    pitches = [b["top"] - a["top"] for a, b in zip(lines, lines[1:], strict=False) if 0 < b["top"] - a["top"] < 60]
    pitch = _line_pitch(pitches)
    left = min((ln["x0"] for ln in lines), default=0)
    blocks: list = []
    current: list[str] = []
    last = None
    for top, kind, item in items:  # a table, a wider gap, a numbered item or an indented line starts a paragraph
        if kind == "table" or last is None or top - last["top"] > pitch * 1.12 or MARKER.match(item["text"]) \
                or item["x0"] - left > 12:
            if current:
                blocks.append(SourceParagraph("\n".join(current), Location(page=number)))
            current, last = [], None
        if kind == "table":
            blocks.append(item)
        else:
            current.append(item["text"])
            last = item
    if current:
        blocks.append(SourceParagraph("\n".join(current), Location(page=number)))
    return blocks, len(page.chars)


def _line_pitch(pitches: list[float]) -> float:
    """The distance between two lines of one paragraph: the smallest gap that recurs (a text with many
    short paragraphs has more paragraph gaps than line gaps, so the median is a paragraph gap)."""
    if not pitches:
        return 16
    counts = Counter(int(p * 2 + 0.5) / 2 for p in pitches)  # half a point apart is the same gap
    recurring = [k for k, c in counts.items() if c >= 2]
    return min(recurring) if recurring else median(pitches)


# --- HTML ---------------------------------------------------------------------------------------

BLOCK_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "pre", "blockquote", "dt", "dd", "caption"}


def _read_html(path: Path, shown: str) -> SourceDocument:
    import lxml.html
    from lxml import etree

    raw = path.read_bytes()
    if OWN_PAGE_MARK in raw[:4096]:
        raise DocumentRefused(shown, "not_self_evaluation", "this is a page `evalkit audit` wrote, not a report")
    try:
        root = lxml.html.document_fromstring(raw, parser=lxml.html.HTMLParser(encoding=_html_encoding(raw)))
    except (etree.ParserError, ValueError) as exc:
        raise DocumentRefused(shown, "corrupt", f"the HTML cannot be parsed ({exc})") from None
    blocks: list = []

    def walk(el):
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in ("script", "style", "head", "template", "noscript"):
            return
        if tag == "table":
            blocks.append(SourceTable(html_grid(el), Location()))
            return
        if tag == "pre":  # a text copy kept as printed: read it as a .txt file is read
            blocks.extend(read_text(el.text_content(), shown, "html").blocks)
            return
        if tag in BLOCK_TAGS:
            blocks.append(SourceParagraph(el.text_content().strip(), Location()))
            return
        if el.text and el.text.strip() and tag not in ("html", "body"):
            blocks.append(SourceParagraph(el.text.strip(), Location()))
        for child in el:
            walk(child)
            if child.tail and child.tail.strip():
                blocks.append(SourceParagraph(child.tail.strip(), Location()))

    walk(root)
    return _finish(shown, "html", blocks)


def _html_encoding(raw: bytes) -> str | None:
    """The page's declared charset, else UTF-8 when it decodes, else GB18030 (a page saved without a
    charset is not Latin-1, whatever a browser's default)."""
    if re.search(rb"charset\s*=\s*[\"']?([A-Za-z0-9_-]+)", raw[:4096]):
        return None  # lxml reads the declaration itself
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


def html_grid(table) -> tuple[tuple[str, ...], ...]:
    """A ``<table>``'s cells on its grid: a ``colspan`` cell leaves '' to its right, a ``rowspan`` cell
    '' below it (as a merged Word cell reads), so the name above is carried down by the block's reader."""
    rows: list[list[str]] = []
    pending: dict[int, int] = {}  # column → rows still covered by a rowspan from above
    for tr in table.iter("tr"):
        if next(tr.iterancestors("table"), None) is not table:
            continue  # a row of a table nested in a cell
        row: list[str] = []
        col = 0
        for td in tr:
            if td.tag not in ("td", "th"):
                continue
            col = _skip_covered(row, col, pending)
            span = _span(td.get("colspan"))
            down = _span(td.get("rowspan"))
            row.append(" ".join(td.text_content().split()))
            row += [""] * (span - 1)
            for k in range(col, col + span):
                if down > 1:
                    pending[k] = down - 1
            col += span
        _skip_covered(row, col, pending)
        rows.append(row)
    return tuple(tuple(r) for r in rows)


def _skip_covered(row: list[str], col: int, pending: dict[int, int]) -> int:
    """Blank cells for the columns a rowspan from above still covers; the next free column."""
    while pending.get(col, 0) > 0:
        row.append("")
        pending[col] -= 1
        col += 1
    return col


def _span(value) -> int:
    text = (value or "1").strip()
    return max(1, min(int(text), 200)) if text.isdigit() else 1
