"""Shared fixtures: a writer of small instances (tests build their own by hand) and the Landes paths."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from gpec.domains import DOMAINS
from gpec.geo.distance import great_circle_km
from gpec.instance import load_instance

ROOT = Path(__file__).resolve().parents[1]
LANDES = ROOT / "instances" / "landes"

#: Parameter defaults of the small hand-made instances (one métier "as" unless told otherwise).
TINY_PARAMETERS = {
    "retire_rate": 0.05, "exit_rate": 0.05, "unmet_weight": 1.0, "training_years": 1, "dropout": 0.1,
    "cost_training_place": 1000.0, "cost_apprentice": 2000.0,
}
TINY_SCALARS = {
    "apprentice_conversion": 1.0, "retain_local": 1.0, "decay_km": 30.0,
    # travel: 1 minute per great-circle km (detour 1, 60 km/h)
    "road_detour_factor": 1.0, "avg_speed_kmh": 60.0,
    "cost_qvct_officer": 50_000.0, "qvct_structures_per_officer": 2, "qvct_radius_min": 30.0, "eff_qvct_exit": 0.0,
    "cost_vehicle": 3000.0, "cofund_mobility": 0.0, "eff_vehicle_exit": 0.0, "eff_vehicle_hire": 0.0,
    "vehicle_max_density": 100.0, "vehicle_max_share": 0.0,
    "pool_coordination": 0.0, "pool_radius_min": 30.0, "eff_pool_fill": 1.0, "pool_max_share": 0.0,
    "pool_trips_per_year": 200.0, "travel_cost_per_minute": 0.0,
    # strictly yearly envelopes: the known answers are derived year by year
    "budget_carry_over": 0.0,
}


def sweep_range(name: str, value: float) -> dict:
    """The ``low``-``high`` of a hand-made record: from 0 (or lower) to 1e9 (or higher), as far as the
    parameter's domain goes (:mod:`gpec.domains`), and always around ``value``."""
    domain = DOMAINS[name]
    low = next(x for x in (min(value, 0), domain.low, value) if domain.admits(x))
    high = next(x for x in (max(value, 1e9), domain.high, value) if domain.admits(x))
    return {"low": low, "high": high}


