"""``gpec serve`` as a command: its refusals in one line, and a real server that answers and stops on Ctrl-C."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.cli_helpers import ROOT, assert_one_line_error, gpec_env, run_gpec
from tests.conftest import LANDES
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gpec_serve_answers_on_loopback_and_stops_on_ctrl_c(tmp_path):
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "gpec.cli", "serve", str(LANDES), "--port", str(port),
                               "--no-warm", "--cache", str(tmp_path)], cwd=ROOT, env=gpec_env(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        began = time.monotonic()
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/instances") as answer:
                    instances = json.load(answer)
                break
            except OSError:
                assert server.poll() is None, server.stderr.read()
                assert time.monotonic() - began < HANG_S, "gpec serve never answered"
                time.sleep(0.2)
        assert [i["name"] for i in instances] == ["landes"]
        server.send_signal(signal.SIGINT)
        out, err = server.communicate(timeout=HANG_S)
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate()
    assert server.returncode == 0, err
    assert f"http://127.0.0.1:{port}/" in out and "Traceback" not in err
