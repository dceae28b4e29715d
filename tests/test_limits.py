"""A solve stopped by a limit returns its incumbent, bound and gap (status ``feasible``), checked by
evaluate(); a deterministic solution limit stands in for a wall-clock race, on every backend that
declares one."""

import math

import pytest

from gpec.instance import load_instance
from gpec.scenario import Scenario
from gpec.solving import solve
from gpec.solvers import STATUSES, Capability, get_backend
from tests.conftest import LANDES

LIMITED = [name for name in ("highs", "ortools") if Capability.SOLUTION_LIMIT in get_backend(name).capabilities]


@pytest.mark.parametrize("solver", LIMITED)
def test_solution_limit_returns_incumbent_bound_and_gap(solver):
    landes = load_instance(LANDES)
    # five years: the first plan is far from proven (gap ~3e-4 >> 1e-6), and the later phases are quick
    result = solve(landes, Scenario(horizon=(2026, 2030), levers=("training", "apprenticeship"), mip_gap=1e-6,
                                    solution_limit=1, solver=solver, shadow_prices=False))
    assert result.status == "feasible" and result.status in STATUSES
    first = result.stages[0]
    assert first.status == "feasible" and "limit" in first.solver_status.lower()
    assert math.isfinite(result.objective) and math.isfinite(result.bound)
    assert result.bound <= result.objective
    assert result.gap == pytest.approx((result.objective - result.bound) / result.objective, rel=1e-9)
    assert result.gap > 1e-6
    assert len(result.decisions) > 0 and result.violations == 0
    head = result.summary()
    assert head["status"] == "feasible" and head["gap"] == result.gap
