"""HTML and Markdown fragments for the notebooks: tables, and escaping text that came from a params file.

>>> html_table(["部门", "得分"], [["水务局", "88.72"]], numeric={1})
"<table class='evalkit-table'><thead><tr><th>部门</th><th>得分</th></tr></thead><tbody><tr><td>水务局</td><td class='num'>88.72</td></tr></tbody></table>"
>>> print(escape_markdown("a*b_c <d>"))
a\\*b\\_c &lt;d&gt;
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

from ..core.wording import tidy

MARKDOWN_SPECIALS = "\\`*_[]#|"
#: The Content-Security-Policy of every page evalkit publishes without a script of its own: no
#: script runs and nothing is fetched, whatever text the inputs carry (images are data: URLs).
PAGE_CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; "
            "base-uri 'none'; form-action 'none'")


class Raw(str):
    """A table cell's own HTML, escaped already (a link, a light badge): :func:`html_table` keeps it as it is."""


def link(href: str, text: str) -> Raw:
    """A link cell: ``text`` set as a 公文 sets it; both escaped."""
    return Raw(f"<a href='{escape(href)}'>{escape(tidy(text))}</a>")


def html_table(headers: Sequence[str], rows: Iterable[Sequence], *, numeric: Iterable[int] = frozenset(),
               classes: str = "evalkit-table", total_last: bool = False) -> str:
    """An HTML table with every cell escaped and set as a 公文 sets text (:func:`~evalkit.core.wording.tidy`).

    Parameters
    ----------
    headers : column headings.
    rows : the cells, row by row; each is shown with ``str()`` (a :class:`Raw` cell as it is).
    numeric : indexes of the columns aligned as numbers (``class='num'``).
    classes : the table's CSS classes.
    total_last : mark the last row as a total (``class='evalkit-total'``).
    """
    numeric = set(numeric)
    rows = list(rows)
    head = "".join(f"<th>{escape(str(h))}</th>" for h in headers)
    body = []
    for n, row in enumerate(rows):
        cls = " class='evalkit-total'" if total_last and n == len(rows) - 1 else ""
        shown = (v if isinstance(v, Raw) else escape(tidy(str(v))) for v in row)
        cells = "".join(f"<td class='num'>{v}</td>" if i in numeric else f"<td>{v}</td>" for i, v in enumerate(shown))
        body.append(f"<tr{cls}>{cells}</tr>")
    return f"<table class='{classes}'><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def escape_markdown(text) -> str:
    """Escape Markdown and HTML specials in ``text`` (a department name, a note from a params file),
    and keep URLs and e-mail addresses from turning into links (``http:`` → ``http&#58;``)."""
    out = escape(tidy(str(text)), quote=False)
    for ch in MARKDOWN_SPECIALS:
        out = out.replace(ch, "\\" + ch)
    return out.replace(":", "&#58;").replace("@", "&#64;").replace("www.", "www&#46;")


def markdown(template: str, *values) -> str:
    """``template`` with every ``{}`` filled by a value escaped for Markdown and HTML: the one way
    display blocks put text from a params or scheme file into Markdown, so none can forget.

    >>> print(markdown("- 评价方案：{}（{}）", "<script>x</script>", "a`b"))
    - 评价方案：&lt;script&gt;x&lt;/script&gt;（a\\`b）
    """
    return template.format(*(escape_markdown(v) for v in values))


def generated_date(provenance: dict) -> str:
    """When a result was computed, as a page states it: ``2026年11月30日`` (from the ISO timestamp
    ``result.json`` keeps).

    >>> generated_date({"generated_at": "2026-11-30T09:44:01+00:00"})
    '2026年11月30日'
    """
    stamp = str(provenance.get("generated_at") or "")
    if len(stamp) < 10 or not stamp[:4].isdigit():
        return "—"
    year, month, day = stamp[:10].split("-")
    return f"{int(year)}年{int(month)}月{int(day)}日"
