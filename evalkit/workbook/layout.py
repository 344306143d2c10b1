"""The layout of the scoring table ``绩效自评表.xlsx``: sheet names, block labels, column headers,
widths and number formats. Shared by the writer (:mod:`.write`) and the reader (:mod:`.read`), and
free of openpyxl, so reading the layout never loads the spreadsheet library.
"""

from __future__ import annotations

from ..core.model import DIRECTION_LABELS

SHEET = "绩效自评表"
META_SHEET = "evalkit"
META_FORMAT = "evalkit-workbook/v1"
TOTAL = "合计"

#: Header block: label → field; the value is the cell right of the label.
INFO_LABELS = {"部门名称": "name", "部门编码": "id", "评价年度": "year", "所属地区": "region",
               "评价方案": "scheme", "金额单位": "unit"}
BUDGET_HEADERS = ("预算项目", "年初预算数", "全年预算数", "全年执行数", "执行率", "分值", "得分")
BUDGET_READ = ("预算项目", "年初预算数", "全年预算数", "全年执行数")
GOAL = "绩效目标"
INDICATOR_HEADERS = ("一级指标", GOAL, "指标名称", "计量单位", "指标性质", "年度指标值", "全年完成值",
                     "分值", "得分系数", "得分", "偏差原因分析", "计算过程", "核查意见")
INDICATOR_READ = INDICATOR_HEADERS[:11]
#: Columns whose cells may be merged down a goal's rows.
MERGEABLE = ("一级指标", GOAL)
#: Result block: label → what it holds; the two 部门自评 rows are read back.
RESULT_LABELS = ("预算执行得分", "绩效指标得分", "总分", "评价等级", "等级划分", "部门自评得分", "部门自评等级", "核对结论")
READ_RESULTS = {"部门自评得分": "score", "部门自评等级": "grade"}

#: Text beginning with one of these starts a formula to a spreadsheet program: written as text,
#: with Excel's quote prefix.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

BUDGET_COLUMN = 2  # the budget block starts in column B
WIDTHS = (10, 24, 26, 12, 12, 14, 14, 10, 12, 10, 36, 40, 40)
MONEY, PERCENT, POINTS = "0.00", "0.00%", "0.00"
#: Decimals a computed value is written with: what its number format shows.
POINT_PLACES, RATE_PLACES = 2, 4
#: What the 指标性质 column takes, in the report's order: ≥ > ≤ < = 定性.
DIRECTION_CHOICES = tuple(DIRECTION_LABELS.values())
#: The choices as a sentence says them: ``≥ > ≤ < = 或 定性``.
DIRECTION_CHOICES_TEXT = f"{' '.join(DIRECTION_CHOICES[:-1])} 或 {DIRECTION_CHOICES[-1]}"
#: Key columns pinned while scrolling right (一级指标, 绩效目标, 指标名称).
KEY_COLUMNS = 3
#: The indicator header row is pinned only this near the top; further down, pinning it would
#: freeze the whole budget block above it and leave little room to scroll.
FREEZE_MAX_ROW = 8
