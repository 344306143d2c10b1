"""What readers see of the monitoring: the appendix's lights table (each value with its light in
words), the mid-year and year-end figures side by side where they contradict, the district overview
(reds first), the index; and `evalkit run` taking a monitoring file as an input, on both engines."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from conftest import PARAMS, WORKED, run_cli

import evalkit
from evalkit.core.result import parse_result
from evalkit.publish import appendix, overview
from evalkit.publish.index import collect, render

DEMO = ("demo-culture-tourism-bureau", "demo-civil-affairs-bureau", "demo-agriculture-bureau", "demo-audit-bureau")


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    folder = tmp_path_factory.mktemp("district")
    for dept in DEMO:
        for path in PARAMS.glob(f"{dept}-2023.*"):
            shutil.copy(path, folder)
    return evalkit.Portfolio.load(folder, year=2023)


def test_the_lights_table_puts_each_light_in_words_beside_its_value(district):
    ev = district.department("demo-culture-tourism-bureau")
    shown = text(appendix.monitoring_block(ev).data)
    red = next(x for x in ev.monitoring.indicators if x.light.light == "red")
    assert re.search(rf"{red.monitored.name} \S+ \S+ {re.escape(red.light.display)} ● 红灯", shown), shown
    assert re.search(rf"支出进度 .*? {ev.monitoring.spending.display} ● 绿灯", shown)
    assert "部门综合评价： ● 黄灯" in shown and "公共文化服务： ● 红灯" in shown


def test_a_contradiction_shows_mid_year_beside_year_end(district):
    ev = district.department("demo-culture-tourism-bureau")
    shown = text(appendix.year_end_comparison(ev).data)
    red = next(x for x in ev.monitoring.indicators if x.light.light == "red")
    score = next(s for s in ev.indicator_scores if s.indicator.key == red.monitored.params_key)
    assert f"1–7月完成{red.monitored.progress}场，红灯" in shown
    weight = f"{float(score.weight):.2f}"
    assert f"全年完成{score.indicator.actual}场，得分{weight}/{weight}" in shown


def test_without_a_contradiction_the_comparison_says_so(district):
    assert "未见矛盾" in text(appendix.year_end_comparison(district.department("demo-audit-bureau")).data)
    assert "未报送" in appendix.monitoring_block(evalkit.evaluate(WORKED)).data


def test_the_spending_chart_is_drawn_only_with_monitoring(district):
    assert appendix.spending_chart(district.department("demo-agriculture-bureau")).data[:4] == b"\x89PNG"
    assert appendix.spending_chart(evalkit.evaluate(WORKED)).data == ""


def test_the_district_overview_lists_reds_first(district):
    shown = text(overview.district_lights(district).data)
    # red first; of the two yellow departments, the one whose spending is also behind
    order = [shown.index(name) for name in ("示例区民政局", "示例区农业农村局", "示例区文化和旅游局", "示例区审计局")]
    assert order == sorted(order), shown
    assert re.search(r"示例区（示例数据） 4 1 2 1", shown), shown  # region: 4 reported, 1 red, 2 yellow, 1 green


def test_the_index_shows_each_departments_light(tmp_path, district):
    for dept in DEMO:
        folder = tmp_path / "2023" / dept
        folder.mkdir(parents=True)
        (folder / "result.json").write_text(json.dumps(district.department(dept).to_dict(), ensure_ascii=False),
                                            encoding="utf-8")
    page = text(render(collect(tmp_path, 2023), year=2023))
    assert re.search(r"示例区民政局 .*?绩效运行监控： ● 红灯", page)
    assert re.search(r"示例区审计局 .*?绩效运行监控： ● 绿灯", page)
    doc = district.department(DEMO[0]).to_dict()
    doc["monitoring"] = {"department": {"light": "purple"}}
    assert parse_result(doc, "result.json").light is None


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:Couldn't detect a suitable IP address:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:.*could not determine host IP.*:UserWarning")
@pytest.mark.filterwarnings("ignore:Port .* is already in use:UserWarning")
def test_run_stamps_the_monitoring_file_and_reruns_when_it_changes(tmp_path):
    pytest.importorskip("distributed")
    folder, out = tmp_path / "params", tmp_path / "reports"
    folder.mkdir()
    for path in PARAMS.glob("demo-culture-tourism-bureau-2023.*"):
        shutil.copy(path, folder)
    common = ["run", folder, "--out", out, "--formats", "html", "--no-progress"]
    assert run_cli(*common, "--engine", "dask", "--jobs", "1")[0] == 0
    dept = out / "2023" / "demo-culture-tourism-bureau"
    stamp = json.loads((dept / ".evalkit-run.json").read_text(encoding="utf-8"))
    assert "demo-culture-tourism-bureau-2023.monitoring.yaml" in stamp["files"]
    page = text((dept / "appendix.html").read_text(encoding="utf-8"))
    assert "● 红灯" in page and "绩效运行监控（双监控）" in page
    assert "0 run, 1 unchanged" in run_cli(*common)[1]  # nothing changed: settled from the stamp
    monitoring = folder / "demo-culture-tourism-bureau-2023.monitoring.yaml"
    monitoring.write_text(monitoring.read_text(encoding="utf-8").replace("progress: 21,", "progress: 70,"),
                          encoding="utf-8")
    code, printed = run_cli(*common)
    assert code == 0 and "1 run, 0 unchanged" in printed, printed
    page = text((dept / "appendix.html").read_text(encoding="utf-8"))
    assert "70 ÷ (120 ÷ 12 × 7) × 100 = 100.00，绿灯" in page


def test_evalkit_score_prints_the_lights():
    code, printed = run_cli("score", PARAMS / "demo-civil-affairs-bureau-2023.yaml")
    assert code == 0 and "1–7月绩效运行监控：红灯" in printed
    assert "支出进度：" in printed and "× 100 = 51.43，红灯" in printed
    assert "绩效运行监控" not in run_cli("score", WORKED)[1]


def test_a_long_overview_is_cut_to_the_worst(district):
    shown = text(overview.district_lights(district, limit=1).data)
    assert "列出前1个" in shown and "示例区民政局" in shown and "示例区审计局" not in shown
