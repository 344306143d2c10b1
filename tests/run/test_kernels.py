"""The kernels departments run on: a kernel started ahead (the spare) goes to exactly one department
and dies after it, one that died while waiting is replaced, a worker that stops takes its spare
with it, and what a department leaves does not depend on whether its kernel was started ahead."""

from __future__ import annotations

import json
import time
from pathlib import Path

import nbformat
import pytest
from conftest import WORKED, alive, wait_until

from evalkit.run import department, kernels, workers

pytestmark = pytest.mark.slow


def copy_seed(folder: Path, department_id: str) -> Path:
    text = WORKED.read_text(encoding="utf-8").replace("id: dangzheng-office", f"id: {department_id}", 1)
    path = folder / f"{department_id}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def spare(monkeypatch):
    """This process keeps a spare kernel for the test (as a pool worker does), and none after it."""
    from evalkit.run import forkserver

    monkeypatch.setattr(kernels, "_keeping", True)
    yield
    kernels.drop_spare()
    forkserver.stop_server()


def pid_of(kernel: kernels.Kernel) -> int:
    return kernel.manager.provisioner.process.pid


def test_a_kernel_started_ahead_serves_one_department_and_dies_after_it(tmp_path, spare, monkeypatch):
    params = tmp_path / "params"
    params.mkdir()
    taken = []
    take = kernels.take_kernel

    def recording_take():
        was_spare = kernels._spare
        kernel = take()
        taken.append((kernel, pid_of(kernel), kernel is was_spare))
        return kernel

    monkeypatch.setattr(kernels, "take_kernel", recording_take)
    kernels.start_spare()
    for i in range(3):
        if i == 2:  # a spare that died while it waited is thrown away, and the department runs anyway
            waiting = kernels._spare
            kernels._kill(waiting.manager)
            assert wait_until(lambda waiting=waiting: not waiting.alive, 10)
        outcome = department.run_department(copy_seed(params, f"dept-{i}"), tmp_path / "reports", formats=("html",))
        assert outcome.status == "ok", outcome.error
        kernel, pid, _ = taken[-1]
        assert not kernel.alive and wait_until(lambda pid=pid: not alive(pid), 10)  # killed after its department
        assert kernel.manager not in kernels._KERNELS
    assert [was_spare for _, _, was_spare in taken] == [True, True, False]
    assert len({pid for _, pid, _ in taken}) == len({id(k) for k, _, _ in taken}) == 3
    assert kernels._spare is not None and kernels._spare.alive  # the next department's, already starting
    assert pid_of(kernels._spare) not in {pid for _, pid, _ in taken}


def comparable(folder: Path) -> tuple[dict, list]:
    """A department's result.json without its generation time, and its notebook's code cells as run
    (execution counts and outputs, timing metadata aside)."""
    result = json.loads((folder / "result.json").read_text(encoding="utf-8"))
    result["provenance"].pop("generated_at")
    nb = nbformat.read(folder / "evaluation.ipynb", as_version=4)
    cells = [(c.execution_count, [{k: v for k, v in o.items() if k != "metadata"} for o in c.outputs])
             for c in nb.cells if c.cell_type == "code"]
    return result, cells


def test_a_department_leaves_the_same_files_whether_its_kernel_was_started_ahead_or_not(tmp_path, monkeypatch):
    from evalkit.run import forkserver

    folder = ("2023", "dangzheng-office")
    department.run_department(WORKED, tmp_path / "plain", formats=("html",))
    monkeypatch.setattr(kernels, "_keeping", True)
    try:
        kernels.start_spare()
        assert kernels._spare is not None
        department.run_department(WORKED, tmp_path / "ahead", formats=("html",))
    finally:
        kernels.drop_spare()
        forkserver.stop_server()
    plain, ahead = comparable(tmp_path / "plain" / Path(*folder)), comparable(tmp_path / "ahead" / Path(*folder))
    assert plain == ahead
    assert [count for count, _ in ahead[1]] == list(range(1, len(ahead[1]) + 1))  # the preload left no trace


