"""Hostile use of ``evalkit audit`` (and ``import-xlsx``, ``run``'s ``--timeout``): nothing an audit
writes lands on an input or an existing params file; files are opened without blocking; a bad
``--timeout`` is a usage error; the workers die with the audit and a Ctrl-C or SIGTERM ends it with
130 or 143 and no traceback; figures the report does not really state are not read.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import BIN, ROOT, run_cli
from hostile_inputs import deadline

from evalkit.audit.runner import audit_paths

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from audit_corpus import load_corpus, to_html, to_text  # noqa: E402

REPORT = next(d for d in load_corpus() if d["id"] == "01_prose_clean")


def report(folder: Path, name: str = "report.txt", html: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(to_html(REPORT) if html else to_text(REPORT), encoding="utf-8")
    return path


# --- nothing written over an input or an existing params file --------------------------------------------

def test_out_into_the_reports_folder_never_overwrites_a_report_named_index_html(tmp_path, capsys):
    folder = tmp_path / "reports"
    report(folder, "a.txt")
    index = report(folder, "index.html", html=True)
    before = index.read_bytes()
    for extra in ((), ("--force",)):  # a report being audited is never replaced, not even with --force
        code, _ = run_cli("audit", folder, "--out", folder, *extra)
        err = capsys.readouterr().err
        assert code == 1 and "index.html: is a report being audited" in err and "Traceback" not in err
        assert index.read_bytes() == before
    assert not list(folder.glob("*.audit.*"))  # refused before anything was written


def test_an_index_html_that_is_not_an_audit_page_is_replaced_only_with_force(tmp_path, capsys):
    reports, out = tmp_path / "reports", tmp_path / "out"
    report(reports, "a.txt")
    report(reports, "b.txt")
    out.mkdir()
    (out / "index.html").write_text("<p>the bureau's own page</p>", encoding="utf-8")
    code, _ = run_cli("audit", reports, "--out", out)
    assert code == 1 and "exists and is not an audit index page; use --force" in capsys.readouterr().err
    assert (out / "index.html").read_text(encoding="utf-8") == "<p>the bureau's own page</p>"
    run_cli("audit", reports, "--out", out, "--force")
    assert "the bureau's own page" not in (out / "index.html").read_text(encoding="utf-8")
    run_cli("audit", reports, "--out", out)  # the audit's own index is replaced by the next audit
    assert "exists and is not" not in capsys.readouterr().err


def test_params_out_never_replaces_an_existing_params_file_without_force(tmp_path, capsys):
    params = tmp_path / "params"
    params.mkdir()
    path = report(tmp_path / "reports", "dept.txt")
    real = params / "dept-2023.yaml"  # a department's real params file, under the mapped params file's name
    real.write_text("schema: evalkit/v1\n# the department's own file\n", encoding="utf-8")
    code, _ = run_cli("audit", path, "--params-out", params)
    err = capsys.readouterr().err
    assert code == 1 and "dept-2023.yaml: exists; the params files were not written: use --force" in err
    assert real.read_text(encoding="utf-8").endswith("# the department's own file\n")
    with pytest.raises(FileExistsError):
        audit_paths([path], params_out=params)
    run_cli("audit", path, "--params-out", params, "--force")
    assert "params draft made by `evalkit audit`" in real.read_text(encoding="utf-8")


def test_params_out_never_writes_over_a_report_being_audited(tmp_path):
    folder = tmp_path / "reports"
    path = report(folder, "dept.txt")
    (folder / "dept-2023.yaml").symlink_to(path)  # the mapped params file's name leads to the report itself
    with pytest.raises(FileExistsError):
        audit_paths([path], params_out=folder, force=True)
    assert path.read_text(encoding="utf-8") == to_text(REPORT)


# --- --timeout --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["audit", "run"])
@pytest.mark.parametrize("value", ["0", "-5", "nan", "inf", "-inf", "1e308", "0.5", "86401", "sixty"])
def test_a_bad_timeout_is_a_usage_error(command, value, tmp_path, capsys):
    target = report(tmp_path) if command == "audit" else tmp_path
    with pytest.raises(SystemExit) as caught:
        run_cli(command, target, f"--timeout={value}")
    err = capsys.readouterr().err
    assert caught.value.code == 2
    assert f"argument --timeout: expected a number of seconds from 1 to 86400 (a day), got '{value}'" in err


@pytest.mark.parametrize("value", [0, -5, float("nan"), float("inf"), 1e308, True])
def test_the_library_audit_refuses_a_bad_timeout(value, tmp_path):
    with pytest.raises(ValueError, match="timeout must be a number of seconds from 1 to 86400"):
        audit_paths([report(tmp_path)], out=tmp_path / "out", timeout=value)
    assert not (tmp_path / "out").exists()


# --- files opened without blocking ------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["fifo.txt", "fifo.docx", "fifo.pdf", "/dev/zero", "/dev/null", "/dev/urandom"])
def test_audit_refuses_what_is_not_a_regular_file(kind, tmp_path, capsys):
    path = Path(kind) if kind.startswith("/") else tmp_path / kind
    if kind.startswith("fifo"):
        os.mkfifo(path)
    with deadline(20):
        code, out = run_cli("audit", path)
    err = capsys.readouterr().err
    assert code == 1 and "REFUSED" in out and "Traceback" not in out + err
    assert "not a regular file" in out or "unsupported file type" in out


@pytest.mark.parametrize("kind", ["fifo", "/dev/zero", "/dev/urandom", "folder"])
def test_import_xlsx_refuses_what_is_not_a_regular_file(kind, tmp_path, capsys):
    path = Path(kind) if kind.startswith("/") else tmp_path / "table.xlsx"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    with deadline(20):
        code, _ = run_cli("import-xlsx", path)
    err = capsys.readouterr().err
    assert code == 1 and "not a regular file" in err and "Traceback" not in err
    assert ("named pipe" in err) == (kind == "fifo") and ("character device" in err) == kind.startswith("/dev")


# --- figures the report does not state --------------------------------------------------------------------

def _figures(tmp_path, sentence: str) -> dict:
    text = to_text(REPORT).replace("预算执行率98.55%。", sentence, 1)
    assert sentence in text
    path = tmp_path / "r.txt"
    path.write_text(text, encoding="utf-8")
    [record] = audit_paths([path]).records
    return {f["key"]: f["value"] for f in record["extracted"]["figures"]}


@pytest.mark.parametrize(("sentence", "key"), [
    ("预算执行率1e-999%。", "budget.rate"),
    ("预算执行率1E+5%。", "budget.rate"),
    ("预算执行率1e999%。", "budget.rate"),
])
def test_an_exponent_is_not_read_as_a_rate(tmp_path, sentence, key):
    assert key not in _figures(tmp_path, sentence)


def test_a_twenty_digit_amount_is_not_read_as_1e20(tmp_path):
    text = to_text(REPORT).replace("全年执行数1189.25万元", "全年执行数99999999999999999999万元")
    path = tmp_path / "r.txt"
    path.write_text(text, encoding="utf-8")
    run = audit_paths([path], params_out=tmp_path / "params")
    figures = {f["key"]: f["value"] for f in run.records[0]["extracted"]["figures"]}
    assert "budget.executed" not in figures
    draft = run.written[0].read_text(encoding="utf-8")
    assert "executed: null  # 待核对" in draft and "e+20" not in draft.lower() and "9999999999" not in draft


# --- the workers die with the audit; signals end it cleanly -----------------------------------------------

HANGING_AUDIT = """
import sys, time
from evalkit.audit import runner as batch
def hang(path, *, shown=None):
    time.sleep(120)
