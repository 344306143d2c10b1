"""The audit of a report that states little: the core's checks run on what was read, the others are
listed as skipped with why, and every core finding quotes the report."""

from __future__ import annotations

from evalkit.audit import audit_document

SHORT = """某局2023年度部门整体支出绩效自评报告

一、基本情况

本单位自评得分95分，评价等级为优秀。评价工作于2023年6月30日完成。
"""


def test_a_report_without_budget_or_indicators_skips_what_needs_them_and_says_why(tmp_path):
    path = tmp_path / "short.txt"
    path.write_text(SHORT, encoding="utf-8")
    record = audit_document(path)
    ids = {f["id"] for f in record["findings"]}
    assert "grade.synonym" in ids and not any(i.startswith(("budget.", "score.", "indicator.")) for i in ids)
    skipped = {s["check"]: s["unknown"] for s in record["skipped"]}
    assert skipped["execution_level"] == {"budget.adjusted": "报告未读出", "budget.executed": "报告未读出"}
    assert "goals" in skipped["missing_actuals"] and "reported_grade" not in skipped
    synonym = next(f for f in record["findings"] if f["id"] == "grade.synonym")
    assert "优秀" in synonym["location"]["snippet"] and synonym["evidence"]["computed"] is None


def test_every_finding_says_where_it_points(tmp_path):
    path = tmp_path / "short.txt"
    path.write_text(SHORT, encoding="utf-8")
    (synonym,) = [f for f in audit_document(path)["findings"] if f["id"] == "grade.synonym"]
    (place,) = synonym["where"]
    assert place["line"] == 5 and "评价等级为优秀" in place["quote"]
