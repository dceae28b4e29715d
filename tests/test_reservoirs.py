r"""Pathways between métiers (promotion, VAE), entries from outside (immersion) and the labour-pool bound.

Every known answer below is derived by hand; the tests then check the solver reproduces it exactly
(``mip_gap = cost_gap = 0``) and that :func:`gpec.evaluate.evaluate` finds nothing wrong with it.
All cases have one bassin, horizon 2026-2028 and the default rates of ``tests/conftest.py``: retirement
0.05 + exit 0.05, so 90 % of a year's staff in post are still there the next year (survival 0.9).

Promotion and VAE (``promo`` fixture)
-------------------------------------
ASH: 20 FTE, baseline inflow 2 a year, so the baseline stock stays 20; need 19 (one spare ASH).
AS: 10 FTE, baseline inflow 1 a year, stays 10; need 10, 12, 12. An unmet AS FTE-year weighs 4
(``unmet_weight``), an ASH one 1. No training or apprenticeship capacity. Without levers:
unmet AS 2 + 2, ASH 0: objective 4 x 4 = **16**.

*Promotion* ``ash_as_promotion`` (out of post, 1 year, success 0.5, 1,000 EUR a place-year, Région; cap
0.25 x 20 ASH = 5 places a year). An out-of-post course can only start in 2027 (2026's stock is fixed,
and a 2028 start would end after the horizon). Y places in 2027:

    ASH 2027 = 0.9 x 20 + 2 - Y                    = 20 - Y      (trainees leave their post)
    ASH 2028 = 0.9 x (20 - Y) + 2 + 0.5 Y          = 20 - 0.4 Y  (trainees do not retire or exit while in
                                                                  school; the half that fail come back)
    AS  2028 = 0.9 x 10 + 1 + 0.5 Y                = 10 + 0.5 Y

    z(Y) = 4 x 2 + 4 max(0, 2 - 0.5 Y) + max(0, Y - 1) + max(0, 0.4 Y - 1)
    Y:      0     1     2     3      4      5
    z:     16    14    13   12.2   11.6    13

Optimum **Y = 4: 11.6** FTE-years; unmet ASH 0 / 3 / 0.6 and AS 0 / 2 / 0 in 2026 / 27 / 28; stock ASH
20 / 16 / 18.4 and AS 10 / 10 / 12; 4 ASH in transition in 2027; cost 4 x 1,000 = **4,000 EUR** (Région,
2027). Flows (reservoir ``transitional``): promotion_out ASH 2027 -4, promotion_return ASH 2028 +2,
promotion_in AS 2028 +2. The decision row: 4 units, target métier ``as``, delivers 2028, 2 FTE.

*VAE* ``ash_as_vae`` (in post, 1 year, success 0.5, 500 EUR a place-year, Département; cap
0.125 x 20 = 2.5, rounded half up to **3** places a year). Starts in 2026 or 2027 (the candidate keeps
working); V26 moves 0.5 V26 ASH to AS in 2027, V27 moves 0.5 V27 in 2028:

    ASH 2027 = 20 - 0.5 V26               AS 2027 = 10 + 0.5 V26
    ASH 2028 = 20 - 0.45 V26 - 0.5 V27    AS 2028 = 10 + 0.45 V26 + 0.5 V27
    z = 4 [max(0, 2 - 0.5 V26) + max(0, 2 - 0.45 V26 - 0.5 V27)] + max(0, 0.5 V26 - 1)
        + max(0, 0.45 V26 + 0.5 V27 - 1)

A VAE moves 0.5 AS (worth 2) for 0.5 ASH (worth at most 0.5): while AS is short, take it. 2027:
V26 = 3 (the cap) leaves AS short 0.5 (2.0) and ASH short 0.5. 2028: AS short 2 - 1.35 = 0.65;
V27 = 1 -> 4 x 0.15 + ASH 0.85 = 1.45; V27 = 2 -> AS 0 + ASH 1.35 = 1.35; V27 = 3 -> ASH 1.85.
Optimum **(V26, V27) = (3, 2): 2.0 + 0.5 + 1.35 = 3.85** (next best (3, 1): 3.95; with a cap of 2,
i.e. rounding 2.5 down, the best would be (2, 2): 4 x 1.1 + 0.9 = 5.3). Unmet AS 0 / 0.5 / 0, ASH
0 / 0.5 / 1.35; stock ASH 20 / 18.5 / 17.65, AS 10 / 11.5 / 12.35; nobody in transition; cost
1,500 (2026) + 1,000 (2027) = **2,500 EUR**. Flows: vae_out ASH -1.5 / -1.0 and vae_in AS +1.5 / +1.0
in 2027 / 2028.

*Both*: the VAE plan again (**3.85**, 2,500 EUR, no promotion). A 2027 promotion place, like a 2027
VAE place, adds 0.5 AS in 2028, but it also empties an ASH post in 2027, when ASH is already short
(18.5 < 19 after V26 = 3): +1 ASH unmet in 2027 against at most 0.1 saved in 2028; and V27 = 2 < 3
already covers AS in 2028, so no promotion is needed.

Labour pool (``pool`` fixture)
------------------------------
AS only: 10 FTE, inflow 1 a year (stays 10), need 10, 14, 14 (weight 1). Two recruiting levers, both
drawing one person from the labour pool in their bassin and start year: apprenticeships (cap 10,
1 year, dropout 0.1, conversion 1: **0.9 FTE** a contract, 2,000 EUR) and the immersion pathway
``immersion_as`` (external, 1 year, success 0.5: **0.5 FTE** a person, 100 EUR; cap 10 x 1,000
inhabitants / 1,000 = 10). Jobseekers 8; ``labour_pool_share`` 0.25: **2 people a year**. Starts 2026
or 2027.

* lambda = 0.25, all levers: apprentices bring more per person drawn, so a26 = a27 = 2:
  AS 2027 = 11.8 (unmet 2.2), AS 2028 = 0.9 x 11.8 + 1 + 1.8 = 13.42 (0.58): **2.78**, 8,000 EUR;
  drawn 2 = available in 2026 and 2027.
* lambda = 0.25, immersions only: i26 = i27 = 2: AS 2027 = 11 (3), AS 2028 = 0.9 x 11 + 1 + 1 = 11.9
  (2.1): **5.1**, 400 EUR; drawn 2 = available.
* lambda = 0.5 (4 a year), all levers: a26 = 4: AS 2027 = 13.6 (**0.4**); then AS 2028 = 13.24 + new
  arrivals: short 0.76, covered by one apprentice (0.9, 2,000 EUR) or two immersions (1.0, 200 EUR):
  two immersions. **0.4**, 8,200 EUR; drawn 4 = available in 2026, 2 in 2027.
* lambda = 0.5, immersions only: i26 = i27 = 4: 2027: 14 - 12 = 2; 2028: 14 - (0.9 x 12 + 1 + 2) = 0.2:
  **2.2**, 800 EUR.
* lambda = 1 (8 a year), immersions only or all levers: i26 = 8 fills 2027 (AS 14); 2028 short 0.4:
  one immersion (0.5). **0**, the cheapest way: 9 immersions, 900 EUR (eight apprentices would cost
  16,000).

Conservation (property test): on random tiny instances with pathways of every mode, staff in post plus
staff in transition, summed over métiers, change only by departures, the baseline inflow and entries from
outside; moves between métiers and in and out of school net to zero.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gpec.errors import InputError
from gpec.evaluate import evaluate
from gpec.geo.settlement import graduate_destinations
from gpec.instance import load_instance
from gpec.scenario import Scenario
from gpec.schema import CAP_BASES, PATHWAY_LEVERS, PATHWAY_MODES, WHOLE_PLACES
from gpec.solving import solve
from tests.conftest import ROOT, write_instance

B = "00001"
YEARS = (2026, 2028)
EXACT = Scenario(mip_gap=0.0, cost_gap=0.0)


def _yrs(first=YEARS[0], last=YEARS[1]):
    return range(first, last + 1)


def _exact(**kw) -> Scenario:
    return Scenario(mip_gap=0.0, cost_gap=0.0, **kw)


def _by_year(table: pd.DataFrame, metier: str, column: str) -> dict:
    rows = table[table["metier"] == metier]
    return dict(zip(rows["year"].astype(int), rows[column].astype(float)))


def _decisions(result) -> dict:
    return {(r.lever, r.pathway, int(r.year)): r.units for r in result.decisions.itertuples()}


def _flows(result, lever: str) -> dict:
    f = result.flows[result.flows["lever"] == lever]
    return {(r.metier, int(r.year), r.flow, r.reservoir): r.fte for r in f.itertuples()}


def _assert_valid(result):
    """Optimal, no violation found by solve's check, and evaluate() agrees on objective and cost."""
    assert result.status == "optimal", result.message
    assert result.violations == 0, result.violation_details
    report = evaluate(result.applied, result)
    assert report.ok, report.violations.to_dict("records")
    assert report.objective == pytest.approx(result.objective, abs=1e-9)
    assert report.cost == pytest.approx(result.cost, abs=1e-6)


