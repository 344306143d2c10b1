"""The reviewer's pages: one per document (each finding beside the quoted text, highlighted) and an
index for a folder ranking documents by errors.

Pages are self-contained and offline: inline CSS, no script, :data:`~evalkit.publish.markup.PAGE_CSP`
in a meta tag, every quoted text escaped. The finance bureau's voice throughout; finding ids, hashes
and versions appear only in the last section, 可复现信息.
"""

from __future__ import annotations

from functools import cache
from html import escape as _html_escape
from importlib import resources

import yaml

from ..core.findings import SEVERITIES, SEVERITY_LABELS
from ..core.source import visible
from ..core.wording import evidence_text, finding_advice, show, tidy
from ..publish.markup import PAGE_CSP
from .checks import key_words
from .readers import OWN_PAGE_MARK

__all__ = ["audit_page", "index_page", "audit_advice"]

CSS = """
body{font-family:'Noto Sans CJK SC','Noto Serif CJK SC',sans-serif;max-width:60em;margin:2em auto;padding:0 1em;
color:#222;line-height:1.7}
h1{font-size:1.5em;text-align:center;margin-bottom:.2em}h2{font-size:1.2em;border-bottom:2px solid #8b1a1a;
padding-bottom:.2em;margin-top:1.6em}h3{font-size:1.05em;margin:1.2em 0 .4em}
.meta{text-align:center;color:#555;margin-bottom:1.5em}table{border-collapse:collapse;width:100%;margin:.6em 0}
th,td{border:1px solid #bbb;padding:.3em .5em;text-align:left;vertical-align:top}th{background:#f3efe6}
td.num{text-align:right;white-space:nowrap}.finding{border:1px solid #ddd;border-left:6px solid #999;
padding:.6em .9em;margin:.8em 0;background:#fff}.finding.error{border-left-color:#b22222}
.finding.warning{border-left-color:#d98c00}.finding.info{border-left-color:#4a78a8}
.finding .msg{font-weight:bold}.finding .tag{display:inline-block;font-size:.85em;padding:0 .4em;margin-right:.5em;
color:#fff;border-radius:3px}.tag.error{background:#b22222}.tag.warning{background:#d98c00}.tag.info{background:#4a78a8}
blockquote{margin:.5em 0;padding:.4em .8em;background:#faf8f2;border-left:3px solid #c9b98f;white-space:pre-wrap}
blockquote .where{display:block;font-size:.85em;color:#666;white-space:normal}mark{background:#ffe08a;
padding:0 .1em}.advice{color:#333}.evidence{color:#444;font-size:.95em}.small{font-size:.85em;color:#555}
.refused{border:2px solid #b22222;padding:.8em;background:#fff5f5}
"""


def escape(text: str, quote: bool = True) -> str:
    """HTML-escaped, with control and formatting characters shown as escapes (``\\u202e``): a quoted
    direction override cannot reverse the text after it, a NUL cannot cut it."""
    return _html_escape(visible(str(text), newlines=True), quote)


@cache
def _wording() -> dict:
    return yaml.safe_load((resources.files("evalkit.audit") / "wording.yaml").read_text(encoding="utf-8"))


def audit_advice(finding_id: str) -> str:
    """The 整改建议 for a finding id."""
    return _wording()["advice"].get(finding_id) or finding_advice(finding_id)


def evidence_words(finding: dict) -> str:
    """A finding's evidence on one line, in Chinese: ``分项合计：1234.56；所称合计：1234.50``."""
    fid, evidence = finding["id"], finding.get("evidence") or {}
    if not fid.startswith("audit."):
        return evidence_text(fid, evidence, unit="万元")
    labels = _wording()["evidence"]
    parts = []
    for key, value in evidence.items():
        label, kind = labels.get(key, [None, "hidden"])
        if kind == "hidden" or label is None:
            continue
        if kind == "parts" and isinstance(value, dict):
            text = "、".join(f"{k}{show(v, 'number')}" for k, v in value.items())
        else:
            text = show(value, kind)
        parts.append(f"{label}：{text}")
    return tidy("；".join(parts))


