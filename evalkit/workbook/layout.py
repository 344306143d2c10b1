"""The layout of the scoring table ``绩效自评表.xlsx`` (the MoF 部门整体支出绩效自评表): sheet names,
block labels, column headers and the names older tables used for them, widths, number formats and
what a department may type where. Shared by the writer (:mod:`.write`) and the reader (:mod:`.read`),
and free of openpyxl, so reading the layout never loads the spreadsheet library.
"""

from __future__ import annotations

from ..core.model import DIRECTION_LABELS, LEVELS
from ..core.params import TOTAL  # noqa: F401  (the total row's word, one constant with the params check)

SHEET = "绩效自评表"
META_SHEET = "evalkit"
META_FORMAT = "evalkit-workbook/v1"
TITLE = "部门整体支出绩效自评表"

#: Header block: label → field; the value is the cell right of the label (or of its merged range).
#: Tables from earlier evalkit versions label the name 部门名称 and the year 评价年度.
INFO_LABELS = {"单位名称": "name", "部门名称": "name", "部门编码": "id", "年度": "year", "评价年度": "year",
               "所属地区": "region", "评价方案": "scheme", "金额单位": "unit"}
#: Labels whose value evalkit writes and does not read (主管部门 repeats 单位名称; 方案名称 is the scheme's title).
SHOWN_LABELS = ("主管部门", "方案名称")
#: The header block as written: (label, field) pairs, two to a row.
INFO_ROWS = ((("单位名称", "name"), ("主管部门", "parent")), (("年度", "year"), ("金额单位", "unit")),
             (("所属地区", "region"), ("方案名称", "title")), (("部门编码", "id"), ("评价方案", "scheme")))
#: The header row holding identifiers (部门编码, the scheme's id) the reader needs and a department
#: never reads: written in a hidden row, so the printed and displayed table shows no English ids.
HIDDEN_INFO_ROW = 3

SECTIONS = ("一、年度预算执行情况", "二、年度总体目标", "三、绩效指标完成情况", "四、评价结果")

BUDGET_HEADERS = ("预算项目", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分")
BUDGET_READ = ("预算项目", "年初预算数", "全年预算数", "全年执行数")

#: 年度总体目标: the two headings, each over the cell that holds its text.
EXPECTED, ACHIEVED = "预期目标", "实际完成情况"

GOAL, NAME, ACTUAL, LEVEL, DEVIATION = "二级指标", "三级指标", "实际完成值", "达成程度", "偏差原因分析及改进措施"
#: 一级指标 is the tier (产出/效益/满意度/成本); 二级指标 the goal (in this field 数量/质量/时效/成本, or the
#: goal's name); 三级指标 the indicator.
INDICATOR_HEADERS = ("一级指标", GOAL, NAME, "计量单位", "指标性质", "年度指标值", ACTUAL, LEVEL, "分值",
                     "得分系数", "得分", DEVIATION)
#: The columns a table must have to be read (达成程度 is new: without it, a level is read from 实际完成值).
INDICATOR_READ = tuple(h for h in INDICATOR_HEADERS if h != LEVEL)
#: Canonical header → the headings accepted for it, preferred first (older tables' names after).
HEADER_ALIASES = {GOAL: (GOAL, "绩效目标"), NAME: (NAME, "指标名称"), ACTUAL: (ACTUAL, "全年完成值"),
                  DEVIATION: (DEVIATION, "偏差原因分析")}
#: Columns whose cells may be merged down a goal's rows.
MERGEABLE = ("一级指标", GOAL)
#: The row below the table's 合计: the whole score out of 100.
GRAND_TOTAL = "总分"

#: Result block: the labels in order; the department's own rows (部门自评得分, 部门自评等级) are read back.
RESULT_LABELS = ("预算执行得分", "绩效指标得分", "未计分指标分值", "评价等级", "等级划分", "部门自评得分", "部门自评等级")
READ_RESULTS = {"部门自评得分": "score", "部门自评等级": "grade", "填报日期": "report_date"}
#: Signature block: label → what it holds; 填报日期 is the report's date (``reported.report_date``).
SIGNATURE = ("填报单位（盖章）", "填报人", "联系电话", "填报日期")

#: Text beginning with one of these starts a formula to a spreadsheet program: written as text,
#: with Excel's quote prefix.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

BUDGET_COLUMN = 2  # the budget block starts in column B
#: Column widths (characters of the default font). Printed fit to the page width, an A4 landscape page
#: holds them at full size where the default font is Calibri or its metric twin Carlito (a character is
#: 5.25 pt), and at about 90 % where a wider font stands in (DejaVu Sans, 7 pt, on a machine with neither):
#: the form prints legibly over several pages, never shrunk onto one.
WIDTHS = (7, 12, 16, 9, 9, 10, 10, 7, 7, 8, 7, 21)
#: Where the header block's values and the 年度总体目标 texts sit (merged column spans).
LEFT_VALUE, RIGHT_LABEL, RIGHT_VALUE = (2, 5), 6, (7, 12)
GOALS_LEFT, GOALS_RIGHT = (1, 8), (9, 12)
MONEY, PERCENT, POINTS, DATE = "0.00", "0.00%", "0.00", 'yyyy"年"m"月"d"日"'
FONT, FONT_SIZE, TITLE_SIZE = "宋体", 10, 16
#: Decimals a computed value is compared at: what its number format shows (points; rates as fractions).
POINT_PLACES, RATE_PLACES = 2, 4
#: What the 指标性质 column takes, in the report's order: ≥ > ≤ < = 定性.
DIRECTION_CHOICES = tuple(DIRECTION_LABELS.values())
#: The choices as a sentence says them: ``≥ > ≤ < = 或 定性``.
DIRECTION_CHOICES_TEXT = f"{' '.join(DIRECTION_CHOICES[:-1])} 或 {DIRECTION_CHOICES[-1]}"
LEVEL_CHOICES = LEVELS
#: Key columns pinned while scrolling right (一级指标, 二级指标, 三级指标).
KEY_COLUMNS = 3
#: The indicator header row is pinned only this near the top; further down, pinning it would
#: freeze the whole budget block above it and leave little room to scroll.
FREEZE_MAX_ROW = 8
