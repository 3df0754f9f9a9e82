"""Warm kernels: Jupyter kernels forked from a process that has already imported the libraries the
pages use, so that each page's kernel starts in a fraction of the time a fresh Python takes.

A fresh kernel spends about a second of CPU starting Python, ipykernel, pandas, NumPy and Altair
before the page's first cell runs; with two dozen pages (and the test suite's runs with other
parameters) that is most of the time of executing them. :func:`warm_kernels` starts one *kernel
server* that imports those libraries once (:data:`PRELOAD`: third-party libraries only, never this
project's code or data, so that a page's kernel still opens, and records, every file of the
project it reads) and then waits on a Unix socket. Each page's kernel is a new process forked from
it: a new interpreter state for every page (nothing is shared between pages but the imported
libraries), started the way Jupyter starts any kernel.

Jupyter starts a kernel by running a command with a connection file. The kernelspec
:data:`KERNEL_NAME` (written to a scratch folder put first on ``JUPYTER_PATH``) runs
``python -m ccth_lib.kernels launch -f CONNECTION_FILE``: a small *launcher* process that asks the
server to fork a kernel with its environment, working folder and arguments, then stands in for
that kernel towards Jupyter: it passes on the signals it receives (interrupt, terminate) and exits
when the kernel exits. A kernel whose launcher is gone (killed) exits too.

Everything else is as with Jupyter's own ``python3`` kernel: the same ipykernel, the same
``PYTHONSTARTUP`` file run before the first cell, the same outputs (a test compares every page
executed this way with the committed notebook). Without a server (``CCTH_KERNEL_SERVER`` unset)
:func:`kernel_name` is ``python3``.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Iterator

#: The environment variable naming the server's socket (set by :func:`warm_kernels`).
SERVER_ENV = "CCTH_KERNEL_SERVER"
#: The kernelspec that starts a warm kernel.
KERNEL_NAME = "ccth-warm-python3"
#: Imported once by the server. Third-party libraries only: a module of this project imported here
#: would not be opened (and so not recorded as an input) by the pages' kernels.
PRELOAD = ("numpy", "pandas", "altair", "pydantic", "yaml", "jinja2", "jsonschema", "IPython",
           "ipykernel.kernelapp", "ipykernel.ipkernel", "papermill.translators")


def kernel_name() -> str:
    """The kernel to execute pages with: warm when a server runs, else Jupyter's ``python3``."""
    return KERNEL_NAME if os.environ.get(SERVER_ENV) else "python3"


# --- The server -----------------------------------------------------------------------------------


def serve(address: str) -> None:
    """Import :data:`PRELOAD`, then fork one kernel per request on the socket ``address``, forever."""
    import importlib

    for name in PRELOAD:
        importlib.import_module(name)
    import gc

    gc.collect()
    gc.freeze()  # the forked kernels do not copy the preloaded objects when they collect garbage
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(address)
    server.listen(16)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernels are reaped by the system
    print("ready", flush=True)
    while True:
        conn, _ = server.accept()
        with conn:
            request = json.loads(conn.makefile("r", encoding="utf-8").readline())
            pid = os.fork()
            if pid == 0:  # the kernel
                server.close()
                conn.close()
                _kernel(request)
            conn.sendall(f"{pid}\n".encode())


def _kernel(request: dict) -> None:
    """In the forked process: become the kernel the launcher asked for (never returns)."""
    code = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.setsid()
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        # As a fresh `python -m ipykernel_launcher` started in that folder would have it: the
        # folder first on the path, and this project's own modules not yet imported (the page
        # imports them, and its kernel records the files it opens).
        sys.path[0] = request["cwd"]
        for name in [m for m in sys.modules if m == "ccth_lib" or m.startswith("ccth_lib.")]:
            del sys.modules[name]
        launcher = int(request["launcher"])

        def watch() -> None:  # the launcher killed: nobody can stop this kernel any more
            while True:
                time.sleep(0.5)
                if not _running(launcher):
                    os._exit(1)

        threading.Thread(target=watch, daemon=True).start()
        sys.argv = [sys.executable, *request["argv"]]
        from ipykernel.kernelapp import IPKernelApp

        IPKernelApp.launch_instance(argv=request["argv"])
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
    except BaseException:  # noqa: BLE001 - reported on the kernel's stderr, as a failed start
        import traceback

        traceback.print_exc()
    finally:
        _report_cpu()
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


