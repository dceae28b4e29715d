"""The solving process of one instance: a warm :class:`~gpec.planner.Planner`, one what-if at a time.

:func:`serve` is the target of a ``spawn`` process (:class:`gpec.web.jobs.Worker`). It loads the
instance, says ``ready`` and then, for each ``(hash, scenario)`` it receives, switches its planner to the
scenario and solves it (shadow prices off), forwarding the solve's progress; it answers with the result,
then computes the plan's shadow prices on the live model (:meth:`gpec.Planner.shadow_prices`) and sends
them, then says ``idle``. Messages to the parent are tuples, ``(kind, hash, ...)``.

**Cancel by signal.** :func:`gpec.interrupt.catching` catches signals only in a main thread, so each
instance solves in its own process, whose main thread runs the solve within ``catching``: the parent's
SIGINT stops HiGHS and the solve returns its incumbent, saying it was interrupted. A SIGINT during the
shadow prices stops them (the parent sends one when a what-if waits). The process starts its own
process group, so a Ctrl-C in the server's terminal does not reach it: the parent stops its workers.
A solve whose solver thread had to be left running (:class:`gpec.interrupt.Abandoned`) is answered,
then the process exits and the parent starts a fresh one.
"""

from __future__ import annotations

import math
import os
import signal
import time
from dataclasses import replace

#: Shortest interval between two progress messages of a stage (seconds); the first finite incumbent and
#: the end of a stage are always sent at once.
PROGRESS_S = 0.25


class PipeProgress:
    """The :class:`gpec.progress.Progress` interface, sent down a pipe as ``("progress", hash, {...})``."""

    def __init__(self, conn, key: str):
        self.conn, self.key, self.began = conn, key, time.perf_counter()
        self.stage, self.sent, self.finite = "", 0.0, False

    def start(self, stage: str) -> None:
        self.stage = stage
        self._send(math.nan, math.nan, math.nan)

    def update(self, seconds: float, incumbent: float, bound: float, gap: float) -> None:
        first = math.isfinite(incumbent) and not self.finite
        if first or time.perf_counter() - self.sent >= PROGRESS_S:
            self.finite = self.finite or first
            self._send(incumbent, bound, gap)

    def done(self, report) -> None:
        self._send(report.objective, report.bound, report.gap)

    def _send(self, incumbent: float, bound: float, gap: float) -> None:
        self.sent = time.perf_counter()
        self.conn.send(("progress", self.key, {"stage": self.stage, "seconds": self.sent - self.began,
                                               "incumbent": incumbent, "bound": bound, "gap": gap}))


def serve(folder: str, conn) -> None:
    """The worker's loop (module docstring); ``folder`` is the instance folder, ``conn`` its pipe end."""
    os.setpgrp()  # the terminal's Ctrl-C goes to the server alone
    signal.signal(signal.SIGINT, signal.default_int_handler)
    from gpec import interrupt
    from gpec.instance import load_instance
    from gpec.parallel.task import error_line
    from gpec.planner import Planner

    try:
        planner = Planner(load_instance(folder))
    except Exception as error:  # noqa: BLE001 -- said to the parent, which reports it
        conn.send(("failed", "", error_line(error)))
        return
    conn.send(("ready", ""))
    while True:
        try:
            task = conn.recv()
        except KeyboardInterrupt:  # a cancel that came after the solve ended
            continue
        except (EOFError, OSError):
            return
        if task is None:
            return
        key, scenario = task
        abandoned = False
        try:
            conn.send(("started", key))
            abandoned = _solve(planner, key, scenario, conn, interrupt)
        except KeyboardInterrupt:  # a second signal, or one between two steps: the what-if is dropped
            conn.send(("cancelled", key))
            planner = Planner(planner.instance)  # its live model may be half changed
        except Exception as error:  # noqa: BLE001 -- one what-if's failure is its answer
            conn.send(("error", key, error_line(error)))
            planner = Planner(planner.instance)
        if abandoned:
            conn.send(("exit", key))
            os._exit(0)  # a solver thread still runs in this process: a fresh worker takes over
        conn.send(("idle", key))


def _solve(planner, key: str, scenario, conn, interrupt) -> bool:
    """Solve one what-if and its shadow prices; whether a solver thread had to be left running."""
    planner.switch(scenario)
    with interrupt.catching(hard=False) as caught:
        result = planner.solve(progress=PipeProgress(conn, key))
        stopped = caught.signum is not None
    abandoned = bool(caught.abandoned)
    conn.send(("done", key, replace(result, applied=None)))  # the parent rebuilds the instance
    if stopped or abandoned or not result.has_solution:
        return abandoned
    with interrupt.catching(hard=False) as caught:
        prices = planner.shadow_prices(scenario.time_limit)
    conn.send(("prices", key, prices))
    return bool(caught.abandoned)
