"""The kernel evalkit runs notebooks on: ``python -m evalkit.run.kernel -f CONNECTION_FILE`` is
ipykernel, asked first to die with the process that started it.

Linux delivers ``PR_SET_PDEATHSIG`` when the starting process (strictly, its starting thread: the
one running the notebook) ends, however it ends, so no kernel outlives a worker or a run that is
killed, not even by the fraction of a second ipykernel's own parent polling would leave. Workers
use :func:`die_with_parent` too (:mod:`.workers`).
"""

from __future__ import annotations

import ctypes
import os
import runpy
import signal
import sys

#: ``prctl`` option: the signal this process gets when its parent dies (``<linux/prctl.h>``).
PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int | None) -> None:
    """Have the kernel SIGKILL this process when its parent dies; exit now if ``parent`` (the pid
    it was started by) has died already. Elsewhere than Linux this does nothing."""
    if not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):  # no prctl: the parent's own clean-up is the only safeguard
        return
    if parent and os.getppid() != parent:
        os._exit(1)


if __name__ == "__main__":
    die_with_parent(int(os.environ.get("JPY_PARENT_PID") or 0))
    runpy.run_module("ipykernel_launcher", run_name="__main__", alter_sys=True)
