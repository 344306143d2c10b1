"""``result.json`` written and read by one module (:mod:`evalkit.core.result`): what it writes reads back
as what the evaluation says, the run's one-line summary is the same from either, and a document of
another shape is a located error."""

from __future__ import annotations

import copy
import json

import pytest
from conftest import FIXTURES, PARAMS, WORKED

import evalkit
from evalkit.core.result import Summary, load_result, parse_result, result_bytes
from evalkit.exceptions import ParamsError

REVIEWED = FIXTURES / "review" / "one_decision_per_rule.yaml"


@pytest.mark.parametrize("path", [WORKED, REVIEWED, PARAMS / "demo-water-bureau-2023.yaml"],
                         ids=["worked", "reviewed", "demo"])
def test_what_is_written_reads_back_as_the_evaluation(tmp_path, path):
    ev = evalkit.evaluate(path)
    target = tmp_path / "result.json"
    target.write_bytes(result_bytes(ev))
    r, digest = load_result(target)
    assert (r.department_id, r.name, r.year, r.scheme_id) == (ev.department.id, ev.department.name,
                                                              ev.department.year, ev.scheme.id)
    assert (r.score.min, r.score.max, r.score.complete) == (float(ev.score.min), float(ev.score.max),
                                                            ev.score.complete)
    assert r.grade.text == ev.grade_text() and r.counts == ev.severity_counts()
    assert r.reviewed == ev.reviewed and r.summary == Summary.of(ev)
    assert len(digest) == 64 and json.loads(target.read_text(encoding="utf-8"))["schema"] == "evalkit-result/v1"


def test_a_reviewed_summary_gives_both_scores():
    s = Summary.of(evalkit.evaluate(REVIEWED))
    assert "（复核；计算" in s.score and Summary.from_dict(s.to_dict()) == s


def _edited(doc: dict, key: str, value) -> dict:
    doc = copy.deepcopy(doc)
    *parents, last = key.split(".")
    node = doc
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if value is KeyError:
        del node[last]
    else:
        node[last] = value
    return doc


@pytest.mark.parametrize("key, value, where, fragment", [
    ("schema", "evalkit-result/v0", "", "schema"),
    ("score.complete", "yes", "score.complete", "true or false"),
    ("score.max", float("inf"), "score.max", "between 0 and 100"),
    ("findings.0.severity", "fatal", "findings[0]", "severity"),
    ("budget.execution_rate", KeyError, "budget.execution_rate", "missing"),
    ("grade.label", 7, "grade.label", "grade label"),
    ("department.year", "2023", "department.year", "expected a year"),
])
def test_a_document_of_another_shape_is_a_located_error(worked, key, value, where, fragment):
    doc = _edited(worked.to_dict(), key, value)
    with pytest.raises(ParamsError) as info:
        parse_result(doc, "x/result.json")
    hit = [p for p in info.value.problems if p.key == where and fragment in p.message]
    assert hit and hit[0].path == "x/result.json", str(info.value)


def test_a_review_of_another_shape_is_a_located_error():
    doc = evalkit.evaluate(REVIEWED).to_dict()
    doc["review"]["score"] = {"min": "high"}
    with pytest.raises(ParamsError, match="review.score"):
        parse_result(doc, "result.json")


def test_not_json_and_not_an_object_are_errors(tmp_path):
    target = tmp_path / "result.json"
    for text, fragment in (("{\"schema\": ", "not readable JSON"), ("[1, 2]", "a JSON object")):
        target.write_text(text, encoding="utf-8")
        with pytest.raises(ParamsError, match=fragment):
            load_result(target)


def test_a_result_with_a_long_grade_label_reads_back(worked):
    """A scheme's grade labels are names (up to 200 characters), and what evalkit writes it reads back."""
    doc = worked.to_dict()
    label = "甲" * 120
    doc["grade"] = {"label": label, "min_label": label, "max_label": label}
    assert parse_result(doc, "x.result.json").grade.label == label
