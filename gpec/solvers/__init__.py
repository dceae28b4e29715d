"""Solver backends: a backend-neutral :class:`~gpec.models.linear.LinearModel` in, a stage outcome out.

Every backend maps its termination to the one status vocabulary of gpec (:data:`STATUSES`) and declares
what it can do (:class:`Capability`), so callers and tests ask the table instead of naming solvers.
:class:`TimeBudget` shares one time limit between the solves of a run.
"""

from __future__ import annotations

import contextlib
import enum
import math
import time
from dataclasses import dataclass

import numpy as np

#: The five status words used everywhere in gpec. ``feasible`` = stopped at a limit with an incumbent.
STATUSES = ("optimal", "feasible", "infeasible", "unbounded", "error")


class Capability(enum.Enum):
    MIP = "mixed-integer programs"
    TIME_LIMIT_INCUMBENT = "returns the incumbent and bound at a time limit"
    WARM_START = "accepts a start solution"
    IN_PLACE_CHANGES = "makes its live model that of a changed LinearModel of the same shape (update)"
    LP_DUALS = "row duals and reduced costs of linear programs"
    IIS = "irreducible infeasible subsystem (LP)"
    SOLUTION_LIMIT = "stops after a number of improving solutions (deterministic limit)"


@dataclass(frozen=True)
class StageOutcome:
    """What one solve of one objective returned."""

    status: str
    objective: float
    bound: float
    gap: float
    runtime_s: float
    x: np.ndarray | None
    solver_status: str


def relative_gap(objective: float, bound: float) -> float:
    """HiGHS's convention: |objective - bound| / |objective| (0 when they meet, inf without a bound)."""
    if not math.isfinite(bound):
        return math.inf
    diff = abs(objective - bound)
    return 0.0 if diff <= 1e-9 else diff / max(abs(objective), 1e-9)


def get_backend(name: str):
    """The backend class of a solver name."""
    from gpec.errors import GpecError
    from gpec.solvers.highs import HighsBackend
    from gpec.solvers.ortools import OrtoolsBackend

    backends = {HighsBackend.name: HighsBackend, OrtoolsBackend.name: OrtoolsBackend}
    if name not in backends:
        raise GpecError(f"unknown solver '{name}' (available: {', '.join(backends)})")
    return backends[name]


def holding(backend, lp):
    """``backend`` made to hold ``lp`` in place when it can (:attr:`Capability.IN_PLACE_CHANGES`: a run
    hands its model to the solver once, the later phases change bounds and integrality), else a new
    backend of the same solver for ``lp`` (also when ``backend`` was left running after an interrupt:
    :mod:`gpec.interrupt`)."""
    if Capability.IN_PLACE_CHANGES in backend.capabilities and not getattr(backend, "abandoned", False):
        backend.update(lp)
        return backend
    return type(backend)(lp)


#: A solve offered fewer seconds than this is not started (reported as not computed / not run).
MIN_SOLVE_S = 0.05


class Phase:
    """One timed phase of a run: ``start_s`` (seconds from the start of the run), ``limit_s`` (the seconds
    it was given, ``None`` for a phase that cannot stop at a limit), ``seconds`` (used, once ended) and,
    for a phase made of several solves, their ``phases``."""

    def __init__(self, start_s: float, limit_s: float | None, began: float):
        self.start_s, self.limit_s, self.seconds = start_s, limit_s, None
        self.phases: dict[str, Phase] = {}
        self._began = began  # time.perf_counter() at its start

    def left(self) -> float:
        """Seconds of the limit not used yet (0 when used up): what a solve started now may take."""
        return max(0.0, self.limit_s - (time.perf_counter() - self._began))

    def record(self) -> dict:
        out = {"start_s": self.start_s, "limit_s": self.limit_s, "seconds": self.seconds}
        if self.phases:
            out["phases"] = {name: p.record() for name, p in self.phases.items()}
        return out


class TimeBudget:
    """One wall-clock limit shared by the phases of a run, and the record of what each phase got and used.

    A phase that can stop at a time limit (a solve) is given a ``share`` of the time left when it starts,
    so time that a phase does not use is left to the later ones; every phase, bounded or not, is timed.
    :meth:`report` is the record written to ``result.json`` (``timings``).

    Parameters
    ----------
    seconds : float
        The limit, counted from ``start``.
    reserve : float
        Seconds at the end of the limit never handed to a phase: kept for the work that cannot stop at a
        limit (the tables, the independent check, writing the outputs).
    start : float, optional
        :func:`time.perf_counter` value at which the run began (default: now).
    """

    def __init__(self, seconds: float, reserve: float = 0.0, start: float | None = None):
        self.seconds, self.reserve = float(seconds), float(reserve)
        self.start = time.perf_counter() if start is None else start
        self.phases: dict[str, Phase] = {}

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    @contextlib.contextmanager
    def phase(self, name: str, share: float | None = None):
        """Time the ``with`` block as phase ``name``, given ``share`` of the time left when it starts (the
        limit less the time used and the reserve; ``None``: a phase that cannot stop at a limit). Yields
        the :class:`Phase`; its solves take :meth:`Phase.left`, so ``start_s + limit_s`` of a phase never
        passes the limit less the reserve."""
        began = time.perf_counter()
        offset = began - self.start
        limit = None if share is None else share * max(0.0, self.seconds - self.reserve - offset)
        phase = self.phases[name] = Phase(offset, limit, began)
        try:
            yield phase
        finally:
            phase.seconds = time.perf_counter() - began

    @contextlib.contextmanager
    def split(self, name: str, share: float):
        """A phase made of several solves: yields the :class:`TimeBudget` of its limit, whose phases are
        recorded under this phase's ``phases``."""
        with self.phase(name, share) as phase:
            inner = TimeBudget(phase.limit_s, start=self.start + phase.start_s)
            inner.phases = phase.phases
            yield inner

    def report(self) -> dict:
        """``limit_s``, ``reserve_s``, ``total_s`` (elapsed) and ``phases``: name -> :meth:`Phase.record`,
        in the order they started."""
        return {"limit_s": self.seconds, "reserve_s": self.reserve, "total_s": self.elapsed(),
                "phases": {name: p.record() for name, p in self.phases.items()}}
