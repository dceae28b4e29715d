"""Each funding body pays only for decisions located in its territory (P8, item 2).

A two-département instance by hand: bassin 40001 in the Landes (dep 40), bassin 64001 in the
Pyrénées-Atlantiques (dep 64), both in Nouvelle-Aquitaine (reg 75); bodies cd40, cd64 and cr75
(``funders.csv``). One métier, 2026-2029: 100 FTE in post in each bassin, 10 % leave a year and the
baseline brings 10, so the stock stays 100 without levers. Need: 100 then 102 a year in 40001, 100 then
110 in 64001. An apprenticeship (2,000 EUR, cd40, cd64 or cr75) started in year t adds 0.9 FTE in t+1,
at most 5 a year per bassin; a training place (1,000 EUR, cr75), at most 2.

With 6,000 EUR a year for cd40 only (3 contracts), the Landes' money may not pay in 64001: every
contract is in 40001 (whose need it more than covers: part of the money stays unspent) and 64001 keeps
its 30 FTE-years of unmet need; pooled, the same money would also buy contracts in 64001. With the
Région's money instead (it pays in both départements) the plan is as good as pooled money.
"""

from __future__ import annotations

import copy

import pandas as pd
import pytest

from gpec.errors import InputError
from gpec.evaluate import evaluate
from gpec.instance import load_instance
from gpec.models import build_model
from gpec.outputs import load_result, write_outputs
from gpec.scenario import Scenario
from gpec.solving import solve
from tests.conftest import write_instance

A, B = "40001", "64001"
YEARS = (2026, 2027, 2028, 2029)
FUNDERS = pd.DataFrame([
    dict(funder="cd40", kind="departement", territory="40", name="Landes", source="test"),
    dict(funder="cd64", kind="departement", territory="64", name="Pyrénées-Atlantiques", source="test"),
    dict(funder="cr75", kind="region", territory="75", name="Nouvelle-Aquitaine", source="test"),
])


def two_departements(folder, budget: dict, funders: bool = True):
    """The instance of the module docstring; ``funders=False`` leaves out funders.csv (funders pay
    everywhere), ``budget``: {funder: EUR a year}."""
    write_instance(
        folder, bassins=[(A, -0.8, 43.9), (B, -0.4, 43.3)], years=(2026, 2029),
        need={**{(A, "as", y): 100 if y == 2026 else 102 for y in YEARS},
              **{(B, "as", y): 100 if y == 2026 else 110 for y in YEARS}},
        stock0={(A, "as"): 100.0, (B, "as"): 100.0}, inflow={(b, "as", y): 10.0 for b in (A, B) for y in YEARS[1:]},
        training_cap={(A, "as"): 2, (B, "as"): 2}, apprentice_cap={(A, "as"): 5, (B, "as"): 5},
        budget=budget,
    )
    bassins = pd.read_csv(folder / "bassins.csv", dtype=str)
    bassins["dep"], bassins["reg"] = ["40", "64"], ["75", "75"]
    bassins.to_csv(folder / "bassins.csv", index=False)
    pd.DataFrame([dict(lever="apprenticeship", funder=f, source="test") for f in ("cd40", "cd64", "cr75")]
                 + [dict(lever="training", funder="cr75", source="test")]).to_csv(folder / "levers.csv", index=False)
    if funders:
        FUNDERS.to_csv(folder / "funders.csv", index=False)
    return load_instance(folder)


@pytest.fixture(scope="module")
def landes_money(tmp_path_factory):
    """(scoped instance, its result, pooled instance, its result) with 6,000 EUR a year for cd40 only."""
    budget = {"cd40": 6000.0, "cd64": 0.0, "cr75": 0.0}
    scoped = two_departements(tmp_path_factory.mktemp("scoped") / "i", budget)
    pooled = two_departements(tmp_path_factory.mktemp("pooled") / "i", budget, funders=False)
    return scoped, solve(scoped, Scenario(mip_gap=0.0)), pooled, solve(pooled, Scenario(mip_gap=0.0))


def unmet_in(result, bassin) -> float:
    u = result.unmet
    return float(u.loc[u["bassin"] == bassin, "unmet"].sum())


def test_funder_zones_from_funders_and_bassins(landes_money):
    scoped, _, pooled, _ = landes_money
    assert scoped.funder_zones() == {"cd40": {"40"}, "cd64": {"64"}, "cr75": {"40", "64"}}
    assert scoped.bassin_zones().to_dict() == {A: "40", B: "64"}
    # without funders.csv every funder pays everywhere: one zone
    assert pooled.bassin_zones() is None
    assert pooled.funder_zones() == {"cd40": {""}, "cd64": {""}, "cr75": {""}}


