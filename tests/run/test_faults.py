"""Process faults: a run killed, terminated or interrupted leaves no worker or kernel behind and
nothing that changes afterwards, and the next run recovers; one run at a time per output folder; a
full disk and a misconfigured run are errors that keep good outputs. Real processes throughout: each
``evalkit run`` is a subprocess whose descendants are found by a tag in their environment."""

from __future__ import annotations

import os
import pickle
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from conftest import ROOT, WORKED, run_cli, tmpfs

from evalkit import outputs
from evalkit.run import batch
from evalkit.run.lock import OutputLockedError, output_lock

TAG = "EVALKIT_FAULT_TEST"
#: Seconds any one ``evalkit run`` subprocess may take before the test gives up on it.
DEADLINE = 240


def copy_seed(folder: Path, department_id: str) -> Path:
    text = WORKED.read_text(encoding="utf-8").replace("id: dangzheng-office", f"id: {department_id}", 1)
    path = folder / f"{department_id}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path) -> tuple[Path, Path]:
    """Two departments (copies of the worked example) and an output folder."""
    params = tmp_path / "params"
    params.mkdir()
    copy_seed(params, "dept-a")
    copy_seed(params, "dept-b")
    return params, tmp_path / "reports"


def command(*args) -> list[str]:
    return [sys.executable, "-m", "evalkit.cli", "run", *map(str, args), "--formats", "html", "--no-progress"]


def start(params: Path, out: Path, tag: str, *extra) -> subprocess.Popen:
    """``evalkit run`` on both departments in a session of its own, its descendants tagged ``tag``."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), TAG: tag}
    return subprocess.Popen(command(params / "dept-a.yaml", params / "dept-b.yaml", "--out", out, "-j", "2", *extra),
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def run(*args, timeout: float = DEADLINE) -> subprocess.CompletedProcess:
    return subprocess.run(command(*args), env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
                          text=True, timeout=timeout)


def tagged(tag: str) -> dict[int, str]:
    """Live processes (zombies aside) carrying ``tag``: pid → command line."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if f"{TAG}={tag}".encode() not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            if "\nState:\tZ" in (entry / "status").read_text():
                continue
            found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()[:120]
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return found


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"gave up after {timeout:g} s waiting for {what}")


def kernels(tag: str) -> list[int]:
    """Kernels started the ordinary way, and kernels forked from a fork server (whose command line
    they share: they are the server's children)."""
    found = tagged(tag)
    servers = {pid for pid, cmd in found.items() if "evalkit.run.forkserver" in cmd}
    return [pid for pid, cmd in found.items() if "evalkit.run.kernel" in cmd or "ipykernel" in cmd
            or (pid in servers and _parent(pid) in servers)]


def _parent(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def mid_batch(out: Path, tag: str, proc: subprocess.Popen) -> None:
    """Wait until a kernel runs a department's notebook."""
    def running():
        if proc.poll() is not None:
            raise AssertionError(f"the run ended before it could be stopped:\n{proc.communicate()[1]}")
        return kernels(tag) and list(out.glob("2023/**/*.partial.ipynb"))

    wait_for(running, 120, "a kernel executing a department")


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(folder.rglob("*"))}


def assert_nothing_survives_or_changes(tag: str, out: Path) -> None:
    survivors = {}
    try:
        wait_for(lambda: not tagged(tag), 10, "every worker and kernel to exit")
    except AssertionError:
        survivors = tagged(tag)
    assert not survivors, f"still running after the run ended: {survivors}"
    before = snapshot(out)
    time.sleep(2)
    assert snapshot(out) == before


#: What a successful `--formats html` run leaves in a department's folder (appendix.html, the documents'
#: .html, the notebook, result.json and the stamp).
HTML_RUN = sorted([outputs.STAMP.filename, *(o.filename for o in outputs.department_outputs(("html",)))])


def assert_recovers(params: Path, out: Path) -> None:
    done = run(params / "dept-a.yaml", params / "dept-b.yaml", "--out", out)
    assert done.returncode == 0, done.stdout + done.stderr
    for dept in ("dept-a", "dept-b"):
        assert sorted(p.name for p in (out / "2023" / dept).iterdir()) == HTML_RUN
    index = (out / "2023" / "index.html").read_text(encoding="utf-8")
    assert "共2个部门：计算完成2个（其中存在错误、待复核2个），失败0个。" in index  # copies of the worked example
    assert index.count("<td>待复核<br>") == 2


