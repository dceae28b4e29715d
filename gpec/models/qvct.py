r"""Shared QVCT officer posts (quality of working life), funded by the Département.

Decisions, for each year :math:`t` of the horizon whose effect, the next year, lands inside the model
(:math:`t + 1 \le T + \Theta`, the tail of :mod:`gpec.models.workforce`):

* :math:`Q_{b,t} \in \mathbb{Z}_{\ge 0}` officer posts based in bassin :math:`b`, only in bassins with a
  structure within reach, at most :math:`\lceil n_b / K \rceil` (:math:`n_b` the structures in reach);
* :math:`z_{s,b,t} \in \{0,1\}`: structure :math:`s` served by a post of bassin :math:`b`, only for pairs
  with :math:`\tau_{s,b} \le R` (road minutes from the bassin centre to the structure's point).

.. math::

    \sum_b z_{s,b,t} &\le 1 \quad \text{(qvct\_one\_post: a structure is served once)} \\
    \sum_s z_{s,b,t} &\le K\, Q_{b,t} \quad \text{(qvct\_capacity: at most K structures a post)} \\
    z_{s,b,t} &\le Q_{b,t} \quad \text{(qvct\_link: tightens the LP relaxation)}

Staff of a served structure leave their métier less: the exit rate (not retirement) is cut by
:math:`\varepsilon_q`, so the stock of the structure's bassin :math:`b(s)` gains next year

.. math::  R^{q}_{b(s),m,t+1} = \varepsilon_q\, e_m\, N_{s,m} \sum_b z_{s,b,t}

where :math:`N_{s,m}` is the structure's staff (``structure_staff.csv``, the same every year; taken as
part of the bassin's stock: no row bounds it by the stock). Cost: :math:`c_q` per post-year, in the zone
of the post's bassin.

Glossary: :math:`K` ``qvct_structures_per_officer``; :math:`R` ``qvct_radius_min``;
:math:`\varepsilon_q` ``eff_qvct_exit``; :math:`e_m` ``exit_rate``; :math:`c_q` ``cost_qvct_officer``.

Constraints
-----------
qvct_one_post
    :math:`\sum_b z_{s,b,t} \le 1`
qvct_capacity
    :math:`\sum_s z_{s,b,t} - K\, Q_{b,t} \le 0`
qvct_link
    :math:`z_{s,b,t} - Q_{b,t} \le 0`
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from gpec.geo.reach import pair_minutes, structures_within
from gpec.models.levers import LeverSpec, LeverTerms, ResultTable, bassin_zones, effects, grid_index, next_year_lag
from gpec.models.linear import Block, LinearModel, row_positions
from gpec.models.workforce import WorkforceBlocks

LEVER = "qvct"
#: Columns of the coverage table (``qvct_coverage.csv``).
COVERAGE_COLUMNS = ("structure", "host", "year", "minutes", "retained_fte")


@dataclass(frozen=True, kw_only=True)
class QvctTerms(LeverTerms):
    """The posts' terms and the structures they serve (``coverage``: structure x host bassin x year)."""

    coverage: Block


