"""Who can reach whom within a radius in minutes: structures from bassin centres, bassins from bassins.

Instance-level derivations (not model code): the model builders and :func:`gpec.evaluate.evaluate` both
read them from here.

Structure-to-bassin minutes are great-circle km x ``road_detour_factor`` / ``avg_speed_kmh``, replaced by
the pairs of the instance's optional ``structure_travel.csv`` (e.g. from a routing engine). Given a
radius, only the pairs within it are built: a k-d tree finds the pairs within the radius's great-circle
km (:func:`gpec.geo.distance.pairs_within_km`), so the work grows with the pairs kept, not with
structures x bassins. Bassin-to-bassin minutes come from ``travel.csv``, which may list only the pairs
within ``travel_max_minutes`` (:class:`gpec.instance.Instance`): a pair it leaves out is beyond reach.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gpec.geo.distance import great_circle_km, pairs_within_km
from gpec.geo.graph import point_minutes


def structure_minutes(instance, max_minutes: float | None = None) -> pd.DataFrame:
    """``structure, host, minutes``: road minutes from bassin centres to structures' points.

    Parameters
    ----------
    instance : Instance
    max_minutes : float, optional
        Keep only the pairs within this many minutes (inclusive), without building the others: the
        largest radius the caller needs. ``None``: every structure x bassin pair.

    Returns
    -------
    DataFrame
        Sorted by structure (order of ``structures.csv``) then host (order of ``bassins.csv``); pairs of
        ``structure_travel.csv`` take its minutes, within ``max_minutes`` or not before the override.
    """
    s, b = instance.table("structures.csv"), instance.bassins
    detour, speed = instance.param("road_detour_factor"), instance.param("avg_speed_kmh")
    if max_minutes is None:
        i, j = (a.ravel() for a in np.meshgrid(np.arange(len(s)), np.arange(len(b)), indexing="ij"))
        km = great_circle_km(s["lon"].to_numpy(float)[i], s["lat"].to_numpy(float)[i],
                             b["lon"].to_numpy(float)[j], b["lat"].to_numpy(float)[j])
    else:
        i, j, km = pairs_within_km(s["lon"], s["lat"], b["lon"], b["lat"], max_minutes * speed / (60.0 * detour) * (1 + 1e-9))
    pairs = pd.DataFrame({"structure": s["structure"].to_numpy()[i], "host": b["bassin"].to_numpy()[j],
                          "minutes": point_minutes(km, detour, speed)})
    if "structure_travel.csv" in instance.tables:
        given = instance.table("structure_travel.csv")[["structure", "host", "minutes"]]
        key = pd.MultiIndex.from_frame(pairs[["structure", "host"]])
        override = given.set_index(["structure", "host"])["minutes"].reindex(key)
        pairs["minutes"] = override.fillna(pd.Series(pairs["minutes"].to_numpy(), index=key)).to_numpy()
        extra = given[~pd.MultiIndex.from_frame(given[["structure", "host"]]).isin(key)]
        if len(extra):  # given pairs the km filter left out (a routing engine may be faster than the formula)
            order_s = pd.Index(s["structure"]).get_indexer
            order_b = pd.Index(b["bassin"]).get_indexer
            pairs = pd.concat([pairs, extra], ignore_index=True).astype({"structure": str, "host": str})
            rank = np.lexsort((order_b(pairs["host"]), order_s(pairs["structure"])))
            pairs = pairs.iloc[rank].reset_index(drop=True)
    if max_minutes is not None:
        pairs = pairs[pairs["minutes"] <= max_minutes].reset_index(drop=True)
    return pairs


def pair_minutes(instance, pairs: pd.DataFrame) -> np.ndarray:
    """Minutes from ``host`` bassin centres to ``structure`` points for the given rows only (columns
    ``structure`` and ``host``), ``structure_travel.csv`` overrides included; ``NaN`` for an unknown code."""
    s = instance.table("structures.csv").set_index("structure")[["lon", "lat"]]
    b = instance.bassins.set_index("bassin")[["lon", "lat"]]
    a = s.reindex(pairs["structure"]).to_numpy(float)
    c = b.reindex(pairs["host"]).to_numpy(float)
    minutes = point_minutes(great_circle_km(a[:, 0], a[:, 1], c[:, 0], c[:, 1]),
                            instance.param("road_detour_factor"), instance.param("avg_speed_kmh"))
    if "structure_travel.csv" in instance.tables:
        given = instance.table("structure_travel.csv").set_index(["structure", "host"])["minutes"]
        override = given.reindex(pd.MultiIndex.from_frame(pairs[["structure", "host"]])).to_numpy(float)
        minutes = np.where(np.isnan(override), minutes, override)
    return np.asarray(minutes, float)


def structures_within(instance, radius: float) -> pd.DataFrame:
    """Pairs (structure, host bassin) with the structure's point within ``radius`` minutes of the host centre."""
    return structure_minutes(instance, radius)


def bassins_within(instance, radius: float) -> pd.DataFrame:
    """Pairs (origin, destination) of bassins within ``radius`` minutes (travel.csv), the origin itself
    included; pairs a sparse travel.csv leaves out are beyond every radius (:meth:`Instance.travel`)."""
    t = instance.table("travel.csv")
    return t.loc[t["minutes"] <= radius, ["origin", "destination", "minutes"]].reset_index(drop=True)
