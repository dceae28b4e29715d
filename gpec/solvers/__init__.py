"""Solver backends: a backend-neutral :class:`~gpec.models.linear.LinearModel` in, a stage outcome out.

Every backend maps its termination to the one status vocabulary of gpec (:data:`STATUSES`), has the
methods of :class:`Backend` and declares what more it can do (:class:`Capability`, each with its methods:
:data:`METHODS`); callers ask the declaration, never a solver's name: :func:`supports`, :func:`provider`
(a backend that has what a phase needs, the one chosen when it can), :func:`second_opinion` (``--verify``)
and :func:`holding` (changes in place). :class:`TimeBudget` shares one time limit between the solves of
a run.

``tests/test_capabilities.py`` exercises every flag of every backend, claimed or not.
"""

from __future__ import annotations

import contextlib
import enum
import math
import time
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

#: The five status words used everywhere in gpec. ``feasible`` = stopped at a limit with an incumbent.
STATUSES = ("optimal", "feasible", "infeasible", "unbounded", "error")


class Capability(enum.Enum):
    """What a backend can do beyond :class:`Backend`; the value is how a message names it.

    A backend that lacks one refuses it: the methods of its protocol (:data:`METHODS`) are absent (or raise
    :class:`NotImplementedError`), ``set_start`` raises :class:`NotImplementedError` without
    :attr:`WARM_START`, ``solve(..., solution_limit=n)`` without :attr:`SOLUTION_LIMIT`, the constructor
    on a model with integer columns without :attr:`MIP`; without :attr:`TIME_LIMIT_INCUMBENT` a solve
    stopped by its time limit returns no plan.
    """

    #: integer columns are solved as such (branch and bound), not relaxed
    MIP = "mixed-integer programs"
    #: a solve stopped by its time limit returns its incumbent and its bound (status ``feasible``)
    TIME_LIMIT_INCUMBENT = "incumbent and bound at a time limit"
    #: ``set_start(x)``: a feasible start is taken as the first incumbent, so the solve returns a plan at
    #: least as good
    WARM_START = "warm starts"
    #: ``update(lp)``, ``change_row_bounds``, ``change_col_bounds``: the live model changed, not rebuilt
    IN_PLACE_CHANGES = "changes in place"
    #: ``duals()`` and ``solution_values()`` after an LP solve: row duals, reduced costs, row activities
    LP_DUALS = "LP duals"
    #: ``iis(time_limit)``: an irreducible infeasible subsystem of an infeasible LP
    IIS = "IIS"
    #: ``solve(..., solution_limit=n)`` stops after ``n`` improving solutions (a deterministic limit)
    SOLUTION_LIMIT = "solution limit"
    #: ``add_columns``: columns appended to the live model (column generation)
    COLUMN_GENERATION = "column generation"


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


@runtime_checkable
class Backend(Protocol):
    """What every backend has: a LinearModel handed over once (``Backend(lp, threads=None,
    verbose=False)``), then objectives, rows and starts set on the live model and solves.

    Optional hooks, asked with ``hasattr``/``getattr`` where they matter: ``set_progress(report)`` (live
    incumbent and bound), ``set_enough(gap, after_s)`` and ``set_guard(stop)`` (stop early, keeping the
    incumbent), ``least_seconds`` (the least time a solve from a start needs), ``relaxation_first``,
    ``interrupt_grace`` and ``abandoned`` (:mod:`gpec.interrupt`).
    """

    #: the solver's name, as ``--solver`` takes it
    name: str
    #: what it can do beyond these methods
    capabilities: frozenset[Capability]

    def set_objective(self, cost: np.ndarray) -> None:
        """Minimise ``cost . x`` (the live model's rows and bounds unchanged)."""

    def add_row(self, coefs: np.ndarray, lower: float, upper: float) -> None:
        """Add the row ``lower <= coefs . x <= upper`` to the live model."""

    def add_objective_cap(self, cost: np.ndarray, cap: float) -> None:
        """Add the row ``cost . x <= cap`` (the link between lexicographic stages)."""

    def set_start(self, x: np.ndarray) -> None:
        """Start the next solve from ``x``, one value per column (:attr:`Capability.WARM_START`)."""

    def solve(self, time_limit: float, mip_gap: float, solution_limit: int | None = None) -> StageOutcome:
        """Minimise within ``time_limit`` seconds to relative gap ``mip_gap`` (and ``solution_limit``
        improving solutions: :attr:`Capability.SOLUTION_LIMIT`)."""


