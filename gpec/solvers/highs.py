"""HiGHS through ``highspy``: the arrays of a LinearModel are passed once (``passModel`` of the numpy
arrays, which HiGHS copies once); later stages change the live model in place (a new row, new costs) and
start from the previous solution, and the later phases of a run (whole units, shadow prices:
:func:`gpec.solvers.holding`) and a planner's what-ifs change its bounds and integrality in place
(:meth:`HighsBackend.update`).

Large models (at least :data:`IPM_MIN_ROWS` rows) solve their LPs by interior point, and a MIP solve
without a start runs **relaxation first**: the LP relaxation by interior point gives a valid bound, then
the MIP restricted to the roundings of the LP solution (each integer column between the floor and the
ceiling of its LP value: RENS, Berthold 2014) gives a plan; the outcome reports that plan against the LP
bound. Dual simplex cannot solve the LP relaxation of a région in minutes, and HiGHS's own branch and
cut spends its time on cuts at the root before it has a plan (measured: see :data:`IPM_MIN_ROWS`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import sys
import time

import highspy
import numpy as np

from gpec import interrupt
from gpec.models.linear import LinearModel
from gpec.solvers import MIN_SOLVE_S, Capability, StageOutcome, relative_gap


#: Models with at least this many rows solve their LPs (the MIP's root above all) by interior point
#: (``mip_lp_solver = ipm``) instead of dual simplex. Measured on the Nouvelle-Aquitaine instance (72,675
#: rows, 710,506 non-zeros, HiGHS 1.16, 2 threads): its LP relaxation takes dual simplex more than 120 s,
#: primal simplex 75 s, interior point 13 s; its stage 1 is then proven at 0.03 % in about 40 s, while dual
#: simplex gives no plan in 300 s. The Landes (9,666 rows) keeps dual simplex (root LP in well under a second).
#: With the funding bodies' zones (76,448 rows): LP relaxation 18 s by interior point, the restricted MIP
#: 15 s, the plan 0.075 % above the LP bound; HiGHS's branch and cut from scratch: 3.4 % after 100 s.
#: Île-de-France (24,254 rows) and Provence-Alpes-Côte d'Azur (28,920) by dual simplex: no plan and a 3.2 % gap
#: in 60 s; relaxation first: 0.45 % and 0.084 %.
IPM_MIN_ROWS = 20_000
#: Share of a relaxation-first solve's time the LP relaxation may take (the rest: the restricted MIP).
RELAXATION_SHARE = 0.7

#: ``HighsIis.status_`` of an irreducible subset (HiGHS's ``kIisModelStatusIrreducible``; 1 = stopped by
#: ``iis_time_limit``, 2 = reducible).
IIS_IRREDUCIBLE = 3


class HighsBackend:
    name = "highs"
    capabilities = frozenset({Capability.MIP, Capability.TIME_LIMIT_INCUMBENT, Capability.WARM_START,
                              Capability.IN_PLACE_CHANGES, Capability.LP_DUALS, Capability.IIS,
                              Capability.SOLUTION_LIMIT, Capability.COLUMN_GENERATION})

    def __init__(self, lp: LinearModel, threads: int | None = None, verbose: bool = False):
        """Pass ``lp`` to a new HiGHS instance (its LP relaxation: ``HighsBackend(lp.relaxation())``)."""
        self.lp = lp
        with _quiet_stdout():  # HiGHS prints a banner on stdout the first time a Highs object is made
            self.h = highspy.Highs()
        self.h.setOptionValue("output_flag", bool(verbose))
        self.h.setOptionValue("random_seed", 0)
        self.relaxation_first = lp.n_rows >= IPM_MIN_ROWS  # module docstring
        if self.relaxation_first:
            self.h.setOptionValue("mip_lp_solver", "ipm")
        if threads:
            self.h.setOptionValue("threads", int(threads))
        arrays, csr = lp.bounds(), lp.matrix()
        self.has_integers = bool(arrays["integer"].any())
        self.cost, self.started = np.zeros(lp.n_cols), None
        self.lp_seconds = None  # how long the LP relaxation took, once solved relaxation first
        self._arrays = arrays  # what the live model holds (before rows added by the stages), for update()
        self.progress = None
        self.enough = None  # (gap, seconds): stop once the gap is at most this after that long
        self.guard = None  # a callable: stop the MIP (keeping its incumbent) once it returns True
        self._subscribed = False
        self._recording, self._seen = False, None  # the best solution HiGHS reported in the current run
        self._began = 0.0  # perf_counter() at the start of the current solve
        self._bound_seen = -math.inf  # the last dual bound HiGHS's MIP callback reported in the current run
        self._lp_bound: float | None = None  # during a restricted MIP (relaxation first): the valid bound
        self._stopped_by = ""  # why our callback stopped the current run ("" : it did not)
        self.abandoned = False  # left running in its thread after an interrupt (gpec.interrupt): unusable
        # the arrays as they are (one copy, by HiGHS): no HighsLp in between
        status = self.h.passModel(
            lp.n_cols, lp.n_rows, csr.nnz, int(highspy.MatrixFormat.kRowwise), int(highspy.ObjSense.kMinimize), 0.0,
            self.cost, arrays["col_lower"], arrays["col_upper"], arrays["row_lower"], arrays["row_upper"],
            csr.indptr.astype(np.int32, copy=False), csr.indices.astype(np.int32, copy=False), csr.data,
            arrays["integer"].astype(np.int32))
        if status == highspy.HighsStatus.kError:
            raise RuntimeError("HiGHS rejected the model")

    @property
    def least_seconds(self) -> float:
        """Seconds a MIP solve from a start needs at least: HiGHS solves the root LP before it can stop at
        its time limit (measured: a 6 s limit taken as 23 s on Auvergne-Rhône-Alpes), as long as the LP
        relaxation took when the model was solved relaxation first (else :data:`MIN_SOLVE_S`)."""
        return max(MIN_SOLVE_S, self.lp_seconds or 0.0)

    def set_enough(self, gap: float | None, after_s: float = 0.0) -> None:
        """Stop the next solves once their gap is at most ``gap`` and they have run ``after_s`` seconds,
        even if their own tolerance is tighter (``None``: no such stop). The outcome is then ``feasible``
        with its incumbent and bound, as at a time limit."""
        if gap is not None:
            self._subscribe()
        self.enough = None if gap is None else (float(gap), float(after_s))

    def set_guard(self, stop) -> None:
        """Stop the next MIP solves, keeping their incumbent and bound (status ``feasible``, as at a time
        limit), as soon as ``stop()`` returns True (e.g. :meth:`gpec.deadline.Deadline.passed`: a guard
        against HiGHS overrunning its own time limit); ``None`` removes it."""
        if stop is not None:
            self._subscribe()
        self.guard = stop

    def _subscribe(self) -> None:
        """One interrupt callback for the MIP and one for interior point (which reads neither its time limit
        nor the MIP's callback: a signal would leave it running); they stay subscribed: they also clear
        HiGHS's flag in later solves. Simplex stops at its time limit (:meth:`_stop_now`)."""
        if not self._subscribed:
            self.h.cbMipInterrupt.subscribe(self._interrupt)
            self.h.cbIpmInterrupt.subscribe(self._interrupt_ipm)
            self._subscribed = True

    def _interrupt_ipm(self, event) -> None:
        event.interrupt(self._stop_asked())

    def _interrupt(self, event) -> None:
        self._bound_seen = float(event.data_out.mip_dual_bound)
        # HiGHS keeps the interrupt flag from one solve to the next: it is set here either way
        if self._stop_asked():
            self._stopped_by = ("stopped by a signal" if interrupt.requested() or self.abandoned
                               else "stopped at its deadline (guard)")
        elif self._enough(event):
            self._stopped_by = f"stopped at gap {self.enough[0]:.2e}, enough after {self.enough[1]:.1f} s"
        event.interrupt(bool(self._stopped_by))

    def _stop_asked(self) -> bool:
        """The guard, a signal (:mod:`gpec.interrupt`) or this run having been left running asks it to stop."""
        return bool(self.guard is not None and self.guard()) or interrupt.requested() or self.abandoned

    def _enough(self, event) -> bool:
        if self.enough is None:
            return False
        out = event.data_out  # HiGHS's own clock and gap run on across solves: ours are per solve
        incumbent, bound = out.mip_primal_bound, out.mip_dual_bound
        finite = all(math.isfinite(v) and abs(v) < 1e20 for v in (incumbent, bound))
        return bool(finite and relative_gap(incumbent, bound) <= self.enough[0]
                    and time.perf_counter() - self._began >= self.enough[1])

    def set_progress(self, report) -> None:
        """Call ``report(seconds, incumbent, bound, gap)`` while a MIP is solved (HiGHS's MIP callback;
        the incumbent and bound are HiGHS's, in its presolved space); ``None`` stops it."""
        if self.abandoned:  # its Highs object runs on in another thread: not touched
            self.progress = None
            return
        if report is not None and self.progress is None:
            self.h.cbMipInterrupt.subscribe(self._report_progress)
        elif report is None and self.progress is not None:
            self.h.cbMipInterrupt.unsubscribe(self._report_progress)
        self.progress = report

    def update(self, lp: LinearModel) -> None:
        """Make the live model that of ``lp`` in place: drop the rows the stages added, then change the
        bounds, integrality and coefficients that differ (the matrix is not compared when ``lp`` shares
        the live model's: :meth:`LinearModel.same_matrix`). ``lp`` must have this model's columns and rows
        (same blocks and labels; :class:`gpec.planner.Planner` checks), only their numbers may differ."""
        if (lp.n_cols, lp.n_rows) != (self.lp.n_cols, self.lp.n_rows):
            raise ValueError("update: the model has other columns or rows; build a new backend")
        new, old = lp.bounds(), self._arrays
        extra = self.h.getNumRow() - lp.n_rows
        if extra > 0:
            self.h.deleteRows(extra, np.arange(lp.n_rows, lp.n_rows + extra, dtype=np.int32))
        cols = np.flatnonzero((new["col_lower"] != old["col_lower"]) | (new["col_upper"] != old["col_upper"]))
        if cols.size:
            self.change_col_bounds(cols, new["col_lower"][cols], new["col_upper"][cols])
        rows = np.flatnonzero((new["row_lower"] != old["row_lower"]) | (new["row_upper"] != old["row_upper"]))
        if rows.size:
            self.change_row_bounds(rows, new["row_lower"][rows], new["row_upper"][rows])
        flip = np.flatnonzero(new["integer"] != old["integer"])
        if flip.size:
            self.h.changeColsIntegrality(len(flip), flip.astype(np.int32), new["integer"][flip].astype(np.uint8))
        if not lp.same_matrix(self.lp):
            matrix = lp.matrix()
            diff = (matrix - self.lp.matrix()).tocoo()
            keep = diff.data != 0
            rows_c, cols_c = diff.row[keep], diff.col[keep]
            values = np.asarray(matrix[rows_c, cols_c]).ravel() if keep.any() else []
            for i, j, v in zip(rows_c, cols_c, values):
                self.h.changeCoeff(int(i), int(j), float(v))
        self.has_integers = bool(new["integer"].any())
        self.lp, self._arrays, self.started = lp, new, None

    def _report_progress(self, event) -> None:
        if self.progress is not None:
            out = event.data_out
            self.progress(out.running_time, out.mip_primal_bound, out.mip_dual_bound, out.mip_gap)

    def set_objective(self, cost: np.ndarray) -> None:
        """Minimise ``cost . x`` (the live model's other rows and bounds unchanged)."""
        self.cost = np.asarray(cost, float)
        idx = np.arange(len(self.cost), dtype=np.int32)
        self.h.changeColsCost(len(idx), idx, self.cost)

    def add_objective_cap(self, cost: np.ndarray, cap: float) -> None:
        """Add the row ``cost . x <= cap`` (lexicographic stage link)."""
        self.add_row(cost, -np.inf, cap)

    def add_row(self, coefs: np.ndarray, lower: float, upper: float) -> None:
        """Add the row ``lower <= coefs . x <= upper`` to the live model."""
        nz = np.flatnonzero(coefs)
        bound = lambda v: float(v) if np.isfinite(v) else (highspy.kHighsInf if v > 0 else -highspy.kHighsInf)
        self.h.addRow(bound(lower), bound(upper), len(nz), nz.astype(np.int32), np.asarray(coefs, float)[nz])

    def add_columns(self, cost: np.ndarray, rows: list[np.ndarray], values: list[np.ndarray],
                    lower: float = 0.0, upper: float = math.inf) -> None:
        """Append columns to the live model (column generation): ``rows[j]``, ``values[j]`` are the
        nonzeros of column ``j``. The model's LinearModel no longer describes the live model after this."""
        k = len(cost)
        starts = np.concatenate([[0], np.cumsum([len(r) for r in rows])[:-1]]).astype(np.int32)
        index = np.concatenate(rows).astype(np.int32) if k else np.zeros(0, np.int32)
        coefs = np.concatenate(values).astype(float) if k else np.zeros(0)
        up = upper if math.isfinite(upper) else highspy.kHighsInf
        self.cost = np.concatenate([self.cost, np.asarray(cost, float)])
        self.h.addCols(k, np.asarray(cost, float), np.full(k, float(lower)), np.full(k, float(up)), len(index),
                       starts, index, coefs)

    def change_row_bounds(self, rows: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        rows, lower, upper = self._held("row", rows, lower, upper)
        self.h.changeRowsBounds(len(rows), rows, lower, upper)

    def change_col_bounds(self, cols: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        cols, lower, upper = self._held("col", cols, lower, upper)
        self.h.changeColsBounds(len(cols), cols, lower, upper)

    def _held(self, kind: str, positions, lower, upper) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Record new bounds of rows or columns of the model passed in what the live model holds (so that
        :meth:`update` compares against them); returns them as HiGHS takes them."""
        positions = np.asarray(positions, np.int32)
        lower = np.broadcast_to(np.asarray(lower, float), positions.shape).copy()
        upper = np.broadcast_to(np.asarray(upper, float), positions.shape).copy()
        mine = positions < len(self._arrays[f"{kind}_lower"])  # not the rows or columns added later
        self._arrays[f"{kind}_lower"][positions[mine]] = lower[mine]
        self._arrays[f"{kind}_upper"][positions[mine]] = upper[mine]
        return positions, lower, upper

    def duals(self) -> tuple[np.ndarray, np.ndarray]:
        """Row duals and column reduced costs of the last LP solve (HiGHS signs: for a minimisation, the
        change of the objective per unit increase of the bound a row or column sits at)."""
        sol = self.h.getSolution()
        if not sol.dual_valid:
            raise RuntimeError("no dual solution (not an LP, or not solved to optimality)")
        return np.asarray(sol.row_dual, float), np.asarray(sol.col_dual, float)

    def solution_values(self) -> tuple[np.ndarray, np.ndarray]:
        """Column values and row activities of the last solve (as HiGHS holds them)."""
        sol = self.h.getSolution()
        return np.asarray(sol.col_value, float), np.asarray(sol.row_value, float)

    def iis(self, time_limit: float = math.inf) -> tuple[list[tuple[int, str]], list[tuple[int, str]], bool]:
        """An infeasible subset of an infeasible LP: (row, bound) and (column, bound) pairs, bound
        ``lower``, ``upper`` or ``both``, and whether it is irreducible (HiGHS reduces it until
        ``time_limit`` seconds, then returns the subset it has; empty lists when it has none)."""
        self.h.setOptionValue("iis_strategy", int(highspy.IisStrategy.kIisStrategyFromLp.value)
                              | int(highspy.IisStrategy.kIisStrategyIrreducible.value))
        self.h.setOptionValue("iis_time_limit", float(time_limit))
        with interrupt.stoppable(self._stop_now):
            if interrupt.requested():
                self._stop_now()
            status, iis = self.h.getIis()
        if status == highspy.HighsStatus.kError or not iis.valid_:
            return [], [], False
        words = {2: "lower", 3: "upper", 4: "both"}  # IisBoundStatus: Lower, Upper, Boxed
        rows = [(int(i), words.get(int(b), "both")) for i, b in zip(iis.row_index_, iis.row_bound_)]
        cols = [(int(j), words.get(int(b), "both")) for j, b in zip(iis.col_index_, iis.col_bound_)]
        return rows, cols, int(iis.status_) == IIS_IRREDUCIBLE

    def set_start(self, x: np.ndarray) -> None:
        """Start the next solve from ``x`` (one value per column of the live model)."""
        if len(x) != self.h.getNumCol():
            raise ValueError(f"a start of {len(x)} values for a model of {self.h.getNumCol()} columns")
        sol = highspy.HighsSolution()
        sol.col_value = list(map(float, x))
        sol.value_valid = True
        self.h.setSolution(sol)
        self.started = np.asarray(x, float).copy()

    def solve(self, time_limit: float, mip_gap: float, solution_limit: int | None = None) -> StageOutcome:
        """Minimise the objective within ``time_limit`` seconds to relative gap ``mip_gap``. Within
        :func:`gpec.interrupt.catching`, a signal stops the run at once (:meth:`_stop_now`), keeping its
        incumbent (``solver_status`` then begins with ``interrupted``); a run that has not stopped
        :data:`gpec.interrupt.GRACE_S` after the signal (HiGHS checks neither its time limit nor its
        callback inside its sub-MIPs: measured 27 s in the root heuristics of the Landes at 2 M EUR) is left
        running in its thread, its best solution so far returned (from the improving-solution callback)
        with the last bound its callback reported, and the backend is not usable again (``abandoned``)."""
        if interrupt.active():
            self._subscribe()  # the MIP callback polls the request too
        self.h.setOptionValue("mip_rel_gap", float(mip_gap))
        self.h.setOptionValue("mip_max_improving_sols", int(solution_limit) if solution_limit else 2**31 - 1)
        start = self._began = time.perf_counter()
        try:
            return dataclasses.replace(self._solve(time_limit, mip_gap), runtime_s=time.perf_counter() - start)
        except interrupt.Abandoned:
            return self._left_running(time.perf_counter() - start)

    def _solve(self, time_limit: float, mip_gap: float) -> StageOutcome:
        if self.has_integers and self.relaxation_first and self.started is None:
            outcome = self._relaxation_first(time_limit, mip_gap)
            self.started = None
            return outcome
        start = time.perf_counter()
        outcome, mismatch = self._run(time_limit)
        left = time_limit - (time.perf_counter() - start)
        if mismatch and self.started is not None and left >= MIN_SOLVE_S and not interrupt.requested():
            # HiGHS 1.16, a MIP started from a solution: it may return the start while reporting an
            # objective no solution has; solved again without the start (in the time left), it reports
            # what it returns
            self.h.clearSolver()
            again, _ = self._run(left)
            outcome = again if again.x is not None else outcome
        self.started = None
        return outcome

    def _left_running(self, runtime: float) -> StageOutcome:
        """The outcome of a run left running after an interrupt: the best solution its callback reported
        (costed here) and the last bound, or no plan; the backend is marked unusable."""
        self.abandoned, self.started = True, None
        self.h = _LeftRunning()  # the thread holds the Highs object; any use of this one says why it fails
        why = f"interrupted (HiGHS left running: not stopped {interrupt.GRACE_S:g} s after the signal"
        x = self._seen
        # a restricted MIP's own bound is not one of the model: the LP relaxation's is
        seen = self._bound_seen if self._lp_bound is None else self._lp_bound
        if x is None or not self.has_integers:
            return StageOutcome("error", math.nan, -math.inf, math.inf, runtime, None, f"{why}, no solution yet)")
        x = x.copy()
        objective = float(self.cost @ x)
        bound = seen if math.isfinite(seen) and seen <= objective else -math.inf
        return StageOutcome("feasible", objective, bound, relative_gap(objective, bound), runtime, x,
                            f"{why}; its best solution kept)")

    def _relaxation_first(self, time_limit: float, mip_gap: float) -> StageOutcome:
        """The LP relaxation's bound and the plan of the MIP restricted to its roundings (module docstring)."""
        start = time.perf_counter()
        held = self._arrays  # the live model's columns (no columns are added to a model this large)
        integer = np.flatnonzero(held["integer"]).astype(np.int32)
        lower, upper = held["col_lower"][integer], held["col_upper"][integer]
        self.h.changeColsIntegrality(len(integer), integer, np.zeros(len(integer), np.uint8))
        self.h.setOptionValue("solver", "ipm")
        self._time_limit(RELAXATION_SHARE * time_limit, lp=True)
        try:
            self._run_stoppable()
            solved = self.h.getModelStatus() == highspy.HighsModelStatus.kOptimal
            bound = float(self.h.getInfo().objective_function_value) if solved else -math.inf
            x_lp = np.asarray(self.h.getSolution().col_value, float)
        finally:
            if not self.abandoned:
                self.h.setOptionValue("solver", "choose")
                self.h.changeColsIntegrality(len(integer), integer, np.ones(len(integer), np.uint8))
                self.h.clearSolver()
        if solved:
            self.lp_seconds = time.perf_counter() - start
        relaxation = "LP relaxation {} in {:.1f} s".format("optimal" if solved else "not solved",
                                                          time.perf_counter() - start)
        left = time_limit - (time.perf_counter() - start)
        if not solved:  # no bound, no roundings: HiGHS's own branch and cut in the time left
            outcome, _ = self._run(left)
            return dataclasses.replace(outcome, solver_status=f"{relaxation}; {outcome.solver_status}")
        xi = x_lp[integer]
        low = np.maximum(lower, np.floor(xi + 1e-6))
        high = np.maximum(low, np.minimum(upper, np.ceil(xi - 1e-6)))
        self.h.changeColsBounds(len(integer), integer, low, high)
        self._lp_bound = bound
        try:
            outcome, _ = self._run(left)
        finally:
            if not self.abandoned:  # (abandoned: _left_running reads the LP bound)
                self._lp_bound = None
                self.h.changeColsBounds(len(integer), integer, lower, upper)
                self.h.clearSolver()
        restricted = f"restricted MIP: {outcome.solver_status}"
        if outcome.x is None:
            return StageOutcome("error", math.nan, bound, math.inf, 0.0, None, f"{relaxation}; {restricted}")
        objective = float(self.cost @ outcome.x)
        gap = relative_gap(objective, bound)
        status = "optimal" if gap <= mip_gap + 1e-12 else "feasible"
        return StageOutcome(status, objective, bound, gap, 0.0, outcome.x,
                            f"{relaxation} (bound {bound:,.6g}); {restricted}")

    def _run(self, time_limit: float) -> tuple[StageOutcome, bool]:
        """One HiGHS run; the flag says the solution returned does not cost the objective reported."""
        self._time_limit(time_limit, lp=not self.has_integers)
        if self.has_integers and not self._recording:
            self.h.cbMipImprovingSolution.subscribe(self._record)
            self._recording = True
        self._seen, self._bound_seen, self._stopped_by = None, -math.inf, ""
        start = time.perf_counter()
        run_status = self._run_stoppable()
        runtime = time.perf_counter() - start
        model_status = self.h.getModelStatus()
        info = self.h.getInfo()
        has_x = info.primal_solution_status == 2  # kSolutionStatusFeasible
        x = np.asarray(self.h.getSolution().col_value, float) if has_x else None
        status = _map_status(model_status, has_x, run_status)
        objective = info.objective_function_value if has_x else math.nan
        solver_status = self.h.modelStatusToString(model_status)
        if model_status == highspy.HighsModelStatus.kInterrupt and self._stopped_by:  # not a user: our callback
            solver_status = self._stopped_by
        if interrupt.requested() and status != "optimal":
            solver_status = f"interrupted ({solver_status})"
        tolerance = 1e-6 * max(1.0, abs(objective))
        if has_x and self._seen is not None and self.cost @ self._seen < self.cost @ x - tolerance:
            # HiGHS 1.16, a MIP started from a solution and stopped (time, interrupt): it may return the start
            # rather than the better solution it found and reports; that one, from its improving-solution
            # callback, is kept
            solver_status += f" (returned a solution costing {self.cost @ x:,.6g}; the better one it found is kept)"
            x = self._seen
        mismatch = has_x and abs(objective - self.cost @ x) > tolerance
        bound = info.mip_dual_bound
        if mismatch and self._returns_start(x) and self.cost @ x <= objective:
            # HiGHS 1.16 values a start in its presolved space with an offset and may return the start
            # with that value: the start is feasible (we gave it), at least as good as HiGHS believed, so
            # its pruning was conservative and its bound holds
            solver_status += f" (reported objective {objective:,.6g}, the start it returned costs {self.cost @ x:,.6g})"
            objective, bound, mismatch = float(self.cost @ x), min(bound, float(self.cost @ x)), False
            gap = relative_gap(objective, bound)
            status = "optimal" if gap <= self.h.getOptionValue("mip_rel_gap")[1] + 1e-12 else "feasible"
        elif mismatch:  # the solution returned is not the one the objective describes: keep the solution,
            # with its own cost, and trust neither proof nor bound
            solver_status += f" (reported objective {objective:,.6g}, solution costs {self.cost @ x:,.6g})"
            objective, status = float(self.cost @ x), "feasible"
        if self.has_integers:
            bound = -math.inf if mismatch else bound
            gap = (math.inf if mismatch else relative_gap(objective, bound)) if has_x else math.inf
        else:
            bound, gap = (objective, 0.0) if status == "optimal" else (math.nan, math.inf)
        if status == "optimal" and not math.isfinite(gap):
            gap = 0.0
        return StageOutcome(status, objective, bound, gap, runtime, x, solver_status), mismatch

    def _run_stoppable(self):
        """``h.run()``, stopped at once by a signal within :func:`gpec.interrupt.catching`, where it runs
        in a thread of its own and is left running if it has not stopped :data:`gpec.interrupt.GRACE_S`
        after the signal (:class:`gpec.interrupt.Abandoned`)."""
        h = self.h

        def run():
            # HiGHS's task scheduler belongs to the thread that runs it: shut down with that thread, as
            # highspy's own threaded solve does
            interrupt.at_worker_exit("highs", lambda: highspy.Highs.resetThreadScheduler(False))
            if interrupt.requested():  # the signal came before the hook was registered
                self._stop_now()
            return h.run()

        try:
            return interrupt.call_stoppable(run, self._stop_now, interrupt.GRACE_S)
        except interrupt.Abandoned:
            self.abandoned = True  # at once: the clean-ups on the way out must not touch the running model
            raise

    def _stop_now(self) -> None:
        """Stop the current run, keeping its incumbent: its time limit made 0 (called from
        :mod:`gpec.interrupt`'s watcher thread while ``run`` holds no GIL). HiGHS checks its time limit
        within the LP iterations, its interrupt callback only between the MIP's steps (measured up to 5 s
        apart in the root cut loop of the Landes at 2 M EUR); setting a double option while HiGHS reads it
        is the only way in from outside, and the next run sets its own limit again."""
        if not self.abandoned:
            self.h.setOptionValue("time_limit", 0.0)
            self.h.setOptionValue("iis_time_limit", 0.0)

    def _time_limit(self, seconds: float, lp: bool) -> None:
        """Let the next run take ``seconds``. HiGHS 1.16 holds an LP to its time limit on the clock of the
        Highs object, which runs on across solves (ERGO-Code/HiGHS#1477, to change in HiGHS 2.0; highspy
        has no ``zeroAllClocks``), and a MIP from the start of its own solve: an LP solved on a live model
        (shadow prices, a relaxation first after other solves) is given the time already run on top."""
        offset = self.h.getRunTime() if lp else 0.0
        self.h.setOptionValue("time_limit", float(offset + max(seconds, 0.01)))

    def _record(self, event) -> None:
        """Keep the best solution HiGHS reports finding (in the original space) during the current run."""
        x = np.asarray(event.data_out.mip_solution, float)
        if len(x) == len(self.cost) and (self._seen is None or self.cost @ x < self.cost @ self._seen):
            self._seen = x.copy()

    def _returns_start(self, x: np.ndarray) -> bool:
        return self.started is not None and bool(np.allclose(x, self.started, rtol=0.0, atol=1e-9))


class _LeftRunning:
    """Stands for the Highs object of a backend whose run was left running after an interrupt."""

    def __getattr__(self, name):
        from gpec.interrupt import Interrupted

        raise Interrupted("the solver was left running after the interrupt; nothing written")


def _map_status(model_status, has_x: bool, run_status) -> str:
    ms = highspy.HighsModelStatus
    if model_status == ms.kOptimal:
        return "optimal"
    if model_status == ms.kInfeasible:
        return "infeasible"
    if model_status in (ms.kUnbounded, ms.kUnboundedOrInfeasible):
        return "unbounded"
    limits = {ms.kTimeLimit, ms.kIterationLimit, ms.kSolutionLimit, ms.kInterrupt}
    for name in ("kNodeLimit", "kObjectiveBound", "kObjectiveTarget"):
        if hasattr(ms, name):
            limits.add(getattr(ms, name))
    if model_status in limits and has_x:
        return "feasible"
    return "error"


@contextlib.contextmanager
def _quiet_stdout():
    """Silence the C-level stdout for the duration (file descriptor 1), e.g. the HiGHS banner."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # no real stdout (captured by a test runner)
        yield
        return
    sys.stdout.flush()
    saved = os.dup(fd)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), fd)
            yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)
