r"""Where the graduates of a training site take their first job.

A share :math:`\lambda` (``retain_local``) of a site's graduates stays in the site's own bassin; the
rest spreads over all bassins of the instance in proportion to the base-year need of the métier times a
distance decay :math:`e^{-d_{s,b}/d_0}` (``decay_km``):

.. math::

    \sigma_{s,b,m} = \lambda\,[b = s] + (1-\lambda)\,
        \frac{D^{0}_{b,m}\, e^{-d_{s,b}/d_0}}{\sum_{b'} D^{0}_{b',m}\, e^{-d_{s,b'}/d_0}}

(by distance alone if the métier has no base-year need anywhere), so :math:`\sum_b \sigma_{s,b,m} = 1`:
graduates are conserved (none leaves the territory; an assumption
stated in the instance). This is instance data, not model code: both the model builder and
:func:`gpec.evaluate.evaluate` read it from here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gpec.geo.distance import distance_matrix_km


def graduate_destinations(instance) -> pd.Series:
    """Shares :math:`\\sigma` as a Series indexed by (site, bassin, metier), for every site with capacity."""
    capacity = instance.table("training_capacity.csv")
    capacity = capacity[capacity["max_places_per_year"] > 0]
    if capacity.empty:
        return pd.Series([], index=pd.MultiIndex.from_tuples([], names=["site", "bassin", "metier"]), dtype=float)
    lam = instance.param("retain_local")
    d0 = instance.param("decay_km")
    km = distance_matrix_km(instance.bassins)
    need = instance.need()
    base_need = need.xs(instance.base_year, level="year").unstack("metier").reindex(km.columns).fillna(0.0)
    parts = []
    for metier, sites in capacity.groupby("metier")["bassin"]:
        distance = np.exp(-km.loc[sites.to_numpy()].to_numpy() / d0)
        decay = distance * base_need[metier].to_numpy()[None, :]
        if not decay.sum() > 0:  # no base-year need anywhere: spread by distance alone
            decay = distance
        total = decay.sum(axis=1, keepdims=True)
        spread = np.divide(decay, total, out=np.zeros_like(decay), where=total > 0)
        local = (km.columns.to_numpy()[None, :] == sites.to_numpy()[:, None]).astype(float)
        share = lam * local + (1 - lam) * spread
        frame = pd.DataFrame(share, index=pd.Index(sites.to_numpy(), name="site"), columns=km.columns).stack()
        frame = frame[frame > 0].rename("share").reset_index()
        frame["metier"] = metier
        parts.append(frame)
    table = pd.concat(parts, ignore_index=True)
    return table.set_index(["site", "bassin", "metier"])["share"].sort_index()
