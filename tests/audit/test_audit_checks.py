"""The audit's own checks: every finding id has its wording and advice; a count against numbered
paragraphs; a wrong part rate reported once, whichever side checks it."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT

from evalkit.audit import audit_document


def test_every_audit_finding_id_has_wording_and_advice():
    """Every id a ``Finding(...)`` call of the audit can give has a short Chinese label, an 整改建议 ending in 。,
    and every evidence key it shows has a label (ids and keys never reach the page)."""
    import ast

    from evalkit.audit.review_pages import _wording
    from evalkit.audit.source_document import REASONS

    ids, keys = set(), set()
    for path in (ROOT / "evalkit" / "audit").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Finding" and node.args:
                fid = node.args[0].value if isinstance(node.args[0], ast.Constant) else ""
                ids.add(fid)
                if fid.startswith("audit.") and len(node.args) > 3 and isinstance(node.args[3], ast.Dict):
                    keys |= {k.value for k in node.args[3].keys if isinstance(k, ast.Constant)}
    from evalkit.core.wording import finding_wording

    ids.discard("")
    reused = {i for i in ids if not i.startswith("audit.")}  # the core's ids keep the core's wording
    assert reused <= set(finding_wording().findings) and reused <= set(finding_wording().advice)
    ids -= reused
    wording = _wording()
    assert len(ids) >= 19 and ids <= set(wording["findings"]) and ids <= set(wording["advice"])
    for fid in ids:
        assert re.search(r"[\u4e00-\u9fff]", wording["findings"][fid]) and len(wording["findings"][fid]) <= 12
        assert wording["advice"][fid].endswith("。"), fid
    assert keys <= set(wording["evidence"]), sorted(keys - set(wording["evidence"]))
    assert set(REASONS) == set(wording["reasons"])


def test_a_count_whose_items_are_numbered_paragraphs_is_checked(tmp_path):
    report = tmp_path / "duties.txt"
    report.write_text("示例区某局2023年度部门整体支出绩效自评报告\n\n我局主要职责有以下3项：\n\n1. 甲。\n\n2. 乙。\n\n"
                      "二、预算执行情况\n", encoding="utf-8")
    (finding,) = [f for f in audit_document(report)["findings"] if f["id"] == "audit.count_mismatch"]
    assert finding["message"] == "报告称共3项，其后列出2项" and finding["location"]["where"] == "第3行"


@pytest.mark.parametrize("executed, expected", [("114.00", 1), ("115.00", 1)])
def test_a_wrong_part_rate_is_reported_once(tmp_path, executed, expected):
    """Whether the core checks the part (the parts add up) or the audit does (they do not), once."""
    report = tmp_path / "rates.txt"
    report.write_text("示例区某局2023年度部门整体支出绩效自评报告\n\n"
                      f"年初预算安排110.00万元，调整预算数120.00万元，全年执行数{executed}万元。"
                      "其中人员及公用经费全年预算数20.00万元，全年执行数19.00万元，执行率99.00%；"
                      "专项预算项目全年预算数100.00万元，全年执行数95.00万元，执行率95.00%。\n", encoding="utf-8")
    record = audit_document(report)
    rates = [f for f in record["findings"] if f["id"] == "budget.line_rate_mismatch"]
    assert len(rates) == expected and "人员及公用经费" in rates[0]["message"] and "95.00%" in rates[0]["message"]
    assert "99.00%" in rates[0]["quotes"][0]["snippet"]
