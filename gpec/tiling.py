"""Copies of an instance side by side: a territory k times larger with the same shape, to measure how
the model grows with the number of bassins (``benchmarks/bench_scale.py``, ``tests/test_sparse.py``).

Copy ``c`` (0 to k - 1) of every bassin and structure is moved ``c x dlon`` degrees east and renamed
``<code>`` (copy 0) or ``<code>~<c>``; tables keyed by bassin or structure are repeated for each copy,
the others kept once, and each funder's envelope is multiplied by k (each copy keeps its own budget on
average). ``travel.csv`` keeps, within each copy, the pairs within ``travel_max_minutes`` (declared in
``instance.yaml``); no pair between copies is listed, so the copies must lie farther apart than that
(checked). Polygons are not copied (no maps).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from gpec.errors import GpecError
from gpec.geo.distance import great_circle_km
from gpec.geo.graph import point_minutes
from gpec.instance import Instance
from gpec.schema import SCHEMAS

#: Columns holding bassin codes, and structure codes, in the instance tables.
BASSIN_COLUMNS = ("bassin", "origin", "destination", "host")
STRUCTURE_COLUMNS = ("structure",)


def tile_instance(instance: Instance, k: int, folder: str | Path | None = None, dlon: float = 3.0,
                  travel_max_minutes: float = 60.0) -> Instance:
    """An instance made of ``k`` copies of ``instance`` side by side.

    Parameters
    ----------
    instance : Instance
        The instance copied (its travel.csv may be full or sparse).
    k : int
        Number of copies (>= 1).
    folder : path, optional
        Where the new instance is written (a new or empty folder; default a temporary folder).
    dlon : float
        Degrees of longitude between two copies.
    travel_max_minutes : float
        Cutoff of the sparse ``travel.csv`` written; must not be below a radius of ``parameters.csv``
        (the load refuses it) and must lie below the travel time between any two copies.

    Returns
    -------
    Instance
        Loaded with every check of :func:`gpec.instance.load_instance`.
    """
    if k < 1:
        raise GpecError(f"tile_instance: k must be >= 1, got {k}")
    b = instance.bassins
    lon, lat = b["lon"].to_numpy(float), b["lat"].to_numpy(float)
    if k > 1:  # the nearest bassins of two neighbouring copies
        km = great_circle_km(lon[:, None], lat[:, None], lon[None, :] + dlon, lat[None, :]).min()
        gap = float(point_minutes(km, instance.param("road_detour_factor"), instance.param("avg_speed_kmh")))
        if gap <= travel_max_minutes:
            raise GpecError(f"tile_instance: copies {dlon:g} degrees apart are {gap:.0f} minutes apart, within "
                            f"travel_max_minutes {travel_max_minutes:g}: move them farther apart")
    tables = {}
    for file, table in instance.tables.items():
        columns = set(table.columns)
        per_copy = bool(columns & set(BASSIN_COLUMNS + STRUCTURE_COLUMNS)) and file in SCHEMAS
        if file == "travel.csv":
            table = table[table["minutes"] <= travel_max_minutes]
        if not per_copy:
            if file == "budget.csv":
                table = table.assign(eur=table["eur"] * k)
            tables[file] = table.reset_index(drop=True)
            continue
        copies = []
        for c in range(k):
            part = table.copy()
            suffix = "" if c == 0 else f"~{c}"
            for column in (*BASSIN_COLUMNS, *STRUCTURE_COLUMNS):
                if column in part:
                    part[column] = part[column].astype(str) + suffix
            if "lon" in part:
                part["lon"] = part["lon"] + c * dlon
            copies.append(part)
        tables[file] = pd.concat(copies, ignore_index=True)
    name = f"{instance.name}_x{k}"
    return Instance.from_frames(tables, name, instance.base_year, instance.horizon, folder=folder,
                                travel_max_minutes=travel_max_minutes)


def model_size(instance: Instance) -> dict[str, int]:
    """Variables, rows and non-zeros of the model :func:`gpec.models.build_model` builds (every lever on,
    default horizon)."""
    from gpec.models import build_model

    lp = build_model(instance, instance.horizon).lp
    return {"variables": lp.n_cols, "rows": lp.n_rows, "nonzeros": int(lp.matrix().nnz)}


__all__ = ["tile_instance", "model_size"]
