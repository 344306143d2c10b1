"""Scoring and grading schemes: rules as data (YAML shipped in ``evalkit/schemes/``).

>>> load_scheme("mof-2020").grade_for(91)
'优'
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import cache, cached_property, lru_cache
from importlib import resources
from pathlib import Path

from ..exceptions import Problem, SchemeError
from ..paths import inside
from .model import LEVELS, TIERS
from .numbers import Number, exact
from .numbers import fmt as fmt_number
from .validation import read_document

DEFAULT_THRESHOLDS = {
    "overshoot_ratio": Decimal("1.3"),
    "low_execution": Decimal("0.9"),
    "score_tolerance": Decimal("0.5"),
    "review_gap": Decimal(10),
    "high_adjustment": Decimal("0.3"),
    "december_share": Decimal("0.25"),
    "q4_share": Decimal("0.4"),
    "project_low_execution": Decimal("0.6"),
    "project_concentration": Decimal("0.8"),
}
#: Where mid-year monitoring lights change (fractions of 序时进度 or of the monitored target), and the
#: year-end contradictions' tolerances: a scheme's ``monitoring:`` block overrides any of them.
DEFAULT_MONITORING = {
    "spending_yellow": Decimal("0.6"),      # spending below 60 % of 序时进度 is red
    "spending_green": Decimal("0.8"),       # from 80 % green
    "progress_yellow": Decimal("0.6"),      # indicator progress below 60 % of 序时进度 is red
    "progress_green": Decimal("0.8"),       # 80 % to 120 % green
    "progress_blue": Decimal("1.2"),        # from 120 % blue: the target was probably set too low
    "forecast_gap": Decimal("0.1"),         # 全年预计执行数 this far from the year-end executed
    "score_above_spending": Decimal("0.05"),  # indicator score share above the money share
    "unspent_share": Decimal("0.2"),        # money left unspent at year end
}


@dataclass(frozen=True)
class GradeBand:
    min: Decimal
    label: str
    synonyms: tuple[str, ...] = ()  # other words for the same grade (优秀 = 优, 一般 = 中 = 合格)


@dataclass(frozen=True)
class Scheme:
    id: str
    title: str
    execution_weight: Decimal
    indicator_points: Decimal
    reverse_rule: str
    qualitative: dict[str, tuple[Decimal, Decimal]]
    qualitative_default: dict[str, Decimal]
    grades: tuple[GradeBand, ...]
    thresholds: dict[str, Decimal]  # the file's ``checks:`` block: where findings start to fire
    tier_points: dict[str, Decimal] | None = None
    source: str = ""
    #: ``inclusive`` (the default): a grade starts at its ``min`` (90.00 is 优 when 优 is min 90);
    #: ``exclusive``: a grade needs more than its ``min`` (">90 为优": 90.00 is 良). The lowest band
    #: (min 0) takes everything up to the next band's min either way.
    grade_bounds: str = "inclusive"
    sha256: str = field(default="", compare=False)
    monitoring: dict[str, Decimal] = field(default_factory=lambda: dict(DEFAULT_MONITORING))

    def canonical_grade(self, label: str) -> str | None:
        """The scheme's own word for a grade written as ``label`` (itself or a synonym); None if neither.

        >>> load_scheme("mof-2020").canonical_grade("优秀"), load_scheme("mof-2020").canonical_grade("甲等")
        ('优', None)
        """
        for grade in self.grades:
            if label == grade.label or label in grade.synonyms:
                return grade.label
        return None

    def same_grade(self, a: str | None, b: str | None) -> bool:
        """Whether two grade words name the same grade of this scheme (``合格`` and ``中``)."""
        return a is not None and b is not None and (a == b or self.canonical_grade(a) == self.canonical_grade(b) is not None)

    @cached_property
    def _band_mins(self) -> tuple[Fraction, ...]:
        """Each band's ``min``, exact: worked out once per scheme, not once per total graded."""
        return tuple(exact(g.min) for g in self.grades)

    def grade_for(self, total: Number) -> str:
        """The first band whose ``min`` ≤ ``total`` (inclusive lower bounds; ``min`` < ``total`` when
        the scheme's ``grade_bounds`` is exclusive)."""
        value, exclusive = exact(total), self.grade_bounds == "exclusive"
        for grade, low in zip(self.grades, self._band_mins, strict=True):
            if (low < value or low == 0) if exclusive else low <= value:
                return grade.label
        return self.grades[-1].label

    def band_texts(self) -> list[str]:
        """The bands as the worked example writes them: ``得分 ≥ 85 分为优秀``, ``75 ≤ 得分 < 85 分为良好``…;
        with exclusive bounds ``得分 > 90 分为优``, ``80 < 得分 ≤ 90 分为良``… ``得分 ≤ 60 分为差``."""
        return list(self._band_texts)

    @cached_property
    def _band_texts(self) -> tuple[str, ...]:
        top, above, below = (">", "<", "≤") if self.grade_bounds == "exclusive" else ("≥", "≤", "<")
        texts = []
        for i, band in enumerate(self.grades):
            low = f"{band.min.normalize():f}"
            upper = f"{self.grades[i - 1].min.normalize():f}" if i else None
            if upper is None:
                texts.append(f"得分 {top} {low} 分为{band.label}")
            elif band.min == 0:
                texts.append(f"得分 {below} {upper} 分为{band.label}")
            else:
                texts.append(f"{low} {above} 得分 {below} {upper} 分为{band.label}")
        return tuple(texts)

    def grade_trail(self, total: Number | None = None) -> str:
        """Which band table graded a total: the scheme's title and its bands, for the trail.

        >>> load_scheme("mof-2020-gt90").grade_trail(90)
        '评价等级按“项目支出绩效自评（得分高于90分为优）”等级表：得分 > 90 分为优；80 < 得分 ≤ 90 分为良；60 < 得分 ≤ 80 分为中；得分 ≤ 60 分为差；得分 90.00 为良'
        """
        text = f"评价等级按“{self.title}”等级表：{'；'.join(self._band_texts)}"
        return text if total is None else f"{text}；得分 {fmt_number(total)} 为{self.grade_for(total)}"

    def grade_labels_between(self, low: Number, high: Number) -> list[str]:
        """Every grade a total in [low, high] can have, best first."""
        if self.grade_bounds == "exclusive":
            top, bottom = self.grade_for(high), self.grade_for(low)
            labels = [g.label for g in self.grades]
            return labels[labels.index(top):labels.index(bottom) + 1]
        low, high = exact(low), exact(high)
        return [label for label, band_low, band_high in self._band_ranges
                if (band_high is None or low < band_high) and high >= band_low]

    @cached_property
    def _band_ranges(self) -> tuple[tuple[str, Fraction, Fraction | None], ...]:
        """Each band's label, lower end and the next band's lower end above it (None for the top)."""
        mins = self._band_mins
        return tuple((grade.label, band_low, min((m for m in mins if m > band_low), default=None))
                     for grade, band_low in zip(self.grades, mins, strict=True))


