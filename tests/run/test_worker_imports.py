"""What a run's processes import: nbformat without the RFC 3987 grammar jsonschema would compile."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT

SCRIPT = """
import sys, time
from evalkit.run.workers import skip_iri_grammar
skip_iri_grammar()
import jsonschema, nbformat
nb = nbformat.read(sys.argv[1], as_version=4)
nbformat.validate(nb)
print(sys.modules.get("rfc3987_syntax", "absent"), "iri" in jsonschema.FormatChecker.checkers,
      "date" in jsonschema.FormatChecker.checkers)
"""


def test_a_run_process_validates_notebooks_without_the_iri_grammar():
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(ROOT / "notebooks" / "department.ipynb")],
                         capture_output=True, text=True, check=True).stdout.split()
    # the module is marked absent, so jsonschema lacks only the two checks it would have given
    assert out == ["None", "False", "True"]


def test_without_the_mark_jsonschema_would_compile_it():
    code = "import sys, jsonschema; print('rfc3987_syntax' in sys.modules, 'iri' in jsonschema.FormatChecker.checkers)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True", "True"]  # installed with jupyterlab's dependencies: what the mark saves
