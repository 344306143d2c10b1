"""The bureau's side of the illustrative district (``params/review-demo/``): written by
``evalkit demo-data``, a bureau file, reviews, ledgers with each status, and a problem closed last
year that recurs this year."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import PARAMS

import evalkit
from evalkit.demo.review import write_review_demo

FOLDER = PARAMS / "review-demo"


def test_committed_review_demo_equals_a_fresh_write(tmp_path):
    written = write_review_demo(PARAMS, tmp_path)
    assert {p.name for p in written} == {p.name for p in FOLDER.iterdir()}, "regenerate with `evalkit demo-data`"
    for path in written:
        assert (FOLDER / path.name).read_bytes() == Path(path).read_bytes(), path.name


def test_the_review_demo_shows_every_ledger_status_and_a_recurrence():
    pf = evalkit.Portfolio.load(FOLDER, year=2023)
    statuses = {i.status for ev in pf.evaluations.values() for ledger in ev.ledgers for i in ledger.items}
    assert statuses == {"未整改", "整改中", "已整改"}
    ids = {d: {f.id for f in ev.finding_items} for d, ev in pf.evaluations.items()}
    assert "rectification.not_effective" in ids["demo-ecology-environment-bureau"]
    assert "rectification.overdue" in ids["demo-ecology-environment-bureau"]
    assert "rectification.closed_without_evidence" in ids["demo-culture-tourism-bureau"]
    science = pf.evaluations["demo-science-technology-bureau"]
    assert science.reviewed and science.result_grade_text() == "中" and science.grade_text() == "优"
    transport = pf.evaluations["demo-transport-bureau"]
    assert transport.budget.execution_score < 10  # the demo bureau deducts for over-execution
    assert {ev.scheme.id for ev in pf.evaluations.values()} == {"mof-2020", "seed-85-75-60"}


def test_the_overview_ranks_per_scheme_with_the_pending_and_over_budget_after():
    from evalkit.publish import overview

    pf = evalkit.Portfolio.load(FOLDER, year=2023)
    html = overview.departments_table(pf).data
    order = [name for name in re.findall(r"<tr><td>([^<]+)</td>", html)]
    # mof-2020: clean 水务局, reviewed 科学技术局 and 生态环境分局 by the score that counts, over-budget
    # 交通运输局 last of the settled; then 待复核 文化和旅游局; then the other scheme's 统计局
    assert order == ["示例区水务局", "示例区科学技术局", "示例区生态环境分局", "示例区交通运输局", "示例区文化和旅游局",
                     "示例区统计局"], order
    table = overview.application_table(pf).data
    assert "控制新增" in table and "据实保障" in table