# -- promotion and VAE: known answers --------------------------------------------------------------

PROMOTION = dict(pathway="ash_as_promotion", lever="promotion", reservoir="transitional", mode="out_of_post",
                 from_metier="ash", to_metier="as", cap_basis="source_stock", years=1, success=0.5, cost=1000.0,
                 cap_rate=0.25)
VAE = dict(pathway="ash_as_vae", lever="vae", reservoir="transitional", mode="in_post", from_metier="ash",
           to_metier="as", cap_basis="source_stock", years=1, success=0.5, cost=500.0, cap_rate=0.125)


@pytest.fixture(scope="module")
def promo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("promo") / "promo"
    need = {(B, "ash", y): 19.0 for y in _yrs()}
    need.update({(B, "as", 2026): 10.0, (B, "as", 2027): 12.0, (B, "as", 2028): 12.0})
    write_instance(folder, bassins=[(B, 0.0, 45.0)], years=YEARS, metiers=("ash", "as"), need=need,
                   stock0={(B, "ash"): 20.0, (B, "as"): 10.0},
                   inflow={**{(B, "ash", y): 2.0 for y in _yrs(2027)}, **{(B, "as", y): 1.0 for y in _yrs(2027)}},
                   params={"unmet_weight": {"ash": 1.0, "as": 4.0}},
                   budget={"region": 10_000.0, "departement": 10_000.0},
                   pathways=[PROMOTION, VAE])
    return load_instance(folder)


def test_no_levers_is_the_baseline(promo):
    result = solve(promo, _exact(levers=()))
    _assert_valid(result)
    assert result.objective == pytest.approx(16.0, abs=1e-9)
    assert result.decisions.empty
    assert result.flows["lever"].eq("baseline").all()
    assert result.workforce["in_transition"].tolist() == pytest.approx([0.0] * 6)


