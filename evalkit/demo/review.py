"""The finance bureau's side of the illustrative district (示例数据): a bureau file, reviews, 整改
ledgers and a department whose closed problem recurs the next year.

:func:`write_review_demo` copies a few departments of a generated district (their 2023 files and
last year's results) into a folder of their own (``params/review-demo/``) and adds, beside them:

- ``bureau.yaml``: the illustrative bureau (deduct on over-execution, 30 days to rectify, 结果应用);
- ``<id>-2023.review.yaml`` for three departments (one review moves the score from 优 to 中, one
  reviews an over-budget department, one confirms the computed score without a decision);
- ``<id>-2022.rectification.yaml``: last year's ledgers, with an item of each status — one closed
  (已整改) problem that recurs in 2023 (整改未见实效), one past its deadline, one closed without
  evidence, one still open and not yet due;
- ``<id>-2023.rectification.yaml``: this year's ledger of the reviewed department, opened after the
  review.

The folder stands apart from ``params/`` so the planted-findings demo keeps its exact plan; ``make
demo`` runs it into ``reports/review-demo/``. The files are fixed texts: the same call writes the
same bytes.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ..iorw import write_atomic

#: The departments copied: (id, why it is here).
DEPARTMENTS = (
    ("demo-science-technology-bureau", "reviewed; two decisions move the score from 优 to 中"),
    ("demo-transport-bureau", "over budget (100.45 %); reviewed"),
    ("demo-ecology-environment-bureau", "last year's ledger: a closed problem recurs, one item overdue"),
    ("demo-culture-tourism-bureau", "last year's ledger: an item closed without evidence; not reviewed"),
    ("demo-statistics-bureau", "another scheme (优秀/良好/一般/较差): ranked apart"),
    ("demo-water-bureau", "clean and not reviewed"),
)

BUREAU = """# The illustrative bureau of 示例区 (示例数据). An example to copy, not an official default.
schema: evalkit-bureau/v1
name: 示例区财政局
recipients: [示例区各预算部门]
number: 示财绩〔{year}〕{seq}号
basis:
  mof-2020:
    - 《项目支出绩效评价管理办法》（财预〔2020〕10号）
    - 示例区部门整体支出绩效评价实施办法（示例）
  "*":
    - 示例区部门整体支出绩效评价实施办法（示例）
severity:
  indicator.missing_actual: 错误
  score.unverifiable: 错误
over_execution: deduct
over_execution_points: 1
rectification_days: 30
application:
  优: {action: 优先保障}
  良: {action: 据实保障}
  中: {action: 控制新增}
  差: {action: 核减, percent: 10}
"""

FILES = {
    "demo-science-technology-bureau-2023.review.yaml": """schema: evalkit-review/v1
reviewer: 王五
date: 2024-07-20
decisions:
  - {indicator: 新认定高新技术企业, rule: no_evidence, note: 未提供高新技术企业认定名单}
  - {indicator: 科技创新券兑付率, rule: unassessable, severity: 重, note: 兑付台账与支付记录无法对应}
""",
    "demo-transport-bureau-2023.review.yaml": """schema: evalkit-review/v1
reviewer: 赵六
date: 2024-07-22
decisions:
  - {indicator: 公路优良路率, rule: no_evidence, note: 未提供路况检测报告}
""",
    "demo-ecology-environment-bureau-2023.review.yaml": """schema: evalkit-review/v1
reviewer: 赵六
date: 2024-07-25
decisions: []
""",
    "demo-ecology-environment-bureau-2022.rectification.yaml": """schema: evalkit-rectification/v1
items:
  - {finding: indicator.missing_actual, measure: 补报全部指标的全年完成值并建立统计台账, due: 2023-08-31,
     reply: 已补报完成值并建立台账, status: 已整改, evidence: [指标完成值统计台账], date: 2023-08-20}
  - {finding: score.unverifiable, measure: 补充佐证材料后重新计分, due: 2023-08-31,
     reply: 佐证材料正在收集, status: 整改中, date: 2023-08-25}
  - {finding: budget.no_adjusted_budget, measure: 补办全年预算调整手续, due: 2024-12-31, status: 未整改}
""",
    "demo-culture-tourism-bureau-2022.rectification.yaml": """schema: evalkit-rectification/v1
items:
  - {indicator: 文化惠民演出, measure: 补充演出场次登记表, due: 2023-09-30, reply: 已补充, status: 已整改,
     date: 2023-09-15}
""",
    "demo-science-technology-bureau-2023.rectification.yaml": """schema: evalkit-rectification/v1
items:
  - {indicator: 新认定高新技术企业, measure: 补报高新技术企业认定名单, due: 2024-08-19, reply: 正在向认定机构调取名单,
     status: 整改中, date: 2024-08-01}
  - {indicator: 科技创新券兑付率, measure: 建立创新券兑付台账并与支付记录逐笔核对, due: 2024-08-19, status: 未整改}
""",
}


def write_review_demo(source: Path, out: Path) -> list[Path]:
    """Copy :data:`DEPARTMENTS` from a generated district ``source`` into ``out`` and write the
    bureau's files beside them; return the paths written, in order."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for dept, _ in DEPARTMENTS:
        for path in sorted(source.glob(f"{dept}-*")):
            if path.is_file():
                written.append(Path(shutil.copyfile(path, out / path.name)))
    written.append(write_atomic(out / "bureau.yaml", BUREAU.encode("utf-8")))
    written += [write_atomic(out / name, text.encode("utf-8")) for name, text in FILES.items()]
    readme = "\n".join(["# 复核、整改与结果应用的示例（示例数据）", "",
                        "Written by `evalkit.demo.review.write_review_demo` from the generated district; "
                        "run with `evalkit run params/review-demo/ --out reports/review-demo`.", "",
                        *(f"- `{d}`: {why}" for d, why in DEPARTMENTS), ""])
    written.append(write_atomic(out / "README.md", readme.encode("utf-8")))
    return written
