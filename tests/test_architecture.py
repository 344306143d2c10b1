"""The house rules: which part of evalkit may import which, a light ``import evalkit``, and a pinned
public surface. Each failure names the offending file and line."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

PACKAGE = ROOT / "evalkit"
SUBPACKAGES = ("core", "portfolio", "publish", "workbook", "run", "demo", "audit", "monitoring", "stamps")
TOP_LEVEL = ("cli", "exceptions", "iorw", "outputs", "paths", "pool")

#: Which evalkit units each unit may import (a unit is a subpackage or a top-level module).
ALLOWED = {
    "core": {"exceptions", "paths"},
    "portfolio": {"core", "stamps", "exceptions", "paths", "pool"},
    "stamps": {"core", "exceptions", "iorw", "outputs", "paths"},
    "workbook": {"core", "exceptions", "iorw", "paths"},
    "demo": {"core", "exceptions", "iorw", "paths"},
    "publish": {"core", "portfolio", "stamps", "workbook", "exceptions", "iorw", "outputs", "paths"},
    "run": {"core", "publish", "stamps", "exceptions", "iorw", "outputs", "paths", "pool"},
    "audit": {"core", "publish", "exceptions", "iorw", "outputs", "paths", "pool"},
    "monitoring": {"core", "workbook", "exceptions", "iorw", "paths"},
    "exceptions": set(),
    "iorw": set(),
    "outputs": set(),
    "paths": set(),
    "pool": set(),
    "__init__": {"core", "portfolio", "stamps", "workbook", "exceptions", "paths"},
    "cli": {"core", "portfolio", "publish", "stamps", "workbook", "run", "demo", "audit", "monitoring", "exceptions",
            "iorw", "outputs", "paths", "pool"},
}
#: Libraries ``import evalkit`` must not load (they are loaded where a feature needs them).
HEAVY = ("openpyxl", "docx", "nbconvert", "nbclient", "nbformat", "papermill", "matplotlib", "weasyprint",
         "IPython", "bs4", "jupyter_client", "tqdm", "pdfplumber", "pdfminer")


def unit_of(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return parts[0] if len(parts) > 1 else parts[0]


def evalkit_imports(path: Path):
    """``(line, imported unit)`` for every evalkit import in ``path``, those inside functions too."""
    module = ".".join(("evalkit", *path.relative_to(PACKAGE).with_suffix("").parts))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    if path.name == "__init__.py":
        package = module.removesuffix(".__init__")
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            names = [target] if node.module or node.level == 0 else [f"{target}.{a.name}" for a in node.names]
            if target == "evalkit":
                names = [f"evalkit.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "evalkit" and len(parts) > 1:
                yield node.lineno, parts[1]


SOURCES = sorted(PACKAGE.rglob("*.py"))


def test_the_layout_is_folders_by_concept():
    flat = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")
    assert flat == sorted(TOP_LEVEL)
    for name in SUBPACKAGES:
        init = PACKAGE / name / "__init__.py"
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and "import" in doc, f"{init}: say what the subpackage owns and what it may import"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_follow_the_direction_of_flow(path):
    unit = "__init__" if path == PACKAGE / "__init__.py" else unit_of(path)
    allowed = ALLOWED[unit] | {unit}
    bad = [f"{path.relative_to(ROOT)}:{line} imports evalkit.{target}"
           for line, target in evalkit_imports(path) if target not in allowed]
    assert not bad, f"{unit} may import only {sorted(ALLOWED[unit])}: " + "; ".join(bad)


def test_nothing_imports_the_cli():
    users = [f"{p.relative_to(ROOT)}:{line}" for p in SOURCES if p.stem != "cli"
             for line, target in evalkit_imports(p) if target == "cli"]
    assert not users


def test_the_direction_check_sees_imports_inside_functions(tmp_path):
    """The checker itself: an import hidden in a function body is found, with its line."""
    fake = PACKAGE / "core" / "_probe_for_test.py"
    fake.write_text("def f():\n    from ..run import batch\n    return batch\n", encoding="utf-8")
    try:
        assert list(evalkit_imports(fake)) == [(2, "run")]
    finally:
        fake.unlink()


def test_import_evalkit_is_light():
    code = ("import sys, evalkit; "
            f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert loaded == [], f"import evalkit loads {loaded}; import them where the feature needs them"


@pytest.mark.parametrize("module", ["evalkit.publish.appendix", "evalkit.publish.overview"])
def test_notebook_display_blocks_are_declared_public(module):
    """What the notebooks call is the module's ``__all__``; every other name there is private."""
    import importlib
    import json

    mod = importlib.import_module(module)
    notebook = {"evalkit.publish.appendix": ["department", "explore"], "evalkit.publish.overview": ["overview"]}[module]
    leaf = module.rsplit(".", 1)[1]
    called = set()
    for name in notebook:
        nb = json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8"))
        for cell in (c for c in nb["cells"] if c["cell_type"] == "code"):
            called |= {node.func.attr for node in ast.walk(ast.parse("".join(cell["source"])))
                       if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                       and getattr(node.func.value, "id", None) == leaf}
    assert called <= set(mod.__all__), f"notebooks call {sorted(called - set(mod.__all__))} not in {module}.__all__"
    functions = {n for n, v in vars(mod).items() if callable(v) and getattr(v, "__module__", None) == module
                 and not n.startswith("_") and not isinstance(v, type)}
    assert functions == set(mod.__all__), f"public functions not in __all__: {sorted(functions - set(mod.__all__))}"


