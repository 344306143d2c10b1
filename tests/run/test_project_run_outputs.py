"""``evalkit run`` of a department with its project tables: every project's table (xlsx, docx, pdf),
result.json and appendix (notebooks/project.ipynb executed by papermill, exported to HTML and PDF)
under the department's 项目 folder, its appendix and the index naming them; a changed project file
reruns its department, an unchanged folder is skipped."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
from conftest import BIN, PARAMS

pytestmark = pytest.mark.slow

DEPT = "demo-market-regulation-bureau"


def run(folder, out) -> str:
    done = subprocess.run([str(BIN / "evalkit"), "run", str(folder), "--out", str(out), "--no-progress"],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode in (0, 1), done.stderr  # 1: the department carries errors (it is planted)
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    folder = tmp_path_factory.mktemp("params")
    for path in PARAMS.glob(f"{DEPT}-2023*"):
        shutil.copy(path, folder / path.name)
    out = tmp_path_factory.mktemp("reports")
    log = run(folder, out)
    return folder, out, log


def test_every_project_gets_its_files(ran):
    folder, out, _ = ran
    dept = out / "2023" / DEPT
    projects = sorted((dept / "项目").iterdir())
    assert len(projects) == len(list(folder.glob("*.project-*.yaml"))) >= 3
    for project in projects:
        names = {p.name for p in project.iterdir()}
        assert {"项目支出绩效自评表.xlsx", "项目支出绩效自评表.docx", "项目支出绩效自评表.pdf", "result.json",
                "appendix.html", "appendix.pdf", "evaluation.ipynb"} <= names, project
        assert not any(".partial." in n for n in names), project
        result = json.loads((project / "result.json").read_text(encoding="utf-8"))
        assert result["kind"] == "project" and result["project"]["department"] == DEPT
        assert "等级表" in result["grade_trail"]


def test_each_project_appendix_is_its_executed_notebook(ran):
    """The project's own params file was injected into notebooks/project.ipynb, which ran on a namespace
    reset to a fresh kernel's (counts from 1) after the department's; the pages are its export."""
    import nbformat
    from pypdf import PdfReader

    folder, out, _ = ran
    for project in sorted((out / "2023" / DEPT / "项目").iterdir()):
        result = json.loads((project / "result.json").read_text(encoding="utf-8"))
        nb = nbformat.read(project / "evaluation.ipynb", as_version=4)
        injected = next(c.source for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
        source = next(p for p in folder.glob("*.project-*.yaml") if result["project"]["name"] in p.read_text(encoding="utf-8"))
        assert source.name in injected
        counts = [c.execution_count for c in nb.cells if c.cell_type == "code"]
        assert counts == list(range(1, len(counts) + 1))
        assert nb.metadata["evalkit"]["title"] == f"{result['project']['name']}2023年度项目支出绩效自评复核附件"
        html = (project / "appendix.html").read_text(encoding="utf-8")
        assert "<code" not in html.split("可复现信息")[0]  # no code inputs before the reproduction notes
        reader = PdfReader(project / "appendix.pdf")
        text = re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))
        assert result["project"]["name"] in text and "五、发现的问题" in text and "第1页/共" in text
        box = reader.pages[0].mediabox
        assert abs(float(box.width) - 595.28) < 1 and abs(float(box.height) - 841.89) < 1  # A4
        descriptors = [d.get_object() for page in reader.pages for d in _font_descriptors(page)]
        assert descriptors and all(any(k in d for k in ("/FontFile", "/FontFile2", "/FontFile3")) for d in descriptors)
        assert any("CJK" in str(d.get("/FontName")) for d in descriptors)


def _font_descriptors(page):
    for font in (page["/Resources"].get("/Font") or {}).values():
        font = font.get_object()
        for f in [font, *[d.get_object() for d in font.get("/DescendantFonts", [])]]:
            if f.get("/FontDescriptor") is not None:
                yield f["/FontDescriptor"]


def test_the_department_appendix_and_result_name_its_projects(ran):
    _, out, _ = ran
    dept = out / "2023" / DEPT
    text = re.sub(r"<[^>]+>", " ", (dept / "appendix.html").read_text(encoding="utf-8"))
    result = json.loads((dept / "result.json").read_text(encoding="utf-8"))
    assert result["projects"] and result["projects_coverage"]["complete"] is False
    for project in result["projects"]:
        assert project["name"] in text
    assert "project.grade_mismatch" in {f["id"] for f in result["findings"]}
    assert "自评表却评为" in text  # the roll-up finding in the reviewer's findings


def test_the_index_lists_projects_under_their_department(ran):
    _, out, _ = ran
    index = (out / "2023" / "index.html").read_text(encoding="utf-8")
    assert "项目自评表" in index and f"{DEPT}/项目/" in index


def test_the_index_links_a_project_s_pdf_when_the_run_wrote_no_html(ran, tmp_path):
    from evalkit.publish import index

    _, out, _ = ran
    copy = tmp_path / "reports"
    shutil.copytree(out / "2023" / DEPT, copy / "2023" / DEPT)
    for page in (copy / "2023" / DEPT / "项目").glob("*/appendix.html"):
        page.unlink()  # as `evalkit run --formats pdf` leaves it
    html = index.write_index(copy, 2023).read_text(encoding="utf-8")
    links = re.findall(rf"href='({DEPT}/项目/[^']+)'", html)
    assert links and all(link.endswith("/appendix.pdf") and (copy / "2023" / link).is_file() for link in links)


def test_a_damaged_project_output_reruns_its_department(ran):
    """The stamp records each project's files as it records the department's: one truncated is not the
    run's output, and the department is not "unchanged" until it is rewritten."""
    from evalkit.stamps.fingerprint import Stamps

    folder, out, _ = ran
    department = folder / f"{DEPT}-2023.yaml"
    formats = ("html", "pdf", "docx", "xlsx")
    stamp = json.loads((out / "2023" / DEPT / ".evalkit-run.json").read_text(encoding="utf-8"))
    recorded = [name for name in stamp["outputs"] if name.startswith("项目/")]
    assert {name.rsplit("/", 1)[-1] for name in recorded} >= {"appendix.pdf", "evaluation.ipynb", "result.json"}
    assert Stamps(out, formats).unchanged(department) is not None
    pdf = sorted((out / "2023" / DEPT / "项目").glob("*/appendix.pdf"))[0]
    whole = pdf.read_bytes()
    pdf.write_bytes(whole[: len(whole) // 2])
    try:
        assert Stamps(out, formats).unchanged(department) is None
    finally:
        pdf.write_bytes(whole)
    assert Stamps(out, formats).unchanged(department) is not None


def test_a_changed_project_file_reruns_its_department(ran):
    folder, out, _ = ran
    assert re.search("skip|跳过|unchanged", run(folder, out), re.IGNORECASE)  # nothing changed: nothing rerun
    table = sorted(folder.glob("*.project-02.yaml"))[0]
    table.write_text(table.read_text(encoding="utf-8").replace("grade: 优秀", "grade: 良好", 1), encoding="utf-8")
    run(folder, out)
    result = json.loads((out / "2023" / DEPT / "result.json").read_text(encoding="utf-8"))
    assert sum(f["id"] == "project.grade_mismatch" for f in result["findings"]) == 2


def test_a_new_project_file_reruns_its_department(ran):
    folder, out, _ = ran
    from evalkit.stamps.fingerprint import Stamps

    department = folder / f"{DEPT}-2023.yaml"
    assert Stamps(out, ("html", "pdf", "docx", "xlsx")).unchanged(department) is not None
    first = sorted(folder.glob("*.project-01.yaml"))[0]
    (folder / f"{DEPT}-2023.project-09.yaml").write_text(
        first.read_text(encoding="utf-8").replace("code: ", "code: X", 1), encoding="utf-8")
    assert Stamps(out, ("html", "pdf", "docx", "xlsx")).unchanged(department) is None
