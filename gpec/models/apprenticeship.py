r"""Apprenticeship contracts in ESMS (Département-funded).

Decision: :math:`A_{b,m,\tau} \in \mathbb{Z}_{\ge 0}` contracts started in bassin :math:`b` for métier
:math:`m` in year :math:`\tau`, at most :math:`\bar A_{b,m}` a year (employers' tutoring capacity), for
the start years of the horizon whose contracts end within the model (:math:`\tau + L_m \le T + \Theta`,
as in :mod:`gpec.models.training`). An apprenticeship prepares the same diploma as the school route, so
it lasts :math:`L_m` years; it then adds, in the same bassin,

.. math::

    A^{done}_{b,m,t} = (1-\rho_m)\,\kappa\, A_{b,m,t-L_m}

FTE to the stock (completion :math:`1-\rho_m`, hiring by the employer :math:`\kappa`). Cost:
:math:`c^A_m` per contract-year, in each of the :math:`L_m` years. Each contract recruits one person
from the labour pool of its bassin in its start year (:mod:`gpec.models.labour_pool`).

Glossary: :math:`\kappa` ``apprentice_conversion``; :math:`c^A_m` ``cost_apprentice``;
:math:`\bar A_{b,m}` ``apprenticeship_capacity.csv``; :math:`L_m, \rho_m` as in
:mod:`gpec.models.training`.

Constraints
-----------
None: the tutoring capacity :math:`A_{b,m,\tau} \le \bar A_{b,m}` is a bound of the columns.
"""

from __future__ import annotations

import pandas as pd

from gpec.models.levers import (LeverSpec, LeverTerms, bassin_zones, course_lag, decision_grid, effects, grid_index,
                                yearly_costs)
from gpec.models.linear import LinearModel
from gpec.models.workforce import WorkforceBlocks

LEVER = "apprenticeship"


def add_apprenticeship(lp: LinearModel, instance, horizon: tuple[int, int], workforce: WorkforceBlocks) -> LeverTerms:
    lag = instance.param_by_metier("training_years")
    grid = decision_grid(instance.table("apprenticeship_capacity.csv"), "max_contracts_per_year", lag, horizon, workforce.end)
    block = lp.add_variables("apprenticeships", grid_index(grid), 0.0, grid["cap"].to_numpy(), integer=True)
    lags = grid["lag"].to_numpy()
    per_unit = (1 - grid["metier"].map(instance.param_by_metier("dropout"))) * instance.param("apprentice_conversion")
    inflows = effects(grid["bassin"], grid["metier"], grid["year"] + lags, block.positions, per_unit.to_numpy(float),
                      "apprentices", "primary", "entry")
    draws = pd.DataFrame({"bassin": grid["bassin"], "year": grid["year"], "col": block.positions, "people": 1.0})
    unit = grid["metier"].map(instance.param_by_metier("cost_apprentice")).to_numpy(float)
    costs = yearly_costs(block, grid["year"].to_numpy(), lags, unit, bassin_zones(instance, grid["bassin"]))
    return LeverTerms(LEVER, block, lags, inflows, costs, draws=draws)


#: The lever as the registry reads it.
SPECS = (LeverSpec(LEVER, add_apprenticeship, course_lag, "apprenticeships.csv",
                   ("bassin", "metier", "year", "units", "delivers", "fte", "cost_eur"),
                   bound_phrase="capacity of apprenticeship contracts"),)
