r"""Honest answers: shadow prices computed by hand, infeasibility explained, a second solver's check.

The tiny instance of ``tests/test_known_answer.py``: one bassin, AS, 2026-2029; 100 FTE in post, 10 %
leave a year, the baseline brings 10 (stock stays 100); need 100, 110, 120, 106. A training place
(1,000 EUR, Région 3,500 EUR a year, at most 5 a year) or an apprenticeship (2,000 EUR, Département
3,000 EUR a year, at most 2) started in t adds 0.9 FTE in t+1, who then leave at 10 % a year. With n_t
entrants started in t:

    U2027 = 10 - 0.9 n26,   U2028 = 20 - 0.81 n26 - 0.9 n27,   U2029 = max(0, 6 - 0.729 n26 - 0.81 n27 - 0.9 n28)

The MIP takes 3 places + 1 contract in 2026 and 2027 (n = 4): **19.56** FTE-years.

Shadow prices (value = FTE-years of unmet need avoided per unit; positive = more of it helps)
-------------------------------------------------------------------------------------------------
* LP relaxation: 3.5 places + 1.5 contracts a year (n = 5), caps not binding, U2029 = 0. One more euro of
  the Région in 2026 buys 1/1,000 place more in 2026: 0.9 + 0.81 = **1.71** FTE-years per 1,000 EUR; in
  2027: **0.9**; in 2028 and 2029 nothing (U2029 is already 0): **0**. The Département buys half as many
  units per euro: **0.855**, **0.45**, 0, 0.
* MIP marginal, delta = max(1,000, 10 % of the mean envelope rounded to 1,000 EUR) = 1,000 EUR a year in
  all 4 years: Région +1,000 -> 4 places + 1 contract (n = 5) in 2026 and 2027: U = 5.5 + 11.45 = 16.95,
  2.61 FTE-years avoided for 4,000 EUR: **0.6525** per 1,000 EUR; Région -1,000 -> n = 3: U = 7.3 + 14.87
  = 22.17: 2.61 more for 4,000 EUR less: **0.6525**. Département +1,000 -> 2 contracts (n = 5): **0.6525**;
  Département -1,000 -> still 1 contract (2,000 EUR fits): **0**: whole units make the two sides differ.
* Fixed-integer LP (n = 4, 4, 0 fixed): one more FTE entering in 2027 cuts U2027 by 1 and U2028 by 0.9
  (U2029 stays 0: 6 - 2.916 - 3.24 < 0): **1.9**; in 2028: **1**; in 2029: **0**. One FTE less needed in
  2027 or 2028: **1**; in 2026 or 2029 (no unmet): **0**.

Infeasible scenarios
--------------------
* Service level 0.92 (unmet <= 8 % of need from 2027): U2027 <= 8.8, U2028 <= 9.6, U2029 <= 8.48. The
  budgets allow n <= 4 a year: U2028 >= 13.16, infeasible. With more money: 0.81 n26 + 0.9 n27 >= 10.4
  needs 5 places in 2026 and 2027 (+1,500 EUR Région each year) and 3 more contracts (2 in 2027 and 1 in
  2026, or 2 in 2026 ... the cheapest add **4,000 EUR** in all), feasible once suggested budgets are set.
* At least 12 training places over the horizon: 3 years x 3.5 places of Région money = 10.5 < 12: the LP
  relaxation is infeasible too; its IIS names the minimum-places row and the Région budgets of 2026-2028.
* At least 10 places: the LP relaxation is feasible (10.5 >= 10), whole places are not (3 a year = 9):
  no IIS exists; the elastic re-solve still suggests the money: a fourth place in one year costs 4,000
  EUR against 3,500: **+500 EUR**.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from gpec.instance import load_instance
from gpec.scenario import Scenario
from gpec.solving import solve
from tests.conftest import LANDES, ROOT

EXACT = dict(mip_gap=0.0, cost_gap=0.0)


@pytest.fixture(scope="module")
def prices(tiny):
    result = solve(tiny, Scenario(**EXACT))
    assert result.status == "optimal" and result.objective == pytest.approx(19.56)
    return result.shadow_prices


def _values(prices, method, family, key):
    rows = prices[(prices["method"] == method) & (prices["family"] == family)]
    return {k: v for k, v in zip(rows[key], rows["value"])}


def test_lp_relaxation_budget_duals_equal_the_hand_values(prices):
    region = prices[(prices["method"] == "lp_relaxation") & (prices["funder"] == "region")]
    dept = prices[(prices["method"] == "lp_relaxation") & (prices["funder"] == "departement")]
    assert dict(zip(region["year"].astype(int), region["value"])) == pytest.approx(
        {2026: 1.71, 2027: 0.9, 2028: 0.0, 2029: 0.0}, abs=1e-9)
    assert dict(zip(dept["year"].astype(int), dept["value"])) == pytest.approx(
        {2026: 0.855, 2027: 0.45, 2028: 0.0, 2029: 0.0}, abs=1e-9)
    # cost-effectiveness: EUR per FTE-year avoided, the inverse
    assert region.loc[region["year"] == 2026, "eur_per_fte_year"].item() == pytest.approx(1000 / 1.71)


def test_mip_marginal_budget_values_equal_the_hand_values(prices):
    rows = prices[prices["method"] == "mip_marginal"]
    got = {(r.funder, r.detail[0]): r.value for r in rows.itertuples()}
    assert got == pytest.approx({("region", "+"): 0.6525, ("region", "-"): 0.6525,
                                 ("departement", "+"): 0.6525, ("departement", "-"): 0.0}, abs=1e-9)
    assert rows["unit"].eq("1000 EUR over the horizon").all()


def test_fixed_integer_duals_of_the_continuous_rows(prices):
    entering = _values(prices, "fixed_integer_lp", "stock_balance", "year")
    assert entering == pytest.approx({2027: 1.9, 2028: 1.0, 2029: 0.0}, abs=1e-9)
    assert _values(prices, "fixed_integer_lp", "need", "year") == pytest.approx(
        {2026: 0.0, 2027: 1.0, 2028: 1.0, 2029: 0.0}, abs=1e-9)
    assert not ((prices["method"] == "fixed_integer_lp") & (prices["family"] == "budget")).any()


def test_service_level_out_of_reach_is_explained_with_the_budget_that_suffices(tiny):
    result = solve(tiny, Scenario(service_level=0.92, **EXACT))
    assert result.status == "infeasible" and result.decisions.empty
    d = result.diagnosis
    assert sum(r["increase_eur"] for r in d["budget_increase"]) == pytest.approx(4000.0)
    assert d["suggested_budgets"]["region"] == 5000.0
    assert d["suggestion"].startswith("--budget")
    again = solve(tiny, Scenario(service_level=0.92, budgets=d["suggested_budgets"], **EXACT))
    assert again.status == "optimal" and again.violations == 0
    w = again.workforce
    later = w[w["year"] > 2026]
    assert (later["unmet"] <= 0.08 * later["need"] + 1e-9).all()


def test_lp_infeasible_target_gets_an_iis_in_planner_terms(tiny):
    result = solve(tiny, Scenario(min_places={"as": 12}, **EXACT))
    assert result.status == "infeasible"
    d = result.diagnosis
    assert d["lp_relaxation"] == "infeasible"
    texts = {c["text"] for c in d["conflict"]}
    assert "minimum training places Aide-soignant" not in texts  # the tiny métier is labelled "as"
    assert "minimum training places as" in texts
    assert {"budget region 2026", "budget region 2027", "budget region 2028"} <= texts
    assert d["budget_increase"] and d["suggested_budgets"]
    assert solve(tiny, Scenario(min_places={"as": 12}, budgets=d["suggested_budgets"], **EXACT)).has_solution


def test_whole_units_alone_make_it_infeasible_no_iis_but_a_suggestion(tiny):
    result = solve(tiny, Scenario(min_places={"as": 10}, **EXACT))
    assert result.status == "infeasible"
    d = result.diagnosis
    assert d["lp_relaxation"] == "optimal" and d["conflict"] == []
    assert sum(r["increase_eur"] for r in d["budget_increase"]) == pytest.approx(500.0)
    assert d["suggested_budgets"] == {"region": 4000.0}
    assert solve(tiny, Scenario(min_places={"as": 10}, budgets=d["suggested_budgets"], **EXACT)).has_solution


def test_verify_with_the_other_backend(tiny):
    result = solve(tiny, Scenario(verify=True, **EXACT))
    v = result.verification
    assert v["solver"] == "ortools" and v["status"] == "optimal" and v["started_from"] == "highs"
    assert v["objective"] == pytest.approx(result.objective, abs=1e-6)
    assert v["bound"] == pytest.approx(19.56, abs=1e-6) and v["cost"] == pytest.approx(result.cost, abs=1e-6)
    assert v["relative_difference"] == pytest.approx(0.0, abs=1e-9)
    assert v["start_kept"] and v["bounds_agree"] and v["agree"]
    assert v["incumbents_within_gap"] and v["incumbents_within_1pct"]


def test_verify_of_an_infeasible_scenario_agrees_on_infeasibility(tiny):
    result = solve(tiny, Scenario(verify=True, min_places={"as": 12}, **EXACT))
    v = result.verification
    assert result.status == v["status"] == "infeasible" and v["agree"] is True
    assert v["started_from"] is None and v["bounds_agree"] is None and v["relative_difference"] is None


def test_infeasible_landes_scenario_is_explained_and_the_suggestion_is_feasible(tmp_path):
    """The P3 acceptance case: a service level of 1 with the Département's envelope cut to 100 kEUR, on
    2026-2027 (the first conflict is in 2027), where HiGHS reduces the IIS in well under a second (on
    2026-2035 it takes about 30 s, more than the diagnosis gets of a 60 s limit)."""
    out = tmp_path / "out"
    run = lambda *args: subprocess.run([sys.executable, "-m", "gpec.cli", *map(str, args)], capture_output=True,
                                       text=True, cwd=ROOT)
    proc = run("solve", LANDES, "--out", out, "--horizon", "2026-2027", "--service-level", "1.0", "--budget",
               "departement=100000", "--no-maps")
    assert proc.returncode == 1, proc.stderr
    head = json.loads((out / "result.json").read_text())
    assert head["status"] == "infeasible"
    d = head["diagnosis"]
    assert d["iis"] == "irreducible" and any(c["family"] == "service_level" for c in d["conflict"])
    assert d["suggested_service_level"] is not None and 0 < d["suggested_service_level"] < 1
    explained = run("explain", out)
    assert explained.returncode == 0, explained.stderr
    assert "service level" in explained.stdout and d["suggestion"] in explained.stdout.replace("\n", " ")
    landes = load_instance(LANDES)
    again = solve(landes, Scenario(horizon=(2026, 2027), service_level=d["suggested_service_level"],
                                   budgets={"departement": 100_000}, shadow_prices=False))
    assert again.has_solution and again.violations == 0


def test_default_landes_run_writes_shadow_prices(tmp_path):
    """shadow_prices.csv of a Landes run: every method present, budgets binding with a positive value."""
    landes = load_instance(LANDES)
    result = solve(landes, Scenario(levers=("training", "apprenticeship"), time_limit=30))
    result.write(tmp_path)
    prices = pd.read_csv(tmp_path / "shadow_prices.csv")
    assert set(prices["method"]) == {"lp_relaxation", "mip_marginal", "fixed_integer_lp"}
    moves = prices.loc[prices["method"] == "mip_marginal", "funder"].value_counts()
    assert moves.to_dict() == {"cd40": 2, "cr75": 2, "ars75": 1}  # + and -; an envelope of 0 only raised
    budget = prices[(prices["method"] == "lp_relaxation") & (prices["family"] == "budget")]
    assert not budget.duplicated(["funder", "year"]).any() and set(budget["funder"]) == {"cd40", "cr75", "ars75"}
    assert set(range(2026, 2036)) <= set(budget["year"])  # every year of the horizon (and the tail after it)
    solved = budget["status"] == "optimal"  # solved in its share of the time, else listed with no value
    assert budget.loc[~solved, "value"].isna().all() and (budget.loc[solved, "value"] >= -1e-9).all()
    assert not solved.any() or budget.loc[solved, "binding"].astype(bool).any()
