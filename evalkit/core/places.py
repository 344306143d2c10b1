"""Where a finding points: a place in a params file, or a quote in a published document.

>>> Location(page=2, paragraph=5).words(), Location(table=1, row=3, column=4, line=40).words()
('第2页第5段', '第40行，表1第3行第4列')
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from .frozen import quick_init


@quick_init
@dataclass(frozen=True)
class ParamsPlace:
    """A key path of a params file (``goals[2].indicators[1]``), with the file and line when known."""

    key: str
    file: str | None = None
    line: int | None = None


def at(*keys: str) -> tuple[ParamsPlace, ...]:
    """The params places of ``keys``, in order (file and line are filled in when the checks run)."""
    return tuple(ParamsPlace(k) for k in keys)


@dataclass(frozen=True)
class Location:
    """Where something stands in a document; every field is optional (1-based numbers)."""

    page: int | None = None
    paragraph: int | None = None
    line: int | None = None
    table: int | None = None
    row: int | None = None
    column: int | None = None

    def words(self) -> str:
        """The location as the page states it: ``第2页第5段``, ``表1第3行第4列``."""
        head = "".join(f"第{v}{u}" for v, u in ((self.page, "页"), (self.line, "行")) if v)
        if self.table:
            cell = f"表{self.table}" + "".join(f"第{v}{u}" for v, u in ((self.row, "行"), (self.column, "列")) if v)
            return f"{head}，{cell}" if head else cell
        if self.paragraph and not self.line:
            head += f"第{self.paragraph}段"
        return head or "全文"

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass(frozen=True)
class Quote:
    """Text as printed around a figure: ``snippet`` with ``mark`` = (start, end) of the figure in it."""

    snippet: str
    mark: tuple[int, int]
    location: Location

    def to_dict(self) -> dict:
        return {"snippet": self.snippet, "mark": list(self.mark), "location": self.location.to_dict(),
                "where": self.location.words()}


Place = ParamsPlace | Quote
