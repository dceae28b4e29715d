"""Independent check of a solution: recompute everything from the decision tables and the instance.

Written without the model builder or the solvers (a test pins that nothing from ``gpec.models`` or
``gpec.solvers`` is imported): it re-derives what each decision delivers and costs from the instance
parameters, runs the stock recursion year by year over the horizon and its ``tail_years`` (decisions are
taken in the horizon; the tail counts what they deliver after it), recomputes unmet need, spending per
funder and year (with ``budget_carry_over`` x the unspent euros of earlier years available) and the
objective, and lists every violation with its family and label (bassin, métier, year).

Families: ``integrality`` (whole units per bassin, or in the territory's zones for pathways with
``whole_places = territory``), ``capacity`` (lever capacities, pathway caps, fleet limits, vehicle
drivers within the stock, unknown levers, métiers or pathways), ``horizon``, ``coverage`` (QVCT: radius, one post per structure, at
most K structures a post), ``pool`` (pool radius, capacity, share of need), ``funding`` (spend by a funder
not allowed for the lever or outside its territory, or spend not equal to the lever's cost in a zone),
``budget``, ``stock_balance``
(reported stock differs from the recomputed one), ``stock_nonnegative``, ``need`` (reported unmet need
differs from max(0, need - stock - pool cover)), ``labour_pool`` (people recruited in a bassin and year
above ``labour_pool_share`` x its jobseekers), ``objective``, ``cost`` (both recomputed in floating point
from the tables and the instance, never from the solver's numbers: a reported value that differs, or is
not a finite number, is a violation, so an overflow in a solver cannot pass with none).

Pathways (promotion, VAE, reconversion, immersion, social) are re-derived from ``pathways.csv`` and their
parameters: a school-based promotion takes the person out of the source métier in its start year and
returns failures to it when the course ends; a VAE moves the successful candidates when it ends; an
external pathway adds its successes to the target métier when it ends.

Territories: when the instance has ``funders.csv`` and ``bassins.csv`` has ``dep``, every decision is
located in the département (zone) of its bassin (a training place at its site, a pool and its travel
where it is based), and a funder may pay only in its own: a ``departement`` body for bassins whose
``dep`` is its territory, a ``region`` or ``ars`` body for those whose ``reg`` is. The ``spend`` table's
``zone`` column says where each euro is paid; spending per (lever, zone, year) must equal the cost of the
decisions located there, and places whole in the territory are whole in each zone. Without them, the
instance is one zone (empty ``zone``) where every funder pays.
"""

from __future__ import annotations

import functools
import math
import sys
import types
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gpec.geo.reach import pair_minutes
from gpec.geo.settlement import graduate_destinations
from gpec.lever_names import LEVERS, PATHWAY_LEVERS
from gpec.stock import stock_path

ABS_TOL = 1e-5
REL_TOL = 1e-6
#: The levers a decision may name: the vocabulary of the model's levers, not their builders.
KNOWN_LEVERS = LEVERS
CAPACITY_TABLES = {
    "training": ("training_capacity.csv", "max_places_per_year"),
    "apprenticeship": ("apprenticeship_capacity.csv", "max_contracts_per_year"),
}
KEY = ["bassin", "metier", "year"]


@dataclass
class Evaluation:
    """Recomputed quantities and the violations found (empty table = the solution is valid)."""

    violations: pd.DataFrame
    stock: pd.Series
    unmet: pd.Series
    objective: float
    cost: float
    spend: pd.Series

    @property
    def ok(self) -> bool:
        return self.violations.empty


class _Findings(list):
    def flag(self, family: str, label, detail: str) -> None:
        if not isinstance(label, str):
            label = " ".join(str(x) for x in label)
        self.append({"family": family, "label": label, "detail": detail})