def module_imports(path: Path) -> set[str]:
    """The evalkit modules ``path`` imports (``evalkit.run.department``), those inside functions too."""
    name = ".".join(("evalkit", *path.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(".__init__")
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    modules = {".".join(("evalkit", *p.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(".__init__")
               for p in SOURCES}
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            found |= {next((c for c in (f"{base}.{a.name}", base) if c in modules), "") for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in modules}
    return found - {"", name}


def test_no_import_cycle_inside_a_subpackage():
    """Modules of one subpackage import each other one way only (a cycle hides which is the lower one)."""
    graph = {p: module_imports(p) for p in SOURCES}
    by_name = {".".join(("evalkit", *p.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(".__init__"): p
               for p in SOURCES}

    def reaches(start: str, goal: str, seen: set) -> bool:
        for nxt in graph[by_name[start]]:
            if nxt == goal or (nxt not in seen and not seen.add(nxt) and reaches(nxt, goal, seen)):
                return True
        return False

    cycles = [f"{a} <-> {b}" for a, p in by_name.items() for b in graph[p]
              if a < b and a.rsplit(".", 1)[0] == b.rsplit(".", 1)[0] != "evalkit" and reaches(b, a, set())]
    assert not cycles, cycles


def test_there_is_one_finding_class():
    """The core's ``Finding`` (with its ``where``) is every part's finding; subclasses of it are fine."""
    classes = [f"{p.relative_to(ROOT)}:{node.lineno}" for p in SOURCES
               for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
               if isinstance(node, ast.ClassDef) and node.name.endswith("Finding")
               and not any(getattr(b, "id", "").endswith("Finding") for b in node.bases)]
    assert classes == ["evalkit/core/findings.py:" + classes[0].rsplit(":", 1)[1]], classes


#: Test folders that cut across the package: the hostile-input suites try every surface at once.
CROSS_CUTTING = {"hostile"}


def test_tests_are_laid_out_like_the_package():
    """A module's tests are found from its path: tests/<subpackage>/test_*.py, cross-cutting ones at the top;
    test modules are imported by basename, so basenames are unique."""
    tests = sorted((ROOT / "tests").rglob("test_*.py"))
    folders = {p.parent.name for p in tests if p.parent != ROOT / "tests"}
    assert folders <= {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()} | CROSS_CUTTING, folders
    names = [p.name for p in tests if "fixtures" not in p.parts]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)


def test_there_is_one_params_writer():
    """Params YAML is written by ``core.serialisation`` alone (its ``params_yaml`` and, for the demo's own
    layout, its ``scalar``): no other module dumps YAML, quotes a scalar its own way or marks a 待核对."""
    found = []
    for p in SOURCES:
        text = p.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), 1):
            if re.search(r"yaml\.(safe_)?dump|def _?scalar\((?!node)|[\"']\s*# 待核对", line):
                found.append(f"{p.relative_to(PACKAGE)}:{number}")
    assert found and all(f.startswith("core/serialisation.py:") for f in found), found


#: Module names that meant two things (audit's and publish's terminal output, audit's pages and the
#: workbook's page set-up, audit's and run's batches, the core's and the portfolio's findings, the audit's
#: document as read and publish's document as written): each now names one module.
ONE_MEANING = ("terminal", "page", "batch", "findings", "document")

#: The module names several subpackages use, each for one concept seen from each part (the core computes
#: it, publish shows it, the workbook lays it out, the demo invents it, run writes it), with why. Any
#: other name is one module's.
SHARED_STEMS = {
    "__init__": "every subpackage has one",
    "budget": "budget execution: the core's rules, the workbook's 预算执行情况 block",
    "lights": "monitoring lights: the core computes them, publish shows them",
    "monitoring": "双监控: the core's figures, the demo's files, publish's appendix blocks",
    "review": "the finance bureau's review: the core's, the demo's files",
    "project": "the 项目支出绩效自评表: publish's pages, the workbook's sheet",
    "projects": "a department's project tables: the demo's files, run's outputs",
}


def module_stems(paths, root: Path = PACKAGE) -> dict[str, list[str]]:
    """Module basename → the modules (as paths under ``root``) that have it."""
    stems: dict[str, list[str]] = {}
    for path in paths:
        stems.setdefault(path.stem, []).append(path.relative_to(root).as_posix())
    return {stem: sorted(found) for stem, found in stems.items()}


def test_a_module_name_says_one_thing():
    """A module basename is one module's, except the names listed in :data:`SHARED_STEMS` (and those once
    per subpackage); a listed name is still shared (the list does not outlive its reason)."""
    stems = module_stems(SOURCES)
    shared = {stem: paths for stem, paths in stems.items() if len(paths) > 1}
    assert not {s: p for s, p in shared.items() if s not in SHARED_STEMS}, "one name, several modules"
    assert not set(SHARED_STEMS) & set(ONE_MEANING)
    assert set(SHARED_STEMS) <= set(shared), sorted(set(SHARED_STEMS) - set(shared))
    twice_in_one = {s: p for s, p in shared.items() if len({q.rsplit("/", 1)[0] for q in p}) < len(p)}
    assert not twice_in_one, twice_in_one


def class_definitions(paths, root: Path = PACKAGE) -> dict[str, list[str]]:
    """Class name → where it is defined (``path:line`` under ``root``), nested classes included."""
    found: dict[str, list[str]] = {}
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                found.setdefault(node.name, []).append(f"{path.relative_to(root).as_posix()}:{node.lineno}")
    return found


def test_a_class_name_says_one_thing():
    """No class name is defined twice across evalkit/ (the audit's ``SourceTable`` read from a report,
    publish's ``WrittenTable`` laid out in a document and the workbook's ``IndicatorRows`` were three
    classes named ``Table``): an import or a docstring's class reference names one thing."""
    twice = {name: places for name, places in class_definitions(SOURCES).items() if len(places) > 1}
    assert not twice, twice


def test_the_name_checks_see_a_name_used_twice(tmp_path):
    """The checkers themselves: two modules of one name, and two classes of one name, are found."""
    for folder in ("core", "publish"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "table.py").write_text("class Table:\n    class Row:\n        pass\n",
                                                    encoding="utf-8")
    paths = sorted(tmp_path.rglob("*.py"))
    assert module_stems(paths, tmp_path) == {"table": ["core/table.py", "publish/table.py"]}
    assert class_definitions(paths, tmp_path) == {"Table": ["core/table.py:1", "publish/table.py:1"],
                                                  "Row": ["core/table.py:2", "publish/table.py:2"]}


def test_every_output_names_the_module_that_writes_it():
    from evalkit import outputs

    registered = [value for value in vars(outputs).values() if isinstance(value, outputs.Output)]
    modules = {path.stem for path in PACKAGE.rglob("*.py")}
    assert len(registered) > 10
    assert not [o.filename for o in registered if o.writer not in modules]


def _json_reads_of_results(path: Path) -> list[int]:
    """Lines where ``path`` parses a result document itself: the schema's name as a literal, or
    ``json.load(s)`` (or a function of the module that calls it) given something named a result."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    readers = {fn.name for fn in ast.walk(tree) if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef)
               and any(_is_json_load(n) for n in ast.walk(fn))}
    lines = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Constant) and n.value == "evalkit-result/v1"]
    for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
        if not (_is_json_load(call) or getattr(call.func, "id", None) in readers):
            continue
        names = [getattr(n, "id", None) or getattr(n, "attr", None) or (n.value if isinstance(n, ast.Constant) else None)
                 for arg in call.args for n in ast.walk(arg)]
        if any(isinstance(x, str) and ("result.json" in x or x in ("RESULT", "RESULT_SUFFIX", "result")) for x in names):
            lines.append(call.lineno)
    return lines


def _is_json_load(node) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("load", "loads")
            and getattr(node.func.value, "id", None) == "json")


def test_there_is_one_result_reader():
    """``result.json`` is written and read by ``core.result`` alone: no other module names the schema or
    parses a result file with ``json`` (last year's figures, the index, the portfolio and the run go
    through ``core.result``)."""
    found = [f"{p.relative_to(PACKAGE)}:{line}" for p in SOURCES if p != PACKAGE / "core" / "result.py"
             for line in _json_reads_of_results(p)]
    assert not found, found


def test_the_result_reader_check_sees_hand_written_readers():
    """The checker itself: the readers this replaced (the index's and last year's) are found."""
    fake = PACKAGE / "core" / "_probe_for_test.py"
    fake.write_text("import json\n\ndef _read_json(path):\n    return json.loads(path.read_bytes())\n\n"
                    "def row(folder):\n    r = _read_json(folder / outputs.RESULT.filename)\n"
                    "    return r['schema'] == 'evalkit-result/v1'\n", encoding="utf-8")
    try:
        assert sorted(_json_reads_of_results(fake)) == [7, 8]
    finally:
        fake.unlink()


def test_there_is_one_pool():
    """Worker processes come from ``evalkit.pool`` alone (run, audit and Portfolio.load use it; the Dask
    engine is an engine, and the fork server starts kernels, not workers): nowhere else a
    ``ProcessPoolExecutor`` or a ``multiprocessing`` process, pool or context."""
    found = []
    for p in SOURCES:
        if p == PACKAGE / "pool.py":
            continue
        for number, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"ProcessPoolExecutor|multiprocessing\.(Process|Pool|get_context)|"
                         r"from multiprocessing import .*(Process|Pool|get_context)|\.Process\(target", line):
                found.append(f"{p.relative_to(PACKAGE)}:{number}")
    assert not found, found
