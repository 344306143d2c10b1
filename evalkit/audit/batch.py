"""Auditing many documents: each in a worker process of its own, bounded in time and memory, ``jobs`` at a
time; what a run writes (one JSON record and one page per document, a folder's index page, draft params).

A document that hangs a reader (a pathological PDF page) is stopped at ``timeout`` seconds and gets a
refused record; one that needs more memory than the worker may use gets one too; the run goes on.

>>> run = audit_paths(["/work/shared/seeds/000_80b251a725951dfe.txt"])   # doctest: +SKIP
>>> run.records[0]["counts"]["error"]                                    # doctest: +SKIP
1
"""

from __future__ import annotations

import json
import multiprocessing
import os
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path

from ..iorw import write_atomic
from ..outputs import AUDIT_INDEX, audit_draft_name, audit_json_name, audit_page_name
from .mapping import department_id, draft_yaml
from .readers import OWN_PAGE_MARK, SUFFIXES
from .report import audit_document, refused_record

#: Seconds one document may take (reading, extracting, checking) before it is stopped.
TIMEOUT = 60.0
#: Memory (address space) a worker may add to what it inherits, in bytes.
MEMORY = 2 * 1024**3


@dataclass
class AuditRun:
    """The records of a run, in the order the documents were named, and the files it wrote."""

    records: list[dict]
    written: list[Path] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> list[dict]:
        """Records of documents that could not be audited."""
        return [r for r in self.records if r["status"] != "audited"]

    @property
    def errors(self) -> int:
        return sum(r["counts"]["error"] for r in self.records)


def documents(items) -> list[tuple[Path, str]]:
    """``(path, shown)`` for every document ``items`` name: files as given (whatever their suffix: an
    unsupported one gets its reason), and in a folder every report file below it, sorted."""
    found, seen = [], set()
    for item in items:
        p = Path(item)
        if p.is_dir():
            for x in sorted(p.rglob("*")):
                if (x.is_file() and x.suffix.lower() in SUFFIXES and not x.name.startswith(".")
                        and ".audit." not in x.name and x not in seen and not _own_page(x)):
                    seen.add(x)
                    found.append((x, str(x)))
        elif p not in seen:
            seen.add(p)
            found.append((p, str(item)))
    return found


def _own_page(path: Path) -> bool:
    """Whether ``path`` is a page an earlier audit wrote (its index, for one)."""
    if path.suffix.lower() not in (".html", ".htm"):
        return False
    try:
        with path.open("rb") as handle:
            return OWN_PAGE_MARK in handle.read(4096)
    except OSError:
        return False


def audit_paths(items, *, out: str | Path | None = None, params_out: str | Path | None = None,
                jobs: int | None = None, timeout: float = TIMEOUT,
                on_record: Callable[[dict], None] | None = None) -> AuditRun:
    """Audit every document ``items`` name (files or folders); write the records and pages to ``out``
    and draft params files to ``params_out`` when given. Returns the :class:`AuditRun`."""
    started = time.perf_counter()
    docs = documents(items)
    records = _run(docs, jobs=jobs or os.cpu_count() or 1, timeout=timeout, on_record=on_record)
    run = AuditRun(records)
    if out is not None:
        run.written += write_outputs(records, Path(out), index=len(records) > 1 or any(Path(i).is_dir() for i in items))
    if params_out is not None:
        run.written += write_drafts(records, Path(params_out))
    run.seconds = time.perf_counter() - started
    return run


# --- workers -------------------------------------------------------------------------------------

#: A tiny report the parent audits once before forking, so every worker starts with the libraries
#: imported, the word lists loaded and the regular expressions compiled.
_WARM_UP = ("示例区某局2023年度部门整体支出绩效自评报告\n\n一、部门基本情况\n\n我局主要职能包括以下2个方面：甲；乙。"
            "本单位核定编制4人，在职人员3人，离退休人员1人。\n\n年初预算安排100.00万元，调整预算数120.00万元，"
            "全年执行数114.00万元，预算执行率95.00%。其中基本支出全年预算数20.00万元，全年执行数19.00万元；"
            "本年收入合计10.00万元，比上年增加1.00万元，增长11.11%。\n\n公文处理件数：年度指标值≥100件，"
            "实际完成值120件，分值90分，得分90分。\n\n一\t二\t三\n\n预算执行率分值10分，得分9.5分。"
            "自评得分99.5分，评价等级为优。2024年3月1日至2024年3月9日开展自评。\n\n2024年3月10日\n")
_warmed = False


def _warm() -> None:
    """Load what every worker needs once, before forking (workers then start in milliseconds)."""
    global _warmed
    if _warmed:
        return
    import lxml.etree  # noqa: F401
    import lxml.html  # noqa: F401

    from .checks import audit_checks
    from .extract import extract, parse_target
    from .mapping import params_mapping
    from .page import audit_page
    from .readers import read_text
    from .report import _provenance

    ex = extract(read_text(_WARM_UP, "warm-up.txt"))
    audit_checks(ex, params_mapping(ex))
    parse_target("≥1件")
    audit_page({"source": "x", "status": "refused", "refused": {"reason": "failed", "reason_words": "",
                                                               "message": ""}, "findings": []})
    _provenance(None)
    try:
        import pdfplumber  # noqa: F401
        from pdfminer.pdfdocument import PDFPasswordIncorrect  # noqa: F401
    except ImportError:  # pragma: no cover - a declared dependency
        pass
    _warmed = True