def write_instance(folder: Path, *, bassins: list[tuple[str, float, float]], need: dict, stock0: dict,
                   inflow: dict, years: tuple[int, int], metiers=("as",), params: dict | None = None,
                   training_cap: dict | None = None, apprentice_cap: dict | None = None,
                   budget: dict | None = None, structures: list | None = None, staff: dict | None = None,
                   travel: dict | None = None, density: dict | None = None, population: dict | None = None,
                   pathways: list | None = None, pathway_funders: dict | None = None,
                   labour_pool: dict | None = None, labour_pool_share: float | None = None,
                   horizon: tuple[int, int] | None = None) -> Path:
    """Write a complete instance folder.

    ``bassins``: (code, lon, lat); ``need``: {(bassin, metier, year): FTE}; ``stock0``: {(bassin, metier):
    FTE at the first year}; ``inflow``: {(bassin, metier, year): baseline inflow}; ``training_cap`` and
    ``apprentice_cap``: {(bassin, metier): units per year}; ``budget``: {funder: EUR per year};
    ``params``: {name: value or {metier: value}} overriding :data:`TINY_PARAMETERS`/:data:`TINY_SCALARS`;
    ``structures``: [(id, bassin, lon, lat, places)]; ``staff``: {(structure, metier): FTE};
    ``travel``: {(origin, destination): minutes} (default: 1 minute per great-circle km);
    ``density``: {bassin: inhabitants per km2} (default 50); ``population``: {bassin: inhabitants}
    (default 1,000). ``years`` are the data years; ``horizon`` the decision years (default: all of them;
    data years after it are the model's tail).

    Pathways (all optional; nothing is written when absent): ``pathways`` is a list of rows of
    ``pathways.csv`` with their four parameters, each a dict (keys as :data:`PATHWAY_COLUMNS`, ``years``,
    ``success``, ``cost``, ``cap_rate``; ``reservoir``, ``from_metier``, ``cap_basis``,
    ``draws_labour_pool``, ``whole_places``, ``source`` may be left out, see :func:`pathway_row`) or a
    tuple in the order of :data:`PATHWAY_COLUMNS` without ``source``, then years, success, cost, cap_rate.
    With pathways, ``levers.csv`` gets a row per pathway lever with its funder from
    :data:`PATHWAY_FUNDERS`, overridden by ``pathway_funders`` ({lever: funder}; ``None`` leaves the
    lever without a funder). ``labour_pool``: {(bassin, metier): jobseekers} writes ``labour_pool.csv``;
    ``labour_pool_share`` writes the scalar parameter (given separately, so a test can leave it out).
    """
    folder.mkdir(parents=True, exist_ok=True)
    first, last = years
    yrs = range(first, last + 1)
    params = {**TINY_PARAMETERS, **TINY_SCALARS, **(params or {})}
    (folder / "instance.yaml").write_text(yaml.safe_dump({"name": folder.name, "base_year": first,
                                                          "horizon": list(horizon or (first, last))}))
    src = "test"
    density = density or {}
    population = population or {}
    pd.DataFrame([dict(bassin=b, name=f"B{b}", dep_pole="99", population=population.get(b, 1000), pop75=100,
                       pop85=30, lon=lon,
                       lat=lat, density=density.get(b, 50.0), source=src) for b, lon, lat in bassins]).to_csv(
        folder / "bassins.csv", index=False)
    pd.DataFrame([dict(metier=m, label=m, rome="X0000", training_route="test", source=src) for m in metiers]).to_csv(
        folder / "metiers.csv", index=False)
    pd.DataFrame([dict(structure=i, name=i, category="ehpad", statut="public", bassin=b, lon=lon, lat=lat,
                       places=p, source=src) for i, b, lon, lat, p in (structures or [])],
                 columns=["structure", "name", "category", "statut", "bassin", "lon", "lat", "places",
                          "source"]).to_csv(folder / "structures.csv", index=False)
    pd.DataFrame([dict(structure=i, metier=m, staff_fte=v, source=src) for (i, m), v in (staff or {}).items()],
                 columns=["structure", "metier", "staff_fte", "source"]).to_csv(folder / "structure_staff.csv",
                                                                                index=False)
    travel = travel or {}
    pd.DataFrame([dict(origin=o, destination=d,
                       minutes=0.0 if o == d else travel.get((o, d), great_circle_km(lo, la, lo2, la2)), source=src)
                  for o, lo, la in bassins for d, lo2, la2 in bassins]).to_csv(folder / "travel.csv", index=False)
    rows = []
    for name, value in params.items():
        values = value if isinstance(value, dict) else ({m: value for m in metiers} if name in TINY_PARAMETERS
                                                         else {"": value})
        for key, v in values.items():
            rows.append(dict(name=name, key=key, value=v, **sweep_range(name, v), unit="-",
                             confidence="ass", source="assumption", note=""))
    paths = [pathway_row(p) for p in (pathways or [])]
    for p in paths:
        for name in ("years", "success", "cost", "cap_rate"):
            v = p[name]
            rows.append(dict(name=f"pathway_{name}", key=p["pathway"], value=v, **sweep_range(f"pathway_{name}", v),
                             unit="-", confidence="ass", source="assumption", note=""))
    if labour_pool_share is not None:
        v = labour_pool_share
        rows.append(dict(name="labour_pool_share", key="", value=v, **sweep_range("labour_pool_share", v), unit="-",
                         confidence="ass", source="assumption", note=""))
    pd.DataFrame(rows).to_csv(folder / "parameters.csv", index=False)
    if pathways is not None:
        pd.DataFrame([{c: p[c] for c in PATHWAY_COLUMNS} for p in paths], columns=list(PATHWAY_COLUMNS)).to_csv(
            folder / "pathways.csv", index=False)
    if labour_pool is not None:
        pd.DataFrame([dict(bassin=b, metier=m, rome="X0000", jobseekers=j, tension=3, source=src)
                      for (b, m), j in labour_pool.items()],
                     columns=["bassin", "metier", "rome", "jobseekers", "tension", "source"]).to_csv(
            folder / "labour_pool.csv", index=False)
    codes = [b for b, _, _ in bassins]
    pd.DataFrame([dict(bassin=b, metier=m, setting="all", stock_fte=stock0[(b, m)], source=src)
                  for b in codes for m in metiers]).to_csv(folder / "stock.csv", index=False)
    pd.DataFrame([dict(bassin=b, metier=m, year=y, need_fte=need[(b, m, y)], source=src)
                  for b in codes for m in metiers for y in yrs]).to_csv(folder / "need.csv", index=False)
    survive = {m: 1 - _get(params["retire_rate"], m) - _get(params["exit_rate"], m) for m in metiers}
    base_rows = []
    for b in codes:
        for m in metiers:
            s = stock0[(b, m)]
            for y in yrs:
                i = 0.0 if y == first else inflow[(b, m, y)]
                s = s if y == first else survive[m] * s + i
                base_rows.append(dict(bassin=b, metier=m, year=y, stock_fte=s, school_output_fte=0.0,
                                      ordinary_hiring_fte=i, source=src))
    pd.DataFrame(base_rows).to_csv(folder / "baseline.csv", index=False)
    pd.DataFrame([dict(bassin=b, metier=m, max_places_per_year=c, source=src)
                  for (b, m), c in (training_cap or {}).items()],
                 columns=["bassin", "metier", "max_places_per_year", "source"]).to_csv(
        folder / "training_capacity.csv", index=False)
    pd.DataFrame([dict(bassin=b, metier=m, max_contracts_per_year=c, source=src)
                  for (b, m), c in (apprentice_cap or {}).items()],
                 columns=["bassin", "metier", "max_contracts_per_year", "source"]).to_csv(
        folder / "apprenticeship_capacity.csv", index=False)
    budget = budget or {"region": 0.0, "departement": 0.0}
    pd.DataFrame([dict(funder=f, year=y, eur=e, source=src) for f, e in budget.items() for y in yrs]).to_csv(
        folder / "budget.csv", index=False)
    funders = {**PATHWAY_FUNDERS, **(pathway_funders or {})} if pathways is not None else {}
    pd.DataFrame([dict(lever="training", funder="region", source=src)]
                 + [dict(lever=lv, funder="departement", source=src)
                    for lv in ("apprenticeship", "qvct", "vehicles", "pools")]
                 + [dict(lever=lv, funder=f, source=src) for lv, f in funders.items() if f is not None]).to_csv(
        folder / "levers.csv", index=False)
    return folder