def test_promotion_known_answer(promo):
    result = solve(promo, _exact(levers=("promotion",)))
    _assert_valid(result)
    assert result.objective == pytest.approx(11.6, abs=1e-9)
    assert result.cost == pytest.approx(4000.0, abs=1e-6)
    assert _decisions(result) == {("promotion", "ash_as_promotion", 2027): 4}
    row = result.decisions.iloc[0]
    assert (row["bassin"], row["metier"], int(row["lag"]), int(row["delivers"])) == (B, "as", 1, 2028)
    assert row["fte"] == pytest.approx(2.0) and row["cost_eur"] == pytest.approx(4000.0)
    spend = result.spend[result.spend["eur"] > 1e-9]
    assert {(r.lever, r.funder, int(r.year)): r.eur for r in spend.itertuples()} == pytest.approx(
        {("promotion", "region", 2027): 4000.0})

    wf = result.workforce
    assert _by_year(wf, "ash", "unmet") == pytest.approx({2026: 0.0, 2027: 3.0, 2028: 0.6}, abs=1e-9)
    assert _by_year(wf, "as", "unmet") == pytest.approx({2026: 0.0, 2027: 2.0, 2028: 0.0}, abs=1e-9)
    assert _by_year(wf, "ash", "stock") == pytest.approx({2026: 20.0, 2027: 16.0, 2028: 18.4}, abs=1e-9)
    assert _by_year(wf, "as", "stock") == pytest.approx({2026: 10.0, 2027: 10.0, 2028: 12.0}, abs=1e-9)
    assert _by_year(wf, "ash", "in_transition") == pytest.approx({2026: 0.0, 2027: 4.0, 2028: 0.0})
    assert _by_year(wf, "as", "in_transition") == pytest.approx({2026: 0.0, 2027: 0.0, 2028: 0.0})
    # net lever inflow: -4 leave ASH in 2027; +2 back (failures) in 2028; +2 arrive in AS in 2028
    assert _by_year(wf[wf["year"] > 2026], "ash", "lever_inflow") == pytest.approx({2027: -4.0, 2028: 2.0})
    assert _by_year(wf[wf["year"] > 2026], "as", "lever_inflow") == pytest.approx({2027: 0.0, 2028: 2.0})
    # trainees do not leave: 2028 ASH departures are 10 % of the 16 in post, not of 20
    assert _by_year(wf[wf["year"] > 2026], "ash", "departures") == pytest.approx({2027: 2.0, 2028: 1.6})
    unmet = result.unmet.set_index(["metier", "year"])["unmet"]
    assert unmet.to_dict() == pytest.approx({("ash", 2026): 0.0, ("ash", 2027): 3.0, ("ash", 2028): 0.6,
                                             ("as", 2026): 0.0, ("as", 2027): 2.0, ("as", 2028): 0.0}, abs=1e-9)


def test_promotion_flows_are_transitional(promo):
    result = solve(promo, _exact(levers=("promotion",)))
    assert _flows(result, "promotion") == pytest.approx({
        ("ash", 2027, "promotion_out", "transitional"): -4.0,
        ("ash", 2028, "promotion_return", "transitional"): 2.0,
        ("as", 2028, "promotion_in", "transitional"): 2.0,
    })
    # the baseline flows of ASH in 2028: 5 % retirement and 5 % exit of the 16 in post
    base = result.flows[(result.flows["lever"] == "baseline") & (result.flows["metier"] == "ash")
                        & (result.flows["year"] == 2028)]
    assert dict(zip(base["flow"], base["fte"])) == pytest.approx(
        {"ordinary_hiring": 2.0, "retirement": -0.8, "exit": -0.8})
    assert result.labour_pool.empty  # no labour_pool.csv


def test_vae_known_answer(promo):
    result = solve(promo, _exact(levers=("vae",)))
    _assert_valid(result)
    assert result.objective == pytest.approx(3.85, abs=1e-9)
    assert result.cost == pytest.approx(2500.0, abs=1e-6)
    assert _decisions(result) == {("vae", "ash_as_vae", 2026): 3, ("vae", "ash_as_vae", 2027): 2}
    d = result.decisions.set_index("year")
    assert d["delivers"].to_dict() == {2026: 2027, 2027: 2028}
    assert d["fte"].to_dict() == pytest.approx({2026: 1.5, 2027: 1.0})
    assert d["cost_eur"].to_dict() == pytest.approx({2026: 1500.0, 2027: 1000.0})
    spend = result.spend[result.spend["eur"] > 1e-9]
    assert {(r.lever, r.funder, int(r.year)): r.eur for r in spend.itertuples()} == pytest.approx(
        {("vae", "departement", 2026): 1500.0, ("vae", "departement", 2027): 1000.0})

    wf = result.workforce
    assert _by_year(wf, "ash", "unmet") == pytest.approx({2026: 0.0, 2027: 0.5, 2028: 1.35}, abs=1e-9)
    assert _by_year(wf, "as", "unmet") == pytest.approx({2026: 0.0, 2027: 0.5, 2028: 0.0}, abs=1e-9)
    assert _by_year(wf, "ash", "stock") == pytest.approx({2026: 20.0, 2027: 18.5, 2028: 17.65}, abs=1e-9)
    assert _by_year(wf, "as", "stock") == pytest.approx({2026: 10.0, 2027: 11.5, 2028: 12.35}, abs=1e-9)
    assert wf["in_transition"].tolist() == pytest.approx([0.0] * 6)  # VAE candidates stay in post
    assert _flows(result, "vae") == pytest.approx({
        ("ash", 2027, "vae_out", "transitional"): -1.5, ("as", 2027, "vae_in", "transitional"): 1.5,
        ("ash", 2028, "vae_out", "transitional"): -1.0, ("as", 2028, "vae_in", "transitional"): 1.0,
    })


def test_both_pathways_pick_the_vae(promo):
    result = solve(promo, EXACT)
    _assert_valid(result)
    assert result.objective == pytest.approx(3.85, abs=1e-9)
    assert result.cost == pytest.approx(2500.0, abs=1e-6)
    assert _decisions(result) == {("vae", "ash_as_vae", 2026): 3, ("vae", "ash_as_vae", 2027): 2}


def test_cap_is_rounded_half_up_and_rechecked(promo):
    """The VAE cap is 0.125 x 20 = 2.5 -> 3 places a year; evaluate flags a fourth."""
    from dataclasses import replace

    result = solve(promo, _exact(levers=("vae",)))
    assert result.decisions.loc[result.decisions["year"] == 2026, "units"].item() == 3  # the cap binds
    assert evaluate(promo, result).ok  # 3 is within the cap (rounding 2.5 down would flag it)
    more = result.decisions.copy()
    more.loc[more["year"] == 2026, "units"] = 4
    report = evaluate(promo, replace(result, decisions=more))
    assert "capacity" in set(report.violations["family"]), report.violations.to_dict("records")


