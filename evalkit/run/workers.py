"""The worker processes of a batch: the pool's workers (:mod:`evalkit.pool`: they die with their parent,
leave Ctrl-C to it, and are stopped with SIGTERM, then SIGKILL, when the run ends or is stopped), set up
to run departments:

- on SIGTERM a worker kills its kernels (the one started ahead for its next department too) and exits
  at once, writing nothing more;
- it keeps a kernel started ahead (:mod:`.kernels`; the first one starts up while the worker warms up)
  and imports the heavy libraries once, not once per department.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import sys
import types

from ..pool import Pool
from .kernels import keep_spare, kill_kernels, start_spare

#: The garbage collector's thresholds in a worker: a collection every 10,000 allocations instead of 700
#: (a department allocates millions of objects, nearly all freed by their reference counts; collecting
#: took 0.5–0.7 s of a department's 8 s, and takes about 0.3 s so).
GC_THRESHOLDS = (10_000, 10, 10)


def worker_pool(jobs: int) -> Pool:
    """A pool of ``jobs`` spawned workers, each set up as the module docstring says."""
    return Pool(jobs, initializer=_start_worker)


def _start_worker() -> None:
    """Pool initializer: stop kernels on SIGTERM, keep a kernel started ahead, warm up."""
    signal.signal(signal.SIGTERM, _stop_worker)
    keep_spare()
    start_spare()
    _warm_up()


def _stop_worker(signum, frame) -> None:
    kill_kernels()
    os._exit(128 + signum)


def _warm_up() -> None:
    """Import the heavy libraries once per worker, not once per department, then move everything
    imported out of the garbage collector's sight (``gc.freeze``): modules live as long as the worker,
    and every collection during a department would otherwise scan them again (a sixth of rendering a
    PDF, writing a Word file), and collect young objects :data:`GC_THRESHOLDS` apart."""
    import gc

    defer_iri_grammar()
    import nbconvert  # noqa: F401
    import papermill  # noqa: F401

    from ..publish import exporters as export  # noqa: F401

    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


#: The module jsonschema (under nbformat, so under nbconvert and papermill) imports for its ``iri`` format,
#: which builds an Earley parser of RFC 3987 as it is imported.
IRI_GRAMMAR = "rfc3987_syntax"


def defer_iri_grammar() -> None:
    """Have jsonschema's ``iri`` format check build its grammar when it first checks an IRI, not when
    nbformat is imported: the parser takes two seconds of processor time to build, in every process
    that imports nbformat (the run's and each worker), and no notebook schema has an ``iri`` field.
    Until then ``rfc3987_syntax`` is a stand-in whose ``is_valid_syntax`` imports the real module."""
    if IRI_GRAMMAR in sys.modules or importlib.util.find_spec(IRI_GRAMMAR) is None:
        return
    stand_in, real = types.ModuleType(IRI_GRAMMAR), []

    def is_valid_syntax(term: str, value: str) -> bool:
        if not real:
            if sys.modules.get(IRI_GRAMMAR) is stand_in:
                del sys.modules[IRI_GRAMMAR]
            real.append(importlib.import_module(IRI_GRAMMAR))
        return real[0].is_valid_syntax(term, value)

    stand_in.is_valid_syntax = is_valid_syntax
    sys.modules[IRI_GRAMMAR] = stand_in
