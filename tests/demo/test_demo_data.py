"""The illustrative district (示例数据): deterministic, committed as generated, and every planted
finding found on exactly its departments — precision and recall per finding type are printed."""

import csv
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from conftest import PARAMS, ROOT

import evalkit
from evalkit import cli
from evalkit.demo.generate import MAX_COUNT, MIN_CLEAN, MIN_COUNT, REGION, generate
from evalkit.paths import is_project_file
from evalkit.portfolio.cross_checks import load_portfolio_rules

PLAN = json.loads((PARAMS / "demo-plan.json").read_text(encoding="utf-8"))
DEMO = sorted(p for p in PARAMS.glob("demo-*") if p.is_file())
DEMO_PARAMS = [p for p in DEMO if p.suffix == ".yaml" and not p.name.endswith(".monitoring.yaml") and not is_project_file(p)]


def core_finding_ids() -> set[str]:
    """Every finding id the department-level core can raise (read from findings.py itself)."""
    text = (ROOT / "evalkit" / "core" / "findings.py").read_text(encoding="utf-8")
    return set(re.findall(r'Finding\(\s*"([a-z_]+\.[a-z_]+)"', text))


@pytest.fixture(scope="session")
def fresh(tmp_path_factory):
    """The default generation, written afresh."""
    folder = tmp_path_factory.mktemp("demo-default")
    return folder, generate(folder)


# --- deterministic and committed --------------------------------------------------------------

