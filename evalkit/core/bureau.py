"""The finance bureau's own settings for its 复核 (``bureau.yaml``, ``evalkit-bureau/v1``).

A bureau file sits beside the params files (``params/bureau.yaml``) or is named on the command line
(``evalkit run params/ --bureau FILE``, or a shipped preset's id)::

    schema: evalkit-bureau/v1
    name: 示例区财政局                      # the 复核单位 signing the 复核意见书
    recipients: [区属各预算部门]             # 主送
    number: 示财绩〔{year}〕{seq}号           # 文号; {year} the review's year, {seq} left blank to fill
    basis:                                   # 复核依据 per scheme id ("*": any other scheme)
      mof-2020: [《项目支出绩效评价管理办法》（财预〔2020〕10号）]
      "*": [本区部门整体支出绩效评价办法]
    severity:                                # finding id → 错误 | 警告 | 提示 (error | warning | info)
      indicator.missing_actual: 错误
      score.unverifiable: 错误
    over_execution: deduct                   # flag | cap | deduct
    over_execution_points: 1                 # deduct: points off per percentage point above 100 %
    rectification_days: 30                   # 整改期限, days after the 复核意见书
    application:                             # 结果应用 by grade (a scheme's word or a synonym)
      优: {action: 优先保障}
      良: {action: 据实保障}
      中: {action: 控制新增}
      差: {action: 核减, percent: 10}

Over-execution (执行数超过全年预算数): ``flag`` keeps the execution score at 100 % and flags the
department (an error; never ranked first); ``cap`` scores the execution by 全年预算数 ÷ 全年执行数, so
the over-spent share earns nothing; ``deduct`` takes ``over_execution_points`` off per percentage
point above 100 %. Without a bureau file evalkit behaves as ``flag`` with the review's own defaults.

The shipped presets (``evalkit/core/bureaus/``) are examples to copy, not an official default.

>>> sorted(bureau_presets())
['example-lenient', 'example-strict']
"""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import cache
from importlib import resources
from pathlib import Path

from ..exceptions import ParamsError, Problem
from .numbers import fmt, fmt_pct, fmt_plain
from .source import read_utf8
from .validation import read_document
from .wording import finding_wording

BUREAU_SCHEMA = "evalkit-bureau/v1"
#: The file a folder of params files may hold for its bureau.
BUREAU_FILE_NAMES = ("bureau.yaml", "bureau.yml")
OVER_EXECUTION = ("flag", "cap", "deduct")
#: 结果应用 actions a bureau may name; 核减 takes a percentage.
ACTIONS = ("优先保障", "据实保障", "控制新增", "核减", "取消或暂停")
#: Severity words a bureau file may use, to the finding severities.
SEVERITY_WORDS = {"错误": "error", "警告": "warning", "提示": "info", "须整改": "error", "须说明": "warning",
                  "error": "error", "warning": "warning", "info": "info"}
DEFAULT_RECTIFICATION_DAYS = 30


@dataclass(frozen=True)
class Application:
    """What a grade means for next year's budget (结果应用)."""

    action: str
    percent: Decimal | None = None  # 核减 x %

    @property
    def text(self) -> str:
        """``核减10%`` or the action itself."""
        return f"{self.action}{self.percent.normalize():f}%" if self.percent is not None else self.action