@runtime_checkable
class InPlaceChanges(Protocol):
    """:attr:`Capability.IN_PLACE_CHANGES`."""

    def update(self, lp) -> None:
        """Make the live model that of ``lp`` (same columns and rows, other numbers)."""

    def change_row_bounds(self, rows: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        """New bounds of rows of the live model."""

    def change_col_bounds(self, cols: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        """New bounds of columns of the live model."""


@runtime_checkable
class LpDuals(Protocol):
    """:attr:`Capability.LP_DUALS`."""

    def duals(self) -> tuple[np.ndarray, np.ndarray]:
        """Row duals and column reduced costs of the last LP solve: the change of the objective per unit
        increase of the bound a row or column sits at."""

    def solution_values(self) -> tuple[np.ndarray, np.ndarray]:
        """Column values and row activities of the last solve."""


@runtime_checkable
class Iis(Protocol):
    """:attr:`Capability.IIS`."""

    def iis(self, time_limit: float = math.inf) -> tuple[list[tuple[int, str]], list[tuple[int, str]], bool]:
        """(row, bound) and (column, bound) pairs of an infeasible subset of an infeasible LP, bound
        ``lower``, ``upper`` or ``both``, and whether it is irreducible."""


@runtime_checkable
class ColumnGeneration(Protocol):
    """:attr:`Capability.COLUMN_GENERATION`."""

    def add_columns(self, cost: np.ndarray, rows: list[np.ndarray], values: list[np.ndarray],
                    lower: float = 0.0, upper: float = math.inf) -> None:
        """Append columns: ``rows[j]``, ``values[j]`` are the nonzeros of column ``j``."""


#: The protocol of each capability that adds methods to :class:`Backend`.
PROTOCOLS = {Capability.IN_PLACE_CHANGES: InPlaceChanges, Capability.LP_DUALS: LpDuals, Capability.IIS: Iis,
             Capability.COLUMN_GENERATION: ColumnGeneration}
#: Their methods, by capability (the other capabilities change what the methods of :class:`Backend` do).
METHODS = {c: tuple(name for name, v in vars(p).items() if callable(v) and not name.startswith("_"))
           for c, p in PROTOCOLS.items()}


def relative_gap(objective: float, bound: float) -> float:
    """HiGHS's convention: |objective - bound| / |objective| (0 when they meet, inf without a bound)."""
    if not math.isfinite(bound):
        return math.inf
    diff = abs(objective - bound)
    return 0.0 if diff <= 1e-9 else diff / max(abs(objective), 1e-9)


#: The backends that solve any LinearModel (continuous columns too): the ones ``gpec solve --solver``
#: takes, in the order :func:`provider` and :func:`second_opinion` try them.
GENERAL = ("highs", "ortools")


def get_backend(name: str):
    """The backend class of a solver name (one of :data:`GENERAL`)."""
    from gpec.errors import GpecError
    from gpec.solvers.highs import HighsBackend
    from gpec.solvers.ortools import OrtoolsBackend

    general = {HighsBackend.name: HighsBackend, OrtoolsBackend.name: OrtoolsBackend}
    if name not in general:
        raise GpecError(f"unknown solver '{name}' (available: {', '.join(general)})")
    return general[name]


def backends() -> dict[str, type]:
    """Every backend class by name: those of :data:`GENERAL`, then ``cpsat`` (pure-integer models with
    integer data only: the groupings)."""
    from gpec.solvers.cpsat import CpSatBackend

    return {**{name: get_backend(name) for name in GENERAL}, CpSatBackend.name: CpSatBackend}


def supports(backend, *capabilities: Capability) -> bool:
    """``backend`` (a backend or its class) declares every one of ``capabilities``."""
    return set(capabilities) <= backend.capabilities


def lacking(backend, capabilities) -> list[Capability]:
    """Those of ``capabilities`` that ``backend`` (a backend or its class) does not declare, in
    :class:`Capability` order."""
    return [c for c in Capability if c in set(capabilities) and c not in backend.capabilities]


def provider(capabilities, prefer=None) -> type:
    """The backend class for a phase that needs ``capabilities``: that of ``prefer`` (a backend, its class
    or a solver name: the one the user chose) when it has them all, else the first of :data:`GENERAL`
    that has.

    Raises
    ------
    GpecError
        When no backend has them all.
    """
    from gpec.errors import GpecError

    chosen = _class_of(prefer)
    if chosen is not None and supports(chosen, *capabilities):
        return chosen
    for name in GENERAL:
        if supports(get_backend(name), *capabilities):
            return get_backend(name)
    raise GpecError(f"no solver backend has {_words(capabilities)} (backends: {', '.join(GENERAL)})")


def _class_of(backend) -> type | None:
    """The backend class of a backend, its class or a solver name (``None``: ``None``)."""
    if backend is None or isinstance(backend, type):
        return backend
    return get_backend(backend) if isinstance(backend, str) else type(backend)


def _words(capabilities) -> str:
    """``capabilities`` as a message names them, in :class:`Capability` order."""
    return ", ".join(c.value for c in Capability if c in set(capabilities))


def stand_in(what: str, chosen, used, needs) -> str:
    """The sentence saying that ``what``, which needs ``needs``, was computed by ``used`` (a backend or its
    class), not by the ``chosen`` one, which lacks some of them ("" when they are the same backend)."""
    if chosen.name == used.name:
        return ""
    return f"{what} computed by {used.name} ({chosen.name} has no {_words(lacking(chosen, needs))})"


#: What ``--verify``'s second backend needs: it solves the same MIP, started from the first plan, and
#: keeps its incumbent at its time limit.
VERIFIER_NEEDS = frozenset({Capability.MIP, Capability.TIME_LIMIT_INCUMBENT, Capability.WARM_START})


def second_opinion(solver: str, needs=VERIFIER_NEEDS) -> str:
    """The solver ``--verify`` solves again with: the first of :data:`GENERAL` other than ``solver`` (a
    second opinion is another code) that has every capability of ``needs``.

    Raises
    ------
    GpecError
        Naming ``--verify`` when there is none.
    """
    from gpec.errors import GpecError

    for name in GENERAL:
        if name != solver and supports(get_backend(name), *needs):
            return name
    raise GpecError(f"--verify: no solver other than {solver} has {_words(needs)} (backends: {', '.join(GENERAL)})")


def in_place(backend) -> bool:
    """``backend`` can be changed in place now: it declares :attr:`Capability.IN_PLACE_CHANGES` and was
    not left running after an interrupt (:mod:`gpec.interrupt`)."""
    return supports(backend, Capability.IN_PLACE_CHANGES) and not getattr(backend, "abandoned", False)


def holding(backend, lp):
    """``backend`` made to hold ``lp`` in place when it can (:func:`in_place`: a run hands its model to the
    solver once, the later phases change bounds and integrality), else a new backend of the same solver
    for ``lp``."""
    if in_place(backend):
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
    def split(self, name: str, share: float | None):
        """A phase made of several (solves, or a check while files are written): yields the
        :class:`TimeBudget` of its limit (none for ``share`` None), whose phases are recorded under this
        phase's ``phases``."""
        with self.phase(name, share) as phase:
            inner = TimeBudget(math.inf if phase.limit_s is None else phase.limit_s, start=self.start + phase.start_s)
            inner.phases = phase.phases
            yield inner

    def report(self) -> dict:
        """``limit_s``, ``reserve_s``, ``total_s`` (elapsed) and ``phases``: name -> :meth:`Phase.record`,
        in the order they started."""
        return {"limit_s": self.seconds, "reserve_s": self.reserve, "total_s": self.elapsed(),
                "phases": {name: p.record() for name, p in self.phases.items()}}
