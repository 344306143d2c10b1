"""Every .docx and .xlsx evalkit writes for the shipped departments (as ``write_documents`` renders
them) opens in LibreOffice and converts to PDF without error."""

from __future__ import annotations

import office
import pytest
from conftest import PARAMS
from pypdf import PdfReader

import evalkit
from evalkit import outputs
from evalkit.publish.draft import build_draft
from evalkit.publish.draft_docx import render_docx
from evalkit.publish.opinion import build_opinion
from evalkit.workbook.write import render_workbook

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(office.executable() is None, reason="LibreOffice is installed by `make setup`")]


@pytest.fixture(scope="module")
def documents(tmp_path_factory):
    """Every department's 自评报告.docx, 复核意见书.docx and 绩效自评表.xlsx, renamed ``<id>.<name>``
    into one folder so that one LibreOffice process converts them all."""
    folder = tmp_path_factory.mktemp("office")
    files = {}
    for params in sorted(evalkit.paths.params_files([PARAMS])):
        ev = evalkit.evaluate(params)
        for name, data in ((outputs.REPORT_DOCX.filename, render_docx(build_draft(ev))),
                           (outputs.OPINION_DOCX.filename, render_docx(build_opinion(ev))),
                           (outputs.TABLE_XLSX.filename, render_workbook(ev))):
            target = folder / f"{ev.department.id}.{name}"
            target.write_bytes(data)
            files[target] = ev.department.name
    return files


def test_libreoffice_converts_every_document_to_pdf(documents, tmp_path):
    done = office.convert(list(documents), tmp_path)
    assert done.returncode == 0, done.stderr
    for source, name in documents.items():
        pdf = tmp_path / source.with_suffix(".pdf").name
        assert pdf.is_file() and pdf.stat().st_size > 1000, f"{source.name}: no PDF"
        text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
        assert name in text.replace("\n", ""), f"{source.name}: the department's name is not in its PDF"