def test_evaluate_rechecks_the_reported_transition_flows_and_draws(promo):
    """Each derived report is recomputed: staff in transition, the flows table, the labour-pool table."""
    from dataclasses import replace

    result = solve(promo, _exact(levers=("promotion",)))
    wf = result.workforce.copy()
    wf.loc[(wf["metier"] == "ash") & (wf["year"] == 2027), "in_transition"] = 3.0
    flows = result.flows.copy()
    flows.loc[flows["flow"] == "promotion_return", "fte"] = 1.0
    for broken in (replace(result, workforce=wf), replace(result, flows=flows)):
        report = evaluate(promo, broken)
        assert set(report.violations["family"]) == {"stock_balance"}, report.violations.to_dict("records")


# -- places whole in the territory -----------------------------------------------------------------

A2, B2 = "00001", "00002"
TERRITORY = dict(pathway="reconversion_as", lever="reconversion", mode="external", to_metier="as",
                 cap_basis="population", years=1, success=1.0, cost=1000.0, cap_rate=0.6)


def _two_bassins(folder, whole: str):
    """Two bassins, AS only: 10 FTE, inflow 1 a year (stays 10), need 10 then 11: 1 FTE short in each in
    2027 (2.0 FTE-years without levers). A reconversion place started in 2026 brings 1 FTE in 2027; each
    bassin's cap is 0.6 x 1,000 inhabitants / 1,000 = 0.6 places.

    * ``territory``: at most round(0.6 + 0.6) = 1 whole place in the territory, shared between the
      bassins (each share <= 0.6 x 1 / 1.2 = 0.5, the caps scaled with the rounding of their sum): unmet
      2 - 1 = **1.0**, 1,000 EUR.
    * ``bassin``: each cap rounds to 1 whole place: 2 places, unmet **0**, 2,000 EUR."""
    yrs = (2026, 2027)
    need = {(b, "as", y): 10.0 + (y - 2026) for b in (A2, B2) for y in range(2026, 2028)}
    write_instance(folder, bassins=[(A2, 0.0, 45.0), (B2, 0.5, 45.0)], years=yrs, need=need,
                   stock0={(b, "as"): 10.0 for b in (A2, B2)}, inflow={(b, "as", 2027): 1.0 for b in (A2, B2)},
                   budget={"region": 10_000.0, "departement": 0.0},
                   pathways=[{**TERRITORY, "whole_places": whole}])
    return whole, load_instance(folder)


@pytest.fixture(scope="module", params=["territory", "bassin"])
def two_bassins(request, tmp_path_factory):
    return _two_bassins(tmp_path_factory.mktemp("two") / request.param, request.param)


def test_places_whole_in_the_territory_or_in_each_bassin(two_bassins):
    whole, inst = two_bassins
    result = solve(inst, EXACT)
    _assert_valid(result)
    d = result.decisions
    if whole == "territory":
        assert result.objective == pytest.approx(1.0, abs=1e-9) and result.cost == pytest.approx(1000.0)
        assert d["units"].sum() == pytest.approx(1.0) and (d["units"] <= 0.5 + 1e-9).all()
        assert result.pathway_places.to_dict("records") == [
            dict(lever="reconversion", pathway="reconversion_as", year=2026, places=1)]
    else:
        assert result.objective == pytest.approx(0.0, abs=1e-9) and result.cost == pytest.approx(2000.0)
        assert sorted(d["units"]) == [1, 1] and result.pathway_places.empty


def test_evaluate_flags_a_fractional_territory_total_and_a_share_above_its_cap(tmp_path):
    from dataclasses import replace

    _, inst = _two_bassins(tmp_path / "territory", "territory")
    result = solve(inst, EXACT)
    d = result.decisions.copy()
    d["units"] = [0.6, 0.2]  # 0.8 places in the territory
    assert "integrality" in set(evaluate(inst, replace(result, decisions=d)).violations["family"])
    d["units"] = [0.7, 0.3]  # a whole place, but 0.7 > 0.5 in the first bassin
    families = set(evaluate(inst, replace(result, decisions=d)).violations["family"])
    assert "capacity" in families and "integrality" not in families



def test_the_rounded_territory_cap_is_reachable(tmp_path):
    """Each bassin's cap is 0.8 places: the territory's cap is round(0.8 + 0.8) = 2 whole places, and each
    bassin's share is capped at 0.8 x 2 / 1.6 = 1.0 so that both places can be bought (unscaled shares of
    at most 0.8 would reach only 1.6, i.e. 1 whole place): both shortfalls of 1 FTE are filled, unmet
    **0**, 2 places, 2,000 EUR. Evaluate accepts shares of 1.0 and flags 1.1."""
    from dataclasses import replace

    folder = tmp_path / "reachable"
    yrs = (2026, 2027)
    need = {(b, "as", y): 10.0 + (y - 2026) for b in (A2, B2) for y in range(2026, 2028)}
    write_instance(folder, bassins=[(A2, 0.0, 45.0), (B2, 0.5, 45.0)], years=yrs, need=need,
                   stock0={(b, "as"): 10.0 for b in (A2, B2)}, inflow={(b, "as", 2027): 1.0 for b in (A2, B2)},
                   budget={"region": 10_000.0, "departement": 0.0},
                   pathways=[{**TERRITORY, "cap_rate": 0.8, "whole_places": "territory"}])
    inst = load_instance(folder)
    result = solve(inst, EXACT)
    _assert_valid(result)
    assert result.objective == pytest.approx(0.0, abs=1e-9) and result.cost == pytest.approx(2000.0)
    assert sorted(result.decisions["units"]) == pytest.approx([1.0, 1.0])
    assert result.pathway_places["places"].tolist() == [2]
    d = result.decisions.copy()
    d["units"] = [1.1, 0.9]
    families = set(evaluate(inst, replace(result, decisions=d)).violations["family"])
    assert "capacity" in families and "integrality" not in families

