"""Atomic writes refuse what is not a regular file and report a full or failing disk as an error
naming the file, leaving the old file as it was and no temporary file behind."""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, WORKED, tmpfs

import evalkit
from evalkit.iorw import os_error_text, write_atomic

DEV_FULL = Path("/dev/full")
has_dev_full = pytest.mark.skipif(not (DEV_FULL.exists() and stat.S_ISCHR(DEV_FULL.stat().st_mode)),
                                  reason="needs the character device /dev/full")


def special(kind: str, tmp_path: Path) -> Path:
    if kind == "folder":
        (tmp_path / "target").mkdir()
    elif kind == "named pipe (FIFO)":
        os.mkfifo(tmp_path / "target")
    return tmp_path / "target"


@pytest.mark.parametrize("kind", ["folder", "named pipe (FIFO)"])
def test_a_target_that_is_not_a_regular_file_is_refused(kind, tmp_path):
    target = special(kind, tmp_path)
    before = os.stat(target)
    with pytest.raises(OSError) as caught:
        write_atomic(target, b"data")
    assert caught.value.filename == str(target)
    assert f"it is a {kind}, not a regular file" in os_error_text(caught.value)
    after = os.stat(target)
    assert (after.st_ino, after.st_mode) == (before.st_ino, before.st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["target"]


@has_dev_full
def test_a_device_is_refused_and_stays_a_device():
    with pytest.raises(OSError) as caught:
        write_atomic(DEV_FULL, b"data")
    assert os_error_text(caught.value) == ("/dev/full: cannot write: it is a character device, not a regular file; "
                                           "expected the path of a regular file")
    assert stat.S_ISCHR(DEV_FULL.stat().st_mode)
    assert not [p for p in Path("/dev").iterdir() if p.name.startswith(".full.")]


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EIO, errno.EDQUOT], ids=errno.errorcode.get)
def test_a_failing_fsync_is_an_error_naming_the_file(code, tmp_path, monkeypatch):
    target = tmp_path / "result.json"
    target.write_bytes(b"old")

    def failing_fsync(fd):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError) as caught:
        write_atomic(target, b"new")
    assert caught.value.errno == code and caught.value.filename == str(target)
    assert os_error_text(caught.value) == f"{target}: cannot write: {os.strerror(code)}"
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"]  # no temporary file left


@pytest.fixture
def small_disk(tmp_path):
    """A 64 KiB tmpfs (needs root and a sandbox that allows mount; skipped otherwise)."""
    with tmpfs(tmp_path / "disk", "64k") as mount:
        yield mount


def test_a_full_disk_is_an_error_naming_the_file(small_disk):
    target = small_disk / "appendix.html"
    target.write_bytes(b"old")
    with pytest.raises(OSError) as caught:
        write_atomic(target, b"x" * 200_000)
    assert caught.value.errno == errno.ENOSPC
    assert os_error_text(caught.value) == f"{target}: cannot write: No space left on device"
    assert target.read_bytes() == b"old"
    assert [p.name for p in small_disk.iterdir()] == ["appendix.html"]


def test_writing_a_regular_file_still_replaces_it(tmp_path):
    target = tmp_path / "index.html"
    target.write_bytes(b"old")
    assert write_atomic(target, b"new") == target and target.read_bytes() == b"new"


@has_dev_full
def test_import_xlsx_to_dev_full_fails_clearly(tmp_path):
    from evalkit.workbook.write import render_workbook

    table = tmp_path / "绩效自评表.xlsx"
    table.write_bytes(render_workbook(evalkit.evaluate(WORKED)))
    done = subprocess.run([sys.executable, "-m", "evalkit.cli", "import-xlsx", str(table), "-o", str(DEV_FULL),
                           "--force"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip() == ("error: /dev/full: cannot write: it is a character device, not a regular file; "
                                   "expected the path of a regular file")
    assert "wrote" not in done.stderr and "Traceback" not in done.stderr
    assert stat.S_ISCHR(DEV_FULL.stat().st_mode)
