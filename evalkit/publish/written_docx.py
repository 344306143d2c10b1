"""A written document (:mod:`.written`: the 自评报告 draft, the 复核意见书) as a Word file, laid out like a 公文.

A4; margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm; body 三号 (16 pt) at a fixed 28 pt
line pitch; a centred title; tables in 五号 (10.5 pt); page numbers (a ``PAGE`` field) centred in
the footer as ``— 1 —``.

Fonts are those of a 公文 when the machine has them — 仿宋_GB2312 or 仿宋 for the body, 黑体 for
headings — else Noto Serif CJK SC and Noto Sans CJK SC (:func:`choose_fonts`, a pure function of
the installed families; :func:`installed_families` asks fontconfig). Each is declared in the
document's font table with an alternate, so Word on a machine without it substitutes the other.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import docx
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor, Twips
from lxml import etree

from . import written as model
from .written import Heading, WrittenParagraph, WrittenTable

SERIF = "Noto Serif CJK SC"
SANS = "Noto Sans CJK SC"
LATIN = "Times New Roman"
#: Each 公文 font → what to fall back to where it is missing (Word reads ``w:altName``; LibreOffice
#: and fontconfig substitute by the CJK charset): the Noto CJK faces every evalkit machine has.
ALTERNATES = {"方正小标宋简体": SERIF, "黑体": SANS, "楷体_GB2312": SERIF, "仿宋_GB2312": SERIF}


@dataclass(frozen=True)
class DocxFonts:
    """The East Asian fonts a document declares, by GB/T 9704 (党政机关公文格式): 方正小标宋简体
    for the title, 黑体 for first-level headings, 楷体_GB2312 for second-level ones, 仿宋_GB2312 for
    the body and tables. They are declared whatever this machine has, so the file looks right on a
    government machine; the HTML and PDF renderings fall back to Noto CJK, embedded."""

    title: str = "方正小标宋简体"
    heading: str = "黑体"
    subheading: str = "楷体_GB2312"
    body: str = "仿宋_GB2312"


BODY_PT, TITLE_PT, TABLE_PT, FOOTER_PT = 16, 22, 10.5, 14
LINE_PT = 28
TEXT_WIDTH_MM = 210 - 28 - 26
_ORANGE = RGBColor(0xB4, 0x5F, 0x06)
_GREY = RGBColor(0x55, 0x55, 0x55)


def render_docx(document: model.WrittenDocument, *, fonts: DocxFonts = DocxFonts()) -> bytes:
    """The ``.docx`` bytes of ``document``, its Chinese text in ``fonts``."""
    doc = docx.Document()
    _page(doc)
    _styles(doc, fonts)
    _font_table(doc, fonts)
    _footer(doc)
    props = doc.core_properties
    props.title, props.author, props.language = document.title, document.department, "zh-CN"
    props.comments = ""  # a department's file names no tool
    title = _styled(doc.add_paragraph(), doc.styles["Report Title"])
    lines = title_lines(document.title)
    for i, line in enumerate(lines):
        run = title.add_run(line)
        if i < len(lines) - 1:
            run.add_break()  # a line break inside the one title paragraph
    blocks = document.blocks
    for i, block in enumerate(blocks):
        if isinstance(block, Heading):
            _styled(doc.add_paragraph(block.title), doc.styles[f"Heading {block.level}"])
        elif isinstance(block, WrittenParagraph):
            paragraph = _paragraph(doc, block)
            if _keeps_with_closing(blocks, i):
                paragraph.paragraph_format.keep_with_next = True
        elif isinstance(block, WrittenTable):
            _table(doc, block, keep_with_next=_keeps_with_closing(blocks, i))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


#: Characters of the 22 pt title on one line of the text width.
TITLE_LINE = int(TEXT_WIDTH_MM / (TITLE_PT * 0.3528))


def title_lines(title: str) -> list[str]:
    """The title in lines broken where a 公文 breaks it: after the unit and year (``…2023年度``), when
    the whole does not fit on one line and each part does.

    >>> title_lines("示例区科学技术局2023年度部门整体支出绩效自评复核意见书")
    ['示例区科学技术局2023年度', '部门整体支出绩效自评复核意见书']
    """
    if len(title) <= TITLE_LINE or "年度" not in title:
        return [title]
    head, _, tail = title.partition("年度")
    head += "年度"
    return [head, tail] if tail and len(head) <= TITLE_LINE and len(tail) <= TITLE_LINE else [title]


def _page(doc) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(20)


def _fonts(rpr, *, east_asia: str, latin: str = LATIN) -> None:
    """Name the fonts explicitly: theme font attributes would otherwise win over the names."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        if attr.endswith(("Theme", "theme")):
            del fonts.attrib[attr]
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:cs"), latin)
    fonts.set(qn("w:hint"), "eastAsia")


