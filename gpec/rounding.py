r"""Whole units in every bassin: the continuous split of whole totals made whole, the plan re-optimised.

Levers bought as whole totals in each zone (:func:`gpec.models.levers.whole_totals`: training places
per métier and year over the training sites, vehicles per year, pool FTE per métier and year; a zone is
a département where funders have territories, else the whole territory) are split over bassins or sites
by continuous columns, which gives the solver a knapsack over whole units per budget row instead of one
integer per bassin. The plan a planner receives has whole units in every bassin: after the stages, every
integer decision (the totals, apprenticeships, QVCT posts and coverage, pathway places) is fixed at the
plan's value and each split column :math:`x_{b,k}` is bounded by :math:`\lfloor x_{b,k} \rfloor \le x_{b,k}
\le \lceil x_{b,k} \rceil` and made integer; a small MIP (the same stages: unmet need, then cost with
unmet need capped, run by :func:`gpec.solve` on :func:`rounding_model`) chooses the rounding, the
continuous rest (stocks, pool cover, the allocation of pathway places whole in a zone) following.
Since :math:`\sum_b x_{b,k}` is a whole number within the integer caps, such a rounding exists whenever
the split rows are the only ones it touches; the labour pool, the vehicles' drivers and a service level
(which bounds unmet need in every bassin) may forbid one, and the MIP then says so.

The model with whole totals is a relaxation of the model with whole units in every bassin, so its
stage-1 bound is a valid bound for the plan written: the status is ``optimal`` only if the whole plan's
objective is within the stage-1 tolerance of it. When it is not (or no rounding exists), :func:`gpec.solve`
solves the model with whole units in every bassin (:func:`whole_units_model`) from the whole plan.

Constraints
-----------
None: both models are copies of the model whose column bounds and integrality change; no row is added.
"""

from __future__ import annotations

import numpy as np



def split_levers(model) -> list:
    """The levers whose decisions are the continuous split of whole totals."""
    return [lever for lever in model.levers if lever.totals is not None and lever.block.size]


def rounding_model(model, x: np.ndarray):
    """A copy of ``model``'s linear model for making plan ``x`` whole (module docstring): integer decisions
    fixed at their value in ``x``, each split column integer between the floor and the ceiling of its value."""
    lp = model.lp.copy()
    for name, block in lp.columns.items():  # integer decisions stay as planned
        flags = lp.is_integer(name)
        if flags.any():
            lower, upper = lp.column_bounds(name)
            value = np.round(x[block.positions])
            lp.set_column_bounds(name, np.where(flags, value, lower), np.where(flags, value, upper))
    for lever in split_levers(model):
        lower, upper = lp.column_bounds(lever.block.name)
        value = x[lever.block.positions]
        low = np.maximum(lower, np.floor(value + 1e-6))
        lp.set_column_bounds(lever.block.name, low, np.maximum(low, np.minimum(upper, np.ceil(value - 1e-6))))
        lp.set_integer(lever.block.name, True)
    return lp


def whole_units_model(model):
    """A copy of ``model``'s linear model with whole units in every bassin (the split columns integer)."""
    lp = model.lp.copy()
    for lever in split_levers(model):
        lp.set_integer(lever.block.name, True)
    return lp