def test_same_seed_writes_identical_bytes(tmp_path, fresh):
    again = generate(tmp_path, seed=2023)
    _, written = fresh
    assert [p.name for p in again] == [p.name for p in written]
    for a, b in zip(again, written, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_another_seed_writes_other_figures(tmp_path, fresh):
    other = generate(tmp_path, seed=7)
    folder, _ = fresh
    name = "demo-water-bureau-2023.yaml"
    assert (tmp_path / name).read_bytes() != (folder / name).read_bytes()
    assert {p.name for p in other} == {p.name for p in fresh[1]}  # same departments, same plan


def test_committed_params_equal_a_fresh_generation(fresh):
    _, written = fresh
    assert {p.name for p in DEMO} | {"DEMO.md"} == {p.name for p in written}, \
        "params/ holds demo files the generator no longer writes (or misses some): run `evalkit demo-data`"
    for path in written:
        assert (PARAMS / path.name).read_bytes() == path.read_bytes(), \
            f"params/{path.name} differs from `evalkit demo-data --seed 2023`: regenerate, do not edit by hand"


def test_the_worked_example_is_not_part_of_the_plan():
    assert "dangzheng-office" not in PLAN["departments"]
    assert (PARAMS / "dangzheng-office-2023.yaml").is_file()


@pytest.mark.parametrize("count", [MIN_COUNT - 1, MAX_COUNT + 1])
def test_count_outside_the_catalogue_is_refused(tmp_path, count):
    with pytest.raises(ValueError, match="count must be between"):
        generate(tmp_path, count=count)
    assert not list(tmp_path.iterdir())  # nothing half-written


def test_cli_demo_data(tmp_path, capsys):
    assert cli.main(["demo-data", "--seed", "5", "--count", "20", "--out", str(tmp_path)]) == 0
    assert "示例数据" in capsys.readouterr().out
    assert len(list(tmp_path.glob("demo-*-2023.yaml"))) == 20
    plan = json.loads((tmp_path / "demo-plan.json").read_text(encoding="utf-8"))
    assert (plan["seed"], plan["count"], len(plan["departments"])) == (5, 20, 20)


def test_a_smaller_generation_leaves_no_stale_department(tmp_path, capsys):
    """`--count 20` over a folder holding 24 departments leaves exactly 20, and only the generator's
    own files are removed."""
    generate(tmp_path, seed=5, count=24)
    kept = [tmp_path / "demo-my-notes-2023.yaml", tmp_path / "dangzheng-office-2023.yaml",
            tmp_path / "demo-water-bureau-2022.yaml"]
    for path in kept:
        path.write_text("# not the generator's\n", encoding="utf-8")
    assert cli.main(["demo-data", "--seed", "5", "--count", "20", "--out", str(tmp_path)]) == 0
    capsys.readouterr()
    plan = json.loads((tmp_path / "demo-plan.json").read_text(encoding="utf-8"))
    stems = {p.name.split(".")[0].removesuffix("-2023") for p in tmp_path.glob("demo-*-2023.*")}
    assert stems - {"demo-my-notes"} == set(plan["departments"]) and len(plan["departments"]) == 20
    assert all(path.exists() for path in kept)


def test_every_file_is_written_atomically(tmp_path, monkeypatch):
    from evalkit.demo import generate as demo_data

    through = []

    def recording(target, data):
        through.append(Path(target).name)
        return real(target, data)
    real = demo_data.write_atomic
    monkeypatch.setattr(demo_data, "write_atomic", recording)
    written = generate(tmp_path, count=MIN_COUNT)
    assert through == [p.name for p in written] and len(through) > MIN_COUNT
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left


@pytest.mark.parametrize("path", DEMO_PARAMS, ids=lambda p: p.stem)
def test_narrative_states_no_figure_and_no_grade(path):
    """Figures and grades come from the evaluation; a narrative stating them contradicts the draft."""
    narrative = yaml.safe_load(path.read_text(encoding="utf-8"))["narrative"]
    for key in ("conclusion", "achievements", "summary"):
        for text in narrative[key] if isinstance(narrative[key], list) else [narrative[key]]:
            assert not re.search(r"\d", text), (key, text)
            assert not re.search(r"等级|得分|分为|“(优秀|良好|一般|较差|优|良|中|差)”", text), (key, text)


def test_year_moves_every_date(tmp_path):
    generate(tmp_path, year=2024, count=MIN_COUNT)
    doc = yaml.safe_load((tmp_path / "demo-water-bureau-2024.yaml").read_text(encoding="utf-8"))
    assert doc["department"]["year"] == 2024
    assert doc["reported"]["evaluation_period"][0].startswith("2025-")


# --- the data are what the plan says ----------------------------------------------------------

def test_validate_accepts_the_whole_folder(capsys):
    assert cli.main(["validate", str(PARAMS)]) == 0  # planted problems are findings, not params errors
    out = capsys.readouterr().out
    projects = evalkit.paths.project_params_files([PARAMS])
    assert projects and out.count("ok   ") == len(evalkit.paths.params_files([PARAMS])) + len(projects)
    assert out.count(" (project of ") == len(projects)


@pytest.mark.parametrize("path", DEMO_PARAMS, ids=lambda p: p.stem)
def test_every_department_is_marked_as_sample_data(path):
    text = path.read_text(encoding="utf-8")
    doc = yaml.safe_load(text)
    assert doc["department"]["region"] == REGION and "示例" in REGION
    assert doc["department"]["name"].startswith("示例区")
    assert text.startswith("# ") and "示例数据" in text.splitlines()[0]
    assert doc["department"]["id"] in PLAN["departments"]


def _money(rows, key):
    return sum((Decimal(r[key]) for r in rows), Decimal(0))


@pytest.mark.parametrize("dept", list(PLAN["departments"]))
def test_side_tables_add_up_unless_planted(dept):
    planted = set(PLAN["departments"][dept])
    doc = yaml.safe_load((PARAMS / f"{dept}-2023.yaml").read_text(encoding="utf-8"))
    budget = doc["budget"]
    line = next(x for x in budget["lines"] if x["kind"] == "project")
    if "projects" in budget:
        with open(PARAMS / budget["projects"], encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        assert list(rows[0]) == ["name", "initial", "adjusted", "executed"]
        adds_up = (_money(rows, "adjusted"), _money(rows, "executed"), len(rows)) == (
            Decimal(str(line["adjusted"])), Decimal(str(line["executed"])), line["count"])
        assert adds_up != ("budget.projects_do_not_add_up" in planted)
    if "monthly" in budget:
        with open(PARAMS / budget["monthly"], encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        assert [int(r["month"]) for r in rows] == list(range(1, 13))
        adds_up = _money(rows, "executed") == Decimal(str(budget["executed"]))
        assert adds_up != ("budget.monthly_do_not_add_up" in planted)
    weights = [i["weight"] for g in doc["goals"] for i in g["indicators"] if "weight" in i]
    if weights:
        assert (sum(weights) == 90) != ("weights.sum_mismatch" in planted)


def test_the_plan_is_documented_beside_the_data():
    text = (PARAMS / "DEMO.md").read_text(encoding="utf-8")
    for dept, ids in PLAN["departments"].items():
        assert f"`{dept}`" in text
        for finding in ids:
            assert PLAN["notes"][dept][finding] in text
    assert len(PLAN["clean"]) >= 12 and len(PLAN["clean"]) > len(PLAN["departments"]) / 2
    assert PLAN["clean"] == [d for d, ids in PLAN["departments"].items() if not ids]


def test_every_core_finding_is_planted_somewhere():
    planted = {f for ids in PLAN["departments"].values() for f in ids}
    missing = core_finding_ids() - planted
    assert not missing, f"findings.py raises {sorted(missing)}, which the demo district does not plant: " \
                        "add a plant in evalkit/demo/plants.py"


def test_every_portfolio_finding_is_planted_or_explained():
    rules = load_portfolio_rules()
    kinds = {f"portfolio.outlier_{m.key}" for m in rules.metrics} | {
        "portfolio.all_full_score", "portfolio.copied_indicators"}
    assert set(PLAN["portfolio"]) == kinds
    assert PLAN["district"] == []  # portfolio.score_inflation: see test_portfolio.py's inflated district


# --- precision and recall ---------------------------------------------------------------------

CASES = {"params/ (seed 2023, 24 departments, with the worked example)": (None, None),
         "seed 7, 20 departments": (7, 20), "seed 99, 30 departments": (99, 30)}


@pytest.fixture(scope="session")
def accuracy(tmp_path_factory):
    """Per case: the plan and the finding ids found per planned department."""
    out = {}
    for label, (seed, count) in CASES.items():
        if seed is None:
            folder = PARAMS
        else:
            folder = tmp_path_factory.mktemp(f"demo-{seed}")
            generate(folder, seed=seed, count=count)
        plan = json.loads((folder / "demo-plan.json").read_text(encoding="utf-8"))
        pf = evalkit.Portfolio.load(folder, year=2023)
        f = pf.findings
        found = {d: set(f.loc[f["department_id"] == d, "id"]) for d in plan["departments"]}
        district = list(f.loc[f["department_id"].isna(), "id"])
        out[label] = (plan, found, district, pf)
    return out


def _table(plan, found):
    planted = {d: set(ids) for d, ids in plan["departments"].items()}
    kinds = sorted(set().union(*planted.values(), *found.values()))
    rows = []
    for kind in kinds:
        p = {d for d in planted if kind in planted[d]}
        f = {d for d in found if kind in found[d]}
        tp = len(p & f)
        rows.append((kind, len(p), len(f), tp, tp / len(f) if f else 1.0, tp / len(p) if p else 1.0))
    return rows


def test_precision_and_recall_per_finding_type(accuracy, capsys):
    with capsys.disabled():
        for label, (plan, found, _, _) in accuracy.items():
            rows = _table(plan, found)
            print(f"\n\nplanted findings — {label}: precision and recall per finding type (unit: department)")
            print(f"{'finding':44} {'planted':>7} {'found':>6} {'TP':>4} {'precision':>9} {'recall':>7}")
            for kind, p, f, tp, precision, recall in rows:
                print(f"{kind:44} {p:7d} {f:6d} {tp:4d} {precision:9.2f} {recall:7.2f}")
            dirty = [d for d in plan["clean"] if found[d]]
            print(f"clean departments with any finding: {len(dirty)} of {len(plan['clean'])}")
    for label, (plan, found, _, _) in accuracy.items():
        for kind, p, f, tp, precision, recall in _table(plan, found):
            assert (precision, recall) == (1.0, 1.0), (label, kind, p, f, tp)


@pytest.mark.parametrize("case", list(CASES))
def test_clean_departments_have_no_finding_at_all(accuracy, case):
    plan, found, _, pf = accuracy[case]
    assert {d: found[d] for d in plan["clean"] if found[d]} == {}
    d = pf.departments.set_index("id").loc[plan["clean"]]
    assert (d[["errors", "warnings", "infos", "portfolio_findings"]] == 0).all().all()
    assert d["complete"].all()
    assert (d["reported_score"] - d["score"]).abs().max() < 0.051  # reported as computed, rounded


@pytest.mark.parametrize("case", list(CASES))
def test_portfolio_findings_on_exactly_the_planted_departments(accuracy, case):
    plan, _, district, pf = accuracy[case]
    raised = {}
    for f in pf.portfolio_findings:
        raised.setdefault(f.id, set()).add(f.department_id)
    ours = {k: v & set(plan["departments"]) for k, v in raised.items()}
    assert {k: sorted(v) for k, v in ours.items() if v} == {k: sorted(v) for k, v in plan["portfolio"].items()}
    assert district == plan["district"] == []


def test_the_worked_example_gets_no_cross_department_finding(accuracy):
    *_, pf = accuracy["params/ (seed 2023, 24 departments, with the worked example)"]
    assert "dangzheng-office" in pf.evaluations
    assert not [f for f in pf.portfolio_findings if f.department_id == "dangzheng-office"]


# --- a province ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def province(tmp_path_factory):
    folder = tmp_path_factory.mktemp("province")
    generate(folder, count=137)
    return folder


def test_a_province_has_cities_and_counties_and_is_deterministic(province, tmp_path):
    pf = evalkit.Portfolio.load(province, year=2023)
    assert len(pf.evaluations) == 137 and not pf.invalid
    assert len(pf.regions) == 5 and all(n >= 27 for n in pf.regions.values())  # balanced counties
    cities = {ev.department.city for ev in pf.evaluations.values()}
    assert cities == {"示例一市"} and all("示例数据" in r for r in pf.regions)
    generate(tmp_path, count=137)
    assert all((tmp_path / p.name).read_bytes() == p.read_bytes() for p in province.iterdir())


def test_a_provinces_planted_findings_are_found_and_only_they(province):
    """Planted findings scale with the count; the clean departments stay clean (copies are judged
    within a county: a province's departments of one kind share its indicator templates)."""
    pf = evalkit.Portfolio.load(province, year=2023)
    plan = json.loads((province / "demo-plan.json").read_text(encoding="utf-8"))
    found: dict[str, set] = {}
    for r in pf.findings.itertuples():
        if isinstance(r.department_id, str):
            found.setdefault(r.department_id, set()).add(r.id)
    assert {d: found.get(d, set()) for d in plan["departments"]} == {d: set(ids) for d, ids in plan["departments"].items()}
    planted = sum(1 for ids in plan["departments"].values() if ids)
    assert planted >= 5 * 11 and len(plan["clean"]) >= 5 * MIN_CLEAN


def test_a_small_count_above_the_catalogue_keeps_clean_departments(tmp_path):
    generate(tmp_path, count=31)  # two counties of 16 and 15
    plan = json.loads((tmp_path / "demo-plan.json").read_text(encoding="utf-8"))
    by_region: dict[str, int] = {}
    for path in tmp_path.glob("*.yaml"):
        region = evalkit.load_params(path).department.region
        by_region[region] = by_region.get(region, 0) + (path.stem.removesuffix("-2023") in plan["clean"])
    assert len(by_region) == 2 and all(clean >= MIN_CLEAN for clean in by_region.values())