def test_landes_money_pays_only_in_the_landes(landes_money):
    scoped, result, _, _ = landes_money
    assert result.status == "optimal"
    bought = result.decisions
    assert len(bought) and set(bought["bassin"]) == {A} and set(bought["lever"]) == {"apprenticeship"}
    paid = result.spend[result.spend["eur"] > 1e-6]
    assert set(zip(paid["funder"], paid["zone"])) == {("cd40", "40")}
    # the spend table has one row per lever, funder, zone of the funder and year
    assert set(result.spend.loc[result.spend["funder"] == "cd40", "zone"]) == {"40"}
    assert set(result.spend.loc[result.spend["funder"] == "cr75", "zone"]) == {"40", "64"}
    assert unmet_in(result, B) == pytest.approx(30.0, abs=1e-6)  # nothing reaches 64001
    report = evaluate(scoped, result)
    assert report.ok, report.violations


def test_scoped_plan_leaves_more_unmet_need_than_pooled_money(landes_money):
    _, scoped, pooled_instance, pooled = landes_money
    assert pooled.status == "optimal"
    assert evaluate(pooled_instance, pooled).ok
    assert B in set(pooled.decisions["bassin"])  # pooled money also buys contracts in 64001
    assert unmet_in(scoped, B) > unmet_in(pooled, B) + 0.5
    assert scoped.objective > pooled.objective + 0.5
    assert set(pooled.spend["zone"]) == {""}


def test_evaluate_flags_a_funder_paying_outside_its_territory(landes_money):
    """The pooled plan, paid by cd40 where each contract is, breaks only the territory rule."""
    scoped, _, _, pooled = landes_money
    r = copy.deepcopy(pooled)
    d = r.decisions
    zone = d["bassin"].map({A: "40", B: "64"})
    spend = (d.assign(zone=zone, eur=d["units"] * 2000.0).groupby(["lever", "zone", "year"], as_index=False)["eur"]
             .sum().assign(funder="cd40", phase="horizon"))
    r.spend = spend[["lever", "funder", "zone", "year", "eur", "phase"]]
    violations = evaluate(scoped, r).violations
    assert set(violations["family"]) == {"funding"}
    assert violations["detail"].str.contains("outside its territory").all()
    assert set(violations["label"]) == {f"apprenticeship cd40 64 {y}" for y in set(d.loc[zone == "64", "year"])}
    # the same spending moved to cd64 is within its territory, but over its (empty) envelope
    r.spend = r.spend.assign(funder=r.spend["zone"].map({"40": "cd40", "64": "cd64"}))
    assert set(evaluate(scoped, r).violations["family"]) == {"budget"}


def test_evaluate_flags_spend_moved_to_another_zone(landes_money):
    scoped, result, _, _ = landes_money
    r = copy.deepcopy(result)
    i = r.spend["eur"].idxmax()
    r.spend.loc[i, "zone"] = "64"  # cd40's euros said to be paid in 64001's département
    details = evaluate(scoped, r).violations
    assert set(details["family"]) == {"funding"}
    assert details["detail"].str.contains("outside its territory").any()
    assert details["detail"].str.contains("!= cost").any()


def test_region_money_pays_in_both_departements(tmp_path):
    """cr75 pays in both zones: the plan is as good as with pooled money; whole totals are per zone."""
    budget = {"cd40": 0.0, "cd64": 0.0, "cr75": 6000.0}
    scoped = two_departements(tmp_path / "scoped", budget)
    pooled = two_departements(tmp_path / "pooled", budget, funders=False)
    model = build_model(scoped, (2026, 2029))
    training = next(lv for lv in model.levers if lv.lever == "training")
    assert list(training.totals.index.names) == ["zone", "metier", "year"]
    assert {z for z, _, _ in training.totals.index} == {"40", "64"}
    a, b = solve(scoped, Scenario(mip_gap=0.0)), solve(pooled, Scenario(mip_gap=0.0))
    assert a.status == b.status == "optimal"
    assert a.objective == pytest.approx(b.objective, abs=1e-6)
    assert evaluate(scoped, a).ok
    paid = a.spend[a.spend["eur"] > 1e-6]
    assert set(paid["funder"]) == {"cr75"} and set(paid["zone"]) == {"40", "64"}


def test_spend_zone_is_written_and_read_back_as_text(landes_money, tmp_path):
    scoped, result, _, _ = landes_money
    write_outputs(result, tmp_path / "out", maps=False)
    back = load_result(tmp_path / "out")
    assert set(back.spend["zone"]) == {"40", "64"}
    assert evaluate(scoped, back).ok


def test_a_departement_in_two_regions_is_bad_input(tmp_path):
    folder = tmp_path / "bad"
    two_departements(folder, {"cd40": 0.0, "cd64": 0.0, "cr75": 0.0})
    bassins = pd.read_csv(folder / "bassins.csv", dtype=str)
    bassins["dep"] = ["40", "40"]
    bassins.loc[1, "reg"] = "76"
    bassins.to_csv(folder / "bassins.csv", index=False)
    with pytest.raises(InputError, match="bassins.csv") as err:
        load_instance(folder)
    assert err.value.row == 2 and err.value.column == "reg"
