"""Shared fixtures: the project root, a scratch copy of the project, and the built site."""

from __future__ import annotations

import contextlib
import fcntl
import functools
import http.server
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


# --- One run over several processes (pytest-xdist) ----------------------------------------------


def _run_folder() -> Path:
    """A scratch folder of this run, the same in every worker process (named by the controller)."""
    return Path(tempfile.gettempdir()) / f"ccth-test-{os.environ['CCTH_TEST_RUN']}"


def pytest_configure(config):
    if not hasattr(config, "workerinput"):  # the controller (or a run without workers)
        import uuid

        os.environ["CCTH_TEST_RUN"] = uuid.uuid4().hex  # inherited by the worker processes
        # Validation is cached by content digest (ccth_lib.described). Each run starts with an
        # empty cache of its own, so every table is validated for real at least once per run
        # (and the kernels the notebook tests start reuse what the tests validated).
        os.environ["CCTH_CACHE_DIR"] = str(_run_folder() / "cache")


def pytest_unconfigure(config):
    if not hasattr(config, "workerinput"):
        shutil.rmtree(_run_folder(), ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def warm_kernels(request):
    """Pages executed by this process's tests get warm kernels (ccth_lib.kernels): one kernel
    server per worker process, started only when the worker has a test that starts kernels."""
    if not any(item.get_closest_marker("notebooks") for item in request.session.items):
        yield
        return
    from ccth_lib import kernels

    with kernels.warm_kernels():
        yield


@pytest.fixture(scope="session")
def shared_tmp() -> Path:
    """A folder shared by every worker process of this run (removed at its end)."""
    folder = _run_folder() / "shared"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@contextlib.contextmanager
def file_lock(path: Path):
    """Hold an exclusive lock on ``path`` (across the run's worker processes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture
def tmp_project(tmp_path, monkeypatch) -> Path:
    """A scratch copy of the project's data (and config), used as CCTH_ROOT for negative tests."""
    dest = tmp_path / "project"
    dest.mkdir()
    shutil.copytree(ROOT / "data", dest / "data")
    shutil.copy(ROOT / "_config.yml", dest / "_config.yml")
    monkeypatch.setenv("CCTH_ROOT", str(dest))
    return dest


@pytest.fixture(scope="session")
def built_site(shared_tmp) -> Path:
    """Build the book (warnings are errors) into a scratch folder; returns its html folder.

    Built once per run: the first worker process that asks builds it, the others wait and reuse it.
    With CCTH_BUILT_SITE set to the html folder of a site built with the same command (e.g. an
    engineer's private build while other pages are mid-edit), that site is used instead.
    """
    prebuilt = os.environ.get("CCTH_BUILT_SITE")
    if prebuilt:
        if not (Path(prebuilt) / "index.html").is_file():
            pytest.fail(f"CCTH_BUILT_SITE={prebuilt} is not the html folder of a built site")
        return Path(prebuilt)
    out = shared_tmp / "site"
    failed = shared_tmp / "site-failed.txt"
    with file_lock(shared_tmp / "site.lock"):
        if failed.is_file():
            pytest.fail(failed.read_text(encoding="utf-8"))
        if not (out / "_build" / "html" / "index.html").is_file():
            try:
                _build_site(out)
            except pytest.fail.Exception as exc:
                failed.write_text(str(exc), encoding="utf-8")
                raise
    return out / "_build" / "html"


def _build_site(out: Path) -> Path:
    jb = Path(sys.executable).with_name("jupyter-book")
    proc = subprocess.run(
        [str(jb), "build", str(ROOT), "--path-output", str(out), "--warningiserror", "--keep-going"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    if proc.returncode != 0:
        pytest.fail(f"jupyter-book build failed (exit {proc.returncode}):\n{proc.stdout[-6000:]}\n{proc.stderr[-3000:]}")
    html = out / "_build" / "html"
    assert (html / "index.html").is_file()
    return html


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep test output clean
        pass


@pytest.fixture(scope="session")
def site_url(built_site):
    """Serve the built site on 127.0.0.1 (a free port) for the browser tests."""
    handler = functools.partial(_QuietHandler, directory=str(built_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    """Debian chromium, headless, one per test module (see tests/browsing.py)."""
    from playwright.sync_api import sync_playwright

    from browsing import launch_options

    with sync_playwright() as p:
        b = p.chromium.launch(**launch_options())
        yield b
        b.close()