#: Columns of ``pathways.csv`` in file order.
PATHWAY_COLUMNS = ("pathway", "lever", "reservoir", "mode", "from_metier", "to_metier", "cap_basis",
                   "draws_labour_pool", "whole_places", "source")
#: Default funder of each pathway lever in the small instances.
PATHWAY_FUNDERS = {"promotion": "region", "vae": "departement", "reconversion": "region",
                   "immersion": "departement", "social": "departement"}
_DEFAULT_RESERVOIR = {"promotion": "transitional", "vae": "transitional", "reconversion": "transitional",
                      "immersion": "primary", "social": "social"}


def pathway_row(spec) -> dict:
    """One pathway as a dict: a dict spec gets defaults for the columns it leaves out (reservoir by lever,
    no from_metier, cap basis source_stock when there is a from_metier else target_stock, no labour-pool
    draws, whole places per bassin, source ``test``); a tuple spec gives every column but ``source``,
    then years, success, cost, cap_rate."""
    if not isinstance(spec, dict):
        names = [c for c in PATHWAY_COLUMNS if c != "source"] + ["years", "success", "cost", "cap_rate"]
        if len(spec) != len(names):
            raise ValueError(f"a pathway tuple has {len(names)} fields ({', '.join(names)}), got {len(spec)}")
        spec = dict(zip(names, spec))
    row = {"from_metier": "", "draws_labour_pool": 0, "whole_places": "bassin", "source": "test", **spec}
    row.setdefault("reservoir", _DEFAULT_RESERVOIR.get(row["lever"], "transitional"))
    row.setdefault("cap_basis", "source_stock" if row["from_metier"] else "target_stock")
    return row


def _get(value, metier):
    return value[metier] if isinstance(value, dict) else value


@pytest.fixture
def landes_path() -> Path:
    return LANDES


# -- hand-solved instances shared by several test modules ---------------------------------------------
#: The one bassin of :func:`tiny`.
TINY_BASSIN = "00001"
#: The spatial cases' bassins (A, B, C) and data years (``test_spatial_levers.py``).
SPATIAL_BASSINS = ("00001", "00002", "00003")
SPATIAL_YEARS = (2026, 2028)


def _spatial_years(first=SPATIAL_YEARS[0]):
    return range(first, SPATIAL_YEARS[1] + 1)


def write_tiny(folder: Path) -> Path:
    """Write the hand-solved instance of ``test_known_answer.py`` (one bassin, one métier, 2026-2029;
    optimum 19.56 FTE-years, 10,000 EUR) into ``folder``; returns it."""
    B = TINY_BASSIN
    write_instance(
        folder, bassins=[(B, 0.0, 45.0)], years=(2026, 2029),
        need={(B, "as", 2026): 100, (B, "as", 2027): 110, (B, "as", 2028): 120, (B, "as", 2029): 106},
        stock0={(B, "as"): 100.0}, inflow={(B, "as", y): 10.0 for y in (2027, 2028, 2029)},
        training_cap={(B, "as"): 5}, apprentice_cap={(B, "as"): 2},
        budget={"region": 3500.0, "departement": 3000.0},
    )
    return folder


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """The hand-solved instance of ``test_known_answer.py`` (:func:`write_tiny`), loaded."""
    return load_instance(write_tiny(tmp_path_factory.mktemp("tiny") / "tiny"))


