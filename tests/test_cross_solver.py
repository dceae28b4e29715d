"""HiGHS and OR-Tools (SCIP) agree on the hand-solved instances and on the Landes baseline; both results
pass evaluate(). Solvers are asked for through the capability table, not by name."""

from __future__ import annotations

import pytest

from gpec.instance import load_instance
from gpec.scenario import Scenario
from gpec.solve import solve
from gpec.solvers import Capability, get_backend
from tests.conftest import LANDES
from tests.test_known_answer import tiny  # noqa: F401  (module fixture)
from tests.test_spatial_levers import pools_case, qvct_case, vehicles_case  # noqa: F401

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


def test_capability_table():
    for name in SOLVERS:
        caps = get_backend(name).capabilities
        assert Capability.MIP in caps and Capability.TIME_LIMIT_INCUMBENT in caps
    assert Capability.IIS in get_backend("highs").capabilities
    assert Capability.IIS not in get_backend("ortools").capabilities


@pytest.mark.slow
def test_backends_agree_on_landes_with_levers():
    """Slow (about 30 s): both backends within the 1e-3 gap of each other on the P1 levers."""
    landes = load_instance(LANDES)
    scenario = dict(levers=("training", "apprenticeship"), time_limit=120)
    highs, ortools = (solve(landes, Scenario(solver=name, **scenario)) for name in SOLVERS)
    assert highs.status == ortools.status == "optimal"
    assert abs(highs.objective - ortools.objective) <= 1e-3 * highs.objective
    assert highs.violations == ortools.violations == 0


@pytest.mark.slow
def test_verify_on_the_default_landes_model():
    """Slow (about 3 min): every lever of the four reservoirs; neither backend proves the 1e-3 gap in
    60 s, so agreement means that their bound-objective intervals overlap (``--verify``)."""
    landes = load_instance(LANDES)
    result = solve(landes, Scenario(time_limit=60, verify=True, shadow_prices=False))
    v = result.verification
    assert result.has_solution and v["status"] in ("optimal", "feasible") and v["agree"], v
