"""A what-if's first plan and bound within a fraction of a second, ahead of the solver's own (``gpec serve``).

HiGHS proves a what-if from scratch: its first bound waits for the root LP of its branch and cut, solved
after presolve without a basis (1.2 to 1.9 s on the Landes; the plan it starts from, the last what-if's,
is often far from the new optimum). A :class:`FirstLook` keeps the LP relaxation of stage 1 on a side
solver model, changed in place with each what-if (:meth:`gpec.planner.Planner.solve`) and re-solved by
dual simplex from its last basis: a moved envelope or effect size takes it tens of iterations to a few
thousand (measured on the Landes from the default plan: 0.02 to 0.13 s for an envelope raised by up to 80 %
or an effect size changed; 1.4 s for an envelope tripled). From it come a valid bound at once and,
when the LP is solved, a plan, the start of HiGHS's solve.

Formulation
-----------
Stage 1 minimises :math:`c^\\top x` subject to :math:`r^- \\le A x \\le r^+`, :math:`l \\le x \\le u` and
:math:`x_j` whole for :math:`j \\in J`. Symbols:

* :math:`c`: the stage-1 objective (weighted unmet need); :math:`A`, :math:`r^\\pm`, :math:`l`, :math:`u`:
  the what-if's rows, their bounds and the column bounds; :math:`J`: the integer columns;
* :math:`y`: row multipliers, the side LP's row duals as they stand (optimal or not);
  :math:`d = c - A^\\top y`: the reduced costs they give;
* :math:`L(y)`: the bound; :math:`\\bar x`: the plan.

**The bound** (weak duality). For any :math:`y`,

.. math:: L(y) = \\sum_i \\min(y_i r^-_i,\\; y_i r^+_i) + \\sum_j \\min(d_j l_j,\\; d_j u_j) \\le c^\\top x

for every :math:`x` within the rows and column bounds, hence at most the MIP's optimum. It holds whatever
:math:`y` is, so the side LP may stop at :data:`LOOK_LP_S`: dual simplex iterates are dual feasible, and
the bound rises with them; at the LP's optimum it is the LP's value. A product with an infinite bound is
:math:`-\\infty`. Multipliers under :data:`ZERO` are taken as 0 (exact: :math:`d` is computed from the
multipliers so taken). The one approximation: a reduced cost against an infinite bound that is 0 up to
the round-off of computing it (:data:`ROUND_OFF` times :math:`|c_j| + \\sum_i |a_{ij} y_i|`) counts as
0, where the exact term is :math:`-\\infty`; it moves the bound by at most that round-off times
:math:`|x_j|` (the reduced costs so counted were at most 4e-16 on the Landes).

**The plan** (round down, then the LP). With :math:`x^*` the LP's optimum, each :math:`x_j, j \\in J`, is
fixed at :math:`\\max(l_j, \\min(u_j, \\lfloor x^*_j \\rfloor))` and the other columns re-optimised (an LP
within :data:`LOOK_PLAN_S`); when that LP is solved and its solution is within every row and bound
(:data:`FEASIBLE_TOL`), :math:`\\bar x` is that solution: a plan of the MIP, its value
:math:`c^\\top \\bar x`, the start of HiGHS's solve when it is better than the last plan. Rounding down
spends no more than the LP did; a rule a plan rounded down breaks (a service level) leaves the look
without a plan, and HiGHS starts from the last one.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from gpec.solvers import relative_gap

#: Seconds the side LP is given before HiGHS starts (it resumes from where it stopped the next time).
LOOK_LP_S = 0.5
#: Seconds the LP of the plan rounded down is given.
LOOK_PLAN_S = 0.4
#: Multipliers smaller than this are taken as 0 in the bound.
ZERO = 1e-9
#: Relative round-off of a computed reduced cost (module docstring).
ROUND_OFF = 1e-12
#: A plan is within a row or bound, and whole, up to this (HiGHS's MIP feasibility tolerance).
FEASIBLE_TOL = 1e-6


@dataclass(frozen=True)
class Arrays:
    """What the bound and the checks of a plan read of a model, made once per what-if: its column and row
    bounds and integrality (:meth:`~gpec.models.linear.LinearModel.bounds`), its matrix and the matrix of
    absolute values, and the stage-1 objective."""

    bounds: dict
    matrix: object
    magnitude: object
    cost: np.ndarray

    @classmethod
    def of(cls, model) -> "Arrays":
        matrix = model.lp.matrix()
        return cls(model.lp.bounds(), matrix, abs(matrix), model.lp.objective_vector(model.stages[0]))

    def bound(self, y: np.ndarray) -> float:
        """:math:`L(y)` of ``cost`` for the row multipliers ``y`` (module docstring); ``-inf`` when a
        multiplier or a reduced cost meets an infinite bound."""
        bounds = self.bounds
        y = np.where(np.abs(y) < ZERO, 0.0, np.asarray(y, float))
        d = self.cost - self.matrix.T @ y
        noise = ROUND_OFF * (np.abs(self.cost) + self.magnitude.T @ np.abs(y))
        return (_least(y, bounds["row_lower"], bounds["row_upper"], np.zeros_like(y))
                + _least(d, bounds["col_lower"], bounds["col_upper"], noise))

    def feasible(self, x: np.ndarray | None) -> bool:
        """Whether ``x`` is within every bound and row and whole where it must be (:data:`FEASIBLE_TOL`)."""
        if x is None or len(x) != len(self.cost) or not np.all(np.isfinite(x)):
            return False
        b, tol = self.bounds, FEASIBLE_TOL
        activity = self.matrix @ x
        whole = x[b["integer"]]
        return bool(np.all(x >= b["col_lower"] - tol) and np.all(x <= b["col_upper"] + tol)
                    and np.all(activity >= b["row_lower"] - tol) and np.all(activity <= b["row_upper"] + tol)
                    and np.all(np.abs(whole - np.round(whole)) <= tol))


def lagrangian_bound(lp, cost: np.ndarray, y: np.ndarray) -> float:
    """:math:`L(y)` (module docstring): a lower bound on ``cost . x`` over the rows and column bounds of
    ``lp`` (a :class:`~gpec.models.linear.LinearModel`), for any row multipliers ``y`` (one per row);
    ``-inf`` when a multiplier or a reduced cost meets an infinite bound (:meth:`Arrays.bound`)."""
    matrix = lp.matrix()
    return Arrays(lp.bounds(), matrix, abs(matrix), np.asarray(cost, float)).bound(y)


def _least(weights: np.ndarray, lower: np.ndarray, upper: np.ndarray, noise: np.ndarray) -> float:
    """:math:`\\sum_k \\min(w_k l_k, w_k u_k)`: ``-inf`` when a weight larger than its ``noise`` meets an
    infinite side; a weight within it counts as 0 there."""
    side = np.where(weights > 0, lower, upper)
    infinite = ~np.isfinite(side)
    if np.any(infinite & (np.abs(weights) > noise)):
        return -math.inf
    used = (weights != 0) & ~infinite
    return float(np.dot(weights[used], side[used]))


@dataclass(frozen=True)
class Look:
    """What a first look found.

    Attributes
    ----------
    bound : float
        :math:`L(y)`; ``-inf`` without one.
    plan : ndarray or None
        :math:`\\bar x`, checked within every row and bound (``None``: no plan).
    objective : float
        The plan's stage-1 value (``nan`` without a plan).
    seconds : float
        How long the look took.
    """

    bound: float
    plan: np.ndarray | None
    objective: float
    seconds: float


class FirstLook:
    """The LP relaxation of stage 1 of a model on a side HiGHS model (module docstring).

    Parameters
    ----------
    model : gpec.models.GpecModel
        The model (:func:`gpec.models.build_model`) whose stage 1 it relaxes.

    Attributes
    ----------
    model : gpec.models.GpecModel
        The model the side model holds now.
    warm : bool
        The side model holds a basis (its LP was solved once): dual simplex resumes from it.
    """

    def __init__(self, model):
        from gpec.solvers.highs import HighsBackend

        self.backend = HighsBackend(model.lp.relaxation())
        self.warm = False
        self._hold(model)

    @property
    def usable(self) -> bool:
        """False once its solver was left running after an interrupt (:mod:`gpec.interrupt`)."""
        return not self.backend.abandoned

    def update(self, model) -> None:
        """Make the side model that of ``model`` (same shape: changed in place, its basis kept)."""
        self.backend.update(model.lp.relaxation())
        self._hold(model)

    def prepare(self, seconds: float) -> bool:
        """Solve the side LP (by interior point and crossover when it has no basis yet) within ``seconds``,
        so that the next what-if's look resumes from its basis; whether it is solved."""
        h = self.backend.h
        if not self.warm:
            h.setOptionValue("solver", "ipm")
        try:
            return self._solve_lp(seconds).status == "optimal"
        finally:
            if self.usable:
                h.setOptionValue("solver", "choose")

    def look(self, lp_seconds: float, plan_seconds: float) -> Look:
        """The bound and, when the side LP is solved within ``lp_seconds``, the plan, its LP given
        ``plan_seconds`` (module docstring; :attr:`gpec.Planner.look_seconds`)."""
        began = time.perf_counter()
        solved = self._solve_lp(lp_seconds)
        bound, plan = self._bound(), None
        if solved.status == "optimal" and self.usable:
            plan = self._rounded_down(solved.x, plan_seconds)
        objective = float(self.arrays.cost @ plan) if plan is not None else math.nan
        return Look(bound, plan, objective, time.perf_counter() - began)

    def start(self, look: Look, last: np.ndarray | None) -> np.ndarray | None:
        """The start of the MIP: the better (stage 1) of the look's plan and the last plan when that one is
        still a plan of the changed model; the last plan when the look has none."""
        if look.plan is None or (self.arrays.feasible(last) and self.arrays.cost @ last <= look.objective):
            return last
        return look.plan

    # -- the side model --------------------------------------------------------------------------------
    def _hold(self, model) -> None:
        self.model, self.arrays = model, Arrays.of(model)
        self.backend.set_objective(self.arrays.cost)

    def _solve_lp(self, seconds: float):
        """The side LP solved within ``seconds`` (its :class:`~gpec.solvers.StageOutcome`)."""
        outcome = self.backend.solve(seconds, 0.0)
        self.warm = self.warm or outcome.status == "optimal"
        return outcome

    def _bound(self) -> float:
        if not self.usable:
            return -math.inf
        try:
            y, _ = self.backend.duals()
        except RuntimeError:  # no dual values (stopped before dual simplex had any)
            return -math.inf
        return self.arrays.bound(y)

    def _rounded_down(self, x: np.ndarray, seconds: float) -> np.ndarray | None:
        """The plan: integer columns of the LP optimum rounded down, the LP of the others (module docstring);
        the side model's bounds and basis are set back after (a basis not taken back: solved cold next)."""
        import highspy

        backend, h = self.backend, self.backend.h
        held = self.arrays.bounds
        integer = np.flatnonzero(held["integer"])
        lower, upper = held["col_lower"][integer], held["col_upper"][integer]
        fixed = np.clip(np.floor(x[integer] + FEASIBLE_TOL), lower, upper)
        basis = h.getBasis()
        backend.change_col_bounds(integer, fixed, fixed)
        try:
            outcome = backend.solve(seconds, 0.0)
        finally:
            if self.usable:
                backend.change_col_bounds(integer, lower, upper)
                if h.setBasis(basis) == highspy.HighsStatus.kError:
                    self.warm = False
        plan = outcome.x if outcome.status == "optimal" else None
        return plan if self.arrays.feasible(plan) else None


