"""``Portfolio.load(…, results=…)`` tells a department's params file from a project table's by the current
stamps, opening a params YAML only for the files no current stamp accounts for; a file is still judged by
what it holds, whatever its name."""

from __future__ import annotations

import shutil

import pytest
from conftest import PARAMS
from test_portfolio_from_results import UNWRITTEN, write_results

import evalkit
from evalkit import paths
from evalkit.core import project_files
from evalkit.portfolio import portfolio as portfolio_module


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    """A copy of ``params/`` with results written for all but :data:`UNWRITTEN`."""
    root = tmp_path_factory.mktemp("listing")
    shutil.copytree(PARAMS, root / "params")
    write_results(root / "params", root / "reports", skip=UNWRITTEN)
    return root


def _heads_read_while_listing(monkeypatch) -> list[str]:
    """The names of the files whose head is read while ``Portfolio.load`` lists and reads the results
    (not while it evaluates the departments left)."""
    seen, listing = [], []
    real_read, real_results = paths.read_head, portfolio_module._read_results

    def read(path, *args, **kwargs):
        if listing:
            seen.append(str(path).rsplit("/", 1)[-1])
        return real_read(path, *args, **kwargs)

    def results(*args, **kwargs):
        listing.append(True)
        try:
            return real_results(*args, **kwargs)
        finally:
            listing.clear()

    monkeypatch.setattr(paths, "read_head", read)
    monkeypatch.setattr(project_files, "read_head", read)
    monkeypatch.setattr(portfolio_module, "_read_results", results)
    return seen


def test_only_the_files_no_current_stamp_accounts_for_are_opened(district, monkeypatch):
    seen = _heads_read_while_listing(monkeypatch)
    pf = evalkit.Portfolio.load(district / "params", year=2023, results=district / "reports")
    assert len(pf.evaluations) == 25 and not pf.invalid
    unstamped = sorted(p.name for p in paths.folder_params(district / "params")
                       if p.name.startswith(tuple(f"{dept}-2023." for dept in UNWRITTEN)))
    assert any(".project-" in name for name in unstamped)  # the unstamped departments' project tables too
    assert sorted(seen) == unstamped


def test_a_department_named_like_a_project_table_is_still_a_department(district, tmp_path):
    folder = tmp_path / "params"
    shutil.copytree(district / "params", folder)
    text = (folder / "demo-health-bureau-2023.yaml").read_text(encoding="utf-8")
    (folder / "demo-extra-2023.project-01.yaml").write_text(
        text.replace("id: demo-health-bureau,", "id: demo-extra,", 1), encoding="utf-8")
    pf = evalkit.Portfolio.load(folder, year=2023, results=district / "reports")
    assert "demo-extra" in pf.evaluations and len(pf.evaluations) == 26
    assert pf.department("demo-extra").params.kind == "department"


def test_a_project_table_named_like_a_department_is_not_listed(district, tmp_path):
    folder = tmp_path / "params"
    shutil.copytree(district / "params", folder)
    table = folder / "demo-health-bureau-2023.project-01.yaml"
    assert paths.is_project_file(table)
    shutil.copy(table, folder / "demo-health-bureau-extra-2023.yaml")  # a copy under a department's kind of name
    pf = evalkit.Portfolio.load(folder, year=2023, results=district / "reports")
    assert len(pf.evaluations) == 25
    assert not any(str(path).endswith("demo-health-bureau-extra-2023.yaml") for path, _ in pf.invalid)
