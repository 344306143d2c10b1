"""``evalkit audit --params-out``: the mapped params file loads once its required nulls are filled, says
which nulls to fill, and scores the seed as the worked example scores."""

from __future__ import annotations

import re

import pytest
import yaml
from audit_corpus import seed_path
from conftest import run_cli

import evalkit
from evalkit.audit import audit_paths

SEED = seed_path()
needs_seed = pytest.mark.skipif(not SEED.is_file(), reason="the shared seed report is not on this machine")


@needs_seed
def test_params_out_writes_params_that_load_and_scores_like_the_worked_example(tmp_path):
    run_cli("audit", SEED, "--params-out", tmp_path)
    (mapped,) = tmp_path.glob("*.yaml")
    text = mapped.read_text(encoding="utf-8")
    assert "actual: null  # 待核对" in text
    ev = evalkit.evaluate(evalkit.load_params(mapped))
    assert (ev.score_text(), ev.grade_text()) == ("[9.97, 99.97]", "较差 ~ 优秀")


def test_mapped_params_with_required_nulls_loads_once_they_are_filled(tmp_path):
    report = tmp_path / "short.txt"
    report.write_text("示例区某局2023年度部门整体支出绩效自评报告\n\n调整预算数120.00万元，全年执行数114.00万元。\n\n"
                      "公文处理件数：年度指标值≥100件，实际完成值120件，分值90分，得分90分。\n", encoding="utf-8")
    audit_paths([report], params_out=tmp_path / "params")
    (mapped,) = (tmp_path / "params").glob("*.yaml")
    text = mapped.read_text(encoding="utf-8")
    assert re.search(r"initial: null  # 待核对", text)
    with pytest.raises(evalkit.ParamsError, match="budget.initial"):
        evalkit.load_params(mapped)
    mapped.write_text(text.replace("initial: null", "initial: 100"), encoding="utf-8")
    params = evalkit.load_params(mapped)
    assert params.budget.adjusted == 120 and params.indicators[0].actual == 120


def test_mapped_params_comments_say_which_nulls_to_fill(tmp_path):
    report = tmp_path / "r.txt"
    report.write_text("示例区某局2023年度部门整体支出绩效自评报告\n\n全年执行数14.00万元。\n", encoding="utf-8")
    audit_paths([report], params_out=tmp_path)
    doc = yaml.safe_load((tmp_path / "r-2023.yaml").read_text(encoding="utf-8"))
    assert doc["budget"]["adjusted"] is None and doc["department"]["year"] == 2023
