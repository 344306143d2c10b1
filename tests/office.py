"""LibreOffice headless (Debian's libreoffice-writer-nogui / -calc-nogui), as a real office suite
opening evalkit's .docx and .xlsx files: conversion to PDF, and .xlsx recalculated and saved again."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path


def executable() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(files: list[Path], out: Path, to: str = "pdf", *, timeout: float = 600) -> subprocess.CompletedProcess:
    """``soffice --headless --convert-to TO`` for ``files`` into ``out``, with a profile of its own
    (several LibreOffice processes at once would otherwise fight over one)."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="evalkit-lo-") as profile:
        return subprocess.run([executable(), f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                               "--convert-to", to, "--outdir", str(out), *map(str, files)],
                              capture_output=True, text=True, timeout=timeout)