@pytest.fixture(scope="module")
def pools_case(tmp_path_factory):
    """Three bassins on a line, A -25 min- B -25 min- C; pool radius 30 min: only a pool based in B reaches
    both A and C. Need 0.5 FTE in A and in C, nothing in post, nothing in B. One pool FTE a year (budget
    10,000 EUR, salary 10,000): based in B it covers both (0.5 + 0.5), based in A or C only half.
    Pools work from the second year: unmet 1.0 in 2026, 0 after; without pools 3 x 1.0 = 3.0."""
    A, B, C = SPATIAL_BASSINS
    folder = tmp_path_factory.mktemp("pools") / "pools"
    bassins = [(A, 0.0, 45.0), (B, 0.3, 45.0), (C, 0.6, 45.0)]
    travel = {(A, B): 25, (B, A): 25, (B, C): 25, (C, B): 25, (A, C): 50, (C, A): 50}
    need = {(b, "as", y): (0.0 if b == B else 0.5) for b in (A, B, C) for y in _spatial_years()}
    write_instance(folder, bassins=bassins, years=SPATIAL_YEARS, need=need, travel=travel,
                   stock0={(b, "as"): 0.0 for b in (A, B, C)},
                   inflow={(b, "as", y): 0.0 for b in (A, B, C) for y in _spatial_years(2027)},
                   params={"cost_pool_fte": {"as": 10_000.0}, "pool_max_share": 1.0, "eff_pool_fill": 1.0},
                   budget={"region": 0.0, "departement": 10_000.0})
    return load_instance(folder)


@pytest.fixture(scope="module")
def qvct_case(tmp_path_factory):
    """Two EHPAD (10 FTE of aides-soignants each) within the 30-minute radius of bassin A (10 and 20 km), a
    third in bassin B, 40 km away. K = 2 structures a post, one post a year affordable (50,000 EUR).
    Exit rate 0.2 (no retirement), effect 0.5: a served structure keeps 0.5 x 0.2 x 10 = 1 FTE more the
    next year. Both bassins are short (stock 100, need 120, baseline inflow 20 keeps the stock at 100).
    A post in A (2 structures) retains 2 FTE a year, one in B only 1: posts in A in 2026 and 2027.
    Unmet 2 x 3 x 20 = 120 without posts; with them 120 - 2 (2027) - (0.8 x 2 + 2) (2028) = 114.4."""
    A, B, C = SPATIAL_BASSINS
    folder = tmp_path_factory.mktemp("qvct") / "qvct"
    bassins = [(A, 0.0, 45.0), (B, 0.0, 45.36)]  # 40 km apart
    structures = [("S1", A, 0.127, 45.0, 50), ("S2", A, 0.254, 45.0, 50), ("S3", B, 0.0, 45.36, 50)]
    write_instance(folder, bassins=bassins, years=SPATIAL_YEARS, structures=structures,
                   staff={(s, "as"): 10.0 for s in ("S1", "S2", "S3")},
                   need={(b, "as", y): 120.0 for b in (A, B) for y in _spatial_years()},
                   stock0={(b, "as"): 100.0 for b in (A, B)},
                   inflow={(b, "as", y): 20.0 for b in (A, B) for y in _spatial_years(2027)},
                   params={"retire_rate": 0.0, "exit_rate": 0.2, "eff_qvct_exit": 0.5},
                   budget={"region": 0.0, "departement": 50_000.0})
    return load_instance(folder)


@pytest.fixture(scope="module")
def vehicles_case(tmp_path_factory):
    """Aides à domicile in two bassins, A rural (50 inhabitants/km2), B dense (500 > threshold 100).
    Stock 30, need 40, exit 0.2 kept at 30 by a baseline inflow of 6. A vehicle cuts its driver's exit
    rate by half (0.5 x 0.2 = 0.1 FTE) and brings 0.4 hires: 0.5 FTE the next year. Fleet at most
    10 % of 30 = 3 in A, none in B; budget 6,000 EUR = 2 vehicles a year at 3,000 EUR.
    Unmet without vehicles 2 x 3 x 10 = 60; with 2 in A in 2026 and 2027: 60 - 1.0 - (0.8 + 1.0) = 57.2."""
    A, B, C = SPATIAL_BASSINS
    folder = tmp_path_factory.mktemp("vehicles") / "vehicles"
    write_instance(folder, bassins=[(A, 0.0, 45.0), (B, 0.5, 45.0)], years=SPATIAL_YEARS, metiers=("adv",),
                   density={A: 50.0, B: 500.0},
                   need={(b, "adv", y): 40.0 for b in (A, B) for y in _spatial_years()},
                   stock0={(b, "adv"): 30.0 for b in (A, B)},
                   inflow={(b, "adv", y): 6.0 for b in (A, B) for y in _spatial_years(2027)},
                   params={"retire_rate": 0.0, "exit_rate": 0.2, "eff_vehicle_exit": 0.5, "eff_vehicle_hire": 0.4,
                           "vehicle_max_share": 0.1},
                   budget={"region": 0.0, "departement": 6_000.0})
    return load_instance(folder)