def _limit_memory() -> None:
    try:
        with open("/proc/self/statm") as handle:
            current = int(handle.read().split()[0]) * resource.getpagesize()
        resource.setrlimit(resource.RLIMIT_AS, (current + MEMORY, current + MEMORY))
    except (OSError, ValueError):
        pass


def _child(conn, path: str, shown: str) -> None:
    _limit_memory()
    try:
        record = audit_document(path, shown=shown)
    except MemoryError:
        record = refused_record(shown, "too_large", f"reading it needs more than {MEMORY // 2**20} MB of memory")
    except RecursionError:
        record = refused_record(shown, "corrupt", "its structure is nested too deeply to read")
    except Exception as exc:  # a reader's bug must not cost the other documents their audit
        record = refused_record(shown, "failed", f"unexpected {type(exc).__name__}: {exc} (please report this)")
    try:
        conn.send_bytes(json.dumps(record, ensure_ascii=False, default=str).encode("utf-8"))
    finally:
        conn.close()


def _run(docs, *, jobs: int, timeout: float, on_record) -> list[dict]:
    if not docs:
        return []
    try:
        ctx = multiprocessing.get_context("fork")
    except ValueError:  # pragma: no cover - platforms without fork audit in this process, unbounded
        return [_settle(audit_document(p, shown=s), on_record) for p, s in docs]
    _warm()
    results: list[dict | None] = [None] * len(docs)
    pending = list(enumerate(docs))
    running: dict = {}  # connection → (index, process, deadline, chunks)
    while pending or running:
        while pending and len(running) < max(1, jobs):
            i, (path, shown) = pending.pop(0)
            receiver, sender = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_child, args=(sender, str(path), shown), daemon=True)
            proc.start()
            sender.close()
            running[receiver] = (i, proc, time.monotonic() + timeout)
        now = time.monotonic()
        soonest = min(d for _, _, d in running.values())
        for conn in wait(list(running), timeout=max(0.0, soonest - now)):
            i, proc, _ = running.pop(conn)
            try:
                record = json.loads(conn.recv_bytes().decode("utf-8"))
            except (EOFError, OSError, ValueError):
                proc.join(5)
                shown = docs[i][1]
                record = refused_record(shown, "failed", f"the worker stopped (exit code {proc.exitcode}) "
                                                         "before it finished; the file may be pathological")
            conn.close()
            proc.join(5)
            results[i] = _settle(record, on_record)
        now = time.monotonic()
        for conn, (i, proc, deadline) in list(running.items()):
            if now >= deadline:
                proc.kill()
                proc.join(5)
                conn.close()
                del running[conn]
                shown = docs[i][1]
                results[i] = _settle(refused_record(shown, "timeout", f"reading it took longer than {timeout:g} s; "
                                                                      "the audit stopped it", path=docs[i][0]),
                                     on_record)
    return [r for r in results if r is not None]


def _settle(record: dict, on_record) -> dict:
    if on_record is not None:
        on_record(record)
    return record


# --- outputs -------------------------------------------------------------------------------------

def _names(records: list[dict]) -> dict[str, str]:
    """A distinct file-name stem per record, from the document's own name."""
    names, used = {}, set()
    for r in records:
        base = Path(r["source"]).name or "document"
        name, n = base, 1
        while name in used:
            n += 1
            name = f"{base}-{n}"
        used.add(name)
        names[r["source"]] = name
    return names


def write_outputs(records: list[dict], out: Path, *, index: bool) -> list[Path]:
    """Per document ``<name>.audit.json`` and ``<name>.audit.html``; with ``index``, ``index.html``."""
    from .page import audit_page, index_page

    out.mkdir(parents=True, exist_ok=True)
    names, written, links = _names(records), [], {}
    for r in records:
        name = names[r["source"]]
        written.append(write_atomic(out / audit_json_name(name),
                                    (json.dumps(r, ensure_ascii=False, indent=2) + "\n").encode("utf-8")))
        written.append(write_atomic(out / audit_page_name(name), audit_page(r).encode("utf-8")))
        links[r["source"]] = audit_page_name(name)
    if index:
        written.append(write_atomic(out / AUDIT_INDEX.filename, index_page(records, links).encode("utf-8")))
    return written


def write_drafts(records: list[dict], folder: Path) -> list[Path]:
    """A draft params file per audited document: ``<department-id>.yaml``."""
    folder.mkdir(parents=True, exist_ok=True)
    written, used = [], set()
    for r in records:
        if r["status"] != "audited":
            continue
        mapping = r["draft"]["params"]
        ident = department_id(Path(r["source"]).stem, mapping["department"].get("year"))
        while ident in used:
            ident += "-x"
        used.add(ident)
        mapping = {**mapping, "department": {**mapping["department"], "id": ident}}
        text = draft_yaml(mapping, notes=r["draft"]["notes"], source=Path(r["source"]).name)
        written.append(write_atomic(folder / audit_draft_name(ident), text.encode("utf-8")))
    return written

