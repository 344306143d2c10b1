"""The illustrative district (示例数据): a deterministic generator of a portfolio of params files with
known, planted problems, for demonstrations, notebooks and tests.

>>> paths = generate(Path("params"), seed=2023)   # doctest: +SKIP
>>> plan = json.loads(Path("params/demo-plan.json").read_text())   # doctest: +SKIP
>>> plan["departments"]["demo-health-bureau"][:2]                # doctest: +SKIP
['budget.adjustment_rate_mismatch', 'budget.execution_rate_mismatch']

Every department is invented, in the region 示例区（示例数据）, so every output made from it says
示例数据. The first eleven departments of ``catalogue.yaml`` carry planted problems
(``demo_plants.PLANTED``); all others are clean: evalkit raises no finding on them at all.
``DEMO.md`` and ``demo-plan.json`` are written beside the data from the same plan.
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

from ..core.evaluation import evaluate
from ..core.history import RESULT_SUFFIX
from ..core.numbers import chinese_numeral
from ..core.result import result_text
from ..iorw import write_atomic
from .design import Design, base_design, catalogue, expected_score, finish, report
from .monitoring import Monitored, monitoring_md, monitoring_notes, monitoring_yaml, plant_monitoring
from .plants import PLANTED, SEED_SCHEME
from .projects import add_projects, project_file_names, projects_md
from .render import (
    REGION,
    demo_md,
    monthly_csv,
    params_yaml,
    plan_json,
    projects_csv,
)

PLAN_SCHEMA = "evalkit-demo-plan/v1"
MIN_COUNT = len(PLANTED) + 9  # enough clean departments for the medians to stay where the clean ones are
#: The largest portfolio ``demo-data`` writes: a province.
MAX_COUNT = 20_000
#: A county of a province keeps at least this many clean departments, so its medians stay clean.
MIN_CLEAN = 9
COUNTIES = ("东城区", "西城区", "南城区", "北城区", "新城区", "高新区", "开发区", "东县", "西县", "南县")

__all__ = ["MIN_COUNT", "PLAN_SCHEMA", "REGION", "demo_file_names", "design_departments", "generate", "plan_of",
           "render_files"]


def province_departments(*, seed: int = 2023, count: int, year: int = 2023) -> list[Design]:
    """A province of ``count`` departments (any number up to :data:`MAX_COUNT`): counties (县区) of
    at most one department per catalogue entry, ten counties to a city (市). Each county is its own
    district: the catalogue's departments renamed for it (``示例一市东城区教育局``), drawn afresh,
    the planted problems of the small district in each county's first departments — at most as many
    as leave :data:`MIN_CLEAN` clean ones, so planted findings scale with the count."""
    specs = catalogue()["departments"]
    if not MIN_COUNT <= count <= MAX_COUNT:
        raise ValueError(f"count must be between {MIN_COUNT} and {MAX_COUNT}, got {count}")
    counties = -(-count // len(specs))
    sizes = [count // counties + (1 if i < count % counties else 0) for i in range(counties)]
    designs = []
    for c, size in enumerate(sizes):
        city, county = f"示例{chinese_numeral(c // len(COUNTIES) + 1)}市", COUNTIES[c % len(COUNTIES)]
        planted = min(len(PLANTED), size - MIN_CLEAN)
        for i, spec in enumerate(specs[:size]):
            local = {**spec, "id": f"{spec['id']}-{c + 1:03d}", "name": spec["name"].replace("示例区", city + county)}
            d = base_design(local, seed=seed, year=year)
            d.region, d.city = f"{city}{county}（示例数据）", city
            if spec["id"] in SEED_SCHEME:
                d.scheme = "seed-85-75-60"
            if i % 4 == 1:
                d.loss_range = (11.0, 16.0)
            if spec["id"] in PLANTED and i < planted:
                PLANTED[spec["id"]](d)
            _complete(d)
            designs.append(d)
    return designs


def _complete(d: Design) -> None:
    finish(d)
    report(d)
    for fn in d.after:
        fn(d)
    d.facts["score"] = expected_score(d)[0]


def design_departments(*, seed: int = 2023, count: int = 24, year: int = 2023,
                       previous: bool = False) -> list[Design]:
    """The designed departments, in catalogue order (planted ones first), without writing anything.

    ``previous=True`` designs the year before (another draw of the same departments): half of the
    planted departments already had their problems then (recurring), the other half did not (new),
    and one clean department in three executed only about 80 % of its project budget (resolved)."""
    specs = catalogue()["departments"]
    if not MIN_COUNT <= count <= len(specs):
        raise ValueError(f"count must be between {MIN_COUNT} and {len(specs)} (the catalogue's departments), "
                         f"got {count}")
    designs = []
    for i, spec in enumerate(specs[:count]):
        d = base_design(spec, seed=seed - 1 if previous else seed, year=year - 1 if previous else year)
        if d.id in SEED_SCHEME:
            d.scheme = "seed-85-75-60"
        if i % 4 == 1:
            d.loss_range = (11.0, 16.0)  # one department in four scores lower: a district is not all 优
        if d.id in PLANTED and not (previous and i % 2):
            PLANTED[d.id](d)
        elif previous and d.id not in PLANTED and i % 3 == 0:
            d.projects = [dataclasses.replace(p, executed=round(p.adjusted * 0.8)) for p in d.projects]
        _complete(d)
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

    The same arguments always write byte-identical files, each atomically. Files of the same year
    that an earlier generation wrote and this one does not (a smaller ``--count``, a department
    without side tables) are removed, so the folder holds exactly the plan; only names the generator
    itself writes (:func:`demo_file_names`) are touched. Returns the paths written, in order.

    >>> written = generate(Path("/tmp/demo"), seed=2023, count=24)   # doctest: +SKIP
    >>> len(written)                                                 # doctest: +SKIP
    72
    """
    folder = Path(folder)
    if count > len(catalogue()["departments"]):  # a province: no previous year (it would double the work)
        files = render_files(province_departments(seed=seed, count=count, year=year), seed=seed, count=count,
                             year=year)
    else:
        designs = design_departments(seed=seed, count=count, year=year)
        files = render_files(designs, seed=seed, count=count, year=year, monitored=plant_monitoring(designs))
        files |= previous_results(design_departments(seed=seed, count=count, year=year, previous=True))
    folder.mkdir(parents=True, exist_ok=True)
    written = [write_atomic(folder / name, text.encode("utf-8")) for name, text in files.items()]
    stale = demo_file_names(year) | {p.name for p in folder.glob(f"demo-*-[0-9][0-9][0-9]-{year}.*")}
    for name in sorted(stale - set(files)):
        (folder / name).unlink(missing_ok=True)
    return written