def evaluate(instance, result) -> Evaluation:
    """Check ``result`` (a :class:`gpec.results.Result` or any object with the same tables) against ``instance``."""
    first, last = result.horizon
    end = last + int(getattr(result, "tail_years", 0) or 0)  # the model runs on over the tail years
    found = _Findings()
    decisions = _table(result, "decisions", ["lever", "pathway", "bassin", "metier", "year", "units"])
    decisions["pathway"] = decisions["pathway"].fillna("").astype(str) if "pathway" in decisions else ""
    coverage = _table(result, "coverage", ["structure", "host", "year"])
    flows = _table(result, "pool_flows", ["origin", "destination", "metier", "year", "fte"])
    zone_of, scope = _zones(instance)
    decisions = _check_decisions(instance, decisions, (first, last), end, found)

    inflows = pd.concat([_training_inflows(instance, decisions), _apprentice_inflows(instance, decisions),
                         _qvct_inflows(instance, decisions, coverage, found), _vehicle_inflows(instance, decisions),
                         _pathway_inflows(instance, decisions)])
    cover = _pool_cover(instance, decisions, flows, (first, last), found)
    lever_cost = _lever_costs(instance, decisions, flows, zone_of)

    stock = stock_path(instance, (first, end), inflows)
    need = instance.need().reindex(stock.index)
    covered = cover.reindex(stock.index).fillna(0.0)
    unmet = (need - stock - covered).clip(lower=0.0)
    weight = stock.index.get_level_values("metier").map(instance.param_by_metier("unmet_weight")).to_numpy(float)
    objective = float((weight * unmet.to_numpy()).sum())
    for label, value in stock[stock < -ABS_TOL].items():
        found.flag("stock_nonnegative", label, f"stock {value:.4f} FTE")
    _check_drivers(decisions, stock, found)
    _check_labour_pool(instance, result, decisions, (first, last), found)

    spend_by_funder = _check_spending(instance, result, lever_cost, scope, (first, end), found)
    _check_reported_workforce(result, stock, unmet, found)
    _check_reported_transitions(instance, result, decisions, stock, covered, found)
    if not _close(result.objective, objective, rel=1e-6):
        found.flag("objective", "unmet", f"reported {result.objective:.6f} != recomputed {objective:.6f} FTE-years")
    in_horizon = [first <= y <= end for _, _, y in lever_cost.index]
    cost = math.fsum(lever_cost[in_horizon]) if len(lever_cost) else 0.0  # float, from the tables: no overflow
    reported_cost = getattr(result, "cost", None)  # a reported cost that is not a finite number is flagged
    if reported_cost is not None and not _close(float(reported_cost), cost, rel=1e-6):
        found.flag("cost", "total", f"reported {float(reported_cost):,.2f} != recomputed {cost:,.2f} EUR")

    violations = pd.DataFrame(list(found), columns=["family", "label", "detail"])
    return Evaluation(violations, stock, unmet, objective, cost, spend_by_funder)


# -- territories ------------------------------------------------------------------------------------

def _zones(instance) -> tuple[dict, dict | None]:
    """The zone (département) of each bassin and the zones each body of ``funders.csv`` may pay in, read
    from ``bassins.csv`` (``dep``, ``reg``) and ``funders.csv`` (``kind``, ``territory``); without either,
    every bassin is in zone '' and ``None`` says that every funder pays everywhere. A funder missing from
    ``funders.csv``, of another kind, or a région body without a ``reg`` column, pays everywhere."""
    bassins = instance.bassins
    bodies = instance.tables.get("funders.csv")
    if bodies is None or "dep" not in bassins:
        return {b: "" for b in bassins["bassin"]}, None
    zone_of = dict(zip(bassins["bassin"], bassins["dep"]))
    every = set(zone_of.values())
    scope = {}
    for body in bodies.itertuples(index=False):
        column = {"departement": "dep", "region": "reg", "ars": "reg"}.get(body.kind)
        if column is None or column not in bassins:
            scope[body.funder] = every
        else:
            scope[body.funder] = {zone_of[b] for b, where in zip(bassins["bassin"], bassins[column])
                                  if where == body.territory}
    return zone_of, scope


# -- decisions --------------------------------------------------------------------------------------

