r"""Pathways into and between métiers: the transitional and social reservoirs, and immersions.

Each row of ``pathways.csv`` is a pathway :math:`p` from a source :math:`a_p` (a métier, or outside the
workforce) to a target métier :math:`c_p`, with a duration :math:`L_p` (whole years), a success share
:math:`\sigma_p`, a cost :math:`k_p` per place-year and a yearly cap per bassin. It belongs to one lever
(its funder comes from ``levers.csv``) and one reservoir. Decision:
:math:`Y_{b,p,\tau} \in \mathbb{Z}_{\ge 0}` places started in bassin :math:`b` in year :math:`\tau`,
:math:`Y_{b,p,\tau} \le \kappa_p B_{b,p}` with :math:`B` the cap basis
(baseline stock of the source or target métier in the first model year, or the population in thousands).
Places are whole per bassin (``whole_places = bassin``; the cap is then rounded to the nearest whole
place), or whole in the territory (``whole_places = territory``: places a programme of the Région or
the Département buys for the whole instance, e.g. reconversion places in its institutes). Where funders
have territories (:meth:`gpec.instance.Instance.bassin_zones`), "the territory" is each zone :math:`z`
(a département, whose places its funders pay for), else the whole instance (one zone):
:math:`\sum_{b \in z} Y_{b,p,\tau} = N_{z,p,\tau} \in \mathbb{Z}_{\ge 0}` (columns
``<lever>_territory_places``, rows ``<lever>_whole_places``, indexed by (zone, pathway, year), or (pathway,
year) without zones),
:math:`N_{z,p,\tau} \le \bar N_{z,p} = \lfloor \sum_{b \in z} \kappa_p B_{b,p} + \tfrac12 \rfloor`, with the
allocation :math:`0 \le Y_{b,p,\tau} \le \kappa_p B_{b,p}\, \bar N_{z,p} / \sum_{b' \in z} \kappa_p B_{b',p}`
continuous (a place may be shared between the bassins of a zone; each bassin's cap is scaled with the
rounding of its zone's total, so that :math:`\bar N_{z,p}` places can be bought when the sum is rounded up).

Three modes move people differently; every term below enters the stock balance of
:mod:`gpec.models.workforce` in the year shown (only start years of the horizon whose effects land in the
model, the horizon and its tail :math:`T + \Theta`, get a column):

* ``out_of_post`` (school-based promotion, passerelles): the person leaves the source post when the
  course starts and is *in transition* for :math:`L_p` years, then joins the target métier on success;
  failures return to their source post. :math:`\tau \in [t_0 + 1, \min(T, T + \Theta - L_p)]` (the first
  year's stock is fixed).

  .. math::

      F_{b,a_p,\tau} \mathrel{-}= Y_{b,p,\tau}, \qquad
      F_{b,c_p,\tau+L_p} \mathrel{+}= \sigma_p Y_{b,p,\tau}, \qquad
      F_{b,a_p,\tau+L_p} \mathrel{+}= (1-\sigma_p) Y_{b,p,\tau}

  The in-transition state is :math:`T_{b,p,t} = \sum_{k=0}^{L_p-1} Y_{b,p,t-k}` (reported in
  ``workforce.csv``, column ``in_transition`` of the source métier); it has no departures.
* ``in_post`` (VAE): the candidate keeps working in the source métier and moves on success,
  :math:`\tau \in [t_0, \min(T, T + \Theta - L_p)]`:
  :math:`F_{b,a_p,\tau+L_p} \mathrel{-}= \sigma_p Y_{b,p,\tau}`, :math:`F_{b,c_p,\tau+L_p} \mathrel{+}= \sigma_p Y_{b,p,\tau}`.
* ``external`` (reconversion from other sectors, immersions of jobseekers, civic-service volunteers,
  carers): :math:`F_{b,c_p,\tau+L_p} \mathrel{+}= \sigma_p Y_{b,p,\tau}`,
  :math:`\tau \in [t_0, \min(T, T + \Theta - L_p)]`.
  Pathways flagged ``draws_labour_pool`` recruit :math:`Y_{b,p,\tau}` people from the labour pool of
  :math:`(b, \tau)` (:mod:`gpec.models.labour_pool`).

Transitions conserve people: summed over métiers and the in-transition state, only entries (external
pathways and the other levers) and departures change the total. Cost: :math:`k_p` per place in each of
the :math:`L_p` years from :math:`\tau`, in the zone of :math:`b`; for places whole in a zone the budget is
charged :math:`k_p N_{z,p,\tau}` (the same euros as :math:`\sum_{b \in z} k_p Y_{b,p,\tau}`), so that each
zone's spending is a knapsack over whole units.

Glossary: :math:`L_p` ``pathway_years``; :math:`\sigma_p` ``pathway_success``; :math:`k_p`
``pathway_cost``; :math:`\kappa_p` ``pathway_cap_rate``; ``mode``, ``cap_basis``, ``reservoir``,
``draws_labour_pool``, ``whole_places``: columns of ``pathways.csv``.

Constraints
-----------
<lever>_whole_places
    :math:`\sum_{b \in z} Y_{b,p,\tau} - N_{z,p,\tau} = 0`
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from gpec.models.levers import (LeverSpec, LeverTerms, ResultTable, bassin_zones, effects, grid_index, start_rows,
                                yearly_costs)
from gpec.models.linear import Block, LinearModel, row_positions
from gpec.models.workforce import WorkforceBlocks
from gpec.lever_names import PATHWAY_LEVERS

#: Columns of the table of places bought whole in the territory (``pathway_places.csv``).
PLACES_COLUMNS = ("lever", "pathway", "year", "places")


@dataclass(frozen=True, kw_only=True)
class PathwayTerms(LeverTerms):
    """A pathway lever's terms and the places it buys whole in the territory (``places``: [zone x] pathway
    x year; ``None`` when every pathway of the lever has whole places per bassin)."""

    places: Block | None


def pathway_caps(instance, first_year: int) -> pd.DataFrame:
    """Yearly places per (bassin, pathway), where positive: ``cap`` = cap_rate x basis, and ``whole_cap``
    = that rounded to the nearest whole place (half up), the cap of pathways whose places are whole in
    each bassin (a bassin too small for one place a year then gets none)."""
    paths = instance.pathways()
    columns = {"bassin": object, "pathway": object, "cap": float, "whole_cap": float}
    if paths.empty:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})
    stock = instance.baseline()["stock_fte"].xs(first_year, level="year").unstack("metier")
    bassins = instance.bassins.set_index("bassin")
    stock = stock.reindex(bassins.index).fillna(0.0)
    frames = []
    for p in paths.itertuples(index=False):
        if p.cap_basis == "population":
            basis = bassins["population"] / 1000.0
        else:
            metier = p.from_metier if p.cap_basis == "source_stock" else p.to_metier
            basis = stock[metier] if metier in stock else pd.Series(0.0, index=bassins.index)
        cap = p.cap_rate * basis.to_numpy(float)
        frames.append(pd.DataFrame({"bassin": bassins.index, "pathway": p.pathway, "cap": cap,
                                    "whole_cap": np.floor(cap + 0.5)}))
    caps = pd.concat(frames, ignore_index=True)
    return caps[caps["cap"] > 0].reset_index(drop=True)


def add_pathways(lever: str):
    """The builder of one pathway lever (``promotion``, ``vae``, ``reconversion``, ``immersion``, ``social``)."""

    def build(lp: LinearModel, instance, horizon: tuple[int, int], workforce: WorkforceBlocks) -> PathwayTerms:
        first, last = horizon
        paths = instance.pathways()
        paths = paths[paths["lever"] == lever].set_index("pathway")
        caps = pathway_caps(instance, first)
        caps = caps.merge(paths.reset_index(), on="pathway", how="inner")
        caps["zone"] = bassin_zones(instance, caps["bassin"])
        in_bassin = caps["whole_places"] == "bassin"
        total = caps.groupby(["pathway", "zone"])["cap"].transform("sum")
        scale = np.floor(total + 0.5) / total  # the rounded cap of each zone is reachable
        caps["cap"] = caps["cap"].where(~in_bassin, caps["whole_cap"]).where(in_bassin, caps["cap"] * scale)
        caps = caps[caps["cap"] > 0]
        caps["earliest"] = np.where(caps["mode"] == "out_of_post", first + 1, first)
        rows, years = start_rows(caps["earliest"], last, caps["years"], workforce.end)
        take = lambda column, dtype=object: caps[column].to_numpy(dtype)[rows]
        grid = pd.DataFrame({"bassin": take("bassin"), "metier": take("to_metier"), "pathway": take("pathway"),
                             "year": years, "lag": take("years", int)}).astype(
            {"bassin": object, "metier": object, "pathway": object, "year": int, "lag": int})
        g = grid.merge(caps.drop(columns=["to_metier", "years"]), on=["bassin", "pathway"], how="left")
        per_bassin = (g["whole_places"] == "bassin").to_numpy()
        block = lp.add_variables(lever, grid_index(grid, ("bassin", "metier", "pathway", "year")), 0.0,
                                 g["cap"].to_numpy(float), integer=per_bassin)
        g["col"] = block.positions
        keys = ("zone", "pathway", "year") if instance.bassin_zones() is not None else ("pathway", "year")
        places = _whole_territory_places(lp, lever, g[~per_bassin], keys)

        done = (g["year"] + g["lag"]).to_numpy()
        external = (g["mode"] == "external").to_numpy()
        reservoir = g["reservoir"].to_numpy()
        parts = [effects(g["bassin"], g["metier"], done, g["col"], g["success"],
                         np.where(external, lever, f"{lever}_in"), reservoir, np.where(external, "entry", "move_in"))]
        school = (g["mode"] == "out_of_post").to_numpy()
        s = g[school]
        parts += [effects(s["bassin"], s["from_metier"], s["year"], s["col"], -1.0, f"{lever}_out", reservoir[school],
                          "move_out"),
                  effects(s["bassin"], s["from_metier"], done[school], s["col"], 1 - s["success"], f"{lever}_return",
                          reservoir[school], "return")]
        vae = (g["mode"] == "in_post").to_numpy()
        v = g[vae]
        parts.append(effects(v["bassin"], v["from_metier"], done[vae], v["col"], -v["success"], f"{lever}_out",
                             reservoir[vae], "move_out"))
        inflows = pd.concat(parts, ignore_index=True)
        recruits = g[g["draws_labour_pool"] == 1]
        draws = pd.DataFrame({"bassin": recruits["bassin"], "year": recruits["year"], "col": recruits["col"],
                              "people": 1.0})
        # the budget pays for whole places: territory places are charged on their zone's total (the same cost)
        charged = g["col"].to_numpy().copy()
        if places is not None:
            charged[~per_bassin] = places.locate(g.loc[~per_bassin, list(keys)])
        costs = yearly_costs(block, g["year"].to_numpy(), g["lag"].to_numpy(), g["cost"].to_numpy(float),
                             g["zone"].to_numpy(object))
        costs["col"] = np.repeat(charged, g["lag"].to_numpy())
        costs = costs.drop_duplicates(["year", "col"]).reset_index(drop=True)
        return PathwayTerms(lever=lever, block=block, lags=g["lag"].to_numpy(), inflows=inflows, costs=costs,
                            draws=draws, unit_eur=g["cost"].to_numpy(float) * g["lag"].to_numpy(), places=places)

    build.__name__ = f"add_{lever}"
    return build


def _whole_territory_places(lp: LinearModel, lever: str, g: pd.DataFrame, keys: tuple[str, ...]) -> Block | None:
    """Whole places per ``keys`` ([zone,] pathway, year): in each zone, allocated over its bassins by
    continuous columns; the zone's yearly cap is the sum of its bassins' (scaled) caps, a whole number of
    places."""
    if g.empty:
        return None
    totals = g.groupby(list(keys), as_index=False)["cap"].sum()
    index = grid_index(totals, keys)
    places = lp.add_variables(f"{lever}_territory_places", index, 0.0, np.round(totals["cap"].to_numpy()),
                              integer=True)
    rows = row_positions(index, g, keys)
    k = np.arange(len(index))
    # <lever>_whole_places: sum_{b in z} Y[b,p,tau] - N[z,p,tau] = 0   (whole places in each zone)
    lp.add_constraints(f"{lever}_whole_places", index, [(rows, g["col"].to_numpy(), 1.0), (k, places.positions, -1.0)],
                       0.0, 0.0)
    return places


def pathway_lag(instance, lever: str) -> int:
    """The longest pathway of ``lever`` (``pathway_years``; 0 when the instance has none)."""
    paths = instance.pathways()
    years = paths.loc[paths["lever"] == lever, "years"]
    return int(years.max()) if len(years) else 0


def territory_places(terms: PathwayTerms, instance, x: np.ndarray) -> pd.DataFrame | None:
    """The whole places bought in the territory in solution ``x``, summed over its zones, where positive:
    lever, pathway, year, places (``None``: the lever buys none in the territory)."""
    if terms.places is None:
        return None
    table = terms.places.values(x).round().astype(int).rename("places").reset_index().assign(lever=terms.lever)
    table = table.groupby(["lever", "pathway", "year"], as_index=False, sort=False)["places"].sum()
    return table.loc[table["places"] > 0, list(PLACES_COLUMNS)].reset_index(drop=True)


#: The table of places bought whole in the territory, which every pathway lever adds to.
PLACES_TABLE = ResultTable("pathway_places", "pathway_places.csv", PLACES_COLUMNS, territory_places)
#: The pathway levers as the registry reads them, one per name of :data:`gpec.lever_names.PATHWAY_LEVERS`.
SPECS = tuple(LeverSpec(lever, add_pathways(lever), pathway_lag, f"{lever}.csv",
                        ("pathway", "bassin", "metier", "year", "units", "delivers", "fte", "cost_eur"),
                        tables=(PLACES_TABLE,))
              for lever in PATHWAY_LEVERS)
