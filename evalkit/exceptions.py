"""Exceptions raised by evalkit.

The tree::

    EvalkitError
    ├── ParamsError          a params or scheme file is malformed (.path, .key, .line, .problems)
    │   └── SchemeError      ... the file is a scheme
    ├── DataError            a side table (CSV/XLSX) has bad rows (.path, .failure_cases)
    │   └── WorkbookError    ... a scoring table (绩效自评表.xlsx) has cells that cannot be read
    ├── FontMissingError     the CJK font needed for charts and PDFs is not installed
    ├── OutputLockedError    another ``evalkit run`` is writing to the same output folder
    ├── EngineError          the engine cannot run a batch (a refused or unreachable cluster)
    └── RunError             running one department failed (.department, .output_path, .cell)
        ├── CellExecutionError   a notebook cell raised
        ├── RunTimeoutError      the department ran past its timeout
        └── KernelDiedError      the kernel died (after the start-up retry)

Every class pickles (runs cross process boundaries) and its message says how to fix the input.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CellExecutionError",
    "DataError",
    "EngineError",
    "EvalkitError",
    "FontMissingError",
    "KernelDiedError",
    "OutputLockedError",
    "ParamsError",
    "Problem",
    "RunError",
    "RunTimeoutError",
    "SchemeError",
    "WorkbookError",
]


class EvalkitError(Exception):
    """Root of every error evalkit raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong in an input file: where it is and what was expected."""

    path: str
    key: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where} {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


class ParamsError(EvalkitError):
    """A params file failed validation; ``problems`` lists every problem found.

    ``path``, ``key`` and ``line`` describe the first problem.
    """

    def __init__(self, problems: list[Problem] | tuple[Problem, ...], source: str | None = None):
        self.problems = tuple(problems)
        first = self.problems[0] if self.problems else Problem("?", "", None, "invalid")
        self.path, self.key, self.line = first.path, first.key, first.line
        self.source = source or first.path
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in {self.source}:"
        super().__init__("\n".join([head, *(f"  {p}" for p in self.problems)]))

    def __reduce__(self):
        return (type(self), (self.problems, self.source))


class SchemeError(ParamsError):
    """A scheme file (scoring and grading rules) failed validation."""


class DataError(EvalkitError):
    """A side table has rows that cannot be read; ``failure_cases`` lists them."""

    def __init__(self, path: str, failure_cases: list[Problem] | tuple[Problem, ...]):
        self.path = path
        self.failure_cases = tuple(failure_cases)
        lines = [f"{len(self.failure_cases)} bad cell(s) in {path}:"]
        lines += [f"  {p}" for p in self.failure_cases]
        super().__init__("\n".join(lines))

    def __reduce__(self):
        return (type(self), (self.path, self.failure_cases))


class WorkbookError(DataError):
    """A filled-in scoring table has cells that cannot be read; each of ``failure_cases`` names
    its sheet and cell, e.g. ``绩效自评表!G16 全年完成值: expected a number, got '九十'``."""

    def __init__(self, path: str, failure_cases: list[Problem] | tuple[Problem, ...]):
        super().__init__(path, failure_cases)
        count = len(self.failure_cases)
        lines = [f"{count} cell{'s' if count != 1 else ''} in {path} cannot be read:"]
        lines += [f"  {p.key}: {p.message}" if p.key else f"  {p.message}" for p in self.failure_cases]
        self.args = ("\n".join(lines),)


class FontMissingError(EvalkitError):
    """The CJK font evalkit draws Chinese with is not installed."""


class RunError(EvalkitError):
    """Running one department's notebook failed; the partial notebook is kept."""

    def __init__(self, message: str, *, department: str = "", output_path: str = "", cell: str = ""):
        self.department = department
        self.output_path = output_path
        self.cell = cell
        super().__init__(message)

    def __reduce__(self):  # the message as made, then department, output_path and cell as they are
        return (type(self), (str(self),), self.__dict__)


class CellExecutionError(RunError):
    """A notebook cell raised an exception."""


class RunTimeoutError(RunError):
    """A department ran past its timeout."""


class KernelDiedError(RunError):
    """The kernel died, even after one retry at start-up."""


class OutputLockedError(EvalkitError):
    """Another ``evalkit run`` is writing to the same output folder (its pid in the message)."""


class EngineError(EvalkitError):
    """The engine cannot run the batch (a refused or unreachable cluster, workers that differ from
    this client); raised before anything is written."""
