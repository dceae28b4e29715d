"""evaluate() catches each kind of broken solution: take the valid solved Landes result, break its tables in
one way, and check that evaluate reports that constraint family (and, where the mutation can be made
consistent everywhere else, only that family).

"Consistent everywhere else" is done by :func:`make_consistent`: spend and cost are recomputed here, by
hand, from the decisions and the unit costs in parameters.csv; the workforce stock and unmet need and the
objective are taken from evaluate's own recursion. ``test_make_consistent_reproduces_the_solver_tables``
checks that on the unbroken result this gives back the solver's own tables.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gpec.evaluate import evaluate
from gpec.instance import load_instance
from gpec.scenario import Scenario
from gpec.solving import solve

ROOT = Path(__file__).resolve().parents[1]
LANDES = ROOT / "instances" / "landes"
CAPACITY = {"training": ("training_capacity.csv", "max_places_per_year"),
            "apprenticeship": ("apprenticeship_capacity.csv", "max_contracts_per_year")}
UNIT_COST = {"training": "cost_training_place", "apprenticeship": "cost_apprentice"}


# -- fixtures ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def landes():
    return load_instance(LANDES)


@pytest.fixture(scope="module")
def solved(landes):
    """The valid result, solved once for the module (~10 s)."""
    # the P1 levers: make_consistent below recomputes their costs by hand (spatial levers: test_spatial_levers.py)
    result = solve(landes, Scenario(time_limit=60, levers=("training", "apprenticeship")))
    assert result.has_solution, result.message
    assert len(result.decisions) > 0 and len(result.spend) > 0 and len(result.workforce) > 0
    return result


@pytest.fixture
def result(solved):
    """A private deep copy to break; units as floats so a fractional value can be written."""
    r = copy.deepcopy(solved)
    r.decisions["units"] = r.decisions["units"].astype(float)
    return r


# -- helpers -----------------------------------------------------------------------------------------

def families(instance, result) -> set[str]:
    return set(evaluate(instance, result).violations["family"])


def capacity(instance, lever: str) -> pd.Series:
    file, column = CAPACITY[lever]
    return instance.table(file).set_index(["bassin", "metier"])[column].astype(float)


def lever_funder(instance) -> dict[str, str]:
    """The funder of each lever the mutations use (training, apprenticeship: one each)."""
    pairs = instance.lever_funders()
    pairs = pairs[pairs["lever"].isin(UNIT_COST)]
    assert not pairs["lever"].duplicated().any(), "the helpers assume one funder per lever"
    return dict(pairs.to_numpy())


def spend_by_funder_year(result) -> pd.Series:
    return result.spend.groupby(["funder", "year"])["eur"].sum()


def slack(instance, result) -> pd.Series:
    """Envelope minus spend, per (funder, year) of the horizon."""
    env = instance.budget()
    spent = spend_by_funder_year(result)
    return (env.reindex(spent.index) - spent).dropna()


def make_consistent(instance, r):
    """Recompute spend, cost, workforce stock/unmet and objective from ``r.decisions`` (in place); courses
    started in the horizon are paid in the tail years too."""
    first, last = r.horizon[0], r.horizon[1] + r.tail_years
    lag = instance.param_by_metier("training_years")
    funder = lever_funder(instance)
    eur: dict[tuple, float] = defaultdict(float)
    for d in r.decisions.itertuples(index=False):
        cost = float(instance.param_by_metier(UNIT_COST[d.lever])[d.metier])
        for k in range(int(lag[d.metier])):
            if first <= d.year + k <= last:
                eur[(d.lever, funder[d.lever], int(d.year + k))] += d.units * cost
    spend = r.spend.copy()
    keys = list(zip(spend["lever"], spend["funder"], spend["year"].astype(int)))
    spend["eur"] = [eur.pop(k, 0.0) for k in keys]
    assert not eur, f"cost in lever-years without a spend row: {dict(eur)}"
    r.spend = spend
    r.cost = float(spend["eur"].sum())
    ev = evaluate(instance, r)
    wf = r.workforce.copy()
    idx = pd.MultiIndex.from_frame(wf[["bassin", "metier", "year"]])
    wf["stock"] = ev.stock.reindex(idx).to_numpy()
    wf["unmet"] = ev.unmet.reindex(idx).to_numpy()
    r.workforce = wf
    r.objective = ev.objective
    # reports these mutations do not target (their cross-checks are broken in tests/test_reservoirs.py)
    r.flows, r.labour_pool = r.flows.iloc[0:0], r.labour_pool.iloc[0:0]
    return r


def add_decision(r, lever, bassin, metier, year, units):
    row = {c: np.nan for c in r.decisions.columns}
    row.update(lever=lever, bassin=bassin, metier=metier, year=int(year), units=float(units))
    r.decisions = pd.concat([r.decisions, pd.DataFrame([row])], ignore_index=True)


# -- the unbroken result -----------------------------------------------------------------------------

def test_unmutated_result_has_no_violation(landes, solved):
    report = evaluate(landes, solved)
    assert report.ok, report.violations.head(10).to_string()
    assert solved.violations == 0
    assert families(landes, copy.deepcopy(solved)) == set()


def test_make_consistent_reproduces_the_solver_tables(landes, result, solved):
    """The repair helper is right: on the unbroken result it gives back the solver's own numbers."""
    fixed = make_consistent(landes, result)
    assert np.allclose(fixed.spend["eur"], solved.spend["eur"], rtol=1e-9, atol=1e-6)
    assert fixed.cost == pytest.approx(solved.cost, rel=1e-9)
    assert np.allclose(fixed.workforce["stock"], solved.workforce["stock"], rtol=1e-6, atol=1e-4)
    assert np.allclose(fixed.workforce["unmet"], solved.workforce["unmet"], rtol=1e-6, atol=1e-4)
    assert fixed.objective == pytest.approx(solved.objective, rel=1e-6)
    assert families(landes, fixed) == set()


