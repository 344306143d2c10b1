"""LibreOffice headless (Debian's libreoffice-writer-nogui / -calc-nogui), as a real office suite
opening evalkit's .docx and .xlsx files: conversion to PDF, and .xlsx recalculated and saved again."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

#: LibreOffice keeps the saved values of an .xlsx written by another program unless told to
#: recalculate on load (Tools → Options → Calc → Formula → Recalculation on file load: Always).
RECALCULATE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def executable() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(files: list[Path], out: Path, to: str = "pdf", *, recalculate: bool = False,
            timeout: float = 600) -> subprocess.CompletedProcess:
    """``soffice --headless --convert-to TO`` for ``files`` into ``out``, with a profile of its own
    (several LibreOffice processes at once would otherwise fight over one). ``recalculate``: the profile
    recalculates every formula of an .xlsx on load, whatever the file saved as its value."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="evalkit-lo-") as profile:
        if recalculate:
            (Path(profile) / "user").mkdir()
            (Path(profile) / "user" / "registrymodifications.xcu").write_text(RECALCULATE, encoding="utf-8")
        return subprocess.run([executable(), f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                               "--convert-to", to, "--outdir", str(out), *map(str, files)],
                              capture_output=True, text=True, timeout=timeout)
