"""A written document (:mod:`.written`: the 自评报告 draft, the 复核意见书) as one offline HTML page: the Word
file's twin.

Self-contained (inline CSS, no script, no external resource), every text escaped, A4 print
rules with the 公文 margins and page numbers, so a browser — or WeasyPrint — prints it like the
``.docx``.
"""

from __future__ import annotations

from html import escape

from .fonts import CSS_FONT_STACK
from .markup import PAGE_CSP
from .written import Heading, WrittenDocument, WrittenParagraph, WrittenTable

#: Body text: the 公文 faces where the reader has them (as the Word file prefers them), then Noto
#: Serif CJK (what evalkit's PDFs embed on a machine without them) and the serif faces of macOS.
CSS_SERIF_STACK = ('"仿宋_GB2312", FangSong_GB2312, "仿宋", FangSong, "Noto Serif CJK SC", "Source Han Serif SC", '
                   '"Songti SC", SimSun, "宋体", serif')
#: Headings: 黑体 where the reader has it, then the sans stack evalkit uses everywhere.
CSS_HEADING_STACK = '"黑体", SimHei, ' + CSS_FONT_STACK
#: The title: 方正小标宋简体, else a bold serif.
CSS_TITLE_STACK = '"方正小标宋简体", "FZXiaoBiaoSong-B05S", ' + CSS_SERIF_STACK
#: Second-level headings: 楷体_GB2312, else 楷体, else the serif stack.
CSS_SUBHEADING_STACK = '"楷体_GB2312", KaiTi_GB2312, "楷体", KaiTi, ' + CSS_SERIF_STACK

_CSS = f"""
@page {{ size: A4; margin: 37mm 26mm 35mm 28mm;
  @bottom-center {{ content: "— " counter(page) " —"; font-family: {CSS_SERIF_STACK}; font-size: 14pt; }} }}
html {{ background: #f3f3f3; }}
body {{ font-family: {CSS_SERIF_STACK}; font-size: 16pt; line-height: 28pt; color: #000;
  background: #fff; max-width: 156mm; margin: 2em auto; padding: 37mm 26mm 35mm 28mm; }}
@media print {{ html, body {{ background: none; }} body {{ margin: 0; padding: 0; max-width: none; }} }}
h1 {{ font-family: {CSS_TITLE_STACK}; font-size: 22pt; line-height: 36pt; text-align: center; margin: 0 0 28pt; }}
h2 {{ font-family: {CSS_HEADING_STACK}; }} h3 {{ font-family: {CSS_SUBHEADING_STACK}; }}
h2, h3 {{ font-size: 16pt; margin: 0; text-indent: 2em; }}
h2 {{ font-weight: bold; margin-top: 6pt; }} h3 {{ font-weight: normal; }}
h4 {{ font-size: 16pt; font-weight: bold; margin: 0; text-indent: 2em; }}
h2, h3, h4 {{ break-after: avoid; page-break-after: avoid; }}
p {{ margin: 0; text-align: left; }}
p.body, p.item {{ text-indent: 2em; }}
p.note {{ text-align: center; font-size: 12pt; line-height: 20pt; color: #555; margin-bottom: 6pt; }}
p.sample {{ text-align: center; color: #b45f06; font-weight: bold; border: 2px solid #e08a2c; margin: 0 0 6pt; }}
p.closing {{ text-align: right; padding-right: 2em; }}
p.attachment {{ font-weight: bold; margin-top: 2em; break-before: page; }}
span.note {{ color: #555; }}
mark.missing {{ background: #fff200; font-weight: bold; }}
table {{ border-collapse: collapse; width: 100%; font-size: 10.5pt; line-height: 1.45; margin: 4pt 0 10pt;
  font-family: {CSS_SERIF_STACK}; }}
thead {{ display: table-header-group; }}
th, td {{ border: 0.5pt solid #000; padding: 2pt 4pt; vertical-align: top; overflow-wrap: anywhere; }}
th {{ font-weight: bold; text-align: center; }}
td.num {{ text-align: right; white-space: nowrap; }}
tr {{ break-inside: avoid; page-break-inside: avoid; }}
"""


def render_html(document: WrittenDocument) -> str:
    """The offline HTML page of ``document``."""
    parts = [f"<h1>{escape(document.title)}</h1>"]
    for block in document.blocks:
        if isinstance(block, Heading):
            parts.append(f"<h{block.level + 1}>{escape(block.title)}</h{block.level + 1}>")
        elif isinstance(block, WrittenParagraph):
            parts.append(_paragraph(block))
        elif isinstance(block, WrittenTable):
            parts.append(_table(block))
    return (f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{PAGE_CSP}">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(document.title)}</title><style>{_CSS}</style></head>\n<body>\n"
            + "\n".join(parts) + "\n</body></html>\n")


def _paragraph(block: WrittenParagraph) -> str:
    spans = []
    for span in block.spans:
        text = escape(span.text)
        spans.append({"strong": f"<strong>{text}</strong>", "missing": f"<mark class='missing'>{text}</mark>",
                      "note": f"<span class='note'>{text}</span>"}.get(span.kind, text))
    return f"<p class='{block.style}'>{''.join(spans)}</p>"


def _table(block: WrittenTable) -> str:
    total = sum(block.widths)
    cols = "".join(f"<col style='width:{100 * w / total:.1f}%'>" for w in block.widths)
    head = "".join(f"<th>{escape(h)}</th>" for h in block.headers)
    rows = "".join("<tr>" + "".join(f"<td class='num'>{escape(v)}</td>" if i in block.numeric
                                    else f"<td>{escape(v)}</td>" for i, v in enumerate(row)) + "</tr>"
                   for row in block.rows)
    return f"<table><colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
