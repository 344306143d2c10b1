"""Collecting validation: every problem in a document is found before anything is raised."""

from __future__ import annotations

import difflib
import re
import unicodedata
from datetime import date
from decimal import Decimal

from ..exceptions import ParamsError, Problem
from .model import key_and_parents
from .numbers import NumberFormatError, parse_number, short
from .source import Located, load_yaml, unreadable_character

_DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DATE_ZH = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")

MISSING = object()
#: Longest name (department, goal, indicator, budget line, unit) and longest paragraph of narrative.
MAX_NAME, MAX_PARAGRAPH = 200, 5000


def plain_text(value: object, *, long: bool = False) -> str | None:
    """``value`` stripped when it is usual text: a string of printable characters, at most
    :data:`MAX_NAME` of them (:data:`MAX_PARAGRAPH` when ``long``). That is what :meth:`Validator.text`
    returns for it when there is no choice or pattern to check, so a caller may take it without
    building the key path; None for anything else (which ``Validator.text`` then looks at)."""
    if type(value) is str:
        text = value.strip()
        if text and len(text) <= (MAX_PARAGRAPH if long else MAX_NAME) and text.isprintable():
            return text
    return None


def _show(value: object) -> str:
    """What the user wrote, as a short excerpt: an error never repeats a whole value (or file)."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return short(value) if isinstance(value, str) else short(value).strip("'")


def parse_date(text: str) -> date:
    """Parse ``2023-04-10`` or ``2023年4月10日``; raise ``ValueError`` otherwise."""
    norm = unicodedata.normalize("NFKC", str(text)).strip()
    match = _DATE_ISO.match(norm) or _DATE_ZH.match(norm)
    if not match:
        raise ValueError(text)
    return date(*(int(g) for g in match.groups()))


def read_document(text: str, path: str, error: type = ParamsError) -> tuple[Validator, object]:
    """Load YAML ``text`` safely and return a checker over it plus the data; raise ``error`` when the
    text is not YAML at all (problems found while loading stay in the checker)."""
    doc, problems = load_yaml(text, path)
    if doc is None:
        raise error(problems)
    checker = Validator(doc)
    checker.problems.extend(problems)
    return checker, doc.data


class Validator:
    """Reads values out of a located document, recording a problem for each bad one."""

    def __init__(self, doc: Located, unknown: dict[str, str] | None = None):
        self.doc = doc
        self.problems: list[Problem] = []
        #: key paths already reported as a missing required key, and those a partial model leaves unknown
        self.missing: set[str] = set(unknown or ())

    def fail(self, key: str, message: str) -> None:
        self.problems.append(self.doc.problem(key, message))

    def reported_missing(self, key: str) -> bool:
        """Whether ``key`` or a parent was already reported as a missing required key."""
        if not self.missing:  # the usual case: nothing reported missing, nothing to look up
            return False
        return any(k in self.missing for k in key_and_parents(key))

    def mapping(self, key: str, value: object, *, allowed: tuple[str, ...],
                required: tuple[str, ...] = ()) -> dict | None:
        """Check ``value`` is a mapping with only ``allowed`` keys and every ``required`` one."""
        if not isinstance(value, dict):
            if value is None and self.reported_missing(key):
                return None
            got = _show(value) if key else f"{type(value).__name__ if not isinstance(value, str) else 'text'}"
            self.fail(key, f"expected a mapping with keys {', '.join(allowed)}; got {got}")
            return None
        for name in value:
            if name not in allowed:
                close = difflib.get_close_matches(name, allowed, n=1)
                hint = f"did you mean '{close[0]}'?" if close else f"expected one of: {', '.join(allowed)}"
                self.fail(f"{key}.{name}" if key else name, f"unknown key; {hint}")
        for name in required:
            if name not in value and not self.reported_missing(f"{key}.{name}" if key else name):
                self.fail(key, f"missing required key '{name}'")
                self.missing.add(f"{key}.{name}" if key else name)
        return value

    def top(self, data: object, schema: str, *, allowed: tuple[str, ...], required: tuple[str, ...]) -> dict:
        """The document's top-level mapping with its ``schema`` checked (absent is allowed: the required
        key says so); ``ParamsError`` with the problems so far when the document is not a mapping."""
        top = self.mapping("", data, allowed=allowed, required=required)
        if top is None:
            raise ParamsError(self.problems)
        if top.get("schema") not in (None, schema):
            self.fail("schema", f"expected '{schema}', got {top.get('schema')!r}")
        return top

    def number(self, key: str, value: object, *, minimum: Decimal | int | None = None,
               maximum: Decimal | int | None = None, optional: bool = False,
               what: str = "a number", allow_percent: bool = True) -> Decimal | None:
        """A number as typed (full-width digits, thousands separators, trailing % accepted)."""
        if value is None or value is MISSING:
            if not optional and not self.reported_missing(key):
                self.fail(key, f"expected {what}{self._range(minimum, maximum)}, got nothing")
            return None
        try:
            number, percent = parse_number(value)
        except NumberFormatError as exc:
            why = f" ({exc.reason})" if exc.reason else ""
            self.fail(key, f"expected {what}{self._range(minimum, maximum)}, got {_show(value)}{why}")
            return None
        if percent and not allow_percent:
            self.fail(key, f"expected {what}, got {_show(value)}; a '%' does not belong here (write the number alone)")
            return None
        if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
            self.fail(key, f"expected {what}{self._range(minimum, maximum)}, got {number:f}")
            return None
        return number

    @staticmethod
    def _range(minimum, maximum) -> str:
        if minimum is not None and maximum is not None:
            return f" between {minimum} and {maximum}"
        if minimum is not None:
            return f" ≥ {minimum}"
        if maximum is not None:
            return f" ≤ {maximum}"
        return ""

    def integer(self, key: str, value: object, *, minimum: int | None = None,
                maximum: int | None = None, optional: bool = False) -> int | None:
        number = self.number(key, value, minimum=minimum, maximum=maximum, optional=optional,
                             what="a whole number")
        if number is None:
            return None
        if number != number.to_integral_value():
            self.fail(key, f"expected a whole number, got {number:f}")
            return None
        return int(number)

    def text(self, key: str, value: object, *, optional: bool = False,
             choices: tuple[str, ...] | None = None, pattern: str | None = None,
             what: str = "text", long: bool = False) -> str | None:
        """Text as typed, stripped. A name (``long=False``) is one line of at most
        :data:`MAX_NAME` characters; a paragraph (``long=True``) may break lines and run to
        :data:`MAX_PARAGRAPH`. Neither may hold control characters, invisible formatting
        characters (zero-width spaces, direction overrides) or lone surrogates: they make two
        names that look alike differ, and break the Word and Excel writers."""
        text = plain_text(value, long=long) if pattern is None else None  # the usual case
        if text is not None and (choices is None or text in choices):
            return text
        if value is None or value is MISSING:
            if not optional and not self.reported_missing(key):
                self.fail(key, f"expected {what}, got nothing")
            return None
        if isinstance(value, Decimal):
            value = f"{value:f}"
        if not isinstance(value, str) or not value.strip():
            self.fail(key, f"expected {what}, got {_show(value)}")
            return None
        value = value.strip()
        limit = MAX_PARAGRAPH if long else MAX_NAME
        if len(value) > limit:
            self.fail(key, f"expected {what} of at most {limit} characters, got {len(value)} ({_show(value)})")
            return None
        bad = unreadable_character(value, newlines=long)
        if bad:
            self.fail(key, f"contains {bad}; delete it (got {_show(value)})")
            return None
        if choices is not None and value not in choices:
            self.fail(key, f"expected one of {', '.join(choices)}; got {_show(value)}")
            return None
        if pattern is not None and not re.fullmatch(pattern, value):
            self.fail(key, f"expected {what}, got {_show(value)}")
            return None
        return value

    def texts(self, key: str, value: object) -> tuple[str, ...]:
        """A list of paragraphs, or a single one (taken as a one-item list)."""
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.fail(key, f"expected a list of text, got {_show(value)}")
            return ()
        items = (self.text(f"{key}[{i}]", item, long=True) for i, item in enumerate(value))
        return tuple(item for item in items if item is not None)

    def items(self, key: str, value: object, *, optional: bool = False) -> list:
        if value is None and optional:
            return []
        if not isinstance(value, list):
            if value is None and self.reported_missing(key):
                return []
            self.fail(key, f"expected a list, got {_show(value) if value is not None else 'nothing'}")
            return []
        return value

    def date(self, key: str, value: object, *, optional: bool = True) -> date | None:
        """A date written ``2024-06-11`` or ``2024年6月11日`` (YAML's own dates too)."""
        if isinstance(value, date):
            return value
        text = self.text(key, value, optional=optional, what="a date like 2024-06-11")
        if text is None:
            return None
        try:
            return parse_date(text)
        except ValueError:
            self.fail(key, f"expected a date like 2024-06-11 or 2024年6月11日, got {text!r}")
            return None
