"""The document under audit as read (the source a finding quotes): paragraphs and tables in document order,
each with where it is.

Locations (:class:`~evalkit.core.places.Location`) are the core's, so a finding can quote the document.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..core.places import Location
from ..exceptions import EvalkitError

__all__ = ["REASONS", "DocumentRefused", "Location", "SourceBlock", "SourceDocument", "SourceParagraph", "SourceTable"]


@dataclass(frozen=True)
class SourceParagraph:
    """One paragraph: its text as printed (line breaks kept) and, per line of it, the source line."""

    text: str
    location: Location
    lines: tuple[int, ...] = ()  # source line of each line of ``text`` (txt only)

    def location_at(self, offset: int) -> Location:
        """The location of character ``offset`` of ``text`` (its own line in a .txt file)."""
        if not self.lines:
            return self.location
        line = self.text.count("\n", 0, offset)
        return replace(self.location, line=self.lines[min(line, len(self.lines) - 1)])


@dataclass(frozen=True)
class SourceTable:
    """One table: its cells row by row (text as printed, '' for an empty or merged cell)."""

    rows: tuple[tuple[str, ...], ...]
    location: Location  # table number (and page, first source line)

    def cell_location(self, row: int, column: int) -> Location:
        line = self.location.line + row if self.location.line else None
        return replace(self.location, row=row + 1, column=column + 1, line=line)


SourceBlock = SourceParagraph | SourceTable


@dataclass(frozen=True)
class SourceDocument:
    """A report: its blocks in order, the format it came in and how many pages it has (PDF)."""

    source: str
    format: str  # txt | docx | pdf | html
    blocks: tuple[SourceBlock, ...]
    pages: int | None = None

    @property
    def paragraphs(self) -> tuple[SourceParagraph, ...]:
        return tuple(b for b in self.blocks if isinstance(b, SourceParagraph))

    @property
    def tables(self) -> tuple[SourceTable, ...]:
        return tuple(b for b in self.blocks if isinstance(b, SourceTable))

    def text(self) -> str:
        """Every paragraph and table cell, for a quick look (recognising the kind of document)."""
        return "\n".join(b.text if isinstance(b, SourceParagraph) else "\n".join("\t".join(r) for r in b.rows)
                         for b in self.blocks)


#: Why a document could not be audited, by code: the CLI and the page say the reason.
REASONS = {
    "too_large": "文件过大",
    "not_found": "文件不存在",
    "unsupported": "不支持的文件类型",
    "encrypted": "文件已加密",
    "no_text": "没有可提取的文字",
    "corrupt": "文件已损坏",
    "not_self_evaluation": "不是绩效自评材料",
    "too_many_pages": "页数过多",
    "timeout": "读取超时",
    "failed": "读取失败",
}


class DocumentRefused(EvalkitError):
    """A document the audit cannot read; ``reason`` is a code of :data:`REASONS`, the message says
    (in English) what was found and what was expected."""

    def __init__(self, source: str, reason: str, message: str):
        self.source, self.reason = source, reason
        super().__init__(f"{source}: {message}")

    def __reduce__(self):
        return (type(self), (self.source, self.reason, str(self).removeprefix(f"{self.source}: ")))
