"""Warm kernels (ccth_lib.kernels): a page executed in a kernel forked from the kernel server is
the same page, recording the same inputs, as one executed in a fresh Jupyter kernel; and a kernel
does not outlive the launcher that Jupyter manages."""

from __future__ import annotations

import json
import os
import signal
import time

import nbformat
import pytest

from ccth_lib import kernels, notebooks

pytestmark = pytest.mark.notebooks


def _execute(page: str, out, monkeypatch, warm: bool):
    pg = notebooks.page(page)
    if not warm:
        monkeypatch.delenv(kernels.SERVER_ENV, raising=False)
        return notebooks.execute(pg.template, out, pg.parameters, title=pg.title)
    with kernels.warm_kernels():
        assert kernels.kernel_name() == kernels.KERNEL_NAME
        return notebooks.execute(pg.template, out, pg.parameters, title=pg.title)


def test_a_warm_kernel_gives_the_same_page_and_records_the_same_inputs(tmp_path, monkeypatch):
    with monkeypatch.context() as m:
        cold = nbformat.read(_execute("model_trajectory", tmp_path / "cold.ipynb", m, warm=False), as_version=4)
    warm = nbformat.read(_execute("model_trajectory", tmp_path / "warm.ipynb", monkeypatch, warm=True), as_version=4)
    assert json.dumps(warm, sort_keys=True) == json.dumps(cold, sort_keys=True)
    inputs = warm.metadata["ccth"]["inputs"]
    # the project's own modules are imported (and recorded) by the page, not by the server
    assert "ccth_lib/__init__.py" in inputs and "ccth_lib/page/chain.py" in inputs


def test_a_kernel_whose_launcher_is_killed_exits():
    from jupyter_client import KernelManager

    with kernels.warm_kernels():
        km = KernelManager(kernel_name=kernels.KERNEL_NAME)
        km.start_kernel()
        kc = km.client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=60)
            msg_id = kc.execute("import os; print(os.getpid())")
            pid = None
            while pid is None:
                msg = kc.get_iopub_msg(timeout=30)
                if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "stream":
                    pid = int(msg["content"]["text"].strip())
            assert pid != km.provisioner.pid  # the kernel is not the launcher Jupyter started
            os.kill(km.provisioner.pid, signal.SIGKILL)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.1)
            else:
                os.kill(pid, signal.SIGKILL)
                pytest.fail("the kernel outlived its launcher")
        finally:
            kc.stop_channels()
            km.cleanup_resources()


def test_without_a_server_pages_get_jupyters_own_kernel(monkeypatch):
    monkeypatch.delenv(kernels.SERVER_ENV, raising=False)
    assert kernels.kernel_name() == "python3"
