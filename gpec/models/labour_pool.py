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
d'emploi by population) and :math:`\lambda` ``labour_pool_share``. There is one row per bassin and year
of the model (the horizon and its tail) that some lever recruits in; instances without
``labour_pool.csv`` have no such rows.

Constraints
-----------
labour_pool
    :math:`\sum_{\ell} \sum_j d^{\ell}_{b,t,j}\, x_j \le \lambda\, J_b`
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gpec.models.levers import LeverTerms
from gpec.models.linear import Block, LinearModel, label_codes


def add_labour_pool(lp: LinearModel, instance, horizon: tuple[int, int], levers: list[LeverTerms]) -> Block | None:
    """Rows ``labour_pool[bassin, year]`` for every cell some lever recruits in (none without labour_pool.csv)."""
    jobseekers = instance.labour_pool()
    if jobseekers is None:
        return None
    first, last = horizon
    draws = [d[d["year"].between(first, last) & (d["people"] > 0)] for d in (lv.draws for lv in levers)]
    # each draw's cell as one whole number (its bassin's rank, then its year): the cells drawn from,
    # sorted by bassin and year, and each draw's cell, without a string per draw
    bassins, years = pd.Index(sorted(instance.bassins["bassin"])), last - first + 1
    keys = [label_codes(bassins, d["bassin"]).astype(np.int64) * years + (d["year"].to_numpy(np.int64) - first)
            for d in draws]
    rows, cells = pd.factorize(np.concatenate([np.zeros(0, np.int64), *keys]), sort=True)
    if len(cells) and cells.min() < 0:
        raise KeyError("labour_pool: a lever draws from a bassin the instance does not have")
    index = pd.MultiIndex.from_arrays([bassins.to_numpy(object)[cells // years], first + cells % years],
                                      names=["bassin", "year"])
    bound = instance.param("labour_pool_share") * jobseekers.reindex(index.get_level_values("bassin")).to_numpy(float)
    cols = np.concatenate([np.zeros(0, np.int64), *[d["col"].to_numpy(np.int64) for d in draws]])
    people = np.concatenate([np.zeros(0), *[d["people"].to_numpy(float) for d in draws]])
    # labour_pool: sum_l sum_j d^l[b,t,j] x[j] <= lambda J[b]   (people recruited <= a share of jobseekers)
    return lp.add_constraints("labour_pool", index, [(rows, cols, people)],
                              upper=bound)
