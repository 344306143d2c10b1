"""What a department fills in: the unlocked cells of the scoring table, the data validation on each
(numbers where numbers go, a list where the form takes one of a few words), and the sheet
protection (without a password) that keeps everything else — labels and evalkit's formulas — as
evalkit wrote it. A department that needs to change the form itself can lift the protection
(审阅 → 撤销工作表保护) without a password.
"""

from __future__ import annotations

from openpyxl.styles import Protection
from openpyxl.worksheet.datavalidation import DataValidation

from ..core.model import TIERS
from ..core.params import YEARS
from ..core.scheme import Scheme
from .layout import DIRECTION_CHOICES, DIRECTION_CHOICES_TEXT, LEVEL_CHOICES

_MAX = "1000000000000000"  # 10^15: the bound a figure in the table stays below

#: kind → (validation arguments, prompt title, prompt, error): one validation per kind.
KINDS = {
    "tier": (dict(type="list", formula1=f'"{",".join(TIERS)}"'), "一级指标",
             f"选择 {'、'.join(TIERS)}，或留空。", f"一级指标只能是 {'、'.join(TIERS)}。"),
    "direction": (dict(type="list", formula1=f'"{",".join(DIRECTION_CHOICES)}"', allow_blank=False), "指标性质",
                  f"选择 {DIRECTION_CHOICES_TEXT}。", f"请选择 {DIRECTION_CHOICES_TEXT}。"),
    "level": (dict(type="list", formula1=f'"{",".join(LEVEL_CHOICES)}"'), "达成程度",
              f"定性指标选择 {'、'.join(LEVEL_CHOICES)}；未评定的留空（不计分）。", f"请选择 {'、'.join(LEVEL_CHOICES)}。"),
    "number": (dict(type="decimal", operator="between", formula1=f"-{_MAX}", formula2=_MAX), "填数字",
               "填数字，单位见计量单位列；百分比指标填 95，不填 95%。实际完成值留空则该指标不计分。",
               "请填数字（百分比指标填 95，不填 95%）。"),
    "amount": (dict(type="decimal", operator="between", formula1="0", formula2=_MAX), "金额",
               "填不小于 0 的数字，单位见金额单位。", "请填不小于 0 的金额。"),
    "weight": (dict(type="decimal", operator="between", formula1="0", formula2="100"), "分值",
               "公式为评价方案的默认分配；填入数字即为本指标自定的分值。", "分值是 0 至 100 之间的数字。"),
    "coefficient": (dict(type="decimal", operator="between", formula1="0", formula2="1"), "得分系数",
                    "公式按达成程度取评价方案的默认系数；也可填入该档区间内的系数，如 90%。", "得分系数是 0% 至 100% 之间的百分比。"),
    "year": (dict(type="whole", operator="between", formula1=str(YEARS[0]), formula2=str(YEARS[1])), "年度",
             "填四位年份，如 2023。", f"年度是 {YEARS[0]} 至 {YEARS[1]} 之间的四位年份。"),
    "score": (dict(type="decimal", operator="between", formula1="0", formula2="100"), "部门自评得分",
              "填部门自评的总分（0 至 100）。", "自评得分是 0 至 100 之间的数字。"),
    "date": (dict(type="date", operator="between", formula1="DATE(1990,1,1)", formula2="DATE(2100,12,31)"), "填报日期",
             "填日期，如 2024-04-30。", "请填日期，如 2024-04-30。"),
}


class Entry:
    """The cells a department fills in, by kind; :meth:`apply` unlocks them and adds the validations."""

    def __init__(self):
        self.cells: dict[str, list[str]] = {}
        self.unlocked: list[str] = []

    def add(self, kind: str | None, ref: str) -> None:
        """``ref`` is filled in by the department; ``kind`` is its validation (None: free text; ``grade``:
        the scheme's grade words)."""
        self.unlocked.append(ref)
        if kind is not None:
            self.cells.setdefault(kind, []).append(ref)

    def apply(self, sheet, scheme: Scheme) -> None:
        """Unlock the cells, add their validations and protect the sheet."""
        for ref in self.unlocked:
            sheet[ref].protection = Protection(locked=False)
        for kind, refs in self.cells.items():
            check = _grade(scheme) if kind == "grade" else _validation(kind)
            if check is not None:
                for ref in refs:
                    check.add(ref)
                sheet.add_data_validation(check)
        protect(sheet)


def _grade(scheme: Scheme) -> DataValidation | None:
    """部门自评等级: the scheme's words offered as a list; another word is allowed after a warning (a
    department may write a grade the scheme does not use, and evalkit reports it)."""
    words = [w for g in scheme.grades for w in (g.label, *g.synonyms) if "," not in w and '"' not in w]
    listed = ",".join(words)
    if not words or len(listed) > 250:  # a list validation holds at most 255 characters
        return None
    return DataValidation(type="list", formula1=f'"{listed}"', allow_blank=True, errorStyle="warning",
                          showErrorMessage=True, errorTitle="部门自评等级",
                          error=f"评价方案的等级是 {'、'.join(g.label for g in scheme.grades)}；确定要填其他等级吗？",
                          showInputMessage=True, promptTitle="部门自评等级", prompt="填部门自评的等级。")


def _validation(kind: str) -> DataValidation:
    arguments, title, prompt, error = KINDS[kind]
    return DataValidation(**{"allow_blank": True, **arguments}, showErrorMessage=True, errorStyle="stop",
                          errorTitle=title, error=error, showInputMessage=True, promptTitle=title, prompt=prompt)


def protect(sheet) -> None:
    """Sheet protection without a password: locked cells (labels, formulas) cannot be changed; rows
    and columns can still be resized and rows inserted."""
    p = sheet.protection
    p.sheet = True
    p.formatColumns = p.formatRows = p.insertRows = False
    p.selectLockedCells = p.selectUnlockedCells = False
