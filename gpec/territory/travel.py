"""Polygons of the bassins and travel minutes between their centres (``bassins.geojson``, ``travel.csv``).

Travel is the shortest path over the bassin adjacency graph (:mod:`gpec.geo.graph`), with the great-circle
fallback for bassins the graph does not connect (islands). Large territories list only the pairs within
``max_minutes`` (written to ``instance.yaml`` as ``travel_max_minutes``), so the file grows linearly with
the number of bassins.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from gpec.errors import GpecError
from gpec.geo.graph import adjacency_graph, travel_matrix


def polygons(raw: Path, bassins: pd.DataFrame) -> gpd.GeoDataFrame:
    """The BV2022 polygons of the instance's bassins (``bassin, name, geometry``), sorted by code."""
    shapes = gpd.read_file(raw / "bassins_de_vie_2022.geojson").rename(columns={"bv2022": "bassin"})
    shapes = shapes[shapes["bassin"].isin(bassins["bassin"])].sort_values("bassin")
    if len(shapes) != len(bassins):
        raise GpecError("bassins_de_vie_2022.geojson lacks a polygon for some bassin of the instance")
    return shapes[["bassin", "geometry"]].merge(bassins[["bassin", "name"]], on="bassin")[["bassin", "name", "geometry"]]


def travel(shapes: gpd.GeoDataFrame, bassins: pd.DataFrame, pv: dict, max_minutes: float | None) -> pd.DataFrame:
    """``travel.csv``: origin, destination, minutes, source (every pair, or those within ``max_minutes``)."""
    detour, speed = pv[("road_detour_factor", "")], pv[("avg_speed_kmh", "")]
    graph = adjacency_graph(shapes, bassins, detour, speed)
    table = travel_matrix(graph, bassins, detour, speed, max_minutes=max_minutes)
    table["minutes"] = table["minutes"].round(3)
    table["source"] = np.where(
        table["method"] == "graph",
        "der: shortest path over the bassin adjacency graph (data/raw/bassins_de_vie_2022.geojson polygons "
        "buffered 10 m in EPSG:2154); edge = great-circle km between centres x road_detour_factor / avg_speed_kmh",
        "der: no path in the adjacency graph: great-circle km x road_detour_factor / avg_speed_kmh")
    return table[["origin", "destination", "minutes", "source"]]