@dataclass(frozen=True)
class Bureau:
    """A finance bureau's review settings."""

    name: str | None = None
    recipients: tuple[str, ...] = ()
    number: str | None = None
    basis: dict[str, tuple[str, ...]] = field(default_factory=dict)
    severity: dict[str, str] = field(default_factory=dict)
    over_execution: str = "flag"
    over_execution_points: Decimal = Decimal(1)
    rectification_days: int = DEFAULT_RECTIFICATION_DAYS
    application: dict[str, Application] = field(default_factory=dict)
    source: str | None = None
    sha256: str = ""
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def basis_for(self, scheme_id: str) -> tuple[str, ...]:
        """The 复核依据 the bureau cites for a scheme (its own entry, else ``*``), or ()."""
        return self.basis.get(scheme_id) or self.basis.get("*") or ()

    def document_number(self, year: int | None) -> str | None:
        """The 文号 with the year filled and the sequence number left blank: ``示财绩〔2024〕　　号``."""
        if not self.number:
            return None
        # ideographic spaces: blanks to write in that no typesetting rule collapses
        return self.number.replace("{year}", str(year) if year else "　　").replace("{seq}", "　　")

    def application_for(self, grade: str | None, scheme) -> Application | None:
        """The 结果应用 of a grade under ``scheme`` (keys may be the scheme's word or a synonym)."""
        if not grade:
            return None
        if grade in self.application:
            return self.application[grade]
        canonical = scheme.canonical_grade(grade)
        for key, value in self.application.items():
            if scheme.canonical_grade(key) == canonical is not None:
                return value
        return None


#: What evalkit does without a bureau file.
NO_BUREAU = Bureau()


@cache
def bureau_presets() -> dict[str, Path]:
    """The shipped example bureau files, by id (the file's stem)."""
    folder = resources.files("evalkit.core") / "bureaus"
    return {Path(p.name).stem: Path(str(p)) for p in folder.iterdir() if p.name.endswith(".yaml")}


def load_bureau(ref: str | Path) -> Bureau:
    """Read and validate a bureau file (a path or a preset id); ``ParamsError`` lists every problem
    with file, key and line."""
    path = Path(ref)
    if not path.exists() and not path.is_symlink() and str(ref) in bureau_presets():
        path = bureau_presets()[str(ref)]
    if not path.exists() and not path.is_symlink():
        raise ParamsError([Problem(str(ref), "", None, "no such bureau file; expected a path or one of the "
                                                       f"examples {', '.join(sorted(bureau_presets()))}")])
    raw, text = read_utf8(path, str(path))
    c, data = read_document(text, str(path))
    keys = ("schema", "name", "recipients", "number", "basis", "severity", "over_execution",
            "over_execution_points", "rectification_days", "application")
    top = c.top(data, BUREAU_SCHEMA, allowed=keys, required=("schema",))

    def entries(key: str, what: str) -> dict:
        """The mapping under ``key``: {} when absent, and a problem when it is not a mapping."""
        value = top.get(key)
        if value is not None and not isinstance(value, dict):
            c.fail(key, f"expected a mapping of {what}")
        return value if isinstance(value, dict) else {}

    basis = {str(k): c.texts(f"basis.{k}", v) for k, v in entries("basis", "scheme id (or '*') → list of 复核依据").items()}
    severity, known = {}, frozenset(finding_wording().findings)
    for fid, word in entries("severity", "finding id → 错误, 警告 or 提示").items():
        fid = str(fid)
        if fid not in known:
            close = difflib.get_close_matches(fid, sorted(known), n=1)
            c.fail(f"severity.{fid}", "unknown finding id" + (f"; did you mean '{close[0]}'?" if close else ""))
            continue
        value = c.text(f"severity.{fid}", word, choices=tuple(SEVERITY_WORDS), what="错误, 警告 or 提示")
        if value is not None:
            severity[fid] = SEVERITY_WORDS[value]
    over = c.text("over_execution", top.get("over_execution"), optional=True, choices=OVER_EXECUTION) or "flag"
    points = c.number("over_execution_points", top.get("over_execution_points"), optional=True,
                      minimum=0, maximum=100, allow_percent=False)
    if points is not None and over != "deduct":
        c.fail("over_execution_points", "only 'over_execution: deduct' takes points per percentage point")
    days = c.integer("rectification_days", top.get("rectification_days"), optional=True, minimum=1, maximum=365)
    application = {}
    for grade, spec in entries("application", "grade → {action, percent}").items():
        k = f"application.{grade}"
        if isinstance(spec, str):
            spec = {"action": spec}
        d = c.mapping(k, spec, allowed=("action", "percent"), required=("action",))
        if d is None:
            continue
        action = c.text(f"{k}.action", d.get("action"), choices=ACTIONS)
        percent = c.number(f"{k}.percent", d.get("percent"), optional=True, minimum=0, maximum=100)
        if action == "核减" and percent is None and d.get("percent") is None:
            c.fail(f"{k}.percent", "核减 needs a percentage (percent: 10)")
        elif action is not None and action != "核减" and d.get("percent") is not None:
            c.fail(f"{k}.percent", f"only 核减 takes a percentage, not {action}")
        if action is not None and (percent is not None or action != "核减"):
            application[str(grade)] = Application(action, percent)
    bureau = Bureau(
        name=c.text("name", top.get("name"), optional=True),
        recipients=c.texts("recipients", top.get("recipients")),
        number=_number_pattern(c, top.get("number")),
        basis=basis, severity=severity, over_execution=over,
        over_execution_points=points if points is not None else Decimal(1),
        rectification_days=days or DEFAULT_RECTIFICATION_DAYS, application=application,
        source=str(path), sha256=hashlib.sha256(raw).hexdigest(), lines=dict(c.doc.lines))
    if c.problems:
        raise ParamsError(c.problems)
    return bureau


