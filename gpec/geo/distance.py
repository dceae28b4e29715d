"""Great-circle distances (haversine on a sphere of radius 6,371 km)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

EARTH_RADIUS_KM = 6371.0


def great_circle_km(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Distance in km between points given in degrees (numpy broadcasting)."""
    lon1, lat1, lon2, lat2 = map(np.radians, (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def distance_matrix_km(bassins: pd.DataFrame) -> pd.DataFrame:
    """Square DataFrame of great-circle km between the bassins' centres (columns ``bassin``, ``lon``, ``lat``)."""
    lon, lat = bassins["lon"].to_numpy(float), bassins["lat"].to_numpy(float)
    km = great_circle_km(lon[:, None], lat[:, None], lon[None, :], lat[None, :])
    codes = bassins["bassin"].to_numpy()
    return pd.DataFrame(km, index=pd.Index(codes, name="site"), columns=pd.Index(codes, name="bassin"))


def _unit_xyz(lon, lat) -> np.ndarray:
    lon, lat = np.radians(np.asarray(lon, float)), np.radians(np.asarray(lat, float))
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def pairs_within_km(lon_a, lat_a, lon_b, lat_b, max_km: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Pairs of points ``a[i]``, ``b[j]`` at most ``max_km`` great-circle km apart, without the full product.

    A k-d tree (:class:`scipy.spatial.cKDTree`) on the points' unit vectors finds the candidates: the
    chord between two points grows with their great-circle distance, so a chord radius of
    :math:`2 \sin(\mathrm{km} / 2R)` keeps every pair within ``max_km`` (the radius is widened by 1e-9
    for rounding); the exact haversine distance (:func:`great_circle_km`) then decides.

    Parameters
    ----------
    lon_a, lat_a, lon_b, lat_b : array-like
        Degrees.
    max_km : float
        Largest distance kept (inclusive).

    Returns
    -------
    (i, j, km) : tuple of arrays
        Positions in ``a`` and ``b`` and their distance, sorted by ``i`` then ``j``.
    """
    a, b = _unit_xyz(lon_a, lat_a), _unit_xyz(lon_b, lat_b)
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    if not len(a) or not len(b) or not max_km >= 0:
        return empty
    angle = min(max_km / EARTH_RADIUS_KM, np.pi)
    chord = 2 * np.sin(angle / 2) * (1 + 1e-9) + 1e-12
    near = cKDTree(a).sparse_distance_matrix(cKDTree(b), chord, output_type="ndarray")
    i, j = near["i"].astype(np.int64), near["j"].astype(np.int64)
    order = np.lexsort((j, i))
    i, j = i[order], j[order]
    lon_a, lat_a = np.asarray(lon_a, float), np.asarray(lat_a, float)
    lon_b, lat_b = np.asarray(lon_b, float), np.asarray(lat_b, float)
    km = great_circle_km(lon_a[i], lat_a[i], lon_b[j], lat_b[j])
    inside = km <= max_km
    return i[inside], j[inside], km[inside]
