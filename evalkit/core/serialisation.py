"""Params back to text: the ``evalkit/v1`` mapping of a validated ``Params`` and its YAML.

The inverse of :func:`evalkit.core.params.parse_params`: ``parse_params(params_to_mapping(p))``
gives a ``Params`` that evaluates exactly like ``p``. Numbers stay ``Decimal`` as written;
coefficients go back to percent (the params convention); side tables are written inline.

>>> from evalkit.core.params import load_params
>>> text = params_yaml(load_params("params/dangzheng-office-2023.yaml"))   # doctest: +SKIP
>>> text.splitlines()[0]                                                   # doctest: +SKIP
'schema: evalkit/v1'
"""

from __future__ import annotations

from decimal import Decimal

import yaml

from . import model as m
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
        "narrative": _narrative(params.narrative),
    })


def params_yaml(params_or_mapping: m.Params | dict, *, header: str | None = None) -> str:
    """YAML text of a params mapping (or of ``Params``), loadable with ``load_params``.

    ``header`` becomes comment lines at the top of the file.
    """
    mapping = params_or_mapping
    if isinstance(params_or_mapping, m.Params):
        mapping = params_to_mapping(params_or_mapping)
    text = yaml.dump(mapping, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=4096,
                     default_flow_style=False)
    comments = "".join(f"# {line}\n" for line in (header or "").splitlines())
    return comments + text


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
    out.update(_form_budget(b))
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


def _form_budget(b: m.Budget) -> dict:
    """A project table's 其中 rows and its reason for low execution (nothing when absent)."""
    out = {}
    if b.sources:
        out["sources"] = [{"name": s.name, "initial": s.initial, "adjusted": s.adjusted, "executed": s.executed}
                          for s in b.sources]
    if b.deviation is not None:
        out["deviation"] = b.deviation
    return out


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


def _narrative(n: m.Narrative) -> dict:
    return {"summary": n.summary, "duties": list(n.duties), "organisation": list(n.organisation),
            "method": list(n.method), "achievements": list(n.achievements), "conclusion": n.conclusion,
            "problems": list(n.problems), "measures": list(n.measures),
            "team": [{"role": t.role, "name": t.name, "title": t.title} for t in n.team]}


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


class _Dumper(yaml.SafeDumper):
    """Decimals as plain YAML numbers written exactly (``8779.84``, never ``8779.84000000001``);
    list items indented under their key, as people write them."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


def _represent_decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.ScalarNode:
    text = f"{value:f}"
    tag = "tag:yaml.org,2002:int" if "." not in text else "tag:yaml.org,2002:float"
    return dumper.represent_scalar(tag, text)


_Dumper.add_representer(Decimal, _represent_decimal)