def add_qvct(lp: LinearModel, instance, horizon: tuple[int, int], workforce: WorkforceBlocks) -> QvctTerms:
    first, last = horizon
    years = np.arange(first, min(last, workforce.end - 1) + 1)  # effect at t + 1 <= end
    K = instance.param("qvct_structures_per_officer")
    pairs = structures_within(instance, instance.param("qvct_radius_min"))
    hosts = pairs.groupby("host").size()
    post_grid = pd.DataFrame([(b, y) for b in hosts.index for y in years], columns=["bassin", "year"])
    upper = np.ceil(post_grid["bassin"].map(hosts).to_numpy(float) / K) if len(post_grid) else np.zeros(0)
    posts = lp.add_variables("qvct_posts", grid_index(post_grid, ("bassin", "year")), 0.0, upper, integer=True)

    cov = pairs.merge(pd.DataFrame({"year": years}), how="cross")
    cov_index = grid_index(cov, ("structure", "host", "year"))
    served = lp.add_variables("qvct_coverage", cov_index, 0.0, 1.0, integer=True)
    post_rows = row_positions(posts.index, cov, ["host", "year"])

    one_index = grid_index(cov[["structure", "year"]].drop_duplicates(), ("structure", "year"))
    rows = row_positions(one_index, cov, ["structure", "year"])
    # qvct_one_post: sum_b z[s,b,t] <= 1   (a structure is served by one post at most)
    lp.add_constraints("qvct_one_post", one_index, [(rows, served.positions, 1.0)], upper=1.0)
    cap_rows = np.arange(posts.size)
    # qvct_capacity: sum_s z[s,b,t] - K Q[b,t] <= 0
    lp.add_constraints("qvct_capacity", posts.index, [(post_rows, served.positions, 1.0), (cap_rows, posts.positions, -K)],
                       upper=0.0)
    link = np.arange(len(cov))
    # qvct_link: z[s,b,t] - Q[b,t] <= 0   (tightens the LP relaxation)
    lp.add_constraints("qvct_link", cov_index, [(link, served.positions, 1.0), (link, post_rows + posts.start, -1.0)], upper=0.0)

    staff = instance.table("structure_staff.csv")
    where = instance.table("structures.csv").set_index("structure")["bassin"]
    effect = cov.assign(col=served.positions).merge(staff, on="structure")
    exit_rate = instance.param_by_metier("exit_rate")
    inflows = effects(effect["structure"].map(where).to_numpy(), effect["metier"].to_numpy(),
                      effect["year"].to_numpy() + 1, effect["col"].to_numpy(),
                      instance.param("eff_qvct_exit") * effect["metier"].map(exit_rate).to_numpy()
                      * effect["staff_fte"].to_numpy(), "retained", "current", "retained")
    costs = pd.DataFrame({"year": post_grid["year"].to_numpy(), "col": posts.positions,
                          "eur": instance.param("cost_qvct_officer"),
                          "zone": bassin_zones(instance, post_grid["bassin"])})
    return QvctTerms(lever=LEVER, block=posts, lags=np.ones(posts.size, int), inflows=inflows, costs=costs,
                     metier="all", coverage=served)


def coverage_table(terms: QvctTerms, instance, x: np.ndarray) -> pd.DataFrame:
    """The structures served in solution ``x``: structure, host (bassin of the post), year, minutes between
    them, and the FTE the coverage retains."""
    served = terms.coverage.values(x)
    table = served[served > 0.5].reset_index()[["structure", "host", "year"]]
    table["minutes"] = pair_minutes(instance, table)
    cols = terms.coverage.locate(table[["structure", "host", "year"]]) if len(table) else []
    retained = terms.inflows.groupby("col")["fte"].sum()
    table["retained_fte"] = retained.reindex(cols).fillna(0.0).to_numpy() if len(table) else []
    return table[list(COVERAGE_COLUMNS)]


def retained_by_posts(decisions: pd.DataFrame, coverage: pd.DataFrame) -> None:
    """Give each post (its bassin and year) the staff its coverage retains, as the FTE of its decision row."""
    posts = decisions["lever"] == LEVER
    if posts.any() and len(coverage):
        retained = coverage.groupby(["host", "year"])["retained_fte"].sum()
        key = pd.MultiIndex.from_frame(decisions.loc[posts, ["bassin", "year"]])
        decisions.loc[posts, "fte"] = retained.reindex(key).fillna(0.0).to_numpy()


#: The lever as the registry reads it.
SPECS = (LeverSpec(LEVER, add_qvct, next_year_lag, "qvct_posts.csv", ("bassin", "year", "units", "cost_eur"),
                   tables=(ResultTable("coverage", "qvct_coverage.csv", COVERAGE_COLUMNS, coverage_table,
                                       retained_by_posts),)),)
