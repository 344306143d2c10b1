"""Benchmark `evalkit audit`: seconds for 100 documents, precision/recall per finding type on the corpus,
and accuracy on the corpus modelled on published documents.

    python bench/audit.py [--count 100] [--jobs N] [--out bench/out/audit] [--real-only]

The accuracy part renders every document of tests/fixtures/audit/real/*.yaml as .txt (in the text-copy
shape its page gives), .docx (real merged cells), .pdf (LibreOffice from that .docx) and .html, audits
each, and prints per format and overall: figures read correctly (value and role), indicator rows read
correctly, kind/year/unit, flaws found, false alarms and documents refused, against each document's truth.

The documents are the corpus (tests/fixtures/audit/corpus/*.yaml) rendered as .txt, .docx, .pdf and
.html, plus the shared seed report when it is there, repeated up to --count. Rendering is not timed;
the audit is timed as `evalkit audit FOLDER --out DIR` runs it (worker processes, pages and index).
Precision and recall count error and warning findings per finding type, against what each corpus
document plants: a figure, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from audit_corpus import load_corpus, render, seed_path  # noqa: E402
from audit_real_corpus import FORMATS as REAL_FORMATS  # noqa: E402
from audit_real_corpus import SHAPES, load_real, measure, render_real, to_text  # noqa: E402

from evalkit.audit import audit_paths  # noqa: E402

SEED = seed_path()
FORMATS = ("txt", "docx", "pdf", "html")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--out", default=str(ROOT / "bench" / "out" / "audit"))
    parser.add_argument("--real-only", action="store_true", help="only the accuracy on published documents")
    args = parser.parse_args()
    out = Path(args.out)
    shutil.rmtree(out, ignore_errors=True)
    real_accuracy(out / "real")
    if args.real_only:
        return
    source = out / "corpus"
    corpus = load_corpus()
    started = time.perf_counter()
    made = [(doc, fmt, path) for doc in corpus for fmt, path in render(doc, source, FORMATS).items()]
    print(f"rendered {len(made)} corpus documents in {time.perf_counter() - started:.1f}s (not timed below)")
    folder = out / "hundred"
    folder.mkdir(parents=True)
    pool = [p for _, _, p in made] + ([SEED] if SEED.is_file() else [])
    for i in range(args.count):
        src = pool[i % len(pool)]
        shutil.copy(src, folder / f"{i:03d}_{src.name}")
    pages = out / "pages"
    command = [sys.executable, "-m", "evalkit.cli", "audit", str(folder), "--out", str(pages)]
    command += ["--jobs", str(args.jobs)] if args.jobs else []
    started = time.perf_counter()
    subprocess.run(command, check=False, capture_output=True, cwd=ROOT,
                   env={**os.environ, "PYTHONPATH": str(ROOT)})
    seconds = time.perf_counter() - started
    records_list = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(pages.glob("*.audit.json"))]
    print(f"{len(records_list)} documents audited in {seconds:.1f}s by `evalkit audit FOLDER --out DIR` "
          f"(start-up included; {seconds / max(1, len(records_list)) * 1000:.0f} ms each, "
          f"jobs={args.jobs or 'cpu count'}); goal: under 20 s")
    by_format = Counter(Path(r["source"]).suffix for r in records_list)
    print("  formats: " + ", ".join(f"{k} {v}" for k, v in sorted(by_format.items())))

    # precision / recall per finding type, every corpus document in every format
    records = {Path(r["source"]).name: r for r in records_list}
    tp, fp, fn = Counter(), Counter(), Counter()
    for doc, _fmt, path in made:
        name = next((n for n in records if n.endswith("_" + path.name)), None)
        record = records[name] if name else audit_paths([path]).records[0]
        found = {f["id"] for f in record["findings"] if f["severity"] in ("error", "warning")}
        expected = set(doc["findings"])
        for fid in found & expected:
            tp[fid] += 1
        for fid in found - expected:
            fp[fid] += 1
        for fid in expected - found:
            fn[fid] += 1
    kinds = sorted(set(tp) | set(fp) | set(fn))
    print(f"\nprecision and recall per finding type ({len(made)} corpus documents: {len(corpus)} × {len(FORMATS)} formats)")
    print(f"  {'finding type':42} {'TP':>4} {'FP':>4} {'FN':>4} {'precision':>9} {'recall':>7}")
    for fid in kinds:
        p = tp[fid] / (tp[fid] + fp[fid]) if tp[fid] + fp[fid] else float("nan")
        r = tp[fid] / (tp[fid] + fn[fid]) if tp[fid] + fn[fid] else float("nan")
        print(f"  {fid:42} {tp[fid]:>4} {fp[fid]:>4} {fn[fid]:>4} {p:>9.2f} {r:>7.2f}")
    total_tp, total_fp, total_fn = sum(tp.values()), sum(fp.values()), sum(fn.values())
    print(f"  {'all':42} {total_tp:>4} {total_fp:>4} {total_fn:>4} "
          f"{total_tp / max(1, total_tp + total_fp):>9.2f} {total_tp / max(1, total_tp + total_fn):>7.2f}")


def real_accuracy(folder: Path) -> None:
    """Accuracy on the corpus modelled on published documents, per format and overall."""
    docs = load_real()
    started = time.perf_counter()
    made = render_real(docs, folder, REAL_FORMATS)
    print(f"rendered {len(made)} documents modelled on published ones in {time.perf_counter() - started:.1f}s")
    by_id = {d["id"]: d for d in docs}
    keys = ("figures_ok", "figures", "rows_ok", "rows", "identity_ok", "identity", "flaws_found", "flaws")
    totals: dict[str, Counter] = {}
    alarms: dict[str, Counter] = {}
    for (doc_id, fmt), path in sorted(made.items()):
        from evalkit.audit.report import audit_document

        m = measure(by_id[doc_id], audit_document(path))
        t = totals.setdefault(fmt, Counter())
        for k in keys:
            t[k] += m[k]
        t["documents"] += 1
        t["refused"] += m["refused"]
        t["false_alarms"] += len(m["false_alarms"])
        alarms.setdefault(fmt, Counter()).update(m["false_alarms"])
    totals["all"] = sum(totals.values(), Counter())
    alarms["all"] = sum(alarms.values(), Counter())

    def pct(a: int, b: int) -> str:
        return f"{a}/{b} ({a / b * 100:.1f} %)" if b else "—"

    print(f"\naccuracy on {len(docs)} documents modelled on published ones (tests/fixtures/audit/real)")
    print(f"  {'format':6} {'figures (value, role)':>22} {'indicator rows':>20} {'kind/year/unit':>18} "
          f"{'flaws found':>18} {'false alarms':>12} {'refused':>8}")
    for fmt in (*REAL_FORMATS, "all"):
        t = totals.get(fmt)
        if not t:
            continue
        print(f"  {fmt:6} {pct(t['figures_ok'], t['figures']):>22} {pct(t['rows_ok'], t['rows']):>20} "
              f"{pct(t['identity_ok'], t['identity']):>18} {pct(t['flaws_found'], t['flaws']):>18} "
              f"{t['false_alarms']:>12} {t['refused']:>8}")
    if alarms["all"]:
        print("  false alarms by finding: " + ", ".join(f"{k} {v}" for k, v in alarms["all"].most_common()))
    # every document with a table as a text copy in every shape a page gives
    from evalkit.audit.report import audit_document

    tabled = [d for d in docs if any("table" in b for b in d["blocks"])]
    print(f"\n  text copies of the {len(tabled)} documents with tables, in every shape:")
    for shape in SHAPES:
        t = Counter()
        for doc in tabled:
            path = folder / f"{doc['id']}.{shape}.txt"
            path.write_text(to_text(doc, shape), encoding="utf-8")
            m = measure(doc, audit_document(path))
            for k in keys:
                t[k] += m[k]
            t["false_alarms"] += len(m["false_alarms"])
            t["refused"] += m["refused"]
        print(f"  {shape:12} {pct(t['figures_ok'], t['figures']):>22} {pct(t['rows_ok'], t['rows']):>20} "
              f"{pct(t['identity_ok'], t['identity']):>18} {pct(t['flaws_found'], t['flaws']):>18} "
              f"{t['false_alarms']:>12} {t['refused']:>8}")
    print()


if __name__ == "__main__":
    main()
