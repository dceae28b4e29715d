r"""Bassin adjacency graph and travel times in minutes.

The BV2022 polygons are simplified, so neighbours do not share exact borders (a ``touches`` join leaves
hundreds of components nationally). Two bassins are neighbours when their polygons, buffered by
``buffer_m`` metres in Lambert-93 (EPSG:2154), intersect. Each edge takes

.. math::  \tau_{b,b'} = 60\, \frac{\delta \cdot \mathrm{km}(b, b')}{v}

minutes, with great-circle km between the bassins' centres, a road detour factor :math:`\delta` and an
average speed :math:`v` (km/h). Travel between two bassins is the shortest path over that graph
(Dijkstra); between two points (structures) it is the direct great-circle formula. Bassins in separate
components (islands) get the direct formula too, stated in the ``source`` of each matrix row.
"""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from gpec.geo.distance import great_circle_km

LAMBERT93 = 2154


def point_minutes(km, detour: float, speed_kmh: float):
    """Minutes by road for great-circle ``km`` (numpy broadcasting)."""
    return 60.0 * detour * np.asarray(km, float) / speed_kmh


def adjacency_graph(polygons: gpd.GeoDataFrame, centres: pd.DataFrame, detour: float, speed_kmh: float,
                    buffer_m: float = 10.0) -> nx.Graph:
    """Graph of bassins (nodes: ``bassin`` codes) whose buffered polygons intersect, edges in minutes.

    ``polygons`` has columns ``bassin`` and ``geometry`` (any CRS); ``centres`` has ``bassin``, ``lon``,
    ``lat`` in degrees.
    """
    shapes = polygons[["bassin", "geometry"]].to_crs(LAMBERT93)
    shapes = shapes.assign(geometry=shapes.buffer(buffer_m))
    pairs = gpd.sjoin(shapes, shapes, predicate="intersects")
    pairs = pairs[pairs["bassin_left"] < pairs["bassin_right"]]
    xy = centres.set_index("bassin")[["lon", "lat"]]
    a, b = xy.loc[pairs["bassin_left"]].to_numpy(), xy.loc[pairs["bassin_right"]].to_numpy()
    minutes = point_minutes(great_circle_km(a[:, 0], a[:, 1], b[:, 0], b[:, 1]), detour, speed_kmh)
    graph = nx.Graph()
    graph.add_nodes_from(centres["bassin"])
    graph.add_weighted_edges_from(zip(pairs["bassin_left"], pairs["bassin_right"], minutes), weight="minutes")
    return graph


def travel_matrix(graph: nx.Graph, centres: pd.DataFrame, detour: float, speed_kmh: float) -> pd.DataFrame:
    """Tidy ``origin, destination, minutes, method`` for every ordered pair of bassins (0 on the diagonal).

    ``method`` is ``graph`` (shortest path over the adjacency graph) or ``direct`` (no path: great-circle
    fallback, e.g. an island).
    """
    codes = list(centres["bassin"])
    lengths = dict(nx.all_pairs_dijkstra_path_length(graph, weight="minutes"))
    xy = centres.set_index("bassin")[["lon", "lat"]].loc[codes].to_numpy()
    direct = point_minutes(great_circle_km(xy[:, None, 0], xy[:, None, 1], xy[None, :, 0], xy[None, :, 1]),
                           detour, speed_kmh)
    rows = []
    for i, o in enumerate(codes):
        reach = lengths.get(o, {})
        for j, d in enumerate(codes):
            if d in reach:
                rows.append((o, d, float(reach[d]), "graph"))
            else:
                rows.append((o, d, float(direct[i, j]), "direct"))
    return pd.DataFrame(rows, columns=["origin", "destination", "minutes", "method"])
