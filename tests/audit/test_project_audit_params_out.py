"""``evalkit audit --params-out`` on a 项目支出绩效自评表 writes a project params file (``kind:
project``, the project header rolled up into the params file's own department id) that loads and scores.
The text is the 大英县 2023 安可替代补助资金 table's figures (source in
tests/fixtures/project/daying-anke-2023.yaml), its prose reworded into running text."""

import evalkit
from evalkit.audit.runner import audit_paths

REPORT = """2023年全县安可替代补助资金项目支出绩效自评表

主管部门：大英县司法局部门；实施单位：大英县司法局。

年初预算数0.00万元，调整预算数3.36万元，全年执行数3.36万元，预算执行率100.00%。

完成安可产品购买并按要求支付资金：年度指标值=100%，实际完成值100%，分值90分，得分90分。

自评得分100分，评价等级为优。
"""


def test_a_project_table_maps_to_project_params(tmp_path):
    report = tmp_path / "anke.txt"
    report.write_text(REPORT, encoding="utf-8")
    audit_paths([report], params_out=tmp_path / "params")
    (mapped,) = (tmp_path / "params").glob("*.yaml")
    text = mapped.read_text(encoding="utf-8")
    assert "kind: project" in text and "# 待核对：据标题推断，请核对项目名称" in text
    params = evalkit.load_params(mapped)
    assert params.kind == "project" and params.project.name == "全县安可替代补助资金"
    assert params.project.department == params.department.id
    ev = evalkit.evaluate(params)
    assert ev.score_text() == "100.00" and ev.grade.label == "优"


def test_a_department_report_maps_to_department_params(tmp_path):
    report = tmp_path / "dept.txt"
    report.write_text("示例区某局2023年度部门整体支出绩效自评报告\n\n年初预算数100.00万元，调整预算数120.00万元，"
                      "全年执行数114.00万元。\n\n公文处理件数：年度指标值≥100件，实际完成值120件，分值90分，得分90分。\n",
                      encoding="utf-8")
    audit_paths([report], params_out=tmp_path / "params")
    (mapped,) = (tmp_path / "params").glob("*.yaml")
    assert "kind:" not in mapped.read_text(encoding="utf-8")
