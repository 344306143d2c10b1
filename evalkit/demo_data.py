"""The illustrative district (示例数据): a deterministic generator of a portfolio of params files with
known, planted problems, for demonstrations, notebooks and tests.

>>> paths = generate(Path("params"), seed=2023)   # doctest: +SKIP
>>> plan = json.loads(Path("params/demo-plan.json").read_text())   # doctest: +SKIP
>>> plan["departments"]["demo-health-bureau"][:2]                # doctest: +SKIP
['budget.adjustment_rate_mismatch', 'budget.execution_rate_mismatch']

Every department is invented, in the region 示例区（示例数据）, so every output made from it says
示例数据. The first eleven departments of ``demo_district.yaml`` carry planted problems
(``demo_plants.PLANTED``); all others are clean: evalkit raises no finding on them at all.
``DEMO.md`` and ``demo-plan.json`` are written beside the data from the same plan.
"""

from __future__ import annotations

from pathlib import Path

from .demo_design import Design, base_design, catalogue, expected_score, finish, report
from .demo_plants import PLANTED, SEED_SCHEME
from .demo_render import (
    REGION,
    demo_md,
    monthly_csv,
    params_yaml,
    plan_json,
    projects_csv,
)

PLAN_SCHEMA = "evalkit-demo-plan/v1"
MIN_COUNT = len(PLANTED) + 9  # enough clean departments for the medians to stay where the clean ones are

__all__ = ["MIN_COUNT", "PLAN_SCHEMA", "REGION", "design_departments", "generate", "plan_of"]


def design_departments(*, seed: int = 2023, count: int = 24, year: int = 2023) -> list[Design]:
    """The designed departments, in catalogue order (planted ones first), without writing anything."""
    specs = catalogue()["departments"]
    if not MIN_COUNT <= count <= len(specs):
        raise ValueError(f"count must be between {MIN_COUNT} and {len(specs)} (the catalogue's departments), "
                         f"got {count}")
    designs = []
    for i, spec in enumerate(specs[:count]):
        d = base_design(spec, seed=seed, year=year)
        if d.id in SEED_SCHEME:
            d.scheme = "seed-85-75-60"
        if i % 4 == 1:
            d.loss_range = (11.0, 16.0)  # one department in four scores lower: a district is not all 优
        if d.id in PLANTED:
            PLANTED[d.id](d)
        finish(d)
        report(d)
        for fn in d.after:
            fn(d)
        d.facts["score"] = expected_score(d)[0]
        designs.append(d)
    return designs


def plan_of(designs: list[Design], *, seed: int, count: int, year: int) -> dict:
    """What is planted where: ``departments`` maps every department to the finding ids it must carry
    (department and cross-department ones; empty = clean), ``portfolio`` maps each cross-department
    finding to its departments, ``district`` lists district-level findings (none)."""
    departments = {d.id: sorted({f for f, _ in d.plants}) for d in designs}
    portfolio: dict[str, list[str]] = {}
    for d in designs:
        for finding, _ in d.plants:
            if finding.startswith("portfolio."):
                portfolio.setdefault(finding, []).append(d.id)
    return {
        "schema": PLAN_SCHEMA, "generator": "evalkit demo-data", "seed": seed, "count": count, "year": year,
        "region": REGION,
        "departments": departments,
        "portfolio": dict(sorted(portfolio.items())),
        "district": [],
        "clean": [d.id for d in designs if not d.plants],
        "notes": {d.id: {f: note(d) for f, note in sorted(d.plants, key=lambda p: p[0])} for d in designs if d.plants},
    }


def generate(folder: Path, *, seed: int = 2023, count: int = 24, year: int = 2023) -> list[Path]:
    """Write the illustrative district into ``folder``: per department ``<id>-<year>.yaml`` with its
    ``.projects.csv`` and ``.monthly.csv``, then ``DEMO.md`` and ``demo-plan.json``.

    The same arguments always write byte-identical files. Returns the paths written, in order.

    >>> written = generate(Path("/tmp/demo"), seed=2023, count=24)   # doctest: +SKIP
    >>> len(written)                                                 # doctest: +SKIP
    73
    """
    folder = Path(folder)
    designs = design_departments(seed=seed, count=count, year=year)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def write(name: str, text: str) -> None:
        path = folder / name
        path.write_bytes(text.encode("utf-8"))
        written.append(path)

    for d in designs:
        stem = f"{d.id}-{year}"
        projects = f"{stem}.projects.csv" if d.side_tables else None
        monthly = f"{stem}.monthly.csv" if d.side_tables and d.monthly else None
        write(f"{stem}.yaml", params_yaml(d, projects_file=projects, monthly_file=monthly))
        if projects:
            write(projects, projects_csv(d))
        if monthly:
            write(monthly, monthly_csv(d))
    plan = plan_of(designs, seed=seed, count=count, year=year)
    write("DEMO.md", demo_md(plan, designs))
    write("demo-plan.json", plan_json(plan))
    return written
