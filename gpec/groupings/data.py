"""The data of a grouping: structures, their need of one post type, and the travel times between them.

A groupings folder holds ``structures.csv`` (FINESS id, name, category, statut, bassin, lon, lat, places),
``post_types.csv`` (need per place and per structure, cost of a post, visits per member and year, each
with its source) and ``parameters.csv`` (:data:`GROUP_PARAMETERS`). A user table of structures
(``--structures``: structure, name, lon, lat or bassin, and places or ``need_<post type>``) and a travel
matrix (``--travel``: origin, destination, minutes between structures) replace the computed ones. With
``--travel`` the table of structures needs no coordinates: without lon, lat or bassin columns, or with
empty lon and lat cells, a structure has no point (NaN) and is left off the map.

**Checks.** Every value is checked on load, an error naming the file, row and column: needs and places
finite, not negative and at most :data:`MAX_NEED_FTE` and :data:`gpec.schema.PEOPLE_MAX`; lon and lat
in the ranges of :mod:`gpec.schema` ([-180, 180], [-90, 90]); minutes finite and not negative; the
post's cost at most that of any unit (:data:`gpec.domains.COST`) and its visits at most
:data:`gpec.schema.VISITS_MAX`; the cost of a minute of travel, the detour factor and the speed within
their parameters' domains (:mod:`gpec.domains`; :data:`MAX_TRAVEL_COST_PER_MINUTE`). These maxima lie far
above any real value and keep every cost of a grouping an exact integer well below 2^53 in the solvers
(a structure costs at most 1e11 EUR a year in posts, a member's trip at most 1.1e9: 2 x 3,650 visits x
1,440 minutes, the longest trip :data:`gpec.groupings.options.MAX_MINUTES`, x 100 EUR).
:func:`check_group_data` checks a :class:`GroupData` built in Python the same way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from gpec.errors import GpecError, InputError
from gpec.geo.distance import great_circle_km
from gpec.geo.graph import point_minutes
from gpec.domains import COST, EUR_PER_MINUTE
from gpec.schema import LAT, LON, PEOPLE_MAX, SCHEMAS, VISITS_MAX, ColumnSpec, TableSchema, read_table

#: The parameters a groupings folder's parameters.csv must hold.
GROUP_PARAMETERS = ("road_detour_factor", "avg_speed_kmh", "travel_cost_per_minute")
#: Most euros a minute of a member's trip may cost (``--travel-cost``, ``travel_cost_per_minute``): the
#: parameter's domain, :data:`gpec.domains.EUR_PER_MINUTE` (a name for messages and tests, not a second limit).
MAX_TRAVEL_COST_PER_MINUTE = EUR_PER_MINUTE.high
#: Most FTE of one post type a structure may need: assumption, clearly absurd beyond (a need of 10,000 FTE
#: is no fraction of a post to share).
MAX_NEED_FTE = 10_000.0


@dataclass
class GroupData:
    """Structures with their need of one post type, and the member-to-hub pairs within reach."""

    post: dict
    structures: pd.DataFrame  # structure, name, lon, lat (NaN where unknown, with --travel), need_fte
    minutes: pd.DataFrame  # origin, destination, minutes (every ordered pair known)
    travel_cost_per_minute: float

    def with_travel_cost(self, eur_per_minute: float) -> GroupData:
        """These data with another cost of a minute of a member's trip (``--travel-cost``).

        Raises
        ------
        GpecError
            When ``eur_per_minute`` is not a finite number in [0, :data:`MAX_TRAVEL_COST_PER_MINUTE`].
        """
        return replace(self, travel_cost_per_minute=check_travel_cost(eur_per_minute, "--travel-cost"))

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
        On a malformed table, a value out of range (module docstring) or a missing parameter.
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
    params = _parameters(folder / "parameters.csv", read_table(folder, SCHEMAS["parameters.csv"]))
    structures = _structures(folder, structures_file, post, spec, travel=travel_file is not None)
    minutes = (_read_travel(Path(travel_file), structures) if travel_file else
               computed_minutes(structures, params["road_detour_factor"], params["avg_speed_kmh"]))
    return GroupData(spec, structures, minutes, params["travel_cost_per_minute"])


def _structures(folder: Path, structures_file, post: str, spec: dict, travel: bool = False) -> pd.DataFrame:
    """The structures with their need (FTE) and their point; ``travel``: the minutes come from
    ``--travel``, so a ``--structures`` table may give no point (lon, lat NaN)."""
    if structures_file is None:
        path = folder / SCHEMAS["structures.csv"].file
        s = read_table(folder, SCHEMAS["structures.csv"])
        return _checked_structures(path, s, "places", spec)
    path = Path(structures_file)
    need_col = f"need_{post}"
    raw = pd.read_csv(path, dtype=str, keep_default_na=False) if path.is_file() else None
    if raw is None:
        raise GpecError(f"--structures {path}: file not found")
    has = set(raw.columns)
    columns = [ColumnSpec("structure", "code"), ColumnSpec("name", "text"), *_point_columns(path, has, travel)]
    columns.append(ColumnSpec(need_col, maximum=MAX_NEED_FTE) if need_col in has
                   else ColumnSpec("places", maximum=PEOPLE_MAX))
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
    return _checked_structures(path, s, need_col if need_col in s else "places", spec)


def _checked_structures(path: Path, s: pd.DataFrame, need_from: str, spec: dict) -> pd.DataFrame:
    """structure, name, lon, lat, need_fte of a table read from ``path``, its need taken from the column
    ``need_from`` (``need_<post type>`` in FTE, or ``places`` times the post's need per place, plus its need
    per structure); points and places were held to their ranges when the table was read.

    Raises
    ------
    InputError
        Naming the row and column of a table without rows or of a need above :data:`MAX_NEED_FTE`.
    """
    if s.empty:
        raise InputError(str(path), "no structure (the table has a header only)", column="structure")
    if need_from == "places":
        need = s["places"].to_numpy(float) * spec["need_per_place"] + spec["need_per_structure"]
    else:
        need = s[need_from].to_numpy(float)
    too_much = ~(need <= MAX_NEED_FTE)
    if too_much.any():
        i = int(np.flatnonzero(too_much)[0])
        raise InputError(str(path), f"a need of {need[i]:g} FTE of {spec['post_type']} (file line {i + 2}) is above "
                                    f"the {MAX_NEED_FTE:g} FTE a structure may need", row=i + 1, column=need_from)
    return pd.DataFrame({"structure": s["structure"], "name": s["name"], "lon": s["lon"], "lat": s["lat"],
                         "need_fte": need})


def _parameters(path: Path, table: pd.DataFrame) -> dict[str, float]:
    """The values of :data:`GROUP_PARAMETERS` from parameters.csv (read by :func:`gpec.schema.read_table`,
    which holds every value to its domain, :mod:`gpec.domains`)."""
    values = {}
    for name in GROUP_PARAMETERS:
        rows = np.flatnonzero((table["name"] == name).to_numpy())
        if not rows.size:
            raise InputError(str(path), f"parameter '{name}' is missing", column="name")
        values[name] = float(table["value"].iloc[rows[0]])
    return values


def check_travel_cost(value: float, name: str) -> float:
    """``value`` as the cost of a minute of a member's trip, named ``name`` in the error.

    Raises
    ------
    GpecError
        When ``value`` is not a finite number in [0, :data:`MAX_TRAVEL_COST_PER_MINUTE`].
    """
    if not isinstance(value, (int, float, np.integer, np.floating)) or isinstance(value, bool) \
            or not 0 <= value <= MAX_TRAVEL_COST_PER_MINUTE:
        shown = format(value, "g") if isinstance(value, (int, float, np.integer, np.floating)) else repr(value)
        raise GpecError(f"{name} {shown}: must be a number of EUR per minute in [0, "
                        f"{MAX_TRAVEL_COST_PER_MINUTE:g}]")
    return float(value)


def check_group_data(data: GroupData) -> None:
    """Check grouping data built in Python as :func:`load_group_data` checks the files.

    Raises
    ------
    GpecError
        Naming the structure or the field: no structure, a structure listed twice, a need that is not a
        finite number in [0, :data:`MAX_NEED_FTE`], a point out of range, minutes that are not finite or
        negative, a post's cost or visits out of range, or a cost of travel out of range.
    """
    s = data.structures
    if s.empty:
        raise GpecError("no structure to group")
    twice = s["structure"].duplicated().to_numpy()
    if twice.any():
        raise GpecError(f"structure '{s['structure'].iloc[int(np.flatnonzero(twice)[0])]}' is listed twice")
    for column, low, high in (("need_fte", 0.0, MAX_NEED_FTE), ("lon", LON.minimum, LON.maximum),
                              ("lat", LAT.minimum, LAT.maximum)):
        values = s[column].to_numpy(float)
        bad = ~((values >= low) & (values <= high)) & (~np.isnan(values) if column != "need_fte" else True)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise GpecError(f"structure '{s['structure'].iloc[i]}': {column} {values[i]:g} is outside "
                            f"[{low:g}, {high:g}]")
    minutes = data.minutes["minutes"].to_numpy(float)
    bad = ~((minutes >= 0) & (minutes < math.inf))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        m = data.minutes.iloc[i]
        raise GpecError(f"minutes from {m['origin']} to {m['destination']}: {minutes[i]:g} is not a finite, "
                        "non-negative number")
    for field, most in (("cost_eur", COST.high), ("visits_per_year", VISITS_MAX)):
        value = float(data.post[field])
        if not 0 <= value <= most:
            raise GpecError(f"post type {data.post['post_type']}: {field} {value:g} is outside [0, {most:g}]")
    check_travel_cost(data.travel_cost_per_minute, "travel_cost_per_minute")


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
        return [replace(LON, allow_empty=travel), replace(LAT, allow_empty=travel)]
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