def _check_decisions(instance, decisions: pd.DataFrame, horizon, end: int, found: _Findings) -> pd.DataFrame:
    """Integrality, known lever and métier, horizon (decided in it, delivering by the last model year
    ``end``), capacities; returns the rows that can be evaluated."""
    first, last = horizon
    lag = instance.param_by_metier("training_years")
    pool_metiers = set(instance.param_by_metier("cost_pool_fte").index)
    paths = instance.pathways().set_index("pathway")
    path_of = paths.to_dict("index")  # row lookups in plain dicts: pandas' .loc per row is slow
    trained = set(lag.index)
    usable = np.ones(len(decisions), bool)
    for i, row in enumerate(decisions.itertuples(index=False)):
        label = f"{row.lever} {row.pathway + ' ' if row.pathway else ''}{row.bassin} {row.metier} {row.year}"
        if not np.isfinite(row.units):
            found.flag("integrality", label, f"units '{row.units}' is not a number")
            usable[i] = False
            continue
        path = path_of.get(row.pathway)
        whole_in_bassin = path is None or path["whole_places"] == "bassin"
        if whole_in_bassin and abs(row.units - round(row.units)) > 1e-6:
            found.flag("integrality", label, f"{row.units} units is not a whole number")
        if row.units < -ABS_TOL:
            found.flag("capacity", label, f"negative units {row.units}")
        if row.lever not in KNOWN_LEVERS:
            found.flag("capacity", label, f"unknown lever '{row.lever}'")
            usable[i] = False
        elif row.lever in CAPACITY_TABLES and (row.metier not in trained or lag.get(row.metier, 0) < 1):
            found.flag("capacity", label, f"metier '{row.metier}' is unknown or has no training route")
            usable[i] = False
        elif row.lever == "pools" and row.metier not in pool_metiers:
            found.flag("capacity", label, f"metier '{row.metier}' has no pool salary (cost_pool_fte)")
            usable[i] = False
        elif row.lever == "vehicles" and row.metier not in ("adv", ""):
            found.flag("capacity", label, "vehicles are for aides à domicile (adv)")
        elif row.lever in PATHWAY_LEVERS and (path is None or path["lever"] != row.lever
                                              or path["to_metier"] != row.metier):
            found.flag("capacity", label, f"no pathway '{row.pathway}' of lever {row.lever} to metier {row.metier}")
            usable[i] = False
            continue
        if row.lever in PATHWAY_LEVERS:
            earliest = first + 1 if path["mode"] == "out_of_post" else first
            years, why = (earliest, min(last, end - int(path["years"]))), ("decided in the horizon, it must deliver "
                                                                         "by the end of its tail" + (
                "; a school-based promotion leaves a post, the first year's staff are fixed"
                if path["mode"] == "out_of_post" else ""))
        elif row.lever in ("qvct", "vehicles"):  # the effect lands the next year
            years, why = (first, min(last, end - 1)), "decided in the horizon; the effect lands the next year"
        elif row.lever == "pools":
            years, why = (first + 1, last), "a pool takes a year to set up"
        else:
            years, why = (first, min(last, end - int(lag.get(row.metier, 0)))), ("decided in the horizon, it must "
                                                                                 "deliver by the end of its tail")
        if not years[0] <= row.year <= years[1]:
            found.flag("horizon", label, f"start year outside {years[0]}-{years[1]} ({why})")
    decisions = decisions[usable]
    _check_pathway_places(instance, decisions, paths, first, found)
    # several rows for the same key add up: capacities apply to their sum
    per_key = decisions[~decisions["lever"].isin(PATHWAY_LEVERS)].groupby(
        ["lever", "bassin", "metier", "year"], as_index=False)["units"].sum()
    fleet = _fleet_max(instance, first)
    caps = {lever: {(b, m): float(v) for b, m, v in instance.table(file)[["bassin", "metier", column]].itertuples(
        index=False)} for lever, (file, column) in CAPACITY_TABLES.items() if lever in set(per_key["lever"])}
    for row in per_key.itertuples(index=False):
        label = f"{row.lever} {row.bassin} {row.metier} {row.year}"
        if row.lever in CAPACITY_TABLES:
            limit, what = caps[row.lever].get((row.bassin, row.metier), 0.0), CAPACITY_TABLES[row.lever][0]
        elif row.lever == "vehicles":
            limit, what = float(fleet.get(row.bassin, 0)), "vehicle_max_share / vehicle_max_density"
        else:
            continue
        if row.units > limit + ABS_TOL:
            found.flag("capacity", label, f"{row.units:g} units above {limit:g} ({what})")
    return decisions


