"""A province-sized folder: a few broken files among many are each reported with their located error,
the rest load (through the parallel reader) and are compared within their county, and the overview
summarises instead of listing thousands of rows."""

from __future__ import annotations

import hashlib
import html as html_text
import json
import re
import shutil
import statistics
import subprocess
import sys

import pytest
from conftest import PARAMS

from evalkit.demo.generate import generate
from evalkit.exceptions import Problem
from evalkit.paths import params_files
from evalkit.portfolio.portfolio import PARALLEL_FROM, Portfolio
from evalkit.publish import overview

COUNT = 2000  # with the duplicate below, more files than PARALLEL_FROM: the parallel reader runs
YEAR = 2023


def _line_of(path, text: str) -> int:
    """The 1-based line of the first line of ``path`` starting with ``text``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if line.startswith(text))


def _replace(path, old: str, new: str) -> int:
    """Replace the first line starting with ``old`` by ``new``; return its line number."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    n = next(i for i, line in enumerate(lines) if line.startswith(old))
    lines[n] = new + "\n"
    path.write_text("".join(lines), encoding="utf-8")
    return n + 1


def break_bad_yaml(folder, stem):
    path = folder / f"{stem}.yaml"
    n = _line_of(path, "unit:")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(n, "note: {a: [1, 2\n")  # never closed
    path.write_text("".join(lines), encoding="utf-8")
    return path.name, path.name, {n + 1, n + 2}, "", "YAML"


def break_wrong_number(folder, stem):
    path = folder / f"{stem}.yaml"
    return path.name, path.name, {_replace(path, "  adjusted:", "  adjusted: 九千")}, "budget.adjusted", "九千"


def break_missing_side_table(folder, stem):
    (folder / f"{stem}.projects.csv").unlink()
    path = folder / f"{stem}.yaml"
    return path.name, path.name, {_line_of(path, "  projects:")}, "budget.projects", "does not exist"


def break_not_utf8(folder, stem):
    path = folder / f"{stem}.yaml"
    path.write_bytes(path.read_text(encoding="utf-8").encode("gbk"))
    return path.name, path.name, {1}, "", "UTF-8"  # the first line is a Chinese comment


def break_empty(folder, stem):
    path = folder / f"{stem}.yaml"
    path.write_bytes(b"")
    return path.name, path.name, {1}, "", "empty"


def break_unknown_key(folder, stem):
    path = folder / f"{stem}.yaml"
    line = _replace(path, "  executed:", "  excuted: 1.00")
    return path.name, path.name, {line}, "budget.excuted", "did you mean 'executed'"


def break_side_table_cell(folder, stem):
    table = folder / f"{stem}.monthly.csv"
    line = _replace(table, "3,", "3,abc")
    return f"{stem}.yaml", table.name, {line}, "executed", "abc"


def break_duplicate_id(folder, stem):
    path = folder / f"{stem}.yaml"
    shutil.copy(path, folder / f"{stem}-copy.yaml")
    return path.name, path.name, {_line_of(path, "department:")}, "department.id", "also used by"


#: How each file is broken: function → what the portfolio must report (params file, file the problem
#: names, possible lines, key path, a fragment of the message). Each breaks a department of another county.
BROKEN = [break_bad_yaml, break_wrong_number, break_missing_side_table, break_not_utf8, break_empty,
          break_unknown_key, break_side_table_cell, break_duplicate_id]


@pytest.fixture(scope="module")
def province(tmp_path_factory):
    folder = tmp_path_factory.mktemp("province")
    generate(folder, count=COUNT, seed=YEAR, year=YEAR)
    plan = json.loads((folder / "demo-plan.json").read_text(encoding="utf-8"))
    stems = sorted(p.stem for p in folder.glob("*.yaml"))
    expected, broken_ids = {}, set()
    for n, breaker in enumerate(BROKEN):
        stem = next(s for s in stems if s.endswith(f"-{8 * n + 3:03d}-{YEAR}")
                    and s.removesuffix(f"-{YEAR}") in plan["clean"] and (folder / f"{s}.monthly.csv").exists())
        expected[breaker.__name__] = breaker(folder, stem)
        broken_ids.add(stem.removesuffix(f"-{YEAR}"))
    files = params_files([folder])
    assert len(files) >= PARALLEL_FROM  # what makes Portfolio.load read in worker processes
    pf = Portfolio.load(folder, year=YEAR, jobs=2)
    return folder, pf, expected, plan, broken_ids


@pytest.mark.parametrize("breaker", BROKEN, ids=lambda b: b.__name__.removeprefix("break_"))
def test_each_broken_file_is_reported_where_it_is_broken(province, breaker):
    folder, pf, expected, _, _ = province
    params, named, lines, key, fragment = expected[breaker.__name__]
    path = str(folder / params)
    assert path in dict(pf.invalid)
    first: Problem = pf.invalid_problems[path][0]
    assert first.path.endswith(named) and first.line in lines and first.key == key
    assert fragment in first.message, first


