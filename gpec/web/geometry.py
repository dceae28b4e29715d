"""The page's map of an instance: its bassins as SVG paths and its establishments as points.

The polygons of ``bassins.geojson`` (longitude and latitude) are projected to Lambert-93 (EPSG:2154,
metres), simplified to :data:`TOLERANCE_M` and written as SVG path data, one ``d`` per bassin, with
``y`` flipped (SVG's ``y`` grows downwards), in metres rounded to the metre. Establishments
(``structures.csv`` ``lon``, ``lat``) are projected the same way. An instance without polygons has no
map: an empty list of bassins and a ``viewBox`` around its establishments or bassin centres.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from gpec.geo.shapes import GEOMETRY_FILE

#: Lambert-93, the projection of the map.
CRS = "EPSG:2154"
#: Simplification tolerance of the polygons (metres).
TOLERANCE_M = 50.0
#: Margin around the map (share of its larger side).
MARGIN = 0.02


def map_view(instance) -> dict:
    """``{viewBox, bassins: [{code, label, d}], structures: [{id, x, y, kind}]}`` for ``instance``."""
    names = dict(zip(instance.bassins["bassin"].astype(str), instance.bassins["name"].astype(str)))
    path = instance.folder / GEOMETRY_FILE
    bassins, bounds = [], []
    if path.is_file():
        shapes = gpd.read_file(path).to_crs(CRS)
        shapes["geometry"] = shapes.geometry.simplify(TOLERANCE_M, preserve_topology=True)
        for code, geometry in zip(shapes["bassin"].astype(str), shapes.geometry):
            bassins.append({"code": code, "label": names.get(code, code), "d": path_data(geometry)})
        bounds.append(shapes.total_bounds)
    table = instance.table("structures.csv")
    points = gpd.GeoSeries(gpd.points_from_xy(table["lon"], table["lat"]), crs="EPSG:4326").to_crs(CRS)
    structures = [{"id": str(s), "x": round(float(p.x)), "y": round(-float(p.y)), "kind": str(kind)}
                  for s, p, kind in zip(table["structure"], points, table["category"])]
    if len(points):
        bounds.append(points.total_bounds)
    if not bounds:
        centres = gpd.GeoSeries(gpd.points_from_xy(instance.bassins["lon"], instance.bassins["lat"]),
                                crs="EPSG:4326").to_crs(CRS)
        bounds.append(centres.total_bounds)
    return {"viewBox": view_box(np.vstack(bounds)), "bassins": bassins, "structures": structures}


def view_box(bounds: np.ndarray) -> str:
    """The SVG ``viewBox`` ``"x y w h"`` around rows of ``(minx, miny, maxx, maxy)`` (y flipped), with a margin."""
    x0, y0 = bounds[:, 0].min(), bounds[:, 1].min()
    x1, y1 = bounds[:, 2].max(), bounds[:, 3].max()
    pad = MARGIN * max(x1 - x0, y1 - y0, 1000.0)
    return f"{round(x0 - pad)} {round(-y1 - pad)} {round(x1 - x0 + 2 * pad)} {round(y1 - y0 + 2 * pad)}"


def path_data(geometry) -> str:
    """SVG path data of a (Multi)Polygon: ``Mx y L x y x y ...Z`` per ring, y flipped, metres rounded."""
    parts = []
    for polygon in getattr(geometry, "geoms", [geometry]):
        for ring in [polygon.exterior, *polygon.interiors]:
            xy = np.round(shapely.get_coordinates(ring)[:-1]).astype(int)
            if len(xy) >= 3:
                (x0, y0), rest = xy[0], xy[1:]
                parts.append(f"M{x0} {-y0}L" + " ".join(f"{x} {-y}" for x, y in rest) + "Z")
    return " ".join(parts)
