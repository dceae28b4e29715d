"""OR-Tools (``pywraplp`` with SCIP for MIPs, GLOP for LPs): the second opinion on any result.

The arrays of a LinearModel are loaded once; later lexicographic stages add the stage-link row and
change the objective of the same solver object, with the previous solution as a hint. A hint of every
column (:meth:`OrtoolsBackend.set_start`) is checked by SCIP and, when feasible, becomes its first
incumbent before presolve ("1/1 feasible solution given by solution candidate storage" in its log), so a
solve started from a plan returns at least that plan, even when stopped by its time limit at once.
"""

from __future__ import annotations

import math
import time

import numpy as np
from ortools.linear_solver import pywraplp

from gpec import interrupt
from gpec.models.linear import LinearModel
from gpec.solvers import Capability, StageOutcome, relative_gap


#: SCIP's infinity: a best bound this large means there is none yet.
SCIP_INFINITY = 1e20


class OrtoolsBackend:
    name = "ortools"
    capabilities = frozenset({Capability.MIP, Capability.TIME_LIMIT_INCUMBENT, Capability.WARM_START,
                              Capability.SOLUTION_LIMIT})

    def __init__(self, lp: LinearModel, threads: int | None = None, verbose: bool = False):
        arrays = lp.to_arrays()
        self.has_integers = bool(arrays["integer"].any())
        self.solver = pywraplp.Solver.CreateSolver("SCIP" if self.has_integers else "GLOP")
        if self.solver is None:
            raise RuntimeError("OR-Tools was built without SCIP/GLOP")
        if verbose:
            self.solver.EnableOutput()
        if threads:
            self.solver.SetNumThreads(int(threads))
        # seconds a solve goes on after a signal before it is left running, its plan lost (None: wait for
        # it, keeping its plan; --verify's second opinion does not wait); a solve left running holds the
        # solver (gpec.interrupt.call_stoppable)
        self.interrupt_grace: float | None = None
        self.abandoned = False
        inf = self.solver.infinity()
        lo = np.where(np.isfinite(arrays["col_lower"]), arrays["col_lower"], -inf)
        hi = np.where(np.isfinite(arrays["col_upper"]), arrays["col_upper"], inf)
        self.vars = [self.solver.IntVar(float(a), float(b), "") if integer else self.solver.NumVar(float(a), float(b), "")
                     for a, b, integer in zip(lo, hi, arrays["integer"])]
        csr = arrays["matrix"]
        row_lo = np.where(np.isfinite(arrays["row_lower"]), arrays["row_lower"], -inf)
        row_hi = np.where(np.isfinite(arrays["row_upper"]), arrays["row_upper"], inf)
        for i in range(lp.n_rows):
            row = self.solver.RowConstraint(float(row_lo[i]), float(row_hi[i]), "")
            for j, v in zip(csr.indices[csr.indptr[i]:csr.indptr[i + 1]], csr.data[csr.indptr[i]:csr.indptr[i + 1]]):
                row.SetCoefficient(self.vars[j], float(v))

    def set_objective(self, cost: np.ndarray) -> None:
        objective = self.solver.Objective()
        objective.Clear()
        for j in np.flatnonzero(cost):
            objective.SetCoefficient(self.vars[j], float(cost[j]))
        objective.SetMinimization()

    def add_objective_cap(self, cost: np.ndarray, cap: float) -> None:
        """Add the row ``cost . x <= cap`` (lexicographic stage link)."""
        self._add_row(cost, -math.inf, cap, "stage_link")

    def add_row(self, coefs: np.ndarray, lower: float, upper: float) -> None:
        """Add the row ``lower <= coefs . x <= upper``."""
        self._add_row(coefs, lower, upper, "")

    def _add_row(self, coefs: np.ndarray, lower: float, upper: float, name: str) -> None:
        inf = self.solver.infinity()
        row = self.solver.RowConstraint(float(lower) if np.isfinite(lower) else -inf,
                                        float(upper) if np.isfinite(upper) else inf, name)
        for j in np.flatnonzero(coefs):
            row.SetCoefficient(self.vars[j], float(coefs[j]))

    def set_start(self, x: np.ndarray) -> None:
        """Hint every column (a complete hint: SCIP takes it as a solution if it is feasible)."""
        if len(x) != len(self.vars):  # OR-Tools aborts the process on a hint of another length
            raise ValueError(f"a start of {len(x)} values for a model of {len(self.vars)} columns")
        self.solver.SetHint(self.vars, [float(v) for v in x])

    def solve(self, time_limit: float, mip_gap: float, solution_limit: int | None = None) -> StageOutcome:
        """Minimise the objective within ``time_limit`` seconds to relative gap ``mip_gap``. Within
        :func:`gpec.interrupt.catching`, a signal stops the solve at once (``InterruptSolve``, called from
        the watcher thread: ``Solve`` holds no GIL), keeping its incumbent; SCIP is told not to catch
        Ctrl-C itself (``misc/catchctrlc``), which would hide the signal from gpec. SCIP notices the
        interrupt only between its LPs (its root LP: about 6 s on the Landes), which is waited for, unless
        ``interrupt_grace`` is set: a solve that has not stopped that long after the signal is then left
        running and returns no plan (:func:`gpec.interrupt.call_stoppable`). Nothing is started after a
        signal."""
        if self.has_integers:  # SCIP's own parameters: stop after this many improving solutions; no SIGINT
            self.solver.SetSolverSpecificParametersAsString(
                f"limits/solutions = {int(solution_limit) if solution_limit else -1}\nmisc/catchctrlc = FALSE\n")
        self.solver.SetTimeLimit(int(max(time_limit, 0.01) * 1000))
        params = pywraplp.MPSolverParameters()
        if self.has_integers:
            params.SetDoubleParam(pywraplp.MPSolverParameters.RELATIVE_MIP_GAP, float(mip_gap))
        start = time.perf_counter()
        if self.abandoned or interrupt.requested():  # stopped: not started again
            return StageOutcome("error", math.nan, -math.inf, math.inf, 0.0, None, "not run: interrupted")
        try:
            code = interrupt.call_stoppable(lambda: self.solver.Solve(params), self.solver.InterruptSolve,
                                            self.interrupt_grace)
        except interrupt.Abandoned:
            self.abandoned = True
            return StageOutcome("error", math.nan, -math.inf, math.inf, time.perf_counter() - start, None,
                                f"interrupted (SCIP left running: it stops only between its LPs; "
                                f"{self.interrupt_grace:g} s waited)")
        runtime = time.perf_counter() - start
        status = {pywraplp.Solver.OPTIMAL: "optimal", pywraplp.Solver.FEASIBLE: "feasible",
                  pywraplp.Solver.INFEASIBLE: "infeasible", pywraplp.Solver.UNBOUNDED: "unbounded"}.get(code, "error")
        has_x = status in ("optimal", "feasible")
        x = np.array([v.solution_value() for v in self.vars]) if has_x else None
        objective = self.solver.Objective().Value() if has_x else math.nan
        if self.has_integers and has_x:
            bound = self.solver.Objective().BestBound()
            if abs(bound) >= SCIP_INFINITY:  # stopped before any bound (e.g. in presolve)
                bound = -math.inf
            gap = relative_gap(objective, bound)
        else:
            bound, gap = (objective, 0.0) if status == "optimal" else (math.nan, math.inf)
        names = {pywraplp.Solver.OPTIMAL: "Optimal", pywraplp.Solver.FEASIBLE: "Feasible (limit reached)",
                 pywraplp.Solver.INFEASIBLE: "Infeasible", pywraplp.Solver.UNBOUNDED: "Unbounded",
                 pywraplp.Solver.ABNORMAL: "Abnormal", pywraplp.Solver.NOT_SOLVED: "Not solved"}
        solver_status = names.get(code, str(code))
        if interrupt.requested() and status != "optimal":
            solver_status = f"interrupted ({solver_status})"
        return StageOutcome(status, objective, bound, gap, runtime, x, solver_status)