def _check_pathway_places(instance, decisions, paths: pd.DataFrame, first: int, found: _Findings) -> None:
    """Each bassin's yearly cap, cap_rate x basis (basis: first-year baseline stock of the source or target
    métier, or population in thousands), rounded half up for places whole per bassin; for places whole
    in the territory, a whole number per (pathway, zone, year) within the zone's bassins' caps summed and
    rounded (one zone without funders' territories)."""
    mine = decisions[decisions["lever"].isin(PATHWAY_LEVERS)]
    if mine.empty:
        return
    stock = instance.baseline()["stock_fte"].xs(first, level="year").to_dict()
    population = dict(zip(instance.bassins["bassin"], instance.bassins["population"]))
    rows = paths.to_dict("index")  # pathway -> its row (dict look-ups: thousands of them)

    @functools.cache
    def cap(bassin, pathway) -> float:
        p = rows[pathway]
        if p["cap_basis"] == "population":
            basis = float(population.get(bassin, 0.0)) / 1000.0
        else:
            metier = p["from_metier"] if p["cap_basis"] == "source_stock" else p["to_metier"]
            basis = float(stock.get((bassin, metier), 0.0))
        return p["cap_rate"] * basis

    zone_of, _ = _zones(instance)  # places whole in the territory: whole in each zone
    summed: dict[tuple, float] = {}
    for p in set(mine["pathway"]):
        for b in instance.bassins["bassin"]:
            summed[(p, zone_of[b])] = summed.get((p, zone_of[b]), 0.0) + cap(b, p)

    def territory_cap(pathway, zone) -> float:
        return float(np.floor(summed[(pathway, zone)] + 0.5))

    def bassin_cap(bassin, pathway) -> float:
        raw = cap(bassin, pathway)
        if rows[pathway]["whole_places"] != "territory":
            return float(np.floor(raw + 0.5))
        total = summed[(pathway, zone_of[bassin])]  # the caps are scaled so that the rounded total is reachable
        return raw * territory_cap(pathway, zone_of[bassin]) / total if total > 0 else 0.0

    for (bassin, pathway, year), units in mine.groupby(["bassin", "pathway", "year"])["units"].sum().items():
        limit = bassin_cap(bassin, pathway)
        if units > limit + ABS_TOL:
            found.flag("capacity", (pathway, bassin, year), f"{units:g} places above the cap {limit:g} "
                                                            f"(pathway_cap_rate x {rows[pathway]['cap_basis']})")
    territory = mine[mine["pathway"].map(paths["whole_places"]) == "territory"]
    territory = territory.assign(zone=territory["bassin"].map(zone_of))
    where = lambda zone: f" of zone {zone}" if zone else ""
    for (pathway, zone, year), units in territory.groupby(["pathway", "zone", "year"])["units"].sum().items():
        label = (pathway, zone, year) if zone else (pathway, year)
        if abs(units - round(units)) > 1e-5:
            found.flag("integrality", label, f"{units} places in the territory{where(zone)} is not a whole number")
        limit = territory_cap(pathway, zone)
        if units > limit + ABS_TOL:
            found.flag("capacity", label, f"{units:g} places in the territory{where(zone)} above the cap {limit:g}")


def _fleet_max(instance, first: int) -> pd.Series:
    b = instance.bassins.set_index("bassin")
    base = instance.baseline()["stock_fte"]
    if "adv" not in set(instance.metiers["metier"]):
        return pd.Series(0.0, index=b.index)
    adv = base.xs(("adv", first), level=("metier", "year")).reindex(b.index).fillna(0.0)
    cap = np.floor(instance.param("vehicle_max_share") * adv)
    return cap.where(b["density"] <= instance.param("vehicle_max_density"), 0.0)


# -- what decisions deliver ---------------------------------------------------------------------

def _training_inflows(instance, decisions) -> pd.DataFrame:
    t = decisions[decisions["lever"] == "training"]
    if t.empty:
        return pd.DataFrame(columns=KEY + ["fte"])
    lag, dropout = instance.param_by_metier("training_years"), instance.param_by_metier("dropout")
    dest = graduate_destinations(instance).rename("share").reset_index()
    t = t.merge(dest, left_on=["bassin", "metier"], right_on=["site", "metier"], suffixes=("_site", ""))
    return pd.DataFrame({"bassin": t["bassin"], "metier": t["metier"],
                         "year": t["year"] + t["metier"].map(lag).astype(int),
                         "fte": t["units"] * (1 - t["metier"].map(dropout)) * t["share"]})


def _apprentice_inflows(instance, decisions) -> pd.DataFrame:
    a = decisions[decisions["lever"] == "apprenticeship"]
    if a.empty:
        return pd.DataFrame(columns=KEY + ["fte"])
    lag, dropout = instance.param_by_metier("training_years"), instance.param_by_metier("dropout")
    kappa = instance.param("apprentice_conversion")
    return pd.DataFrame({"bassin": a["bassin"], "metier": a["metier"],
                         "year": a["year"] + a["metier"].map(lag).astype(int),
                         "fte": a["units"] * (1 - a["metier"].map(dropout)) * kappa})