# -- integrality -------------------------------------------------------------------------------------

def test_integrality_fractional_units(landes, result):
    d = result.decisions
    i = d.index[d["units"] >= 1][0]
    d.loc[i, "units"] = d.loc[i, "units"] - 0.5  # lower: stays within capacity and budget
    make_consistent(landes, result)
    assert families(landes, result) == {"integrality"}


def test_integrality_units_2_5_alone(landes, result):
    """The bare mutation (nothing else repaired): integrality is among the families reported."""
    result.decisions.loc[result.decisions.index[0], "units"] = 2.5
    assert "integrality" in families(landes, result)


# -- capacity ----------------------------------------------------------------------------------------

def push_over_capacity(instance, r, lever) -> tuple:
    """Move units within one (lever, metier, year) so one row holds capacity + 1 units: same money."""
    cap = capacity(instance, lever)
    d = r.decisions
    for (metier, year), g in d[d["lever"] == lever].groupby(["metier", "year"]):
        for i in g.index:
            target = cap.get((d.at[i, "bassin"], metier), 0.0) + 1
            extra = target - d.at[i, "units"]
            others = [j for j in g.index if j != i]
            if d.loc[others, "units"].sum() < extra:
                continue
            d.at[i, "units"] = target
            for j in others:
                take = min(extra, d.at[j, "units"])
                d.at[j, "units"] -= take
                extra -= take
            assert extra == 0
            return d.at[i, "bassin"], metier, year
    raise AssertionError(f"no {lever} decisions to move over a capacity")


@pytest.mark.parametrize("lever", ["training", "apprenticeship"])
def test_capacity_units_above_capacity(landes, result, lever):
    before = result.cost
    push_over_capacity(landes, result, lever)
    make_consistent(landes, result)
    assert result.cost == pytest.approx(before)  # units moved between rows of the same unit cost
    assert families(landes, result) == {"capacity"}


