"""The bassins' polygons of an instance (``bassins.geojson``), checked when the instance loads.

The maps and the GeoPackage (:mod:`gpec.geo.maps`) are drawn after the solve; a damaged polygon file
found only then would cost the whole run. :func:`check_geometry` reads the file as GeoJSON with the
standard library and shapely (no GDAL, no geopandas: a few tens of milliseconds for a région) and
refuses, in one line naming the file and the feature or bassin, a file that is not a GeoJSON
FeatureCollection, a feature without a ``bassin`` property or a polygon, a geometry that is not a
valid (Multi)Polygon in longitude and latitude, and a bassin of ``bassins.csv`` without a polygon or
a polygon of no bassin.
"""

from __future__ import annotations

import json
from pathlib import Path

import shapely
from shapely.geometry import shape

from gpec.errors import InputError

#: The polygon file of an instance folder (optional: without it there are no maps).
GEOMETRY_FILE = "bassins.geojson"
POLYGON_TYPES = ("Polygon", "MultiPolygon")


def check_geometry(folder: str | Path, bassins) -> None:
    """Check ``bassins.geojson`` of ``folder``, when there is one, against the bassin codes ``bassins``.

    Raises
    ------
    InputError
        Naming the file, and the feature (1-based, in file order) and its bassin where one is at fault.
    """
    path = Path(folder) / GEOMETRY_FILE
    if not path.is_file():
        return
    codes, geometries = [], []
    for number, feature in enumerate(_features(path), start=1):
        code, geometry = _feature(path, number, feature)
        codes.append(code)
        geometries.append(geometry)
    valid = shapely.is_valid(geometries) if geometries else []
    for number, (code, geometry, ok) in enumerate(zip(codes, geometries, valid), start=1):
        if not ok:
            raise InputError(str(path), f"feature {number} (bassin {code}): invalid polygon "
                                        f"({shapely.is_valid_reason(geometry)})")
    bounds = shapely.bounds(geometries) if geometries else None
    outside = [] if bounds is None else [n for n, (x0, y0, x1, y1) in enumerate(bounds, start=1)
                                        if x0 < -180 or x1 > 180 or y0 < -90 or y1 > 90]
    if outside:
        number = outside[0]
        raise InputError(str(path), f"feature {number} (bassin {codes[number - 1]}): coordinates are not longitude "
                                    "and latitude in degrees (GeoJSON is in WGS84, RFC 7946)")
    known = [str(b) for b in bassins]
    stray = [(n, c) for n, c in enumerate(codes, start=1) if c not in set(known)]
    if stray:
        number, code = stray[0]
        raise InputError(str(path), f"feature {number}: bassin {code} is not in bassins.csv")
    missing = [b for b in known if b not in set(codes)]
    if missing:
        raise InputError(str(path), f"no polygon for bassin {missing[0]} of bassins.csv")


def _features(path: Path) -> list:
    """The features of a GeoJSON FeatureCollection; one line when the file is not one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(str(path), f"not a readable GeoJSON file ({str(exc).splitlines()[0]})") from None
    features = data.get("features") if isinstance(data, dict) and data.get("type") == "FeatureCollection" else None
    if not isinstance(features, list):
        raise InputError(str(path), "not a GeoJSON FeatureCollection (a 'features' list of the bassins' polygons)")
    return features


def _feature(path: Path, number: int, feature) -> tuple[str, object]:
    """A feature's bassin code and its (Multi)Polygon, non-empty (validity is checked for all at once)."""
    properties = feature.get("properties") if isinstance(feature, dict) else None
    code = properties.get("bassin") if isinstance(properties, dict) else None
    if code is None or str(code).strip() == "":
        raise InputError(str(path), f"feature {number} has no 'bassin' property (the bassin's code)")
    code = str(code)
    geometry = feature.get("geometry")
    if not isinstance(geometry, dict) or geometry.get("type") not in POLYGON_TYPES:
        kind = geometry.get("type") if isinstance(geometry, dict) else geometry
        raise InputError(str(path), f"feature {number} (bassin {code}): no polygon (geometry {kind!r}; "
                                    "a Polygon or MultiPolygon is needed)")
    try:
        polygon = shape(geometry)
    except Exception as exc:  # shapely's errors on malformed coordinates vary by type and version
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(str(path), f"feature {number} (bassin {code}): unreadable polygon ({detail})") from None
    if polygon.is_empty:
        raise InputError(str(path), f"feature {number} (bassin {code}): empty polygon")
    return code, polygon