def _qvct_inflows(instance, decisions, coverage, found: _Findings) -> pd.DataFrame:
    """Check QVCT coverage (radius, once per structure, K per post) and return the staff it retains."""
    if coverage.empty:
        return pd.DataFrame(columns=KEY + ["fte"])
    radius, K = instance.param("qvct_radius_min"), instance.param("qvct_structures_per_officer")
    got = pair_minutes(instance, coverage)
    for row, m in zip(coverage.itertuples(index=False), got):
        if not m <= radius + 1e-9:  # NaN (unknown structure or bassin) fails too
            found.flag("coverage", (row.structure, row.host, row.year), f"{m:.1f} minutes > radius {radius:g}")
    for (s, y), n in coverage.groupby(["structure", "year"]).size().items():
        if n > 1:
            found.flag("coverage", (s, y), f"structure served by {n} posts")
    posts = decisions[decisions["lever"] == "qvct"].groupby(["bassin", "year"])["units"].sum()
    for (host, y), n in coverage.groupby(["host", "year"]).size().items():
        if n > K * posts.get((host, y), 0) + 1e-9:
            found.flag("coverage", (host, y), f"{n} structures served by {posts.get((host, y), 0):g} post(s) of {K:g}")
    staff = instance.table("structure_staff.csv")
    where = instance.table("structures.csv").set_index("structure")["bassin"]
    c = coverage.merge(staff, on="structure")
    e = instance.param_by_metier("exit_rate")
    return pd.DataFrame({"bassin": c["structure"].map(where), "metier": c["metier"], "year": c["year"] + 1,
                         "fte": instance.param("eff_qvct_exit") * c["metier"].map(e) * c["staff_fte"]})


def _vehicle_inflows(instance, decisions) -> pd.DataFrame:
    v = decisions[decisions["lever"] == "vehicles"]
    if v.empty:
        return pd.DataFrame(columns=KEY + ["fte"])
    per = (instance.param("eff_vehicle_exit") * instance.param_by_metier("exit_rate")["adv"]
           + instance.param("eff_vehicle_hire"))
    return pd.DataFrame({"bassin": v["bassin"], "metier": "adv", "year": v["year"] + 1, "fte": v["units"] * per})


def _pathway_inflows(instance, decisions) -> pd.DataFrame:
    """Stock changes of pathway places: school-based promotions leave the source post at the start and
    return their failures at the end; VAE moves successes at the end; external pathways add successes."""
    d = decisions[decisions["lever"].isin(PATHWAY_LEVERS)]
    if d.empty:
        return pd.DataFrame(columns=KEY + ["fte"])
    p = instance.pathways().set_index("pathway").reindex(d["pathway"])
    end = d["year"].to_numpy() + p["years"].to_numpy().astype(int)
    units, success, source = d["units"].to_numpy(float), p["success"].to_numpy(), p["from_metier"].to_numpy()
    mode = p["mode"].to_numpy()
    frames = [pd.DataFrame({"bassin": d["bassin"].to_numpy(), "metier": d["metier"].to_numpy(), "year": end,
                            "fte": units * success})]
    school, vae = mode == "out_of_post", mode == "in_post"
    bassin = d["bassin"].to_numpy()
    frames.append(pd.DataFrame({"bassin": bassin[school], "metier": source[school], "year": d["year"].to_numpy()[school],
                                "fte": -units[school]}))
    frames.append(pd.DataFrame({"bassin": bassin[school], "metier": source[school], "year": end[school],
                                "fte": units[school] * (1 - success[school])}))
    frames.append(pd.DataFrame({"bassin": bassin[vae], "metier": source[vae], "year": end[vae],
                                "fte": -units[vae] * success[vae]}))
    return pd.concat(frames, ignore_index=True)


def _pool_cover(instance, decisions, flows, horizon, found: _Findings) -> pd.Series:
    """Check pool flows (radius, pool capacity, share of need) and return need covered per cell."""
    if flows.empty:
        return pd.Series(dtype=float)
    first, last = horizon
    radius, fill, share = (instance.param("pool_radius_min"), instance.param("eff_pool_fill"),
                           instance.param("pool_max_share"))
    minutes = instance.travel().reindex(pd.MultiIndex.from_frame(flows[["origin", "destination"]])).to_numpy()
    for row, m in zip(flows.itertuples(index=False), minutes):
        label = (row.origin, row.destination, row.metier, row.year)
        if np.isnan(m):  # a sparse travel.csv leaves out the pairs beyond travel_max_minutes
            found.flag("pool", label, f"no travel time in travel.csv: beyond the pool radius {radius:g}")
        elif not m <= radius + 1e-9:
            found.flag("pool", label, f"{m:.1f} minutes > pool radius {radius:g}")
        if row.fte < -ABS_TOL:
            found.flag("pool", label, f"negative flow {row.fte}")
        if not first < row.year <= last:
            found.flag("pool", label, "flow outside the years pools can work")
    pools = decisions[decisions["lever"] == "pools"].groupby(KEY)["units"].sum()
    out = flows.groupby(["origin", "metier", "year"])["fte"].sum()
    for key, fte in out.items():
        if fte > fill * pools.get(key, 0) + ABS_TOL:
            found.flag("pool", key, f"covers {fte:.3f} FTE with {pools.get(key, 0):g} pool FTE (fill {fill:g})")
    into = flows.groupby(["destination", "metier", "year"])["fte"].sum()
    need = instance.need()
    for key, fte in into.items():
        limit = share * need.get(key, 0.0)
        if fte > limit + ABS_TOL:
            found.flag("pool", key, f"pools cover {fte:.3f} FTE > {share:g} x need = {limit:.3f}")
    into.index = into.index.set_names(KEY)
    return into


