"""An installed evalkit works without the checkout: the wheel carries the notebooks, so
``evalkit run`` from any folder executes one department."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, WORKED

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "-w", str(out), str(ROOT)], check=True, capture_output=True, text=True)
    (path,) = out.glob("evalkit-*.whl")
    return path


def test_the_wheel_ships_the_notebooks_and_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for notebook in sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb")):
        assert f"evalkit/notebooks/{notebook}" in names
    assert {"evalkit/schemes/seed-85-75-60.yaml", "evalkit/core/finding_wording.yaml", "evalkit/portfolio/rules.yaml",
            "evalkit/demo/catalogue.yaml", "evalkit/publish/templates/evalkit_html/index.html.j2"} <= names


def test_an_installed_wheel_runs_a_department_outside_the_checkout(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = Path(subprocess.run([venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                               check=True, capture_output=True, text=True).stdout.strip())
    # evalkit's dependencies come from the test environment; evalkit itself only from the wheel
    # (a plain path line: the checkout's editable-install hook in that folder is not run).
    (site / "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--quiet",
                    "--no-deps", str(wheel)], check=True, capture_output=True, text=True)
    work = tmp_path / "elsewhere"
    (work / "params").mkdir(parents=True)
    shutil.copy(WORKED, work / "params")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")  # nbconvert's templates, with its code
    where = subprocess.run([venv / "bin" / "python", "-c", "import evalkit, evalkit.paths as p; "
                            "print(evalkit.__file__); print(p.notebook_path())"],
                           cwd=work, env=env, check=True, capture_output=True, text=True).stdout.split("\n")
    assert where[0].startswith(str(site)) and where[1].startswith(str(site)), where
    run = subprocess.run([venv / "bin" / "evalkit", "run", "params", "--out", "reports", "--formats", "html",
                          "--no-progress"], cwd=work, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    result = json.loads((work / "reports" / "2023" / "dangzheng-office" / "result.json").read_text(encoding="utf-8"))
    assert result["score"]["display"] == "[9.97, 99.97]"
    assert (work / "reports" / "2023" / "dangzheng-office" / "appendix.html").is_file()
    assert (work / "reports" / "2023" / "overview.html").is_file()
    assert str(ROOT) not in (work / "reports" / "2023" / "dangzheng-office" / "appendix.html").read_text(encoding="utf-8")
