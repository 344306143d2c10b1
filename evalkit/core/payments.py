"""Monthly payments and projects: progress against 序时进度, year-end shares, weak projects,
concentration. Pure functions over the model; figures exact, DataFrames for display."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property

import pandas as pd

from .budget import rate
from .model import Budget
from .numbers import exact, exact_sum

ZERO = Fraction(0)


@dataclass(frozen=True)
class MonthlyProfile:
    december_share: Fraction | None
    q4_share: Fraction | None
    rows: tuple[dict, ...]  # month, executed, share, cumulative, against_budget, schedule, gap

    @cached_property
    def table(self) -> pd.DataFrame:
        """The rows as a DataFrame, built on first use (scoring a province never needs it)."""
        return pd.DataFrame(list(self.rows))


def monthly_profile(budget: Budget) -> MonthlyProfile | None:
    """Cumulative payments per month against the time schedule (序时进度 = month ÷ 12)."""
    if not budget.monthly:
        return None
    paid = {p.month: exact(p.executed) for p in budget.monthly}
    total = exact_sum(paid.values())
    adjusted = exact(budget.adjusted)
    rows, running = [], ZERO
    for month in range(1, 13):
        running += paid.get(month, ZERO)
        against = rate(running, adjusted)
        schedule = Fraction(month, 12)
        rows.append({"month": month, "executed": float(paid.get(month, ZERO)),
                     "share": float(paid.get(month, ZERO) / total) if total else None,
                     "cumulative": float(running), "against_budget": None if against is None else float(against),
                     "schedule": float(schedule), "gap": None if against is None else float(against - schedule)})
    december = paid.get(12, ZERO) / total if total else None
    q4 = exact_sum(paid.get(m, ZERO) for m in (10, 11, 12)) / total if total else None
    return MonthlyProfile(december_share=december, q4_share=q4, rows=tuple(rows))


@dataclass(frozen=True)
class ProjectProfile:
    count: int
    never_started: tuple[str, ...]
    top_share: Fraction | None  # share of the adjusted budget held by the largest projects
    top_count: int
    rows: tuple[dict, ...]  # name, adjusted, executed, execution_rate, share

    @cached_property
    def table(self) -> pd.DataFrame:
        """The rows as a DataFrame, built on first use."""
        return pd.DataFrame(list(self.rows))


def project_profile(budget: Budget, *, top: int = 3) -> ProjectProfile | None:
    """Per-project execution, projects never started, and how concentrated the money is."""
    if not budget.projects:
        return None
    total = exact_sum(p.adjusted for p in budget.projects)
    rows = [{"name": p.name, "adjusted": float(p.adjusted), "executed": float(p.executed),
             "execution_rate": None if (r := rate(p.executed, p.adjusted)) is None else float(r),
             "share": float(exact(p.adjusted) / total) if total else None} for p in budget.projects]
    ranked = sorted((exact(p.adjusted) for p in budget.projects), reverse=True)
    top_count = min(top, len(ranked))
    top_share = exact_sum(ranked[:top_count]) / total if total else None
    never = tuple(p.name for p in budget.projects if exact(p.adjusted) > 0 and exact(p.executed) == 0)
    return ProjectProfile(count=len(rows), never_started=never, top_share=top_share, top_count=top_count,
                          rows=tuple(rows))
