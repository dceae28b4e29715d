"""OR-Tools CP-SAT for pure-integer models with integer coefficients (the groupements d'employeurs).

The arrays of a LinearModel are loaded once; every column must be integer and every coefficient, bound
and cost a whole number (the grouping model scales its data so, see :mod:`gpec.groupings.compact`).
CP-SAT proves optimality with its own bound; at a time limit it returns its incumbent and bound.

**Range.** CP-SAT computes in 64-bit integers. Before a model, an objective or a row is handed to it,
every coefficient, finite bound and cost must be at most :data:`MAX_VALUE` (2^50) in magnitude, and every
row's and the objective's largest activity (the sum of |coefficient| x the largest |value| of its column,
:data:`UNBOUNDED` for a column without a bound) at most :data:`MAX_ACTIVITY` (2^62): otherwise a
:class:`~gpec.errors.GpecError` names the row or column, rather than an overflow that CP-SAT would reject
or, converted to ``int64`` before, turn into a wrong plan.
"""

from __future__ import annotations

import math
import time

import numpy as np
from ortools.sat.python import cp_model

from gpec import interrupt
from gpec.errors import GpecError
from gpec.models.linear import LinearModel
from gpec.solvers import Capability, StageOutcome, relative_gap

#: Largest magnitude of a coefficient, a finite bound or a cost handed to CP-SAT: whole numbers are exact
#: in a double below 2^53, with room left for CP-SAT's presolve, which combines them.
MAX_VALUE = 2**50
#: Largest activity of a row or of the objective (sum of |coefficient| x the largest |value| of its
#: column): CP-SAT computes in int64 (up to 2^63 - 1) and refuses a model whose sums may overflow.
MAX_ACTIVITY = 2**62
#: Bounds of a column without one (CP-SAT variables need a finite domain).
UNBOUNDED = 2**40


