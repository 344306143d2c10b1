"""End to end: papermill runs the department notebook, nbconvert publishes, batches are robust."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import chromium
import nbformat
import pytest
from conftest import BIN, ROOT, WORKED, run_cli
from pypdf import PdfReader

from evalkit.run import batch, kernels
from evalkit.run import department as runner

pytestmark = pytest.mark.slow

RESOURCE = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(https?:)?//|url\(\s*["']?\s*(https?:)?//|@import""", re.I)


def copy_seed(folder: Path, department_id: str) -> Path:
    text = WORKED.read_text(encoding="utf-8").replace("id: dangzheng-office", f"id: {department_id}", 1)
    path = folder / f"{department_id}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def pdf_fonts(reader: PdfReader) -> list[tuple[str, bool]]:
    """(font name, embedded?) for every font on every page, descendants included."""
    found = []
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            for f in [font, *[d.get_object() for d in font.get("/DescendantFonts", [])]]:
                desc = f.get("/FontDescriptor")
                if desc is not None:
                    desc = desc.get_object()
                    found.append((str(f.get("/BaseFont")),
                                  any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))))
    return found


@pytest.fixture(scope="module")
def worked_example(tmp_path_factory) -> Path:
    """The worked example run once through run_department."""
    out = tmp_path_factory.mktemp("reports")
    outcome = runner.run_department(WORKED, out)
    assert outcome.status == "ok", outcome.error
    return out / "2023" / "dangzheng-office"


def test_run_produces_exactly_the_expected_files(worked_example):
    assert sorted(p.name for p in worked_example.iterdir()) == sorted(
        [".evalkit-run.json", "appendix.html", "appendix.pdf", "evaluation.ipynb", "result.json",
         "自评报告.docx", "自评报告.html", "自评报告.pdf", "复核意见书.docx", "复核意见书.html", "复核意见书.pdf",
         "绩效自评表.xlsx", "项目"])
    # the worked example's three illustrative project tables, each in a folder named by its code
    projects = worked_example / "项目"
    assert sorted(p.name for p in projects.iterdir()) == ["2023-dzb-01", "2023-dzb-02", "2023-dzb-03"]
    for folder in projects.iterdir():
        assert sorted(p.name for p in folder.iterdir()) == sorted(
            ["appendix.html", "appendix.pdf", "evaluation.ipynb", "result.json", "项目支出绩效自评表.docx",
             "项目支出绩效自评表.pdf", "项目支出绩效自评表.xlsx"])


def test_executed_notebook_has_outputs_and_no_errors(worked_example):
    nb = nbformat.read(worked_example / "evaluation.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code)
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    assert "injected-parameters" in [t for c in nb.cells for t in c.metadata.get("tags", [])]
    assert nb.metadata["evalkit"]["title"].startswith("党政办公室")


def test_html_appendix_shows_the_figures_offline(worked_example):
    html = (worked_example / "appendix.html").read_text(encoding="utf-8")
    for figure in ("党政办公室", "99.71%", "99.99%", "99.55%", "9565.63 ÷ 9593.18 = 99.71%", "[9.97, 99.97]",
                   "大型会议控制率", "评价期间", 'lang="zh-CN"'):
        assert figure in html, figure
    assert not RESOURCE.findall(html)
    assert "<script src" not in html
    assert "evalkit.evaluate(" not in html  # code cells hidden
    assert html.count("data:image/png;base64,") >= 2  # charts embedded


def test_pdf_appendix_is_a4_with_embedded_chinese_fonts(worked_example):
    reader = PdfReader(worked_example / "appendix.pdf")
    text = "".join(page.extract_text() for page in reader.pages)
    compact = re.sub(r"\s+", "", text)
    assert "党政办公室" in compact and "99.71%" in compact
    assert "第1页/共" in compact  # page numbers in the footer
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - 595.28) < 1 and abs(float(box.height) - 841.89) < 1
    fonts = pdf_fonts(reader)
    assert fonts and all(embedded for _, embedded in fonts), fonts
    assert any("CJK" in name for name, _ in fonts)


def test_result_json_matches_the_evaluation(worked_example):
    result = json.loads((worked_example / "result.json").read_text(encoding="utf-8"))
    assert result["schema"] == "evalkit-result/v1"
    assert result["budget"]["execution_rate_display"] == "99.71%"
    assert result["score"]["complete"] is False and result["score"]["total"] is None
    assert str(WORKED) in result["provenance"]["inputs"] or any(
        k.endswith("dangzheng-office-2023.yaml") for k in result["provenance"]["inputs"])


