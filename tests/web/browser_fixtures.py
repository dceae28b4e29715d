"""What the browser tests stand on: a real ``gpec serve`` process on a free port (:func:`serving`), and
Debian's Chromium driven by Playwright (:func:`chromium`, skipped with the reason when either is missing:
``make browser`` installs it). Context managers, so that the test module's fixtures stay one line each."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.cli_helpers import gpec_env
from tests.conftest import ROOT

#: Seconds the server may take to answer its first request (a hang guard, not a measure).
START_TIMEOUT = 180
#: Chromium's options in a container: no sandbox (root), no GPU, no calls home.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def free_port() -> int:
    """A TCP port of 127.0.0.1 free right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serving(instance: Path, folder: Path, warm: bool = False):
    """``gpec serve INSTANCE`` in a subprocess (the command itself), its cache and log in ``folder``;
    yields its address once it answers, and stops it at the end. ``warm=False`` (the tests: two-year
    what-ifs) skips solving the instance's default scenario at start."""
    port = free_port()
    log = folder / "serve.log"
    command = [sys.executable, "-m", "gpec.cli", "serve", str(instance), "--port", str(port),
               "--cache", str(folder / "cache"), "--warm" if warm else "--no-warm"]
    with open(log, "wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=gpec_env(), stdout=output, stderr=subprocess.STDOUT)
    address = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(address, process, log)
        yield address
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_serving(address: str, process: subprocess.Popen, log) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gpec serve exited with {process.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(address + "/api/instances", timeout=5) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    pytest.fail(f"gpec serve did not answer within {START_TIMEOUT} s:\n{log.read_text(errors='replace')[-3000:]}")


@contextmanager
def chromium():
    """A headless Chromium (Debian's ``chromium``) driven by Playwright's sync API."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("chromium is not installed: run `make browser` as root (make test does)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
