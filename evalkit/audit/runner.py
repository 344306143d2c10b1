"""Auditing many documents: in the pool's worker processes (:mod:`evalkit.pool`), bounded in time and
memory, ``jobs`` at a time; what a run writes (one JSON record and one page per document, a folder's index page,
the params each report maps to).

A document that hangs a reader (a pathological PDF page) is stopped at ``timeout`` seconds and gets a
refused record; one that needs more memory than the worker may use gets one too; the run goes on.

>>> run = audit_paths(["/work/shared/seeds/000_80b251a725951dfe.txt"])   # doctest: +SKIP
>>> run.records[0]["counts"]["error"]                                    # doctest: +SKIP
1
"""

from __future__ import annotations

import errno
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..iorw import write_atomic
from ..outputs import AUDIT_INDEX, audit_json_name, audit_page_name, audit_params_name
from ..pool import Crash, Pool, check_timeout
from .checks import audit_checks
from .extract import extract
from .mapping import department_id, mapped_params_yaml, params_mapping
from .readers import OWN_PAGE_MARK, SUFFIXES, read_text
from .report import _provenance, audit_document, refused_record

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
                on_record: Callable[[dict], None] | None = None, force: bool = False) -> AuditRun:
    """Audit every document ``items`` name (files or folders); write the records and pages to ``out``
    and the mapped params files to ``params_out`` when given. Returns the :class:`AuditRun`.

    Nothing is written over a document being audited; an ``index.html`` that is not an audit's own
    page, or an existing params file under a mapped params file's name, is replaced only with ``force``
    (``FileExistsError`` naming it otherwise, as ``import-xlsx``). ``ValueError`` for a ``timeout``
    that is not a number of seconds from 1 to :data:`evalkit.pool.MAX_TIMEOUT`."""
    check_timeout(timeout)
    started = time.perf_counter()
    docs = documents(items)
    index = len(docs) > 1 or any(Path(i).is_dir() for i in items)
    if out is not None:
        _refuse_overwrite(docs, Path(out), index=index, force=force)
    records = _run(docs, jobs=jobs or os.cpu_count() or 1, timeout=timeout, on_record=on_record)
    run = AuditRun(records)
    if out is not None:
        run.written += write_outputs(records, Path(out), index=index)
    if params_out is not None:
        run.written += write_mapped_params(records, Path(params_out), inputs=[p for p, _ in docs], force=force)
    run.seconds = time.perf_counter() - started
    return run


def _refuse_overwrite(docs, out: Path, *, index: bool, force: bool) -> None:
    """Before anything runs: no output may land on a document being audited (``--out`` the reports'
    own folder holding an ``index.html``), and an ``index.html`` that is not an audit's page is
    replaced only with ``force``."""
    inputs = {p.resolve() for p, _ in docs}
    names = _names([{"source": shown} for _, shown in docs])
    targets = [out / f(n) for n in names.values() for f in (audit_json_name, audit_page_name)]
    targets += [out / AUDIT_INDEX.filename] if index else []
    for target in targets:
        if target.resolve() in inputs:
            raise FileExistsError(errno.EEXIST, "is a report being audited; the audit would write over it: "
                                                "choose another --out folder", str(target))
    page = out / AUDIT_INDEX.filename
    if index and not force and (page.exists() or page.is_symlink()) and not _own_page(page):
        raise FileExistsError(errno.EEXIST, "exists and is not an audit index page; use --force to replace it "
                                            "or choose another --out folder", str(page))


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

    from .review_pages import audit_page

    ex = extract(read_text(_WARM_UP, "warm-up.txt"))
    audit_checks(ex, params_mapping(ex))  # parse_target too: the warm-up states an indicator
    audit_page({"source": "x", "status": "refused", "refused": {"reason": "failed", "reason_words": "",
                                                               "message": ""}, "findings": []})
    _provenance(None)
    try:
        import pdfplumber  # noqa: F401
        from pdfminer.pdfdocument import PDFPasswordIncorrect  # noqa: F401
    except ImportError:  # pragma: no cover - a declared dependency
        pass
    _warmed = True


def _audit_one(path: str, shown: str) -> dict:
    """One document's record, in a worker (as JSON gives it: what crosses from a worker is plain data)."""
    try:
        record = audit_document(path, shown=shown)
    except MemoryError:
        record = refused_record(shown, "too_large", f"reading it needs more than {MEMORY // 2**20} MB of memory")
    except RecursionError:
        record = refused_record(shown, "corrupt", "its structure is nested too deeply to read")
    except Exception as exc:  # a reader's bug must not cost the other documents their audit
        record = refused_record(shown, "failed", f"unexpected {type(exc).__name__}: {exc} (please report this)")
    return json.loads(json.dumps(record, ensure_ascii=False, default=str))


def _run(docs, *, jobs: int, timeout: float, on_record) -> list[dict]:
    """Every document audited in the pool (:mod:`evalkit.pool`: forked from this warmed-up process, each
    bounded by ``timeout`` and :data:`MEMORY`); records in the documents' order, each settled as it comes."""
    if not docs:
        return []
    _warm()
    records: list[dict | None] = [None] * len(docs)
    with Pool(jobs, timeout=timeout, memory=MEMORY, context="fork") as pool:
        for i, record in pool.imap(_audit_one, [(str(path), shown) for path, shown in docs]):
            if isinstance(record, Crash):
                path, shown = docs[i]
                record = (refused_record(shown, "timeout", f"reading it took longer than {timeout:g} s; the audit "
                                                           "stopped it", path=path) if record.kind == "timeout"
                          else refused_record(shown, "failed", f"the worker stopped ({record.error}); the file "
                                                               "may be pathological"))
            records[i] = record
            if on_record is not None:
                on_record(record)
    return [r for r in records if r is not None]


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
    from .review_pages import audit_page, index_page

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


def write_mapped_params(records: list[dict], folder: Path, *, inputs=(), force: bool = False) -> list[Path]:
    """A mapped params file per audited document: ``<department-id>.yaml``. An existing file under its
    name (a department's real params file, an analyst's finished one) is replaced only with
    ``force``, a document in ``inputs`` never: ``FileExistsError`` naming them, and nothing written."""
    files, used = [], set()
    for r in records:
        if r["status"] != "audited":
            continue
        mapping = r["draft"]["params"]
        ident = department_id(Path(r["source"]).stem, mapping["department"].get("year"))
        while ident in used:
            ident += "-x"
        used.add(ident)
        mapping = {**mapping, "department": {**mapping["department"], "id": ident}}
        if "project" in mapping:  # a project table rolls up into the department the params file names
            mapping["project"] = {**mapping["project"], "department": ident}
        text = mapped_params_yaml(mapping, notes=r["draft"]["notes"], source=Path(r["source"]).name)
        files.append((folder / audit_params_name(ident), text))
    documents_read = {Path(p).resolve() for p in inputs}
    taken = [t for t, _ in files if t.resolve() in documents_read or (not force and (t.exists() or t.is_symlink()))]
    if taken:
        more = f" and {len(taken) - 1} more" if len(taken) > 1 else ""
        raise FileExistsError(errno.EEXIST, f"exists{more}; the params files were not written: use --force to replace "
                                            "them or choose another --params-out folder", str(taken[0]))
    folder.mkdir(parents=True, exist_ok=True)
    return [write_atomic(target, text.encode("utf-8")) for target, text in files]

