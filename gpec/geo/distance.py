"""Great-circle distances (haversine on a sphere of radius 6,371 km)."""

from __future__ import annotations

import numpy as np
import pandas as pd

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
