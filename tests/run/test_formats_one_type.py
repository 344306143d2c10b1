"""``--formats``: each value is one file type (``html`` the appendix's and the documents' .html, ``pdf``
their .pdf, ``docx`` the documents' .docx alone, ``xlsx`` the scoring table), and a rerun of a folder made
with other formats leaves exactly what the new formats make."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from conftest import WORKED, run_cli

from evalkit import outputs

#: What every successful run leaves besides the formats' files.
ALWAYS = {outputs.NOTEBOOK.filename, outputs.RESULT.filename, outputs.STAMP.filename}


def test_each_format_names_one_file_type():
    for fmt in outputs.FORMATS:
        made = [o.filename for o in outputs.DEPARTMENT if o.format == fmt]
        assert made and {name.rsplit(".", 1)[1] for name in made} == {fmt}, (fmt, made)
    assert [o.filename for o in outputs.department_outputs(("docx",))][2:] == ["自评报告.docx", "复核意见书.docx"]


def test_the_help_says_what_each_format_writes():
    done = subprocess.run([sys.executable, "-m", "evalkit.cli", "run", "--help"], capture_output=True, text=True,
                          check=True)
    help_text = " ".join(done.stdout.split())
    assert "docx (自评报告 and 复核意见书 as .docx)" in help_text, help_text


@pytest.mark.slow
def test_a_rerun_with_other_formats_leaves_what_those_formats_make(tmp_path):
    params = tmp_path / "params"
    params.mkdir()
    shutil.copy(WORKED, params / WORKED.name)  # the department alone: no project tables
    out = tmp_path / "reports"
    folder = out / "2023" / "dangzheng-office"

    code, text = run_cli("run", params, "--out", out, "--formats", "docx", "--no-progress")
    assert code == 0, text
    assert {p.name for p in folder.iterdir()} == ALWAYS | {"自评报告.docx", "复核意见书.docx"}
    assert json.loads((folder / outputs.STAMP.filename).read_text(encoding="utf-8"))["formats"] == ["docx"]

    code, text = run_cli("run", params, "--out", out, "--formats", "html", "--no-progress")
    assert code == 0 and "1 run, 0 unchanged" in text, text  # other formats: not settled from the stamp
    assert {p.name for p in folder.iterdir()} == ALWAYS | {"appendix.html", "自评报告.html", "复核意见书.html"}

    code, text = run_cli("run", params, "--out", out, "--formats", "html", "--no-progress")
    assert code == 0 and "0 run, 1 unchanged" in text, text
