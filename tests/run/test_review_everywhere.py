"""Once a review moves the score, the 复核得分 leads everywhere: index, overview, appendix, the run's
summary and result.json; the 复核意见书 lists each decided indicator after 复核结论."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from conftest import PARAMS, run_cli

pytestmark = pytest.mark.slow

DEPT = "demo-science-technology-bureau"
REVIEW = """schema: evalkit-review/v1
reviewer: 王五
date: 2024-07-20
decisions:
  - {indicator: 新认定高新技术企业, rule: no_evidence}
  - {indicator: 科技创新券兑付率, rule: unassessable, severity: 重}
"""


def plain(path) -> str:
    return re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8"))


def test_the_reviewed_score_is_shown_on_every_page_and_in_the_run_summary(tmp_path):
    params = tmp_path / "params"
    params.mkdir()
    for dept in (DEPT, "demo-water-bureau"):
        for f in PARAMS.glob(f"{dept}-2023.*"):
            shutil.copy(f, params)
    (params / f"{DEPT}-2023.review.yaml").write_text(REVIEW, encoding="utf-8")
    code, log = run_cli("run", params, "--out", tmp_path / "out", "--no-progress", "--formats", "html,docx")
    assert code == 0, log
    folder = tmp_path / "out" / "2023" / DEPT
    result = json.loads((folder / "result.json").read_text(encoding="utf-8"))
    shown, computed = result["review"]["score"]["display"], result["score"]["display"]
    assert (shown, computed) == ("74.75", "97.52") and result["result"]["score"] == shown
    assert result["review"]["reviewed"] and result["result"]["grade"] == "中"
    index = plain(tmp_path / "out" / "2023" / "index.html")
    assert shown in index and "已复核" in index and "计算得分97.52" in index
    assert shown in plain(tmp_path / "out" / "2023" / "overview.html")
    appendix = plain(folder / "appendix.html")
    assert f"复核得分：{shown}" in appendix
    assert f"{shown}（复核；计算{computed}）" in log
    conclusion = plain(folder / "复核意见书.html").split("复核结论")[-1]
    assert "新认定高新技术企业" in conclusion and "科技创新券兑付率" in conclusion
    assert "未发现需要整改" not in plain(folder / "复核意见书.html")