@pytest.fixture
def tag():
    """A tag for one test's processes; any still alive at the end are killed (they are the test's own)."""
    value = uuid.uuid4().hex
    yield value
    for pid in tagged(value):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def stop(proc: subprocess.Popen, sig: int) -> None:
    """Send ``sig`` the way it comes in real life and wait for the run to end (its stderr can be
    read once every process holding the pipe has gone)."""
    if sig == signal.SIGINT:
        os.killpg(proc.pid, sig)  # a terminal sends Ctrl-C to the whole foreground process group
    else:
        proc.send_signal(sig)
    proc.wait(timeout=60)


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGKILL], ids=lambda s: s.name)
def test_a_killed_run_leaves_no_process_and_the_next_run_recovers(sig, project, tag):
    params, out = project
    proc = start(params, out, tag)
    mid_batch(out, tag, proc)
    stop(proc, sig)
    assert_nothing_survives_or_changes(tag, out)
    _, stderr = proc.communicate(timeout=30)
    # the resource tracker outlives the run by a moment and frees its semaphores: never aloud
    assert "resource_tracker" not in stderr and "leaked semaphore" not in stderr, stderr
    if sig != signal.SIGKILL:  # an orderly shutdown: one line, no traceback, exit 143 (SIGTERM) or 129 (SIGHUP)
        assert proc.returncode == 128 + sig, stderr
        assert stderr.strip().splitlines()[-1].startswith(f"terminated ({sig.name}): workers stopped")
        assert "Traceback" not in stderr
    else:
        assert proc.returncode == -signal.SIGKILL
        assert "Parent appears to have exited" not in stderr  # kernels die with their worker, not a poll later
    assert_recovers(params, out)


@pytest.mark.slow
def test_a_pool_worker_killed_mid_batch_leaves_no_resource_tracker_noise(project, tag):
    """SIGKILL to one pool worker while a department runs: the run goes on to its end and its
    terminal shows no resource_tracker KeyError or leaked-semaphore warning, no traceback; nothing
    is left running and the next run recovers."""
    params, out = project
    proc = start(params, out, tag)
    mid_batch(out, tag, proc)
    workers = wait_for(lambda: [pid for pid, cmd in tagged(tag).items()
                                if "spawn_main" in cmd and _parent(pid) == proc.pid], 30, "the pool's workers")
    os.kill(workers[0], signal.SIGKILL)
    _, stderr = proc.communicate(timeout=DEADLINE)
    assert proc.returncode in (0, 1), stderr
    assert "resource_tracker" not in stderr and "leaked semaphore" not in stderr, stderr
    assert "KeyError" not in stderr and "Traceback" not in stderr, stderr
    assert_nothing_survives_or_changes(tag, out)
    assert_recovers(params, out)


@pytest.mark.slow
def test_ctrl_c_stops_the_run_with_one_line_and_exit_130(project, tag):
    params, out = project
    proc = start(params, out, tag)
    mid_batch(out, tag, proc)
    stop(proc, signal.SIGINT)
    assert_nothing_survives_or_changes(tag, out)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr
    assert stderr.strip().splitlines()[-1].startswith("interrupted: workers stopped")


@pytest.mark.slow
def test_a_second_run_on_the_same_output_folder_refuses_and_writes_nothing(project, tag):
    params, out = project
    copy_seed(params, "dept-c")
    (params / "broken.yaml").write_text("schema: evalkit/v1\ndepartment: [\n", encoding="utf-8")
    first = start(params, out, tag)
    mid_batch(out, tag, first)
    second = run(params / "dept-c.yaml", params / "broken.yaml", "--out", out, timeout=120)
    _, stderr = first.communicate(timeout=DEADLINE)
    assert second.returncode == 1
    assert second.stderr.strip() == (f"error: another evalkit run (pid {first.pid}) is writing to {out}/ (it holds "
                                     f"{out / '.evalkit-run.lock'}); wait until it has finished, or give this run "
                                     "another --out")
    assert second.stdout == ""
    assert first.returncode == 0, stderr
    assert sorted(p.name for p in out.iterdir()) == [".evalkit-run.lock", "2023"]  # no _invalid/ from the second
    assert sorted(p.name for p in (out / "2023").iterdir()) == ["dept-a", "dept-b", "index.html"]


def test_the_lock_refuses_a_run_before_it_touches_anything(tmp_path):
    params, out = tmp_path / "params", tmp_path / "reports"
    params.mkdir()
    (params / "broken.yaml").write_text("department: [\n", encoding="utf-8")
    with output_lock(out):
        before = snapshot(out)
        with pytest.raises(OutputLockedError, match=f"another evalkit run \\(pid {os.getpid()}\\)") as caught:
            batch.run_job([params], out=out)
        assert str(pickle.loads(pickle.dumps(caught.value))) == str(caught.value)
        with pytest.raises(OutputLockedError):
            batch.run_batch([params], out)
        assert snapshot(out) == before
    batch.run_job([params], out=out)  # released: the broken file is recorded as usual
    assert (out / "_invalid" / "broken.json").is_file()


@pytest.mark.parametrize("value", ["0.5", "0", "-3", "nan", "inf", "soon", "1e308", "86401"])
def test_a_timeout_below_one_second_is_a_usage_error(value, capsys):
    with pytest.raises(SystemExit) as caught:
        run_cli("run", "--timeout", value)
    assert caught.value.code == 2
    assert (f"argument --timeout: expected a number of seconds from 1 to 86400 (a day), got '{value}'"
            in capsys.readouterr().err)


