"""Safe YAML loading that remembers where every value came from.

YAML is composed (never constructed: no Python objects), numbers stay exact ``Decimal``,
timestamps stay strings, duplicate keys are refused and alias expansion is bounded, so an
"alias bomb" fails fast instead of eating memory.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import yaml

from ..exceptions import ParamsError, Problem
from ..paths import read_head
from .model import key_and_parents

#: libyaml's safe loader where PyYAML was built with it (tens of times faster; the same marks).
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_NODES = 100_000
#: Deepest nesting a document may have (a params file needs six levels).
MAX_DEPTH = 32
#: Largest YAML document read (a params file of a large department is a few dozen kB).
MAX_BYTES = 2_000_000
_BOOL = {"true", "yes", "on", "y"}


@dataclass
class Located:
    """A loaded document plus the line of every key path (``goals[0].name`` → 12)."""

    path: str
    data: object
    lines: dict[str, int] = field(default_factory=dict)

    def line(self, key: str) -> int | None:
        """Line of ``key``, else of its closest parent, else of the document."""
        return next((self.lines[k] for k in key_and_parents(key) if k in self.lines), self.lines.get(""))

    def problem(self, key: str, message: str) -> Problem:
        return Problem(self.path, key, self.line(key), message)


class _Budget:
    def __init__(self) -> None:
        self.left = MAX_NODES

    def spend(self, node: yaml.Node) -> None:
        self.left -= 1
        if self.left < 0:
            mark = node.start_mark
            raise _TooLarge(mark.line + 1)


class _TooLarge(Exception):
    def __init__(self, line: int):
        self.line = line


class _TooDeep(Exception):
    def __init__(self, line: int):
        self.line = line


def unreadable_character(text: str, *, newlines: bool = False) -> str | None:
    r"""The first character of ``text`` that no published document should carry, described for an
    error message (``'an invisible character U+200B'``), or None.

    >>> unreadable_character("基本支出\u200b"), unreadable_character("甲\n乙", newlines=True)
    ('an invisible character U+200B', None)
    """
    if text.isprintable():  # the usual case, decided in C: no control, format or private character
        return None
    for ch in text:
        code = ord(ch)
        if 0xD800 <= code <= 0xDFFF:
            return f"an invalid character (lone surrogate U+{code:04X})"
        category = unicodedata.category(ch)
        if category == "Cc" and not (newlines and ch in "\n\r\t"):
            return f"a control character U+{code:04X}"
        if category in ("Cf", "Co", "Cn") or ch in "\u2028\u2029":
            return f"an invisible character U+{code:04X}"
    return None


#: Unicode categories a terminal or page would obey or hide rather than show: controls, formatting
#: characters, private use, unassigned, surrogates, line and paragraph separators.
_HIDDEN = frozenset({"Cc", "Cf", "Co", "Cn", "Cs", "Zl", "Zp"})


def visible(text: str, *, newlines: bool = False) -> str:
    r"""``text`` with every character :func:`unreadable_character` would name written as an escape
    (``\x1b``, ``\u202e``), so a terminal or a page shows it instead of obeying it: an ESC sequence
    cannot clear the screen or recolour a line, a direction override cannot reverse what follows.

    >>> visible("甲\x1b[2J乙\u202e丙"), visible("甲\n乙", newlines=True)
    ('甲\\x1b[2J乙\\u202e丙', '甲\n乙')
    """
    if text.isprintable():
        return text
    out = []
    for ch in text:
        if unicodedata.category(ch) not in _HIDDEN or (newlines and ch in "\n\t"):
            out.append(ch)
        else:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
    return "".join(out)


def read_utf8(path, shown: str) -> tuple[bytes, str]:
    """A params or companion file's bytes and its text; ``ParamsError`` naming the file (and the line
    of the first byte that is not UTF-8) when it cannot be read or is not UTF-8 text. The file is
    opened without blocking and read up to :data:`MAX_BYTES`: a FIFO or a device is refused, never
    waited on, and a file of gigabytes is refused after its first 2 MB."""
    try:
        raw = read_head(path, MAX_BYTES)
    except ValueError as exc:
        raise ParamsError([Problem(shown, "", None, f"cannot read: {exc}; expected a regular file")]) from None
    except OSError as exc:
        raise ParamsError([Problem(shown, "", None, f"cannot read: {exc.strerror}")]) from None
    if len(raw) > MAX_BYTES:
        raise ParamsError([Problem(shown, "", None, f"the file is larger than {MAX_BYTES // 1_000_000} MB; "
                                                    "expected a YAML file of a few kB")])
    if _utf16(raw):
        raise ParamsError([Problem(shown, "", 1, "UTF-16 text; save the file as UTF-8")])
    try:
        return raw, raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ParamsError([Problem(shown, "", line, "not UTF-8 text; save the file as UTF-8")]) from None


def _utf16(raw: bytes) -> bool:
    """Whether ``raw`` looks like UTF-16 (a byte-order mark, or a zero byte beside every ASCII character)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    head = raw[:400]
    return len(head) >= 8 and b"\x00" in head and max(head[0::2].count(0), head[1::2].count(0)) * 4 >= len(head)


