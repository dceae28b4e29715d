"""Instance: the validated tables of one territory, loaded from an instance folder.

An instance folder holds ``instance.yaml`` (name, base year, default horizon) and the CSV tables of
:data:`gpec.schema.SCHEMAS`. All tables are tidy and keyed by codes: ``bassin`` (INSEE BV2022 code),
``metier`` (short key, e.g. ``as``), ``year``, ``funder``, ``lever``. Funders are the funding bodies of the
optional ``funders.csv`` (``cd40``, ``cr75``, ``ars75``: kind and territory), or bare codes
(``departement``, ``region``) in an instance without it. Every row carries a ``source``
(a ``data/raw`` file and row, a publication id of ``data/raw/publications.csv``, a derivation) or the
label ``assumption``; ``parameters.csv`` also has ``confidence`` (pub / der / ass) and a ``low``-``high``
range for sweeps.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from gpec.domains import check_override, shown
from gpec.errors import GpecError, InputError
from gpec.geo.shapes import check_geometry
from gpec.schema import (CAP_BASES, CONFIDENCE_LEVELS, EUR_MAX, FUNDER_KINDS, FUNDER_PREFIXES, LEVERS, MINUTES_MAX,
                         PATHWAY_LEVERS, PATHWAY_MODES, RESERVOIRS, SCHEMAS, WHOLE_PLACES, YEAR_MAX, YEAR_MIN,
                         check_references, read_table)

#: The zone of every bassin when funders have no territory (:meth:`Instance.bassin_zones`).
NO_ZONE = ""
#: Parameters the model reads, keyed by métier (``True``) or scalar (``False``).
MODEL_PARAMETERS = {
    "retire_rate": True,
    "exit_rate": True,
    "unmet_weight": True,
    "training_years": True,
    "dropout": True,
    "cost_training_place": True,
    "cost_apprentice": True,
    "apprentice_conversion": False,
    "retain_local": False,
    "decay_km": False,
    "road_detour_factor": False,
    "avg_speed_kmh": False,
    "cost_qvct_officer": False,
    "qvct_structures_per_officer": False,
    "qvct_radius_min": False,
    "eff_qvct_exit": False,
    "cost_vehicle": False,
    "cofund_mobility": False,
    "eff_vehicle_exit": False,
    "eff_vehicle_hire": False,
    "vehicle_max_density": False,
    "vehicle_max_share": False,
    "pool_coordination": False,
    "pool_radius_min": False,
    "eff_pool_fill": False,
    "pool_max_share": False,
    "pool_trips_per_year": False,
    "travel_cost_per_minute": False,
    "budget_carry_over": False,
}
#: Radii in travel minutes the levers read (QVCT posts to structures, pools to bassins). Each must not
#: exceed the instance's ``travel_max_minutes`` (a sparse ``travel.csv`` lists no pair beyond it).
RADIUS_PARAMETERS = ("qvct_radius_min", "pool_radius_min")
#: Parameters an instance may leave out of ``parameters.csv``: the code that reads them states their
#: default (``settle_max_km``: :func:`gpec.geo.settlement.settle_max_km`). ``--set`` adds the record.
OPTIONAL_PARAMETERS = {"settle_max_km": "km"}
#: Métier-keyed parameters that may cover only some métiers (a métier without a value has no such lever).
OPTIONAL_KEYED_PARAMETERS = {"cost_pool_fte"}
#: Parameters that are one value for the territory (an empty key): the model's scalar parameters, the
#: optional ones and the share of the labour pool a lever may draw.
TERRITORY_PARAMETERS = frozenset({*(name for name, keyed in MODEL_PARAMETERS.items() if not keyed),
                                  *OPTIONAL_PARAMETERS, "labour_pool_share"})
#: Parameters keyed by pathway id (``pathways.csv``); every pathway needs all of them.
PATHWAY_PARAMETERS = ("pathway_years", "pathway_success", "pathway_cost", "pathway_cap_rate")

#: The INSEE code of a funding body's territory, by kind: a département (``40``, ``2A``, ``971``) or a région.
TERRITORY_CODES = {"departement": r"\d{2}|2[AB]|97\d", "region": r"\d{2}", "ars": r"\d{2}"}


@dataclass(frozen=True)
class Instance:
    """Validated tables of one territory. Build with :func:`load_instance`, or :meth:`from_frames` from
    one's own tables."""

    folder: Path
    name: str
    base_year: int
    horizon: tuple[int, int]
    tables: dict[str, pd.DataFrame] = field(repr=False)
    sha256: str = ""
    #: ``travel_max_minutes`` of ``instance.yaml``: ``travel.csv`` lists only the pairs within it (absent
    #: pairs are farther); ``None``: the full square matrix. Scaled with the minutes by
    #: :meth:`with_parameters`.
    travel_max_minutes: float | None = None

    @classmethod
    def from_frames(cls, tables: dict[str, pd.DataFrame], name: str, base_year: int, horizon: tuple[int, int],
                    folder: str | Path | None = None, geometry: str | Path | None = None,
                    travel_max_minutes: float | None = None) -> "Instance":
        """An instance from one's own tables: written as an instance folder and loaded with exactly the
        checks of :func:`load_instance` (an error names the file, row and column).

        Parameters
        ----------
        tables : dict
            File name (``"need.csv"`` or ``"need"``) -> DataFrame with that file's columns
            (:data:`gpec.schema.SCHEMAS`; README "Instances from your own data").
        name, base_year, horizon
            What ``instance.yaml`` holds.
        folder : path, optional
            Where to write the instance (a new or empty folder); default a new temporary folder.
        geometry : path, optional
            A GeoJSON of the bassins' polygons (property ``bassin``), copied as ``bassins.geojson`` for
            the maps.
        travel_max_minutes : float, optional
            Written to ``instance.yaml``: ``travel.csv`` then lists only the pairs within that many
            minutes (each bassin's own pair, 0, included); without it the matrix is square.
        """
        import shutil
        import tempfile

        files = {key if key.endswith(".csv") else f"{key}.csv": frame for key, frame in tables.items()}
        unknown = sorted(set(files) - set(SCHEMAS))
        if unknown:
            raise GpecError(f"from_frames: unknown table {unknown[0]} (known: {', '.join(SCHEMAS)})")
        folder = Path(folder) if folder is not None else Path(tempfile.mkdtemp(prefix=f"gpec-{name}-"))
        if folder.exists() and any(folder.iterdir()):
            raise GpecError(f"from_frames: {folder} is not empty (an instance is written to a new folder)")
        folder.mkdir(parents=True, exist_ok=True)
        meta = {"name": name, "base_year": int(base_year), "horizon": [int(horizon[0]), int(horizon[1])]}
        if travel_max_minutes is not None:
            meta["travel_max_minutes"] = float(travel_max_minutes)
        (folder / "instance.yaml").write_text(yaml.safe_dump(meta), encoding="utf-8")
        for file, frame in files.items():
            frame.to_csv(folder / file, index=False)
        if geometry is not None:
            shutil.copyfile(geometry, folder / "bassins.geojson")
        return load_instance(folder)

    # -- tables -------------------------------------------------------------------------------
    def table(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    @property
    def bassins(self) -> pd.DataFrame:
        return self.tables["bassins.csv"]

    @property
    def metiers(self) -> pd.DataFrame:
        return self.tables["metiers.csv"]

    @property
    def parameters(self) -> pd.DataFrame:
        return self.tables["parameters.csv"]

    def need(self) -> pd.Series:
        """Need in FTE, Series indexed by (bassin, metier, year)."""
        return self.tables["need.csv"].set_index(["bassin", "metier", "year"])["need_fte"]

    def baseline(self) -> pd.DataFrame:
        """Baseline stock and inflows, indexed by (bassin, metier, year)."""
        return self.tables["baseline.csv"].set_index(["bassin", "metier", "year"])

    def budget(self) -> pd.Series:
        """Yearly envelope in euros, Series indexed by (funder, year)."""
        return self.tables["budget.csv"].set_index(["funder", "year"])["eur"]

    def pathways(self) -> pd.DataFrame:
        """``pathways.csv`` (empty when the instance has none): promotion, VAE, reconversion, immersion and
        social pathways, with their duration, success, cost and cap-rate parameters as columns."""
        columns = [c.name for c in SCHEMAS["pathways.csv"].columns]
        table = self.tables.get("pathways.csv")
        if table is None:
            table = pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
        table = table.copy()
        for name in PATHWAY_PARAMETERS:
            table[name.removeprefix("pathway_")] = table["pathway"].map(self.param_by_key(name)).astype(float)
        return table

    def labour_pool(self) -> pd.Series | None:
        """Jobseekers per bassin (all métiers' ROME codes), or ``None`` when the instance has no labour pool."""
        table = self.tables.get("labour_pool.csv")
        if table is None:
            return None
        return table.groupby("bassin")["jobseekers"].sum().reindex(self.bassins["bassin"]).fillna(0.0)

    def lever_funders(self) -> pd.DataFrame:
        return self.tables["levers.csv"][["lever", "funder"]]

    # -- funding bodies -----------------------------------------------------------------------
    @property
    def bodies(self) -> dict[str, dict[str, str]]:
        """The funding bodies of ``funders.csv``: code -> ``{"kind", "territory", "name"}`` (what labels
        for people are made from, :func:`gpec.i18n.funder_label`); empty for an instance without it."""
        table = self.tables.get("funders.csv")
        if table is None:
            return {}
        return {row.funder: {"kind": row.kind, "territory": row.territory, "name": row.name}
                for row in table.itertuples(index=False)}

    def funder_code(self, name: str) -> str:
        """The funder code a user's name stands for: a code of ``budget.csv`` as it is (any case), or, with
        ``funders.csv``, a kind (``departement``, ``region``, ``ars``) for the instance's one body of
        that kind.

        Raises
        ------
        GpecError
            When a kind names several bodies here (they are listed), or the name is neither a funder
            code nor an alias of one (the codes and aliases are listed).
        """
        codes = list(dict.fromkeys(self.tables["budget.csv"]["funder"]))
        text = str(name).strip()
        exact = [c for c in codes if c == text] or [c for c in codes if c.lower() == text.lower()]
        if len(exact) == 1:
            return exact[0]
        bodies = self.bodies
        if bodies and text.lower() in FUNDER_KINDS:
            named = [code for code, body in bodies.items() if body["kind"] == text.lower()]
            if len(named) == 1:
                return named[0]
            if named:
                raise GpecError(f"funder '{name}' names {len(named)} bodies here: {', '.join(named)}; name one")
        if bodies:
            aliases = [k for k in FUNDER_KINDS if sum(b["kind"] == k for b in bodies.values()) == 1]
            raise GpecError(f"unknown funder '{name}' (bodies: {', '.join(bodies)}; aliases: "
                            f"{', '.join(aliases) or 'none'})")
        raise GpecError(f"unknown funder '{name}' (known: {', '.join(sorted(codes))})")

    def resolve_budgets(self, budgets: dict) -> dict:
        """``budgets`` (:attr:`gpec.scenario.Scenario.budgets`) keyed by funder code: names resolved by
        :meth:`funder_code`, and the entries of names that mean the same body combined as if spelled the
        same: the flat values (key ``None``, the last one given wins) first, then the years (a year given
        later wins), so a year overrides a flat value whatever the order."""
        flat, years = {}, {}
        for name, value in budgets.items():
            code = self.funder_code(name)
            for year, eur in (value.items() if isinstance(value, dict) else [(None, value)]):
                if year is None:
                    flat[code] = eur
                else:
                    years.setdefault(code, {})[year] = eur
        out = {}
        for code in dict.fromkeys([*flat, *years]):
            out[code] = flat[code] if code not in years else {**({None: flat[code]} if code in flat else {}),
                                                              **years[code]}
        return out

    def bassin_zones(self) -> pd.Series | None:
        """The zone of each bassin: its département (``bassins.csv`` ``dep``), Series indexed by bassin; ``None``
        when funders have no territory in this instance (no ``funders.csv`` or no ``dep`` column): every
        funder then pays everywhere, and the whole instance is one zone, :data:`NO_ZONE`."""
        if "funders.csv" not in self.tables or "dep" not in self.bassins:
            return None
        return pd.Series(self.bassins["dep"].to_numpy(), index=pd.Index(self.bassins["bassin"], name="bassin"),
                         name="zone")

    def funder_zones(self) -> dict[str, frozenset[str]]:
        """The zones each funder of ``budget.csv`` may pay in: a ``departement`` body (``funders.csv``) the
        bassins whose ``dep`` is its territory, a ``region`` or ``ars`` body those whose ``reg`` is (without
        a ``reg`` column: every zone); a funder not in ``funders.csv``, or of another kind, every zone.
        Without zones (:meth:`bassin_zones` is ``None``) every funder pays in the one zone :data:`NO_ZONE`."""
        funders = sorted(set(self.tables["budget.csv"]["funder"]))
        zones = self.bassin_zones()
        if zones is None:
            return {f: frozenset({NO_ZONE}) for f in funders}
        bodies = self.tables["funders.csv"].set_index("funder")
        column = {"departement": "dep", "region": "reg", "ars": "reg"}
        scope = {}
        for funder in funders:
            kind = bodies["kind"].get(funder)
            where = column.get(kind)
            if where is None or where not in self.bassins:
                scope[funder] = frozenset(zones)
            else:
                mine = self.bassins[where] == bodies.loc[funder, "territory"]
                scope[funder] = frozenset(self.bassins.loc[mine, "dep"])
        return scope

    def travel(self) -> pd.Series:
        """Minutes between bassin centres, Series indexed by (origin, destination).

        With ``travel_max_minutes`` only the pairs within it are listed: a pair missing from the index
        (``NaN`` after ``reindex``) is farther than that, beyond every radius.
        """
        return self.tables["travel.csv"].set_index(["origin", "destination"])["minutes"]

    # -- parameters ---------------------------------------------------------------------------
    def param(self, name: str, key: str = "", default: float | None = None) -> float:
        """Value of one parameter record; ``default`` (when given) if ``parameters.csv`` has none."""
        p = self.parameters
        hit = p[(p["name"] == name) & (p["key"] == key)]
        if hit.empty and default is not None:
            return float(default)
        if hit.empty:
            raise GpecError(f"{self.folder / 'parameters.csv'}: parameter '{name}' (key '{key}') is missing")
        return float(hit["value"].iloc[0])

    def param_by_metier(self, name: str) -> pd.Series:
        """Values of a métier-keyed parameter, Series indexed by métier (only the métiers listed)."""
        return self.param_by_key(name, "metier")

    def param_by_key(self, name: str, key_name: str = "key") -> pd.Series:
        """Values of a keyed parameter (by métier or pathway), Series indexed by key."""
        p = self.parameters
        rows = p[p["name"] == name]
        return pd.Series(rows["value"].to_numpy(), index=pd.Index(rows["key"].to_numpy(), name=key_name), name=name)

    def check_parameter(self, name: str, key: str, value: float) -> None:
        """Refuse an override of the record ``name[key]`` on its own: a value outside the parameter's
        domain, an unknown name (:func:`gpec.domains.check_override`: Scenario's check and message) or
        a record the instance has not (:meth:`with_parameters` checks the overrides together too).

        Raises
        ------
        GpecError
        """
        check_override(name, key, value)
        p = self.parameters
        if not ((p["name"] == name) & (p["key"] == key)).any() and not (name in OPTIONAL_PARAMETERS and key == ""):
            raise _no_record(self.folder / "parameters.csv", p, name, key, value)

    def with_parameters(self, overrides: dict[tuple[str, str], float]) -> "Instance":
        """A copy with some parameter values replaced (scenario overrides).

        An override may leave the record's ``low``-``high`` sweep range (the range is widened to include
        it) but never the parameter's domain (:mod:`gpec.domains`: shares in [0, 1], positive speeds,
        whole years, finite values under a stated maximum...), refused naming the option
        ``--set NAME[KEY]=VALUE``. Changing
        ``road_detour_factor`` or ``avg_speed_kmh`` rescales the minutes of ``travel.csv`` too, so every
        radius sees the same change, and with them ``travel_max_minutes``: a radius
        (:data:`RADIUS_PARAMETERS`) beyond the scaled cutoff is refused, naming the option. A parameter of
        :data:`OPTIONAL_PARAMETERS` the instance leaves out gets a record.
        """
        p = self.parameters.copy()
        tables = dict(self.tables)
        for (name, key), value in overrides.items():
            self.check_parameter(name, key, value)
            mask = (p["name"] == name) & (p["key"] == key)
            if not mask.any():  # an optional parameter the instance leaves out
                p = pd.concat([p, pd.DataFrame([dict(name=name, key="", value=float(value), low=float(value),
                                                     high=float(value), unit=OPTIONAL_PARAMETERS[name],
                                                     confidence="ass", source="assumption",
                                                     note="--set (not in the instance's parameters.csv)")])],
                              ignore_index=True)
                mask = (p["name"] == name) & (p["key"] == key)
            p.loc[mask, "value"] = float(value)
            p.loc[mask, "low"] = np.minimum(p.loc[mask, "low"], float(value))
            p.loc[mask, "high"] = np.maximum(p.loc[mask, "high"], float(value))
        tables["parameters.csv"] = p
        try:
            _check_parameters(self.folder, tables)
        except InputError as exc:
            raise GpecError(f"{_options(p, overrides, exc.row)}: {exc.message}") from None
        scale = _minutes_per_km(tables["parameters.csv"]) / _minutes_per_km(self.parameters)
        cutoff = self.travel_max_minutes
        if scale != 1.0:
            tables["travel.csv"] = tables["travel.csv"].assign(minutes=tables["travel.csv"]["minutes"] * scale)
            cutoff = None if cutoff is None else cutoff * scale
        if cutoff is not None:
            _check_radii_for_overrides(self, tables["parameters.csv"], overrides, cutoff)
        return replace(self, tables=tables, travel_max_minutes=cutoff)

    def with_budget(self, budgets: dict) -> "Instance":
        """A copy with each named funder's envelope replaced: ``funder -> EUR`` sets every year,
        ``funder -> {year: EUR}`` the years given (years of ``budget.csv`` only; key ``None``: every year,
        before the years). A funder is named by its code or an alias (:meth:`resolve_budgets`)."""
        b = self.tables["budget.csv"].copy()
        for funder, eur in self.resolve_budgets(budgets).items():
            mask = b["funder"] == funder
            by_year = eur if isinstance(eur, dict) else {None: eur}
            for year, value in by_year.items():
                try:
                    value = float(value)
                except (TypeError, ValueError):
                    value = math.nan
                if not (np.isfinite(value) and 0 <= value <= EUR_MAX):
                    where = f" in {year}" if year is not None else ""
                    raise GpecError(f"budget for funder '{funder}'{where} must be a non-negative number of euros, "
                                    f"at most {EUR_MAX:g}, got {eur if year is None else by_year[year]}")
                rows = mask if year is None else mask & (b["year"] == year)
                if not rows.any():
                    years = b.loc[mask, "year"]
                    raise GpecError(f"budget for funder '{funder}': no year {year} in budget.csv "
                                    f"({years.min()}-{years.max()})")
                b.loc[rows, "eur"] = value
        tables = dict(self.tables)
        tables["budget.csv"] = b
        return replace(self, tables=tables)

    def data_years(self) -> tuple[int, int]:
        """First and last year for which both need and baseline are given."""
        need_years = set(self.tables["need.csv"]["year"])
        base_years = set(self.tables["baseline.csv"]["year"])
        years = sorted(need_years & base_years)
        return (years[0], years[-1]) if years else (0, -1)


def load_instance(folder: str | Path) -> Instance:
    """Load and validate an instance folder, before anything runs or is written.

    Raises
    ------
    InputError
        On a missing file or column, an unknown code or name (métier, funder, lever, pathway, parameter),
        a duplicate key, an empty, non-numeric, non-finite or absurd value (above its column's stated
        maximum, or outside its parameter's domain, :mod:`gpec.domains`), a year missing from a year
        grid, an inconsistent table, or a damaged ``bassins.geojson`` (:mod:`gpec.geo.shapes`); the
        message names file, row and column (``instance.yaml``: its key; the geometry: its feature).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise GpecError(f"{folder}: instance folder not found")
    meta_path = folder / "instance.yaml"
    meta = _read_meta(meta_path)
    name, base_year, horizon = _meta_name(meta_path, meta), _meta_year(meta_path, meta), _meta_horizon(meta_path, meta)
    if horizon[0] < base_year:
        raise InputError(str(meta_path), f"{horizon[0]}-{horizon[1]} starts before base_year {base_year} (the "
                                         "year of the data the model starts from)", key="horizon")
    max_minutes = _travel_max_minutes(meta_path, meta)
    tables = {file: read_table(folder, schema) for file, schema in SCHEMAS.items()
              if not schema.optional or (folder / file).is_file()}
    check_references(folder, tables)
    _check_funders(folder, tables)
    _check_pathways(folder, tables)
    _check_zones(folder, tables)
    _check_parameters(folder, tables)
    _check_complete_grid(folder, tables, horizon)
    _check_travel(folder, tables, max_minutes)
    _check_radii(folder, tables, max_minutes)
    _check_levers(folder, tables)
    if base_year not in set(tables["need.csv"]["year"]):
        raise InputError(str(meta_path), f"base_year {base_year} has no rows in need.csv (graduates settle by the "
                                         "base-year need)", key="base_year")
    check_geometry(folder, tables["bassins.csv"]["bassin"])
    inst = Instance(folder, name, base_year, horizon, tables, _sha256(folder), max_minutes)
    try:
        check_horizon(inst, horizon)
    except InputError:
        raise
    except GpecError as exc:
        raise InputError(str(meta_path), str(exc), key="horizon") from None
    return inst


def _read_meta(path: Path) -> dict:
    """The mapping ``instance.yaml`` holds; one line naming the file (and the line of a YAML error)."""
    if not path.is_file():
        raise InputError(str(path), "file is missing (an instance folder holds instance.yaml: name, base_year, "
                                    "horizon)")
    try:
        meta = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        raise InputError(str(path), f"not a readable YAML file ({where}{str(exc).splitlines()[0]})") from None
    if not isinstance(meta, dict):
        raise InputError(str(path), "must be a mapping of keys (name, base_year, horizon: [first, last])")
    if meta.get("kind") == "regions":
        folder = path.parent
        raise GpecError(f"{folder}: holds {len(meta.get('regions', []))} régions, one instance each: solve them "
                        f"with gpec solve {folder} --by-region, or one of them by its folder")
    return meta


def _meta_name(path: Path, meta: dict) -> str:
    if meta.get("name") is None:
        raise InputError(str(path), "missing (the instance's name)", key="name")
    name = meta["name"]
    if not isinstance(name, (str, int)) or isinstance(name, bool) or not str(name).strip():
        raise InputError(str(path), f"{name!r} is not a name", key="name")
    return str(name)


def _meta_year(path: Path, meta: dict, key: str = "base_year", value=None) -> int:
    """A whole year in [YEAR_MIN, YEAR_MAX] under ``key`` of ``instance.yaml`` (or ``value`` when given)."""
    value = meta.get(key) if value is None else value
    if value is None:
        raise InputError(str(path), "missing (a year, e.g. 2023)", key=key)
    year = value if isinstance(value, int) and not isinstance(value, bool) else None
    if year is None or not YEAR_MIN <= year <= YEAR_MAX:
        raise InputError(str(path), f"{value!r} is not a year in {YEAR_MIN}-{YEAR_MAX}", key=key)
    return year


def _meta_horizon(path: Path, meta: dict) -> tuple[int, int]:
    value = meta.get("horizon")
    if value is None:
        raise InputError(str(path), "missing (the first and last model years: [first, last])", key="horizon")
    if not isinstance(value, list) or len(value) != 2:
        raise InputError(str(path), f"{value!r} is not [first, last], e.g. [2026, 2035]", key="horizon")
    first, last = (_meta_year(path, meta, "horizon", v) for v in value)
    if first > last:
        raise InputError(str(path), f"first year {first} after last year {last}", key="horizon")
    return first, last


def check_horizon(instance: Instance, horizon: tuple[int, int], where: str = "horizon") -> None:
    """The horizon must lie inside the years the instance gives need, baseline and budget for; ``where``
    names it in the error (``--horizon`` when the user gave it)."""
    first, last = horizon
    lo, hi = instance.data_years()
    if first > last:
        raise GpecError(f"{where} {first}-{last}: first year after last year")
    if first < lo or last > hi:
        raise GpecError(f"{where} {first}-{last} is outside the instance data ({lo}-{hi}) in {instance.folder}")
    for funder, rows in instance.tables["budget.csv"].groupby("funder"):
        missing = [y for y in range(first, last + 1) if y not in set(rows["year"])]
        if missing:
            raise InputError(str(instance.folder / "budget.csv"), f"funder '{funder}' has no envelope for {missing[0]}",
                             column="year")


def _check_parameters(folder: Path, tables: dict[str, pd.DataFrame]) -> None:
    """Records that fit together: each within its sweep range, keyed by known métiers and pathways, every
    record the model reads present. Each value's own domain is :mod:`gpec.domains`' (checked when the
    file is read, :func:`gpec.schema.check_parameter_domains`, and for overrides)."""
    p = tables["parameters.csv"]
    path = str(folder / "parameters.csv")
    metiers = set(tables["metiers.csv"]["metier"])
    for i, row in enumerate(p.itertuples(index=False), start=1):
        if row.confidence not in CONFIDENCE_LEVELS:
            raise InputError(path, f"confidence must be one of {', '.join(CONFIDENCE_LEVELS)}", row=i,
                             column="confidence")
        if not row.low <= row.value <= row.high:
            raise InputError(path, f"value {row.value} outside its range [{row.low}, {row.high}]", row=i,
                             column="value")
        if row.name in TERRITORY_PARAMETERS and row.key != "":
            raise InputError(path, f"{row.name} is one value for the territory: its key must be empty", row=i,
                             column="key")
        if (MODEL_PARAMETERS.get(row.name) or row.name in OPTIONAL_KEYED_PARAMETERS) and row.key not in metiers:
            raise InputError(path, f"unknown metier code '{row.key}' for {row.name}", row=i, column="key")
    for name, keyed in MODEL_PARAMETERS.items():
        rows = p[p["name"] == name]
        if rows.empty:
            raise InputError(path, f"parameter '{name}' is missing", column="name")
        if keyed:
            absent = metiers - set(rows["key"])
            if name in ("retire_rate", "exit_rate", "unmet_weight", "training_years") and absent:
                raise InputError(path, f"parameter '{name}' has no value for metier '{sorted(absent)[0]}'",
                                 column="key")
    years = p[p["name"] == "training_years"].set_index("key")["value"]
    for name in ("dropout", "cost_training_place", "cost_apprentice"):
        have = set(p.loc[p["name"] == name, "key"])
        for m, y in years.items():
            if y >= 1 and m not in have:
                raise InputError(path, f"parameter '{name}' has no value for metier '{m}' (it has a training route)",
                                 column="key")
    share = p[p["name"] == "labour_pool_share"]
    if "labour_pool.csv" in tables and share.empty:
        raise InputError(path, "parameter 'labour_pool_share' is missing (the instance has labour_pool.csv)",
                         column="name")
    _check_pathway_parameters(path, p, tables)
    _check_parameter_levers(path, p, tables)
    survival = p[p["name"].isin(["retire_rate", "exit_rate"])].groupby("key")["value"].sum()
    if (survival > 1).any():
        raise InputError(path, f"retire_rate + exit_rate exceeds 1 for metier '{survival.idxmax()}'", column="value")


def _check_pathway_parameters(path: str, p: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> None:
    """Every pathway has a duration, success share, cost and cap rate (their domains: :mod:`gpec.domains`);
    no stray keys."""
    basis = tables["pathways.csv"].set_index("pathway")["cap_basis"] if "pathways.csv" in tables else pd.Series()
    pathways = set(basis.index)
    for i, row in enumerate(p.itertuples(index=False), start=1):
        if row.name in PATHWAY_PARAMETERS and row.key not in pathways:
            raise InputError(path, f"unknown pathway '{row.key}' for {row.name} (not in pathways.csv"
                                   f"{': ' + ', '.join(sorted(pathways)) if pathways else ''})", row=i, column="key")
        if row.name == "pathway_cap_rate" and basis.get(row.key) != "population" and row.value > 1:
            raise InputError(path, f"pathway_cap_rate of '{row.key}' is {row.value:g} places a year per FTE in post "
                                   f"(cap_basis {basis.get(row.key)} in pathways.csv): at most 1", row=i,
                             column="value")
    for name in PATHWAY_PARAMETERS:
        missing = pathways - set(p.loc[p["name"] == name, "key"])
        if missing:
            raise InputError(path, f"parameter '{name}' has no value for pathway '{sorted(missing)[0]}'",
                             column="key")


def _check_parameter_levers(path: str, p: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> None:
    """The optional ``lever`` column names a lever (:data:`~gpec.schema.LEVERS`) or is empty; a pathway's
    record names that pathway's lever of ``pathways.csv``."""
    if "lever" not in p:
        return
    of_pathway = tables["pathways.csv"].set_index("pathway")["lever"] if "pathways.csv" in tables else {}
    for i, (name, key, lever) in enumerate(zip(p["name"], p["key"], p["lever"].fillna("")), start=1):
        if lever and lever not in LEVERS:
            raise InputError(path, f"lever '{lever}' is not a lever (levers: {', '.join(LEVERS)})", row=i,
                             column="lever")
        if lever and name in PATHWAY_PARAMETERS and lever != of_pathway.get(key, lever):
            raise InputError(path, f"lever '{lever}' of {name}[{key}] is not its pathway's lever "
                                   f"'{of_pathway[key]}' (pathways.csv)", row=i, column="lever")


def _check_pathways(folder: Path, tables: dict[str, pd.DataFrame]) -> None:
    """Vocabularies of pathways.csv, and métier moves that make sense for each mode."""
    if "pathways.csv" not in tables:
        return
    path = str(folder / "pathways.csv")
    for i, row in enumerate(tables["pathways.csv"].itertuples(index=False), start=1):
        for column, allowed in (("lever", PATHWAY_LEVERS), ("mode", PATHWAY_MODES), ("cap_basis", CAP_BASES),
                                ("whole_places", WHOLE_PLACES),
                                ("reservoir", tuple(r for r in RESERVOIRS if r != "current"))):
            if getattr(row, column) not in allowed:
                raise InputError(path, f"{column} '{getattr(row, column)}' must be one of {', '.join(allowed)}",
                                 row=i, column=column)
        external = row.mode == "external"
        if external and row.from_metier:
            raise InputError(path, "an external pathway (from outside the workforce) has no from_metier", row=i,
                             column="from_metier")
        if not external and not row.from_metier:
            raise InputError(path, f"a {row.mode} pathway moves staff between métiers: from_metier is needed", row=i,
                             column="from_metier")
        if row.from_metier == row.to_metier:
            raise InputError(path, f"from_metier and to_metier are both '{row.to_metier}'", row=i, column="to_metier")
        if row.cap_basis == "source_stock" and external:
            raise InputError(path, "cap_basis source_stock needs a from_metier", row=i, column="cap_basis")
        if row.draws_labour_pool and not external:
            raise InputError(path, f"a {row.mode} pathway moves staff already in post: it cannot recruit from the "
                                   "labour pool (draws_labour_pool must be 0)", row=i, column="draws_labour_pool")


def _check_zones(folder: Path, tables: dict[str, pd.DataFrame]) -> None:
    """A funder's zones are départements (``bassins.csv`` ``dep``): the bassins of one département lie in one
    région (``reg``), so that a région's body pays in whole zones."""
    b = tables["bassins.csv"]
    if "dep" not in b or "reg" not in b:
        return
    first = b.groupby("dep")["reg"].transform("first")
    other = (b["reg"] != first).to_numpy()
    if other.any():
        i = int(np.flatnonzero(other)[0])
        raise InputError(str(folder / "bassins.csv"), f"reg {b['reg'].iloc[i]} differs from that of other bassins "
                                                      f"of dep {b['dep'].iloc[i]} ({first.iloc[i]}) (file line {i + 2})",
                         row=i + 1, column="reg")


def _check_complete_grid(folder: Path, tables: dict[str, pd.DataFrame], horizon: tuple[int, int]) -> None:
    """The year grids are complete: need and baseline cover every bassin x metier for every year from
    the first they list (or the horizon's) to the last (or the horizon's), with no gap; budget.csv gives
    every funder every year from its first year to its last."""
    bassins, metiers = tables["bassins.csv"]["bassin"], tables["metiers.csv"]["metier"]
    for file in ("need.csv", "baseline.csv"):
        t = tables[file]
        years = _year_span(t["year"], horizon)
        full = pd.MultiIndex.from_product([bassins, metiers, years], names=["bassin", "metier", "year"])
        have = pd.MultiIndex.from_frame(t[["bassin", "metier", "year"]])
        missing = full.difference(have)
        if len(missing):
            b, m, y = missing[0]
            raise InputError(str(folder / file), f"no row for bassin {b}, metier {m}, year {y} (every bassin x "
                                                 f"metier needs every year {years[0]}-{years[-1]})", column="year")
    budget = tables["budget.csv"]
    years = _year_span(budget["year"])
    full = pd.MultiIndex.from_product([list(dict.fromkeys(budget["funder"])), years], names=["funder", "year"])
    missing = full.difference(pd.MultiIndex.from_frame(budget[["funder", "year"]]))
    if len(missing):
        funder, year = missing[0]
        raise InputError(str(folder / "budget.csv"), f"funder '{funder}' has no envelope for {year} (every funder "
                                                     f"needs every year {years[0]}-{years[-1]}, 0 EUR if none)",
                         column="year")
    if "labour_pool.csv" in tables:
        _check_labour_pool(folder, tables)


def _year_span(years: pd.Series, horizon: tuple[int, int] | None = None) -> list[int]:
    """Every year from the first of ``years`` (or of ``horizon``) to the last."""
    bounds = [int(years.min()), int(years.max())] if len(years) else []
    bounds += list(horizon or ())
    return list(range(min(bounds), max(bounds) + 1)) if bounds else []


def _check_labour_pool(folder: Path, tables: dict[str, pd.DataFrame]) -> None:
    """Every bassin x métier has jobseekers (0 is a value, a missing row is not); tension 1-5 where given;
    the ROME code is the métier's."""
    t, path = tables["labour_pool.csv"], str(folder / "labour_pool.csv")
    metiers = tables["metiers.csv"]
    full = pd.MultiIndex.from_product([tables["bassins.csv"]["bassin"], metiers["metier"]], names=["bassin", "metier"])
    missing = full.difference(pd.MultiIndex.from_frame(t[["bassin", "metier"]]))
    if len(missing):
        b, m = missing[0]
        raise InputError(path, f"no row for bassin {b}, metier {m} (write 0 jobseekers if there are none)",
                         column="jobseekers")
    bad = t["tension"].notna().to_numpy() & ~t["tension"].between(1, 5).to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(path, f"tension {t['tension'].iloc[i]} is not on the 1-5 scale", row=i + 1, column="tension")
    rome = t["metier"].map(metiers.set_index("metier")["rome"])
    wrong = (rome != t["rome"]).to_numpy()
    if wrong.any():
        i = int(np.flatnonzero(wrong)[0])
        raise InputError(path, f"ROME code {t['rome'].iloc[i]} is not that of metier {t['metier'].iloc[i]} "
                               f"({rome.iloc[i]} in metiers.csv)", row=i + 1, column="rome")


def _travel_max_minutes(meta_path: Path, meta: dict) -> float | None:
    """``travel_max_minutes`` of ``instance.yaml`` (a positive number of minutes), or ``None``."""
    if meta.get("travel_max_minutes") is None:
        return None
    value = meta["travel_max_minutes"]
    try:
        minutes = float(value)
    except (TypeError, ValueError):
        minutes = math.nan
    if isinstance(value, bool) or not (np.isfinite(minutes) and 0 < minutes <= MINUTES_MAX):
        raise InputError(str(meta_path), f"must be a positive number of minutes up to {MINUTES_MAX:g}, got "
                                         f"{value!r}", key="travel_max_minutes")
    return minutes


def _check_travel(folder: Path, tables: dict[str, pd.DataFrame], max_minutes: float | None = None) -> None:
    """travel.csv is a full square matrix over the bassins with zero on the diagonal; with
    ``travel_max_minutes`` (``max_minutes``) it may list only the pairs within it, but every bassin's own
    pair (0) is there."""
    t = tables["travel.csv"]
    path = str(folder / "travel.csv")
    codes = tables["bassins.csv"]["bassin"]
    have = pd.MultiIndex.from_frame(t[["origin", "destination"]])
    if max_minutes is None:
        wanted = pd.MultiIndex.from_product([codes, codes], names=["origin", "destination"])
        why = ("no travel time from {o} to {d} (the matrix must be square, or instance.yaml declares "
               "travel_max_minutes)")
    else:
        wanted = pd.MultiIndex.from_arrays([codes, codes], names=["origin", "destination"])
        why = ("no travel time from {o} to itself (each bassin's own pair, 0 minutes, is listed even with "
               "travel_max_minutes)")
    missing = wanted.difference(have)
    if len(missing):
        o, d = missing[0]
        raise InputError(path, why.format(o=o, d=d), column="destination")
    diagonal = (t["origin"] == t["destination"]).to_numpy() & (t["minutes"] != 0).to_numpy()
    if diagonal.any():
        i = int(np.flatnonzero(diagonal)[0])
        raise InputError(path, "travel time from a bassin to itself must be 0", row=i + 1, column="minutes")


def _check_radii(folder: Path, tables: dict[str, pd.DataFrame], max_minutes: float | None) -> None:
    """No radius of parameters.csv exceeds ``travel_max_minutes`` (pairs beyond it are not in travel.csv)."""
    if max_minutes is None:
        return
    p = tables["parameters.csv"]
    for i, row in enumerate(p.itertuples(index=False), start=1):
        if row.name in RADIUS_PARAMETERS and row.value > max_minutes * (1 + 1e-12):
            raise InputError(str(folder / "parameters.csv"),
                             f"{row.name} {row.value:g} exceeds travel_max_minutes {max_minutes:g} of "
                             f"{folder / 'instance.yaml'} (travel.csv lists only the pairs within it)", row=i,
                             column="value")


def _no_record(path: Path, params: pd.DataFrame, name: str, key: str, value) -> GpecError:
    """The error of ``--set name[key]=value`` when ``params`` (read from ``path``) has no such record: it
    names the option, and the keys ``name`` has there."""
    keys = sorted(params.loc[params["name"] == name, "key"])
    label = f"{name}[{key}]" if key else name
    if not keys:
        why = f"the instance has no {name} (its model does not read it)"
    elif keys == [""]:
        why = f"{name} is one value for the territory: give it without [KEY]"
    else:
        why = f"keys of {name} there: {', '.join(k or '(none)' for k in keys)}"
    return GpecError(f"--set {label}={shown(value)}: no record {label} in {path} ({why})")


def _options(params: pd.DataFrame, overrides: dict, row: int | None) -> str:
    """The ``--set`` options behind a rule that ``params`` (with ``overrides``) breaks at data row ``row``:
    that row's option when it is an override, else every override."""
    record = tuple(params.iloc[row - 1][["name", "key"]]) if row is not None else None
    chosen = [record] if record in overrides else list(overrides)
    return "--set " + ", ".join(f"{n}[{k}]={shown(overrides[(n, k)])}" if k else f"{n}={shown(overrides[(n, k)])}"
                                for n, k in chosen)


def _check_radii_for_overrides(instance: "Instance", params: pd.DataFrame, overrides: dict, cutoff: float) -> None:
    """A radius above the (scaled) travel cutoff is refused, naming the ``--set`` option that put it there."""
    yaml_path = instance.folder / "instance.yaml"
    scaling = [(n, k) for (n, k) in overrides if n in ("road_detour_factor", "avg_speed_kmh")]
    for row in params.itertuples(index=False):
        if row.name not in RADIUS_PARAMETERS or not row.value > cutoff * (1 + 1e-12):
            continue
        if (row.name, row.key) in overrides:
            raise GpecError(f"--set {row.name}={overrides[(row.name, row.key)]:g}: exceeds travel_max_minutes "
                            f"{cutoff:g} of {yaml_path} (travel.csv lists only the pairs within it)")
        name, key = scaling[0] if scaling else (row.name, row.key)
        raise GpecError(f"--set {name}={overrides.get((name, key), row.value):g}: travel_max_minutes of {yaml_path} "
                        f"becomes {cutoff:g} minutes, below {row.name} {row.value:g} (travel.csv lists only the "
                        "pairs within it)")


def _check_funders(folder: Path, tables: dict[str, pd.DataFrame]) -> None:
    """With ``funders.csv``: known kinds, codes ``cd<dep>``, ``cr<reg>``, ``ars<reg>`` of their territory
    (unique: the schema's key), every funder of ``budget.csv`` and ``levers.csv`` one of its bodies, and
    every body with an envelope in every year of ``budget.csv``."""
    if "funders.csv" not in tables:
        return
    bodies, path = tables["funders.csv"], str(folder / "funders.csv")
    for i, row in enumerate(bodies.itertuples(index=False), start=1):
        if row.kind not in FUNDER_KINDS:
            raise InputError(path, f"kind '{row.kind}' must be one of {', '.join(FUNDER_KINDS)}", row=i,
                             column="kind")
        if not re.fullmatch(TERRITORY_CODES[row.kind], row.territory):
            raise InputError(path, f"territory '{row.territory}' is not the INSEE code of a "
                                   f"{'département (40, 2A, 971)' if row.kind == 'departement' else 'région (75)'}",
                             row=i, column="territory")
        code = f"{FUNDER_PREFIXES[row.kind]}{row.territory}"
        if row.funder != code:
            raise InputError(path, f"a {row.kind} body of territory {row.territory} has code '{code}', not "
                                   f"'{row.funder}'", row=i, column="funder")
    known = set(bodies["funder"])
    for file in ("budget.csv", "levers.csv"):
        for i, funder in enumerate(tables[file]["funder"], start=1):
            if funder not in known:
                raise InputError(str(folder / file), f"unknown funder '{funder}' (not in funders.csv: "
                                                     f"{', '.join(bodies['funder'])})", row=i, column="funder")
    budget = tables["budget.csv"]
    years = sorted(set(budget["year"]))
    for funder in bodies["funder"]:
        missing = sorted(set(years) - set(budget.loc[budget["funder"] == funder, "year"]))
        if missing:
            raise InputError(str(folder / "budget.csv"), f"funder '{funder}' of funders.csv has no envelope for "
                                                         f"{missing[0]} (every body needs every year {years[0]}-"
                                                         f"{years[-1]}, 0 EUR if none)", column="year")


def _check_levers(folder: Path, tables: dict[str, pd.DataFrame]) -> None:
    """levers.csv has rows, names levers of the model (:data:`~gpec.schema.LEVERS`) and funders of
    budget.csv; every lever of pathways.csv has a funder."""
    funders = set(tables["budget.csv"]["funder"])
    lev = tables["levers.csv"]
    if lev.empty:  # every lever unfunded would decide nothing, silently
        raise InputError(str(folder / "levers.csv"), "no lever has a funder (a row per lever and funder; "
                         "gpec solve --no-levers solves the baseline alone)", column="lever")
    for i, row in enumerate(lev.itertuples(index=False), start=1):
        if row.lever not in LEVERS:
            raise InputError(str(folder / "levers.csv"), f"unknown lever '{row.lever}' (levers: {', '.join(LEVERS)})",
                             row=i, column="lever")
        if row.funder not in funders:
            raise InputError(str(folder / "levers.csv"), f"unknown funder '{row.funder}' (not in budget.csv)", row=i,
                             column="funder")
    if "pathways.csv" in tables:
        funded = set(lev["lever"])
        for i, lever in enumerate(tables["pathways.csv"]["lever"], start=1):
            if lever not in funded:
                raise InputError(str(folder / "pathways.csv"), f"lever '{lever}' has no funder in levers.csv", row=i,
                                 column="lever")


def _minutes_per_km(params: pd.DataFrame) -> float:
    value = params.set_index("name")["value"]
    return float(value.get("road_detour_factor", 1.0)) / float(value.get("avg_speed_kmh", 60.0))


def _sha256(folder: Path) -> str:
    """Digest of the instance files (names and bytes), to tie a result to the data it came from."""
    h = hashlib.sha256()
    for path in sorted([folder / "instance.yaml", *(folder / f for f in SCHEMAS if (folder / f).is_file())]):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()