@pytest.mark.parametrize("fn", [batch.run_batch, batch.run_job])
def test_the_library_refuses_a_timeout_below_one_second_before_touching_anything(fn, tmp_path):
    with pytest.raises(ValueError, match="timeout must be a number of seconds from 1 to 86400, got 0.5"):
        fn([WORKED], out=tmp_path / "reports", timeout=0.5)
    assert not (tmp_path / "reports").exists()


@pytest.mark.slow
def slow_kernels(monkeypatch, folder: Path) -> None:
    """Kernels started from now on (they have ``JPY_PARENT_PID`` set) take a minute before they answer:
    a ``sitecustomize`` the workers and their kernels find on ``PYTHONPATH``."""
    folder.mkdir()
    (folder / "sitecustomize.py").write_text("import os, time\nif os.environ.get('JPY_PARENT_PID'):\n"
                                             "    time.sleep(60)\n", encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(folder), os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv("EVALKIT_KERNEL_FORK", "0")  # a forked kernel has started already: never slow


def test_a_run_that_fails_for_its_own_reasons_keeps_the_good_outputs(project, tmp_path, monkeypatch):
    """A timeout too short for the department is the run's fault, not the department's: the last
    good outputs stay, error.json joins them, the index says 失败, and the next run redoes it."""
    params, out = project
    dept = params / "dept-a.yaml"
    code, _ = run_cli("run", dept, "--out", out, "--formats", "html", "--no-progress")
    folder = out / "2023" / "dept-a"
    good = {name: (folder / name).read_bytes() for name in ("appendix.html", "result.json", "evaluation.ipynb")}
    assert code == 0
    with monkeypatch.context() as slow:  # a kernel started ahead and ready runs the notebook in under a second
        slow_kernels(slow, tmp_path / "slow")
        code, text = run_cli("run", dept, "--out", out, "--formats", "html", "--no-progress", "--force",
                             "--timeout", "1")
    assert code == 1 and "FAILED" in text and "RunTimeoutError" in text
    assert {name: (folder / name).read_bytes() for name in good} == good
    assert (folder / "error.json").is_file() and not (folder / ".evalkit-run.json").exists()
    index = (out / "2023" / "index.html").read_text(encoding="utf-8")
    assert "<td>待复核<br>" not in index and "失败" in index and "上次成功运行留下的" in index
    code, text = run_cli("run", dept, "--out", out, "--formats", "html", "--no-progress")  # not --force
    assert code == 0 and "1 run, 0 unchanged" in text
    assert sorted(p.name for p in folder.iterdir()) == HTML_RUN
    assert "<td>待复核<br>" in (out / "2023" / "index.html").read_text(encoding="utf-8")


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MiB tmpfs: room for one department's outputs (about 510 KB with the documents' .html) twice, as
    a rerun stages its new files beside the last good ones, and not much more."""
    with tmpfs(tmp_path / "disk", "2m") as mount:
        yield mount


def fill(disk: Path, *, leave: int) -> Path:
    """Fill ``disk`` up to ``leave`` bytes of free space."""
    filler = disk / "filler"
    stats = os.statvfs(disk)
    with open(filler, "wb") as handle:
        handle.write(b"\0" * max(0, stats.f_bavail * stats.f_frsize - leave))
    return filler


@pytest.mark.slow
def test_a_full_disk_fails_clearly_keeps_good_outputs_and_the_index_is_still_written(project, small_disk):
    params, _ = project
    out = small_disk / "reports"
    dept = params / "dept-a.yaml"
    folder = out / "2023" / "dept-a"
    assert run(dept, "--out", out).returncode == 0
    good = {name: (folder / name).read_bytes() for name in ("appendix.html", "result.json", "evaluation.ipynb")}

    filler = fill(small_disk, leave=64 * 1024)  # room for error.json and the index, not for an appendix
    done = run(dept, "--out", out, "--force")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and "unexpected" not in done.stdout + done.stderr
    assert f"\nFAILED {dept}: OSError\n{folder}/" in done.stdout
    assert ": cannot write: No space left on device" in done.stdout
    assert ".evalkit-staging" not in done.stdout
    assert {name: (folder / name).read_bytes() for name in good} == good
    assert (folder / "error.json").is_file() and not (folder / ".evalkit-staging").exists()
    index = (out / "2023" / "index.html").read_text(encoding="utf-8")
    assert "<td>待复核<br>" not in index and "文件无法写入（磁盘已满或无权限）" in index

    filler.unlink()
    fill(small_disk, leave=0)  # not even the index fits: it is still attempted, and said so
    done = run(dept, "--out", out, "--force")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "unexpected" not in done.stdout + done.stderr
    assert f"error: {out / '2023' / 'index.html'}: cannot write: No space left on device" in done.stderr

    (small_disk / "filler").unlink()
    done = run(dept, "--out", out)  # the next run on a disk with room recovers
    assert done.returncode == 0, done.stdout + done.stderr
    assert sorted(p.name for p in folder.iterdir()) == HTML_RUN
    assert "<td>待复核<br>" in (out / "2023" / "index.html").read_text(encoding="utf-8")
    shutil.rmtree(out)
