"""Params back to text: the ``evalkit/v1`` mapping of a validated ``Params`` and its YAML. The one
params writer: ``evalkit import-xlsx``, the workbook's hidden sheet, ``evalkit audit --params-out``
(nulls kept, each marked ``# 待核对`` with why) and, for its values, ``evalkit demo-data``.

The inverse of :func:`evalkit.core.params.parse_params`: ``parse_params(params_to_mapping(p))``
gives a ``Params`` that evaluates exactly like ``p``. Numbers stay ``Decimal`` as written;
coefficients go back to percent (the params convention); side tables are written inline.

>>> from evalkit.core.params import load_params
>>> text = params_yaml(load_params("params/dangzheng-office-2023.yaml"))   # doctest: +SKIP
>>> text.splitlines()[0]                                                   # doctest: +SKIP
'schema: evalkit/v1'
>>> print(params_yaml({"department": {"id": "x", "name": None}, "unit": "万元: 元"},
...                   notes={"department.name": "报告未读出"}), end="")
department:
  id: x
  name: null  # 待核对：报告未读出
unit: "万元: 元"
"""

from __future__ import annotations

import re
from dataclasses import asdict
from decimal import Decimal

from . import model as m
from .numbers import jsonable
from .params import HUNDRED, SCHEMA


def params_to_mapping(params: m.Params) -> dict:
    """The ``evalkit/v1`` mapping of ``params``; optional fields that are empty are left out."""
    d = params.department
    return _prune({
        "schema": SCHEMA,
        **_kind(params),
        "department": {"id": d.id, "name": d.name, "year": d.year, "region": d.region, "city": d.city},
        "scheme": params.scheme,
        "unit": params.unit,
        "budget": _budget(params.budget),
        "goals": [_goal(goal) for goal in params.goals],
        "reported": _reported(params.reported),
        "narrative": jsonable(asdict(params.narrative)),  # all text: its sections and team members as lists
    })


def params_yaml(params_or_mapping: m.Params | dict, *, header: str | None = None,
                notes: dict[str, str] | None = None, unread: str | None = None) -> str:
    """YAML text of a params mapping (or of ``Params``), loadable with ``load_params``: block style,
    every string quoted where it could be misread (:func:`scalar`).

    ``header`` becomes comment lines at the top of the file; a key path in ``notes`` gets a
    ``# 待核对：<note>`` comment, and so does every null when ``unread`` says why it is null.
    """
    mapping = params_or_mapping
    if isinstance(params_or_mapping, m.Params):
        mapping = params_to_mapping(params_or_mapping)
    lines = [f"# {escaped(line, quotes=False)}".rstrip() for line in (header or "").splitlines()]
    _emit(mapping, "", 0, lines, notes or {}, unread)
    return "\n".join(lines) + "\n"


_PLAIN_TEXT = re.compile(r"^[\u4e00-\u9fff（“][^:#,\[\]{}&*!|>'\"%@`\\\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]*$")
_PLAIN_WORD = re.compile(r"^[a-z][a-z0-9./-]*$")
_YAML_WORDS = {"null", "true", "false", "yes", "no", "on", "off", "y", "n", "nan", "inf"}


