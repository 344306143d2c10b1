"""A draft ``evalkit/v1`` params file from an audit, for the analyst to check and go on with ``evalkit run``.

What the report did not state is written ``null`` with a ``# 待核对`` comment saying what to fill in (by
the one params writer, :func:`evalkit.core.serialisation.params_yaml`). The file loads with
:func:`evalkit.load_params` once the nulls the schema requires are filled: ``department.name``,
``department.year``, ``budget.initial``, ``budget.adjusted`` and ``budget.executed`` (and at least one
goal with one indicator). Every other null (an indicator's ``actual``) may stay: the score then becomes
an interval.

>>> text = draft_yaml({"schema": "evalkit/v1", "department": {"id": "x-2023", "name": None, "year": 2023},
...                    "budget": {"initial": None, "adjusted": 10.5}}, notes={"budget.initial": "报告未列年初预算数"})
>>> print(text.split("\\n", 3)[-1])
schema: evalkit/v1
department:
  id: x-2023
  name: null  # 待核对：报告未读出，请填写
  year: 2023
budget:
  initial: null  # 待核对：报告未列年初预算数
  adjusted: 10.5
<BLANKLINE>
"""

from __future__ import annotations

import re

from ..core.serialisation import params_yaml
from .mapping import REQUIRED

HEADER = """evalkit/v1 params draft made by `evalkit audit` from {source}
Check every figure against the report before use. Values marked 待核对 could not be read and are
null; fill in these before `evalkit run`: {required}.
"""


def draft_yaml(mapping: dict, *, notes: dict[str, str] | None = None, source: str = "") -> str:
    """YAML text of ``mapping`` with every null (and every key in ``notes``) commented."""
    header = HEADER.format(source=source or "a report", required=", ".join(REQUIRED))
    return params_yaml(mapping, header=header, notes=notes, unread="报告未读出，请填写")


def department_id(stem: str, year) -> str:
    """A department id for a draft, from the file's name: ``000_80b251a7`` → ``000-80b251a7-2023``."""
    slug = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")[:60] or "report"
    return f"{slug}-{year}" if year else slug
