"""DataFrames that read well in a notebook and stay machine-friendly in code.

A :class:`LabelledFrame` is an ordinary ``pandas.DataFrame`` (columns ``execution_rate``, values
0.9971 …) that, when a notebook displays it, shows Chinese column labels, rates as percentages,
amounts and points with two decimals, and evidence as readable text. Code keeps using the columns
and values as they are; :meth:`LabelledFrame.readable` gives the displayed frame.

>>> f = LabelledFrame({"execution_rate": [0.99713], "name": ["党政办公室"]})
>>> f.readable().to_dict("records")
[{'预算执行率': '99.71%', '名称': '党政办公室'}]
>>> float(f["execution_rate"].iloc[0])
0.99713
"""

from __future__ import annotations

import pandas as pd

from .findings import SEVERITY_LABELS
from .model import DIRECTION_LABELS
from .numbers import _missing, fmt, fmt_pct

#: column → (Chinese label, kind); kinds: percent (a fraction), number (2 decimals), count, text,
#: bool, evidence (a mapping shown with the finding wording's labels).
COLUMNS = {
    "id": ("编号", "text"), "name": ("名称", "text"), "goal": ("绩效目标", "text"), "tier": ("一级指标", "text"),
    "direction": ("指标性质", "direction"), "target": ("年度指标值", "value"), "actual": ("全年完成值", "value"),
    "unit": ("计量单位", "text"), "weight": ("分值", "number"), "coefficient": ("得分系数", "percent"),
    "score": ("得分", "number"), "max_loss": ("失分（上限）", "number"), "scored": ("已计分", "bool"),
    "rule": ("计分规则", "text"), "trail": ("计算过程", "text"), "severity": ("严重程度", "severity"),
    "message": ("问题", "text"), "evidence": ("依据", "evidence"), "subject": ("所涉内容", "text"),
    "year": ("年度", "count"), "region": ("地区", "text"), "city": ("市", "text"), "sample": ("示例数据", "bool"),
    "scheme": ("评价方案", "text"), "initial": ("年初预算数", "number"), "adjusted": ("全年预算数", "number"),
    "executed": ("全年执行数", "number"), "execution_rate": ("预算执行率", "percent"),
    "adjustment_rate": ("预算调整率", "percent"), "december_share": ("12月支付占比", "percent"),
    "q4_share": ("第四季度支付占比", "percent"), "projects": ("项目数", "count"), "indicators": ("绩效指标数", "count"),
    "unscored": ("未计分指标数", "count"), "score_min": ("得分下限", "number"), "score_max": ("得分上限", "number"),
    "complete": ("得分完整", "bool"), "grade": ("评价等级", "text"), "grade_min": ("等级下限", "text"),
    "grade_max": ("等级上限", "text"), "reported_score": ("自评得分", "number"),
    "reported_grade": ("自评等级", "text"), "inflation": ("自评虚高", "number"), "errors": ("错误", "count"),
    "warnings": ("警告", "count"), "infos": ("提示", "count"), "portfolio_findings": ("跨部门问题", "count"),
    "department_id": ("部门", "text"), "scope": ("范围", "scope"), "label": ("问题类型", "text"),
    "source": ("参数文件", "text"),
}
_WORDS = {"severity": SEVERITY_LABELS, "scope": {"department": "部门", "portfolio": "跨部门"},
          "direction": DIRECTION_LABELS, "bool": {True: "是", False: "否"}}


class LabelledFrame(pd.DataFrame):
    """A DataFrame that a notebook shows in Chinese, formatted (see the module docstring)."""

    @property
    def _constructor(self):
        return LabelledFrame

    def readable(self) -> pd.DataFrame:
        """The frame as a reader sees it: Chinese labels, formatted values (a plain DataFrame)."""
        shown = pd.DataFrame(index=self.index)
        records = self.to_dict("records")
        for column in self.columns:
            label, kind = COLUMNS.get(str(column), (str(column), "text"))
            shown[label] = [_show(row[column], kind, row) for row in records]
        return shown

    def _repr_html_(self) -> str:
        return self.readable()._repr_html_()


def _show(value, kind: str, row: dict) -> str:
    if kind == "evidence" and isinstance(value, dict):
        from .wording import evidence_text

        return evidence_text(str(row.get("id", "")), value)
    if _missing(value):
        return "—"
    if kind in _WORDS:
        return _WORDS[kind].get(value, str(value))
    if kind == "percent":
        return fmt_pct(value)
    if kind == "number":
        return fmt(value)
    if kind == "count":
        return str(int(value))
    if kind == "value" and isinstance(value, float):
        return f"{value:g}{row.get('unit') or ''}"
    return str(value)
