"""The reviewer's page of an audit: quoted text escaped and highlighted beside each finding, ids only in
the 可复现信息 section."""

from __future__ import annotations

import re

from evalkit.audit import audit_paths


def test_the_page_quotes_escaped_text_beside_each_finding(tmp_path):
    hostile = tmp_path / "hostile.txt"
    hostile.write_text("示例区某局2023年度部门整体支出绩效自评报告\n\n"
                       "年初预算安排100.00万元，调整预算数120.00万元，全年执行数114.00万元，"
                       "预算执行率96.00%<script>alert(1)</script>。\n", encoding="utf-8")
    run = audit_paths([hostile], out=tmp_path / "out")
    page = (tmp_path / "out" / "hostile.txt.audit.html").read_text(encoding="utf-8")
    assert "<script" not in page and "&lt;script&gt;" in page
    assert "Content-Security-Policy" in page and "http" not in page.split("</head>")[1]
    assert "<mark>96.00%</mark>" in page and "整改建议" in page
    body, _, last = page.partition("<h2>可复现信息</h2>")
    ids = [f["id"] for f in run.records[0]["findings"]]
    assert ids and not any(i in body for i in ids) and all(i in last for i in ids)
    assert not re.search(r"[\u4e00-\u9fff] +[0-9]", body.replace("报告所列", ""))
