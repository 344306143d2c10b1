"""The ``evalkit run`` job: a batch, its index pages and a summary table; returns the exit code."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

from .index import INVALID_DIR, write_index
from .iorw import write_atomic
from .runner import APPENDIX_FORMATS, FORMATS, Outcome, run_batch, run_overview
from .text import table

STATUS = {"ok": "成功 ok", "skipped": "未变 skipped", "failed": "失败 FAILED"}


def run(items, *, out: Path = Path("reports"), jobs: int | None = None, force: bool = False, formats=FORMATS,
        timeout: float = 600, progress: bool | None = None, stream=None) -> int:
    """Run a batch, write indexes, print the summary; 0 when every department succeeded."""
    stream = stream or sys.stdout
    interactive = progress is not False and sys.stderr.isatty()

    def report(outcome: Outcome) -> None:
        if not interactive:
            print(f"{STATUS[outcome.status]:<14} {outcome.department_id or outcome.params}"
                  f"  {outcome.seconds:.1f}s", file=sys.stderr, flush=True)

    outcomes = run_batch(items, out, jobs=jobs, force=force, formats=formats, timeout=timeout,
                         progress=interactive, on_outcome=report)
    _record_invalid(Path(out), outcomes)
    years = sorted({o.year for o in outcomes if o.year is not None})
    outcomes += _overviews(items, Path(out), years, outcomes, force=force, formats=formats, timeout=timeout,
                           report=report)
    indexes = [write_index(Path(out), year) for year in years]
    print(summary(outcomes), file=stream)
    for path in indexes:
        print(f"index: {path}", file=stream)
    failed = [o for o in outcomes if o.failed]
    for o in failed:
        print(f"\nFAILED {o.params}: {o.error_kind}\n{o.error}", file=stream)
        if o.out_dir:
            print(f"  partial notebook and error.json kept in {o.out_dir}", file=stream)
    return 1 if failed else 0


def _overviews(items, out: Path, years, outcomes, *, force, formats, timeout, report) -> list[Outcome]:
    """One district overview per year, when the batch is one folder and something changed."""
    folders = {Path(i) for i in items if Path(i).is_dir()}
    if len(folders) != 1 or len(folders) != len(list(items)):
        return []
    folder = folders.pop()
    wanted = [f"overview.{f}" for f in formats if f in APPENDIX_FORMATS]
    if not wanted:  # --formats docx,xlsx: no appendices, so no overview either
        return []
    done = []
    for year in years:
        changed = any(o.year == year and o.status != "skipped" for o in outcomes)
        if force or changed or not all((out / str(year) / name).is_file() for name in wanted):
            outcome = run_overview(folder, out, year, formats=formats, timeout=timeout)
            report(outcome)
            done.append(outcome)
    return done


def summary(outcomes: list[Outcome]) -> str:
    rows = []
    for o in outcomes:
        f = o.findings
        counts = f"{f.get('error', 0)}/{f.get('warning', 0)}/{f.get('info', 0)}" if f else "—"
        rows.append([o.name or Path(o.params).name, o.score or "—", o.grade or "—", counts, STATUS[o.status],
                     f"{o.seconds:.1f}s" if o.status != "skipped" else "—"])
    departments = [o for o in outcomes if o.department_id != "overview"]
    done = sum(1 for o in departments if o.status == "ok")
    skipped = sum(1 for o in departments if o.status == "skipped")
    failed = sum(1 for o in departments if o.failed)
    overviews = [f"overview {o.year}: {o.status}" for o in outcomes if o.department_id == "overview"]
    head = table(["部门", "得分", "评价等级", "问题 错误/警告/提示", "状态", "用时"], rows, right={1, 5})
    tail = f"; {', '.join(overviews)}" if overviews else ""
    return f"{head}\n{len(departments)} departments: {done} run, {skipped} unchanged, {failed} failed{tail}"


def _record_invalid(out: Path, outcomes: list[Outcome]) -> None:
    """Params files that could not be read have no year: keep their error beside the years."""
    folder = out / INVALID_DIR
    for o in outcomes:
        path = folder / f"{Path(o.params).stem}.json"
        if o.failed and o.year is None:
            folder.mkdir(parents=True, exist_ok=True)
            write_atomic(path, json.dumps(asdict(o), ensure_ascii=False, indent=2).encode("utf-8"))
        else:
            path.unlink(missing_ok=True)
