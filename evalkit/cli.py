"""The ``evalkit`` command: parse arguments, call one public function, set the exit code.

Exit codes: 0 ok; 1 a department failed, a file has errors or cannot be written, another run
holds the output folder, or (``audit``) a document could not be read or has error findings; 2 usage
error; 130 interrupted (Ctrl-C); 143 terminated (SIGTERM); 129 hung up (SIGHUP: the terminal closed).
An interrupted or terminated run (or audit) stops its workers and their kernels before it exits.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import signal
import sys
from pathlib import Path

from .exceptions import EvalkitError

log = logging.getLogger("evalkit")

#: ``evalkit run`` names a stale folder's reason (:data:`evalkit.outputs.STALE_REASONS`) so.
STALE_WHY = {
    "absent": "its params file {params} is not in this run",
    "reassigned": "its params file {params} now gives another department (department.id changed)",
    "unknown": "no params file of this run produces it",
}


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread so that the run stops its workers on the way out."""


def _json_for_terminal(doc) -> str:
    """JSON as ``json.dumps(ensure_ascii=False)`` writes it, with the characters a terminal would obey
    rather than show (C1 controls such as CSI U+009B, direction overrides, line separators) escaped
    as ``\\u009b``: still the same JSON, and a quoted report cannot drive the terminal."""
    from .core.source import visible

    text = json.dumps(doc, ensure_ascii=False, indent=2)
    if text.isascii():
        return text
    return "".join(json.dumps(ch)[1:-1] if visible(ch, newlines=True) != ch else ch for ch in text)


def _cmd_score(args) -> int:
    from .core.evaluation import evaluate
    from .core.source import visible
    from .publish.terminal import render_evaluation

    ev = evaluate(args.params, scheme=args.scheme, bureau=args.bureau)
    if args.json:
        sys.stdout.write(_json_for_terminal(ev.to_dict()) + "\n")
    else:
        print(visible(render_evaluation(ev), newlines=True))  # names are checked; this is the second line of defence
    return 0


def _cmd_validate(args) -> int:
    """The department params files among ``args.params``, then the project tables (``kind: project``):
    each is validated and scored on its own, and a project table must belong to a department validated
    beside it (same folder, its ``project.department`` and year), or no run would ever check or publish it."""
    from .paths import params_files, project_params_files

    failed, departments = 0, set()
    listed = [(path, False) for path in params_files(args.params)]
    for path, project in [*listed, *((path, True) for path in project_params_files(args.params))]:
        ev = _validated(path, args)
        if ev is None:
            failed += 1
            continue
        d, counts = ev.params.department, ev.severity_counts()
        if project and (Path(path).resolve().parent, d.id, d.year) not in departments:
            failed += 1
            print(f"FAIL {path}:{ev.params.line('project.department') or ''} project.department: {d.id!r} ({d.year}) names no "
                  f"department params file in {Path(path).parent} that validates with year {d.year}; a project "
                  f"table is checked and published only with its department's", file=sys.stderr)
            continue
        print(f"ok   {path}  ({f'project of {d.id}: ' if project else ''}{counts['error']} error, "
              f"{counts['warning']} warning, {counts['info']} info findings)")
        if not project:
            departments.add((Path(path).resolve().parent, d.id, d.year))
    return 1 if failed else 0


def _validated(path, args):
    """``path`` evaluated for ``evalkit validate``, or None once its error is printed (one unreadable
    file must not hide the verdict on the others)."""
    from .core.evaluation import evaluate

    try:
        return evaluate(path, scheme=args.scheme, bureau=args.bureau)
    except EvalkitError as exc:
        print(f"FAIL {exc}", file=sys.stderr)
    except Exception as exc:
        print(f"FAIL {path}: unexpected {type(exc).__name__}: {exc} (please report this)", file=sys.stderr)
    return None


def _cmd_demo_data(args) -> int:
    from .demo.generate import generate

    written = generate(Path(args.out), seed=args.seed, count=args.count, year=args.year)
    if (args.seed, args.count, args.year) == (2023, 24, 2023):  # the shipped district: the bureau's side too
        from .demo.review import write_review_demo

        review = write_review_demo(Path(args.out), Path(args.out) / "review-demo")
        print(f"wrote {len(review)} files of the bureau's review, 整改 and 结果应用 example to {args.out}/review-demo/")
    print(f"wrote {len(written)} files of the illustrative district (示例数据) to {args.out}/; "
          f"what is planted where: {Path(args.out) / 'DEMO.md'}")
    return 0


