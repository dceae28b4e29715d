"""A solve stopped by a limit returns its incumbent, bound and gap (status ``feasible``), checked by
evaluate(); a deterministic solution limit stands in for a wall-clock race."""

import math

from gpec.instance import load_instance
from gpec.scenario import Scenario
from gpec.solve import solve
from gpec.solvers import STATUSES
from tests.conftest import LANDES


def test_solution_limit_returns_incumbent_bound_and_gap():
    landes = load_instance(LANDES)
    result = solve(landes, Scenario(levers=("training", "apprenticeship"), mip_gap=1e-6,
                                    solution_limit=1))
    assert result.status == "feasible" and result.status in STATUSES
    first = result.stages[0]
    assert first.status == "feasible" and "limit" in first.solver_status.lower()
    assert math.isfinite(result.objective) and math.isfinite(result.bound)
    assert result.bound <= result.objective
    assert result.gap == (result.objective - result.bound) / result.objective > 1e-6
    assert len(result.decisions) > 0 and result.violations == 0
    head = result.summary()
    assert head["status"] == "feasible" and head["gap"] == result.gap