def _lever_costs(instance, decisions, flows, zone_of: dict) -> pd.Series:
    """Euros per (lever, zone, year): places and contracts every year of their duration; posts, vehicles
    and pool FTE in their year; pool travel per FTE of need covered; in the zone of the decision's bassin
    (a pool's travel in its origin's)."""
    lag = instance.param_by_metier("training_years").to_dict()
    paths = instance.pathways().set_index("pathway").to_dict("index")
    rows = []
    unit_cost = {"training": instance.param_by_metier("cost_training_place").to_dict(),
                 "apprenticeship": instance.param_by_metier("cost_apprentice").to_dict()}
    pool_salary = instance.param_by_metier("cost_pool_fte").to_dict()
    qvct = instance.param("cost_qvct_officer")
    vehicle = instance.param("cost_vehicle") * (1 - instance.param("cofund_mobility"))
    pool = 1 + instance.param("pool_coordination")
    for row in decisions.itertuples(index=False):
        zone = zone_of.get(row.bassin, "")
        if row.lever in unit_cost:
            for k in range(int(lag.get(row.metier, 0))):
                rows.append((row.lever, zone, row.year + k,
                             row.units * float(unit_cost[row.lever].get(row.metier, 0.0))))
        elif row.lever == "qvct":
            rows.append((row.lever, zone, row.year, row.units * qvct))
        elif row.lever == "vehicles":
            rows.append((row.lever, zone, row.year, row.units * vehicle))
        elif row.lever == "pools":
            rows.append((row.lever, zone, row.year, row.units * float(pool_salary.get(row.metier, 0.0)) * pool))
        elif row.lever in PATHWAY_LEVERS:
            p = paths[row.pathway]
            for k in range(int(p["years"])):
                rows.append((row.lever, zone, row.year + k, row.units * float(p["cost"])))
    if len(flows):
        per_minute = 2 * instance.param("pool_trips_per_year") * instance.param("travel_cost_per_minute")
        minutes = instance.travel().reindex(pd.MultiIndex.from_frame(flows[["origin", "destination"]])).fillna(0.0)
        for origin, year, eur in zip(flows["origin"], flows["year"],
                                     flows["fte"].to_numpy() * minutes.to_numpy() * per_minute):
            rows.append(("pools", zone_of.get(origin, ""), year, eur))
    if not rows:
        return pd.Series(dtype=float, index=pd.MultiIndex.from_tuples([], names=["lever", "zone", "year"]))
    return pd.DataFrame(rows, columns=["lever", "zone", "year", "eur"]).groupby(["lever", "zone", "year"])["eur"].sum()


# -- stock, spending, reported tables -----------------------------------------------------------

def _check_labour_pool(instance, result, decisions, horizon, found: _Findings) -> None:
    """People recruited per (bassin, year) <= labour_pool_share x jobseekers: a contract, a pool FTE or a
    pathway place that recruits counts 1 in its bassin and start year; a training place's entrants are
    spread like its graduates settle."""
    table = instance.tables.get("labour_pool.csv")
    if table is None or decisions.empty:
        return
    first, last = horizon
    pathways = instance.pathways().set_index("pathway")
    recruiting = set(pathways.index[pathways["draws_labour_pool"] == 1])
    direct = decisions[decisions["lever"].isin(["apprenticeship", "pools"]) | decisions["pathway"].isin(recruiting)]
    parts = [direct[["bassin", "year", "units"]]]
    t = decisions[decisions["lever"] == "training"]
    if len(t):
        dest = graduate_destinations(instance).rename("share").reset_index()
        t = t.merge(dest, left_on=["bassin", "metier"], right_on=["site", "metier"], suffixes=("_site", ""))
        parts.append(pd.DataFrame({"bassin": t["bassin"], "year": t["year"], "units": t["units"] * t["share"]}))
    draws = pd.concat(parts).groupby(["bassin", "year"])["units"].sum()
    jobseekers = table.groupby("bassin")["jobseekers"].sum()
    share = instance.param("labour_pool_share")
    for (bassin, year), people in draws.items():
        limit = share * float(jobseekers.get(bassin, 0.0))
        if first <= year <= last and people > limit + ABS_TOL + REL_TOL * limit:
            found.flag("labour_pool", (bassin, year), f"{people:.3f} people recruited > labour_pool_share x "
                                                      f"jobseekers = {limit:.3f}")
    reported = _table(result, "labour_pool", ["bassin", "year", "drawn"])
    for row in reported.itertuples(index=False):
        if not _close(row.drawn, float(draws.get((row.bassin, row.year), 0.0)), rel=1e-6):
            found.flag("labour_pool", (row.bassin, row.year), f"reported {row.drawn:.4f} people drawn != "
                                                              f"recomputed {draws.get((row.bassin, row.year), 0.0):.4f}")