# -- conservation of people on random instances -------------------------------------------------

TRANSFER_SUFFIXES = ("_out", "_in", "_return")


@st.composite
def pathway_instances(draw):
    n_bassins = draw(st.integers(1, 2))
    codes = [f"0000{i}" for i in range(1, n_bassins + 1)]
    bassins = [(c, 0.3 * i, 45.0) for i, c in enumerate(codes)]
    metiers = draw(st.sampled_from([("ash", "as"), ("ash", "as", "ide")]))
    first = YEARS[0]
    last = first + draw(st.integers(2, 4))
    yrs = range(first, last + 1)
    fte = lambda hi: st.floats(0.0, hi).map(lambda v: round(v, 2))  # noqa: E731
    stock0 = {(b, m): draw(fte(40.0)) for b in codes for m in metiers}
    inflow = {(b, m, y): draw(fte(5.0)) for b in codes for m in metiers for y in yrs[1:]}
    # need around the stock, mostly above it, so that moves and entries matter
    need = {(b, m, y): round(stock0[(b, m)] * draw(st.floats(0.6, 1.8)) + draw(fte(5.0)), 2)
            for b in codes for m in metiers for y in yrs}
    params = {
        "retire_rate": {m: draw(fte(0.1)) for m in metiers},
        "exit_rate": {m: draw(fte(0.1)) for m in metiers},
        "unmet_weight": {m: float(draw(st.sampled_from([1, 3, 6]))) for m in metiers},
    }
    apprentice_cap = {(b, m): draw(st.integers(0, 2)) for b in codes for m in metiers}
    training_cap = {(codes[0], m): draw(st.integers(0, 2)) for m in metiers}
    budget = {"region": draw(st.sampled_from([0.0, 1500.0, 6000.0, 50_000.0, 50_000.0])),
              "departement": draw(st.sampled_from([0.0, 1500.0, 6000.0, 50_000.0, 50_000.0]))}
    # every mode, out-of-post twice (it has the fewest start years), and up to two more
    modes = [*PATHWAY_MODES, "out_of_post", *draw(st.lists(st.sampled_from(PATHWAY_MODES), max_size=2))]
    pathways = []
    for i, mode in enumerate(modes):
        if mode == "external":
            source, target = "", draw(st.sampled_from(metiers))
            basis = draw(st.sampled_from([b for b in CAP_BASES if b != "source_stock"]))
        else:
            source, target = draw(st.permutations(metiers))[:2]
            basis = draw(st.sampled_from(CAP_BASES))
        rate = draw(st.sampled_from([0.0, 0.6, 1.5, 3.0] if basis == "population" else [0.0, 0.1, 0.2, 0.4]))
        pathways.append(dict(
            pathway=f"p{i}", lever=draw(st.sampled_from(PATHWAY_LEVERS)),
            reservoir=draw(st.sampled_from(["primary", "transitional", "social"])), mode=mode,
            from_metier=source, to_metier=target, cap_basis=basis,
            draws_labour_pool=draw(st.integers(0, 1)) if mode == "external" else 0,
            whole_places=draw(st.sampled_from(WHOLE_PLACES)), years=draw(st.sampled_from([1, 1, 2])),
            success=draw(st.sampled_from([0.0, 0.3, 0.5, 0.5, 0.9, 1.0])),
            cost=draw(st.sampled_from([0.0, 300.0, 2500.0])), cap_rate=rate))
    spec = dict(bassins=bassins, years=(first, last), metiers=metiers, need=need, stock0=stock0, inflow=inflow,
                params={**params, "retain_local": draw(st.sampled_from([0.5, 1.0]))}, training_cap=training_cap,
                apprentice_cap=apprentice_cap, budget=budget, pathways=pathways)
    if draw(st.booleans()):
        spec["labour_pool"] = {(b, m): draw(fte(6.0)) for b in codes for m in metiers}
        spec["labour_pool_share"] = draw(st.sampled_from([0.0, 0.3, 1.0]))
    return spec


def _is_transfer(flows: pd.DataFrame) -> pd.Series:
    """Moves between métiers (or out of post and back): ``<lever>_out``, ``_in``, ``_return`` of a pathway lever."""
    return pd.Series([lever in PATHWAY_LEVERS and flow in {lever + s for s in TRANSFER_SUFFIXES}
                      for lever, flow in zip(flows["lever"], flows["flow"])], index=flows.index, dtype=bool)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pathway_instances())
