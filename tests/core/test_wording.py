"""Chinese wording is data (evalkit/core/finding_wording.yaml): every finding id has a short label, every
evidence key the example district raises has a label and a format, and the appendix shows them."""

import ast
import re

import pytest
from conftest import ROOT

from evalkit.core.sample import SAMPLE_MARK, is_sample_region
from evalkit.core.wording import (
    KINDS,
    evidence_items,
    evidence_label,
    evidence_text,
    finding_advice,
    finding_label,
    finding_wording,
    show,
)
from evalkit.portfolio.cross_checks import load_portfolio_rules
from evalkit.publish import appendix, markup


def raised_ids(module: str) -> set[str]:
    """Every finding id a module can raise: the first argument of each ``Finding(...)`` /
    ``PortfolioFinding(...)`` call, both branches of a conditional id included; f-string ids are skipped."""
    tree = ast.parse((ROOT / "evalkit" / module).read_text(encoding="utf-8"))
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("Finding", "PortfolioFinding") and node.args:
            first = node.args[0]
            options = [first.body, first.orelse] if isinstance(first, ast.IfExp) else [first]
            ids |= {o.value for o in options if isinstance(o, ast.Constant) and isinstance(o.value, str)}
    return ids


def test_every_finding_id_has_a_chinese_label():
    core = raised_ids("core/findings.py")
    portfolio = raised_ids("portfolio/cross_checks.py") | {f"portfolio.outlier_{m.key}" for m in load_portfolio_rules().metrics}
    assert len(core) >= 40 and "indicator.percent_on_count" in core  # the conditional id is seen
    assert {"portfolio.copied_targets", "portfolio.outlier_q4_share"} <= portfolio
    missing = sorted(i for i in core | portfolio if i not in finding_wording().findings)
    assert not missing, f"add a label to evalkit/core/finding_wording.yaml for {missing}"
    for finding_id in core | portfolio:
        label = finding_label(finding_id)
        assert re.search(r"[\u4e00-\u9fff]", label) and len(label) <= 12, (finding_id, label)


def test_every_finding_id_has_its_advice():
    """The 复核意见书 prints an 整改建议 beside every finding: one per finding type, kept as data."""
    ids = raised_ids("core/findings.py") | raised_ids("portfolio/cross_checks.py") | {
        f"portfolio.outlier_{m.key}" for m in load_portfolio_rules().metrics}
    missing = sorted(i for i in ids if i not in finding_wording().advice)
    assert not missing, f"add an 整改建议 to evalkit/core/finding_wording.yaml (advice:) for {missing}"
    assert set(finding_wording().advice) <= set(finding_wording().findings), "advice for an id that has no label"
    for finding_id in ids:
        advice = finding_advice(finding_id)
        assert advice.endswith("。") and not re.search(r"[a-z_]+\.[a-z_]+|>=|<=", advice), (finding_id, advice)


def test_an_unknown_id_is_shown_as_it_is():
    assert finding_label("budget.something_new") == "budget.something_new"


def test_every_evidence_key_of_the_example_district_has_a_label(pf):
    unlabelled = {(row.id, key) for row in pf.findings.itertuples() for key in row.evidence
                  if evidence_label(row.id, key) is None}
    assert not unlabelled, f"add these to the evidence sections of evalkit/core/finding_wording.yaml: {sorted(unlabelled)}"
    kinds = {e.kind for _, entries in finding_wording().evidence for e in entries.values()}
    assert kinds <= set(KINDS)


@pytest.mark.parametrize(("finding_id", "evidence", "expected"), [
    ("budget.low_execution", {"execution_rate": 0.769830, "threshold": 0.9}, "预算执行率：76.98%；预警阈值：90%"),
    ("budget.execution_rate_mismatch", {"reported": 99.7, "computed": 0.99713, "trail": "…"},
     "报告值：99.7%；重新计算值：99.71%"),
    ("budget.monthly_do_not_add_up", {"monthly_total": 1234.5, "executed": 1200}, "月度支付合计：1234.50万元；全年执行数：1200.00万元"),
    ("score.mismatch", {"reported": 95.36, "min": 93.861216, "max": 93.861216, "difference": 1.5},
     "自评得分：95.36分；计算得分下限：93.86分；计算得分上限：93.86分；相差：1.5分"),
    ("indicator.missing_actual", {"count": 2, "indicators": ["甲", "乙"]}, "未填报完成值的指标数：2；未填报的指标：甲、乙"),
    ("indicator.coefficient_outside_band", {"band": [0.8, 0.9]}, "该档得分系数：80%–90%"),
    ("timeline.period_before_year_end", {"evaluation_period": ["2023-01-01", "2023-03-31"]},
     "评价期间：2023年1月1日至2023年3月31日"),
    ("portfolio.outlier_q4_share", {"metric": "q4_share", "value": 0.5424, "z": 10.84, "threshold": 3.5, "side": "high"},
     "本部门：54.24%"),  # the statistics stay out of what a reader sees
    ("portfolio.outlier_score_inflation", {"value": 10.82, "median": 0.0}, "本部门：10.82分；全区中位数：0分"),
    ("budget.project_low_execution", {"projects": [{"name": f"项目{i}"} for i in range(12)]},
     "执行偏低的项目：" + "、".join(f"项目{i}" for i in range(10)) + "等12项"),
    ("budget.low_execution", {"surprise": 0.123456, "nothing": None}, "surprise：0.1235；nothing：—"),
])
def test_evidence_is_shown_in_chinese(finding_id, evidence, expected):
    assert evidence_text(finding_id, evidence, unit="万元") == expected


def test_hidden_keys_are_left_out():
    assert evidence_items("score.mismatch", {"trail": "93.86 = …"}) == []
    assert show(float("nan"), "percent") == "—"


def test_the_appendix_shows_evidence_in_chinese(pf):
    html = appendix.findings_block(pf.department("demo-civil-affairs-bureau")).data
    assert "预算执行率：76.98%" in html and "预警阈值：90%" in html and "预算执行率偏低" in html
    assert "threshold" not in html and "execution_rate：" not in html
    money = appendix.findings_block(pf.department("demo-health-bureau")).data
    assert re.search(r"月度支付合计：\d+\.\d\d万元", money)


def test_the_year_end_threshold_is_a_warning_threshold(pf):
    html = appendix.monthly_table(pf.department("demo-education-bureau")).data
    assert "预警阈值：12月25%，第四季度40%" in html and "提示阈值" not in html


def test_markup_escapes_every_cell():
    html = markup.html_table(["名称", "金额"], [["<b>甲</b>", 1.5], ["合计", 1.5]], numeric={1}, total_last=True)
    assert "&lt;b&gt;甲&lt;/b&gt;" in html and "<td class='num'>1.5</td>" in html
    assert "<tr class='evalkit-total'><td>合计</td>" in html
    assert markup.escape_markdown("示例*区_[1]") == "示例\\*区\\_\\[1\\]"


def test_sample_mark(pf):
    assert SAMPLE_MARK == "示例" and is_sample_region("示例区（示例数据）") and not is_sample_region(None)
    d = pf.departments.set_index("id")
    assert not d.at["dangzheng-office", "sample"] and d.drop("dangzheng-office")["sample"].all()