def _check_reported_transitions(instance, result, decisions, stock: pd.Series, covered: pd.Series,
                                found: _Findings) -> None:
    """The reported staff in transition (school-based promotions, by source métier) and flows: per bassin,
    métier and year the stock flows add up to the recomputed change of stock, the pool cover to the
    recomputed cover."""
    first, last = result.horizon
    paths = instance.pathways().set_index("pathway")
    school = decisions[decisions["pathway"].map(paths["mode"]).eq("out_of_post")]
    in_transition = {}
    for row in school.itertuples(index=False):
        for year in range(row.year, row.year + int(paths.loc[row.pathway, "years"])):
            key = (row.bassin, paths.loc[row.pathway, "from_metier"], year)
            in_transition[key] = in_transition.get(key, 0.0) + row.units
    wf = result.workforce
    if len(wf) and "in_transition" in wf:
        for row in wf.itertuples(index=False):
            expected = in_transition.get((row.bassin, row.metier, row.year), 0.0)
            if not _close(row.in_transition, expected):
                found.flag("stock_balance", (row.bassin, row.metier, row.year),
                           f"reported {row.in_transition:.4f} in transition != recomputed {expected:.4f}")
    flows = _table(result, "flows", ["bassin", "metier", "year", "kind", "fte"])
    if flows.empty:
        return
    change = (stock - stock.groupby(level=["bassin", "metier"]).shift(1)).dropna()
    is_cover = flows["kind"] == "cover"
    for name, got, expected in (("stock flows", flows[~is_cover], change), ("pool cover", flows[is_cover], covered)):
        total = got.groupby(KEY)["fte"].sum()
        both = expected.index.union(total.index)
        diff = (total.reindex(both).fillna(0.0) - expected.reindex(both).fillna(0.0)).abs()
        for label in diff.index[diff > 1e-4][:20]:
            found.flag("stock_balance", label, f"reported {name} {total.get(label, 0.0):.4f} != recomputed "
                                               f"{expected.get(label, 0.0):.4f}")


def _check_drivers(decisions, stock: pd.Series, found: _Findings) -> None:
    v = decisions[decisions["lever"] == "vehicles"].groupby(["bassin", "year"])["units"].sum()
    for (b, y), n in v.items():
        s = stock.get((b, "adv", y), 0.0)
        if n > s + ABS_TOL:
            found.flag("capacity", ("vehicles", b, y), f"{n:g} vehicles for {s:.2f} adv FTE in post (drivers)")


