"""Safe YAML loading that remembers where every value came from.

YAML is composed (never constructed: no Python objects), numbers stay exact ``Decimal``,
timestamps stay strings, duplicate keys are refused and alias expansion is bounded, so an
"alias bomb" fails fast instead of eating memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import yaml

from ..exceptions import Problem

MAX_NODES = 100_000
_BOOL = {"true", "yes", "on", "y"}


@dataclass
class Located:
    """A loaded document plus the line of every key path (``goals[0].name`` → 12)."""

    path: str
    data: object
    lines: dict[str, int] = field(default_factory=dict)

    def line(self, key: str) -> int | None:
        """Line of ``key``, else of its closest parent."""
        while key:
            if key in self.lines:
                return self.lines[key]
            cut = max(key.rfind("."), key.rfind("["))
            key = key[:cut] if cut > 0 else ""
        return self.lines.get("", None)

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


def load_yaml(text: str, path: str) -> tuple[Located | None, list[Problem]]:
    """Compose ``text`` safely; return the located document or the problems."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        return None, [Problem(path, "", line, _yaml_hint(text, line, exc))]
    except yaml.YAMLError as exc:
        return None, [Problem(path, "", None, f"not valid YAML: {exc}")]
    doc = Located(path, None)
    problems: list[Problem] = []
    if root is None:
        return None, [Problem(path, "", 1, "the file is empty; expected a YAML mapping")]
    try:
        doc.data = _convert(root, "", doc, problems, _Budget())
    except _TooLarge as exc:
        return None, [Problem(path, "", exc.line, f"document expands to more than {MAX_NODES} values "
                                                  "(alias bomb?); simplify the anchors")]
    return doc, problems


def _yaml_hint(text: str, line: int | None, exc: yaml.MarkedYAMLError) -> str:
    reason = (exc.problem or "syntax error").strip()
    hint = ""
    if line:
        src = text.splitlines()[line - 1] if line - 1 < len(text.splitlines()) else ""
        if any(f": {op}" in src for op in (">", "<", "=")):
            hint = '; quote comparison operators, e.g. direction: ">="'
    return f"not valid YAML ({reason}){hint}"


def _convert(node: yaml.Node, key: str, doc: Located, problems: list[Problem], budget: _Budget):
    budget.spend(node)
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
            child = f"{key}.{name}" if key else name
            if name in out:
                problems.append(Problem(doc.path, child, knode.start_mark.line + 1,
                                        "duplicate key; each key may appear once"))
                continue
            doc.lines[child] = knode.start_mark.line + 1
            out[name] = _convert(vnode, child, doc, problems, budget)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, f"{key}[{i}]", doc, problems, budget) for i, item in enumerate(node.value)]
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
