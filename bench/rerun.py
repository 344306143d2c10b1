"""Unchanged reruns, measured on this machine in one run (a figure, not a test).

1. ``evalkit demo-data --count N`` (default 1,000) into a temporary folder;
2. a first ``evalkit run`` of that folder (every department's notebook and appendix, and the
   overview; ``--formats html`` by default to keep the bench short — an unchanged rerun checks the
   outputs of whatever formats were asked for, so the formats do not change what is measured);
3. the same command again, three times: nothing changed, so nothing may run. Each figure is the
   wall time of the whole command, interpreter start-up included;
4. the same rerun deciding "unchanged" the older way, by evaluating every department (the stamps'
   file lists removed), for comparison.

    python bench/rerun.py [--count 1000] [--formats html]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from evalkit.outputs import STAMP  # noqa: E402


def evalkit(*args) -> tuple[float, str]:
    """Run the evalkit CLI; its wall time and its summary line."""
    started = time.perf_counter()
    done = subprocess.run([BIN / "evalkit", *map(str, args)], capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"evalkit {' '.join(map(str, args))} failed ({done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    summary = next((line for line in done.stdout.splitlines() if re.match(r"\d+ departments?:", line)), "")
    return seconds, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000)
    parser.add_argument("--formats", default="html")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="evalkit-rerun-") as tmp:
        params, out = Path(tmp) / "params", Path(tmp) / "reports"
        subprocess.run([BIN / "evalkit", "demo-data", "--count", str(args.count), "--out", params], check=True,
                       capture_output=True)
        seconds, summary = evalkit("run", params, "--out", out, "--formats", args.formats, "--no-progress")
        print(f"first run of {args.count} departments (--formats {args.formats}, overview included): "
              f"{seconds:.0f} s ({seconds / args.count:.2f} s per department) — {summary}", flush=True)
        quick = []
        for _ in range(args.repeat):
            seconds, summary = evalkit("run", params, "--out", out, "--formats", args.formats, "--no-progress")
            if not summary.startswith(f"{args.count} departments: 0 run, {args.count} unchanged"):
                sys.exit(f"the rerun was not unchanged: {summary}")
            quick.append(seconds)
        print(f"unchanged rerun of {args.count} departments: "
              f"{', '.join(f'{s:.2f}' for s in quick)} s (median {statistics.median(quick):.2f} s), "
              f"wall time including start-up — {summary}")
        for stamp in out.glob(f"*/*/{STAMP.filename}"):  # the older stamps: unchanged is decided by evaluating
            data = json.loads(stamp.read_text(encoding="utf-8"))
            data.pop("files", None)
            stamp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        seconds, summary = evalkit("run", params, "--out", out, "--formats", args.formats, "--no-progress")
        print(f"the same rerun deciding by evaluating every department: {seconds:.2f} s — "
              f"{seconds / statistics.median(quick):.1f}× the stamps' way")


if __name__ == "__main__":
    main()
