"""The data of a grouping: structures, their need of one post type, and the travel times between them.

A groupings folder holds ``structures.csv`` (FINESS id, name, category, statut, bassin, lon, lat, places),
``post_types.csv`` (need per place and per structure, cost of a post, visits per member and year, each
with its source) and ``parameters.csv`` (:data:`GROUP_PARAMETERS`). A user table of structures
(``--structures``: structure, name, lon, lat or bassin, and places or ``need_<post type>``) and a travel
matrix (``--travel``: origin, destination, minutes between structures) replace the computed ones. With
``--travel`` the table of structures needs no coordinates: without lon, lat or bassin columns, or with
empty lon and lat cells, a structure has no point (NaN) and is left off the map.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from gpec.errors import GpecError, InputError
from gpec.geo.distance import great_circle_km
from gpec.geo.graph import point_minutes
from gpec.schema import SCHEMAS, ColumnSpec, TableSchema, read_table

#: The parameters a groupings folder's parameters.csv must hold.
GROUP_PARAMETERS = ("road_detour_factor", "avg_speed_kmh", "travel_cost_per_minute")


@dataclass
class GroupData:
    """Structures with their need of one post type, and the member-to-hub pairs within reach."""

    post: dict
    structures: pd.DataFrame  # structure, name, lon, lat (NaN where unknown, with --travel), need_fte
    minutes: pd.DataFrame  # origin, destination, minutes (every ordered pair known)
    travel_cost_per_minute: float

    def pairs(self, max_minutes: float) -> pd.DataFrame:
        """structure, hub, minutes, travel_eur for the ordered pairs within ``max_minutes`` (s != hub)."""
        m = self.minutes
        m = m[(m["minutes"] <= max_minutes + 1e-9) & (m["origin"] != m["destination"])]
        travel = np.round(2 * self.post["visits_per_year"] * m["minutes"].to_numpy() * self.travel_cost_per_minute)
        return pd.DataFrame({"structure": m["origin"].to_numpy(), "hub": m["destination"].to_numpy(),
                             "minutes": m["minutes"].to_numpy(), "travel_eur": travel})


def load_group_data(folder: str | Path, post: str, structures_file: str | Path | None = None,
                    travel_file: str | Path | None = None) -> GroupData:
    """The structures of a groupings folder with their need of post type ``post``, and their travel times.

    ``structures_file`` (``--structures``) replaces the folder's structures, ``travel_file``
    (``--travel``) the computed great-circle minutes (see the module docstring).

    Raises
    ------
    GpecError
        On a missing folder or file, or an unknown post type.
    InputError
        On a malformed table or a missing parameter.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise GpecError(f"{folder}: folder not found")
    posts = read_table(folder, SCHEMAS["post_types.csv"])
    if post not in set(posts["post_type"]):
        raise GpecError(f"--post {post}: unknown post type (known in {folder / 'post_types.csv'}: "
                        f"{', '.join(posts['post_type'])})")
    row = posts.set_index("post_type").loc[post]
    spec = {"post_type": post, "label": row["label"], "need_per_place": float(row["need_per_place"]),
            "need_per_structure": float(row["need_per_structure"]), "cost_eur": float(row["cost_eur"]),
            "visits_per_year": float(row["visits_per_year"])}
    params = read_table(folder, SCHEMAS["parameters.csv"]).set_index("name")["value"]
    for name in GROUP_PARAMETERS:
        if name not in params:
            raise InputError(str(folder / "parameters.csv"), f"parameter '{name}' is missing", column="name")
    structures = _structures(folder, structures_file, post, spec, travel=travel_file is not None)
    minutes = (_read_travel(Path(travel_file), structures) if travel_file else
               computed_minutes(structures, float(params["road_detour_factor"]), float(params["avg_speed_kmh"])))
    return GroupData(spec, structures, minutes, float(params["travel_cost_per_minute"]))