def shipped_schemes() -> list[str]:
    """Ids of the schemes that come with evalkit."""
    return list(_shipped_ids())


@cache
def _shipped_ids() -> tuple[str, ...]:
    folder = resources.files("evalkit") / "schemes"
    return tuple(sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")))


def resolve_scheme_ref(ref: str | Path, *, relative_to: Path | None = None) -> str | Path | None:
    """Where a scheme reference points: the id (``str``) of a shipped scheme, the ``Path`` of a scheme
    YAML file, or ``None`` when it is neither.

    A params file's reference (``relative_to`` its folder) is a file inside that folder, never
    resolved against the current folder, so a params file is graded the same from anywhere and
    cannot name a file outside its folder. A reference without ``relative_to`` (``--scheme`` on the
    command line, a Python caller) is a path as given.
    """
    ref_text = str(ref)
    if ref_text in shipped_schemes():
        return ref_text
    if relative_to is None:
        path = Path(ref_text)
    else:
        try:
            path = inside(relative_to, ref_text)
        except ValueError:
            return None
    return path if path.is_file() else None


def load_scheme(ref: str | Path, *, relative_to: Path | None = None) -> Scheme:
    """Load a shipped scheme by id, or a scheme YAML by path (relative to ``relative_to``)."""
    found = resolve_scheme_ref(ref, relative_to=relative_to)
    if found is None:
        raise SchemeError([Problem(str(ref), "scheme", None,
                                   f"no such scheme; expected one of {', '.join(shipped_schemes())} "
                                   "or the path of a scheme YAML (in the params file's folder)")])
    if isinstance(found, str):
        return _shipped_scheme(found)
    return _scheme_of(found.read_bytes(), str(found))


@cache
def _shipped_scheme(scheme_id: str) -> Scheme:
    """A shipped scheme, read and validated once per process."""
    raw = (resources.files("evalkit") / "schemes" / f"{scheme_id}.yaml").read_bytes()
    return _scheme_of(raw, f"evalkit/schemes/{scheme_id}.yaml")


@lru_cache(maxsize=256)
def _scheme_of(raw: bytes, shown: str) -> Scheme:
    """A scheme file's content, validated once per process and content (a batch of departments
    sharing a scheme parses it once; a changed file is a new key)."""
    return parse_scheme(raw.decode("utf-8-sig"), path=shown, sha256=hashlib.sha256(raw).hexdigest())


def parse_scheme(text: str, *, path: str = "<memory>", sha256: str = "") -> Scheme:
    """Validate a scheme document; raise ``SchemeError`` listing every problem."""
    c, data = read_document(text, path, SchemeError)
    d = c.mapping("", data, allowed=("id", "title", "execution", "indicator_points", "tier_points",
                                         "reverse_rule", "qualitative", "qualitative_default", "grades", "checks",
                                         "monitoring", "grade_bounds"),
                  required=("id", "title", "execution", "indicator_points", "grades"))
    if d is None:
        raise SchemeError(c.problems)
    execution = c.mapping("execution", d.get("execution"), allowed=("weight",), required=("weight",)) or {}
    tiers = None
    if d.get("tier_points") is not None:
        raw_tiers = c.mapping("tier_points", d.get("tier_points"), allowed=TIERS) or {}
        tiers = {t: c.number(f"tier_points.{t}", v, minimum=0) for t, v in raw_tiers.items()}
    bands = {}
    raw_bands = c.mapping("qualitative", d.get("qualitative", {"达成": [Decimal("0.8"), Decimal(1)],
                                                              "部分达成": [Decimal("0.6"), Decimal("0.8")],
                                                              "未达成": [Decimal(0), Decimal("0.6")]}),
                          allowed=LEVELS, required=LEVELS) or {}
    for level, pair in raw_bands.items():
        if not isinstance(pair, list) or len(pair) != 2:
            c.fail(f"qualitative.{level}", "expected [low, high] as fractions, e.g. [0.8, 1.0]")
            continue
        low = c.number(f"qualitative.{level}[0]", pair[0], minimum=0, maximum=1)
        high = c.number(f"qualitative.{level}[1]", pair[1], minimum=0, maximum=1)
        if low is not None and high is not None:
            bands[level] = (low, high)
    defaults = {}
    raw_defaults = c.mapping("qualitative_default", d.get("qualitative_default", {"达成": Decimal(1),
                             "部分达成": Decimal("0.6"), "未达成": Decimal(0)}), allowed=LEVELS, required=LEVELS) or {}
    for level, value in raw_defaults.items():
        number = c.number(f"qualitative_default.{level}", value, minimum=0, maximum=1)
        if number is not None:
            defaults[level] = number
            if level in bands and not bands[level][0] <= number <= bands[level][1]:
                c.fail(f"qualitative_default.{level}", f"{number} lies outside the band {bands[level]}")
    grades = []
    for i, item in enumerate(c.items("grades", d.get("grades"))):
        g = c.mapping(f"grades[{i}]", item, allowed=("min", "label", "synonyms"), required=("min", "label"))
        if g is not None:
            low, label = c.number(f"grades[{i}].min", g.get("min"), minimum=0), c.text(f"grades[{i}].label", g.get("label"))
            synonyms = c.texts(f"grades[{i}].synonyms", g.get("synonyms"))
            if low is not None and label is not None:
                grades.append(GradeBand(low, label, synonyms))
    words = [w for g in grades for w in (g.label, *g.synonyms)]
    for word in sorted({w for w in words if words.count(w) > 1}):
        c.fail("grades", f"the grade word {word!r} names more than one grade; each label or synonym may appear once")
    if grades and [g.min for g in grades] != sorted((g.min for g in grades), reverse=True):
        c.fail("grades", "expected bands from the highest min to the lowest")
    if grades and grades[-1].min != 0:
        c.fail("grades", "the last band must start at min: 0 so every total gets a grade")
    thresholds = _overrides(c, "checks", d.get("checks"), DEFAULT_THRESHOLDS)
    monitoring = _monitoring_thresholds(c, d.get("monitoring"))
    scheme_id = c.text("id", d.get("id"))
    reverse = c.text("reverse_rule", d.get("reverse_rule", "ratio"), choices=("ratio", "linear-2x"))
    weight = c.number("execution.weight", execution.get("weight"), minimum=0)
    points = c.number("indicator_points", d.get("indicator_points"), minimum=0)
    bounds = c.text("grade_bounds", d.get("grade_bounds", "inclusive"), choices=("inclusive", "exclusive"))
    if c.problems:
        raise SchemeError(c.problems)
    return Scheme(id=scheme_id, title=c.text("title", d.get("title")), execution_weight=weight,
                  indicator_points=points, reverse_rule=reverse, qualitative=bands,
                  qualitative_default=defaults, grades=tuple(grades), thresholds=thresholds, tier_points=tiers,
                  source=path, sha256=sha256, monitoring=monitoring,
                  grade_bounds=bounds or "inclusive")


def _monitoring_thresholds(c, value) -> dict[str, Decimal]:
    """The ``monitoring:`` block: light thresholds as fractions, in increasing order."""
    out = _overrides(c, "monitoring", value, DEFAULT_MONITORING)
    for low, high in (("spending_yellow", "spending_green"), ("progress_yellow", "progress_green"),
                      ("progress_green", "progress_blue")):
        if out[low] > out[high]:
            c.fail(f"monitoring.{high}", f"expected ≥ monitoring.{low} ({out[low]}); lights go red < yellow < green")
    return out


def _overrides(c, key: str, value, defaults: dict[str, Decimal]) -> dict[str, Decimal]:
    """``defaults`` with the numbers (≥ 0) the block ``key`` gives for any of them."""
    out = dict(defaults)
    raw = {} if value is None else c.mapping(key, value, allowed=tuple(defaults)) or {}
    for name, item in raw.items():
        number = c.number(f"{key}.{name}", item, minimum=0)
        if number is not None:
            out[name] = number
    return out
