"""The Dask engine: the same files as the process pool, a worker killed under a department fails that
department only, and a cluster evalkit must not use (plain tcp://, unreachable, other workers) is one
clear error with nothing written. Real ``LocalCluster``s of two workers, on loopback only."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from functools import partial

import nbformat
import pytest
from conftest import PARAMS, ROOT, WORKED, run_cli

pytest.importorskip("distributed")

from evalkit.run import batch, engines  # noqa: E402
from evalkit.run.department import run_department  # noqa: E402

pytestmark = [
    pytest.mark.slow,
    # offline, Dask cannot find this machine's address, and says so; loopback is all the tests use
    pytest.mark.filterwarnings("ignore:Couldn't detect a suitable IP address:RuntimeWarning"),
    pytest.mark.filterwarnings("ignore:.*could not determine host IP.*:UserWarning"),
    pytest.mark.filterwarnings("ignore:Port .* is already in use:UserWarning"),
]

DEPARTMENTS = ("demo-audit-bureau", "demo-health-bureau")


@pytest.fixture
def params(tmp_path):
    """The worked example and two demo departments with their side tables and last year's results."""
    folder = tmp_path / "params"
    folder.mkdir()
    shutil.copy(WORKED, folder)
    for dept in DEPARTMENTS:
        for path in PARAMS.glob(f"{dept}-20*"):
            shutil.copy(path, folder)
    return folder


