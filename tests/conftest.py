"""What every test module shares: the project's folders and the evaluations many tests read.

Test modules import the constants (``from conftest import ROOT``) and ask for the fixtures by name.
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from pathlib import Path

import pytest

import evalkit

ROOT = Path(__file__).resolve().parents[1]
PARAMS = ROOT / "params"
FIXTURES = ROOT / "tests" / "fixtures"
#: The worked example: the 2023 self-evaluation of a 党政办公室.
WORKED = PARAMS / "dangzheng-office-2023.yaml"
#: The virtualenv's scripts (papermill, jupyter, evalkit).
BIN = Path(sys.executable).parent


@pytest.fixture(scope="session")
def worked():
    """The worked example, evaluated once for the whole run (an ``Evaluation`` is immutable)."""
    return evalkit.evaluate(WORKED)


@pytest.fixture(scope="session")
def pf():
    """Every department-year of 2023 in ``params/``: the worked example and the illustrative district."""
    return evalkit.Portfolio.load(PARAMS, year=2023)


def run_cli(*args: str) -> tuple[int, str]:
    """``evalkit ARGS`` in this process: the exit code and what it printed on stdout."""
    from evalkit.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main([str(a) for a in args])
    return code, out.getvalue()


@contextlib.contextmanager
def tmpfs(folder: Path, size: str):
    """A tmpfs of ``size`` mounted on ``folder`` for the block (root, in a sandbox that allows
    mount; the test is skipped otherwise): a real full disk."""
    folder.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True,
                          text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def alive(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie is not)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


def wait_until(condition, timeout: float, *, every: float = 0.05) -> bool:
    """Whether ``condition()`` came true within ``timeout`` seconds (asked every ``every`` seconds)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return condition()


def located_problems(error, name: str, key: str, pattern: str) -> list:
    """The problems of ``error`` (a ``ParamsError``) in the file named ``name``, at ``key``, whose
    message matches ``pattern``."""
    import re

    return [p for p in error.problems if Path(p.path).name == name and p.key == key and re.search(pattern, p.message)]


def finish(path: Path, out: Path, formats=None) -> Path:
    """Leave ``path``'s folder as a finished run leaves it: every output of ``formats`` (all by
    default; placeholder bytes), result.json and the stamp recording their sha256 (no notebook runs:
    an incremental run looks at the outputs' sha256, which the stamp records, not at what they say)."""
    import json

    from evalkit import outputs
    from evalkit.paths import department_dir, notebook_path
    from evalkit.stamps.fingerprint import stamp

    formats = tuple(outputs.FORMATS if formats is None else formats)
    ev = evalkit.evaluate(path)
    folder = department_dir(out, ev.department.year, ev.department.id)
    folder.mkdir(parents=True, exist_ok=True)
    for o in outputs.department_outputs(formats):
        (folder / o.filename).write_bytes(b"output")
    (folder / outputs.RESULT.filename).write_text(json.dumps(ev.to_dict(), ensure_ascii=False), encoding="utf-8")
    (folder / outputs.STAMP.filename).write_text(
        json.dumps(stamp(ev, notebook_path("department"), formats, folder), ensure_ascii=False), encoding="utf-8")
    return folder