def test_every_broken_file_is_in_the_table_and_nothing_else_is_invalid(province):
    folder, pf, expected, _, _ = province
    reported = {str(folder / params) for params, *_ in expected.values()}
    reported.add(str(folder / f"{expected['break_duplicate_id'][0].removesuffix('.yaml')}-copy.yaml"))
    assert {path for path, _ in pf.invalid} == reported == set(pf.invalid_problems)


def test_the_rest_load_and_the_clean_counties_keep_their_planted_findings(province):
    folder, pf, expected, plan, broken_ids = province
    assert len(pf.evaluations) == COUNT - len(broken_ids)
    assert not broken_ids & set(pf.evaluations)
    regions = {d: ev.department.region for d, ev in pf.evaluations.items()}
    counties = {b.rsplit("-", 1)[1] for b in broken_ids}  # ids end in the county's number
    touched = {r for d, r in regions.items() if d.rsplit("-", 1)[1] in counties}
    assert len(touched) == len(counties)
    found: dict[str, set] = {}
    for r in pf.findings.itertuples():
        if isinstance(r.department_id, str):
            found.setdefault(r.department_id, set()).add(r.id)
    untouched = [d for d in pf.evaluations if regions[d] not in touched]
    assert len(untouched) > COUNT // 2
    assert {d: found.get(d, set()) for d in untouched} == {d: set(plan["departments"][d]) for d in untouched}
    outliers = {f.department_id for f in pf.portfolio_findings if f.id.startswith("portfolio.outlier_")}
    assert len({regions[d] for d in outliers}) == len(pf.regions)  # judged, and found, in every county


def test_summaries_by_region_city_and_the_whole(province):
    _, pf, *_ = province
    by_region, by_city, whole = pf.summary(), pf.summary(by="city"), pf.summary(by=None)
    assert len(by_region) == len(pf.regions) and len(by_city) == len(set(pf.departments["city"])) > 1
    assert by_region["部门数"].sum() == by_city["部门数"].sum() == whole.iloc[0]["部门数"] == len(pf.evaluations)
    assert by_city["错误"].sum() == whole.iloc[0]["错误"] == (pf.findings["severity"] == "error").sum()
    rates = pf.departments["execution_rate"].dropna()
    assert whole.iloc[0]["预算执行率中位数"] == pytest.approx(statistics.median(rates))
    with pytest.raises(ValueError, match="by must be"):
        pf.summary(by="province")


# --- the overview at this size --------------------------------------------------------------------

def _tables(html: str) -> list[int]:
    """The number of body rows of each table in ``html``."""
    return [body.count("<tr") for body in re.findall(r"<tbody>(.*?)</tbody>", html, flags=re.S)]


def test_the_overview_lists_the_first_rows_and_counts_the_rest(province):
    _, pf, *_ = province
    n, counties = len(pf.evaluations), len(pf.regions)
    assert n > overview.LIST_UP_TO and counties > overview.TOP
    departments = overview.departments_table(pf).data
    assert _tables(departments) == [overview.TOP]
    assert f"部门共{n}个" in departments and f"另有{n - overview.TOP}个部门未列出" in departments
    regions = overview.regions_table(pf).data
    cities = len(set(pf.departments["city"]))
    assert _tables(regions) == [cities + 1, overview.TOP]  # every 市 and the total; the first 县区
    assert f"县区共{counties}个" in regions and f"另有{counties - overview.TOP}个县区未列出" in regions
    anomalies = overview.top_anomalies(pf).data
    errors = int((pf.findings["severity"] == "error").sum())
    assert _tables(anomalies) == [overview.TOP, overview.TOP]
    assert f"错误共{errors}项" in anomalies and f"共列出{overview.TOP}项，另有{errors - overview.TOP}项未列出" in anomalies
    kinds = pf.findings.loc[pf.findings["severity"] == "error", "label"].nunique()
    listed = {row[3] for row in _rows(anomalies)[:overview.TOP]}
    assert len(listed) == min(kinds, overview.TOP)  # each kind of error once before any twice
    assert max(_tables(overview.findings_heatmap(pf).data)) < 80  # finding types, not departments
    header = overview.header(pf, year=YEAR).data
    assert f"{cities}个市、{counties}个县区" in header and "- 地区：" not in header


