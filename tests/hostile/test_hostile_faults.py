"""Hostile documents and settings that used to end in "unexpected …", a misleading reason or a
library's internals: each now gives a clear reason naming the user's mistake, or a correct result.

Damaged Word and PDF files, reports saved as Big5 or UTF-16, a bad value in the hidden sheet of a
scoring table, a papermill cell id that made identical runs differ, and Dask settings (``--jobs``,
TLS files that are not what they are named, a scheduler that does not speak TLS).
"""

from __future__ import annotations

import io
import shutil
import socket
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import WORKED, run_cli
from hostile_inputs import deadline, worked_table

from evalkit.audit.runner import audit_paths
from evalkit.exceptions import EngineError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from audit_corpus import load_corpus, to_docx, to_text  # noqa: E402

TABLE_REPORT = next(d for d in load_corpus() if d["id"] == "04_table_clean_dept")
PROSE_REPORT = next(d for d in load_corpus() if d["id"] == "01_prose_clean")


def refusal(path: Path) -> str:
    with deadline(60):
        [record] = audit_paths([path], timeout=30).records
    assert record["status"] == "refused", record.get("counts")
    message = record["refused"]["message"]
    assert "unexpected" not in message and "please report" not in message, message
    return message


# --- a Word table cell spanning a nonsense number of columns -------------------------------------------

def docx_with_span(tmp_path: Path, value: str) -> Path:
    path = tmp_path / "report.docx"
    to_docx(TABLE_REPORT, path)
    with zipfile.ZipFile(path) as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    xml = parts["word/document.xml"].decode("utf-8")
    assert "<w:tcW " in xml
    parts["word/document.xml"] = xml.replace("<w:tcW ", f'<w:gridSpan w:val="{value}"/><w:tcW ', 1).encode("utf-8")
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


@pytest.mark.parametrize("value", ["abc", "-1", "0", "99999999", "1e3", "", "２", "1.5"])
def test_a_nonsense_grid_span_is_a_damaged_table(tmp_path, value):
    message = refusal(docx_with_span(tmp_path, value))
    assert "table 1 of the Word document is damaged" in message and "w:gridSpan" in message
    assert "the cell in row 1, column 1 spans" in message


def test_a_sensible_grid_span_reads(tmp_path):
    [record] = audit_paths([docx_with_span(tmp_path, "2")]).records
    assert record["status"] == "audited"


# --- a PDF page of absurd size ---------------------------------------------------------------------------

def pdf_with_box(mediabox: str, text: str = "2023 self evaluation") -> bytes:
    content = f"BT /F1 12 Tf 72 712 Td ({text}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               f"<< /Type /Page /Parent 2 0 R /MediaBox {mediabox} /Contents 4 0 R "
               "/Resources << /Font << /F1 5 0 R >> >> >>".encode(),
               b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = b"%PDF-1.4\n", []
    for i, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{off:010d} 00000 n \n".encode() for off in offsets)
    return out + f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()


@pytest.mark.parametrize("box", ["[0 0 1e30 -5]", "[0 -1e30 612 792]", "[0 0 612]", "[0 0 1e30 792]"])
def test_an_absurd_media_box_is_a_clear_reason(tmp_path, box):
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf_with_box(box))
    message = refusal(path)
    assert "the PDF's pages cannot be read" in message and "MediaBox" in message


def test_a_name_in_the_media_box_is_a_clear_reason(tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf_with_box("[0 0 abc 5]"))
    assert "the PDF's pages cannot be read" in refusal(path)


# --- encodings named as such -------------------------------------------------------------------------------

TRADITIONAL = str.maketrans("区务局预算执行数调整为报告绩效评价", "區務局預算執行數調整為報告績效評價")


@pytest.mark.parametrize(("encoding", "named"), [
    ("utf-16", "UTF-16"), ("utf-16-le", "UTF-16"), ("utf-16-be", "UTF-16"), ("big5", "Big5"),
])
def test_a_report_in_another_encoding_is_named_as_such(tmp_path, encoding, named):
    text = to_text(PROSE_REPORT)
    data = text.translate(TRADITIONAL).encode("big5", errors="replace") if encoding == "big5" else text.encode(encoding)
    path = tmp_path / "report.txt"
    path.write_bytes(data)
    message = refusal(path)
    assert named in message and "save the report as UTF-8" in message
    assert "binary" not in message and "not look like a performance" not in message


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_utf8_and_gb18030_reports_still_read(tmp_path, encoding):
    path = tmp_path / "report.txt"
    path.write_bytes(to_text(PROSE_REPORT).encode(encoding))
    assert audit_paths([path]).records[0]["status"] == "audited"


# --- the hidden sheet of a scoring table: errors name the sheet and the cell ----------------------------

@pytest.mark.parametrize(("row_text", "key"), [
    ("      number: [1]", "goals[0].number"),
    ("      objective: [x]", "goals[0].objective"),
])
def test_a_bad_value_in_the_hidden_sheet_names_its_cell(tmp_path, row_text, key, capsys):
    book = openpyxl.load_workbook(io.BytesIO(worked_table()))
    ws = book["evalkit"]
    row = next(r for r in range(1, ws.max_row + 1) if (ws.cell(r, 1).value or "").strip().split(":")[0]
               == row_text.strip().split(":")[0])
    ws.cell(row, 1).value = row_text
    path = tmp_path / "table.xlsx"
    book.save(path)
    code, _ = run_cli("import-xlsx", path)
    err = capsys.readouterr().err
    assert code == 1 and f"evalkit!A{row}: {key} (hidden sheet): expected text, got a list" in err


