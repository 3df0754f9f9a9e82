"""Benchmark of the scenario tools (prints figures; asserts nothing).

Run from the project root:  .venv/bin/python benchmarks/scenarios.py [--draws 10000] [--no-book]

Prints, from one run on this machine:

* the time of a 10,000-scenario sweep of the vectorised chain (every assumption with a range
  drawn at once, as on the uncertainty page; best of three), and of the same chain in Python,
  one scenario at a time (``run_chain``, timed on a sample and scaled);
* the time of one papermill run of a model page that runs the same chain
  (``model_locality_services``, with a new target), and the ratio per scenario;
* ``ccth book --scenario scenarios/higher_target.yml`` end to end, into a scratch folder.

Targets on the project's 2-core machine: the sweep under 1 s; a whole scenario book under 60 s.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def machine() -> str:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return f"{cores} cores ({cpu}), Python {platform.python_version()}, load average {load}"


def line(label: str, value: str) -> None:
    print(f"{label:<58} {value}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--no-book", action="store_true", help="skip the scenario book")
    args = parser.parse_args()

    from ccth_lib import notebooks, paths, scenarios
    from ccth_lib.models import defaults, findings, sweep

    print(f"machine: {machine()}")
    evidence = defaults.chain_evidence()
    base, _ = defaults.chain_defaults(evidence)
    ranges = scenarios.resolve_ranges(scenarios.load_ranges(), evidence, base)
    inputs = sweep.chain_inputs(evidence)
    table = sweep.draw(base, ranges, args.draws, seed=1)

    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        result = sweep.sweep(inputs, table, base)
        best = min(best, time.perf_counter() - t0)
    ran = int(result.ok.sum())
    line(f"vectorised sweep, {args.draws:,} scenarios (best of 3)", f"{best:8.3f} s  ({ran:,} ran through the chain)")

    sample = table.head(50)
    t0 = time.perf_counter()
    for row in sample.to_dict("records"):
        ltc = dict(base.ltc_target_share) | {int(k.removeprefix(sweep.LTC_PREFIX)): v for k, v in row.items() if k.startswith(sweep.LTC_PREFIX)}
        params = base.model_copy(update={k: v for k, v in row.items() if not k.startswith(sweep.LTC_PREFIX)} | {"ltc_target_share": ltc})
        findings.run_chain(evidence, params)
    per_loop = (time.perf_counter() - t0) / len(sample)
    line("the chain in Python, one scenario at a time (per scenario)", f"{per_loop * 1000:8.1f} ms")
    line(f"  ... for {args.draws:,} scenarios (scaled)", f"{per_loop * args.draws:8.1f} s")

    pg = notebooks.page("model_locality_services")
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        notebooks.run_page(pg, Path(tmp) / "run.ipynb", {"target_total": 3500.0}, progress=False)
        papermill = time.perf_counter() - t0
    line("one papermill run of model_locality_services", f"{papermill:8.3f} s")
    per_scenario = best / args.draws
    line("sweep time per scenario", f"{per_scenario * 1e6:8.1f} µs")
    line("papermill run ÷ sweep time per scenario", f"{papermill / per_scenario:8.0f} ×")

    if not args.no_book:
        ccth = str(Path(sys.executable).with_name("ccth"))
        scenario = paths.project_root() / "scenarios" / "higher_target.yml"
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            proc = subprocess.run([ccth, "book", "--scenario", str(scenario), "-o", str(Path(tmp) / "site")], capture_output=True, text=True)
            seconds = time.perf_counter() - t0
        if proc.returncode != 0:
            line("ccth book --scenario scenarios/higher_target.yml", f"FAILED (exit {proc.returncode})")
            print(proc.stdout[-2000:], proc.stderr[-2000:], sep="\n")
        else:
            line("ccth book --scenario scenarios/higher_target.yml, end to end", f"{seconds:8.1f} s")
            for text in proc.stdout.splitlines():
                if text.startswith(("executing", "built")):
                    print(f"  {text}")
    print(f"machine after: {machine()}")


if __name__ == "__main__":
    main()
