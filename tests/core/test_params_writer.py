"""The one params writer (``core.serialisation.params_yaml``): every value reads back as written, nulls
stay and say why when told, and the demo's flow rows quote with the same ``scalar``."""

from __future__ import annotations

from decimal import Decimal

import pytest
import yaml

from evalkit.core.serialisation import params_yaml, scalar

TRICKY = ["yes", "no", "null", "~", "a: b", "#不是注释", "（十）机关后勤", "“引号”开头", "2023-04-10", "001", "1e5",
          " 前后空格 ", "第一行\n第二行", "制表\t符", "删除\x7f符", "行\u2028分隔", "- 列表", "[1, 2]", "{a: 1}", "100%",
          "达到 90%及以上", "@符号", "`反引号`", "'单引号'", '"双引号"', "\\反斜杠", "", "evalkit/v1", "mof-2020"]


@pytest.mark.parametrize("text", TRICKY, ids=range(len(TRICKY)))
def test_every_string_reads_back_as_written(text):
    doc = yaml.safe_load(params_yaml({"name": text, "list": [text], "rows": [{"name": text}]}))
    assert doc == {"name": text, "list": [text], "rows": [{"name": text}]}
    assert yaml.safe_load(f"x: {{name: {scalar(text)}}}") == {"x": {"name": text}}  # in a flow row, as the demo writes


def test_numbers_are_written_exactly():
    doc = yaml.safe_load(params_yaml({"a": Decimal("8779.840"), "b": 3, "c": 0.1, "d": True}))
    assert doc == {"a": 8779.84, "b": 3, "c": 0.1, "d": True}
    assert "a: 8779.840" in params_yaml({"a": Decimal("8779.840")})


def test_nulls_are_kept_and_marked_only_when_told_why():
    plain = params_yaml({"budget": {"initial": None}, "goals": [{"actual": None}]})
    assert "initial: null\n" in plain and "待核对" not in plain
    marked = params_yaml({"budget": {"initial": None, "adjusted": 1}, "goals": [{"actual": None}]},
                         notes={"goals[0].actual": "完成值“完成”不是数值"}, unread="报告未读出")
    assert "  initial: null  # 待核对：报告未读出\n" in marked and "  adjusted: 1\n" in marked
    assert "  - actual: null  # 待核对：完成值“完成”不是数值\n" in marked
    assert yaml.safe_load(marked) == {"budget": {"initial": None, "adjusted": 1}, "goals": [{"actual": None}]}