class Floored:
    """A :class:`gpec.progress.Progress` whose stage ``stage`` reports no worse than a :class:`Look`: its
    incumbent the better of the solver's and the look's plan, its bound the higher of the two; the look's
    values are reported as soon as that stage starts.

    Parameters
    ----------
    progress : gpec.progress.Progress
        Where the values go.
    look : Look
        The look.
    stage : str
        The name of stage 1 as the solve reports it (``stage unmet``).
    """

    def __init__(self, progress, look: Look, stage: str):
        self.progress, self.look, self.stage, self.current = progress, look, stage, ""

    def start(self, stage: str) -> None:
        self.current = stage
        self.progress.start(stage)
        if stage == self.stage and (self.look.plan is not None or math.isfinite(self.look.bound)):
            self.update(self.look.seconds, math.inf, -math.inf, math.inf)

    def update(self, seconds: float, incumbent: float, bound: float, gap: float) -> None:
        if self.current == self.stage:
            if self.look.plan is not None and not incumbent <= self.look.objective:
                incumbent = self.look.objective
            if self.look.bound > bound or math.isnan(bound):
                bound = self.look.bound
            finite = math.isfinite(incumbent) and abs(incumbent) < 1e20
            gap = relative_gap(incumbent, bound) if finite else math.inf
        self.progress.update(seconds, incumbent, bound, gap)

    def done(self, report) -> None:
        self.progress.done(report)
