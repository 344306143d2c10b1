"""``reports/<year>/index.html``: every department with score, grade, findings, status and links.

One offline page (inline CSS and a few lines of inline JavaScript for sorting); every text that
came from a params file is escaped.

Each department folder gives one row, read defensively so that no file can break the page:

- ``stale.json`` (no params file of the latest run produced it): 已过期, outside the ranking;
- ``error.json``: 失败, with the error (and a note when the previous run's files are still there);
- ``result.json``: 成功, ranked by score;
- neither (the run stopped before the department finished): 未完成;
- any of them unreadable (truncated, not JSON, not the shape evalkit writes): 无法读取, saying why.
"""

from __future__ import annotations

import base64
import hashlib
import json
from html import escape
from pathlib import Path

from .. import outputs
from ..core.numbers import fmt
from ..core.result import Result, parse_result, result_document
from ..core.sample import is_sample_region
from ..core.scoring import grade_range_text
from ..exceptions import ParamsError
from ..iorw import write_atomic
from ..outputs import INVALID_DIR
from ..paths import department_dirs
from .fonts import CSS_FONT_STACK
from .lights import index_light

#: Why a folder is stale (:data:`evalkit.outputs.STALE_REASONS`), as the page says it; ``{params}`` is
#: the file name.
STALE_TEXT = {
    "absent": "生成它的参数文件 {params} 没有参加本次运行（已删除、改名，或本次运行未包含它）。",
    "reassigned": "参数文件 {params} 现在对应另一个部门（部门标识已更改）。",
    "unknown": "本次运行的参数文件都没有生成这个部门。",
}
#: What the page says under a row that is not a finished result.
NOTES = {
    "stale": "以下文件是以前运行留下的，仅供参考，不参加排名。",
    "kept": "本次运行没有完成，下列文件是上次成功运行留下的，没有按本次参数更新。",
    "incomplete": "没有结果：上次运行在这个部门完成之前中断了。重新运行即可补齐。",
    "rerun": "请重新运行该部门。",
}


def collect(out: Path, year: int | str) -> list[dict]:
    """One row per department folder under ``out/<year>/`` plus unreadable params files."""
    base = Path(out) / str(year)
    rows = [_folder_row(folder) for folder in department_dirs(base)]
    invalid = Path(out) / INVALID_DIR
    if invalid.is_dir():
        for path in sorted(invalid.glob("*.json")):
            e, problem = _read_json(path)
            params = Path(str(e.get("params") or path.stem)).name if e else f"{path.stem}.yaml"
            row = {"id": params, "name": params, "links": {}, "sample": False}
            if problem:
                rows.append({**row, "status": "unreadable", "note": f"错误记录{problem}{NOTES['rerun']}"})
            else:
                rows.append({**row, "status": "failed", "error": failure_text(e.get("error_kind"))})
    return rows


def _folder_row(folder: Path) -> dict:
    names = {p.name for p in folder.iterdir()}  # one listing instead of a stat per file
    result, error, stale = (folder / o.filename for o in (outputs.RESULT, outputs.ERROR, outputs.STALE))
    r, problem = _read_result(result) if result.name in names else (None, "不存在。")
    e, e_problem = _read_json(error) if error.name in names else (None, "不存在。")
    row = {"id": folder.name, "name": _name(folder, r, e), "links": _links(folder, names), "sample": False}
    if stale.name in names:
        marker, _ = _read_json(stale)
        reason = marker.get("reason") if marker else None
        text = STALE_TEXT.get(reason, STALE_TEXT["unknown"]).format(params=(marker or {}).get("params") or "")
        return {**row, "status": "stale", "note": f"不在本次参数中：{text}{NOTES['stale']}"}
    if error.name in names:
        if e_problem:
            return {**row, "status": "unreadable", "note": f"错误记录{e_problem}该部门上次运行没有成功，{NOTES['rerun']}"}
        kept = any((folder / o.filename).is_file() for o in outputs.DEPARTMENT if o != outputs.NOTEBOOK)
        params = Path(str(e.get("params") or "")).name
        notes = [f"参数文件：{params}。" if params else "", NOTES["kept"] if kept else ""]
        return {**row, "name": e.get("name") or row["name"], "status": "failed",
                "error": failure_text(e.get("error_kind")), "note": "".join(notes) or None}
    if result.name not in names:
        return {**row, "status": "incomplete", "note": NOTES["incomplete"]}
    if problem:
        return {**row, "status": "unreadable", "note": f"结果文件 {outputs.RESULT.filename} {problem}{NOTES['rerun']}"}
    res = r
    counts = res.counts
    return {**row, "name": res.name, "status": "review" if counts["error"] else "ok", "scheme": res.scheme_title,
            "score": _score_text(res.score), "sort": res.score.min, "sort_max": res.score.max,
            "grade": _grade_text(res.grade), "reported": res.reported_score, "findings": counts,
            "sample": is_sample_region(res.region), "light": res.light, **review_fields(res),
            "projects": _projects_of(folder, res)}