def _check_spending(instance, result, lever_cost: pd.Series, scope: dict | None, horizon,
                    found: _Findings) -> pd.Series:
    """Who pays for what, where (``scope``: funder -> zones it may pay in, ``None``: everywhere), spending
    per (lever, zone, year) against the cost of the decisions located there, and the envelopes."""
    first, last = horizon
    spend = _table(result, "spend", ["lever", "funder", "zone", "year", "eur"])
    if "zone" in spend:  # no zone (a table without the column, or empty cells): the one zone ''
        spend["zone"] = spend["zone"].astype(object).where(spend["zone"].notna(), "").astype(str)
    else:
        spend["zone"] = ""
    allowed = set(map(tuple, instance.lever_funders()[["lever", "funder"]].to_numpy()))
    zones = set(lever_cost.index.get_level_values("zone")) | set().union(*(scope or {}).values())
    for row in spend.itertuples(index=False):
        label = (row.lever, row.funder, row.zone, row.year) if row.zone else (row.lever, row.funder, row.year)
        if row.eur > ABS_TOL and (row.lever, row.funder) not in allowed:
            found.flag("funding", label, f"funder may not pay for {row.lever}")
        if row.eur > ABS_TOL and scope is not None:
            mine = scope.get(row.funder)
            if row.zone not in (zones if mine is None else mine):
                where = ", ".join(sorted(mine)) if mine else "none"
                found.flag("funding", label, f"{row.funder} pays in zone '{row.zone}' outside its territory "
                                             f"(its zones: {where})")
        if row.eur < -ABS_TOL:
            found.flag("funding", label, f"negative spend {row.eur}")
    paid = spend.groupby(["lever", "zone", "year"])["eur"].sum()
    for (lever, zone, year), eur in lever_cost.items():
        if first <= year <= last and not _close(paid.get((lever, zone, year), 0.0), eur):
            found.flag("funding", (lever, zone, year) if zone else (lever, year),
                       f"spend {paid.get((lever, zone, year), 0.0):,.2f} EUR != cost {eur:,.2f} EUR")
    for (lever, zone, year), eur in paid.items():
        if (lever, zone, year) not in lever_cost.index and eur > ABS_TOL:
            found.flag("funding", (lever, zone, year) if zone else (lever, year),
                       f"spend {eur:,.2f} EUR with no decision to pay for")
    by_funder = spend.groupby(["funder", "year"])["eur"].sum()
    envelope = instance.budget()
    share = instance.param("budget_carry_over")
    for funder in sorted(set(envelope.index.get_level_values("funder")) | set(by_funder.index.get_level_values(0))):
        carried = 0.0  # euros left unspent in earlier years that may still be spent (at most share x unspent)
        for year in range(first, last + 1):
            eur = float(by_funder.get((funder, year), 0.0))
            cap = float(envelope.get((funder, year), 0.0)) + carried
            if eur > cap + ABS_TOL + REL_TOL * cap:
                found.flag("budget", (funder, year), f"spend {eur:,.2f} EUR exceeds the envelope {cap:,.2f} EUR"
                                                     + (f" (of which {carried:,.2f} carried over)" if carried else ""))
            carried = share * max(0.0, cap - eur)
    return by_funder


def _check_reported_workforce(result, stock: pd.Series, unmet: pd.Series, found: _Findings) -> None:
    if not len(result.workforce):
        found.flag("stock_balance", "workforce", "no workforce table")
        return
    wf = result.workforce.set_index(KEY)
    rep_stock, rep_unmet = wf["stock"].reindex(stock.index), wf["unmet"].reindex(stock.index)
    for label in rep_stock.index[rep_stock.isna()][:20]:
        found.flag("stock_balance", label, "missing from the workforce table")
    present = rep_stock.notna().to_numpy()  # missing rows are reported once, above
    bad = ~_close_arr(rep_stock.to_numpy(), stock.to_numpy()) & present
    for label in stock.index[bad][:20]:
        found.flag("stock_balance", label, f"reported stock {rep_stock[label]:.4f} != recomputed {stock[label]:.4f}")
    bad = ~_close_arr(rep_unmet.to_numpy(), unmet.to_numpy()) & present  # a NaN unmet is flagged too
    for label in stock.index[bad][:20]:
        found.flag("need", label, f"reported unmet {rep_unmet[label]:.4f} != max(0, need - stock - cover) = "
                                  f"{unmet[label]:.4f}")


def _table(result, name: str, columns: list[str]) -> pd.DataFrame:
    table = getattr(result, name, None)
    if table is None or not len(table):
        return pd.DataFrame(columns=columns)
    return table.copy()


def _close(a: float, b: float, rel: float = REL_TOL) -> bool:
    """Whether ``a`` and ``b`` are finite and equal within the tolerances (an infinite or NaN value is never
    close: ``inf`` would be within a relative tolerance of anything)."""
    return math.isfinite(a) and math.isfinite(b) and abs(a - b) <= ABS_TOL + rel * max(abs(a), abs(b))


def _close_arr(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):  # NaN compares unequal, as it should
        return np.abs(a - b) <= 1e-4 + 1e-6 * np.maximum(np.abs(a), np.abs(b))


class _CallableModule(types.ModuleType):
    """This module, callable as :func:`evaluate`. ``gpec.evaluate`` names both the function (a public name of
    :mod:`gpec`) and this module, which Python binds to the same attribute of the package once it is
    imported: ``from gpec import solve, evaluate`` then gets the module, which must check a result too."""

    def __call__(self, instance, result) -> Evaluation:
        return evaluate(instance, result)


sys.modules[__name__].__class__ = _CallableModule
