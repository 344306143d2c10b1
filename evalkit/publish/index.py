"""``reports/<year>/index.html``: every department with score, grade, findings, status and links.

One offline page (inline CSS and a few lines of inline JavaScript for sorting); every text that
came from a params file is escaped.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

from .. import outputs
from ..core.sample import is_sample_region
from ..core.scoring import grade_range_text
from ..iorw import write_atomic
from ..outputs import INVALID_DIR
from .fonts import CSS_FONT_STACK


def collect(out: Path, year: int | str) -> list[dict]:
    """One row per department folder under ``out/<year>/`` plus unreadable params files."""
    rows = []
    for folder in sorted(p for p in (Path(out) / str(year)).iterdir() if p.is_dir()):
        result, error = folder / outputs.RESULT.filename, folder / outputs.ERROR.filename
        if error.is_file():
            e = json.loads(error.read_text(encoding="utf-8"))
            rows.append({"id": folder.name, "name": e.get("name") or folder.name, "status": "failed",
                         "error": f"{e.get('error_kind')}: {e.get('error')}", "links": _links(folder), "sample": False})
        elif result.is_file():
            r = json.loads(result.read_text(encoding="utf-8"))
            counts = {s: sum(1 for f in r["findings"] if f["severity"] == s) for s in ("error", "warning", "info")}
            grade = r["grade"]["label"] or grade_range_text(r["grade"]["min_label"], r["grade"]["max_label"])
            rows.append({"id": folder.name, "name": r["department"]["name"], "status": "ok",
                         "score": r["score"]["display"], "sort": r["score"]["min"], "sort_max": r["score"]["max"],
                         "grade": grade, "reported": r["reported"].get("score"), "findings": counts,
                         "links": _links(folder), "sample": is_sample_region(r["department"].get("region"))})
    invalid = Path(out) / INVALID_DIR
    if invalid.is_dir():
        for path in sorted(invalid.glob("*.json")):
            e = json.loads(path.read_text(encoding="utf-8"))
            rows.append({"id": Path(e["params"]).name, "name": Path(e["params"]).name, "status": "failed",
                         "error": f"{e.get('error_kind')}: {e.get('error')}", "links": {}, "sample": False})
    return rows


def _links(folder: Path) -> dict[str, str]:
    return {o.label: f"{folder.name}/{o.filename}" for o in (*outputs.DEPARTMENT, outputs.ERROR)
            if (folder / o.filename).is_file()}


def render(rows: list[dict], *, year: int | str, overview: dict[str, str] | None = None) -> str:
    """The page; ``overview`` maps the overview files that exist to their link text."""
    ok = sorted((r for r in rows if r["status"] == "ok"), key=lambda r: (-r["sort"], -r["sort_max"], r["id"]))
    failed = [r for r in rows if r["status"] != "ok"]
    sample = any(r["sample"] for r in rows)
    body = []
    for r in ok:
        f = r["findings"]
        links = " · ".join(f"<a href='{escape(href)}'>{escape(label)}</a>" for label, href in r["links"].items())
        reported = "—" if r["reported"] is None else escape(str(r["reported"]).rstrip("0").rstrip(".")
                                                              if "." in str(r["reported"]) else str(r["reported"]))
        body.append(
            f"<tr><td>{escape(r['name'])}<br><small>{escape(r['id'])}</small></td>"
            f"<td class='num' data-sort='{r['sort']:.6f}'>{escape(r['score'])}</td><td>{escape(r['grade'])}</td>"
            f"<td class='num'>{reported}</td>"
            f"<td class='num e' data-sort='{f['error']}'>{f['error']}</td><td class='num w'>{f['warning']}</td>"
            f"<td class='num'>{f['info']}</td><td>成功</td><td>{links}</td></tr>")
    for r in failed:
        links = " · ".join(f"<a href='{escape(href)}'>{escape(label)}</a>" for label, href in r["links"].items())
        body.append(f"<tr class='failed'><td>{escape(r['name'])}<br><small>{escape(r['id'])}</small></td>"
                    f"<td class='num' data-sort='-1'>—</td><td>—</td><td>—</td><td>—</td><td>—</td><td>—</td>"
                    f"<td>失败<br><small>{escape(r['error'][:400])}</small></td><td>{links}</td></tr>")
    note = ("<p class='sample'>示例数据：本页部分或全部部门为虚构的示例数据，仅用于演示。</p>" if sample else "")
    extra = ("<p>" + " · ".join(f"<a href='{escape(href)}'>{escape(label)}</a>" for href, label in overview.items())
             + "</p>") if overview else ""
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(str(year))} 年度部门整体支出绩效自评 · 汇总</title>
<style>
body {{ font-family: {CSS_FONT_STACK}; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; width: 100%; font-size: 14px; }}
th, td {{ border: 1px solid #ccd; padding: 6px 8px; vertical-align: top; }}
th {{ background: #eef2f7; cursor: pointer; user-select: none; }}
td.num {{ text-align: right; white-space: nowrap; }}
td.e {{ color: #b03a2e; font-weight: bold; }} td.w {{ color: #9a6a00; }}
tr.failed td {{ background: #fdecea; }}
tr:nth-child(even) td {{ background: #f8f9fb; }}
.sample {{ border: 2px solid #e08a2c; padding: .5em 1em; background: #fff6ec; font-weight: bold; }}
</style></head><body>
<h1>{escape(str(year))} 年度部门整体支出绩效自评 · 汇总</h1>
{note}{extra}
<p>共 {len(rows)} 个部门：成功 {len(ok)} 个，失败 {len(failed)} 个。按得分从高到低排列（得分为区间时按下限）；点击表头可重新排序。</p>
<table id="departments"><thead><tr><th>部门</th><th>得分</th><th>评价等级</th><th>自评得分</th><th>错误</th><th>警告</th>
<th>提示</th><th>状态</th><th>文件</th></tr></thead><tbody>
{''.join(body)}
</tbody></table>
<script>
document.querySelectorAll('#departments th').forEach(function (th, col) {{
  th.addEventListener('click', function () {{
    var body = th.closest('table').tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var dir = th.dataset.dir === 'asc' ? -1 : 1; th.dataset.dir = dir === 1 ? 'asc' : 'desc';
    function key(row) {{ var c = row.cells[col]; var v = c.dataset.sort || c.textContent.trim();
      var n = parseFloat(v); return isNaN(n) ? v : n; }}
    rows.sort(function (a, b) {{ var x = key(a), y = key(b);
      return (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y), 'zh')) * dir; }});
    rows.forEach(function (r) {{ body.appendChild(r); }});
  }});
}});
</script>
</body></html>
"""


def write_index(out: Path, year: int | str) -> Path:
    """Write ``out/<year>/index.html`` atomically and return its path."""
    folder = Path(out) / str(year)
    overview = {o.filename: o.label for o in outputs.OVERVIEW if (folder / o.filename).is_file()}
    html = render(collect(out, year), year=year, overview=overview)
    target = folder / outputs.INDEX.filename
    write_atomic(target, html.encode("utf-8"))
    return target
