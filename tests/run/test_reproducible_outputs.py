"""Identical inputs give identical bytes: the same district run twice, into two output folders, writes
the same bytes in every output apart from the generation time.

The generation time is in these fields, and only these are set aside before comparing:

- ``result.json`` (a department's and each project's): ``provenance.generated_at``;
- ``.docx`` and ``.xlsx``: the core properties' ``dcterms:created`` and ``dcterms:modified`` (in
  ``docProps/core.xml``), which carry that same time;
- ``appendix.html``, ``overview.html`` and ``index.html``: the day of ``生成日期：`` (a run that
  crosses midnight dates its pages by the next day).

Everything else — every other byte of every page, PDF and JSON, every entry of every Office file with
its name, order, date, compression and content — must be the same. Not compared: the run's own
bookkeeping (``.evalkit-run.json``, the stamp, which records the outputs' hashes and so differs with
``result.json``; ``.evalkit-run.lock``) and the executed notebooks kept beside the outputs for
investigation (``evaluation.ipynb``, ``overview.ipynb``), whose cells carry papermill's execution
timings and output path.
"""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from conftest import PARAMS, run_cli

DEPARTMENTS = ("demo-science-technology-bureau", "demo-ecology-environment-bureau")
NOT_OUTPUTS = (".evalkit-run.json", ".evalkit-run.lock", "evaluation.ipynb", "overview.ipynb")
GENERATED_AT = re.compile(rb'"generated_at": "[^"]*"')
CORE_TIMES = re.compile(rb"(<dcterms:(created|modified)\b[^>]*>)[^<]*(</dcterms:\2>)")
GENERATED_DAY = re.compile("生成日期：\\d{4}年\\d{1,2}月\\d{1,2}日".encode())


def district(folder: Path) -> Path:
    """Two departments of the review demo with everything that joins them: the bureau file, reviews,
    整改 ledgers, monitoring, last year's results, monthly and project side tables, project files."""
    folder.mkdir()
    source = PARAMS / "review-demo"
    shutil.copy(source / "bureau.yaml", folder)
    for dept in DEPARTMENTS:
        for f in source.glob(f"{dept}-*"):
            shutil.copy(f, folder)
    return folder


def without_generation_time(name: str, data: bytes) -> bytes:
    """``data`` with the generation-time fields of the module docstring blanked, nothing else."""
    if name.endswith(".json"):
        data, n = GENERATED_AT.subn(b'"generated_at": ""', data)
        assert n == 1, f"{name}: expected one generated_at"
        return data
    if name.endswith(".html"):
        return GENERATED_DAY.sub("生成日期：".encode(), data)
    if name.endswith((".docx", ".xlsx")):
        book = zipfile.ZipFile(io.BytesIO(data))
        parts = []
        for info in book.infolist():
            content = book.read(info.filename)
            if info.filename == "docProps/core.xml":
                content, n = CORE_TIMES.subn(rb"\1\3", content)
                assert n == 2, f"{name}: expected dcterms:created and dcterms:modified"
            parts.append(repr((info.filename, info.date_time, info.compress_type, info.external_attr,
                               len(content))).encode() + b"\n" + content)
        return b"\n".join(parts)
    return data


def outputs_of(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and p.name not in NOT_OUTPUTS}


@pytest.mark.slow
def test_the_same_inputs_give_the_same_bytes(tmp_path, capsys):
    params = district(tmp_path / "params")
    runs = []
    for name in ("first", "second"):
        code, _ = run_cli("run", params, "--out", tmp_path / name, "--formats", "html,xlsx,docx,pdf", "--jobs", "1",
                          "--no-progress")
        assert code == 0, capsys.readouterr().err
        runs.append(outputs_of(tmp_path / name))
    first, second = runs
    assert sorted(first) == sorted(second)
    names = set(first)
    for wanted in ("2023/overview.html", "2023/index.html", *(f"2023/{d}/{f}" for d in DEPARTMENTS for f in (
            "appendix.html", "result.json", "绩效自评表.xlsx", "自评报告.docx", "复核意见书.docx", "appendix.pdf"))):
        assert wanted in names, f"{wanted} not written: {sorted(names)}"
    assert any("/项目/" in n and n.endswith("项目支出绩效自评表.xlsx") for n in names)
    assert any("/项目/" in n and n.endswith("项目支出绩效自评表.docx") for n in names)
    differ = [n for n in sorted(first) if without_generation_time(n, first[n]) != without_generation_time(n, second[n])]
    assert not differ, f"outputs that differ between two runs of the same inputs: {differ}"
    # and the generation time really is where the docstring says, in the forms it says
    result = first[f"2023/{DEPARTMENTS[0]}/result.json"]
    stamp = re.search(rb'"generated_at": "([^"]*)"', result).group(1).decode()
    core = zipfile.ZipFile(io.BytesIO(first[f"2023/{DEPARTMENTS[0]}/绩效自评表.xlsx"])).read("docProps/core.xml")
    assert f">{stamp.replace('+00:00', 'Z')}</dcterms:created>".encode() in core
    assert all(i.date_time == (1980, 1, 1, 0, 0, 0)
               for i in zipfile.ZipFile(io.BytesIO(first[f"2023/{DEPARTMENTS[0]}/自评报告.docx"])).infolist())
