"""Every page evalkit publishes, built from params and a scheme that carry script, event-handler,
``javascript:`` and ``data:`` payloads in every text field, opened in headless Chromium: nothing
runs and no request leaves the page."""

from __future__ import annotations

import re
import shutil

import chromium
import pytest
import yaml
from bs4 import BeautifulSoup
from conftest import run_cli

import evalkit

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(chromium.executable() is None, reason="Debian's chromium is installed by `make setup`")]

MARK = "EVK-XSS"
PAYLOADS = [
    f'<script>console.error("{MARK}-script")</script>',
    f"<img src=x onerror=\"console.error('{MARK}-onerror')\">",
    f"<svg onload=\"console.error('{MARK}-svg')\">",
    f"<a href=\"javascript:console.error('{MARK}-js')\">点此</a>",
    f"<iframe src=\"data:text/html,<script>parent.console.error('{MARK}-data')</script>\"></iframe>",
    '<img src="http://evil.example/pixel.png">',
    f"x`<img src=\"data:,\" onerror=console.error('{MARK}-tick')>`y",
    f"[点此](javascript:console.error('{MARK}-md'))",
    "<style>@import url(http://evil.example/a.css);</style>",
    "<link rel=stylesheet href=http://evil.example/b.css>",
]


def payload(i: int) -> str:
    return f"甲{i}{PAYLOADS[i % len(PAYLOADS)]}"


def hostile_params(folder) -> None:
    n = iter(range(1000))
    scheme = yaml.safe_load((evalkit.paths.PACKAGE_DIR / "schemes" / "seed-85-75-60.yaml").read_text(encoding="utf-8"))
    scheme["title"] = payload(next(n))
    scheme["id"] = "x`<img src=\"data:,\" onerror=console.error('EVK-XSS-id')>`y"
    for grade in scheme["grades"]:
        grade["label"] = payload(next(n))
    (folder / "hostile.scheme.yaml").write_text(yaml.safe_dump(scheme, allow_unicode=True), encoding="utf-8")
    (folder / "hostile.projects.csv").write_text(
        "name,adjusted,executed\n" + "".join(f"\"{payload(next(n)).replace(chr(34), chr(34) * 2)}\",30,{20 + i}\n"
                                             for i in range(2)), encoding="utf-8")

    def indicator(direction="qualitative"):
        item = {"name": payload(next(n)), "statement": payload(next(n)), "direction": direction,
                "deviation": payload(next(n))}
        if direction == "qualitative":
            item.update(target=payload(next(n)), actual="达成")
        else:
            item.update(target=100, actual=80, unit=payload(next(n)))
        return item

    params = {
        "schema": "evalkit/v1",
        "department": {"id": "hostile-dept", "name": payload(next(n)), "year": 2023, "region": payload(next(n))},
        "scheme": "hostile.scheme.yaml",
        "unit": "万元",
        "budget": {"initial": 100, "adjusted": 120, "executed": 100, "projects": "hostile.projects.csv",
                   "lines": [{"name": payload(next(n)), "kind": "basic", "adjusted": 60, "executed": 50},
                             {"name": payload(next(n)), "kind": "project", "adjusted": 60, "executed": 50}]},
        "goals": [{"name": payload(next(n)), "objective": payload(next(n)), "number": payload(next(n)),
                   "indicators": [indicator(">="), indicator()]}],
        "reported": {"score": 99, "grade": payload(next(n))},
        "narrative": {key: [payload(next(n))] for key in
                      ("duties", "organisation", "method", "achievements", "problems", "measures")}
        | {"summary": payload(next(n)), "conclusion": payload(next(n)),
           "team": [{"role": payload(next(n)), "name": payload(next(n)), "title": payload(next(n))}]},
    }
    (folder / "hostile-dept-2023.yaml").write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    work = tmp_path_factory.mktemp("hostile")
    params = work / "params"
    params.mkdir()
    hostile_params(params)
    evalkit.evaluate(params / "hostile-dept-2023.yaml")  # the payloads are valid input: text, not code
    code, text = run_cli("run", params, "--out", work / "reports", "--formats", "html,docx", "--no-progress")
    assert code == 0, text
    pages = sorted((work / "reports").rglob("*.html"))
    yield pages
    shutil.rmtree(work, ignore_errors=True)


def test_every_kind_of_page_was_published(published):
    names = {p.name for p in published}
    assert {"appendix.html", "自评报告.html", "overview.html", "index.html"} <= names


def live_markup(html: str) -> list[str]:
    """Elements, attributes and styles a payload made: parsed, as a browser would read them."""
    soup = BeautifulSoup(html, "html.parser")
    found = []
    for tag in soup.find_all(True):
        if tag.name == "script" and MARK in tag.get_text():
            found.append(f"<script> {tag.get_text()[:60]}")
        if tag.name == "style" and re.search(r"(@import|url\()[^;]*evil\.example", tag.get_text()):
            found.append(f"<style> {tag.get_text()[:60]}")  # the running header quotes the title: that is a CSS string
        if tag.name in ("iframe", "svg", "link", "object", "embed"):
            found.append(f"<{tag.name}>")
        for attr, value in tag.attrs.items():
            text = " ".join(value) if isinstance(value, list) else str(value)
            if attr.lower().startswith("on") or re.match(r"\s*(javascript:|http://evil)", text, re.IGNORECASE):
                found.append(f"<{tag.name} {attr}={text[:60]!r}>")
    return found


def test_no_payload_is_live_markup(published):
    """Escaped, not merely blocked: the page holds no element, handler or link a payload made."""
    for page in published:
        html = page.read_text(encoding="utf-8")
        assert live_markup(html) == [], page.name
        assert MARK in html, f"{page.name} does not show the text at all"


def test_the_checker_sees_live_markup():
    assert live_markup(PAYLOADS[1]) and live_markup(PAYLOADS[3]) and live_markup(PAYLOADS[4])
    assert live_markup("&lt;img src=x onerror=console.error(1)&gt;") == []


def test_nothing_runs_and_nothing_is_fetched_in_chromium(published):
    for page in published:
        visit = chromium.visit(page.as_uri())
        assert visit.loaded, page.name
        ran = [e for e in visit.console_errors if MARK in e]
        assert not ran, f"{page.name}: a payload ran: {ran}"
        outside = [u for u in visit.requests if not u.startswith(("file:", "data:"))]
        assert not outside, f"{page.name}: requests left the page: {outside}"