def test_people_are_conserved(spec):
    """Random tiny instances with pathways of every mode: every stock change is explained by its flows, and
    summed over métiers, staff in post plus staff in transition change only by departures, the baseline
    inflow and entries from outside (apprentices, graduates, external pathways)."""
    with tempfile.TemporaryDirectory() as tmp:
        inst = load_instance(write_instance(Path(tmp) / "case", **spec))
        result = solve(inst, Scenario(mip_gap=0.0))
    assert result.status == "optimal", result.message
    assert result.violations == 0, result.violation_details
    first, last = spec["years"]
    key = ["bassin", "metier", "year"]
    w = result.workforce.sort_values(key).reset_index(drop=True)
    prev = w.groupby(["bassin", "metier"])[["stock", "in_transition"]].shift(1)
    later = (w["year"] > first).to_numpy()
    wl, pl = w[later], prev[later]

    # every row: S_t = S_{t-1} - departures_t + baseline inflow_t + lever inflow_t
    rebuilt = pl["stock"] - wl["departures"] + wl["baseline_inflow"] + wl["lever_inflow"]
    assert np.allclose(rebuilt, wl["stock"], atol=1e-6)
    assert (w.loc[~later, "in_transition"] == 0).all()  # nobody can leave the fixed first-year stock
    assert (w["in_transition"] >= -1e-9).all() and (w["stock"] >= -1e-6).all()

    # the flows table explains each stock change (pool cover is need covered, not stock)
    flows = result.flows[result.flows["flow"] != "pool_cover"]
    per_cell = flows.groupby(key)["fte"].sum()
    idx = pd.MultiIndex.from_frame(wl[key])
    assert np.allclose(per_cell.reindex(idx).fillna(0.0).to_numpy(), (wl["stock"] - pl["stock"]).to_numpy(), atol=1e-6)

    # people: summed over métiers, (stock + in transition) changes only by departures, baseline inflow and
    # entries from outside; the moves between métiers and in and out of school net to zero
    transfer = _is_transfer(flows)
    entries = flows[~transfer & (flows["lever"] != "baseline")].groupby(["bassin", "year"])["fte"].sum()
    moves = flows[transfer].groupby(["bassin", "year"])["fte"].sum()
    people = (wl[["stock", "in_transition"]].sum(axis=1) - pl.sum(axis=1)).groupby([wl["bassin"], wl["year"]]).sum()
    system = (wl["baseline_inflow"] - wl["departures"]).groupby([wl["bassin"], wl["year"]]).sum()
    d_transition = (wl["in_transition"] - pl["in_transition"]).groupby([wl["bassin"], wl["year"]]).sum()
    cells = people.index
    assert np.allclose(people.to_numpy(), (system + entries.reindex(cells).fillna(0.0)).to_numpy(), atol=1e-6)
    assert np.allclose((moves.reindex(cells).fillna(0.0) + d_transition).to_numpy(), 0.0, atol=1e-6)
    # equivalently: the net lever inflow over métiers plus the change in transition is the entries
    lever_net = wl["lever_inflow"].groupby([wl["bassin"], wl["year"]]).sum()
    assert np.allclose((lever_net + d_transition).to_numpy(), entries.reindex(cells).fillna(0.0).to_numpy(), atol=1e-6)

    # what enters from outside is what the entry decisions deliver (apprentices, external pathways)
    paths = pd.DataFrame([{k: p[k] for k in ("pathway", "mode", "from_metier", "draws_labour_pool")}
                          for p in spec["pathways"]]).set_index("pathway")
    d = result.decisions.astype({"units": float, "fte": float, "year": int, "lag": int, "delivers": int})
    mode = d["pathway"].map(paths["mode"])
    entry = d["lever"].isin(["training", "apprenticeship"]) | (mode == "external")
    assert entries.sum() == pytest.approx(d.loc[entry & (d["delivers"] <= last), "fte"].sum(), abs=1e-6)
    assert (d.loc[mode == "out_of_post", "year"] >= first + 1).all()
    assert (d["delivers"] <= last).all()

    # in transition = out-of-post places started in the last `years` years, in their source métier
    school = d[mode == "out_of_post"]
    expect = {}
    for r in school.itertuples():
        for k in range(int(r.lag)):
            cell = (r.bassin, paths.loc[r.pathway, "from_metier"], int(r.year) + k)
            expect[cell] = expect.get(cell, 0.0) + r.units
    got = w.set_index(key)["in_transition"]
    expected = pd.Series(expect, dtype=float).reindex(got.index).fillna(0.0) if expect else 0.0 * got
    assert np.allclose(got.to_numpy(), np.asarray(expected, dtype=float), atol=1e-6)

    # the labour pool: people drawn within the bound; one per apprentice and flagged pathway place in its
    # bassin and start year, a training place's entrants spread like its graduates settle
    if "labour_pool" in spec:
        pool = result.labour_pool.set_index(["bassin", "year"])
        assert (pool["drawn"] <= pool["available"] + 1e-6).all()
        flagged = d["pathway"].map(paths["draws_labour_pool"]).eq(1) | (d["lever"] == "apprenticeship")
        drawn = d[flagged].groupby(["bassin", "year"])["units"].sum()
        places = d[d["lever"] == "training"]
        if len(places):
            share = graduate_destinations(inst).rename("share").reset_index()
            spread = places.merge(share, left_on=["bassin", "metier"], right_on=["site", "metier"],
                                  suffixes=("_site", ""))
            drawn = pd.concat([drawn, (spread["units"] * spread["share"]).groupby(
                [spread["bassin"], spread["year"]]).sum()]).groupby(level=[0, 1]).sum()
        drawn = drawn.reindex(pool.index).fillna(0.0)
        assert np.allclose(pool["drawn"].to_numpy(float), drawn.to_numpy(float), atol=1e-6)


# -- the labour pool bound ------------------------------------------------------------------------------

IMMERSION = dict(pathway="immersion_as", lever="immersion", reservoir="primary", mode="external", to_metier="as",
                 cap_basis="population", draws_labour_pool=1, years=1, success=0.5, cost=100.0, cap_rate=10.0)


