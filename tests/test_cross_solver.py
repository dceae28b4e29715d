"""HiGHS and OR-Tools (SCIP) agree on the hand-solved instances, on the Landes baseline and on a short
Landes horizon with levers; both results pass evaluate(). What each backend can do beyond (its
capability flags) is exercised in ``tests/test_capabilities.py``. No test waits for a proof against the
clock: what is asserted as proven proves in a fraction of a second, and ``--verify`` on the full Landes
asserts what its bounds guarantee."""

from __future__ import annotations

import pytest

from gpec.instance import load_instance
from gpec.scenario import Scenario
from gpec.solving import solve
from tests.conftest import LANDES

SOLVERS = ("highs", "ortools")
CASES = ("tiny", "pools_case", "qvct_case", "vehicles_case")


@pytest.mark.parametrize("case", CASES)
def test_backends_agree_on_known_answers(case, request):
    instance = request.getfixturevalue(case)
    results = {name: solve(instance, Scenario(mip_gap=0.0, solver=name)) for name in SOLVERS}
    for name, result in results.items():
        assert result.status == "optimal", (name, result.message)
        assert result.violations == 0, (name, result.violation_details)
    assert results["ortools"].objective == pytest.approx(results["highs"].objective, rel=1e-6, abs=1e-6)
    assert results["ortools"].cost == pytest.approx(results["highs"].cost, rel=1e-6, abs=1e-3)


def test_backends_agree_on_the_landes_baseline():
    landes = load_instance(LANDES)
    objectives = [solve(landes, Scenario(levers=(), solver=name)).objective for name in SOLVERS]
    assert objectives[1] == pytest.approx(objectives[0], rel=1e-7)


def test_backends_agree_on_landes_with_levers():
    """Both backends prove the same optimum of the Landes training and apprenticeship levers, exactly (gaps
    0), on a three-year horizon that both prove in a fraction of a second."""
    landes = load_instance(LANDES)
    scenario = dict(horizon=(2026, 2028), levers=("training", "apprenticeship"), mip_gap=0.0, cost_gap=0.0,
                    shadow_prices=False)
    highs, ortools = (solve(landes, Scenario(solver=name, **scenario)) for name in SOLVERS)
    assert highs.status == ortools.status == "optimal", (highs.message, ortools.message)
    assert len(highs.decisions) > 0
    assert ortools.objective == pytest.approx(highs.objective, rel=1e-7)
    assert ortools.cost == pytest.approx(highs.cost, rel=1e-7)
    assert highs.violations == ortools.violations == 0


@pytest.mark.slow
def test_verify_on_the_default_landes_model():
    """Slow (about 60 s: the default limit, shared by both backends). Every lever of the four reservoirs;
    OR-Tools (SCIP) starts from the HiGHS plan. Asserted is what holds whatever the machine load, not a
    proof within the time: SCIP keeps the plan it starts from at worst; each bound is below the other
    backend's incumbent; so the incumbents differ by at most HiGHS's proven gap (within 1 % whenever that
    gap is)."""
    landes = load_instance(LANDES)
    result = solve(landes, Scenario(verify=True, shadow_prices=False))
    v = result.verification
    assert result.has_solution and v["status"] in ("optimal", "feasible"), v
    assert v["started_from"] == "highs" and v["start_kept"], v
    tol = 1e-6 * result.objective
    assert v["objective"] <= result.objective + tol
    assert result.bound <= v["objective"] + tol and v["bound"] <= result.objective + tol
    assert v["bounds_agree"] and v["agree"], v
    assert v["relative_difference"] <= result.gap + 1e-6, (v, result.gap)
    assert v["incumbents_within_1pct"] or result.gap > 0.01, (v, result.gap)