def scalar(value) -> str:
    """A YAML scalar: plain when that cannot be misread, else double-quoted (JSON syntax is valid YAML).

    >>> [scalar(v) for v in (None, Decimal("8779.840"), "示例区", "yes", "a: b")]
    ['null', '8779.840', '示例区', '"yes"', '"a: b"']
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return repr(value)
    if isinstance(value, float):  # through Decimal: YAML 1.1 reads 1e+16 as text
        value = Decimal(repr(value))
    if isinstance(value, Decimal):
        return f"{value:f}"
    text = str(value)
    quoted = escaped(text)
    if quoted == text and ((_PLAIN_TEXT.match(text) and not text.endswith(" "))
                           or (_PLAIN_WORD.match(text) and text not in _YAML_WORDS)):
        return text
    return f'"{quoted}"'


def escaped(text: str, *, quotes: bool = True) -> str:
    """``text`` as the inside of a YAML double-quoted scalar on one line (``quotes``), or as the text of
    a comment: every character YAML would take as a line break, refuse as unprintable or strip
    (controls, NEL, U+2028/U+2029, a BOM, lone surrogates) written as an escape, so text read from a
    report or a table can never end the line it is on, close a comment and add keys.

    >>> escaped('见附件\\n rule: {type: steps} # "x"\\u2028')
    '见附件\\\\n rule: {type: steps} # \\\\"x\\\\"\\\\u2028'
    >>> escaped('a "b"\\x1b', quotes=False)
    'a "b"\\\\x1b'
    """
    out = []
    for ch in text:
        code = ord(ch)
        if ch in '"\\' and quotes:
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


def _emit(value, key: str, indent: int, lines: list[str], notes: dict, unread: str | None) -> None:
    pad = "  " * indent
    pairs = value.items() if isinstance(value, dict) else enumerate(value)
    for k, v in pairs:
        path = f"{key}[{k}]" if isinstance(value, list) else f"{key}.{k}" if key else str(k)
        lead = f"{pad}- " if isinstance(value, list) else pad
        if isinstance(value, list) and isinstance(v, dict) and v:
            for i, (name, item) in enumerate(v.items()):
                _entry(f"{pad}- " if i == 0 else f"{pad}  ", name, item, f"{path}.{name}", indent + 2, lines, notes,
                       unread)
        elif isinstance(value, list):
            lines.append(f"{lead}{scalar(v)}" if not isinstance(v, dict | list) else f"{lead}{'[]' if v == [] else '{}'}")
        else:
            _entry(lead, k, v, path, indent + 1, lines, notes, unread)


def _entry(lead: str, name, v, path: str, inner: int, lines: list[str], notes: dict, unread: str | None) -> None:
    key = str(name) if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", str(name)) else scalar(str(name))
    if isinstance(v, dict | list) and v:
        lines.append(f"{lead}{key}:")
        _emit(v, path, inner, lines, notes, unread)
    elif isinstance(v, dict | list):
        lines.append(f"{lead}{key}: {'[]' if isinstance(v, list) else '{}'}")
    else:
        why = notes.get(path) or (unread if v is None else None)
        lines.append(f"{lead}{key}: {scalar(v)}" + (f"  # 待核对：{escaped(str(why), quotes=False)}" if why else ""))


def percent(fraction: Decimal | None) -> Decimal | None:
    """A fraction as the percent the params file writes (``0.85`` → ``85``)."""
    return None if fraction is None else _tidy(fraction * HUNDRED)


def _tidy(value: Decimal) -> Decimal:
    """Drop trailing zeros a multiplication added (``85.00`` → ``85``), keep the value exact."""
    normal = value.normalize()
    return normal if normal.as_tuple().exponent <= 0 else normal.quantize(Decimal(1))


def _budget(b: m.Budget) -> dict:
    out = {"initial": b.initial, "adjusted": b.adjusted, "executed": b.executed,
           "lines": [{"name": line.name, "kind": line.kind, "count": line.count, "initial": line.initial,
                      "adjusted": line.adjusted, "executed": line.executed} for line in b.lines]}
    if b.projects is not None:
        out["projects"] = [{"name": p.name, "adjusted": p.adjusted, "executed": p.executed, "initial": p.initial}
                           for p in b.projects]
    if b.monthly is not None:
        out["monthly"] = [{"month": p.month, "executed": p.executed} for p in b.monthly]
    if b.sources:  # a project table's 其中 rows and its reason for low execution, when it has them
        out["sources"] = [{"name": s.name, "initial": s.initial, "adjusted": s.adjusted, "executed": s.executed}
                          for s in b.sources]
    if b.deviation is not None:
        out["deviation"] = b.deviation
    return out


def _goal(goal: m.Goal) -> dict:
    return {"name": goal.name, "number": goal.number, "objective": goal.objective, "outcome": goal.outcome,
            "indicators": [indicator_mapping(ind) for ind in goal.indicators]}


def indicator_mapping(ind: m.Indicator) -> dict:
    """One indicator as the params file writes it (coefficients in percent)."""
    reported = {"score": ind.reported.score, "coefficient": percent(ind.reported.coefficient)}
    return {"name": ind.name, "statement": ind.statement, "direction": ind.direction, "target": ind.target,
            "unit": ind.unit, "actual": ind.actual, "tier": ind.tier, "weight": ind.weight, "level": ind.level,
            "coefficient": percent(ind.coefficient), "rule": _rule(ind.rule), "reported": reported,
            "deviation": ind.deviation, "level2": ind.level2, "basis": ind.basis}


def _kind(params: m.Params) -> dict:
    """``kind: project`` and the project header, for a project table's params (nothing for a department)."""
    if params.kind != "project" or params.project is None:
        return {}
    p = params.project
    return {"kind": "project", "project": {"name": p.name, "code": p.code, "department": p.department,
                                           "implementer": p.implementer, "manager": p.manager}}


def _rule(rule: m.Rule | None) -> dict | None:
    if rule is None:
        return None
    if rule.type == "steps":
        return {"type": "steps", "bands": [{"min": b.min, "max": b.max, "coefficient": percent(b.coefficient)}
                                           for b in rule.bands]}
    return {"type": "deduct", "threshold": rule.threshold, "per": rule.per, "points": rule.points,
            "side": rule.side}


def _reported(r: m.Reported) -> dict:
    return {"execution_rate": r.execution_rate,
            "line_execution_rates": dict(r.line_execution_rates) or None,
            "adjustment_rate": r.adjustment_rate, "score": r.score, "grade": r.grade,
            "evaluation_period": [d.isoformat() for d in r.evaluation_period] if r.evaluation_period else None,
            "report_date": r.report_date.isoformat() if r.report_date else None}


# Keys whose value is kept even when empty: the file would not validate without them.
_REQUIRED_EMPTY = {"goals", "indicators", "actual"}


def _prune(value, key: str = ""):
    """Drop ``None`` and empty containers, except where the schema needs the key."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            v = _prune(v, k)
            if v is None and k == "actual":
                out[k] = None  # ``actual: null`` says "not reported" out loud, as the worked example does
            elif v is not None and (v != {} and v != [] or k in _REQUIRED_EMPTY):
                out[k] = v
        return out or None
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value