class CpSatBackend:
    name = "cpsat"
    capabilities = frozenset({Capability.MIP, Capability.TIME_LIMIT_INCUMBENT, Capability.WARM_START,
                              Capability.SOLUTION_LIMIT})

    def __init__(self, lp: LinearModel, threads: int | None = None, verbose: bool = False,
                 parameters: dict | None = None):
        """``parameters``: CP-SAT parameters set on every solve (e.g. ``linearization_level``)."""
        arrays = lp.to_arrays()
        if not arrays["integer"].all():
            raise ValueError("CP-SAT needs a pure-integer model")
        values = [arrays["matrix"].data, arrays["col_lower"][np.isfinite(arrays["col_lower"])],
                  arrays["col_upper"][np.isfinite(arrays["col_upper"])],
                  arrays["row_lower"][np.isfinite(arrays["row_lower"])],
                  arrays["row_upper"][np.isfinite(arrays["row_upper"])]]
        if any((np.abs(v - np.round(v)) > 1e-9).any() for v in values):
            raise ValueError("CP-SAT needs integer coefficients and bounds (scale the data)")
        self.lp, self.threads, self.verbose = lp, threads, verbose
        self.parameters = dict(parameters or {})
        self.model = cp_model.CpModel()
        lo = np.where(np.isfinite(arrays["col_lower"]), arrays["col_lower"], -UNBOUNDED)
        hi = np.where(np.isfinite(arrays["col_upper"]), arrays["col_upper"], UNBOUNDED)
        self.magnitude = np.maximum(np.abs(lo), np.abs(hi))  # the largest |value| of each column
        _check_model_range(lp, arrays, self.magnitude)
        lo, hi = lo.astype(np.int64), hi.astype(np.int64)
        self.vars = [self.model.NewIntVar(int(a), int(b), "") for a, b in zip(lo, hi)]
        csr = arrays["matrix"]
        for i in range(lp.n_rows):
            cols = csr.indices[csr.indptr[i]:csr.indptr[i + 1]]
            coefs = np.round(csr.data[csr.indptr[i]:csr.indptr[i + 1]]).astype(np.int64)
            expr = sum(int(c) * self.vars[j] for j, c in zip(cols, coefs))
            lower, upper = arrays["row_lower"][i], arrays["row_upper"][i]
            if np.isfinite(lower):
                self.model.Add(expr >= int(round(lower)))
            if np.isfinite(upper):
                self.model.Add(expr <= int(round(upper)))
        self.cost = np.zeros(lp.n_cols)
        self.guard = None

    def set_guard(self, stop) -> None:
        """Stop the next solves, keeping their incumbent and bound, as soon as ``stop()`` returns True
        (checked whenever CP-SAT reports a new bound or a line of its search log: a guard against CP-SAT
        overrunning its own time limit); ``None`` removes it."""
        self.guard = stop

    def set_objective(self, cost: np.ndarray) -> None:
        if (np.abs(cost - np.round(cost)) > 1e-9).any():
            raise ValueError("CP-SAT needs integer costs (scale the data)")
        _check_terms(self.lp, "the objective", np.asarray(cost, float), self.magnitude)
        self.cost = np.round(cost)
        nz = np.flatnonzero(self.cost)
        self.model.Minimize(sum(int(self.cost[j]) * self.vars[j] for j in nz))

    def add_row(self, coefs: np.ndarray, lower: float, upper: float) -> None:
        """Add the row ``lower <= coefs . x <= upper`` (integer coefficients)."""
        _check_terms(self.lp, "an added row", np.asarray(coefs, float), self.magnitude)
        for name, bound in (("lower", lower), ("upper", upper)):
            if not np.isinf(bound) and not abs(bound) <= MAX_VALUE:
                raise GpecError(f"CP-SAT: the {name} bound {bound:.3g} of an added row is above 2^50 in magnitude: "
                                "too large for exact integer arithmetic (scale the data down)")
        nz = np.flatnonzero(coefs)
        expr = sum(int(round(coefs[j])) * self.vars[j] for j in nz)
        if np.isfinite(lower):
            self.model.Add(expr >= int(math.ceil(lower - 1e-9)))
        if np.isfinite(upper):
            self.model.Add(expr <= int(math.floor(upper + 1e-9)))

    def add_objective_cap(self, cost: np.ndarray, cap: float) -> None:
        """Add the row ``cost . x <= cap`` (lexicographic stage link; integer costs)."""
        self.add_row(cost, -math.inf, cap)

    def set_start(self, x: np.ndarray) -> None:
        """Hint every column (CP-SAT searches from the hint first)."""
        self.model.ClearHints()
        for var, value in zip(self.vars, x):
            self.model.AddHint(var, int(round(value)))

    def solve(self, time_limit: float, mip_gap: float, solution_limit: int | None = None) -> StageOutcome:
        """Minimise within ``time_limit`` seconds to relative gap ``mip_gap``, stopping after
        ``solution_limit`` improving solutions (CP-SAT's ``stop_after_first_solution`` for 1, a solution
        callback that stops the search for more)."""
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = float(max(time_limit, 0.01))
        solver.parameters.relative_gap_limit = float(mip_gap)
        solver.parameters.num_workers = int(self.threads or 2)
        solver.parameters.random_seed = 0
        # CP-SAT's own Ctrl-C handler would take SIGINT from gpec.interrupt (and leave it to the default
        # handler, which kills the process, once it restores what it found)
        solver.parameters.catch_sigint_signal = False
        solver.parameters.log_search_progress = bool(self.verbose)
        for name, value in self.parameters.items():
            setattr(solver.parameters, name, value)
        counter = None
        if solution_limit:
            solver.parameters.stop_after_first_solution = solution_limit == 1
            counter = _StopAfter(int(solution_limit)) if solution_limit > 1 else None
        if self.guard is not None or interrupt.active():
            guard = self.guard or (lambda: False)

            def check(*_):
                if guard() or interrupt.requested():
                    solver.stop_search()

            solver.best_bound_callback = check
            solver.log_callback = check
            solver.parameters.log_search_progress = True
            solver.parameters.log_to_stdout = False
        start = time.perf_counter()
        # a signal within gpec.interrupt.catching stops the search at once, from the watcher thread
        with interrupt.stoppable(solver.stop_search):
            if interrupt.requested():
                solver.parameters.max_time_in_seconds = 0.0
            code = solver.Solve(self.model, counter)
        runtime = time.perf_counter() - start
        status = {cp_model.OPTIMAL: "optimal", cp_model.FEASIBLE: "feasible", cp_model.INFEASIBLE: "infeasible",
                  cp_model.MODEL_INVALID: "error"}.get(code, "error")
        has_x = status in ("optimal", "feasible")
        x = np.array([solver.Value(v) for v in self.vars], float) if has_x else None
        objective = solver.ObjectiveValue() if has_x else math.nan
        bound = solver.BestObjectiveBound() if has_x else math.nan
        gap = 0.0 if status == "optimal" else relative_gap(objective, bound) if has_x else math.inf
        name = solver.StatusName(code)
        return StageOutcome(status, objective, bound, gap, runtime, x,
                            f"interrupted ({name})" if interrupt.requested() and status != "optimal" else name)


