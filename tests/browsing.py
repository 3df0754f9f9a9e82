"""How the browser tests start Debian's chromium, said once (imported by tests/conftest.py and the
browser test modules): the executable, the flags this closed network needs, and the check that
a page asked for nothing beyond 127.0.0.1."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = "/usr/bin/chromium"
#: Without the background-networking flags chromium keeps trying to reach Google's hosts.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def launch_options() -> dict:
    """Playwright launch options for Debian's chromium; fails the test if it is not installed."""
    if not shutil.which("chromium") and not Path(CHROMIUM).is_file():
        pytest.fail("Debian chromium is not installed (make test installs it with apt-get)")
    return {"executable_path": CHROMIUM, "headless": True, "args": CHROMIUM_ARGS}


def assert_local_only(requests) -> None:
    hosts = {urlparse(u).hostname for u in requests if urlparse(u).scheme in ("http", "https", "ws", "wss")}
    assert hosts <= {"127.0.0.1"}, f"the page requested other hosts: {sorted(hosts - {'127.0.0.1'})}"
