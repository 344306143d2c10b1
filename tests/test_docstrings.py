"""Docstring examples run, so they cannot drift from the code (run from the project root)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest
from conftest import ROOT

import evalkit

#: Every module of every subpackage (``iter_modules`` alone would stop at the top level).
MODULES = sorted(m.name for m in pkgutil.walk_packages(evalkit.__path__, "evalkit.") if m.name != "evalkit.notebooks")


@pytest.mark.parametrize("name", ["evalkit", *MODULES])
def test_docstring_examples(name, monkeypatch):
    monkeypatch.chdir(ROOT)
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"


def test_the_public_functions_have_runnable_examples():
    attempted = 0
    for name in ["evalkit", "evalkit.core.evaluation", "evalkit.core.params", "evalkit.core.numbers", "evalkit.core.scheme"]:
        finder = doctest.DocTestFinder()
        attempted += sum(len(t.examples) for t in finder.find(importlib.import_module(name)))
    assert attempted >= 8
