"""Processes for tests/test_interrupt.py that place a signal or a fault exactly where a test needs it.

Run as ``python tests/interrupt_driver.py MODE ...`` (the repository's root on ``PYTHONPATH``):

``write SIGNALS GPEC-ARGS...``
    ``gpec GPEC-ARGS`` (:func:`gpec.cli.main`) in which the first call of :func:`gpec.report.write_report`
    (the output folder is being written: its staging folder exists, the tables are in it, the report
    and the workbook are not) sends this process ``SIGNALS`` SIGINTs, each once the one before has been
    handled (:meth:`gpec.interrupt.Catcher.received` returned), so that no two are merged and none comes
    at a moment left to the scheduler. Before each signal it writes ``interrupt_driver: SIGINT i of n in
    STAGING-FOLDER`` on stderr; then the write goes on.

``deaf-highs``
    The Landes on three years at 2 M EUR with ``--gap 0`` solved through the Python API within
    :func:`gpec.interrupt.catching`, HiGHS made deaf to the stop request (as inside its sub-MIPs) and a
    grace of 0.2 s; SIGTERM once HiGHS reports an incumbent. Prints what the test checks as one JSON
    object and ends with :func:`os._exit`: the HiGHS thread left running ends with the process, not with
    the test session.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from pathlib import Path

import numpy as np

#: Seconds the driver waits for a signal to be handled (a hung run fails instead of hanging).
PATIENCE = 300


class SignalOnIncumbent:
    """A progress reporter that sends this process ``signum`` once the solver reports an incumbent."""

    def __init__(self, signum):
        self.signum, self.sent = signum, False

    def start(self, stage):
        pass

    def done(self, report):
        pass

    def update(self, seconds, incumbent, bound, gap):
        if not self.sent and np.isfinite(incumbent) and abs(incumbent) < 1e20:
            self.sent = True
            os.kill(os.getpid(), self.signum)


def signals_while_writing(signals: int, args: list[str]) -> None:
    """Mode ``write`` (module docstring)."""
    import gpec.report
    from gpec import interrupt
    from gpec.cli import main

    handled = threading.Semaphore(0)
    received = interrupt.Catcher.received

    def counted(self, signum):  # runs in the watcher thread; a hard abort never returns
        received(self, signum)
        handled.release()

    write_report = gpec.report.write_report
    sent = []

    def signalling(result, instance, path, *rest, **options):
        if not sent:
            for i in range(1, signals + 1):
                sent.append(i)
                print(f"interrupt_driver: SIGINT {i} of {signals} in {Path(path).parent.name}", file=sys.stderr,
                      flush=True)
                os.kill(os.getpid(), signal.SIGINT)
                if not handled.acquire(timeout=PATIENCE):
                    raise RuntimeError(f"SIGINT {i} not handled within {PATIENCE} s")
        return write_report(result, instance, path, *rest, **options)

    interrupt.Catcher.received = counted
    gpec.report.write_report = signalling
    sys.argv = ["gpec", *args]
    main()


def deaf_highs() -> None:
    """Mode ``deaf-highs`` (module docstring)."""
    from gpec import interrupt
    from gpec.instance import load_instance
    from gpec.scenario import Scenario
    from gpec.solvers.highs import HighsBackend
    from gpec.solving import solve

    HighsBackend._stop_now = lambda self: None
    HighsBackend._stop_asked = lambda self: self.abandoned
    interrupt.GRACE_S = 0.2
    landes = load_instance(Path(__file__).resolve().parents[1] / "instances" / "landes")
    scenario = Scenario(horizon=(2026, 2028), budgets={"cd40": 2_000_000}, mip_gap=0.0, time_limit=120)
    with interrupt.catching() as caught:
        result = solve(landes, scenario, progress=SignalOnIncumbent(signal.SIGTERM))
    first = result.stages[0]
    report = {"abandoned": caught.abandoned, "solver_status": first.solver_status,
              "bound": first.bound, "objective": first.objective,
              "status": result.status, "has_solution": result.has_solution, "violations": result.violations}
    print(json.dumps(report), flush=True)
    sys.stderr.flush()
    os._exit(0)  # the HiGHS thread left running: not waited for


if __name__ == "__main__":
    if sys.argv[1:2] == ["write"]:
        signals_while_writing(int(sys.argv[2]), sys.argv[3:])
    elif sys.argv[1:] == ["deaf-highs"]:
        deaf_highs()
    else:
        sys.exit(f"usage: {sys.argv[0]} write SIGNALS GPEC-ARGS... | deaf-highs")
