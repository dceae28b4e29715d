"""Benchmark: how long ``gpec solve`` takes to exit after a SIGINT or SIGTERM, and where that time goes.

Run: ``.venv/bin/python benchmarks/bench_interrupt.py [--at 12,20,45] [--signal TERM]``.

Each run is the issue's case, the Landes Département at 2 M EUR a year with ``--gap 0`` (a solve of
several minutes), signalled ``--at`` seconds after it starts (in a new session: a background job's SIGINT
would be ignored). The table gives, per run: the seconds from the signal to the exit, the exit code,
the status and violations written, and every phase's seconds from ``result.json``'s timings (those
after the signal: making the plan whole, the tables, the independent check, writing). The load
average is printed beside, since every figure depends on the machine being free. Nothing here asserts
a time: the test suite never times anything.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMAND = ["-m", "gpec.cli", "solve", "instances/landes", "--budget", "cd40=2000000", "--gap", "0",
           "--time-limit", "600", "--quiet"]


def run(at: float, signum: int, out: Path) -> dict:
    """One solve signalled ``at`` seconds after its start: seconds to exit, code, and the result."""
    proc = subprocess.Popen([sys.executable, *COMMAND, "--out", str(out)], cwd=ROOT, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(at)
    sent = time.perf_counter()
    os.killpg(proc.pid, signum)
    _, err = proc.communicate()
    exit_s = time.perf_counter() - sent
    row = {"at_s": at, "exit_s": exit_s, "code": proc.returncode, "stderr": err.strip().splitlines()[-1:]}
    result = out / "result.json"
    if result.exists():
        head = json.loads(result.read_text())
        row.update(status=head["status"], violations=head["violations"], phases=_phases(head["timings"]))
    return row


def _phases(timings: dict) -> list[tuple[str, float]]:
    """Every phase of the run (sub-phases indented), in order: name and seconds used."""
    found = []

    def walk(phases: dict, depth: int) -> None:
        for name, phase in sorted(phases.items(), key=lambda item: item[1]["start_s"]):
            found.append(("  " * depth + name, round(phase["seconds"], 2)))
            walk(phase.get("phases", {}), depth + 1)

    walk(timings.get("phases", {}), 0)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--at", default="12,20,45", help="Seconds after the start to signal, comma-separated.")
    parser.add_argument("--signal", default="TERM", choices=("TERM", "INT"))
    args = parser.parse_args()
    signum = signal.SIGTERM if args.signal == "TERM" else signal.SIGINT
    print(f"load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores; gpec {' '.join(COMMAND[2:])}")
    with tempfile.TemporaryDirectory() as tmp:
        for k, at in enumerate(float(v) for v in args.at.split(",")):
            row = run(at, signum, Path(tmp) / f"run{k}")
            print(f"SIG{args.signal} at {at:g} s: exit {row['code']} after {row['exit_s']:.2f} s, "
                  f"{row.get('status', 'nothing written')}, violations {row.get('violations', '-')}")
            for name, used in row.get("phases", []):
                print(f"    {name}: {used:g} s")
            print(f"    {' '.join(row['stderr'])}")


if __name__ == "__main__":
    main()
