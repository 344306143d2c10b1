"""The kernel evalkit runs notebooks on: ``python -m evalkit.run.kernel -f CONNECTION_FILE`` is
ipykernel, asked first to die with the process that started it.

Linux delivers ``PR_SET_PDEATHSIG`` when the starting process (strictly, its starting thread: the
one running the notebook) ends, however it ends, so no kernel outlives a worker or a run that is
killed, not even by the fraction of a second ipykernel's own parent polling would leave. Workers
use :func:`evalkit.pool.die_with_parent` too (:mod:`evalkit.pool`).
"""

from __future__ import annotations

import os
import runpy

from ..pool import die_with_parent

if __name__ == "__main__":
    die_with_parent(int(os.environ.get("JPY_PARENT_PID") or 0))
    runpy.run_module("ipykernel_launcher", run_name="__main__", alter_sys=True)
