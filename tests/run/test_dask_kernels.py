"""Kernels on Dask workers (evalkit.run.dask_workers): forked from a fork server each worker started
from its event-loop thread, the next one started ahead in a single-threaded worker, none in a worker
of several threads, and nothing left running when the cluster closes or a worker is killed. Real
``LocalCluster``s on loopback; pids read from /proc."""

from __future__ import annotations

import os
import shutil
import signal
import sys
from functools import partial
from pathlib import Path

import nbformat
import pytest
from conftest import PARAMS, ROOT, WORKED, alive, wait_until

pytest.importorskip("distributed")
import cloudpickle  # noqa: E402
import dask  # noqa: E402

cloudpickle.register_pickle_by_value(sys.modules[__name__])  # workers cannot import this module

from evalkit.run import engines  # noqa: E402
from evalkit.run.department import run_department  # noqa: E402

pytestmark = [
    pytest.mark.slow,
    # offline, Dask cannot find this machine's address, and says so; loopback is all the tests use
    pytest.mark.filterwarnings("ignore:Couldn't detect a suitable IP address:RuntimeWarning"),
    pytest.mark.filterwarnings("ignore:.*could not determine host IP.*:UserWarning"),
    pytest.mark.filterwarnings("ignore:Port .* is already in use:UserWarning"),
]


def parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def recording_notebook(tmp_path: Path) -> tuple[Path, Path]:
    """The department notebook with a cell after its parameters that leaves a file named after its
    kernel's pid, holding the kernel's parent pid, in the folder returned."""
    marks = tmp_path / "kernels"
    marks.mkdir()
    nb = nbformat.read(ROOT / "notebooks" / "department.ipynb", as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    nb.cells.insert(at + 1, nbformat.v4.new_code_cell(
        f"import os\nwith open(os.path.join({str(marks)!r}, str(os.getpid())), 'w') as mark:\n"
        "    mark.write(str(os.getppid()))"))
    path = tmp_path / "recording.ipynb"
    nbformat.write(nb, path)
    return path, marks


def worker_kernels() -> dict:
    """On a worker: its pid, its fork server's, its spare kernel's (None for what it has not)."""
    from evalkit.run import forkserver, kernels

    server, spare = forkserver._server, kernels._spare
    return {"worker": os.getpid(), "server": server.process.pid if server is not None and server.alive else None,
            "spare": spare.manager.provisioner.process.pid if spare is not None and spare.alive else None}


@pytest.fixture
def departments(tmp_path):
    """The worked example and two demo departments, with their side tables and last year's results."""
    folder = tmp_path / "params"
    folder.mkdir()
    shutil.copy(WORKED, folder)
    for dept in ("demo-audit-bureau", "demo-health-bureau"):
        for path in PARAMS.glob(f"{dept}-20*"):
            shutil.copy(path, folder)
    return sorted(folder.glob("*-2023.yaml"))


def test_dask_workers_fork_kernels_keep_a_spare_and_leave_nothing_running(departments, tmp_path):
    notebook, marks = recording_notebook(tmp_path)
    engine = engines.DaskEngine(2)
    with engine:
        settled = list(engine.run(departments, tmp_path / "out", formats=("html",), timeout=300,
                                  task=partial(run_department, notebook=notebook)))
        workers = list(engine.client.run(worker_kernels).values())
        settings = engine.client.run(lambda: ({key: dask.config.get(key) for key in engines.LOCAL_SETTINGS},
                                              os.environ.get("MALLOC_TRIM_THRESHOLD_")))
        started_by = {w["server"]: parent_of(w["server"]) for w in workers if w["server"]}
    assert sorted(outcome.status for _, outcome in settled) == ["ok"] * 3, [o.error for _, o in settled]
    servers = {w["server"]: w["worker"] for w in workers}
    assert len(workers) == 2 and None not in servers and None not in {w["spare"] for w in workers}
    assert started_by == servers  # each worker started its own
    # no profiler, few checks, and the malloc trimming of this process (Dask's nannies put theirs into
    # the environment of the process that starts them, for good: an earlier cluster may have set it here)
    assert list(settings.values()) == [(engines.LOCAL_SETTINGS, os.environ.get("MALLOC_TRIM_THRESHOLD_"))] * 2
    ran = {int(mark.name): int(mark.read_text()) for mark in marks.iterdir()}
    assert len(ran) == 3  # a kernel of its own each, every one forked from its worker's fork server
    assert set(ran.values()) <= set(servers)
    spares = {w["spare"] for w in workers}
    assert not spares & set(ran)  # the kernels started ahead are fresh ones, not the departments'
    leftover = [pid for pid in [*servers, *spares, *ran] if alive(pid)]
    assert wait_until(lambda: not any(alive(pid) for pid in leftover), 15), \
        f"still running after the cluster closed: {[pid for pid in leftover if alive(pid)]}"


def test_a_killed_dask_worker_takes_its_fork_server_and_kernels_with_it(departments, tmp_path):
    engine = engines.DaskEngine(1)
    with engine:
        [before] = engine.client.run(worker_kernels).values()
        assert before["server"] and wait_until(lambda: alive(before["server"]), 5)
        spare = _wait_for_spare(engine)
        os.kill(before["worker"], signal.SIGKILL)
        assert wait_until(lambda: not alive(before["server"]) and not alive(spare), 15), \
            "a fork server or kernel outlived its killed Dask worker"
        # the nanny starts a new worker, which the scheduler sets up the same way, and it runs departments
        [(_, outcome)] = list(engine.run(departments[:1], tmp_path / "out", formats=("html",), timeout=300))
        assert outcome.status == "ok", outcome.error
        [after] = engine.client.run(worker_kernels).values()
        assert after["worker"] != before["worker"] and after["server"] and after["spare"]


def _wait_for_spare(engine) -> int:
    """The spare kernel of the single worker of ``engine``, once it has started."""
    spare = None

    def started():
        nonlocal spare
        [found] = engine.client.run(worker_kernels).values()
        spare = found["spare"]
        return spare is not None

    assert wait_until(started, 60), "the worker started no kernel ahead"
    return spare


def test_a_worker_of_several_threads_forks_kernels_but_keeps_no_spare(departments, tmp_path):
    from distributed import LocalCluster

    notebook, marks = recording_notebook(tmp_path)
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=True, host="127.0.0.1", dashboard_address=":0",
                      resources={"kernel": 1}) as cluster:
        engine = engines.DaskEngine(cluster=cluster.scheduler_address, allow_insecure=True)
        with engine:
            settled = list(engine.run(departments[:2], tmp_path / "out", formats=("html",), timeout=300,
                                      task=partial(run_department, notebook=notebook)))
            [worker] = engine.client.run(worker_kernels).values()
    assert [outcome.status for _, outcome in settled] == ["ok", "ok"], [o.error for _, o in settled]
    assert worker["server"] and worker["spare"] is None
    assert set(int(mark.read_text()) for mark in marks.iterdir()) == {worker["server"]}
    assert wait_until(lambda: not alive(worker["server"]), 15), "the fork server outlived its worker"


def test_without_forking_dask_workers_start_kernels_the_ordinary_way(departments, tmp_path, monkeypatch):
    monkeypatch.setenv("EVALKIT_KERNEL_FORK", "0")  # the workers inherit it
    notebook, marks = recording_notebook(tmp_path)
    engine = engines.DaskEngine(1)
    with engine:
        [(_, outcome)] = list(engine.run(departments[:1], tmp_path / "out", formats=("html",), timeout=300,
                                         task=partial(run_department, notebook=notebook)))
        [worker] = engine.client.run(worker_kernels).values()
    assert outcome.status == "ok", outcome.error
    assert worker["server"] is None and worker["spare"] is None
    assert [int(mark.read_text()) for mark in marks.iterdir()] == [worker["worker"]]
