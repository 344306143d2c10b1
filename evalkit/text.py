"""Plain-text tables for the terminal, aligned for Chinese (wide) characters."""

from __future__ import annotations

import unicodedata


def width(text: str) -> int:
    """Display width: CJK and full-width characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def pad(text: str, size: int, *, right: bool = False) -> str:
    gap = " " * max(0, size - width(text))
    return gap + text if right else text + gap


def table(headers: list[str], rows: list[list[str]], *, right: set[int] = frozenset()) -> str:
    """Render rows under headers with columns aligned; ``right`` holds right-aligned column indexes."""
    cells = [headers, *rows]
    sizes = [max(width(str(r[i])) for r in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        lines.append("  ".join(pad(str(v), sizes[i], right=i in right) for i, v in enumerate(row)).rstrip())
        if n == 0:
            lines.append("  ".join("─" * s for s in sizes))
    return "\n".join(lines)
