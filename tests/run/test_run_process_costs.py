"""What a run's processes do not pay for: jsonschema's IRI grammar built on importing nbformat (two
seconds of processor time in every process that imports it), and, in the run's own process, the
notebook and rendering libraries and a kernel started the ordinary way for the overview, which a
worker of the run's pool renders instead."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import ROOT, WORKED

IRI_CHECK = """
import json, sys
from evalkit.run.workers import defer_iri_grammar
defer_iri_grammar()
import jsonschema, nbformat, papermill  # noqa: F401
built_on_import = "lark" in sys.modules
iri = jsonschema.Draft7Validator({"format": "iri"}, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
print(json.dumps([built_on_import, iri.is_valid("http://例子.中国/路径?q=1"), iri.is_valid("http://a b"),
                  iri.is_valid("no scheme"), "lark" in sys.modules]))
"""


def test_importing_nbformat_builds_no_iri_grammar_and_iris_are_still_checked():
    done = subprocess.run([sys.executable, "-c", IRI_CHECK], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    built_on_import, valid, spaced, schemeless, built_after = json.loads(done.stdout)
    assert not built_on_import
    assert valid and not spaced and not schemeless
    assert built_after


RUN = """
import json, sys
from pathlib import Path
from evalkit.run.batch import run_job
report = run_job([sys.argv[1]], out=Path(sys.argv[2]), formats=("html",), progress=False)
print(json.dumps({"outcomes": [[o.department_id, o.status] for o in report.outcomes],
                  "imported here": sorted(m for m in ("papermill", "nbconvert", "nbformat", "ipykernel")
                                          if m in sys.modules)}))
"""


@pytest.mark.slow
def test_the_overview_is_rendered_in_a_worker_not_in_the_runs_process(tmp_path):
    params = tmp_path / "params"
    params.mkdir()
    (params / WORKED.name).write_bytes(WORKED.read_bytes())
    out = tmp_path / "reports"
    done = subprocess.run([sys.executable, "-c", RUN, str(params), str(out)], capture_output=True, text=True,
                          cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr
    said = json.loads(done.stdout.splitlines()[-1])
    assert said["outcomes"] == [["dangzheng-office", "ok"], ["overview", "ok"]]
    assert said["imported here"] == []
    overview = (out / "2023" / "overview.html").read_text(encoding="utf-8")
    assert "党政办公室" in overview
