"""evalkit: reproducible, checkable 部门整体支出绩效自评 (department overall expenditure
performance self-evaluation).

>>> import evalkit
>>> ev = evalkit.evaluate("params/dangzheng-office-2023.yaml")
>>> ev.budget.trails["execution_rate"]
'预算执行率 = 全年执行数 ÷ 全年预算数 = 9565.63 ÷ 9593.18 = 99.71%'
"""

from . import paths
from .evaluation import RESULT_SCHEMA, Evaluation, evaluate, evaluate_params
from .exceptions import (
    CellExecutionError,
    DataError,
    EvalkitError,
    FontMissingError,
    KernelDiedError,
    ParamsError,
    Problem,
    RunError,
    RunTimeoutError,
    SchemeError,
    WorkbookError,
)
from .findings import Finding
from .model import Params
from .numbers import round_half_up
from .params import load_params, parse_params
from .portfolio import Portfolio
from .scheme import Scheme, load_scheme, shipped_schemes
from .workbook_import import import_workbook

__all__ = [
    "RESULT_SCHEMA",
    "CellExecutionError",
    "DataError",
    "EvalkitError",
    "Evaluation",
    "Finding",
    "FontMissingError",
    "KernelDiedError",
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
