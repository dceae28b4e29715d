"""Who can reach whom within a radius in minutes: structures from bassin centres, bassins from bassins.

Instance-level derivations (not model code): the model builders and :func:`gpec.evaluate.evaluate` both
read them from here.
"""

from __future__ import annotations

import pandas as pd

from gpec.geo.distance import great_circle_km
from gpec.geo.graph import point_minutes


def structure_minutes(instance) -> pd.DataFrame:
    """``structure, host, minutes``: road minutes from every bassin centre to every structure's point.

    Great-circle km x ``road_detour_factor`` / ``avg_speed_kmh``; the pairs given in the instance's
    optional ``structure_travel.csv`` (e.g. from a routing engine) replace the computed ones.
    """
    s, b = instance.table("structures.csv"), instance.bassins
    km = great_circle_km(s["lon"].to_numpy()[:, None], s["lat"].to_numpy()[:, None],
                         b["lon"].to_numpy()[None, :], b["lat"].to_numpy()[None, :])
    minutes = point_minutes(km, instance.param("road_detour_factor"), instance.param("avg_speed_kmh"))
    frame = pd.DataFrame(minutes, index=pd.Index(s["structure"].to_numpy(), name="structure"),
                         columns=pd.Index(b["bassin"].to_numpy(), name="host"))
    pairs = frame.stack().rename("minutes").reset_index()
    if "structure_travel.csv" in instance.tables:
        given = instance.table("structure_travel.csv").set_index(["structure", "host"])["minutes"]
        key = pd.MultiIndex.from_frame(pairs[["structure", "host"]])
        pairs["minutes"] = given.reindex(key).fillna(pd.Series(pairs["minutes"].to_numpy(), index=key)).to_numpy()
    return pairs


def structures_within(instance, radius: float) -> pd.DataFrame:
    """Pairs (structure, host bassin) with the structure's point within ``radius`` minutes of the host centre."""
    pairs = structure_minutes(instance)
    return pairs[pairs["minutes"] <= radius].reset_index(drop=True)


def bassins_within(instance, radius: float) -> pd.DataFrame:
    """Pairs (origin, destination) of bassins within ``radius`` minutes (travel.csv), the origin itself included."""
    t = instance.table("travel.csv")
    return t.loc[t["minutes"] <= radius, ["origin", "destination", "minutes"]].reset_index(drop=True)