def _score_text(s) -> str:
    return fmt(s.min) if s.complete else f"无法核定，可能区间{fmt(s.min)}–{fmt(s.max)}"


def _grade_text(g) -> str:
    return g.label or f"无法核定（可能为{grade_range_text(g.min_label, g.max_label)}）"


#: Why a department failed, by the kind of error ``error.json`` records, as the page says it (the
#: record itself, linked as 错误记录, has the details for whoever fixes it).
FAILURES = {"ParamsError": "参数文件有误，无法计算", "SchemeError": "评价方案文件有误，无法计算",
            "DuplicateDepartmentError": "部门标识与另一参数文件重复", "CellExecutionError": "计算附件生成出错",
            "RunTimeoutError": "运行超时", "KernelDiedError": "运行中断", "OSError": "文件无法写入（磁盘已满或无权限）"}


def failure_text(kind: str | None) -> str:
    """A failure in plain words: ``参数文件有误，无法计算（详见错误记录）``."""
    return f"{FAILURES.get(kind or '', '运行出错')}（详见错误记录）。"


#: Why a file the page reads cannot be used, as the page says it.
DAMAGED = "不完整或已损坏，无法读取（可能是写入时运行被中断或磁盘已满）。"
OTHER_SHAPE = "的内容不是本程序写出的格式。"


def _read_json(path: Path) -> tuple[dict | None, str | None]:
    """A JSON object evalkit wrote (a record or a marker), or None and why not (plain Chinese, for the page)."""
    raw, problem = _read_bytes(path)
    if problem:
        return None, problem
    try:
        data = json.loads(raw.decode("utf-8"))
    except ValueError:  # not UTF-8, or not JSON: a truncated or overwritten file
        return None, DAMAGED
    if not isinstance(data, dict):
        return None, OTHER_SHAPE
    return data, None


def _read_result(path: Path) -> tuple[Result | None, str | None]:
    """A department's ``result.json`` (:mod:`evalkit.core.result`), or None and why not."""
    raw, problem = _read_bytes(path)
    if problem:
        return None, problem
    try:
        doc = result_document(raw, str(path))
    except ParamsError:
        return None, DAMAGED
    try:
        return parse_result(doc, str(path)), None
    except ParamsError:  # valid JSON of another shape
        return None, "的内容不是本程序写出的格式（缺少得分等内容）。"


def _read_bytes(path: Path) -> tuple[bytes, str | None]:
    try:
        return path.read_bytes(), None
    except FileNotFoundError:
        return b"", "不存在。"
    except PermissionError:
        return b"", "无法打开（没有读取权限）。"
    except OSError:
        return b"", "无法打开（读取时磁盘出错）。"


def _name(folder: Path, result: Result | None, error: dict | None) -> str:
    """The department's name as its files (read already) give it, else the folder's name."""
    for name in (result.name if result else None, (error or {}).get("name")):
        if isinstance(name, str) and name:
            return name
    return folder.name


def _links(folder: Path, names: set[str] | None = None) -> dict[str, str]:
    """The department's files the page links to (``names``: the folder's listing, if read already)."""
    names = {p.name for p in folder.iterdir()} if names is None else names
    return {o.label: f"{folder.name}/{o.filename}" for o in (*outputs.DEPARTMENT, outputs.ERROR)
            if o.filename in names and (folder / o.filename).is_file()}


def _projects_of(folder: Path, result: Result) -> list[tuple[str, str, str]]:
    """The department's project tables as its result lists them: (name, score and grade, link to the
    project's appendix: its HTML page, or its PDF when the run wrote no HTML)."""
    def page(name: str) -> str:
        html = f"项目/{name}/{outputs.APPENDIX_HTML.filename}"
        pdf = f"项目/{name}/{outputs.APPENDIX_PDF.filename}"
        return pdf if not (folder / html).is_file() and (folder / pdf).is_file() else html

    return [(str(p.get("name")), f"{p.get('score_display')}分，{p.get('grade')}", f"{folder.name}/{page(str(p['folder']))}")
            for p in result.projects if isinstance(p, dict) and "folder" in p]


def _project_links(row: dict) -> str:
    """The department's projects under its files: each project's appendix, score and grade."""
    projects = row.get("projects") or []
    if not projects:
        return ""
    items = "".join(f"<li><a href='{escape(href)}'>{escape(name)}</a>（{escape(text)}）</li>" for name, text, href in projects)
    return f"<details><summary>项目自评表{len(projects)}个</summary><ul>{items}</ul></details>"