def _structures(folder: Path, structures_file, post: str, spec: dict, travel: bool = False) -> pd.DataFrame:
    """The structures with their need (FTE) and their point; ``travel``: the minutes come from
    ``--travel``, so a ``--structures`` table may give no point (lon, lat NaN)."""
    if structures_file is None:
        s = read_table(folder, SCHEMAS["structures.csv"])
        need = s["places"] * spec["need_per_place"] + spec["need_per_structure"]
        return pd.DataFrame({"structure": s["structure"], "name": s["name"], "lon": s["lon"], "lat": s["lat"],
                             "need_fte": need.to_numpy(float)})
    path = Path(structures_file)
    need_col = f"need_{post}"
    raw = pd.read_csv(path, dtype=str, keep_default_na=False) if path.is_file() else None
    if raw is None:
        raise GpecError(f"--structures {path}: file not found")
    has = set(raw.columns)
    columns = [ColumnSpec("structure", "code"), ColumnSpec("name", "text"), *_point_columns(path, has, travel)]
    columns.append(ColumnSpec(need_col) if need_col in has else ColumnSpec("places"))
    schema = TableSchema(path.name, tuple(columns), key=("structure",))
    s = read_table(path.parent, schema)
    if "lon" in s:
        _check_pairs_of_coordinates(path, s)
    elif "bassin" not in s:  # no point at all: the minutes come from --travel
        s["lon"], s["lat"] = np.nan, np.nan
    else:  # a bassin instead of a point: its centre, from the folder's bassins.csv
        bassins = read_table(folder, SCHEMAS["bassins.csv"])
        unknown = ~s["bassin"].isin(set(bassins["bassin"])).to_numpy()
        if unknown.any():
            i = int(np.flatnonzero(unknown)[0])
            raise InputError(str(path), f"unknown bassin code '{s['bassin'].iloc[i]}' (not in "
                                        f"{folder / 'bassins.csv'})", row=i + 1, column="bassin")
        centre = bassins.set_index("bassin")[["lon", "lat"]]
        s["lon"], s["lat"] = s["bassin"].map(centre["lon"]), s["bassin"].map(centre["lat"])
    need = s[need_col] if need_col in s else s["places"] * spec["need_per_place"] + spec["need_per_structure"]
    return pd.DataFrame({"structure": s["structure"], "name": s["name"], "lon": s["lon"], "lat": s["lat"],
                         "need_fte": need.to_numpy(float)})


def _point_columns(path: Path, has: set, travel: bool) -> list[ColumnSpec]:
    """The columns that place the structures of a ``--structures`` table: lon and lat (cells may be empty
    with ``--travel``; one of the two columns without the other is read as both, and the missing one
    named), else a bassin, else none with ``--travel``.

    Raises
    ------
    InputError
        Without ``--travel``, on a table with neither lon, lat nor bassin.
    """
    if {"lon", "lat"} <= has or (has & {"lon", "lat"} and "bassin" not in has):
        return [ColumnSpec("lon", nonnegative=False, allow_empty=travel),
                ColumnSpec("lat", nonnegative=False, allow_empty=travel)]
    if "bassin" in has:
        return [ColumnSpec("bassin", "code")]
    if travel:
        return []
    raise InputError(str(path), "missing column(s) lon, lat (or bassin): a structure needs a point or a bassin, "
                                "unless --travel gives the minutes between structures", column="lon")


def _check_pairs_of_coordinates(path: Path, s: pd.DataFrame) -> None:
    """A structure has both lon and lat, or (with ``--travel``) neither: one without the other is an error."""
    half = (s["lon"].isna() != s["lat"].isna()).to_numpy()
    if half.any():
        i = int(np.flatnonzero(half)[0])
        column = "lat" if s["lat"].isna().iloc[i] else "lon"
        raise InputError(str(path), f"empty value (file line {i + 2}): give both lon and lat, or neither",
                         row=i + 1, column=column)


def computed_minutes(structures: pd.DataFrame, detour: float, speed: float) -> pd.DataFrame:
    """Minutes between every ordered pair of structures: great-circle kilometres times ``detour`` at
    ``speed`` km/h.

    Returns
    -------
    pandas.DataFrame
        origin, destination, minutes (a structure to itself included, at 0 minutes).
    """
    lon, lat = structures["lon"].to_numpy(float), structures["lat"].to_numpy(float)
    minutes = point_minutes(great_circle_km(lon[:, None], lat[:, None], lon[None, :], lat[None, :]), detour, speed)
    ids = structures["structure"].to_numpy()
    return pd.DataFrame({"origin": np.repeat(ids, len(ids)), "destination": np.tile(ids, len(ids)),
                         "minutes": minutes.ravel()})


def _read_travel(path: Path, structures: pd.DataFrame) -> pd.DataFrame:
    """A user matrix of minutes between structures; pairs it does not give are out of reach."""
    if not path.is_file():
        raise GpecError(f"--travel {path}: file not found")
    schema = TableSchema(path.name, (ColumnSpec("origin", "code"), ColumnSpec("destination", "code"),
                                     ColumnSpec("minutes")), key=("origin", "destination"))
    t = read_table(path.parent, schema)
    known = set(structures["structure"])
    for column in ("origin", "destination"):
        bad = ~t[column].isin(known).to_numpy()
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(str(path), f"unknown structure '{t[column].iloc[i]}' (not among the structures)",
                             row=i + 1, column=column)
    return t[["origin", "destination", "minutes"]]
