"""Benchmark: ``gpec serve`` on the Landes, as the page sees it: what-ifs and cached scenarios.

Run: ``.venv/bin/python benchmarks/bench_serve.py [--time-limit 60] [--hits 20]``.

Starts ``gpec serve instances/landes`` on a free port of this machine, with an empty cache folder and
its warm-up (the default scenario solved first), waits for the warm-up to end, then posts what-ifs one
after the other and polls ``GET /api/results/{hash}`` every 20 ms. For each it prints the seconds from
the POST to the first progress with a finite incumbent and gap (the page's "first plan, not yet
proved") and to the answer (state ``done``: the proven plan, or the best one at the time limit); the
shadow prices computed after each answer are stopped by the next what-if, as when a planner moves on.
Then the latency of posting a scenario already solved (a cache hit: the whole
answer in the POST's reply), as the median and the largest of ``--hits`` posts. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Seconds between two polls of a result.
POLL_S = 0.02


def call(base: str, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method,
                                     headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def whatifs() -> list[tuple[str, dict]]:
    """What a planner tries first: the Département's envelope moved (up, then below the default's, where
    the last plan no longer fits), an effect size, a lever off."""
    return [
        ("departement 900 k EUR a year", {"budgets": {"departement": 900_000}}),
        ("departement 1.5 M EUR a year", {"budgets": {"departement": 1_500_000}}),
        ("departement 400 k EUR a year", {"budgets": {"departement": 400_000}}),
        ("eff_qvct_exit 0.2", {"parameters": {"eff_qvct_exit": 0.2}}),
        ("pools off", {"levers_off": ["pools"]}),
    ]


def follow(base: str, body: dict, prices: bool = False) -> dict:
    """POST ``body`` and poll its result: seconds to the first finite gap and to done (``prices``: to the
    shadow prices too)."""
    began = time.perf_counter()
    status, answer = call(base, "POST", "/api/solve", body)
    if status not in (200, 202):
        raise SystemExit(f"POST /api/solve: {status} {answer}")
    key, first = answer["hash"], None
    while True:
        _, answer = call(base, "GET", f"/api/results/{key}")
        now = time.perf_counter() - began
        progress = answer.get("progress") or {}
        if first is None and progress.get("gap") is not None and progress.get("incumbent") is not None:
            first = (now, progress["gap"], progress["stage"])
        if answer["state"] not in ("queued", "running") and (answer["prices"] != "pending" or not prices):
            return {"hash": key, "first": first, "done": now, "answer": answer}
        time.sleep(POLL_S)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--hits", type=int, default=20)
    args = parser.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    cache = tempfile.mkdtemp(prefix="gpec-bench-serve-")
    server = subprocess.Popen([sys.executable, "-m", "gpec.cli", "serve", str(ROOT / "instances" / "landes"),
                               "--port", str(port), "--time-limit", str(args.time_limit), "--cache", cache],
                              cwd=ROOT)
    try:
        began = time.perf_counter()
        while True:
            try:
                call(base, "GET", "/api/instances")
                break
            except OSError:
                time.sleep(0.1)
        print(f"server answering after {time.perf_counter() - began:.1f} s")
        warm = follow(base, {"instance": "landes"}, prices=True)  # the warm-up's job: the same scenario
        print(f"warm-up (default scenario, cold) with its shadow prices: done {warm['done']:.1f} s after this POST "
              f"({warm['answer']['status']}, gap {warm['answer']['gap']:.2e})")
        print(f"\n{'what-if':32} {'first gap':>10} {'gap then':>9} {'done':>7}  status")
        solved = []
        for name, change in whatifs():
            run = follow(base, {"instance": "landes", **change})
            first = run["first"]
            answer = run["answer"]
            limit = " (time limit)" if answer["time_limit_reached"] else ""
            print(f"{name:32} {first[0] if first else float('nan'):9.2f}s {first[1] if first else float('nan'):9.2%} "
                  f"{run['done']:6.1f}s  {answer['status']}, gap {answer['gap']:.2e}{limit}")
            solved.append({"instance": "landes", **change})
        hits = []
        for i in range(args.hits):
            body = solved[i % len(solved)]
            t0 = time.perf_counter()
            status, answer = call(base, "POST", "/api/solve", body)
            hits.append(time.perf_counter() - t0)
            assert status == 200 and answer["state"] == "done", (status, answer.get("state"))
        print(f"\ncache hit (POST of a solved scenario, whole answer): median {statistics.median(hits) * 1000:.0f} ms, "
              f"largest {max(hits) * 1000:.0f} ms over {len(hits)} posts")
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    main()
