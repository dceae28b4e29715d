r"""Intermittent professional pools (a bank of salaried intermittents mobilised across bassins).

Decisions, per métier with a pool salary and year :math:`t_0 < t \le T` of the horizon (a pool takes a
year to set up):

* :math:`P_{b,m,t}` pool FTE based in bassin :math:`b`, hired as new staff: whole FTE per zone
  :math:`z` (département, or the whole territory when funders have no territories), métier and year,
  :math:`\sum_{b \in z} P_{b,m,t} = N_{z,m,t} \in \mathbb{Z}_{\ge 0}` (columns ``pools_total``, rows
  ``pools_split``; :math:`N` is charged to the budget in zone :math:`z`), split over bassins by
  continuous :math:`P`; the plan written has whole FTE in every bassin (:mod:`gpec.rounding`);
* :math:`W_{b \to b',m,t} \ge 0` need of bassin :math:`b'` covered by that pool, only for
  :math:`\tau_{b,b'} \le R_p` minutes (travel.csv, :math:`b' = b` included) and :math:`\bar s\,
  D_{b',m,t} > 0`; a base gets a pool column only where it reaches such a :math:`b'`, at most
  :math:`\lceil \sum_{b'} \bar s\, D_{b',m,t} / f \rceil` FTE.

.. math::

    \sum_{b'} W_{b \to b',m,t} &\le f\, P_{b,m,t} \quad \text{(pool\_capacity)} \\
    \sum_{b} W_{b \to b',m,t} &\le \bar s\, D_{b',m,t} \quad \text{(pool\_share)} \\
    S_{b',m,t} + \sum_b W_{b \to b',m,t} + U_{b',m,t} &\ge D_{b',m,t} \quad \text{(need, in workforce)}

Pool staff cover need; they are not part of the stock (no departures are modelled for them: the pool
is maintained year by year), hired every year they work from the labour pool of their base
(:mod:`gpec.models.labour_pool`). Cost: :math:`c^P_m (1 + \gamma)` per pool FTE-year, plus travel
:math:`2\, n\, \tau_{b,b'}\, c_\tau` per FTE of need covered, both paid in the zone of the base :math:`b`.

Glossary: :math:`f` ``eff_pool_fill``; :math:`\bar s` ``pool_max_share``; :math:`R_p`
``pool_radius_min``; :math:`c^P_m` ``cost_pool_fte``; :math:`\gamma` ``pool_coordination``;
:math:`n` ``pool_trips_per_year``; :math:`c_\tau` ``travel_cost_per_minute``.

Constraints
-----------
pool_capacity
    :math:`\sum_{b'} W_{b \to b',m,t} - f\, P_{b,m,t} \le 0`
pool_share
    :math:`\sum_b W_{b \to b',m,t} \le \bar s\, D_{b',m,t}`
pools_split
    :math:`\sum_{b \in z} P_{b,m,t} - N_{z,m,t} = 0`
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from gpec.geo.reach import bassins_within
from gpec.models.levers import (LeverSpec, LeverTerms, ResultTable, bassin_zones, effects, grid_index, same_year_lag,
                                whole_totals)
from gpec.models.linear import Block, LinearModel, row_positions
from gpec.models.workforce import WorkforceBlocks

LEVER = "pools"
#: Columns of the pool flow table (``pool_flows.csv``).
FLOW_COLUMNS = ("origin", "destination", "metier", "year", "fte", "minutes", "travel_eur")


@dataclass(frozen=True, kw_only=True)
class PoolTerms(LeverTerms):
    """The pools' terms and the need they cover (``flows``: origin x destination x métier x year)."""

    flows: Block