def _number_pattern(c, value) -> str | None:
    """The 文号 pattern: text whose only placeholders are ``{year}`` and ``{seq}`` (any other would be
    printed as written on the 复核意见书)."""
    number = c.text("number", value, optional=True)
    other = next((m for m in re.findall(r"\{[^{}]*\}|[{}]", number or "") if m not in ("{year}", "{seq}")), None)
    if other is not None:
        c.fail("number", f"unknown placeholder {other!r}; the 文号 may hold only {{year}} and {{seq}}")
        return None
    return number


def check_grades(bureau: Bureau, scheme) -> list[Problem]:
    """The 结果应用 grades of ``bureau`` that are no grade of ``scheme`` nor of any shipped scheme
    (a misspelt ``忧`` would never apply), each located in the bureau file."""
    from .scheme import load_scheme, shipped_schemes

    schemes = [scheme, *(load_scheme(s) for s in shipped_schemes())]
    known = [g.label for sc in schemes for g in sc.grades]
    out = []
    for grade in bureau.application:
        if not any(sc.canonical_grade(grade) for sc in schemes):
            close = difflib.get_close_matches(grade, known, n=1, cutoff=0)
            out.append(Problem(bureau.source or "<bureau>", f"application.{grade}",
                               bureau.lines.get(f"application.{grade}"),
                               f"not a grade of scheme {scheme.id} or any shipped scheme; expected one of "
                               f"{', '.join(dict.fromkeys(g.label for g in scheme.grades))}"
                               + (f" (did you mean '{close[0]}'?)" if close else "")))
    return out


def over_execution_score(weight: Fraction, rate: Fraction, bureau: Bureau) -> tuple[Fraction, str]:
    """The execution score of a rate above 100 % under the bureau's rule, with its trail."""
    if bureau.over_execution == "cap":
        score = weight / rate
        return score, (f"预算执行率{fmt_pct(rate)}超过100%，超支部分不得分：分值 × 全年预算数 ÷ 全年执行数 = "
                       f"{fmt_plain(weight)} ÷ {fmt_pct(rate)} = {fmt(score)}")
    if bureau.over_execution == "deduct":
        over_points = (rate - 1) * 100
        score = max(Fraction(0), weight - over_points * Fraction(bureau.over_execution_points))
        per = bureau.over_execution_points
        return score, (f"预算执行率{fmt_pct(rate)}超过100%，每超1个百分点扣{fmt_plain(per)}分（最低0分）："
                       f"{fmt_plain(weight)} − {fmt(over_points)} × {fmt_plain(per)} = {fmt(score)}")
    return weight, (f"预算执行率{fmt_pct(rate)}超过100%，得分按100%计 = {fmt_plain(weight)}，"
                    "超预算支出另列为须整改的问题")
