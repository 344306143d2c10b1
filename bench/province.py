"""Province scale, measured on this machine in one run (a figure, not a test):

1. ``evaluate()`` throughput in CPU time: 2,000 evaluations of the worked example's 41 indicators,
   from ``Params`` already loaded, from the parsed YAML dict (``parse_params`` included) and from the file;
2. ``evalkit demo-data --count N`` (default 10,000) into a temporary folder;
3. ``Portfolio.load`` of those N department-years: wall time and peak memory.

    python bench/province.py [--count 10000]
"""

from __future__ import annotations

import argparse
import copy
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

import evalkit  # noqa: E402
from evalkit.demo.generate import generate  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--calls", type=int, default=2_000)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load {os.getloadavg()[0]:.1f}")
    worked = ROOT / "params" / "dangzheng-office-2023.yaml"
    params = evalkit.load_params(worked)
    evalkit.evaluate(params)  # warm the per-process caches (versions, schemes)
    start = time.process_time()
    for _ in range(args.calls):
        evalkit.evaluate(params)
    memory = time.process_time() - start
    parsed = yaml.safe_load(worked.read_text(encoding="utf-8"))
    docs = [copy.deepcopy(parsed) for _ in range(args.calls)]  # one dict per call, as a caller would pass
    start = time.process_time()
    for doc in docs:
        evalkit.evaluate(doc)
    dicts = time.process_time() - start
    start = time.process_time()
    for _ in range(args.calls):
        evalkit.evaluate(worked)
    files = time.process_time() - start
    print(f"evaluate(): {args.calls} calls of a 41-indicator department, CPU time (load {os.getloadavg()[0]:.1f}): "
          f"{memory:.2f} s from Params ({memory / args.calls * 1000:.2f} ms each), {dicts:.2f} s from a parsed "
          f"YAML dict ({dicts / args.calls * 1000:.2f} ms each), {files:.2f} s from the file "
          f"({files / args.calls * 1000:.2f} ms each, YAML parsing included)")
    with tempfile.TemporaryDirectory(prefix="evalkit-province-") as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        generate(folder, count=args.count)
        print(f"demo-data --count {args.count}: {time.perf_counter() - start:.1f} s, "
              f"{sum(1 for _ in folder.glob('*.yaml'))} params files")
        code = (f"import time, resource, evalkit; t = time.perf_counter(); "
                f"pf = evalkit.Portfolio.load({str(folder)!r}, year=2023); "
                f"print(len(pf.evaluations), len(pf.invalid), len(pf.portfolio_findings), "
                f"round(time.perf_counter() - t, 1), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
        print(f"Portfolio.load of {out[0]} department-years ({out[1]} invalid, {out[2]} cross-department "
              f"findings): {out[3]} s, peak memory {out[4]} MB")


if __name__ == "__main__":
    main()
