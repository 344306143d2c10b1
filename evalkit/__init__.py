"""evalkit: reproducible, checkable 部门整体支出绩效自评 (department overall expenditure
performance self-evaluation).

>>> import evalkit
>>> ev = evalkit.evaluate("params/dangzheng-office-2023.yaml")
>>> ev.budget.trails["execution_rate"]
'预算执行率 = 全年执行数 ÷ 全年预算数 = 9565.63 ÷ 9593.18 = 99.71%'

The package is folders by concept: ``core`` (the scoring module: params, schemes, scoring,
findings, evaluation), ``portfolio`` (many departments at once), ``publish`` (what a person reads),
``workbook`` (the scoring table), ``run`` (papermill batches) and ``demo`` (the illustrative
district). This module is the public surface; importing it loads no notebook, document,
spreadsheet or plotting library.
"""

from . import paths
from .core.evaluation import RESULT_SCHEMA, Evaluation, evaluate, evaluate_params
from .core.findings import Finding
from .core.model import Params
from .core.numbers import round_half_up
from .core.params import load_params, parse_params
from .core.scheme import Scheme, load_scheme, shipped_schemes
from .exceptions import (
    CellExecutionError,
    DataError,
    EvalkitError,
    FontMissingError,
    KernelDiedError,
    OutputLockedError,
    ParamsError,
    Problem,
    RunError,
    RunTimeoutError,
    SchemeError,
    WorkbookError,
)
from .portfolio.portfolio import Portfolio
from .workbook.read import import_workbook

__all__ = [
    "RESULT_SCHEMA",
    "CellExecutionError",
    "DataError",
    "EvalkitError",
    "Evaluation",
    "Finding",
    "FontMissingError",
    "KernelDiedError",
    "OutputLockedError",
    "Params",
    "ParamsError",
    "Portfolio",
    "Problem",
    "RunError",
    "RunTimeoutError",
    "Scheme",
    "SchemeError",
    "WorkbookError",
    "evaluate",
    "evaluate_params",
    "import_workbook",
    "load_params",
    "load_scheme",
    "parse_params",
    "paths",
    "round_half_up",
    "shipped_schemes",
]
