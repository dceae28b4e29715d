r"""Where the graduates of a training site take their first job.

A share :math:`\lambda` (``retain_local``) of a site's graduates stays in the site's own bassin; the
rest spreads over the bassins within :math:`d_{max}` km of the site (``settle_max_km``) in proportion to
the base-year need of the métier times a distance decay :math:`e^{-d_{s,b}/d_0}` (``decay_km``),
truncated at :math:`d_{max}` and renormalised:

.. math::

    \sigma_{s,b,m} = \lambda\,[b = s] + (1-\lambda)\,
        \frac{D^{0}_{b,m}\, e^{-d_{s,b}/d_0}\,[d_{s,b} \le d_{max}]}
             {\sum_{b'} D^{0}_{b',m}\, e^{-d_{s,b'}/d_0}\,[d_{s,b'} \le d_{max}]}

(by distance alone within :math:`d_{max}` if no bassin there has base-year need of the métier; the
site's own bassin, at 0 km, is always within), so :math:`\sum_b \sigma_{s,b,m} = 1`: graduates are
conserved (none leaves the territory; an assumption stated in the instance), and a site sends graduates
to the bassins within :math:`d_{max}` only, so the model's settlement and labour-pool terms grow with the
bassins, not with their square. Without ``settle_max_km`` in ``parameters.csv``,
:math:`d_{max} = d_0 \ln(1/w)` with :math:`w` = :data:`SETTLE_WEIGHT_FLOOR` = 1 %: the distance where
the decay weight falls to 1 % of the site's own (138 km at :math:`d_0` = 30 km; an assumption).

This is instance data, not model code: both the model builder and :func:`gpec.evaluate.evaluate` read
it from here.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from gpec.geo.distance import pairs_within_km

#: Decay weight (relative to the site's own bassin) below which graduates are not spread any further:
#: the default ``settle_max_km`` is ``decay_km x ln(1 / SETTLE_WEIGHT_FLOOR)``. An assumption: the
#: bassins left out would receive less than 1 % of the per-need share of the site's own bassin.
SETTLE_WEIGHT_FLOOR = 0.01


def settle_max_km(instance) -> float:
    """:math:`d_{max}`: ``settle_max_km`` of ``parameters.csv``, else ``decay_km x ln(1 / SETTLE_WEIGHT_FLOOR)``."""
    default = instance.param("decay_km") * math.log(1.0 / SETTLE_WEIGHT_FLOOR)
    return instance.param("settle_max_km", default=default)


def graduate_destinations(instance) -> pd.Series:
    """Shares :math:`\\sigma` as a Series indexed by (site, bassin, metier), for every site with capacity.

    Only the pairs with a positive share are listed (bassins within :func:`settle_max_km` of the site);
    for each site and métier the shares sum to 1.
    """
    capacity = instance.table("training_capacity.csv")
    capacity = capacity[capacity["max_places_per_year"] > 0]
    if capacity.empty:
        return pd.Series([], index=pd.MultiIndex.from_tuples([], names=["site", "bassin", "metier"]), dtype=float)
    lam = instance.param("retain_local")
    d0 = instance.param("decay_km")
    d_max = settle_max_km(instance)
    b = instance.bassins
    codes = b["bassin"].to_numpy()
    where = pd.Index(codes)
    need = instance.need()
    base_need = need.xs(instance.base_year, level="year").unstack("metier").reindex(codes).fillna(0.0)
    parts = []
    for metier, sites in capacity.groupby("metier")["bassin"]:
        at = where.get_indexer(sites.to_numpy())
        i, j, km = pairs_within_km(b["lon"].to_numpy(float)[at], b["lat"].to_numpy(float)[at],
                                   b["lon"], b["lat"], d_max)
        distance = np.exp(-km / d0)
        weight = distance * base_need[metier].to_numpy(float)[j]
        total = np.bincount(i, weight, minlength=len(at))
        # no need within d_max of a site: spread its graduates by distance alone
        alone = total[i] <= 0
        weight = np.where(alone, distance, weight)
        total = np.bincount(i, weight, minlength=len(at))
        share = (1 - lam) * np.divide(weight, total[i], out=np.zeros_like(weight), where=total[i] > 0)
        share = share + lam * (j == at[i])
        keep = share > 0
        parts.append(pd.DataFrame({"site": codes[at[i[keep]]], "bassin": codes[j[keep]], "metier": metier,
                                   "share": share[keep]}))
    table = pd.concat(parts, ignore_index=True)
    return table.set_index(["site", "bassin", "metier"])["share"].sort_index()
