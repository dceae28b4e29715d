r"""Whole units in every bassin: the continuous split of whole totals made whole, the plan re-optimised.

Levers bought as whole totals in the territory (:func:`gpec.models.levers.whole_totals`: training places
per métier and year over the training sites, vehicles per year, pool FTE per métier and year) are split over bassins or sites by
continuous columns, which gives the solver a knapsack over whole units per budget row instead of one
integer per bassin. The plan a planner receives has whole units in every bassin: after the stages, every
integer decision (the totals, QVCT posts and coverage, pathway places in the territory) is fixed at the
plan's value and each split column :math:`x_{b,k}` is bounded by :math:`\lfloor x_{b,k} \rfloor \le x_{b,k}
\le \lceil x_{b,k} \rceil` and made integer; a small MIP (the same stages: unmet need, then cost with
unmet need capped) chooses the rounding, the continuous rest (stocks, pool cover, pathway allocations)
following. Since :math:`\sum_b x_{b,k}` is a whole number within the integer caps, such a rounding exists
whenever the split rows are the only ones it touches; the labour pool and the vehicles' drivers may forbid
one, and the MIP then says so.

The model with whole totals is a relaxation of the model with whole units in every bassin, so its
stage-1 bound is a valid bound for the plan written: the status is ``optimal`` only if the whole plan's
objective is within the stage-1 tolerance of it. When it is not (or no rounding exists), :func:`gpec.solve`
solves the model with whole units in every bassin (:func:`whole_units_model`) from the whole plan.
"""

from __future__ import annotations

import numpy as np

from gpec.solvers import StageOutcome, get_backend


def split_levers(model) -> list:
    """The levers whose decisions are the continuous split of whole totals."""
    return [lever for lever in model.levers if lever.totals is not None and lever.block.size]


def make_whole(model, x: np.ndarray, solver: str, time_limit: float, mip_gap: float, cost_gap: float,
               stages: tuple[str, ...]) -> list[StageOutcome]:
    """Re-solve ``model`` around plan ``x`` with whole units in every bassin (module docstring).

    Returns the outcome of each stage of the rounding MIP (the last one with a plan is the whole plan);
    ``time_limit`` is shared between them.
    """
    lp = model.lp.copy()
    arrays = lp.to_arrays()
    integer, lower, upper = arrays["integer"], arrays["col_lower"], arrays["col_upper"]
    for name, block in lp.columns.items():  # integer decisions stay as planned
        flags = integer[block.start:block.start + block.size]
        if flags.any():
            value = np.round(x[block.positions])
            lp.set_column_bounds(name, np.where(flags, value, lower[block.positions]),
                                 np.where(flags, value, upper[block.positions]))
    for lever in split_levers(model):
        cols = lever.block.positions
        low = np.maximum(lower[cols], np.floor(x[cols] + 1e-6))
        lp.set_column_bounds(lever.block.name, low, np.maximum(low, np.minimum(upper[cols], np.ceil(x[cols] - 1e-6))))
        lp.set_integer(lever.block.name, True)
    backend = get_backend(solver)(lp)
    left = time_limit
    outcomes, start = [], None
    for k, name in enumerate(stages):
        cost = model.lp.objective_vector(name)
        backend.set_objective(cost)
        if k:  # the whole plan of the previous stage (the split plan is not one: no start for the first)
            backend.set_start(start)
        outcome = backend.solve(max(left / (len(stages) - k), 0.01), mip_gap if k == 0 else cost_gap)
        left -= outcome.runtime_s
        outcomes.append(outcome)
        if outcome.x is None:
            break
        start = outcome.x
        if k + 1 < len(stages):
            backend.add_objective_cap(cost, outcome.objective + 1e-7 * max(1.0, abs(outcome.objective)))
    return outcomes


def whole_units_model(model):
    """A copy of ``model``'s linear model with whole units in every bassin (the split columns integer)."""
    lp = model.lp.copy()
    for lever in split_levers(model):
        lp.set_integer(lever.block.name, True)
    return lp


def whole_plan(outcomes: list[StageOutcome]) -> np.ndarray | None:
    """The plan of the last rounding stage that found one (``None`` when none did)."""
    plans = [o.x for o in outcomes if o.x is not None]
    return plans[-1] if plans else None

