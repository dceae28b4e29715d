r"""Extra training places (Région-funded school places: IFSI, IFAS, DEAES).

Decision: :math:`X_{s,m,\tau} \in \mathbb{Z}_{\ge 0}` extra first-year places opened at training site
:math:`s` for métier :math:`m` in year :math:`\tau`, bounded by the site's capacity
:math:`\bar X_{s,m}`. Only sites with capacity and start years of the horizon whose cohort graduates
within the model (:math:`\tau + L_m \le T + \Theta`, the tail of :mod:`gpec.models.workforce`) get a
column. The Région buys whole places per zone, métier and year,
:math:`\sum_{s \in z} X_{s,m,\tau} = N_{z,m,\tau} \in \mathbb{Z}_{\ge 0}` (columns ``training_total``,
rows ``training_split``; :math:`N` is charged to the budget in zone :math:`z`, the département of the
sites, :func:`gpec.models.levers.whole_totals`; one zone, the territory, when funders have no
territories), split over the sites by continuous :math:`X`; the plan written has whole places at every
site (:mod:`gpec.rounding`). The capacity is a bound of the columns, not a row.

Graduates arrive :math:`L_m` years later, reduced by the cohort dropout :math:`\rho_m`, and settle in
bassin :math:`b` with share :math:`\sigma_{s,b,m}` (see :mod:`gpec.geo.settlement`):

.. math::

    G_{b,m,t} = \sum_{s:\, d_{s,b} \le d_{max}} (1-\rho_m)\,\sigma_{s,b,m}\, X_{s,m,t-L_m}

The shares are truncated at :math:`d_{max}` km from the site (``settle_max_km``; default
``decay_km`` x ln 100, where the decay weight falls to 1 % of the site's own) and renormalised, so
:math:`\sum_b \sigma_{s,b,m} = 1` (graduates conserved) and each place feeds the bassins within
:math:`d_{max}` only: the terms grow with the bassins, not with their square.

Entrants are recruited from the labour pool of the bassins graduates settle in, in the same shares
:math:`\sigma_{s,b,m}` (an assumption: a site's recruitment area is its settlement area).

Cost: :math:`c^{X}_m` per student-year, paid in each of the :math:`L_m` years of the course (the whole
cohort is paid for; dropout is not refunded).

Glossary: :math:`L_m` ``training_years``; :math:`\rho_m` ``dropout``; :math:`c^X_m`
``cost_training_place``; :math:`d_{max}` ``settle_max_km``; :math:`\bar X_{s,m}` ``training_capacity.csv``.

Constraints
-----------
training_split
    :math:`\sum_{s \in z} X_{s,m,\tau} - N_{z,m,\tau} = 0`
"""

from __future__ import annotations

import pandas as pd

from gpec.geo.settlement import graduate_destinations
from gpec.models.levers import (LeverSpec, LeverTerms, bassin_zones, course_lag, decision_grid, effects, grid_index,
                                whole_totals, yearly_costs)
from gpec.models.linear import LinearModel
from gpec.models.workforce import WorkforceBlocks

LEVER = "training"


def add_training(lp: LinearModel, instance, horizon: tuple[int, int], workforce: WorkforceBlocks) -> LeverTerms:
    lag = instance.param_by_metier("training_years")
    grid = decision_grid(instance.table("training_capacity.csv"), "max_places_per_year", lag, horizon, workforce.end)
    block = lp.add_variables("training_places", grid_index(grid), 0.0, grid["cap"].to_numpy(), integer=True)
    grid["col"] = block.positions

    grid["keep"] = grid["metier"].map(1 - instance.param_by_metier("dropout")).to_numpy(float)
    # bassins and métiers of the (site, destination, year) flows as categoricals: one label per
    # destination and métier, not a string per flow (about 800,000 flows for France)
    grid["coded_metier"] = pd.Categorical(grid["metier"], categories=instance.metiers["metier"])
    dest = graduate_destinations(instance).rename("share").reset_index()
    dest["bassin"] = pd.Categorical(dest["bassin"], categories=instance.bassins["bassin"])
    flows = grid.merge(dest, left_on=["bassin", "metier"], right_on=["site", "metier"], suffixes=("_site", ""))
    inflows = effects(flows["bassin"], flows["coded_metier"], flows["year"] + flows["lag"], flows["col"],
                      flows["keep"].to_numpy() * flows["share"].to_numpy(), "graduates", "primary", "entry")
    # entrants come from where graduates settle (the site's recruitment area = its settlement area)
    draws = pd.DataFrame({"bassin": flows["bassin"], "year": flows["year"], "col": flows["col"],
                          "people": flows["share"].to_numpy()})
    unit = grid["metier"].map(instance.param_by_metier("cost_training_place")).to_numpy(float)
    costs = yearly_costs(block, grid["year"].to_numpy(), grid["lag"].to_numpy(), unit,
                         bassin_zones(instance, grid["bassin"]))  # a place is located at its site
    totals, costs, unit_eur = whole_totals(lp, LEVER, block, ("metier", "year"), costs, instance.bassin_zones())
    return LeverTerms(LEVER, block, grid["lag"].to_numpy(), inflows, costs, draws=draws, unit_eur=unit_eur,
                      totals=totals)


#: The lever as the registry reads it.
SPECS = (LeverSpec(LEVER, add_training, course_lag, "training_places.csv",
                   ("bassin", "metier", "year", "units", "delivers", "fte", "cost_eur"),
                   bound_phrase="capacity of training places"),)