def notebook_with(tmp_path, source: str, name: str):
    """The department notebook with ``source`` run right after its parameters."""
    nb = nbformat.read(ROOT / "notebooks" / "department.ipynb", as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    nb.cells.insert(at + 1, nbformat.v4.new_code_cell(source))
    path = tmp_path / name
    nbformat.write(nb, path)
    return path


def results(out):
    """Every result.json under ``out`` without its generation time, by department folder."""
    found = {}
    for path in sorted(out.glob("*/*/result.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        doc["provenance"].pop("generated_at")
        found[path.parent.relative_to(out)] = doc
    return found


def test_dask_writes_the_same_results_as_the_process_pool(params, tmp_path):
    pool, dask = tmp_path / "pool", tmp_path / "dask"
    common = ["run", params, "--formats", "html", "--no-progress"]
    assert run_cli(*common, "--out", pool)[0] == 0
    assert run_cli(*common, "--out", dask, "--engine", "dask", "--jobs", "2")[0] == 0
    expected = results(pool)
    assert len(expected) == 3
    assert results(dask) == expected
    names = {p.relative_to(pool) for p in pool.rglob("*") if p.is_file()}
    assert {p.relative_to(dask) for p in dask.rglob("*") if p.is_file()} == names


def test_a_failing_department_fails_alike_on_both_engines(tmp_path):
    broken = notebook_with(tmp_path, "raise ValueError('planted failure')", "broken.ipynb")
    task = partial(run_department, notebook=broken)
    records = {}
    for name, engine in (("pool", engines.PoolEngine(1)), ("dask", engines.DaskEngine(1))):
        out = tmp_path / name
        with engine:
            [(_, outcome)] = list(engine.run([WORKED], out, formats=("html",), timeout=120, task=task))
        assert outcome.status == "failed", outcome
        record = json.loads((out / "2023" / "dangzheng-office" / "error.json").read_text(encoding="utf-8"))
        records[name] = (outcome.error_kind, sorted(record), record["error_kind"])
    assert records["dask"] == records["pool"] == (records["pool"][0], records["pool"][1], "CellExecutionError")


def test_invalid_files_fail_in_their_workers_alike_on_both_engines(tmp_path):
    """The plan no longer evaluates: invalid files reach the workers, two byte-identical ones as two
    tasks, and each fails with its located error and its record where the pool leaves it."""
    params = tmp_path / "params"
    params.mkdir()
    (params / "empty-a.yaml").write_text("", encoding="utf-8")
    (params / "empty-b.yaml").write_text("", encoding="utf-8")
    text = WORKED.read_text(encoding="utf-8").replace("executed: 9565.63", "executed: 九千五百", 1)
    (params / "broken.yaml").write_text(text, encoding="utf-8")
    seen = {}
    for name, engine in (("pool", engines.PoolEngine(1)), ("dask", engines.DaskEngine(1))):
        out = tmp_path / name
        outcomes = batch.run_batch([params], out, formats=("html",), timeout=120, progress=False, engine=engine)
        seen[name] = sorted((o.params, o.status, o.error_kind, o.department_id, o.year, o.error) for o in outcomes)
        record = json.loads((out / "2023" / "dangzheng-office" / "error.json").read_text(encoding="utf-8"))
        assert record["error_kind"] == "ParamsError" and "budget.executed" in record["error"]
    assert [row[:5] for row in seen["pool"]] == [
        (str(params / "broken.yaml"), "failed", "ParamsError", "dangzheng-office", 2023),
        (str(params / "empty-a.yaml"), "failed", "ParamsError", None, None),
        (str(params / "empty-b.yaml"), "failed", "ParamsError", None, None)]
    assert seen["dask"] == seen["pool"]


#: A notebook cell killing the Dask worker that runs it: the kernel's parent, or the parent of the
#: fork server the kernel was forked from.
KILL_WORKER = """import os, signal
if 'doomed' in params_file:
    worker = os.getppid()
    with open(f'/proc/{worker}/cmdline', 'rb') as cmdline:
        if b'evalkit.run.forkserver' in cmdline.read():
            with open(f'/proc/{worker}/stat') as stat:
                worker = int(stat.read().rsplit(')', 1)[1].split()[1])
    os.kill(worker, signal.SIGKILL)"""


class KillingEngine(engines.DaskEngine):
    """A Dask engine whose notebook kills its worker process for the params file named ``doomed``."""

    notebook = None

    def run(self, paths, out, *, formats, timeout, task=run_department):
        return super().run(paths, out, formats=formats, timeout=timeout,
                           task=partial(run_department, notebook=self.notebook))


def test_a_killed_worker_fails_its_department_and_the_batch_goes_on(params, tmp_path):
    doomed = params / "doomed.yaml"
    doomed.write_text(WORKED.read_text(encoding="utf-8").replace("id: dangzheng-office", "id: doomed", 1),
                      encoding="utf-8")
    engine = KillingEngine(2)
    engine.notebook = notebook_with(tmp_path, KILL_WORKER, "killer.ipynb")
    out = tmp_path / "reports"
    outcomes = batch.run_batch([params], out, formats=("html",), timeout=120, progress=False, engine=engine)
    by_id = {o.department_id: o for o in outcomes}
    assert by_id["doomed"].status == "failed" and by_id["doomed"].error_kind == "KilledWorker", by_id["doomed"]
    assert json.loads((out / "2023" / "doomed" / "error.json").read_text(encoding="utf-8"))["error_kind"] == \
        "KilledWorker"
    assert sorted(o.department_id for o in outcomes if o.status == "ok") == sorted(
        ["dangzheng-office", *DEPARTMENTS])


def test_plain_tcp_cluster_is_refused_without_allow_insecure(params, tmp_path, capsys):
    out = tmp_path / "reports"
    code, _ = run_cli("run", params, "--out", out, "--cluster", "tcp://127.0.0.1:8786", "--no-progress")
    assert code == 1
    assert "refusing plain tcp://127.0.0.1:8786" in capsys.readouterr().err
    assert not out.exists()


@pytest.fixture
def certificate(tmp_path):
    """A self-signed certificate and its key, for a TLS client (openssl from Debian)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "client.pem", tmp_path / "client.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "1", "-subj", "/CN=evalkit-test"], check=True, capture_output=True)
    return ["--tls-ca-file", cert, "--tls-cert", cert, "--tls-key", key]


def test_a_tls_cluster_without_a_client_certificate_is_refused(params, tmp_path, capsys):
    code, _ = run_cli("run", params, "--out", tmp_path / "reports", "--cluster", "tls://127.0.0.1:1")
    assert code == 1 and "needs this client's certificate" in capsys.readouterr().err
    assert not (tmp_path / "reports").exists()


def test_an_unreachable_cluster_fails_clearly_within_30_seconds(params, tmp_path, capsys, certificate):
    out = tmp_path / "reports"
    started = time.monotonic()
    code, _ = run_cli("run", params, "--out", out, "--cluster", "tls://127.0.0.1:1", "--no-progress", *certificate)
    assert code == 1 and time.monotonic() - started < 30
    err = capsys.readouterr().err
    assert "cannot reach the Dask scheduler at tls://127.0.0.1:1" in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_workers_running_other_code_are_refused_before_anything_is_written(params, tmp_path, monkeypatch):
    from evalkit.stamps import fingerprint

    monkeypatch.setattr(fingerprint, "package_digest", lambda: "not the workers' code")
    out = tmp_path / "reports"
    with pytest.raises(engines.EngineError, match=r"run a different code than this client"):
        batch.run_batch([params], out, formats=("html",), progress=False, engine=engines.DaskEngine(2))
    assert not out.exists()


def test_an_existing_cluster_runs_departments_and_needs_the_kernel_resource(tmp_path, capsys):
    from distributed import LocalCluster

    options = {"n_workers": 1, "threads_per_worker": 1, "processes": True, "host": "127.0.0.1",
               "dashboard_address": ":0"}
    out = tmp_path / "reports"
    with LocalCluster(**options) as plain:
        code, _ = run_cli("run", WORKED, "--out", out, "--cluster", plain.scheduler_address, "--allow-insecure")
    assert code == 1 and "no Dask worker offers the 'kernel' resource" in capsys.readouterr().err
    assert not out.exists()
    with LocalCluster(**options, resources={"kernel": 1}) as cluster:
        code, _ = run_cli("run", WORKED, "--out", out, "--cluster", cluster.scheduler_address, "--allow-insecure",
                          "--formats", "html", "--no-progress")
    assert code == 0, capsys.readouterr().err
    assert (out / "2023" / "dangzheng-office" / "appendix.html").is_file()


def test_tls_to_a_real_plain_tcp_scheduler_names_the_mistake(params, tmp_path, capsys, certificate):
    from distributed import LocalCluster

    out = tmp_path / "reports"
    with LocalCluster(n_workers=0, processes=False, protocol="tcp", host="127.0.0.1", dashboard_address=":0") as plain:
        address = plain.scheduler_address.replace("tcp://", "tls://", 1)
        code, _ = run_cli("run", params, "--out", out, "--cluster", address, "--no-progress", *certificate)
    err = capsys.readouterr().err
    assert code == 1 and f"cannot reach the Dask scheduler at {address}" in err
    assert "did not answer in TLS: it is not a tls:// Dask scheduler" in err and "Traceback" not in err
    assert not out.exists()