def add_pools(lp: LinearModel, instance, horizon: tuple[int, int], workforce: WorkforceBlocks) -> PoolTerms:
    first, last = horizon
    years = pd.DataFrame({"year": np.arange(first + 1, last + 1)})
    salary = instance.param_by_metier("cost_pool_fte")
    metiers = pd.DataFrame({"metier": [m for m in instance.metiers["metier"] if m in salary.index]})
    pairs = bassins_within(instance, instance.param("pool_radius_min"))
    share, fill = instance.param("pool_max_share"), instance.param("eff_pool_fill")
    need = instance.need()

    flows = pairs.merge(metiers, how="cross").merge(years, how="cross")
    flows["cap_in"] = share * need.reindex(pd.MultiIndex.from_frame(
        flows[["destination", "metier", "year"]])).to_numpy()
    flows = flows[flows["cap_in"] > 0].reset_index(drop=True)
    base = (flows.groupby(["origin", "metier", "year"])["cap_in"].sum() / fill).rename("cap").reset_index()
    base = base.rename(columns={"origin": "bassin"})
    pool = lp.add_variables("pool_fte", grid_index(base), 0.0, np.ceil(base["cap"].to_numpy()), integer=True)
    cover = lp.add_variables("pool_cover", grid_index(flows, ("origin", "destination", "metier", "year")))

    out_rows = row_positions(pool.index, flows, ["origin", "metier", "year"])
    k = np.arange(pool.size)
    # pool_capacity: sum_b' W[b->b',m,t] - f P[b,m,t] <= 0
    lp.add_constraints("pool_capacity", pool.index, [(out_rows, cover.positions, 1.0), (k, pool.positions, -fill)],
                       upper=0.0)
    dest = flows.groupby(["destination", "metier", "year"], sort=False)["cap_in"].first().reset_index()
    dest_index = grid_index(dest, ("destination", "metier", "year"))
    in_rows = row_positions(dest_index, flows, ["destination", "metier", "year"])
    # pool_share: sum_b W[b->b',m,t] <= s_max D[b',m,t]
    lp.add_constraints("pool_share", dest_index, [(in_rows, cover.positions, 1.0)], upper=dest["cap_in"].to_numpy())

    covered = effects(flows["destination"], flows["metier"], flows["year"], cover.positions, 1.0, "pool_cover",
                      "current", "cover")
    # an intermittent pool is hired from the local labour pool every year it works
    draws = pd.DataFrame({"bassin": base["bassin"], "year": base["year"], "col": pool.positions, "people": 1.0})
    travel = 2 * instance.param("pool_trips_per_year") * instance.param("travel_cost_per_minute")
    salaries = pd.DataFrame({"year": base["year"], "col": pool.positions,
                             "eur": base["metier"].map(salary).to_numpy() * (1 + instance.param("pool_coordination")),
                             "zone": bassin_zones(instance, base["bassin"])})
    totals = unit_eur = None
    if pool.size:
        totals, salaries, unit_eur = whole_totals(lp, LEVER, pool, ("metier", "year"), salaries,
                                                  instance.bassin_zones())
    costs = pd.concat([  # travel is paid where the pool is based
        salaries,
        pd.DataFrame({"year": flows["year"], "col": cover.positions, "eur": travel * flows["minutes"].to_numpy(),
                      "zone": bassin_zones(instance, flows["origin"])}),
    ], ignore_index=True)
    empty = covered.iloc[0:0]
    return PoolTerms(lever=LEVER, block=pool, lags=np.zeros(pool.size, int), inflows=empty, costs=costs, cover=covered,
                     draws=draws, unit_eur=unit_eur, totals=totals, flows=cover)


def flow_table(terms: PoolTerms, instance, x: np.ndarray) -> pd.DataFrame:
    """The need pools cover in solution ``x``: origin (the pool's base), destination, métier, year, FTE,
    minutes between them and the travel it costs."""
    block = terms.flows
    flows = block.values(x)
    keep = flows > 1e-7
    table = flows[keep].rename("fte").reset_index()
    minutes = instance.travel().reindex(pd.MultiIndex.from_frame(table[["origin", "destination"]])).to_numpy()
    table["minutes"] = minutes
    eur = terms.costs.groupby("col")["eur"].sum().reindex(block.positions[keep.to_numpy()]).fillna(0).to_numpy()
    table["travel_eur"] = table["fte"].to_numpy() * eur
    return table[list(FLOW_COLUMNS)]


def cover_and_travel(decisions: pd.DataFrame, flows: pd.DataFrame) -> None:
    """Give each pool (its base, métier and year) the need it covers as FTE and its travel on top of its
    cost, in its decision row."""
    pools = decisions["lever"] == LEVER
    if pools.any() and len(flows):
        per_pool = flows.groupby(["origin", "metier", "year"])[["fte", "travel_eur"]].sum()
        key = pd.MultiIndex.from_frame(decisions.loc[pools, ["bassin", "metier", "year"]])
        got = per_pool.reindex(key).fillna(0.0)
        decisions.loc[pools, "fte"] = got["fte"].to_numpy()
        decisions.loc[pools, "cost_eur"] = decisions.loc[pools, "cost_eur"].to_numpy() + got["travel_eur"].to_numpy()


#: The lever as the registry reads it.
SPECS = (LeverSpec(LEVER, add_pools, same_year_lag, "pools.csv", ("bassin", "metier", "year", "units", "cost_eur"),
                   tables=(ResultTable("pool_flows", "pool_flows.csv", FLOW_COLUMNS, flow_table, cover_and_travel),)),)