@pytest.fixture(scope="module")
def pool(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pool") / "pool"
    write_instance(folder, bassins=[(B, 0.0, 45.0)], years=YEARS,
                   need={(B, "as", 2026): 10.0, (B, "as", 2027): 14.0, (B, "as", 2028): 14.0},
                   stock0={(B, "as"): 10.0}, inflow={(B, "as", y): 1.0 for y in _yrs(2027)},
                   apprentice_cap={(B, "as"): 10}, budget={"region": 0.0, "departement": 100_000.0},
                   pathways=[IMMERSION], labour_pool={(B, "as"): 8.0}, labour_pool_share=0.25)
    return load_instance(folder)


def _share(value):
    return {("labour_pool_share", ""): value}


ALL = None
IMMERSION_ONLY = ("immersion",)
# (levers, labour_pool_share) -> (objective, cost, decisions {(lever, year): units}, drawn by year)
POOL_CASES = {
    "all_0.25": (ALL, 0.25, 2.78, 8000.0, {("apprenticeship", 2026): 2, ("apprenticeship", 2027): 2},
                 {2026: 2.0, 2027: 2.0, 2028: 0.0}),
    "immersion_0.25": (IMMERSION_ONLY, 0.25, 5.1, 400.0, {("immersion", 2026): 2, ("immersion", 2027): 2},
                       {2026: 2.0, 2027: 2.0, 2028: 0.0}),
    "all_0.5": (ALL, 0.5, 0.4, 8200.0, {("apprenticeship", 2026): 4, ("immersion", 2027): 2},
                {2026: 4.0, 2027: 2.0, 2028: 0.0}),
    "immersion_0.5": (IMMERSION_ONLY, 0.5, 2.2, 800.0, {("immersion", 2026): 4, ("immersion", 2027): 4},
                      {2026: 4.0, 2027: 4.0, 2028: 0.0}),
    "immersion_1": (IMMERSION_ONLY, 1.0, 0.0, 900.0, {("immersion", 2026): 8, ("immersion", 2027): 1},
                    {2026: 8.0, 2027: 1.0, 2028: 0.0}),
    "all_1": (ALL, 1.0, 0.0, 900.0, {("immersion", 2026): 8, ("immersion", 2027): 1},
              {2026: 8.0, 2027: 1.0, 2028: 0.0}),
}


@pytest.mark.parametrize("case", list(POOL_CASES), ids=list(POOL_CASES))
def test_labour_pool_known_answers(pool, case):
    levers, share, objective, cost, decisions, drawn = POOL_CASES[case]
    params = {} if share == 0.25 else _share(share)
    result = solve(pool, _exact(levers=levers, parameters=params))
    _assert_valid(result)
    assert result.objective == pytest.approx(objective, abs=1e-9)
    assert result.cost == pytest.approx(cost, abs=1e-6)
    assert {(r.lever, int(r.year)): r.units for r in result.decisions.itertuples()} == decisions
    lp = result.labour_pool.set_index("year")
    assert lp["bassin"].eq(B).all() and lp["jobseekers"].tolist() == pytest.approx([8.0] * 3)
    assert lp["available"].to_dict() == pytest.approx({y: 8.0 * share for y in _yrs()})
    assert lp["drawn"].to_dict() == pytest.approx(drawn, abs=1e-9)
    assert result.workforce["tension"].tolist() == pytest.approx([3.0] * 3)


def test_labour_pool_binds_exactly(pool):
    """At lambda = 0.25 the bound is what limits the plan: drawn == available (2 people) in both start years,
    and raising the share to 0.5 lowers unmet need from 2.78 to 0.4 (all levers), 5.1 to 2.2 (immersions)."""
    tight = solve(pool, EXACT)
    lp = tight.labour_pool.set_index("year")
    assert lp.loc[[2026, 2027], "drawn"].tolist() == pytest.approx(lp.loc[[2026, 2027], "available"].tolist())
    assert lp.loc[[2026, 2027], "used_share"].tolist() == pytest.approx([1.0, 1.0])
    wider = solve(pool, _exact(parameters=_share(0.5)))
    assert tight.objective == pytest.approx(2.78, abs=1e-9)
    assert wider.objective == pytest.approx(0.4, abs=1e-9)
    assert solve(pool, _exact(levers=IMMERSION_ONLY, parameters=_share(0.5))).objective == pytest.approx(2.2, abs=1e-9)


def test_evaluate_flags_draws_above_the_bound(pool):
    from dataclasses import replace

    result = solve(pool, EXACT)
    more = result.decisions.copy()
    more.loc[(more["lever"] == "apprenticeship") & (more["year"] == 2026), "units"] = 3  # 3 people > 2 available
    report = evaluate(pool, replace(result, decisions=more))
    assert "labour_pool" in set(report.violations["family"]), report.violations.to_dict("records")


# -- bad input: one clear error ---------------------------------------------------------------------------

BAD_PATHWAYS = [
    PROMOTION,
    VAE,
    dict(pathway="reconversion_as", lever="reconversion", mode="external", to_metier="as", cap_basis="target_stock",
         draws_labour_pool=1, whole_places="territory", years=1, success=0.9, cost=6200.0, cap_rate=0.02),
]


def _write_valid(folder: Path, **changes) -> Path:
    need = {(B, m, y): 10.0 for m in ("ash", "as") for y in _yrs()}
    spec = dict(bassins=[(B, 0.0, 45.0)], years=YEARS, metiers=("ash", "as"), need=need,
                stock0={(B, "ash"): 10.0, (B, "as"): 10.0}, inflow={(B, m, y): 1.0 for m in ("ash", "as")
                                                                   for y in _yrs(2027)},
                budget={"region": 1000.0, "departement": 1000.0}, pathways=BAD_PATHWAYS,
                labour_pool={(B, "ash"): 3.0, (B, "as"): 2.0}, labour_pool_share=0.5)
    return write_instance(folder, **{**spec, **changes})


def _read(folder: Path, file: str) -> pd.DataFrame:
    return pd.read_csv(folder / file, dtype=str, keep_default_na=False)


def _set(folder: Path, file: str, where: Callable[[pd.DataFrame], pd.Series], column: str, value: str) -> int:
    """Set ``column`` in the one row matching ``where``; returns its 1-based data row."""
    t = _read(folder, file)
    hit = t.index[where(t)]
    assert len(hit) == 1, f"{len(hit)} rows match in {file}"
    t.loc[hit[0], column] = value
    t.to_csv(folder / file, index=False)
    return int(hit[0]) + 1


def _param_row(name: str, key: str):
    return lambda t: (t["name"] == name) & (t["key"] == key)


def _pathway_row(pathway: str):
    return lambda t: t["pathway"] == pathway


@dataclass
class Expect:
    file: str
    row: int | None
    column: str
    text: str  # words the message must contain (case-insensitive)


def from_unknown_metier(folder):
    return Expect("pathways.csv", _set(folder, "pathways.csv", _pathway_row("ash_as_vae"), "from_metier", "plombier"),
                  "from_metier", "plombier")


def to_unknown_metier(folder):
    return Expect("pathways.csv", _set(folder, "pathways.csv", _pathway_row("reconversion_as"), "to_metier", "plombier"),
                  "to_metier", "plombier")


def success_above_one(folder):
    row = _set(folder, "parameters.csv", _param_row("pathway_success", "ash_as_vae"), "value", "1.2")
    return Expect("parameters.csv", row, "value", "share")


def zero_years(folder):
    row = _set(folder, "parameters.csv", _param_row("pathway_years", "ash_as_promotion"), "value", "0")
    return Expect("parameters.csv", row, "value", "whole number of years")


def fractional_years(folder):
    row = _set(folder, "parameters.csv", _param_row("pathway_years", "reconversion_as"), "value", "1.5")
    return Expect("parameters.csv", row, "value", "whole number of years")


def unknown_mode(folder):
    row = _set(folder, "pathways.csv", _pathway_row("ash_as_promotion"), "mode", "sabbatical")
    return Expect("pathways.csv", row, "mode", "sabbatical")


def external_with_source(folder):
    row = _set(folder, "pathways.csv", _pathway_row("reconversion_as"), "from_metier", "ash")
    return Expect("pathways.csv", row, "from_metier", "external")


def in_post_without_source(folder):
    row = _set(folder, "pathways.csv", _pathway_row("ash_as_vae"), "from_metier", "")
    return Expect("pathways.csv", row, "from_metier", "from_metier is needed")


def unknown_lever(folder):
    row = _set(folder, "pathways.csv", _pathway_row("ash_as_vae"), "lever", "bonus")
    return Expect("pathways.csv", row, "lever", "bonus")


def draws_not_a_flag(folder):
    row = _set(folder, "pathways.csv", _pathway_row("reconversion_as"), "draws_labour_pool", "2")
    return Expect("pathways.csv", row, "draws_labour_pool", "above")


def lever_without_funder(folder):
    _write_valid(folder, pathway_funders={"vae": None})
    row = int(_read(folder, "pathways.csv").index[_read(folder, "pathways.csv")["lever"] == "vae"][0]) + 1
    return Expect("pathways.csv", row, "lever", "no funder")


def parameter_of_unknown_pathway(folder):
    t = _read(folder, "parameters.csv")
    extra = t[_param_row("pathway_cost", "ash_as_vae")(t)].assign(key="nosuch")
    pd.concat([t, extra], ignore_index=True).to_csv(folder / "parameters.csv", index=False)
    return Expect("parameters.csv", len(t) + 1, "key", "unknown pathway 'nosuch'")


def missing_pathway_parameter(folder):
    t = _read(folder, "parameters.csv")
    t[~_param_row("pathway_cap_rate", "reconversion_as")(t)].to_csv(folder / "parameters.csv", index=False)
    return Expect("parameters.csv", None, "key", "reconversion_as")


def labour_pool_unknown_bassin(folder):
    row = _set(folder, "labour_pool.csv", lambda t: t["metier"] == "as", "bassin", "99999")
    return Expect("labour_pool.csv", row, "bassin", "99999")


def labour_pool_without_share(folder):
    _write_valid(folder, labour_pool_share=None)
    return Expect("parameters.csv", None, "name", "labour_pool_share")


BAD_CASES: dict[str, Callable[[Path], Expect]] = {f.__name__: f for f in (
    from_unknown_metier, to_unknown_metier, success_above_one, zero_years, fractional_years, unknown_mode,
    external_with_source, in_post_without_source, unknown_lever, draws_not_a_flag, lever_without_funder,
    parameter_of_unknown_pathway, missing_pathway_parameter, labour_pool_unknown_bassin, labour_pool_without_share)}


def test_valid_pathway_instance_loads(tmp_path):
    """The unbroken instance loads: every failure below comes from the one thing each case breaks."""
    inst = load_instance(_write_valid(tmp_path / "ok"))
    assert list(inst.pathways()["pathway"]) == ["ash_as_promotion", "ash_as_vae", "reconversion_as"]
    assert inst.labour_pool().to_dict() == pytest.approx({B: 5.0})


@pytest.mark.parametrize("case", list(BAD_CASES), ids=list(BAD_CASES))
def test_bad_pathway_input_names_file_row_and_column(case, tmp_path):
    folder = _write_valid(tmp_path / "bad")
    expect = BAD_CASES[case](folder)
    with pytest.raises(InputError) as info:
        load_instance(folder)
    err = info.value
    assert (Path(err.file).name, err.row, err.column) == (expect.file, expect.row, expect.column), str(err)
    assert Path(err.file).parent == folder
    assert expect.text.lower() in err.message.lower(), err.message

    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "gpec.cli", "solve", str(folder), "--out", str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    line = lines[0]
    assert line.startswith("gpec: error:") and expect.file in line and f"column '{expect.column}'" in line, line
    if expect.row is not None:
        assert f"row {expect.row}" in line, line
    assert expect.text.lower() in line.lower(), line
    assert not out.exists(), "a load error must not write anything"


def test_ortools_agrees_on_the_pathway_and_labour_pool_cases(promo, pool):
    """The second backend (SCIP) reproduces the hand-computed optima of this module."""
    assert solve(promo, _exact(solver="ortools")).objective == pytest.approx(3.85, abs=1e-6)
    assert solve(pool, _exact(solver="ortools")).objective == pytest.approx(2.78, abs=1e-6)
