"""One document audited: the ``evalkit-audit/v1`` record.

>>> record = audit_document("/work/shared/seeds/000_80b251a725951dfe.txt")   # doctest: +SKIP
>>> record["schema"], record["status"]                                      # doctest: +SKIP
('evalkit-audit/v1', 'audited')

A record has ``schema``, ``source`` (the path as given), ``status`` (``audited`` or ``refused``),
``format``, ``document`` (title, kind, department, year), ``extracted`` (every figure with its
location and quote, the indicators, what could not be read), ``findings`` (``id``, ``severity``,
``message``, ``evidence``, ``location``, ``quotes``, ``where``), ``counts`` by severity, ``skipped`` (the core's
checks that need what the report does not state: ``check`` and its ``unknown`` keys with why), ``draft`` (the
mapped params: the mapping, the keys left null and why) and ``provenance`` (sha256 of the file, versions). A refused
document has ``refused`` {``reason``, ``reason_words``, ``message``} instead of the figures.
"""

from __future__ import annotations

import hashlib
import platform
from dataclasses import asdict
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

from ..core.findings import SEVERITIES, WHOLE
from ..core.provenance import version_of
from .checks import audit_checks, finding_dict
from .coverage import coverage, drop_cut_row, identify
from .extract import extract
from .mapping import params_mapping
from .readers import MAX_BYTES, read_document
from .source_document import REASONS, DocumentRefused
from .table_checks import table_findings
from .tables import has_block
from .text import fold

AUDIT_SCHEMA = "evalkit-audit/v1"
#: Words a self-evaluation cannot do without; a document with none of them is refused.
SELF_EVALUATION_WORDS = (("绩效",), ("自评", "评价", "自评表"))


def audit_document(path: str | Path, *, shown: str | None = None) -> dict:
    """Read, extract and check one document; a document that cannot be read gives a refused record."""
    shown = shown or str(path)
    try:
        doc = read_document(path, shown=shown)
        head = fold(doc.text()[:6000])
        # a 自评表 without the words in its opening (单位名称：… 填报日期：…) is still a form: an indicator block
        if not all(any(w in head for w in group) for group in SELF_EVALUATION_WORDS) and not has_block(doc, "indicators"):
            raise DocumentRefused(shown, "not_self_evaluation",
                                  "this does not look like a performance self-evaluation (no 绩效 … 自评/评价 in "
                                  "its opening); expected a 部门整体支出 or 项目支出 绩效自评 report or table")
    except DocumentRefused as exc:
        return refused_record(shown, exc.reason, str(exc), path=path)
    ex = extract(doc)
    identify(doc, ex)
    cov = drop_cut_row(doc, ex, coverage(doc, ex))
    mapped = params_mapping(ex)
    if cov.get("truncated"):  # what adds every row up is skipped, with why
        mapped.unknown[WHOLE] = "文档在总分之前截断，指标未读全"
    findings, skipped = audit_checks(ex, mapped)
    findings += table_findings(doc, ex, cov, findings)
    findings.sort(key=lambda f: SEVERITIES.index(f.severity))
    return {
        "schema": AUDIT_SCHEMA,
        "source": shown,
        "status": "audited",
        "format": doc.format,
        "pages": doc.pages,
        "document": {"title": ex.title, "kind": ex.kind, "department": ex.department, "year": ex.year,
                     "scheme": mapped.scheme.id},
        "extracted": ex.to_dict(),
        "coverage": cov,
        "findings": [finding_dict(f) for f in findings],
        "counts": {s: sum(1 for f in findings if f.severity == s) for s in SEVERITIES},
        "skipped": [asdict(s) for s in skipped],
        "draft": {"params": _jsonable(mapped.mapping), "missing": mapped.missing, "notes": mapped.notes},
        "provenance": _provenance(path),
    }


def refused_record(shown: str, reason: str, message: str, *, path=None) -> dict:
    """The record of a document the audit could not read: one reason, in English and in Chinese."""
    return {"schema": AUDIT_SCHEMA, "source": shown, "status": "refused",
            "refused": {"reason": reason, "reason_words": REASONS.get(reason, reason), "message": message},
            "extracted": None, "findings": [], "counts": {s: 0 for s in SEVERITIES},
            "provenance": _provenance(path) if path is not None else {}}


def _provenance(path) -> dict:
    info = {"generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "python": platform.python_version()}
    try:
        p = Path(path or "")
        if path is not None and p.is_file() and p.stat().st_size <= MAX_BYTES:
            info["sha256"] = hashlib.sha256(p.read_bytes()).hexdigest()
    except OSError:
        pass
    # the installed versions of evalkit and its readers (looked up once per process, before forking)
    if packages := {p: v for p in ("evalkit", "pdfplumber", "python-docx", "lxml") if (v := version_of(p))}:
        info["packages"] = packages
    return info


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and "." not in f"{value}" else float(value)
    if isinstance(value, date):
        return value.isoformat()
    return value