# --- identical inputs, identical notebooks -------------------------------------------------------------

def test_the_injected_parameters_cell_has_an_id_derived_from_its_parameters():
    import nbformat
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    from evalkit.paths import notebook_path
    from evalkit.run.department import stable_cell_ids

    def injected(params_file: str) -> tuple[str, str]:
        nb = parameterize_notebook(load_notebook_node(str(notebook_path("department"))),
                                   {"params_file": params_file, "scheme": None})
        stable_cell_ids(nb)
        return nbformat.writes(nb), next(c.id for c in nb.cells if "injected-parameters" in c.metadata.tags)

    first, again, other = injected("params/a.yaml"), injected("params/a.yaml"), injected("params/b.yaml")
    assert first == again  # papermill alone gives a random id each time
    assert first[1] != other[1]


# --- Dask settings: the user's mistake, in the user's terms ---------------------------------------------

@pytest.mark.parametrize("command", ["run", "audit"])
@pytest.mark.parametrize("jobs", ["-1", "0", "257", "two"])
def test_a_bad_jobs_count_is_a_usage_error(command, jobs, tmp_path, capsys):
    with pytest.raises(SystemExit) as caught:
        run_cli(command, tmp_path, f"--jobs={jobs}", *(["--engine", "dask"] if command == "run" else []))
    assert caught.value.code == 2 and "argument --jobs/-j: expected" in capsys.readouterr().err


@pytest.mark.parametrize("jobs", [0, -1, 1.5, True])
def test_the_dask_engine_refuses_a_bad_jobs_count(jobs):
    from evalkit.run.engines import DaskEngine

    with pytest.raises(EngineError, match="--jobs must be a whole number of workers of at least 1"):
        DaskEngine(jobs)


@pytest.fixture
def pem(tmp_path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "client.pem", tmp_path / "client.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "1", "-subj", "/CN=evalkit-test"], check=True, capture_output=True)
    return cert, key


@pytest.mark.parametrize(("swap", "named"), [
    ({"key": "cert"}, "are not a PEM certificate and its private key"),
    ({"cert": "key"}, "are not a PEM certificate and its private key"),
    ({"ca_file": "key"}, "is not a PEM CA certificate"),
    ({"key": "params"}, "are not a PEM certificate and its private key"),
])
def test_tls_files_that_are_not_what_they_are_named(pem, swap, named, tmp_path, capsys):
    files = {"cert": pem[0], "key": pem[1], "ca_file": pem[0], "params": WORKED}
    chosen = {"ca_file": files["ca_file"], "cert": files["cert"], "key": files["key"]}
    chosen.update({k: files[v] for k, v in swap.items()})
    code, _ = run_cli("run", WORKED, "--out", tmp_path / "out", "--cluster", "tls://127.0.0.1:1", "--no-progress",
                      "--tls-ca-file", chosen["ca_file"], "--tls-cert", chosen["cert"], "--tls-key", chosen["key"])
    err = capsys.readouterr().err
    assert code == 1 and named in err and "ssl_context" not in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_a_scheduler_that_does_not_speak_tls_is_named_so(pem, tmp_path, capsys):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)

    def plain():  # answers as a plain tcp:// service does: bytes before any TLS handshake
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            conn.sendall(b"\x00\x00\x00\x00\x00\x00\x00\x08not-tls!")
            time.sleep(1)
            conn.close()

    threading.Thread(target=plain, daemon=True).start()
    try:
        code, _ = run_cli("run", WORKED, "--out", tmp_path / "out", "--no-progress", "--cluster",
                          f"tls://127.0.0.1:{server.getsockname()[1]}", "--tls-ca-file", pem[0], "--tls-cert", pem[0],
                          "--tls-key", pem[1])
    finally:
        server.close()
    err = capsys.readouterr().err
    assert code == 1 and "did not answer in TLS" in err and "IOStream" not in err


# --- the run's pool leaves no resource_tracker noise on the terminal ----------------------------------------

POOL = """
import os, signal, sys, threading, time
if __name__ == "__main__":
    from evalkit.run.workers import worker_pool
    with worker_pool(2) as pool:
        pids = [pid for _, pid in pool.imap(os.getpid, [(), ()])]
        if sys.argv[1] == "worker":
            threading.Timer(3, os.kill, (pids[0], signal.SIGKILL)).start()
            for _, answer in pool.imap(time.sleep, [(8,), (8,)]):
                if getattr(answer, "kind", None) == "crashed":
                    print("the run saw its worker crash", flush=True)
            sys.exit(0)
        threading.Timer(3, os.kill, (os.getpid(), signal.SIGKILL)).start()
        list(pool.imap(time.sleep, [(30,), (30,)]))
"""


@pytest.mark.slow
@pytest.mark.parametrize("killed", ["worker", "run"])
def test_a_killed_worker_or_run_leaves_no_resource_tracker_noise(killed):
    from conftest import BIN, ROOT

    proc = subprocess.Popen([str(BIN / "python"), "-c", POOL, killed], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    out, err = proc.communicate(timeout=120)  # returns once every holder of the pipes (the tracker too) is gone
    assert ("the run saw its worker crash" in out) == (killed == "worker")
    assert "resource_tracker" not in err and "Traceback" not in err and "leaked" not in err, err
