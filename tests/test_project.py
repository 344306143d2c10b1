"""The project's set-up files agree with each other."""

from __future__ import annotations

import subprocess
import tomllib

import nbformat
import yaml
from conftest import ROOT


def test_environment_yml_pins_what_pyproject_declares():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = set(project["dependencies"]) | set(project["optional-dependencies"]["test"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip = next(item["pip"] for item in env["dependencies"] if isinstance(item, dict))
    assert set(pip) - {"-e ."} == declared
    assert "python=3.11" in env["dependencies"] and "conda-forge" in env["channels"]


def test_bare_make_prints_help_for_every_target():
    out = subprocess.run(["make", "-s"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    for target in ("demo", "test", "setup", "system", "bench"):
        assert f"make {target} " in out


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make demo" in readme and "make test" in readme


def test_notebook_sources_carry_no_outputs():
    for path in (ROOT / "notebooks").glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        assert [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])], path
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert not cell.outputs and not cell.execution_count, path
                assert "def " not in cell.source and "class " not in cell.source, path
