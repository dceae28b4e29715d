r"""Hard targets a scenario may require: a service level, and a minimum of training places per métier.

* Service level :math:`X` (``--service-level``): from the first year a lever can deliver to the end of
  the horizon (:math:`t_0 + 1 \le t \le T`, not the tail years), in every bassin, métier and year, unmet
  need is at most :math:`1 - X` of need:

  .. math::  U_{b,m,t} + X\, D_{b,m,t} \le D_{b,m,t} \quad \text{(service\_level)}

  written with :math:`X` as a column fixed at the required level, so that an elastic re-solve can free
  it (:mod:`gpec.diagnose`) and ask for the largest service level the budgets allow.
* Minimum places :math:`\underline{X}_m` (``--min-places METIER=N``): extra training places opened for
  métier :math:`m` over the horizon, all sites together, :math:`\sum_{s,\tau} X_{s,m,\tau} \ge
  \underline{X}_m` (min\_places).

Targets make a scenario infeasible when budgets, capacities or lags cannot meet them; the result is then
``infeasible`` and :mod:`gpec.diagnose` explains why.

Constraints
-----------
service_level
    :math:`U_{b,m,t} + D_{b,m,t}\, X \le D_{b,m,t}, \quad t_0 < t \le T` (with ``--service-level``)
min_places
    :math:`\sum_{s,\tau} X_{s,m,\tau} \ge \underline{X}_m` (with ``--min-places``)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gpec.models.levers import LeverTerms
from gpec.models.linear import Block, LinearModel
from gpec.models.training import LEVER as TRAINING


def add_targets(lp: LinearModel, horizon: tuple[int, int], workforce, levers: list[LeverTerms],
                service_level: float | None = None, min_places: dict[str, int] | None = None) -> Block | None:
    """Add the targets asked for (module docstring); returns the column of the required service level
    (``None``: none is required)."""
    first, _ = horizon
    level = None
    if service_level is not None:
        level = lp.add_variables("service_level_required", pd.Index(["all"], name="scope"), service_level,
                                 service_level)
        index = workforce.unmet.index
        years = index.get_level_values("year")
        later = np.flatnonzero((years > first) & (years <= horizon[1]))  # the horizon, not its tail
        need = workforce.need_fte[later]
        rows = np.arange(len(later))
        # service_level: U[b,m,t] + D[b,m,t] X <= D[b,m,t]   for t0 < t <= T (X a column fixed at the level)
        lp.add_constraints("service_level", index[later],
                           [(rows, workforce.unmet.positions[later], 1.0), (rows, np.full(len(later), level.start), need)],
                           upper=need)
    if min_places:
        training = next((lv for lv in levers if lv.lever == TRAINING), None)
        index = pd.Index(sorted(min_places), name="metier")
        terms = []
        if training is not None:
            metier = training.block.index.get_level_values("metier")
            rows = index.get_indexer(metier)
            keep = rows >= 0
            terms.append((rows[keep], training.block.positions[keep], 1.0))
        # min_places: sum_{s,tau} X[s,m,tau] >= X_min[m]
        lp.add_constraints("min_places", index, terms, lower=np.array([float(min_places[m]) for m in index]))
    return level
