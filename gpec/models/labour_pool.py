r"""The local labour pool bounds what recruitment-type levers can hire.

For every bassin :math:`b` and year :math:`t`, the people that training entries, apprenticeships,
reconversion, immersions and intermittent pools recruit (each lever's ``draws``) cannot exceed a share of
the bassin's jobseekers in the métiers' ROME codes:

.. math::  \sum_{\ell} \sum_j d^{\ell}_{b,t,j}\, x_j \le \lambda\, J_b \quad \text{(labour\_pool)}

where :math:`d^{\ell}_{b,t,j}` is the people recruited in :math:`(b, t)` per unit of decision :math:`x_j`
(1 per apprenticeship contract, per place of a pathway flagged ``draws_labour_pool`` (reconversion,
immersions) in its bassin and start year, and per pool FTE in every year it works: intermittent contracts
are renewed yearly; a training place's entrants are spread over the bassins its graduates settle in), :math:`J_b` the
jobseekers of ``labour_pool.csv`` summed over métiers (France Travail category ABC, split from bassins
d'emploi by population) and :math:`\lambda` ``labour_pool_share``. Instances without ``labour_pool.csv``
have no such rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gpec.models.levers import LeverTerms, empty_draws
from gpec.models.linear import Block, LinearModel


def add_labour_pool(lp: LinearModel, instance, horizon: tuple[int, int], levers: list[LeverTerms]) -> Block | None:
    """Rows ``labour_pool[bassin, year]`` for every cell some lever recruits in (none without labour_pool.csv)."""
    jobseekers = instance.labour_pool()
    if jobseekers is None:
        return None
    first, last = horizon
    draws = pd.concat([empty_draws(), *[lv.draws for lv in levers]], ignore_index=True)
    draws = draws[draws["year"].between(first, last) & (draws["people"] > 0)]
    # the cells drawn from, sorted by bassin and year, and each draw's cell
    bassin, bassins = pd.factorize(draws["bassin"], sort=True)
    year, years = pd.factorize(draws["year"], sort=True)
    rows, cells = pd.factorize(bassin.astype(np.int64) * max(len(years), 1) + year, sort=True)
    index = pd.MultiIndex.from_arrays([np.asarray(bassins, object)[cells // max(len(years), 1)],
                                       np.asarray(years, np.int64)[cells % max(len(years), 1)]], names=["bassin", "year"])
    bound = instance.param("labour_pool_share") * jobseekers.reindex(index.get_level_values("bassin")).to_numpy(float)
    return lp.add_constraints("labour_pool", index, [(rows, draws["col"].to_numpy(np.int64), draws["people"].to_numpy())],
                              upper=bound)