def _bureau_option(p) -> None:
    p.add_argument("--bureau", help="the finance bureau's file (evalkit-bureau/v1) or an example preset id "
                                    "(example-strict, example-lenient); default: bureau.yaml beside the params")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="evalkit", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("score", help="evaluate one params file and print the result")
    p.add_argument("params", help="a params YAML file (schema evalkit/v1)")
    p.add_argument("--scheme", help="scheme id (mof-2020, seed-85-75-60) or path; default: the params' own")
    p.add_argument("--json", action="store_true", help="print the evalkit-result/v1 JSON document")
    _bureau_option(p)
    p.set_defaults(func=_cmd_score)

    p = sub.add_parser("validate", help="check params files (or folders of them); non-zero exit on errors")
    p.add_argument("params", nargs="+", help="params files or folders")
    p.add_argument("--scheme", help="scheme id or path to use instead of each file's own")
    _bureau_option(p)
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("demo-data", help="write the illustrative district (示例数据) with planted findings")
    p.add_argument("--seed", type=int, default=2023, help="random seed; the same seed writes the same files (default: 2023)")
    p.add_argument("--count", type=_count, default=24,
                   help="number of departments, 20-20000; above 30, a province of cities and counties (default: 24)")
    p.add_argument("--year", type=int, default=2023, help="fiscal year (default: 2023)")
    p.add_argument("--out", default="params", help="output folder (default: params/)")
    p.set_defaults(func=_cmd_demo_data)

    p = sub.add_parser("run", help="run department notebooks and publish appendices (incremental, parallel)")
    p.add_argument("params", nargs="*", default=["params"], help="params files or folders (default: params/)")
    p.add_argument("--out", default="reports", help="output folder (default: reports/)")
    p.add_argument("--jobs", "-j", type=_jobs, default=None, help="worker processes (default: CPU count)")
    p.add_argument("--force", action="store_true", help="re-run departments whose inputs are unchanged")
    p.add_argument("--formats", default="html,pdf,docx,xlsx", type=_formats,
                   help="file types, comma-separated, each one type: html and pdf (the appendix, 自评报告 and "
                        "复核意见书 as .html, as .pdf), docx (自评报告 and 复核意见书 as .docx), xlsx (绩效自评表.xlsx); "
                        "project tables likewise (default: all four)")
    p.add_argument("--timeout", type=_timeout, default=600,
                   help="seconds one department may take, at least 1 (default: 600)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar (one line per department)")
    p.add_argument("--engine", choices=("pool", "dask"), default=None,
                   help="where departments run: pool (worker processes here, the default) or dask (a loopback "
                        "Dask LocalCluster of --jobs workers; needs the 'dask' extra)")
    p.add_argument("--cluster", metavar="URL",
                   help="an existing Dask scheduler, tls://HOST:PORT (implies --engine dask); workers write into "
                        "--out, which every worker machine must share")
    p.add_argument("--tls-ca-file", help="CA certificate that signed the scheduler's (for --cluster tls://)")
    p.add_argument("--tls-cert", help="this client's TLS certificate (for --cluster tls://)")
    p.add_argument("--tls-key", help="this client's TLS private key (for --cluster tls://)")
    p.add_argument("--allow-insecure", action="store_true",
                   help="accept a plain tcp:// --cluster (anyone who can reach it can run code on its workers)")
    _bureau_option(p)
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("audit", help="check published self-evaluation reports (.txt, .docx, .pdf, .html)")
    p.add_argument("paths", nargs="+", help="report files or folders of them")
    p.add_argument("--json", action="store_true",
                   help="print the evalkit-audit/v1 record (a JSON list when there are several documents)")
    p.add_argument("--out", help="folder for <name>.audit.json and <name>.audit.html per document (and index.html)")
    p.add_argument("--params-out",
                   help="folder for the evalkit/v1 params file each audited document maps to (to be checked)")
    p.add_argument("--jobs", "-j", type=_jobs, default=None, help="worker processes (default: CPU count)")
    p.add_argument("--timeout", type=_timeout, default=60,
                   help="seconds one document may take, 1 to 86400 (default: 60)")
    p.add_argument("--force", action="store_true",
                   help="replace an index.html that is not an audit's, or existing params files under the mapped "
                        "params files' names")
    p.set_defaults(func=_cmd_audit)

    p = sub.add_parser("import-xlsx", help="read a filled-in 绩效自评表.xlsx back into a params file")
    p.add_argument("table", help="the scoring table (.xlsx, the layout `evalkit run` writes)")
    p.add_argument("-o", "--output", help="params YAML to write (default: print it)")
    p.add_argument("--force", action="store_true", help="overwrite an existing output file")
    p.set_defaults(func=_cmd_import_xlsx)

    p = sub.add_parser("monitoring-template", help="write a CSV/XLSX table for entering 1–N月 monitoring (双监控)")
    p.add_argument("params", nargs="+", help="params files or folders whose indicators the table lists")
    p.add_argument("-o", "--output", required=True, help="the table to write (.csv or .xlsx)")
    p.add_argument("--month", type=int, default=7, choices=range(1, 13), metavar="N", help="1–N月 (default 7)")
    p.set_defaults(func=_cmd_monitoring_template)
    p = sub.add_parser("monitoring-import", help="read a filled-in monitoring table into <stem>.monitoring.yaml files")
    p.add_argument("table", help="the filled-in table (.csv or .xlsx)")
    p.add_argument("--params-dir", default="params", help="the folder of the params files (default: params)")
    p.set_defaults(func=_cmd_monitoring_import)
    return parser