def render_files(designs: list[Design], *, seed: int, count: int, year: int,
                 monitored: dict[str, Monitored] | None = None, tables: bool = True) -> dict[str, str]:
    """File name → text of every file of one generation, in writing order (with each department's
    ``.monitoring.yaml`` when ``monitored`` holds its 1–7月 monitoring; ``tables``: with the
    departments' project tables, :mod:`.projects`)."""
    files: dict[str, str] = {}
    for d in designs:
        stem = f"{d.id}-{year}"
        projects = f"{stem}.projects.csv" if d.side_tables else None
        monthly = f"{stem}.monthly.csv" if d.side_tables and d.monthly else None
        files[f"{stem}.yaml"] = params_yaml(d, projects_file=projects, monthly_file=monthly)
        if projects:
            files[projects] = projects_csv(d)
        if monthly:
            files[monthly] = monthly_csv(d)
        if monitored and d.id in monitored:
            files[f"{stem}.monitoring.yaml"] = monitoring_yaml(d, monitored[d.id], stem)
    plan = plan_of(designs, seed=seed, count=count, year=year)
    if monitored:
        plan["monitoring"] = monitoring_notes(designs, monitored)
    if tables:
        add_projects(files, plan, designs)
    files["DEMO.md"] = (demo_md(plan, designs) + (monitoring_md(plan, designs) if monitored else "")
                        + ("\n".join(projects_md(plan, designs)) + "\n" if tables else ""))
    files["demo-plan.json"] = plan_json(plan)
    return files


def previous_results(designs: list[Design]) -> dict[str, str]:
    """Last year's published ``result.json`` of each department (``<id>-<year>.result.json``), so the
    outputs compare this year with last; evaluated from the designs, without provenance (a fixed
    generation has no time or machine of its own)."""
    files = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in render_files(designs, seed=designs[0].seed, count=len(designs), year=designs[0].year,
                                       tables=False).items():
            (Path(tmp) / name).write_text(text, encoding="utf-8")
        for d in designs:
            doc = evaluate(Path(tmp) / f"{d.id}-{d.year}.yaml", history=False).to_dict()
            doc["provenance"] = {"note": "示例数据：由 evalkit demo-data 生成的上年结果"}
            files[f"{d.id}-{d.year}{RESULT_SUFFIX}"] = result_text(doc) + "\n"
    return files


def demo_file_names(year: int) -> set[str]:
    """Every department file name the generator can write for ``year`` (and last year's results),
    whatever the seed and count."""
    return {f"{spec['id']}-{y}{suffix}" for spec in catalogue()["departments"]
            for y, suffixes in ((year, (".yaml", ".projects.csv", ".monthly.csv", ".monitoring.yaml")),
                                (year - 1, (".result.json",)))
            for suffix in suffixes} | {name for spec in catalogue()["departments"]
                                       for name in project_file_names(spec["id"], year)}