#: Where a kernel writes the CPU seconds it used when it exits (a kernel forked from the server is
#: not a child of the process that asked for it, so that process cannot count them itself).
CPU_FILE_ENV = "CCTH_KERNEL_CPU_FILE"


def _report_cpu() -> None:
    import resource

    path = os.environ.get(CPU_FILE_ENV)
    if path:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        with contextlib.suppress(OSError):
            Path(path).write_text(f"{usage.ru_utime + usage.ru_stime:.3f}\n", encoding="utf-8")


def reported_cpu(path: Path) -> float:
    """The CPU seconds a warm kernel reported in ``path`` (0 when it wrote none: a cold kernel,
    a child of the process that started it, is counted with that process's children)."""
    try:
        return float(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 0.0


def _running(pid: int) -> bool:
    """Whether process ``pid`` runs (a killed process its parent has not yet reaped does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return state not in ("Z", "X")


# --- The launcher (the kernelspec's command) ------------------------------------------------------


def launch(argv: list[str]) -> int:
    """Ask the server for a kernel with ``argv``; pass signals on to it; return when it exits."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.connect(os.environ[SERVER_ENV])
        request = {"argv": argv, "env": dict(os.environ), "cwd": os.getcwd(), "launcher": os.getpid()}
        conn.sendall((json.dumps(request) + "\n").encode())
        pid = int(conn.makefile("r", encoding="utf-8").readline())

    def forward(signum, _frame):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(sig, forward)
    while _running(pid):
        time.sleep(0.02)
    return 0


# --- Starting and stopping ------------------------------------------------------------------------


@contextlib.contextmanager
def environ(**values: str) -> Iterator[None]:
    """Set environment variables while the block runs (kernels started inside it inherit them);
    restore them, or remove those that were not set, afterwards."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@contextlib.contextmanager
def warm_kernels() -> Iterator[str]:
    """Run a kernel server while the block runs; pages executed inside it get warm kernels.

    Sets ``CCTH_KERNEL_SERVER`` and puts the kernelspec first on ``JUPYTER_PATH`` (both inherited
    by processes started inside the block). Nested use reuses the running server.
    """
    if os.environ.get(SERVER_ENV):
        yield os.environ[SERVER_ENV]
        return
    with tempfile.TemporaryDirectory(prefix="ccth-kernels-") as tmp:
        address = str(Path(tmp) / "server.sock")
        spec = Path(tmp) / "jupyter" / "kernels" / KERNEL_NAME
        spec.mkdir(parents=True)
        spec.joinpath("kernel.json").write_text(json.dumps({
            "argv": [sys.executable, "-m", "ccth_lib.kernels", "launch", "-f", "{connection_file}"],
            "display_name": "Python 3 (ipykernel, warm)",
            "language": "python",
            "metadata": {"debugger": False},
        }), encoding="utf-8")
        proc = subprocess.Popen([sys.executable, "-m", "ccth_lib.kernels", "serve", address],
                                stdout=subprocess.PIPE, text=True)
        try:
            if proc.stdout.readline().strip() != "ready":
                raise RuntimeError("the kernel server did not start (see its messages above)")
            jupyter_path = os.pathsep.join(p for p in (str(Path(tmp) / "jupyter"), os.environ.get("JUPYTER_PATH")) if p)
            with environ(**{SERVER_ENV: address, "JUPYTER_PATH": jupyter_path}):
                yield address
        finally:
            proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=10)
            if proc.poll() is None:
                proc.kill()


def main(args: list[str]) -> int:
    if args[:1] == ["serve"] and len(args) == 2:
        serve(args[1])
        return 0
    if args[:1] == ["launch"]:
        return launch(args[1:])
    print("usage: python -m ccth_lib.kernels serve SOCKET | launch -f CONNECTION_FILE", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
