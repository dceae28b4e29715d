r"""Budgets per funder and year, which funder pays for which lever, where, and carry-over of unspent money.

Each lever declares the funders that may pay for it (``levers.csv``), and each funder pays only for
decisions located in its territory: every cost belongs to a zone :math:`z` (the département of the
decision's bassin: a training site's, a post's, a pool's base; :meth:`gpec.instance.Instance.bassin_zones`),
and funder :math:`f` may pay in the zones :math:`Z_f` (:meth:`gpec.instance.Instance.funder_zones`: a
Conseil départemental in its département, a Conseil régional or an ARS in its région's départements).
An instance without ``funders.csv`` or without ``bassins.csv`` ``dep`` is one zone where every funder
pays. Spending is split by the continuous columns :math:`P_{\ell,f,z,t} \ge 0` (euros of lever
:math:`\ell` paid by funder :math:`f` in zone :math:`z \in Z_f` in year :math:`t`); :math:`K_{f,t} \ge 0`
are the euros of funder :math:`f` left unspent in year :math:`t` and carried to year :math:`t+1`
(:math:`K_{f,t_0-1} = 0`; nothing is carried out of the last year):

.. math::

    \sum_{f : z \in Z_f} P_{\ell,f,z,t} &= \sum_{j \in z} c_{\ell,j,t}\, x_j \quad \text{(lever\_cost)} \\
    \sum_{\ell, z} P_{\ell,f,z,t} + K_{f,t} &\le B_{f,t} + K_{f,t-1} \quad \text{(budget)} \\
    K_{f,t} &\le \phi \Big(B_{f,t} + K_{f,t-1} - \sum_{\ell,z} P_{\ell,f,z,t}\Big) \quad
        \text{(budget\_carry, only for } 0 < \phi < 1)

where :math:`c_{\ell,j,t}` is the cost in year :math:`t` of one unit of decision :math:`x_j` of lever
:math:`\ell` located in zone :math:`z` (a place or a contract is paid every year of its duration; whole
totals are bought per zone, :func:`gpec.models.levers.whole_totals`), :math:`B_{f,t}` the yearly
envelope (``budget.csv``, overridden by ``--budget FUNDER=EUR``) and :math:`\phi` ``budget_carry_over``,
the share of a year's unspent envelope that may be spent in later years (0: strictly yearly envelopes,
:math:`K = 0`; 1: every unspent euro stays available, never spent ahead of its year). A cost in a zone
no funder of its lever may pay in has only its decision on its ``lever_cost`` row: those decisions
stay at 0.

The years are those of the model: the horizon and its tail (:mod:`gpec.models.workforce`), where
courses started in the horizon are still paid.

Blocks: columns ``spend`` indexed by (lever, funder, zone, year) and ``budget_carried`` (:math:`K`) by
(funder, year); rows ``lever_cost`` by (lever, zone, year), ``budget`` and ``budget_carry`` by (funder,
year).

Constraints
-----------
lever_cost
    :math:`\sum_{f : z \in Z_f} P_{\ell,f,z,t} - \sum_{j \in z} c_{\ell,j,t}\, x_j = 0`
budget
    :math:`\sum_{\ell, z} P_{\ell,f,z,t} + K_{f,t} - K_{f,t-1} \le B_{f,t}`
budget_carry
    :math:`\phi \sum_{\ell,z} P_{\ell,f,z,t} + K_{f,t} - \phi\, K_{f,t-1} \le \phi\, B_{f,t}` (if :math:`0 < \phi < 1`)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from gpec.models.levers import LeverTerms
from gpec.models.linear import Block, LinearModel


@dataclass(frozen=True)
class BudgetBlocks:
    """The budget's columns (``spend``, ``carry``: euros carried over) and rows (``lever_cost``, ``budget``,
    ``carry_limit``: the ``budget_carry`` rows, ``None`` unless part of an unspent envelope is carried)."""

    spend: Block
    lever_cost: Block
    budget: Block
    carry: Block
    carry_limit: Block | None = None


def add_budget(lp: LinearModel, instance, horizon: tuple[int, int], levers: list[LeverTerms]) -> BudgetBlocks:
    years = np.arange(horizon[0], horizon[1] + 1)
    names = [lv.lever for lv in levers]
    scope = instance.funder_zones()
    pairs = instance.lever_funders()
    pairs = pairs[pairs["lever"].isin(names)]
    spend_index = pd.MultiIndex.from_tuples(
        [(lv, f, z, y) for lv, f in pairs.itertuples(index=False) for z in sorted(scope[f]) for y in years],
        names=["lever", "funder", "zone", "year"])
    spend = lp.add_variables("spend", spend_index, 0.0, np.inf)
    lp.add_objective("cost", spend.positions, 1.0)

    sl = spend_index.droplevel("funder")
    costs = {lv.lever: lv.costs[lv.costs["year"].between(years[0], years[-1])] for lv in levers}
    paid = [pd.MultiIndex.from_arrays([np.full(len(c), lever), c["zone"].to_numpy(object), c["year"].to_numpy()])
            for lever, c in costs.items()]
    zones = sorted(set().union(*scope.values(), *(c["zone"].unique() for c in costs.values())))
    # one row per (lever, zone, year) that has a cost or a funder (none for a lever with neither)
    cost_index = pd.MultiIndex.from_product([names, zones, years], names=["lever", "zone", "year"])
    cost_index = cost_index[cost_index.isin(sl.append(paid))]
    terms = [(cost_index.get_indexer(sl), spend.positions, 1.0)]
    for rows_of, c in zip(paid, costs.values()):
        terms.append((cost_index.get_indexer(rows_of), c["col"].to_numpy(), -c["eur"].to_numpy()))
    # lever_cost: sum_{f: z in Z_f} P[l,f,z,t] - sum_{j in z} c[l,j,t] x[j] = 0
    lever_cost = lp.add_constraints("lever_cost", cost_index, terms, 0.0, 0.0)

    funders = sorted(instance.budget().index.get_level_values("funder").unique())
    budget_index = pd.MultiIndex.from_product([funders, years], names=["funder", "year"])
    envelope = instance.budget().reindex(budget_index).to_numpy()
    share = instance.param("budget_carry_over")
    last = budget_index.get_level_values("year") == years[-1]
    carry = lp.add_variables("budget_carried", budget_index, 0.0, np.where(last | (share <= 0), 0.0, np.inf))
    rows = budget_index.get_indexer(spend_index.droplevel(["lever", "zone"]))
    k = np.arange(budget_index.size)
    later = np.flatnonzero(~(budget_index.get_level_values("year") == years[0]))
    carried_in = (later, carry.positions[later - 1], -1.0)  # K_{f,t-1}: the previous row of the same funder
    # budget: sum_{l,z} P[l,f,z,t] + K[f,t] - K[f,t-1] <= B[f,t]
    budget = lp.add_constraints("budget", budget_index, [(rows, spend.positions, 1.0), (k, carry.positions, 1.0),
                                                         carried_in], upper=envelope)
    carry_limit = None
    if 0 < share < 1:
        # budget_carry: phi sum_{l,z} P[l,f,z,t] + K[f,t] - phi K[f,t-1] <= phi B[f,t]   (0 < phi < 1)
        carry_limit = lp.add_constraints("budget_carry", budget_index,
                                         [(rows, spend.positions, share), (k, carry.positions, 1.0),
                                          (later, carried_in[1], -share)], upper=share * envelope)
    return BudgetBlocks(spend, lever_cost, budget, carry, carry_limit)
