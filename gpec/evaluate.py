"""Independent check of a solution: recompute everything from the decision tables and the instance.

Written without the model builder or the solvers (a test pins that nothing from ``gpec.models`` or
``gpec.solvers`` is imported): it re-derives what each decision delivers and costs from the instance
parameters, runs the stock recursion year by year, recomputes unmet need, spending per funder and year
and the objective, and lists every violation with its family and label (bassin, métier, year).

Families: ``integrality``, ``capacity``, ``horizon``, ``funding`` (spend by a funder not allowed for the
lever, or spend not equal to the lever's cost), ``budget``, ``stock_balance`` (reported stock differs from
the recomputed one), ``stock_nonnegative``, ``need`` (reported unmet need differs from max(0, need - stock)),
``objective``, ``cost``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from gpec.geo.settlement import graduate_destinations

ABS_TOL = 1e-5
REL_TOL = 1e-6
#: capacity table, capacity column and the bassin column meaning of each lever
LEVER_CAPACITY = {
    "training": ("training_capacity.csv", "max_places_per_year"),
    "apprenticeship": ("apprenticeship_capacity.csv", "max_contracts_per_year"),
}


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


def evaluate(instance, result) -> Evaluation:
    """Check ``result`` (a :class:`gpec.results.Result` or any object with the same tables) against ``instance``."""
    first, last = result.horizon
    years = np.arange(first, last + 1)
    found: list[dict] = []

    def flag(family, label, detail):
        found.append({"family": family, "label": label, "detail": detail})

    decisions = result.decisions.copy() if len(result.decisions) else pd.DataFrame(
        columns=["lever", "bassin", "metier", "year", "units"])
    lag = instance.param_by_metier("training_years")
    dropout = instance.param_by_metier("dropout")

    # -- decisions: integrality, capacity, horizon -----------------------------------------------
    known_metiers = set(instance.metiers["metier"])
    usable = np.ones(len(decisions), bool)
    for i, row in enumerate(decisions.itertuples(index=False)):
        label = f"{row.lever} {row.bassin} {row.metier} {row.year}"
        if not np.isfinite(row.units):
            flag("integrality", label, f"units '{row.units}' is not a number")
            usable[i] = False
        elif abs(row.units - round(row.units)) > 1e-6:
            flag("integrality", label, f"{row.units} units is not a whole number")
        if row.lever not in LEVER_CAPACITY:
            flag("capacity", label, f"unknown lever '{row.lever}'")
            usable[i] = False
        elif row.metier not in known_metiers or lag.get(row.metier, 0) < 1:
            flag("capacity", label, f"metier '{row.metier}' is unknown or has no training route")
            usable[i] = False
        if not first <= row.year <= last:
            flag("horizon", label, f"start year outside the horizon {first}-{last}")
    decisions = decisions[usable]
    # several rows for the same key add up: capacity applies to their sum
    per_key = decisions.groupby(["lever", "bassin", "metier", "year"], as_index=False)["units"].sum()
    for row in per_key.itertuples(index=False):
        file, column = LEVER_CAPACITY[row.lever]
        cap = instance.table(file)
        hit = cap[(cap["bassin"] == row.bassin) & (cap["metier"] == row.metier)][column]
        limit = float(hit.iloc[0]) if len(hit) else 0.0
        if row.units < -ABS_TOL or row.units > limit + ABS_TOL:
            flag("capacity", f"{row.lever} {row.bassin} {row.metier} {row.year}",
                 f"{row.units:g} units outside [0, {limit:g}] ({file})")

    # -- what each decision delivers and costs ---------------------------------------------------
    deliveries = _deliveries(instance, decisions, lag, dropout)
    lever_cost = _lever_costs(instance, decisions, lag)

    # -- funding and budgets ---------------------------------------------------------------------
    spend = result.spend.copy() if len(result.spend) else pd.DataFrame(columns=["lever", "funder", "year", "eur"])
    allowed = set(map(tuple, instance.lever_funders()[["lever", "funder"]].to_numpy()))
    for row in spend.itertuples(index=False):
        if row.eur > ABS_TOL and (row.lever, row.funder) not in allowed:
            flag("funding", f"{row.lever} {row.funder} {row.year}", f"funder may not pay for {row.lever}")
        if row.eur < -ABS_TOL:
            flag("funding", f"{row.lever} {row.funder} {row.year}", f"negative spend {row.eur}")
    paid = spend.groupby(["lever", "year"])["eur"].sum() if len(spend) else pd.Series(dtype=float)
    for (lever, year), eur in lever_cost.items():
        if first <= year <= last and not _close(paid.get((lever, year), 0.0), eur):
            flag("funding", f"{lever} {year}", f"spend {paid.get((lever, year), 0.0):,.2f} EUR != cost {eur:,.2f} EUR")
    for (lever, year), eur in paid.items():
        if (lever, year) not in lever_cost.index and eur > ABS_TOL:
            flag("funding", f"{lever} {year}", f"spend {eur:,.2f} EUR with no decision to pay for")
    by_funder = spend.groupby(["funder", "year"])["eur"].sum() if len(spend) else pd.Series(dtype=float)
    envelope = instance.budget()
    for (funder, year), eur in by_funder.items():
        cap = float(envelope.get((funder, year), 0.0))
        if eur > cap + ABS_TOL + REL_TOL * cap:
            flag("budget", f"{funder} {year}", f"spend {eur:,.2f} EUR exceeds the envelope {cap:,.2f} EUR")

    # -- stock recursion, unmet need, objective --------------------------------------------------
    bassins, metiers = instance.bassins["bassin"], instance.metiers["metier"]
    cells = pd.MultiIndex.from_product([bassins, metiers], names=["bassin", "metier"])
    base = instance.baseline()
    survive = (1 - instance.param_by_metier("retire_rate") - instance.param_by_metier("exit_rate"))
    s_m = cells.get_level_values("metier").map(survive).to_numpy(float)
    stock = {}
    current = base.xs(first, level="year")["stock_fte"].reindex(cells).to_numpy(float)
    stock[first] = current
    for year in years[1:]:
        b = base.xs(year, level="year").reindex(cells)
        inflow = (b["school_output_fte"] + b["ordinary_hiring_fte"]).to_numpy(float)
        lever_in = deliveries.get(year, pd.Series(dtype=float)).reindex(cells).fillna(0.0).to_numpy()
        current = s_m * current + inflow + lever_in
        stock[year] = current
    stock = pd.concat({y: pd.Series(v, index=cells) for y, v in stock.items()}, names=["year"])
    stock = stock.reorder_levels(["bassin", "metier", "year"]).sort_index()
    need = instance.need().reindex(stock.index)
    unmet = (need - stock).clip(lower=0.0)
    weight = stock.index.get_level_values("metier").map(instance.param_by_metier("unmet_weight")).to_numpy(float)
    objective = float((weight * unmet.to_numpy()).sum())

    for label, value in stock[stock < -ABS_TOL].items():
        flag("stock_nonnegative", _lbl(label), f"stock {value:.4f} FTE")
    wf = result.workforce.set_index(["bassin", "metier", "year"]) if len(result.workforce) else None
    if wf is None:
        flag("stock_balance", "workforce", "no workforce table")
    else:
        rep_stock = wf["stock"].reindex(stock.index)
        rep_unmet = wf["unmet"].reindex(stock.index)
        for label in rep_stock.index[rep_stock.isna()][:20]:
            flag("stock_balance", _lbl(label), "missing from the workforce table")
        bad = ~_close_arr(rep_stock.to_numpy(), stock.to_numpy()) & rep_stock.notna().to_numpy()
        for label in stock.index[bad][:20]:
            flag("stock_balance", _lbl(label), f"reported stock {rep_stock[label]:.4f} != recomputed {stock[label]:.4f}")
        present = rep_stock.notna().to_numpy()  # missing rows are reported once, above
        bad = ~_close_arr(rep_unmet.to_numpy(), unmet.to_numpy()) & present  # a NaN unmet is flagged too
        for label in stock.index[bad][:20]:
            flag("need", _lbl(label), f"reported unmet {rep_unmet[label]:.4f} != max(0, need - stock) = {unmet[label]:.4f}")
    if not _close(result.objective, objective, rel=1e-6):
        flag("objective", "unmet", f"reported {result.objective:.6f} != recomputed {objective:.6f} FTE-years")
    cost = float(lever_cost[[first <= y <= last for _, y in lever_cost.index]].sum()) if len(lever_cost) else 0.0
    reported_cost = getattr(result, "cost", np.nan)
    if reported_cost == reported_cost and not _close(reported_cost, cost, rel=1e-6):
        flag("cost", "total", f"reported {reported_cost:,.2f} != recomputed {cost:,.2f} EUR")

    violations = pd.DataFrame(found, columns=["family", "label", "detail"])
    return Evaluation(violations, stock, unmet, objective, cost, by_funder)


def _deliveries(instance, decisions: pd.DataFrame, lag: pd.Series, dropout: pd.Series) -> dict[int, pd.Series]:
    """FTE added to the stock of (bassin, metier) in each year, from the decisions."""
    rows = []
    training = decisions[decisions["lever"] == "training"]
    if len(training):
        dest = graduate_destinations(instance).rename("share").reset_index()
        t = training.merge(dest, left_on=["bassin", "metier"], right_on=["site", "metier"], suffixes=("_site", ""))
        rows.append(pd.DataFrame({
            "bassin": t["bassin"], "metier": t["metier"],
            "year": t["year"] + t["metier"].map(lag).astype(int),
            "fte": t["units"] * (1 - t["metier"].map(dropout)) * t["share"],
        }))
    appr = decisions[decisions["lever"] == "apprenticeship"]
    if len(appr):
        kappa = instance.param("apprentice_conversion")
        rows.append(pd.DataFrame({
            "bassin": appr["bassin"], "metier": appr["metier"],
            "year": appr["year"] + appr["metier"].map(lag).astype(int),
            "fte": appr["units"] * (1 - appr["metier"].map(dropout)) * kappa,
        }))
    if not rows:
        return {}
    table = pd.concat(rows).groupby(["year", "bassin", "metier"])["fte"].sum()
    return {int(y): table.xs(y, level="year") for y in table.index.get_level_values("year").unique()}


def _lever_costs(instance, decisions: pd.DataFrame, lag: pd.Series) -> pd.Series:
    """Euros per (lever, year): a unit is paid in each year of its duration."""
    unit_cost = {"training": instance.param_by_metier("cost_training_place"),
                 "apprenticeship": instance.param_by_metier("cost_apprentice")}
    rows = []
    for row in decisions.itertuples(index=False):
        if row.lever not in unit_cost:
            continue
        for k in range(int(lag.get(row.metier, 0))):
            rows.append((row.lever, row.year + k, row.units * float(unit_cost[row.lever].get(row.metier, 0.0))))
    if not rows:
        return pd.Series(dtype=float, index=pd.MultiIndex.from_tuples([], names=["lever", "year"]))
    return pd.DataFrame(rows, columns=["lever", "year", "eur"]).groupby(["lever", "year"])["eur"].sum()


def _close(a: float, b: float, rel: float = REL_TOL) -> bool:
    return abs(a - b) <= ABS_TOL + rel * max(abs(a), abs(b))


def _close_arr(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.abs(a - b) <= 1e-4 + 1e-6 * np.maximum(np.abs(a), np.abs(b))


def _lbl(label) -> str:
    return " ".join(str(x) for x in label)
