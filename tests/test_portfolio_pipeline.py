"""The district as a whole: overview and explore notebooks, and `evalkit run params/` end to end."""

from __future__ import annotations

import json
import re

import nbformat
import papermill as pm
import pytest
from conftest import PARAMS, ROOT, run_cli
from pypdf import PdfReader

pytestmark = pytest.mark.slow


def _outputs_text(nb) -> str:
    return json.dumps([c.get("outputs") for c in nb.cells if c.cell_type == "code"], ensure_ascii=False)


def _cell_output(nb, marker: str) -> str:
    """The text a code cell containing ``marker`` printed or displayed."""
    cell = next(c for c in nb.cells if c.cell_type == "code" and marker in c.source)
    return json.dumps(cell.outputs, ensure_ascii=False)


def test_explore_notebook_runs_on_the_example_portfolio(tmp_path):
    out = tmp_path / "explore.ipynb"
    pm.execute_notebook(str(ROOT / "notebooks" / "explore.ipynb"), str(out), parameters={"params_dir": str(PARAMS)},
                        progress_bar=False)
    nb = nbformat.read(out, as_version=4)
    text = _outputs_text(nb)
    assert "示例区" in text and "portfolio.outlier" in text
    assert not [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    # the defaults drill into the most-flagged department and compare it with another one
    picked = re.search(r"钻取部门：([\w-]+)；对比部门：([\w-]+)", _cell_output(nb, "pf.compare("))
    assert picked and picked.group(1) != picked.group(2), "explore.ipynb compares a department with itself"
    drilled = _cell_output(nb, "appendix.monthly_chart(ev)")
    assert "image/png" in drilled  # the drilled department's payments are charted
    assert "预警阈值" in _cell_output(nb, "appendix.monthly_table(ev)")
    assert "依据：" in _cell_output(nb, "appendix.findings_block(ev)")


def test_explore_notebook_filters(tmp_path):
    out = tmp_path / "explore.ipynb"
    pm.execute_notebook(str(ROOT / "notebooks" / "explore.ipynb"), str(out), progress_bar=False,
                        parameters={"params_dir": str(PARAMS), "region": "示例区", "severity": "warning",
                                    "finding_type": "portfolio.*", "department": "demo-water-bureau"})
    nb = nbformat.read(out, as_version=4)
    selected = _cell_output(nb, "pf.select_findings(severity=severity")
    assert "跨部门" in selected and "未填报完成值" not in selected
    assert "某高新区" not in _cell_output(nb, "pf.summary()")
    assert "钻取部门：demo-water-bureau；" in _cell_output(nb, "pf.compare(")


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    code, text = run_cli("run", PARAMS, "--out", out, "--jobs", "2", "--no-progress")
    return out, code, text


def test_run_over_the_whole_portfolio_publishes_every_department(district):
    out, code, text = district
    assert code == 0, text
    departments = [p.stem.removesuffix("-2023") for p in PARAMS.glob("*.yaml") if ".project-" not in p.name]
    ids = {json.loads((d / "result.json").read_text(encoding="utf-8"))["department"]["id"]
           for d in (out / "2023").iterdir() if (d / "result.json").is_file()}
    assert len(ids) == len(departments) >= 21
    for folder in (out / "2023").iterdir():
        if folder.is_dir():
            names = {p.name for p in folder.iterdir()}
            assert {"appendix.html", "appendix.pdf", "result.json", "自评报告.docx", "绩效自评表.xlsx"} <= names, folder


def test_overview_is_published_and_linked(district):
    out, _, _ = district
    year = out / "2023"
    html = (year / "overview.html").read_text(encoding="utf-8")
    assert "全区总览" in html and "示例数据" in html
    assert "地区：某高新区，1个部门" in html and "地区：示例区（示例数据），24个部门" in html
    assert html.count("data:image/png;base64,") >= 5
    assert not re.search(r"""(?:src|href)\s*=\s*["']?https?://""", html)
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(year / "overview.pdf").pages))
    assert "全区总览" in text and "示例区" in text
    index = (year / "index.html").read_text(encoding="utf-8")
    assert "overview.html" in index and "overview.pdf" in index and "示例数据" in index


def test_sample_departments_are_labelled_in_their_appendix(district):
    out, _, _ = district
    html = (out / "2023" / "demo-education-bureau" / "appendix.html").read_text(encoding="utf-8")
    assert "示例数据" in html
    assert "序时进度" in html and "项目支出明细" in html