def test_capacity_units_2_above_alone(landes, result):
    d = result.decisions
    i = d.index[d["lever"] == "training"][0]
    d.loc[i, "units"] = capacity(landes, "training")[(d.at[i, "bassin"], d.at[i, "metier"])] + 2
    assert "capacity" in families(landes, result)


def test_capacity_metier_without_training_route(landes, result):
    """A lever for a métier with training_years 0 (ash in Landes) is a capacity violation."""
    lag = landes.param_by_metier("training_years")
    no_route = [m for m in landes.metiers["metier"] if lag.get(m, 0) < 1]
    assert no_route
    add_decision(result, "apprenticeship", landes.bassins["bassin"].iloc[0], no_route[0], result.horizon[0] + 1, 1)
    assert "capacity" in families(landes, result)


def test_capacity_split_over_duplicate_rows(landes, result):
    cap = capacity(landes, "training")
    d = result.decisions
    tr = d[d["lever"] == "training"]
    # two sites with decisions for the same metier and year; move one unit from site B into a second row of A
    for (metier, year), g in tr.groupby(["metier", "year"]):
        limit = pd.Series([cap[(b, metier)] for b in g["bassin"]], index=g.index)
        full = g[g["units"] >= limit]
        donors = g[g["units"] >= 1]
        if len(full) and len(donors.drop(full.index[0], errors="ignore")):
            a, b = full.index[0], donors.drop(full.index[0]).index[0]
            break
    else:
        raise AssertionError("no training decision at capacity with a donor row")
    d.loc[b, "units"] -= 1
    add_decision(result, "training", d.at[a, "bassin"], metier, year, 1)
    make_consistent(landes, result)
    total = result.decisions.groupby(["lever", "bassin", "metier", "year"])["units"].sum()
    assert total[("training", d.at[a, "bassin"], metier, year)] > cap[(d.at[a, "bassin"], metier)]
    assert "capacity" in families(landes, result)


def test_capacity_unknown_metier_apprenticeship_is_reported(landes, result):
    add_decision(result, "apprenticeship", landes.bassins["bassin"].iloc[0], "plombier", result.horizon[0] + 1, 1)
    assert "capacity" in families(landes, result)


# -- horizon -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("where", ["before", "after"])
def test_horizon_start_year_outside(landes, result, where):
    """A 1-year training place started the year before the horizon delivers in the first year (given by
    the baseline) and costs nothing inside the horizon; one started after the horizon does nothing inside
    it: only the horizon rule is broken."""
    first, last = result.horizon
    lag = landes.param_by_metier("training_years")
    cap = capacity(landes, "training")
    bassin, metier = next(k for k, v in cap.items() if v >= 1 and lag.get(k[1], 0) == 1)
    add_decision(result, "training", bassin, metier, first - 1 if where == "before" else last + 1, 1)
    make_consistent(landes, result)
    assert families(landes, result) == {"horizon"}


# -- funding -----------------------------------------------------------------------------------------

def test_funding_spend_by_a_funder_not_allowed(landes, result):
    """Move part of one spend row to a funder levers.csv does not allow for that lever; the lever is still
    paid in full and no envelope is exceeded, so only funding breaks."""
    allowed = set(map(tuple, landes.lever_funders().to_numpy()))
    funders = set(landes.budget().index.get_level_values("funder"))
    room = slack(landes, result)
    best = None
    for i, row in result.spend.iterrows():
        for other in funders:
            if (row["lever"], other) in allowed:
                continue
            amount = min(row["eur"], room.get((other, row["year"]), 0.0)) / 2
            if best is None or amount > best[0]:
                best = (amount, i, other)
    amount, i, other = best
    assert amount > 1.0, "no spend row and funder slack to move money with"
    row = result.spend.loc[i]
    result.spend.loc[i, "eur"] -= amount
    result.spend = pd.concat([result.spend, pd.DataFrame([dict(lever=row["lever"], funder=other,
                                                               year=row["year"], eur=amount)])], ignore_index=True)
    assert families(landes, result) == {"funding"}


