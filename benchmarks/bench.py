"""Benchmarks: speed and memory of the evidence pipeline (prints figures; asserts nothing).

Run from the project root:  .venv/bin/python benchmarks/bench.py [--no-rebuild]
Targets (on the project's 2-core machine): validating every table < 60 s; the model chain and
the whole reconciliation register < 5 s; peak Python memory < 500 MiB.

Rebuilds (in a scratch copy of the project, with this checkout's virtual environment), targets on
2 cores: a `make book` that finds nothing changed < 3 s; one table changed, only the pages that
read it re-executed and the site rebuilt, end to end < 15 s; every page re-executed from scratch
(`ccth execute --force`, in parallel) < 30 s.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path


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
    saved = os.environ.get("CCTH_CACHE_DIR")
    with tempfile.TemporaryDirectory() as empty:
        os.environ["CCTH_CACHE_DIR"] = empty  # nothing remembered: every table validated
        timed(f"validate and load {len(names)} tables (cold)", lambda: [data.load_table(n) for n in names])
        data._CACHE.clear()
        timed(f"load {len(names)} tables (validation remembered)", lambda: [data.load_table(n) for n in names])
        timed(f"load {len(names)} tables (cached in the process)", lambda: [data.load_table(n) for n in names], repeat=3)
    if saved is None:
        os.environ.pop("CCTH_CACHE_DIR", None)
    else:
        os.environ["CCTH_CACHE_DIR"] = saved
    ev = defaults.chain_evidence()
    params, _ = defaults.chain_defaults(ev)
    timed("run the model chain (100 times)", lambda: [findings.run_chain(ev, params) for _ in range(100)])
    reg = timed("build the reconciliation register", load_register)
    _, peak = tracemalloc.get_traced_memory()
    print(f"{'findings in the register':<48} {len(reg):8d}")
    print(f"{'peak traced Python memory':<48} {peak / 2**20:8.1f} MiB")


# --- Rebuilds ---------------------------------------------------------------------------------

#: What a scratch copy of the project leaves out (tools, caches, output).
SKIP = (".git", ".venv", "_build", "node_modules", ".pytest_cache", ".hypothesis", "__pycache__", "*.egg-info", ".ipynb_checkpoints")


def _machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    return f"{len(os.sched_getaffinity(0))} cores ({cpu}), load average {os.getloadavg()[0]:.1f} at the start"


#: CPU seconds (user + system) of the last command run by :func:`_run`, its processes included:
#: on a busy shared machine, the wall-clock time of a one-process step is this plus the waiting.
LAST_CPU = [0.0]


def _cpu() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _run(cmd: list[str], cwd: Path, env: dict) -> tuple[float, str]:
    t0, c0 = time.perf_counter(), _cpu()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    LAST_CPU[0] = _cpu() - c0
    out = proc.stdout + proc.stderr
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed (exit {proc.returncode}):\n{out[-3000:]}")
    return seconds, out


def _best(cmd: list[str], cwd: Path, env: dict, times: int = 3) -> tuple[float, float]:
    """Best wall-clock time of ``times`` runs, and the CPU time of that run."""
    runs = []
    for _ in range(times):
        seconds, _ = _run(cmd, cwd, env)
        runs.append((seconds, LAST_CPU[0]))
    return min(runs)


def _executed(output: str) -> str:
    m = re.search(r"executing (\d+) of (\d+) page", output)
    cpu = re.search(r"\(([\d.]+) s of CPU\)", output)
    return (f"{m.group(1)} of {m.group(2)} pages executed" + (f", {cpu.group(1)} s CPU" if cpu else "")) if m else "no page executed"


def _reprint_quote(project: Path) -> str:
    """One table changed, validly: a row's quote shortened to a verbatim part of itself."""
    name = "hwbb2018_rag_key"
    path = project / "data" / "tables" / f"{name}.csv"
    import csv
    import io

    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    quote = rows[0].index("quote")
    row = next(r for r in rows[1:] if len(r[quote].split()) > 1)
    row[quote] = " ".join(row[quote].split()[:-1])
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return name


def rebuilds() -> None:
    from ccth_lib import paths

    root = paths.project_root()
    venv = Path(sys.executable).parent.parent
    print(f"{'machine':<56} {_machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "project"
        shutil.copytree(root, project, ignore=shutil.ignore_patterns(*SKIP))
        env = {k: v for k, v in os.environ.items() if k not in ("CCTH_ROOT", "CCTH_CACHE_DIR")}
        make = ["make", "-o", "setup", "-o", "vendor", "book", f"VENV={venv}"]
        ccth = str(venv / "bin" / "ccth")
        line = "{:<56} {:7.2f} s  ({:5.2f} s CPU)  {}"
        try:
            seconds, out = _run(make, project, env)
            print(line.format(f"make book, first ({_executed(out)})", seconds, LAST_CPU[0], ""))
            seconds, out = _run([ccth, "execute", "--force"], project, env)
            print(line.format(f"every page re-executed ({_executed(out)})", seconds, LAST_CPU[0], "target < 30 s"))
            _run(make, project, env)
            print(line.format("make book, nothing changed (best of 3)", *_best(make, project, env), "target < 3 s"))
            for what in ("validate", "datapackage", "execute"):
                print(line.format(f"  of which ccth {what}", *_best([ccth, what], project, env), ""))
            name = _reprint_quote(project)
            seconds, out = _run(make, project, env)
            print(line.format(f"make book, {name} changed ({_executed(out)})", seconds, LAST_CPU[0], "target < 15 s"))
        except RuntimeError as exc:
            print(f"rebuild benchmark stopped: {exc}")


if __name__ == "__main__":
    main()
    if "--no-rebuild" not in sys.argv:
        rebuilds()
