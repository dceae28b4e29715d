"""The live what-if loop (gpec.planner): warm re-solves equal cold solves; plans stable against a reference.

Warm against cold runs on the Landes with a two-year horizon (every lever on, real data; it proves in
about a second). Two solves of the same scenario agree when each one's bound is at most the other's
incumbent (they may stop anywhere within their gaps), and both plans pass ``evaluate()``.

Stability, solved by hand: two bassins far apart (every graduate stays: ``retain_local`` 1), each 0.9
FTE short in 2027; a training place (Région, 1,000 EUR) or an apprenticeship (Département, 2,000 EUR),
started in 2026, delivers 0.9 FTE in 2027 in its bassin. With 1,000 EUR for the Région and 2,000 EUR for
the Département, the plan is one place in one bassin and one contract in the other (unmet 0); which
bassin gets the place is a tie. Without the Département's money, the place stays where the reference
plan put it and only the contract goes: 1 unit moved, unmet 0.9.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from gpec.errors import GpecError
from gpec.evaluate import evaluate
from gpec.instance import load_instance
from gpec.planner import Planner
from gpec.results import read_reference
from gpec.scenario import Scenario
from gpec.solving import solve
from tests.conftest import write_instance

SHORT = Scenario(horizon=(2026, 2027), shadow_prices=False)


@pytest.fixture(scope="module")
def landes():
    from tests.conftest import LANDES
    return load_instance(LANDES)


def _agree(warm, cold):
    """Both have a plan that evaluate() accepts, and neither's bound cuts off the other's incumbent."""
    assert warm.has_solution and cold.has_solution, (warm.message, cold.message)
    assert warm.violations == 0 and cold.violations == 0
    tol = 1e-6 * max(1.0, abs(cold.objective))
    assert warm.bound <= cold.objective + tol and cold.bound <= warm.objective + tol
    assert warm.levers == cold.levers
    assert set(warm.decisions["lever"]) <= set(cold.levers)
    assert set(warm.spend["lever"]) == set(cold.spend["lever"])


@pytest.fixture(scope="module")
def planner(landes):
    p = Planner(landes, SHORT)
    p.solve()
    return p


@pytest.mark.parametrize("change", [
    {"budgets": {"departement": 350_000}},
    {"budgets": {"region": {2026: 200_000, 2027: 900_000}}},
    {"parameters": {"eff_qvct_exit": 0.2, "retire_rate[as]": 0.05}},
], ids=["budget", "budget-per-year", "parameters"])
def test_an_update_in_place_equals_a_cold_solve(planner, landes, change):
    builds = planner.builds
    warm = planner.update(**change).solve()
    assert planner.builds == builds  # changed in place, not rebuilt
    _agree(warm, solve(landes, planner.scenario))


def test_levers_switched_off_and_on_rebuild_and_equal_cold(landes):
    p = Planner(landes, SHORT)
    p.solve()
    off = p.update(levers_off=["pools", "training"]).solve()  # another shape: a new solver model
    assert p.builds == 2 and p.updates_in_place == 0
    assert "pools" not in off.levers and "training" not in off.levers
    assert not off.decisions["lever"].isin(["pools", "training"]).any()
    assert evaluate(off.applied, off).violations.empty
    _agree(off, solve(landes, p.scenario))
    on = p.update(levers_off=[]).solve()
    assert p.builds == 3 and on.levers == solve(landes, SHORT).levers


def test_budgets_given_by_year_add_up(landes):
    p = Planner(landes, SHORT)
    p.update(budgets={"region": {2026: 100_000}}).update(budgets={"cr75": {2027: 200_000}})  # alias and code
    assert p.scenario.budgets == {"cr75": {2026: 100_000, 2027: 200_000}}
    p.update(budgets={"region": 300_000})  # one value: every year
    assert p.scenario.budgets == {"cr75": 300_000}
    p.update(budgets={"cr75": {2027: 400_000}})  # a year over the flat value: both kept
    assert p.scenario.budgets == {"cr75": {None: 300_000, 2027: 400_000}}
    assert p.scenario.apply(landes)[0].budget().xs("cr75").loc[2026:2028].tolist() == [300_000, 400_000, 300_000]


def test_a_change_of_shape_rebuilds_and_still_equals_cold(landes):
    p = Planner(landes, SHORT)
    p.solve()
    warm = p.update(service_level=0.5).solve()  # adds the service-level rows: a new model
    assert p.builds == 2
    _agree(warm, solve(landes, p.scenario))
    again = p.update(service_level=0.6).solve()  # the same rows, another level: in place
    assert p.builds == 2 and p.updates_in_place >= 1
    _agree(again, solve(landes, p.scenario))


def test_a_bad_update_is_refused_and_changes_nothing(landes):
    p = Planner(landes, SHORT)
    before = p.scenario
    with pytest.raises(GpecError, match="unknown funder"):
        p.update(budgets={"cnsa": 1.0})
    with pytest.raises(GpecError, match="2050 is outside the horizon"):
        p.update(budgets={"region": {2050: 1.0}})
    with pytest.raises(GpecError, match="unknown lever 'cars'"):
        p.update(levers_off=["cars"])
    with pytest.raises(GpecError, match="unknown parameter"):
        p.update(parameters={"no_such": 1.0})
    with pytest.raises(GpecError, match="not a number"):
        p.update(parameters={"eff_qvct_exit": "abc"})
    assert p.scenario == before


# -- stability against a reference ------------------------------------------------------------
A, B = "00001", "00002"


def _two_bassins(folder, departement: float):
    need = {(b, "as", y): 100.0 + (0.9 if y == 2027 else 0.0) for b in (A, B) for y in (2026, 2027)}
    write_instance(folder, bassins=[(A, 0.0, 45.0), (B, 1.0, 45.0)], years=(2026, 2027), need=need,
                   stock0={(b, "as"): 100.0 for b in (A, B)}, inflow={(b, "as", 2027): 10.0 for b in (A, B)},
                   training_cap={(A, "as"): 5, (B, "as"): 5}, apprentice_cap={(A, "as"): 5, (B, "as"): 5},
                   budget={"region": 1000.0, "departement": departement},
                   params={"retain_local": 1.0, "cost_apprentice": 2000.0})
    return load_instance(folder)


EXACT = Scenario(levers=("training", "apprenticeship"), mip_gap=0.0, cost_gap=0.0, shadow_prices=False)


def _units(result) -> dict:
    return {(r.lever, r.bassin): r.units for r in result.decisions.itertuples()}


def test_the_base_plan_is_one_place_and_one_contract(tmp_path):
    base = solve(_two_bassins(tmp_path / "base", 2000.0), EXACT)
    assert base.status == "optimal" and base.objective == pytest.approx(0.0, abs=1e-9)
    units = _units(base)
    assert sorted(units.values()) == [1, 1]
    assert {lever for lever, _ in units} == {"training", "apprenticeship"}
    assert len({bassin for _, bassin in units}) == 2  # one in each bassin


def test_resolving_against_its_own_plan_changes_nothing(tmp_path):
    inst = _two_bassins(tmp_path / "base", 2000.0)
    base = solve(inst, EXACT)
    again = solve(inst, EXACT, reference=base)
    assert again.reference_change == 0.0
    assert _units(again) == _units(base)
    assert [s.name for s in again.stages][:3] == ["unmet", "cost", "change"]


def test_a_budget_cut_moves_only_what_the_budget_reaches(tmp_path):
    inst = _two_bassins(tmp_path / "base", 2000.0)
    base = solve(inst, EXACT)
    mirror = base.decisions.assign(bassin=base.decisions["bassin"].map({A: B, B: A}))  # the tie, other way
    for reference in (base.decisions, mirror):
        place = reference.loc[reference["lever"] == "training", "bassin"].item()
        cut = Planner(inst, replace_budget(EXACT, 0.0), reference=reference).solve()
        assert cut.status == "optimal" and cut.objective == pytest.approx(0.9, abs=1e-9)
        assert _units(cut) == {("training", place): 1}  # whichever way the tie was broken
        assert cut.reference_change == 1.0  # the contract, nothing else


def test_a_reference_from_a_written_folder(tmp_path):
    inst = _two_bassins(tmp_path / "base", 2000.0)
    base = solve(inst, EXACT)
    base.write(tmp_path / "out")
    again = solve(inst, EXACT, reference=read_reference(tmp_path / "out"))
    assert again.reference_change == 0.0 and _units(again) == _units(base)


def replace_budget(scenario: Scenario, departement: float) -> Scenario:
    return replace(scenario, budgets={"departement": departement})


def test_a_backend_without_changes_in_place_rebuilds(tmp_path):
    inst = _two_bassins(tmp_path / "base", 2000.0)
    planner = Planner(inst, replace(EXACT, solver="ortools"))
    planner.solve()
    cut = planner.update(budgets={"departement": 0.0}).solve()
    assert planner.builds == 2 and planner.updates_in_place == 0
    assert cut.status == "optimal" and cut.objective == pytest.approx(0.9, abs=1e-9)