def test_funding_spend_reduced(landes, result):
    i = result.spend["eur"].idxmax()
    result.spend.loc[i, "eur"] -= 1000.0
    assert families(landes, result) == {"funding"}


def test_funding_spend_without_decision(landes, result):
    """Money paid in a lever-year no decision is paid in (within the envelope)."""
    cost = make_consistent(landes, copy.deepcopy(result)).spend  # same as result.spend: the lever costs
    room = slack(landes, result)
    free = [i for i in cost.index
            if cost.loc[i, "eur"] == 0 and room[(cost.loc[i, "funder"], cost.loc[i, "year"])] > 100]
    assert free, "no lever-year without cost"
    result.spend.loc[free[0], "eur"] = 100.0
    assert families(landes, result) == {"funding"}


# -- budget ------------------------------------------------------------------------------------------

def test_budget_envelope_exceeded_consistently(landes, result):
    """Add units where capacity has room, with spend and cost raised to match, until one funder-year is over
    its envelope: decisions, spend and costs agree, so only budget breaks."""
    first, _ = result.horizon
    lag = landes.param_by_metier("training_years")
    funder = lever_funder(landes)
    room = slack(landes, result)
    d = result.decisions
    for lever in CAPACITY:
        unit = landes.param_by_metier(UNIT_COST[lever])
        for (bassin, metier), cap in capacity(landes, lever).items():
            if lag.get(metier, 0) < 1:
                continue
            have = d.loc[(d["lever"] == lever) & (d["bassin"] == bassin) & (d["metier"] == metier)
                         & (d["year"] == first), "units"].sum()
            free = int(cap - have)
            need = int(room[(funder[lever], first)] // unit[metier]) + 1  # units that overspend year `first`
            if 1 <= need <= free:
                add_decision(result, lever, bassin, metier, first, need)
                make_consistent(landes, result)
                assert spend_by_funder_year(result)[(funder[lever], first)] > landes.budget()[(funder[lever], first)]
                assert families(landes, result) == {"budget"}
                return
    raise AssertionError("no capacity left to overspend an envelope with")


def test_budget_spend_raised_alone(landes, result):
    """Raising one spend row over the envelope without the decisions to match breaks budget and funding."""
    room = slack(landes, result)
    i = result.spend.index[0]
    key = (result.spend.loc[i, "funder"], result.spend.loc[i, "year"])
    result.spend.loc[i, "eur"] += room[key] + 1000.0
    assert families(landes, result) == {"budget", "funding"}


# -- stock balance, need, objective, cost ------------------------------------------------------------

def test_stock_balance_one_stock_value(landes, result):
    wf = result.workforce
    i = wf.index[wf["year"] > result.horizon[0]][len(wf) // 3]
    wf.loc[i, "stock"] += 1.0
    assert families(landes, result) == {"stock_balance"}


def test_stock_balance_missing_row(landes, result):
    result.workforce = result.workforce.drop(index=result.workforce.index[7])
    assert families(landes, result) == {"stock_balance"}


def test_stock_nonnegative(landes, result):
    """Negative units drive a stock below zero (capacity also breaks: units below 0)."""
    d = result.decisions
    i = d.index[d["lever"] == "training"][0]
    d.loc[i, "units"] = -10000.0
    got = families(landes, result)
    assert "stock_nonnegative" in got and "capacity" in got


def test_need_lower_unmet(landes, result):
    wf = result.workforce
    i = wf.index[wf["unmet"] > 0.5][0]
    wf.loc[i, "unmet"] -= 0.5
    assert families(landes, result) == {"need"}


def test_need_nan_unmet(landes, result):
    wf = result.workforce
    i = wf.index[wf["unmet"] > 0.5][0]
    wf.loc[i, "unmet"] = np.nan
    assert "need" in families(landes, result)


def test_objective_changed(landes, result):
    result.objective += 1.0
    assert families(landes, result) == {"objective"}


def test_cost_changed(landes, result):
    result.cost += 1000.0
    assert families(landes, result) == {"cost"}