def load_yaml(text: str, path: str) -> tuple[Located | None, list[Problem]]:
    """Compose ``text`` safely; return the located document or the problems."""
    if len(text) > MAX_BYTES:
        return None, [Problem(path, "", None, f"the file is larger than {MAX_BYTES // 1_000_000} MB; "
                                              "expected a params or scheme file of a few kB")]
    try:
        root = yaml.compose(text, Loader=YAML_LOADER)
    except RecursionError:
        return None, [Problem(path, "", None, f"nested deeper than {MAX_DEPTH} levels; expected the "
                                              "shallow mapping of a params or scheme file")]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        return None, [Problem(path, "", line, _yaml_hint(text, line, exc))]
    except yaml.YAMLError as exc:  # a reader error (a NUL, a control character) knows its position only
        position = getattr(exc, "position", None)
        line = text[:position].count("\n") + 1 if isinstance(position, int) else None
        return None, [Problem(path, "", line, f"not valid YAML: {visible(str(exc))}")]
    doc = Located(path, None)
    problems: list[Problem] = []
    if root is None:
        return None, [Problem(path, "", 1, "the file is empty; expected a YAML mapping")]
    try:
        doc.data = _convert(root, "", doc, problems, _Budget())
    except _TooLarge as exc:
        return None, [Problem(path, "", exc.line, f"document expands to more than {MAX_NODES} values "
                                                  "(alias bomb?); simplify the anchors")]
    except _TooDeep as exc:
        return None, [Problem(path, "", exc.line, f"nested deeper than {MAX_DEPTH} levels; expected the "
                                                  "shallow mapping of a params or scheme file")]
    return doc, problems


def _yaml_hint(text: str, line: int | None, exc: yaml.MarkedYAMLError) -> str:
    reason = (exc.problem or "syntax error").strip()
    hint = ""
    if line:
        src = text.splitlines()[line - 1] if line - 1 < len(text.splitlines()) else ""
        if any(f": {op}" in src for op in (">", "<", "=")):
            hint = '; quote comparison operators, e.g. direction: ">="'
    return f"not valid YAML ({reason}){hint}"


def _convert(node: yaml.Node, key: str, doc: Located, problems: list[Problem], budget: _Budget, depth: int = 0):
    budget.spend(node)
    if depth > MAX_DEPTH:
        raise _TooDeep(node.start_mark.line + 1)
    doc.lines.setdefault(key, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[str, object] = {}
        for knode, vnode in node.value:
            if knode.tag == "tag:yaml.org,2002:merge":
                problems.append(Problem(doc.path, key, knode.start_mark.line + 1,
                                        "merge keys (<<) are not supported; write the keys out"))
                continue
            name = str(knode.value) if isinstance(knode, yaml.ScalarNode) else None
            if name is None:
                problems.append(Problem(doc.path, key, knode.start_mark.line + 1, "keys must be plain text"))
                continue
            bad = None if name.isprintable() else unreadable_character(name)
            if bad:
                problems.append(Problem(doc.path, key, knode.start_mark.line + 1,
                                        f"a key contains {bad}; delete it (got {name[:40]!r})"))
                continue
            child = f"{key}.{name}" if key else name
            if name in out:
                problems.append(Problem(doc.path, child, knode.start_mark.line + 1,
                                        "duplicate key; each key may appear once"))
                continue
            doc.lines[child] = knode.start_mark.line + 1
            if type(vnode) is yaml.ScalarNode and depth < MAX_DEPTH:  # most values: what _convert does, inline
                budget.spend(vnode)
                out[name] = _scalar(vnode)
            else:
                out[name] = _convert(vnode, child, doc, problems, budget, depth + 1)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, f"{key}[{i}]", doc, problems, budget, depth + 1) for i, item in enumerate(node.value)]
    return _scalar(node)


def _scalar(node: yaml.ScalarNode):
    tag, value = node.tag, node.value
    if tag == "tag:yaml.org,2002:null":
        return None
    if tag == "tag:yaml.org,2002:bool":
        return value.lower() in _BOOL
    if tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float"):
        try:
            number = Decimal(value.replace("_", ""))
        except InvalidOperation:
            return value  # 0x1F, 0o17, .inf, .nan: let the validator reject the text
        return number if number.is_finite() else value
    return value  # strings and timestamps stay text
