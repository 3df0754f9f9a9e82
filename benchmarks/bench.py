"""Benchmarks: speed and memory of the evidence pipeline (prints figures; asserts nothing).

Run from the project root:  .venv/bin/python benchmarks/bench.py
Targets (on the project's 2-core machine): validating every table < 60 s; the model chain and
the whole reconciliation register < 5 s; peak Python memory < 500 MiB.
"""

from __future__ import annotations

import time
import tracemalloc


def timed(label, fn, repeat=1):
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    print(f"{label:<48} {best:8.3f} s")
    return out


def main() -> None:
    from ccth_lib import data, sources
    from ccth_lib.models import defaults, findings
    from ccth_lib.models.register import load_register

    tracemalloc.start()
    timed("verify source checksums", sources.verify_all)
    names = data.list_tables()
    data._CACHE.clear()
    timed(f"validate and load {len(names)} tables (cold)", lambda: [data.load_table(n) for n in names])
    timed(f"load {len(names)} tables (cached)", lambda: [data.load_table(n) for n in names], repeat=3)
    ev = defaults.chain_evidence()
    params, _ = defaults.chain_defaults(ev)
    timed("run the model chain (100 times)", lambda: [findings.run_chain(ev, params) for _ in range(100)])
    reg = timed("build the reconciliation register", load_register)
    _, peak = tracemalloc.get_traced_memory()
    print(f"{'findings in the register':<48} {len(reg):8d}")
    print(f"{'peak traced Python memory':<48} {peak / 2**20:8.1f} MiB")


if __name__ == "__main__":
    main()
