"""The solving process of one instance: a warm :class:`~gpec.planner.Planner`, one what-if at a time.

:func:`serve` is the target of a ``spawn`` process (:class:`gpec.web.jobs.Worker`). It loads the
instance, says ``ready`` and then, for each ``(hash, scenario)`` it receives, switches its planner to the
scenario and solves it (shadow prices off), forwarding the solve's progress; it answers with the result,
then readies the next what-if's first look (:meth:`gpec.Planner.prepare`, so that it shows a plan and
its bound within a fraction of a second; a failure there only leaves it without), computes the plan's shadow prices on the live model
(:meth:`gpec.Planner.shadow_prices`) and sends them, then says ``idle``. Messages to the parent are
tuples, ``(kind, hash, ...)``.

**Cancel by signal.** :func:`gpec.interrupt.catching` catches signals only in a main thread, so each
instance solves in its own process, whose main thread runs the solve within ``catching``: the parent's
SIGINT stops HiGHS and the solve returns its incumbent, saying it was interrupted. A SIGINT during the
shadow prices stops them (the parent sends one when a what-if waits). Outside these blocks a SIGINT
only sets a flag, so one that comes just before a step skips that step, and one that comes after it
is dropped with the next what-if. The process starts its own process group, so a Ctrl-C in the
server's terminal does not reach it: the parent stops its workers.
A solve whose solver thread had to be left running (:class:`gpec.interrupt.Abandoned`) is answered,
then the process exits and the parent starts a fresh one.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import threading
import time
from dataclasses import replace

#: Shortest interval between two progress messages of a stage (seconds); the first finite incumbent, the
#: first finite gap and the end of a stage are always sent at once.
PROGRESS_S = 0.25


class PipeProgress:
    """The :class:`gpec.progress.Progress` interface, sent down a pipe as ``("progress", hash, {...})``."""

    def __init__(self, conn, key: str):
        self.conn, self.key, self.began = conn, key, time.perf_counter()
        self.stage, self.sent, self.seen = "", 0.0, set()  # seen: "incumbent", "gap" once finite

    def start(self, stage: str) -> None:
        self.stage = stage
        self._send(math.nan, math.nan, math.nan)

    def update(self, seconds: float, incumbent: float, bound: float, gap: float) -> None:
        finite = {name for name, value in (("incumbent", incumbent), ("gap", gap)) if math.isfinite(value)}
        if finite - self.seen or time.perf_counter() - self.sent >= PROGRESS_S:
            self.seen |= finite
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
    asked = threading.Event()  # a SIGINT came outside a solve: it stops the step about to start
    signal.signal(signal.SIGINT, lambda signum, frame: asked.set())
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
        except (EOFError, OSError):
            return
        if task is None:
            return
        asked.clear()  # a signal sent for the last what-if, which had ended
        key, scenario = task
        abandoned = False
        try:
            conn.send(("started", key))
            abandoned = _solve(planner, key, scenario, conn, interrupt, asked)
        except Exception as error:  # noqa: BLE001 -- one what-if's failure is its answer
            conn.send(("error", key, error_line(error)))
            planner = Planner(planner.instance)  # its live model may be half changed
        if abandoned:
            conn.send(("exit", key))
            os._exit(0)  # a solver thread still runs in this process: a fresh worker takes over
        conn.send(("idle", key))


def _solve(planner, key: str, scenario, conn, interrupt, asked: threading.Event) -> bool:
    """Solve one what-if, then its shadow prices; whether a solver thread had to be left running. A
    signal before a step's ``catching`` block (``asked``) stops that step before it starts."""
    planner.switch(scenario)
    with interrupt.catching(hard=False) as caught:
        if asked.is_set():
            conn.send(("cancelled", key))
            return False
        result = planner.solve(progress=PipeProgress(conn, key))
    abandoned = bool(caught.abandoned)
    conn.send(("done", key, replace(result, applied=None)))  # the parent rebuilds the instance
    if caught.signum is not None or asked.is_set() or abandoned or not result.has_solution:
        return abandoned
    with interrupt.catching(hard=False) as caught:  # the next what-if's first look, then the prices
        if not asked.is_set():
            with contextlib.suppress(Exception):  # without its look, the next what-if solves as before
                planner.prepare(scenario.time_limit)
        prices = None if asked.is_set() or caught.signum is not None else planner.shadow_prices(scenario.time_limit)
    conn.send(("prices", key, prices))
    return bool(caught.abandoned)
