"""The kernels departments run on: a kernel started ahead (the spare) goes to exactly one department
and dies after it, one that died while waiting is replaced, a worker that stops takes its spare
with it, and what a department leaves does not depend on whether its kernel was started ahead."""

from __future__ import annotations

import json
import time
from pathlib import Path

import nbformat
import pytest
from conftest import WORKED

from evalkit.run import department, kernels, workers

pytestmark = pytest.mark.slow


def copy_seed(folder: Path, department_id: str) -> Path:
    text = WORKED.read_text(encoding="utf-8").replace("id: dangzheng-office", f"id: {department_id}", 1)
    path = folder / f"{department_id}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def alive(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie is not)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


def wait_until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.fixture
def spare(monkeypatch):
    """This process keeps a spare kernel for the test (as a pool worker does), and none after it."""
    monkeypatch.setattr(kernels, "_keeping", True)
    yield
    kernels.drop_spare()


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
    folder = ("2023", "dangzheng-office")
    department.run_department(WORKED, tmp_path / "plain", formats=("html",))
    monkeypatch.setattr(kernels, "_keeping", True)
    try:
        kernels.start_spare()
        assert kernels._spare is not None
        department.run_department(WORKED, tmp_path / "ahead", formats=("html",))
    finally:
        kernels.drop_spare()
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


@pytest.mark.parametrize("how", ["stopped", "shut down"])
def test_a_worker_that_ends_takes_its_spare_kernel_with_it(how):
    pool = workers.start_pool(1)
    try:
        pid = pool.submit(spare_pid).result(timeout=120)
        assert alive(pid)
    finally:
        if how == "stopped":
            workers.stop_pool(pool)  # SIGTERM, as a run that is interrupted does
        else:
            pool.shutdown()
    assert wait_until(lambda: not alive(pid), 10), f"spare kernel {pid} outlived its worker ({how})"
