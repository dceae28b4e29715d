"""``gpec serve`` as a command: its refusals in one line, and a real server that answers and stops on Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.cli_helpers import ROOT, assert_one_line_error, default_signals, gpec_env, run_gpec
from tests.conftest import LANDES
from tests.web.browser_fixtures import free_port
from tests.web.conftest import HANG_S


@pytest.mark.parametrize("args, needles", [
    ((str(LANDES), "--time-limit", "0"), ("--time-limit 0",)),
    ((f"Landes={LANDES}",), ("instance name 'Landes'",)),
    ((str(LANDES), f"landes={LANDES}"), ("instance name 'landes' given twice",)),
    (("nowhere",), ("nowhere",)),
])
def test_bad_serve_options_are_one_line(args, needles):
    run = run_gpec("serve", *args)
    assert_one_line_error(run.code, run.err, *needles)


def _session(sid: int) -> list[int]:
    """The processes of session ``sid`` (the server and the workers it spawned)."""
    listing = subprocess.run(["ps", "-eo", "pid=,sid="], capture_output=True, text=True, check=True).stdout
    return [int(pid) for pid, s in (line.split() for line in listing.splitlines()) if int(s) == sid]


def _call(port: int, method: str, path: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={"content-type": "application/json"})
    with urllib.request.urlopen(request) as answer:
        return json.load(answer)


def test_gpec_serve_answers_and_a_ctrl_c_stops_it_and_its_workers_while_they_solve(tmp_path):
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "gpec.cli", "serve", str(LANDES), "--port", str(port),
                               "--no-warm", "--cache", str(tmp_path)], cwd=ROOT, env=gpec_env(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              start_new_session=True, preexec_fn=default_signals)
    try:
        began = time.monotonic()
        while True:
            try:
                instances = _call(port, "GET", "/api/instances")
                break
            except OSError:
                assert server.poll() is None, server.stderr.read()
                assert time.monotonic() - began < HANG_S, "gpec serve never answered"
                time.sleep(0.2)
        assert [i["name"] for i in instances] == ["landes"]
        key = _call(port, "POST", "/api/solve", {"instance": "landes"})["hash"]
        while _call(port, "GET", f"/api/results/{key}")["state"] != "running":
            assert time.monotonic() - began < HANG_S, "the what-if never ran"
            time.sleep(0.1)
        assert len(_session(server.pid)) >= 2  # the server and its worker
        os.killpg(server.pid, signal.SIGINT)  # a Ctrl-C in its terminal: the whole foreground group
        out, err = server.communicate(timeout=HANG_S)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.communicate()
    assert server.returncode == 0, err
    assert f"http://127.0.0.1:{port}/" in out and "Traceback" not in err
    while _session(server.pid):  # no worker left behind (multiprocessing's resource tracker ends just after)
        assert time.monotonic() - began < HANG_S, f"left running: {_session(server.pid)}"
        time.sleep(0.1)