def _styles(doc, fonts: DocxFonts) -> None:
    styles = doc.styles
    defaults = styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _fonts(defaults, east_asia=fonts.body)
    lang = defaults.find(qn("w:lang"))
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")

    indent, center = Pt(BODY_PT * 2), WD_ALIGN_PARAGRAPH.CENTER
    exact = {"line_spacing_rule": WD_LINE_SPACING.EXACTLY, "line_spacing": Pt(LINE_PT)}
    _format(styles["Normal"], {"size": Pt(BODY_PT)}, east_asia=fonts.body, space_before=Pt(0), space_after=Pt(0),
            **exact, widow_control=True)
    _paragraph_style(styles, "Report Body", first_line_indent=indent, alignment=WD_ALIGN_PARAGRAPH.JUSTIFY)
    _paragraph_style(styles, "Report Item", first_line_indent=indent, alignment=WD_ALIGN_PARAGRAPH.LEFT)
    _paragraph_style(styles, "Report Note", {"size": Pt(12), "color": _GREY}, alignment=center, line_spacing=Pt(20),
                     space_after=Pt(6))
    _paragraph_style(styles, "Report Sample", {"bold": True, "color": _ORANGE}, alignment=center)
    _paragraph_style(styles, "Report Closing", alignment=WD_ALIGN_PARAGRAPH.RIGHT, right_indent=indent,
                     keep_together=True)
    _paragraph_style(styles, "Report Attachment", east_asia=fonts.heading, page_break_before=True, keep_with_next=True)
    _paragraph_style(styles, "Table Text", {"size": Pt(TABLE_PT)}, line_spacing_rule=WD_LINE_SPACING.SINGLE,
                     keep_together=True)
    _paragraph_style(styles, "Report Title", {"size": Pt(TITLE_PT), "bold": True}, east_asia=fonts.title,
                     alignment=center, line_spacing=Pt(36), space_before=Pt(0), space_after=Pt(LINE_PT))
    for level in (1, 2, 3):
        style = _format(styles[f"Heading {level}"], {"size": Pt(BODY_PT), "bold": level != 2, "color": RGBColor(0, 0, 0)},
                        east_asia=(fonts.heading, fonts.subheading, fonts.body)[level - 1], first_line_indent=indent,
                        space_before=Pt(6 if level == 1 else 0), space_after=Pt(0), **exact, keep_with_next=True)
        color = style.element.rPr.find(qn("w:color"))
        for attr in ("w:themeColor", "w:themeShade"):
            color.attrib.pop(qn(attr), None)


def _format(style, font: dict | None = None, *, east_asia: str | None = None, **paragraph):
    """Set a style's font attributes (``color``: its RGB colour), its East Asian font and its paragraph
    format's attributes (``paragraph``, in the order given)."""
    if east_asia is not None:
        _fonts(style.element.get_or_add_rPr(), east_asia=east_asia)
    for key, value in (font or {}).items():
        if key == "color":
            style.font.color.rgb = value
        else:
            setattr(style.font, key, value)
    for key, value in paragraph.items():
        setattr(style.paragraph_format, key, value)
    return style


def _paragraph_style(styles, name: str, font: dict | None = None, **settings):
    """A paragraph style based on Normal, set as :func:`_format` sets it."""
    style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = styles["Normal"]
    style.quick_style = True
    return _format(style, font, **settings)


