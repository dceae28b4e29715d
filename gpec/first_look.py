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

for every :math:`x` within the rows and column bounds, hence at most the MIP's optimum (a product with an
infinite bound is :math:`-\\infty`; multipliers and reduced costs under :data:`ZERO` count as 0). It holds
whatever :math:`y` is, so the side LP may stop at :data:`LOOK_LP_S`: dual simplex iterates are dual
feasible and the bound rises with them; at the LP's optimum it is the LP's value.

**The plan** (round down, then the LP). With :math:`x^*` the LP's optimum, each :math:`x_j, j \\in J`, is
fixed at :math:`\\max(l_j, \\min(u_j, \\lfloor x^*_j \\rfloor))` and the other columns re-optimised (an LP
within :data:`LOOK_PLAN_S`); when that LP is solved, :math:`\\bar x` is its solution: a plan of the MIP,
its value :math:`c^\\top \\bar x`. Rounding down spends no more than the LP did; a rule a plan rounded down
breaks (a service level) leaves the look without a plan, and HiGHS starts from the last one.
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
#: Multipliers and reduced costs smaller than this count as 0 in the bound (solver tolerance: HiGHS's
#: dual feasibility tolerance is 1e-7).
ZERO = 1e-9


def lagrangian_bound(lp, cost: np.ndarray, y: np.ndarray) -> float:
    """:math:`L(y)` (module docstring): a lower bound on ``cost . x`` over the rows and column bounds of
    ``lp`` (a :class:`~gpec.models.linear.LinearModel`), for any row multipliers ``y``."""
    bounds = lp.bounds()
    y = np.where(np.abs(y) < ZERO, 0.0, np.asarray(y, float))
    d = cost - lp.matrix().T @ y
    d = np.where(np.abs(d) < ZERO, 0.0, d)

    def least(weights, lower, upper):  # sum_k min(w_k lower_k, w_k upper_k), 0 where w_k = 0
        side = np.where(weights > 0, lower, upper)
        if np.any((weights != 0) & ~np.isfinite(side)):
            return -math.inf
        return float(np.dot(weights[weights != 0], side[weights != 0]))

    return least(y, bounds["row_lower"], bounds["row_upper"]) + least(d, bounds["col_lower"], bounds["col_upper"])


@dataclass(frozen=True)
class Look:
    """What a first look found: ``bound`` (:math:`L(y)`, ``-inf`` without one), ``plan`` (:math:`\\bar x`
    or ``None``), ``objective`` (its stage-1 value, ``nan`` without one), ``seconds`` and whether the side
    LP was solved (``lp_solved``)."""

    bound: float
    plan: np.ndarray | None
    objective: float
    seconds: float
    lp_solved: bool

    @property
    def gap(self) -> float:
        return relative_gap(self.objective, self.bound) if self.plan is not None else math.inf


class FirstLook:
    """The LP relaxation of stage 1 of a model on a side HiGHS model (module docstring).

    Parameters
    ----------
    model : gpec.models.GpecModel
        The model (:func:`gpec.models.build_model`) whose stage 1 it relaxes.
    """

    def __init__(self, model):
        from gpec.solvers.highs import HighsBackend

        self.model = model
        self.backend = HighsBackend(model.lp.relaxation())
        self.backend.set_objective(self._cost())
        self.warm = False  # the side model holds a basis (solved once): dual simplex resumes from it

    def update(self, model) -> None:
        """Make the side model that of ``model`` (same shape: changed in place, its basis kept)."""
        self.backend.update(model.lp.relaxation())
        self.model = model
        self.backend.set_objective(self._cost())

    def prepare(self, seconds: float) -> bool:
        """Solve the side LP (by interior point and crossover when it has no basis yet) within ``seconds``,
        so that the next what-if's look resumes from its basis; whether it is solved."""
        h = self.backend.h
        if not self.warm:
            h.setOptionValue("solver", "ipm")
        try:
            solved = self._solve_lp(seconds)
        finally:
            if not self.backend.abandoned:
                h.setOptionValue("solver", "choose")
        self.warm = self.warm or solved
        return solved

    def look(self, lp_seconds: float = LOOK_LP_S, plan_seconds: float = LOOK_PLAN_S) -> Look:
        """The bound and, when the side LP is solved within ``lp_seconds``, the plan (module docstring)."""
        began = time.perf_counter()
        solved = self._solve_lp(lp_seconds)
        bound = self._bound()
        plan, objective = None, math.nan
        if solved and not self.backend.abandoned:
            plan = self._rounded_down(plan_seconds)
            objective = float(self._cost() @ plan) if plan is not None else math.nan
        return Look(bound, plan, objective, time.perf_counter() - began, solved)

    # -- the side model --------------------------------------------------------------------------------
    def _cost(self) -> np.ndarray:
        return self.model.lp.objective_vector(self.model.stages[0])

    def _solve_lp(self, seconds: float) -> bool:
        outcome = self.backend.solve(seconds, 0.0)
        solved = outcome.status == "optimal"
        self.warm = self.warm or solved
        return solved

    def _bound(self) -> float:
        if self.backend.abandoned:
            return -math.inf
        try:
            y, _ = self.backend.duals()
        except RuntimeError:  # no dual values (stopped before dual simplex had any)
            return -math.inf
        return lagrangian_bound(self.model.lp, self._cost(), y)

    def _rounded_down(self, seconds: float) -> np.ndarray | None:
        """The plan: integer columns of the LP optimum rounded down, the LP of the others (module docstring);
        the side model's bounds and basis are set back after."""
        backend, h = self.backend, self.backend.h
        held = self.model.lp.bounds()
        integer = np.flatnonzero(held["integer"])
        lower, upper = held["col_lower"][integer], held["col_upper"][integer]
        x = np.asarray(h.getSolution().col_value, float)
        fixed = np.clip(np.floor(x[integer] + 1e-6), lower, upper)
        basis = h.getBasis()
        backend.change_col_bounds(integer, fixed, fixed)
        try:
            outcome = backend.solve(seconds, 0.0)
        finally:
            if not backend.abandoned:
                backend.change_col_bounds(integer, lower, upper)
                h.setBasis(basis)
        return outcome.x if outcome.status == "optimal" and outcome.x is not None else None


class Floored:
    """A :class:`gpec.progress.Progress` whose stage ``stage`` reports no worse than a :class:`Look`: its
    incumbent the better of the solver's and the look's plan, its bound the higher of the two; the look's
    values are reported as soon as that stage starts."""

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