def _cmd_monitoring_template(args) -> int:
    from .monitoring.table import write_template
    from .paths import params_files

    written = write_template(params_files(args.params), args.output, month=args.month)
    print(f"wrote {written}")
    return 0


def _cmd_monitoring_import(args) -> int:
    from .core.source import visible
    from .monitoring.table import import_template

    written, problems = import_template(args.table, args.params_dir)
    for path in written:
        print(f"wrote {visible(str(path))}")
    for problem in problems:  # a cell's text is shown escaped, never obeyed by the terminal
        print(f"FAIL {visible(str(problem))}", file=sys.stderr)
    return 1 if problems else 0


def _count(text: str) -> int:
    from .demo.generate import MAX_COUNT, MIN_COUNT

    return _whole(text, MIN_COUNT, MAX_COUNT, "departments", "a whole number")


def _formats(text: str) -> tuple[str, ...]:
    from .outputs import FORMATS

    items = tuple(dict.fromkeys(x.strip() for x in text.split(",") if x.strip()))
    unknown = [x for x in items if x not in FORMATS]
    if unknown or not items:
        raise argparse.ArgumentTypeError(f"unknown format(s) {', '.join(unknown) or '(none)'}; "
                                         f"choose from {', '.join(FORMATS)}")
    return items


def _jobs(text: str) -> int:
    """``--jobs``: a whole number of workers, 1 to 256 (0 or -1 would start a pool with none)."""
    return _whole(text, 1, 256, "workers", "a whole number of workers")


def _whole(text: str, low: int, high: int, things: str, expected: str) -> int:
    """``text`` as a whole number from ``low`` to ``high`` (of ``things``), else the usage error saying so."""
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
    if not low <= number <= high:
        raise argparse.ArgumentTypeError(f"expected {low} to {high} {things}, got {number}")
    return number


