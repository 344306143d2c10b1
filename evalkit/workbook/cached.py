"""Saved values for the formula cells of a workbook openpyxl wrote.

openpyxl writes a formula with no saved value (``<f>…</f><v></v>``): a program that does not
calculate (a previewer, pandas, openpyxl itself with ``data_only=True``) then shows nothing, and
LibreOffice recalculates on load only a file whose formulas have no saved values. evalkit writes
evalkit's own figure into each formula cell it computes, so every reader shows the same figures
before recalculation, and sets the workbook to recalculate fully on load (Excel and WPS do; so does
LibreOffice when set to recalculate Excel files always) — the formulas give those figures again.

>>> sheet = '<c r="K18" s="3"><f>I18*J18</f><v></v></c><c r="K19"><f>I19*J19</f><v></v></c>'
>>> with_values(sheet, {"K18": 2.5, "K19": ""})
'<c r="K18" s="3"><f>I18*J18</f><v>2.5</v></c><c r="K19" t="str"><f>I19*J19</f><v></v></c>'
"""

from __future__ import annotations

import io
import re
import zipfile
from xml.sax.saxutils import escape

#: A formula cell as openpyxl writes it, with its empty value.
_FORMULA_CELL = re.compile(r'<c r="(?P<ref>[A-Z]+[0-9]+)"(?P<attrs>[^>]*)>(?P<f><f>[^<]*</f>)<v(?:\s*/>|></v>)</c>')


def with_values(sheet_xml: str, values: dict[str, float | str]) -> str:
    """``sheet_xml`` with each formula cell named in ``values`` holding that value (a number, or text:
    an empty text is how a formula that gives ``""`` is saved)."""
    done: set[str] = set()

    def fill(match: re.Match) -> str:
        ref = match.group("ref")
        if ref not in values:
            return match.group()
        done.add(ref)
        value = values[ref]
        attrs = match.group("attrs")
        if isinstance(value, str):
            return f'<c r="{ref}"{attrs} t="str">{match.group("f")}<v>{escape(value)}</v></c>'
        return f'<c r="{ref}"{attrs}>{match.group("f")}<v>{value!r}</v></c>'

    out = _FORMULA_CELL.sub(fill, sheet_xml)
    missing = sorted(set(values) - done)
    if missing:
        raise ValueError(f"no formula cell to hold a saved value at {', '.join(missing[:5])}")
    return out


def save_values(data: bytes, part: str, values: dict[str, float | str]) -> bytes:
    """The .xlsx ``data`` with the formula cells of the worksheet ``part`` holding ``values``."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == part:
                content = with_values(content.decode("utf-8"), values).encode("utf-8")
            target.writestr(info, content)
    return out.getvalue()