def _font_table(doc, fonts: DocxFonts) -> None:
    """Declare the CJK fonts with an alternate name, charset GB2312 and family class, so a machine
    without them substitutes a CJK face (Noto CJK) rather than a Latin font."""
    part = next(p for p in doc.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml")
    root = etree.fromstring(part.blob)
    for name, family in ((fonts.title, "roman"), (fonts.heading, "swiss"), (fonts.subheading, "roman"),
                         (fonts.body, "roman")):
        font = etree.SubElement(root, qn("w:font"), {qn("w:name"): name})
        etree.SubElement(font, qn("w:altName"), {qn("w:val"): ALTERNATES.get(name, SERIF)})
        etree.SubElement(font, qn("w:charset"), {qn("w:val"): "86"})
        etree.SubElement(font, qn("w:family"), {qn("w:val"): family})
        etree.SubElement(font, qn("w:pitch"), {qn("w:val"): "variable"})
    # python-docx keeps parts it does not model as bytes; replace them.
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _footer(doc) -> None:
    paragraph = doc.sections[0].footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.style = doc.styles["Normal"]
    paragraph.paragraph_format.first_line_indent = Pt(0)
    for text in ("— ", None, " —"):
        run = paragraph.add_run(text or "")
        run.font.size = Pt(FOOTER_PT)
        if text is None:
            _page_field(run)


def _page_field(run) -> None:
    """A ``PAGE`` field: Word and LibreOffice print the page number in its place."""
    parts = [("w:fldChar", {"w:fldCharType": "begin"}), ("w:instrText", None),
             ("w:fldChar", {"w:fldCharType": "separate"}), ("w:t", None), ("w:fldChar", {"w:fldCharType": "end"})]
    for tag, attrs in parts:
        el = OxmlElement(tag)
        for k, v in (attrs or {}).items():
            el.set(qn(k), v)
        if tag == "w:instrText":
            el.set(qn("xml:space"), "preserve")
            el.text = " PAGE "
        if tag == "w:t":
            el.text = "1"
        run._r.append(el)


_PARAGRAPH_STYLES = {"body": "Report Body", "item": "Report Item", "note": "Report Note",
                     "sample": "Report Sample", "closing": "Report Closing", "attachment": "Report Attachment"}


def _styled(paragraph, style):
    """``paragraph`` in ``style``, a style other than the document's default paragraph style. The same
    XML as ``paragraph.style = style``, whose python-docx setter reads every style of the document to
    find the default one first: two thirds of a report's .docx time."""
    paragraph._p.style = style.style_id
    return paragraph


def _keeps_with_closing(blocks, i: int) -> bool:
    """Whether paragraph ``i`` must stay on the page of the 落款 that follows it: every closing line but
    the last, and the body paragraph just before them, so the 落款 never stands alone on a page."""
    after = blocks[i + 1] if i + 1 < len(blocks) else None
    return isinstance(after, WrittenParagraph) and after.style == "closing"


def _paragraph(doc, block: WrittenParagraph):
    paragraph = _styled(doc.add_paragraph(), doc.styles[_PARAGRAPH_STYLES[block.style]])
    for span in block.spans:
        run = paragraph.add_run(span.text)
        if span.kind == "strong":
            run.bold = True
        elif span.kind == "missing":
            run.bold = True
            run.font.highlight_color = WD_COLOR_INDEX.YELLOW
        elif span.kind == "note":
            run.font.color.rgb = _GREY
    return paragraph


def _table(doc, block: WrittenTable, *, keep_with_next: bool = False) -> None:
    table = doc.add_table(rows=1 + len(block.rows), cols=len(block.headers))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = column_widths(block.widths)
    _grid(table, widths)
    header = table.rows[0]
    _repeat_header(header)
    text_style = doc.styles["Table Text"]
    for r, (row, values) in enumerate(zip(table.rows, [block.headers, *block.rows], strict=True)):
        for c, (cell, value) in enumerate(zip(row.cells, values, strict=True)):
            cell.width = widths[c]
            paragraph = _styled(cell.paragraphs[0], text_style)
            if r == 0:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            elif c in block.numeric:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            run = paragraph.add_run(value)
            run.bold = r == 0
            if keep_with_next:  # the table's last rows and the 落款 after it share a page
                paragraph.paragraph_format.keep_with_next = True
    if keep_with_next:
        for row in table.rows:
            _cant_split(row)
    gap = _styled(doc.add_paragraph(), text_style)  # a gap after the table, as Word users expect
    gap.paragraph_format.keep_with_next = keep_with_next


def _cant_split(row) -> None:
    flag = OxmlElement("w:cantSplit")
    row._tr.get_or_add_trPr().append(flag)


def _repeat_header(row) -> None:
    """Repeat the header row on every page a long table runs over."""
    trpr = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    trpr.append(flag)


def column_widths(relative) -> list:
    """Column widths (EMU) sharing the text width in the ``relative`` proportions, in whole twips
    (Word stores grid columns in twips) that add up to the text width exactly."""
    total_twips = int(Mm(TEXT_WIDTH_MM).twips)
    whole = sum(relative)
    # largest remainder: every column gets its floor, the leftover twips go to the largest fractions
    exact = [total_twips * w / whole for w in relative]
    floors = [int(x) for x in exact]
    for i in sorted(range(len(exact)), key=lambda i: floors[i] - exact[i])[: total_twips - sum(floors)]:
        floors[i] += 1
    return [Twips(t) for t in floors]


def _grid(table, widths) -> None:
    """Make the table's grid (``w:tblGrid``), its width and its layout agree with the cells: LibreOffice
    lays a table out by its grid, so a grid of equal columns squeezes the wide ones."""
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    tblpr = table._tbl.tblPr
    tblw = tblpr.find(qn("w:tblW"))
    if tblw is None:
        tblw = OxmlElement("w:tblW")
        tblpr.append(tblw)
    tblw.set(qn("w:w"), str(sum(int(w.twips) for w in widths)))
    tblw.set(qn("w:type"), "dxa")
    layout = tblpr.find(qn("w:tblLayout"))
    if layout is None:
        layout = OxmlElement("w:tblLayout")
        tblpr.append(layout)
    layout.set(qn("w:type"), "fixed")