def test_plain_papermill_cli_runs_the_notebook(tmp_path):
    out = tmp_path / "out.ipynb"
    proc = subprocess.run([BIN / "papermill", ROOT / "notebooks" / "department.ipynb", out, "-p", "params_file",
                           "params/dangzheng-office-2023.yaml", "--no-progress-bar"],
                          cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    nb = nbformat.read(out, as_version=4)
    texts = json.dumps([c.get("outputs") for c in nb.cells], ensure_ascii=False)
    assert "99.71%" in texts
    # the documented export route, with no runner to set the page header
    proc = subprocess.run([BIN / "jupyter", "nbconvert", "--to", "evalkit_pdf", out], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    first_page = PdfReader(tmp_path / "out.pdf").pages[0].extract_text()
    assert first_page.splitlines()[0].startswith("党政办公室2023年度部门整体支出绩效自评")


def test_notebook_source_is_committed_without_outputs():
    nb = nbformat.read(ROOT / "notebooks" / "department.ipynb", as_version=4)
    assert all(not c.get("outputs") and not c.get("execution_count") for c in nb.cells if c.cell_type == "code")
    assert [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]


def test_cell_error_keeps_the_partial_notebook_and_no_appendix(tmp_path):
    nb = nbformat.read(ROOT / "notebooks" / "department.ipynb", as_version=4)
    nb.cells.insert(3, nbformat.v4.new_code_cell("raise ValueError('planted failure')"))
    broken = tmp_path / "broken.ipynb"
    nbformat.write(nb, broken)
    out = tmp_path / "reports"
    outcome = runner.run_department(WORKED, out, notebook=broken)
    folder = out / "2023" / "dangzheng-office"
    assert outcome.status == "failed" and outcome.error_kind == "CellExecutionError"
    assert "planted failure" in outcome.error
    assert sorted(p.name for p in folder.iterdir()) == ["error.json", "evaluation.ipynb"]
    kept = nbformat.read(folder / "evaluation.ipynb", as_version=4)
    assert any(o.output_type == "error" for c in kept.cells if c.cell_type == "code" for o in c.outputs)


def test_timeout_stops_a_hanging_department(tmp_path):
    nb = nbformat.read(ROOT / "notebooks" / "department.ipynb", as_version=4)
    nb.cells.insert(2, nbformat.v4.new_code_cell("import time\ntime.sleep(120)"))
    slow = tmp_path / "slow.ipynb"
    nbformat.write(nb, slow)
    outcome = runner.run_department(WORKED, tmp_path / "reports", notebook=slow, timeout=8)
    assert outcome.status == "failed" and outcome.error_kind == "RunTimeoutError", outcome.error
    assert outcome.seconds < 60
    folder = tmp_path / "reports" / "2023" / "dangzheng-office"
    assert not (folder / "appendix.html").exists()
    # the notebook is saved now and then, not after every cell, but what ran before the hang is kept
    kept = [nbformat.read(p, as_version=4) for p in folder.glob("*.ipynb")]
    assert kept and [c.execution_count for c in kept[0].cells if c.cell_type == "code"][:2] == [1, 2]


@pytest.fixture(scope="module")
def batch_run(tmp_path_factory):
    """Two good departments and one broken params file, run as a batch."""
    work = tmp_path_factory.mktemp("batch")
    params = work / "params"
    params.mkdir()
    copy_seed(params, "dept-a")
    copy_seed(params, "dept-b")
    (params / "broken.yaml").write_text("schema: evalkit/v1\ndepartment: {id: broken, name: 坏, year: 2023}\n"
                                        "budget: {initial: 九千}\n", encoding="utf-8")
    out = work / "reports"
    code, text = run_cli("run", params, "--out", out, "--jobs", "2", "--no-progress")
    return params, out, code, text


def test_batch_goes_past_a_broken_department(batch_run):
    params, out, code, text = batch_run
    assert code == 1
    for dept in ("dept-a", "dept-b"):
        assert (out / "2023" / dept / "appendix.pdf").is_file()
        assert (out / "2023" / dept / "appendix.html").is_file()
    assert "broken.yaml" in text and "budget.initial" in text
    assert "2 run, 0 unchanged, 1 failed" in text
    index = (out / "2023" / "index.html").read_text(encoding="utf-8")
    assert "broken.yaml" in index and "dept-a" in index and "dept-b" in index


def test_second_run_skips_and_force_reruns(batch_run):
    params, out, _, _ = batch_run
    (params / "broken.yaml").unlink()
    before = (out / "2023" / "dept-a" / "appendix.pdf").stat().st_mtime_ns
    outcomes = batch.run_batch([params], out, jobs=2, progress=False)
    assert [o.status for o in outcomes] == ["skipped", "skipped"]
    assert (out / "2023" / "dept-a" / "appendix.pdf").stat().st_mtime_ns == before
    text = params / "dept-b.yaml"
    text.write_text(text.read_text(encoding="utf-8").replace("score: 99", "score: 98"), encoding="utf-8")
    outcomes = batch.run_batch([params], out, jobs=2, progress=False)
    assert {Path(o.params).stem: o.status for o in outcomes} == {"dept-a": "skipped", "dept-b": "ok"}
    outcomes = batch.run_batch([params], out, jobs=2, progress=False, force=True)
    assert [o.status for o in outcomes] == ["ok", "ok"]
    assert (out / "2023" / "dept-a" / "appendix.pdf").stat().st_mtime_ns > before


@pytest.mark.skipif(chromium.executable() is None, reason="Debian's chromium is installed by `make setup`")
def test_index_page_loads_offline_without_console_errors(batch_run):
    _, out, _, _ = batch_run
    index = out / "2023" / "index.html"
    visit = chromium.visit(index.as_uri())
    assert visit.loaded
    assert visit.console_errors == []
    assert visit.requests and all(url.startswith("file://") for url in visit.requests), visit.requests


def test_index_escapes_text_from_params(tmp_path):
    from evalkit.publish import index

    rows = [{"id": "x", "name": "<script>alert(1)</script>", "status": "ok", "score": "1.00", "sort": 1.0,
             "sort_max": 1.0, "grade": "差", "scheme": "<b>方案</b>", "reported": None, "findings": {"error": 0, "warning": 0, "info": 0},
             "links": {}, "sample": False}]
    html = index.render(rows, year=2023)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>方案</b>" not in html


def test_kernel_that_dies_at_start_is_retried_once_then_reported(tmp_path, monkeypatch):
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager

    starts = []

    class DyingKernels(KernelSpecManager):
        def get_kernel_spec(self, kernel_name):
            starts.append(kernel_name)
            return KernelSpec(resource_dir="", argv=[sys.executable, "-c", "import sys; sys.exit(3)"],
                              display_name="dies", language="python")

    monkeypatch.setattr(kernels, "this_python_kernels", DyingKernels)
    outcome = runner.run_department(WORKED, tmp_path / "reports", timeout=60)
    assert outcome.status == "failed" and outcome.error_kind == "KernelDiedError", outcome.error
    assert len(starts) == 2  # the first start and one retry
    folder = tmp_path / "reports" / "2023" / "dangzheng-office"
    assert (folder / "error.json").is_file() and not (folder / "appendix.html").exists()


def test_a_notebook_without_the_runners_parameters_is_refused(tmp_path):
    nb = nbformat.read(ROOT / "notebooks" / "department.ipynb", as_version=4)
    nb.cells[0].source = nb.cells[0].source.replace("params_file =", "params_path =")
    renamed = tmp_path / "renamed.ipynb"
    nbformat.write(nb, renamed)
    outcome = runner.run_department(WORKED, tmp_path / "reports", notebook=renamed)
    assert outcome.status == "failed" and outcome.error_kind == "RunError"
    assert "no parameter params_file" in outcome.error


def test_incremental_runs_notice_missing_outputs_breakage_and_duplicates(tmp_path, monkeypatch):
    params = tmp_path / "params"
    params.mkdir()
    a, b = copy_seed(params, "dept-a"), copy_seed(params, "dept-b")
    out = tmp_path / "reports"
    html = ("html",)
    assert [o.status for o in batch.run_batch([params], out, jobs=2, formats=html)] == ["ok", "ok"]
    # a deleted output is rebuilt; the same files named by absolute path are still "unchanged"
    (out / "2023" / "dept-a" / "appendix.html").unlink()
    monkeypatch.chdir(tmp_path)
    outcomes = batch.run_batch([Path("params")], Path("reports"), jobs=2, formats=html)
    assert {Path(o.params).stem: o.status for o in outcomes} == {"dept-a": "ok", "dept-b": "skipped"}
    outcomes = batch.run_batch([params.resolve()], out.resolve(), jobs=2, formats=html)
    assert [o.status for o in outcomes] == ["skipped", "skipped"]
    # a params file that breaks replaces its department's old appendix with error.json
    b.write_text(b.read_text(encoding="utf-8").replace("executed: 9565.63", "executed: 九千"), encoding="utf-8")
    # and a second file claiming dept-a's id fails both, naming the other file
    (params / "dept-a-copy.yaml").write_text(a.read_text(encoding="utf-8"), encoding="utf-8")
    outcomes = {Path(o.params).stem: o for o in batch.run_batch([params], out, jobs=2, formats=html)}
    assert outcomes["dept-b"].status == "failed" and "budget.executed" in outcomes["dept-b"].error
    assert sorted(p.name for p in (out / "2023" / "dept-b").iterdir()) == ["error.json"]
    assert outcomes["dept-a"].error_kind == outcomes["dept-a-copy"].error_kind == "DuplicateDepartmentError"
    assert "dept-a-copy.yaml" in outcomes["dept-a"].error


def test_a_department_with_errors_is_marked_and_ranked_after_the_clean_ones():
    from evalkit.publish import index

    def row(name, score, errors):
        return {"id": name, "name": name, "status": "review" if errors else "ok", "score": f"{score:.2f}",
                "sort": score, "sort_max": score, "grade": "优", "scheme": "示例方案", "reported": None,
                "findings": {"error": errors, "warning": 0, "info": 0}, "links": {}, "sample": False}

    html = index.render([row("超支局", 100.0, 4), row("规范局", 88.72, 0)], year=2023)
    assert html.index("规范局") < html.index("超支局")  # 100 points with errors never tops the ranking
    assert "待复核" in html and "存在错误、待复核1个" in html