#: Rows that are not a finished result: their status text, row class and sort key (below every score).
STATUS = {"failed": ("失败", "failed", -1), "unreadable": ("无法读取", "unsettled", -2),
          "incomplete": ("未完成", "unsettled", -2), "stale": ("已过期", "stale", -3)}


def _link_list(row: dict) -> str:
    return " · ".join(f"<a href='{escape(href)}'>{escape(label)}</a>" for label, href in row["links"].items())


def render(rows: list[dict], *, year: int | str, overview: dict[str, str] | None = None) -> str:
    """The page; ``overview`` maps the overview files that exist to their link text."""
    ok = triage([r for r in rows if r["status"] in ("ok", "review")])
    review = [r for r in ok if r["status"] == "review"]
    failed = [r for r in rows if r["status"] == "failed"]
    unsettled = [r for r in rows if r["status"] in ("unreadable", "incomplete")]
    stale = [r for r in rows if r["status"] == "stale"]
    sample = any(r["sample"] for r in rows)
    body = []
    for r in ok:
        f = r["findings"]
        reported = "—" if r["reported"] is None else escape(str(r["reported"]).rstrip("0").rstrip(".")
                                                              if "." in str(r["reported"]) else str(r["reported"]))
        flagged = r["status"] == "review"
        # a department with errors is ranked after every clean one, whatever its score
        order = r["sort"] - (1000 if flagged else 0)
        status = "待复核<br><small>存在错误，得分和等级待复核确认</small>" if flagged else "成功"
        status = review_status(r, status) + index_light(r.get("light"))
        body.append(
            f"<tr{' class=review' if flagged else ''}><td>{escape(r['name'])}<br><small>{escape(r['id'])}</small></td>"
            f"<td class='num' data-sort='{order:.6f}'>{escape(r['score'])}</td>"
            f"<td>{escape(r['grade'])}<br><small>{escape(r['scheme'])}</small></td>"
            f"<td class='num'>{reported}</td>"
            f"<td class='num e' data-sort='{f['error']}'>{f['error']}</td><td class='num w'>{f['warning']}</td>"
            f"<td class='num'>{f['info']}</td><td>{status}</td><td>{_link_list(r)}{_project_links(r)}</td></tr>")
    for r in [*failed, *unsettled, *stale]:
        label, css, sort = STATUS[r["status"]]
        detail = " ".join(x for x in (r.get("error", "")[:400], r.get("note") or "") if x)
        body.append(f"<tr class='{css}'><td>{escape(r['name'])}<br><small>{escape(r['id'])}</small></td>"
                    f"<td class='num' data-sort='{sort}'>—</td><td>—</td><td>—</td><td>—</td><td>—</td><td>—</td>"
                    f"<td>{label}<br><small>{escape(detail)}</small></td><td>{_link_list(r)}</td></tr>")
    counted = len(ok) + len(failed) + len(unsettled)
    summary = (f"共{counted}个部门：计算完成{len(ok)}个（其中存在错误、待复核{len(review)}个），"
               f"失败{len(failed)}个")
    summary += f"，结果无法读取或未完成{len(unsettled)}个。" if unsettled else "。"
    if stale:
        summary += f"另有{len(stale)}个部门已过期（不在本次参数中），列在表末，不参加排名。"
    note = ("<p class='sample'>示例数据：本页部分或全部部门为虚构的示例数据，仅用于演示。</p>" if sample else "")
    extra = ("<p>" + " · ".join(f"<a href='{escape(href)}'>{escape(label)}</a>" for href, label in overview.items())
             + "</p>") if overview else ""
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{INDEX_CSP}">
<title>{escape(str(year))}年度部门整体支出绩效自评 · 汇总</title>
<style>
body {{ font-family: {CSS_FONT_STACK}; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; width: 100%; font-size: 14px; }}
th, td {{ border: 1px solid #ccd; padding: 6px 8px; vertical-align: top; }}
th {{ background: #eef2f7; cursor: pointer; user-select: none; }}
td.num {{ text-align: right; white-space: nowrap; }}
td.e {{ color: #b03a2e; font-weight: bold; }} td.w {{ color: #9a6a00; }}
tr:nth-child(even) td {{ background: #f8f9fb; }}
tr.failed td {{ background: #fdecea; }}
tr.review td {{ background: #fff3e8; }}
tr.unsettled td {{ background: #fff6e0; }}
tr.stale td {{ background: #eeeeee; color: #666; }}
.sample {{ border: 2px solid #e08a2c; padding: .5em 1em; background: #fff6ec; font-weight: bold; }}
</style></head><body>
<h1>{escape(str(year))}年度部门整体支出绩效自评 · 汇总</h1>
{note}{extra}
<p>{summary}已复核的部门以复核得分为准（自评计算得分列在其后），与无错误的部门一起按得分从高到低排列在前
（得分为区间时按下限；超预算支出的部门排在本组最后）；存在错误、尚未复核的部门标为“待复核”，排在其后，
按错误数、再按涉及分值从多到少排列。评价等级下注明所用评价方案，使用不同评价方案的部门分方案排列。点击表头可重新排序。</p>
<table id="departments"><thead><tr><th>部门</th><th>得分</th><th>评价等级</th><th>自评得分</th><th>错误</th><th>警告</th>
<th>提示</th><th>状态</th><th>文件</th></tr></thead><tbody>
{''.join(body)}
</tbody></table>
<script>{SORT_SCRIPT}</script>
</body></html>
"""


def review_fields(r: Result) -> dict:
    """What a department's ``result.json`` says for triage: reviewed or not (the 复核得分 and grade then
    lead, the computed score beside them), over-budget, scheme, and the points at stake."""
    s = r.score
    stake = s.max - s.min
    if r.reported_score is not None:
        stake += max(0.0, r.reported_score - s.min)
    fields = {"reviewed": r.reviewed, "over_budget": "budget.over_execution" in {f["id"] for f in r.findings},
              "scheme_id": r.scheme_id, "stake": stake, "application": r.application}
    if r.reviewed:
        rs = r.review_score
        computed = fmt(s.min) if s.complete else f"{fmt(s.min)}–{fmt(s.max)}"
        fields["score"] = f"{_score_text(rs)}（计算得分{computed}）"
        fields["sort"], fields["sort_max"] = rs.min, rs.max
        fields["grade"] = _grade_text(r.review_grade)
        fields["status"] = "ok"  # a reviewed department's result is settled, errors and all
    return fields


def triage(rows: list[dict]) -> list[dict]:
    """Finished rows in the page's order: per scheme (when the year mixes schemes), first the settled
    ones (reviewed, or without errors) by score with over-budget departments last, then the 待复核 ones
    by errors and then the points at stake."""
    schemes = list(dict.fromkeys(sorted(r.get("scheme_id", "") for r in rows)))
    ordered = []
    for scheme in schemes:
        part = [r for r in rows if r.get("scheme_id", "") == scheme]
        settled = sorted((r for r in part if r["status"] == "ok"),
                         key=lambda r: (r.get("over_budget", False), -r["sort"], -r["sort_max"], r["id"]))
        pending = sorted((r for r in part if r["status"] == "review"),
                         key=lambda r: (-r["findings"]["error"], -r.get("stake", 0.0), r.get("over_budget", False),
                                        r["id"]))
        ordered += settled + pending
    return ordered


def review_status(r: dict, status: str) -> str:
    """The status cell: 已复核 for a reviewed department, with 超预算 and 结果应用 when they apply."""
    if r.get("reviewed"):
        status = "已复核<br><small>以复核得分为准</small>"
    if r.get("over_budget"):
        status += "<br><small>超预算支出</small>"
    if r.get("application"):
        status += f"<br><small>结果应用：{escape(str(r['application']))}</small>"
    return status


#: The page's one script, sorting the table when a header is clicked; the page's policy allows this
#: script alone (by its hash) and no request.
SORT_SCRIPT = """document.querySelectorAll('#departments th').forEach(function (th, col) {
  th.addEventListener('click', function () {
    var body = th.closest('table').tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var dir = th.dataset.dir === 'asc' ? -1 : 1; th.dataset.dir = dir === 1 ? 'asc' : 'desc';
    function key(row) { var c = row.cells[col]; var v = c.dataset.sort || c.textContent.trim();
      var n = parseFloat(v); return isNaN(n) ? v : n; }
    rows.sort(function (a, b) { var x = key(a), y = key(b);
      return (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y), 'zh')) * dir; });
    rows.forEach(function (r) { body.appendChild(r); });
  });
});
"""
INDEX_CSP = (f"default-src 'none'; script-src 'sha256-{base64.b64encode(hashlib.sha256(SORT_SCRIPT.encode()).digest()).decode()}'; "
             "style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'")


def write_index(out: Path, year: int | str) -> Path:
    """Write ``out/<year>/index.html`` atomically and return its path."""
    folder = Path(out) / str(year)
    overview = {o.filename: o.label for o in outputs.OVERVIEW if (folder / o.filename).is_file()}
    html = render(collect(out, year), year=year, overview=overview)
    target = folder / outputs.INDEX.filename
    write_atomic(target, html.encode("utf-8"))
    return target