def _page(title: str, body: str) -> str:
    return ("<!DOCTYPE html>\n<html lang='zh-CN'><head><meta charset='utf-8'>"
            f"<meta http-equiv='Content-Security-Policy' content=\"{PAGE_CSP}\">"
            f"{OWN_PAGE_MARK.decode()}"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{escape(title)}</title><style>{CSS}</style></head><body>{body}</body></html>\n")


def _quote(q: dict) -> str:
    snippet, at, parts = q["snippet"], 0, []
    for a, b in q.get("marks") or [q["mark"]]:
        if a < at:
            continue  # overlapping marks: the first one shows
        parts.append(f"{escape(snippet[at:a])}<mark>{escape(snippet[a:b])}</mark>")
        at = b
    marked = "".join(parts) + escape(snippet[at:])
    return f"<blockquote><span class='where'>原文（{escape(q['where'])}）：</span>{marked}</blockquote>"


def _findings(record: dict) -> str:
    findings = record["findings"]
    if not findings:
        return "<p>经审核，报告所列数字相互一致，未发现需要整改的问题。</p>"
    html = []
    for severity in SEVERITIES:
        items = [f for f in findings if f["severity"] == severity]
        if not items:
            continue
        html.append(f"<h3>{SEVERITY_LABELS[severity]}（{len(items)}项）</h3>")
        for n, f in enumerate(items, 1):
            evidence = evidence_words(f)
            quotes = "".join(_quote(q) for q in f.get("quotes", [])[:4])
            html.append(
                f"<div class='finding {severity}'><div><span class='tag {severity}'>{SEVERITY_LABELS[severity]}</span>"
                f"<span class='msg'>{n}. {escape(f['message'].rstrip('。'))}。</span></div>"
                + (f"<div class='evidence'>依据：{escape(evidence)}。</div>" if evidence else "")
                + quotes
                + f"<div class='advice'><strong>整改建议：</strong>{escape(audit_advice(f['id']))}</div></div>")
    return "".join(html)


#: The figures the page lists under 读取的主要数字, in order.
KEY_FIGURES = ("budget.initial", "budget.adjusted", "budget.executed", "budget.rate", "execution.weight",
               "execution.score", "reported.score", "reported.grade", "reported.evaluation_period",
               "reported.report_date")


def _figures(record: dict) -> str:
    first: dict[str, dict] = {}  # each key's first figure
    for x in record["extracted"]["figures"]:
        first.setdefault(x["key"], x)
    keys = [k for k in KEY_FIGURES if k in first] + sorted(k for k in first if k.startswith("component."))
    rows = [f"<tr><td>{escape(key_words(key))}</td><td>{escape(_printed(first[key]['printed']))}</td>"
            f"<td>{escape(first[key]['where'])}</td></tr>" for key in keys]
    rows.append(f"<tr><td>绩效指标</td><td>{escape(_indicator_words(record))}</td><td>—</td></tr>")
    return ("<table><thead><tr><th>项目</th><th>报告所列</th><th>出处</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>")


def _indicator_words(record: dict) -> str:
    """How many indicators were read, said as fact only when the whole document was read."""
    cov = record.get("coverage")
    if not cov:
        return f"{len(record['extracted']['indicators'])}项"
    return cov["words"].removeprefix("读出指标") if not cov["partial"] else cov["words"]


def _printed(text: str) -> str:
    """A figure as printed, without the spaces and line breaks a layout put inside it."""
    return "".join(text.split())


def _conclusion(record: dict) -> str:
    c = record["counts"]
    if c["error"]:
        return (f"审核发现错误{c['error']}项、警告{c['warning']}项、提示{c['info']}项。"
                "请报送单位按整改建议逐项更正，并重新报送自评材料。")
    if c["warning"]:
        return f"审核未发现数字错误，发现警告{c['warning']}项、提示{c['info']}项，请报送单位逐项说明。"
    return "审核未发现错误和警告，报告所列数字相互一致。" + (f"另有提示{c['info']}项，供参考。" if c["info"] else "")


def _reproduction(record: dict) -> str:
    p = record.get("provenance") or {}
    packages = "，".join(f"{k} {v}" for k, v in (p.get("packages") or {}).items())
    ids = "、".join(f"{i}. {f['id']}" for i, f in enumerate(record["findings"], 1)) or "无"
    return ("<h2>可复现信息</h2><p class='small'>"
            f"被审核文件：{escape(record['source'])}<br>SHA-256：{escape(p.get('sha256', '—'))}<br>"
            f"审核时间（UTC）：{escape(p.get('generated_at', '—'))}<br>"
            f"Python {escape(p.get('python', ''))}；{escape(packages)}<br>"
            f"审核规则：{escape(record.get('document', {}).get('scheme', '') if record.get('document') else '')}；"
            f"发现项编号：{escape(ids)}</p>")


def audit_page(record: dict) -> str:
    """The reviewer's page of one ``evalkit-audit/v1`` record."""
    name = record["source"].replace("\\", "/").rsplit("/", 1)[-1]
    if record["status"] != "audited":
        r = record["refused"]
        reason = _wording()["reasons"].get(r["reason"], r["reason_words"])
        body = (f"<h1>绩效自评材料审核意见</h1><p class='meta'>被审核材料：{escape(name)}</p>"
                f"<div class='refused'><strong>无法审核：{escape(r['reason_words'])}。</strong>{escape(reason)}</div>"
                + _reproduction({**record, "findings": []}))
        return _page(f"审核意见：{name}", body)
    doc = record["document"]
    kind = {"project": "项目支出绩效自评", "special": "专项资金绩效自评"}.get(doc["kind"], "部门整体支出绩效自评")
    title = doc["title"] or name
    body = (f"<h1>绩效自评材料审核意见</h1><p class='meta'>被审核材料：{escape(name)}<br>"
            f"{escape(title)}（{kind}{'，' + str(doc['year']) + '年度' if doc['year'] else ''}）</p>"
            f"<h2>审核结论</h2><p>{escape(_conclusion(record))}</p>"
            f"<h2>发现的问题及整改建议</h2>{_findings(record)}"
            f"<h2>读取的主要数字</h2>{_figures(record)}"
            + _reproduction(record))
    return _page(f"审核意见：{title}", body)


def index_page(records: list[dict], links: dict[str, str]) -> str:
    """A folder's documents ranked by errors (then warnings); ``links`` maps a source to its page."""
    def rank(r):
        refused = r["status"] != "audited"
        return (refused, -r["counts"]["error"], -r["counts"]["warning"], r["source"])

    rows = []
    for n, r in enumerate(sorted(records, key=rank), 1):
        name = r["source"].replace("\\", "/").rsplit("/", 1)[-1]
        link = links.get(r["source"])
        shown = f"<a href='{escape(link)}'>{escape(name)}</a>" if link else escape(name)
        if r["status"] == "audited":
            doc = r["document"]
            status = "已审核"
            unit, year = doc.get("department") or "—", f"{doc['year']}年度" if doc.get("year") else "—"
            read = (r.get("coverage") or {}).get("words", "—")
        else:
            status, unit, year, read = f"无法审核：{r['refused']['reason_words']}", "—", "—", "—"
        c = r["counts"]
        rows.append(f"<tr><td class='num'>{n}</td><td>{shown}</td><td>{escape(unit)}</td><td>{escape(year)}</td>"
                    f"<td class='num'>{c['error']}</td><td class='num'>{c['warning']}</td><td class='num'>{c['info']}</td>"
                    f"<td>{escape(read)}</td><td>{escape(status)}</td></tr>")
    audited = sum(1 for r in records if r["status"] == "audited")
    body = ("<h1>绩效自评材料审核汇总</h1>"
            f"<p class='meta'>共{len(records)}份材料，已审核{audited}份，无法审核{len(records) - audited}份；按错误数排序</p>"
            "<table><thead><tr><th>序号</th><th>材料</th><th>单位</th><th>年度</th><th>错误</th><th>警告</th><th>提示</th>"
            "<th>读取情况</th><th>状态</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")
    return _page("绩效自评材料审核汇总", body)