def _rows(html: str) -> list[list[str]]:
    """The body cells of every table in ``html``, as text."""
    bodies = "".join(re.findall(r"<tbody>(.*?)</tbody>", html, flags=re.S))
    return [[html_text.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", bodies, flags=re.S)]


def test_the_overview_locates_every_broken_file_in_its_last_section(province):
    _, pf, expected, *_ = province
    html = overview.invalid_files(pf).data
    assert _tables(html) == [len(pf.invalid)] and "全部列出" in html
    rows = {row[0]: row for row in _rows(html)}
    for params, named, lines, key, fragment in expected.values():
        _, where, shown_key, message = rows[params]
        assert where in {str(n) for n in lines} | {f"{named}:{n}" for n in lines}, (params, where)
        assert shown_key == key and fragment in message
    assert "无法读取或内容有误的参数文件" in overview.header(pf, year=YEAR).data
    assert "budget." not in overview.header(pf, year=YEAR).data  # key paths stay in 可复现信息


def test_a_long_list_of_broken_files_is_cut_and_counted(province):
    _, pf, *_ = province
    many = [(f"bad-{i:03d}.yaml", f"bad-{i:03d}.yaml:3 budget.adjusted: expected an amount ≥ 0") for i in range(300)]
    problems = {p: (Problem(p, "budget.adjusted", 3, "expected an amount ≥ 0"),) for p, _ in many}
    small = dict(list(pf.evaluations.items())[:30])
    cut = Portfolio(small, invalid=many, problems=problems, rules=pf.rules)
    html = overview.invalid_files(cut).data
    assert _tables(html) == [overview.TOP]
    assert "共300个" in html and f"另有{300 - overview.TOP}个未列出" in html
    assert len(cut.invalid_problems) == 300  # every file's problem is kept, only the page is cut


def test_many_inputs_are_reproduced_by_one_digest(province):
    _, pf, *_ = province
    files = {}
    for ev in pf.evaluations.values():
        files.update(ev.provenance["inputs"])
    assert len(files) > overview.FILES_LISTED
    listing = "".join(f"{digest}  {path}\n" for path, digest in sorted(files.items()))  # as sha256sum prints
    html = overview.provenance(pf).data
    assert hashlib.sha256(listing.encode("utf-8")).hexdigest() in html and "<table" not in html


@pytest.mark.slow
def test_the_overview_notebook_stays_short_at_province_scale(province, tmp_path):
    from pypdf import PdfReader

    from evalkit.run.department import run_overview

    folder, pf, *_ = province
    outcome = run_overview(folder, tmp_path, YEAR)
    assert outcome.status == "ok", outcome.error
    html = (tmp_path / str(YEAR) / "overview.html").read_text(encoding="utf-8")
    assert max(_tables(html)) <= max(overview.TOP, len(set(pf.departments["city"])) + 1, 60)
    assert f"另有{len(pf.evaluations) - overview.TOP}个部门未列出" in html
    assert "九千" in html and "可复现信息" in html
    pages = len(PdfReader(tmp_path / str(YEAR) / "overview.pdf").pages)
    assert pages <= 30, pages
    assert re.search(r"evalkit [\w.+-]+，Python", html)  # the versions line of 可复现信息 is there


def test_files_are_still_read_when_the_worker_processes_die(tmp_path):
    """A worker that dies (out of memory, killed) fails its files' chunk, not the load: they are read in
    the calling process. The workers are forked, so a script need not call Portfolio.load under
    ``if __name__ == "__main__":`` (this one does not)."""
    script = tmp_path / "unguarded.py"
    script.write_text("import logging\nimport os\nimport evalkit\nfrom evalkit.portfolio import portfolio\n"
                      "logging.basicConfig()\nportfolio.PARALLEL_FROM = 2\n"
                      "def dies(paths, scheme):\n    os._exit(3)\n"
                      "portfolio._read_some = dies  # what the forked workers run\n"
                      f"pf = evalkit.Portfolio.load({str(PARAMS)!r}, year={YEAR}, jobs=2)\n"
                      "print(len(pf.evaluations), len(pf.invalid))\n", encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert done.stdout.split() == ["25", "0"], done.stderr[-2000:]
    assert "a worker process stopped" in done.stderr


def test_counties_without_cities_are_summarised_without_a_city_column(tmp_path):
    generate(tmp_path, count=100, seed=YEAR, year=YEAR)  # four counties of one city
    for path in tmp_path.glob("*.yaml"):
        path.write_text(re.sub(r", city: [^,}]+", "", path.read_text(encoding="utf-8")), encoding="utf-8")
    pf = Portfolio.load(tmp_path, year=YEAR)
    assert len(pf.evaluations) == 100 and pf.departments["city"].isna().all()
    html = overview.regions_table(pf).data
    assert "<th>市</th>" not in html and _tables(html) == [len(pf.regions)] == [4]
    assert all(row[0].startswith("示例一市") for row in _rows(html))  # the county's full name