def spare_pid() -> int:
    """In a pool worker: the pid of its spare kernel, once that has started."""
    deadline = time.monotonic() + 60
    while kernels._spare is None or not kernels._spare.alive:
        if time.monotonic() > deadline:
            raise RuntimeError("no spare kernel")
        time.sleep(0.05)
    return pid_of(kernels._spare)


def test_a_worker_that_ends_takes_its_spare_kernel_with_it():
    pool = workers.worker_pool(1)
    try:
        pid = dict(pool.imap(spare_pid, [()]))[0]
        assert alive(pid)
    finally:
        pool.stop()  # SIGTERM, as the end of a run or a run that is interrupted does
    assert wait_until(lambda: not alive(pid), 10), f"spare kernel {pid} outlived its worker"


# --- kernels forked from the worker's fork server ------------------------------------------------

def ask(kernel: kernels.Kernel, code: str) -> str:
    """Run ``code`` in ``kernel`` and return what it printed."""
    from jupyter_core.utils import run_sync

    printed = []
    client = kernel.manager.client()
    client.start_channels()
    try:
        run_sync(client.wait_for_ready)(timeout=60)
        run_sync(client.execute_interactive)(code, timeout=60, output_hook=lambda msg: printed.append(
            msg["content"].get("text", "")) if msg["msg_type"] == "stream" else None)
    finally:
        client.stop_channels()
    return "".join(printed).strip()


def parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def test_forked_kernels_are_fresh_processes_of_their_own(spare, capfd):
    import os

    from evalkit.run import forkserver

    first, second = kernels.start_kernel(), kernels.start_kernel()
    try:
        server = forkserver.server().process.pid
        for kernel in (first, second):
            pid = pid_of(kernel)
            assert parent_of(pid) == server and os.getpgid(pid) == pid  # the server's child, in a session of its own
        assert ask(first, "department = 'dept-a'; import os; print(os.getpid())") == str(pid_of(first))
        # nothing one kernel did is in the next: each is a copy of the server, which runs no cell
        assert ask(second, "print('department' in globals(), 'pandas' in __import__('sys').modules)") == "False True"
        assert "ipython kernel" not in capfd.readouterr().err  # each kernel knows its parent: no notice on the terminal
    finally:
        kernels.discard(first)
        kernels.discard(second)


def test_kernels_die_with_their_fork_server(spare):
    import os
    import signal

    from evalkit.run import forkserver

    kernel = kernels.start_kernel()
    pid, server = pid_of(kernel), forkserver.server().process.pid
    try:
        os.kill(server, signal.SIGKILL)
        assert wait_until(lambda: not alive(pid), 10), "a kernel outlived its fork server"
        assert not kernel.alive
        replacement = kernels.start_kernel()  # the next kernel gets a new server
        assert forkserver.server().process.pid != server and replacement.alive
        kernels.discard(replacement)
    finally:
        kernels.discard(kernel)


def test_without_a_fork_server_kernels_start_the_ordinary_way(spare, monkeypatch):
    import os

    from evalkit.run import forkserver

    def broken():
        raise RuntimeError("the kernel fork server did not start")

    monkeypatch.setattr(forkserver, "server", broken)
    kernel = kernels.start_kernel()
    try:
        assert parent_of(pid_of(kernel)) == os.getpid()
        assert ask(kernel, "print(1 + 1)") == "2"
    finally:
        kernels.discard(kernel)


def test_a_killed_worker_takes_its_fork_server_and_kernels_with_it():
    import os
    import signal

    with workers.worker_pool(1) as pool:
        worker = dict(pool.imap(os.getpid, [()]))[0]
        pid = dict(pool.imap(spare_pid, [()]))[0]
        assert alive(pid)
        os.kill(worker, signal.SIGKILL)
        assert wait_until(lambda: not alive(pid), 10), "a kernel outlived its killed worker"