def _timeout(text: str) -> float:
    from .run.department import check_timeout

    try:
        return check_timeout(float(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds from 1 to 86400 (a day), got {text!r}") from None


@contextlib.contextmanager
def _signals_stop_the_run():
    """Ctrl-C raises ``KeyboardInterrupt`` and SIGTERM :class:`_Terminated` in the main thread, once
    (a repeat is ignored while the workers are being stopped); a kernel this process runs itself
    (the overview's) is killed first, so nothing interrupts it and it prints nothing."""
    from .pool import STOP_SIGNALS, stop_signals
    from .run.kernels import kill_kernels

    def stop(signum, frame):
        for sig in STOP_SIGNALS:
            signal.signal(sig, signal.SIG_IGN)
        kill_kernels()
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        raise _Terminated(signum)

    # a closed terminal (SIGHUP) stops the run as SIGTERM does: workers and kernels first
    with stop_signals(stop):
        yield


def _use_bureau(ref: str | None) -> None:
    """``--bureau``: check the file now, then hand it to every worker and kernel through the environment."""
    if ref is None:
        return
    from .core.bureau import load_bureau
    from .core.evaluation import BUREAU_ENV

    load_bureau(ref)  # a bad file stops the run here, with its located errors
    os.environ[BUREAU_ENV] = str(Path(ref).resolve()) if Path(ref).is_file() else ref


def _cmd_run(args) -> int:
    from .publish.terminal import LIST_UNCHANGED, STATUS, render_run_summary
    from .run.batch import run_job

    interactive = not args.no_progress and sys.stderr.isatty()
    unchanged = 0

    def report(outcome) -> None:  # without a progress bar, one line per department as it settles
        nonlocal unchanged
        unchanged += outcome.status == "skipped"
        if not interactive and (outcome.status != "skipped" or unchanged <= LIST_UNCHANGED):
            print(f"{STATUS[outcome.status]:<14} {outcome.department_id or outcome.params}"
                  f"  {outcome.seconds:.1f}s", file=sys.stderr, flush=True)

    _use_bureau(args.bureau)
    with _signals_stop_the_run():
        job = run_job(args.params, out=Path(args.out), jobs=args.jobs, force=args.force, formats=args.formats,
                      timeout=args.timeout, progress=interactive, on_outcome=report, engine=_engine(args))
    print(render_run_summary(job.outcomes))
    for path in job.indexes:
        print(f"index: {path}")
    for s in job.stale:
        print(f"stale: {s.folder}: {STALE_WHY[s.reason].format(params=s.params)}; the index lists it as "
              "已过期 (not in this run's params)")
    for o in job.failed:
        print(f"\nFAILED {o.params}: {o.error_kind}\n{o.error}")
        if o.out_dir:
            print(f"  partial notebook and error.json kept in {o.out_dir}")
    for problem in job.problems:
        print(f"error: {problem}", file=sys.stderr)
    return 1 if job.failed or job.problems else 0


def _engine(args):
    """The engine ``--engine``/``--cluster`` ask for, not yet started; ``None`` for the process pool."""
    if args.engine == "pool" and args.cluster:
        raise EvalkitError("--cluster needs --engine dask (or no --engine)")
    if args.engine != "dask" and not args.cluster:
        return None
    from .run.engines import DaskEngine

    try:
        import distributed  # noqa: F401
    except ImportError:
        raise EvalkitError("--engine dask needs Dask distributed: pip install 'evalkit[dask]'") from None
    tls = {"ca_file": args.tls_ca_file, "cert": args.tls_cert, "key": args.tls_key}
    return DaskEngine(args.jobs or os.cpu_count() or 1, cluster=args.cluster,
                      tls={k: v for k, v in tls.items() if v}, allow_insecure=args.allow_insecure)


def _cmd_audit(args) -> int:
    from .audit.printout import render_records, render_summary
    from .audit.runner import audit_paths
    from .core.source import visible

    with _signals_stop_the_run():
        run = audit_paths(args.paths, out=args.out, params_out=args.params_out, jobs=args.jobs,
                          timeout=args.timeout, force=args.force)
    if args.json:
        doc = run.records[0] if len(run.records) == 1 else run.records
        sys.stdout.write(_json_for_terminal(doc) + "\n")
    else:
        print(render_records(run.records))
        print(render_summary(run))
    for r in run.failed:
        print(f"error: {visible(r['refused']['message'])}", file=sys.stderr)
    if args.out:
        print(f"wrote {len(run.written)} file(s) to {args.out}/", file=sys.stderr)
    if not run.records:
        print("error: no report found; expected .txt, .docx, .pdf or .html files", file=sys.stderr)
        return 1
    return 1 if run.failed or run.errors else 0


def _cmd_import_xlsx(args) -> int:
    from .workbook.read import import_workbook

    try:
        text = import_workbook(args.table, args.output, overwrite=args.force)
    except FileExistsError as exc:
        print(f"error: {exc} (use --force)", file=sys.stderr)
        return 1
    if args.output:
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    try:
        return args.func(args)
    except EvalkitError as exc:
        from .core.source import visible

        print(f"error: {visible(str(exc), newlines=True)}", file=sys.stderr)
        return 1
    except OSError as exc:  # a file that cannot be read or written: the operator's to fix
        from .iorw import os_error_text

        if args.verbose:
            raise
        print(f"error: {os_error_text(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: workers stopped; unfinished departments keep their previous files and run "
              "again next time", file=sys.stderr)
        return 130
    except _Terminated as exc:
        signum = exc.args[0] if exc.args else signal.SIGTERM
        print(f"terminated ({signal.Signals(signum).name}): workers stopped; unfinished departments keep their "
              "previous files and run again next time", file=sys.stderr)
        return 128 + int(signum)
    except Exception as exc:
        if args.verbose:
            raise
        print(f"error: unexpected {type(exc).__name__}: {exc}\n(run with -v for the traceback, and please "
              "report it)", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
