"""What ``evalkit audit`` prints: per document a status line, then each finding with its location and
the quoted text (findings are in Chinese, the rest in English)."""

from __future__ import annotations

from ..core.findings import SEVERITIES
from ..core.source import visible

MARKS = {"error": "ERROR", "warning": "WARN ", "info": "info "}


def render_records(records: list[dict], *, quotes: bool = True) -> str:
    """The terminal report of audit records; a report's text is shown, never obeyed (an ESC sequence
    in a quote is printed as ``\\x1b``, as ``--json`` writes it)."""
    return "\n".join(visible(line) for line in _lines(records, quotes))


def _lines(records: list[dict], quotes: bool) -> list[str]:
    out = []
    for r in records:
        if r["status"] != "audited":
            out.append(f"REFUSED {r['source']}: {r['refused']['message'].removeprefix(r['source'] + ': ')}")
            continue
        c, doc = r["counts"], r["document"]
        what = " ".join(x for x in (doc.get("department") or "", f"{doc['year']}" if doc.get("year") else "",
                                    doc["kind"]) if x)
        out.append(f"{r['source']} ({r['format']}, {what}): {c['error']} error, {c['warning']} warning, "
                   f"{c['info']} info; {len(r['extracted']['figures'])} figures, {_read(r)}")
        for f in sorted(r["findings"], key=lambda f: SEVERITIES.index(f["severity"])):
            out.append(f"  {MARKS[f['severity']]} [{f['location']['where']}] {f['message']}")
            for q in f.get("quotes", [])[:2] if quotes else ():
                snippet, at, text = q["snippet"].replace("\n", " "), 0, ""
                for a, b in q.get("marks") or [q["mark"]]:
                    if a >= at:
                        text += f"{snippet[at:a]}【{snippet[a:b]}】"
                        at = b
                out.append(f"        “{_short(text + snippet[at:], q['mark'][0])}”")
    return out


def _read(record: dict) -> str:
    """How many indicators were read, as fact only when the document was read whole."""
    cov, n = record.get("coverage") or {}, len(record["extracted"]["indicators"])
    if not cov.get("partial"):
        return f"{n} indicators read"
    listed = f" of {cov['indicators_listed']} listed" if cov.get("indicators_listed", n) > n else ""
    cut = ", the copy stops before 总分" if cov.get("truncated") else ""
    return f"{n} indicators read{listed} (partial reading{cut})"


def _short(text: str, around: int, limit: int = 90) -> str:
    if len(text) <= limit:
        return text
    start = max(0, min(around - 20, len(text) - limit))
    return ("…" if start else "") + text[start:start + limit] + ("…" if start + limit < len(text) else "")


def render_summary(run) -> str:
    """One closing line: documents, errors, refused, seconds."""
    refused = len(run.failed)
    return (f"{len(run.records)} document(s) audited in {run.seconds:.1f}s: {run.errors} error finding(s)"
            + (f", {refused} could not be read" if refused else ""))