batch.audit_document = hang  # the forked workers run this copy: every document hangs
from evalkit.cli import main
sys.exit(main(["audit", *sys.argv[1:], "--timeout", "300", "--jobs", "2"]))
"""


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _start_hanging(tmp_path) -> tuple[subprocess.Popen, list[int]]:
    docs = [report(tmp_path, f"r{i}.txt") for i in range(3)]
    proc = subprocess.Popen([str(BIN / "python"), "-c", HANGING_AUDIT, *map(str, docs)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    end = time.monotonic() + 60
    while time.monotonic() < end and len(_children(proc.pid)) < 2:
        time.sleep(0.1)
    workers = _children(proc.pid)
    assert len(workers) >= 2, proc.stderr.read() if proc.poll() is not None else "no workers"
    return proc, workers


@pytest.mark.slow
@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130), (signal.SIGHUP, 129)])
def test_a_signal_ends_the_audit_and_its_workers_without_a_traceback(tmp_path, sig, code):
    proc, workers = _start_hanging(tmp_path)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == code, err
    assert "Traceback" not in out + err and "KeyboardInterrupt" not in err
    end = time.monotonic() + 10
    while time.monotonic() < end and any(_alive(w) for w in workers):
        time.sleep(0.1)
    assert not any(_alive(w) for w in workers)


@pytest.mark.slow
def test_workers_die_when_the_audit_is_killed(tmp_path):
    proc, workers = _start_hanging(tmp_path)
    proc.kill()
    proc.communicate(timeout=30)
    end = time.monotonic() + 10
    while time.monotonic() < end and any(_alive(w) for w in workers):
        time.sleep(0.1)
    assert not any(_alive(w) for w in workers), "a worker outlived the killed audit"
