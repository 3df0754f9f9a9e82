"""Shared fixtures: the project root, a scratch copy of the project, and the built site."""

from __future__ import annotations

import functools
import http.server
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


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
def built_site(tmp_path_factory) -> Path:
    """Build the book (warnings are errors) into a scratch folder; returns its html folder."""
    out = tmp_path_factory.mktemp("site")
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
