r"""Service vehicles for home-care workers (aides à domicile), funded by the Département.

Decision: :math:`Y_{b,t}` vehicles leased in bassin :math:`b` in year :math:`t` of the horizon (the effect
lands the next year, inside the model with its tail), only in bassins no denser than :math:`\bar d`
inhabitants per km², at most :math:`\lfloor \bar Y_b \rfloor` (a share of the bassin's baseline adv
stock). The Département leases whole vehicles per zone :math:`z` (département, or the whole territory
when funders have no territories, :func:`gpec.models.levers.whole_totals`),
:math:`\sum_{b \in z} Y_{b,t} = N_{z,t} \in \mathbb{Z}_{\ge 0}` (columns ``vehicles_total``, rows
``vehicles_split``; :math:`N` is charged to the budget in zone :math:`z`), split over bassins by
continuous :math:`Y`; the plan written has whole vehicles in every bassin (:mod:`gpec.rounding`).

Each vehicle has a driver from the staff in post, :math:`Y_{b,t} \le S_{b,adv,t}` (``vehicle_drivers``); the
driver's exit rate is cut by :math:`\varepsilon_v`, and a vehicle brings :math:`\eta` extra hires a year
(candidates without a car):

.. math::  R^{v}_{b,adv,t+1} = (\varepsilon_v\, e_{adv} + \eta)\, Y_{b,t}

Cost: :math:`c_v (1 - \phi)` per vehicle-year (:math:`\phi` = co-funding share).

Glossary: :math:`\varepsilon_v` ``eff_vehicle_exit``; :math:`\eta` ``eff_vehicle_hire``; :math:`\bar d`
``vehicle_max_density``; :math:`\bar Y_b` = ``vehicle_max_share`` x baseline adv stock;
:math:`c_v` ``cost_vehicle``; :math:`\phi` ``cofund_mobility``.

Constraints
-----------
vehicle_drivers
    :math:`Y_{b,t} - S_{b,adv,t} \le 0`
vehicles_split
    :math:`\sum_{b \in z} Y_{b,t} - N_{z,t} = 0`
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gpec.models.levers import LeverSpec, LeverTerms, bassin_zones, effects, grid_index, next_year_lag, whole_totals
from gpec.models.linear import LinearModel
from gpec.models.workforce import WorkforceBlocks

LEVER = "vehicles"
METIER = "adv"


def add_vehicles(lp: LinearModel, instance, horizon: tuple[int, int], workforce: WorkforceBlocks) -> LeverTerms:
    first, last = horizon
    years = np.arange(first, min(last, workforce.end - 1) + 1)  # effect at t + 1 <= end
    fleet_max = vehicle_fleet_max(instance, first)
    fleet_max = fleet_max[fleet_max > 0]
    grid = pd.DataFrame([(b, y, cap) for b, cap in fleet_max.items() for y in years],
                        columns=["bassin", "year", "cap"])
    block = lp.add_variables("vehicles", grid_index(grid, ("bassin", "year")), 0.0,
                             grid["cap"].to_numpy(float), integer=True)
    if len(grid):
        drivers = workforce.stock.locate(grid.assign(metier=METIER)[["bassin", "metier", "year"]])
        rows = np.arange(len(grid))
        # vehicle_drivers: Y[b,t] - S[b,adv,t] <= 0   (each vehicle has a driver in post)
        lp.add_constraints("vehicle_drivers", block.index, [(rows, block.positions, 1.0), (rows, drivers, -1.0)],
                           upper=0.0)
    exit_rate = instance.param_by_metier("exit_rate").get(METIER, 0.0)
    inflows = pd.concat([
        effects(grid["bassin"], METIER, grid["year"] + 1, block.positions,
                instance.param("eff_vehicle_exit") * exit_rate, "retained", "current", "retained"),
        effects(grid["bassin"], METIER, grid["year"] + 1, block.positions,
                instance.param("eff_vehicle_hire"), "vehicle_hires", "primary", "entry"),
    ], ignore_index=True)
    costs = pd.DataFrame({"year": grid["year"], "col": block.positions,
                          "eur": instance.param("cost_vehicle") * (1 - instance.param("cofund_mobility")),
                          "zone": bassin_zones(instance, grid["bassin"])})
    totals = unit_eur = None
    if block.size:
        totals, costs, unit_eur = whole_totals(lp, LEVER, block, ("year",), costs, instance.bassin_zones())
    return LeverTerms(LEVER, block, np.ones(block.size, int), inflows, costs, metier=METIER, unit_eur=unit_eur,
                      totals=totals)


def vehicle_fleet_max(instance, first_year: int) -> pd.Series:
    """Largest fleet per bassin: 0 above the density threshold or without adv staff (instance data rule)."""
    b = instance.bassins.set_index("bassin")
    if METIER not in set(instance.metiers["metier"]):
        return pd.Series(0, index=b.index, dtype=int)
    stock = instance.baseline()["stock_fte"].xs((METIER, first_year), level=("metier", "year")).reindex(b.index)
    cap = np.floor(instance.param("vehicle_max_share") * stock.fillna(0.0)).astype(int)
    return cap.where(b["density"] <= instance.param("vehicle_max_density"), 0)


#: The lever as the registry reads it.
SPECS = (LeverSpec(LEVER, add_vehicles, next_year_lag, "vehicles.csv", ("bassin", "year", "units", "fte", "cost_eur")),)
