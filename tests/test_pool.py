"""The one pool (:mod:`evalkit.pool`): every item answered, a crash or an overrun fails that item alone,
memory is capped, and no worker outlives the process that started it."""

from __future__ import annotations

import atexit
import os
import signal
import subprocess
import sys
import time

import pytest

from evalkit.pool import Crash, Pool


def test_every_item_is_answered_with_its_index():
    with Pool(2) as pool:
        answers = dict(pool.imap(abs, [(-3,), (4,), (-5,)]))
    assert answers == {0: 3, 1: 4, 2: 5}


def test_a_dead_worker_fails_its_item_alone():
    with Pool(2) as pool:
        answers = dict(pool.imap(os._exit, [(3,)]))
        after = dict(pool.imap(abs, [(-1,), (-2,)]))
    assert isinstance(answers[0], Crash) and answers[0].kind == "crashed" and "exit code 3" in answers[0].error
    assert after == {0: 1, 1: 2}
    with Pool(1) as pool:
        mixed = dict(pool.imap(_exit_or_double, [(1,), (-1,), (2,)]))
    assert mixed[0] == 2 and isinstance(mixed[1], Crash) and mixed[2] == 4


def _exit_or_double(x: int) -> int:
    if x < 0:
        os._exit(1)
    return 2 * x


@pytest.fixture(autouse=True)
def _forked_functions(monkeypatch):
    """This module's own functions reach spawned workers by name."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([os.path.dirname(__file__), os.environ.get("PYTHONPATH", "")]))


def test_an_item_past_its_deadline_fails_and_the_pool_goes_on():
    started = time.monotonic()
    with Pool(2, timeout=1.5) as pool:
        answers = dict(pool.imap(time.sleep, [(30,), (0,), (0,)]))
    assert isinstance(answers[0], Crash) and answers[0].kind == "timeout"
    assert answers[1] is None and answers[2] is None and time.monotonic() - started < 20


def test_memory_is_capped():
    with Pool(1, memory=256 * 2**20) as pool, pytest.raises(MemoryError):
        dict(pool.imap(bytearray, [(2 * 2**30,)]))


def test_an_exception_is_the_callers():
    with Pool(1) as pool, pytest.raises(ValueError, match="invalid literal"):
        dict(pool.imap(int, [("x",)]))


def test_workers_die_with_the_parent(tmp_path):
    script = ("import os, sys, time\nfrom evalkit.pool import Pool\nif __name__ == '__main__':\n"
              "    with Pool(2) as pool:\n        print(' '.join(str(p) for _, p in pool.imap(os.getpid, [(), ()])), "
              "flush=True)\n        time.sleep(60)\n")
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    workers = [int(p) for p in parent.stdout.readline().split()]
    assert workers
    parent.send_signal(signal.SIGKILL)
    parent.wait(10)
    parent.stdout.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(p) for p in workers):
        time.sleep(0.1)
    assert not any(_alive(p) for p in workers)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split()[2] != "Z"
    except OSError:
        return False


def test_an_idle_worker_exits_by_itself_and_waits_for_what_it_started(tmp_path):
    """Left idle, a worker exits on its own (exit code 0, its exit handlers run), having waited for its
    children: their processor time counts in the parent's, so a run's CPU figure is the whole of it."""
    import resource

    mark = tmp_path / "finalized"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with Pool(1, initializer=_start_a_busy_child, initargs=(str(mark),)) as pool:
        assert dict(pool.imap(abs, [(-1,)])) == {0: 1}
        workers = list(pool._workers)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert [w.process.exitcode for w in workers] == [0]
    assert mark.read_text() == "done"
    assert (tmp_path / "atexit").read_text() == "ran"  # it leaves quickly, but after its exit handlers
    # the child burnt at least 0.3 s of CPU: the parent sees it only if the worker waited for it
    assert (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime) >= 0.3


def _start_a_busy_child(mark: str) -> None:
    from multiprocessing import util

    child = subprocess.Popen([sys.executable, "-c", "import time\nt = time.process_time()\n"
                              "while time.process_time() - t < 0.4: pass"])

    def finish():
        child.wait()
        with open(mark, "w") as handle:
            handle.write("done")

    util.Finalize(None, finish, exitpriority=10)
    atexit.register(lambda: open(os.path.join(os.path.dirname(mark), "atexit"), "w").write("ran"))


def test_a_worker_whose_setup_fails_keeps_its_exit_code():
    with Pool(1, initializer=_fail_setup) as pool:
        answers = dict(pool.imap(abs, [(-1,)]))
    assert isinstance(answers[0], Crash) and "exit code 1" in answers[0].error


def _fail_setup() -> None:
    raise RuntimeError("no set-up here")
