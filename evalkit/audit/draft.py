"""A draft ``evalkit/v1`` params file from an audit, for the analyst to check and go on with ``evalkit run``.

What the report did not state is written ``null`` with a ``# 待核对`` comment saying what to fill in.
The file loads with :func:`evalkit.load_params` once the nulls the schema requires are filled:
``department.name``, ``department.year``, ``budget.initial``, ``budget.adjusted`` and
``budget.executed`` (and at least one goal with one indicator). Every other null (an indicator's
``actual``) may stay: the score then becomes an interval.

Every string is written double-quoted on one line with its line breaks and control characters
escaped, comments too: text read from a report can never end a comment or a value and add keys.

>>> text = draft_yaml({"schema": "evalkit/v1", "department": {"id": "x-2023", "name": None, "year": 2023},
...                    "budget": {"initial": None, "adjusted": 10.5}}, notes={"budget.initial": "报告未列年初预算数"})
>>> print(text.split("\\n", 3)[-1])
schema: "evalkit/v1"
department:
  id: "x-2023"
  name: null  # 待核对：报告未读出，请填写
  year: 2023
budget:
  initial: null  # 待核对：报告未列年初预算数
  adjusted: 10.5
<BLANKLINE>
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from .mapping import REQUIRED

HEADER = """evalkit/v1 params draft made by `evalkit audit` from {source}
Check every figure against the report before use. Values marked 待核对 could not be read and are
null; fill in these before `evalkit run`: {required}.
"""


def draft_yaml(mapping: dict, *, notes: dict[str, str] | None = None, source: str = "") -> str:
    """YAML text of ``mapping`` with every null (and every key in ``notes``) commented."""
    notes = notes or {}
    lines = [f"# {line}".rstrip() for line in HEADER.format(source=_escaped(source or "a report"),
                                                            required=", ".join(REQUIRED)).splitlines()]
    _emit(mapping, "", 0, lines, notes)
    return "\n".join(lines) + "\n"


def _scalar(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, date):
        return f'"{value.isoformat()}"'
    return f'"{_escaped(str(value))}"'


def _escaped(text: str) -> str:
    """``text`` as the inside of a YAML double-quoted scalar on one line, readable as it was: a
    backslash and a quote escaped, and every character YAML would take as a line break, refuse as
    unprintable or strip (controls, NEL, U+2028/U+2029, a BOM, lone surrogates) written as an escape.
    The same text is safe in a comment: it cannot end the line it is on.

    >>> _escaped('见附件1.1.1\\n rule: {type: steps} # "x"\\u2028')
    '见附件1.1.1\\\\n rule: {type: steps} # \\\\"x\\\\"\\\\u2028'
    """
    out = []
    for ch in text:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch in _NAMED:
            out.append(_NAMED[ch])
        elif 0x20 <= code < 0x7F or (0xA0 <= code <= 0xFFFD and code not in _UNSAFE) or code > 0xFFFF:
            out.append(ch)
        elif code <= 0xFF:
            out.append(f"\\x{code:02x}")
        else:
            out.append(f"\\u{code:04x}")
    return "".join(out)


_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
#: Characters in the printable range YAML still treats specially: line and paragraph separators,
#: a byte-order mark, and lone surrogates (which no UTF-8 file can hold).
_UNSAFE = frozenset({0x2028, 0x2029, 0xFEFF, *range(0xD800, 0xE000)})


def _comment(key: str, value, notes: dict) -> str:
    if key in notes:
        return f"  # 待核对：{_escaped(str(notes[key]))}"
    if value is None:
        return "  # 待核对：报告未读出，请填写"
    return ""


def _emit(value, key: str, indent: int, lines: list[str], notes: dict) -> None:
    pad = "  " * indent
    if isinstance(value, dict):
        for k, v in value.items():
            path = f"{key}.{k}" if key else str(k)
            name = _key(k)
            if isinstance(v, dict) and v:
                lines.append(f"{pad}{name}:")
                _emit(v, path, indent + 1, lines, notes)
            elif isinstance(v, list) and v:
                lines.append(f"{pad}{name}:")
                _emit(v, path, indent + 1, lines, notes)
            elif isinstance(v, list | dict):
                lines.append(f"{pad}{name}: {'[]' if isinstance(v, list) else '{}'}")
            else:
                lines.append(f"{pad}{name}: {_scalar(v)}{_comment(path, v, notes)}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            path = f"{key}[{i}]"
            if isinstance(item, dict) and item:
                first = True
                for k, v in item.items():
                    lead = f"{pad}- " if first else f"{pad}  "
                    first = False
                    sub = f"{path}.{k}"
                    if isinstance(v, dict | list) and v:
                        lines.append(f"{lead}{_key(k)}:")
                        _emit(v, sub, indent + 2, lines, notes)
                    else:
                        lines.append(f"{lead}{_key(k)}: {_scalar(v)}{_comment(sub, v, notes)}")
            else:
                lines.append(f"{pad}- {_scalar(item)}")


def _key(k) -> str:
    return str(k) if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", str(k)) else _scalar(str(k))


def department_id(stem: str, year) -> str:
    """A department id for a draft, from the file's name: ``000_80b251a7`` → ``000-80b251a7-2023``."""
    slug = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")[:60] or "report"
    return f"{slug}-{year}" if year else slug