class _StopAfter(cp_model.CpSolverSolutionCallback):
    """Stops the search at the ``limit``-th improving solution."""

    def __init__(self, limit: int):
        super().__init__()
        self.limit, self.found = limit, 0

    def on_solution_callback(self) -> None:
        self.found += 1
        if self.found >= self.limit:
            self.stop_search()


def _check_model_range(lp: LinearModel, arrays: dict, magnitude: np.ndarray) -> None:
    """Every coefficient and finite bound at most :data:`MAX_VALUE` in magnitude, every row's activity at
    most :data:`MAX_ACTIVITY` (module docstring).

    Raises
    ------
    GpecError
        Naming the first column or row out of range.
    """
    too_large = "too large for exact integer arithmetic (scale the data down)"
    for side in ("col_lower", "col_upper"):
        values = arrays[side]
        bad = np.flatnonzero(~np.isinf(values) & ~(np.abs(values) <= MAX_VALUE))  # NaN too
        if bad.size:
            j = int(bad[0])
            raise GpecError(f"CP-SAT: the {side.split('_')[1]} bound {values[j]:.3g} of column "
                            f"{lp.column_label(j)} is above 2^50 in magnitude: {too_large}")
    for side in ("row_lower", "row_upper"):
        values = arrays[side]
        bad = np.flatnonzero(~np.isinf(values) & ~(np.abs(values) <= MAX_VALUE))
        if bad.size:
            i = int(bad[0])
            raise GpecError(f"CP-SAT: the {side.split('_')[1]} bound {values[i]:.3g} of row {lp.row_label(i)} is "
                            f"above 2^50 in magnitude: {too_large}")
    csr = arrays["matrix"]
    bad = np.flatnonzero(~(np.abs(csr.data) <= MAX_VALUE))
    if bad.size:
        k = int(bad[0])
        i = int(np.searchsorted(csr.indptr, k, side="right") - 1)
        raise GpecError(f"CP-SAT: the coefficient {csr.data[k]:.3g} of column {lp.column_label(int(csr.indices[k]))} "
                        f"in row {lp.row_label(i)} is above 2^50 in magnitude: {too_large}")
    activity = abs(csr) @ magnitude
    bad = np.flatnonzero(~(activity <= MAX_ACTIVITY))
    if bad.size:
        i = int(bad[0])
        raise GpecError(f"CP-SAT: row {lp.row_label(i)} may reach {activity[i]:.3g} (coefficients x column "
                        f"bounds), above 2^62: int64 arithmetic could overflow (scale the data down or bound "
                        "its columns)")


def _check_terms(lp: LinearModel, what: str, coefs: np.ndarray, magnitude: np.ndarray) -> None:
    """The coefficients of an objective or a row added later: each at most :data:`MAX_VALUE`, their
    activity at most :data:`MAX_ACTIVITY`.

    Raises
    ------
    GpecError
        Naming the first column out of range, or ``what`` when the sum is.
    """
    bad = np.flatnonzero(~(np.abs(coefs) <= MAX_VALUE))
    if bad.size:
        j = int(bad[0])
        raise GpecError(f"CP-SAT: the coefficient {coefs[j]:.3g} of column {lp.column_label(j)} in {what} is above "
                        "2^50 in magnitude: too large for exact integer arithmetic (scale the data down)")
    total = float(np.abs(coefs) @ magnitude)
    if not total <= MAX_ACTIVITY:
        raise GpecError(f"CP-SAT: {what} may reach {total:.3g} (coefficients x column bounds), above 2^62: int64 "
                        "arithmetic could overflow (scale the data down or bound its columns)")
