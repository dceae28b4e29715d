"""A one-bassin, one-métier, four-year instance solved by hand.

Staff: 100 FTE, 10 % leave each year, the baseline brings 10 a year, so the baseline stock stays 100.
Need: 100, 110, 120, 106 in 2026-2029. A training place (1,000 EUR, Région 3,500 EUR/yr) or an
apprenticeship (2,000 EUR, Département 3,000 EUR/yr) started in year t adds 0.9 FTE in t+1 (dropout 10 %),
who then leave at 10 % a year like everyone. Budgets allow 3 places and 1 contract a year (the LP
relaxation would take 3.5 and 1.5), i.e. n_t <= 4 entrants.

    U2027 = 10 - 0.9 n26                       -> n26 = 4: 6.4
    U2028 = 20 - 0.81 n26 - 0.9 n27            -> n27 = 4: 13.16
    U2029 = max(0, 6 - 0.729 n26 - 0.81 n27 - 0.9 n28) = 0 already with n28 = 0 (6.156 >= 6)

Stage 1: 6.4 + 13.16 = 19.56 FTE-years (no levers: 0 + 10 + 20 + 6 = 36). Stage 2 keeps 19.56 at least
cost: 3 places + 1 contract in 2026 and 2027, nothing in 2028: 2 x (3,000 + 2,000) = 10,000 EUR.

The instance is the ``tiny`` fixture of ``conftest.py`` (other modules use it too).
"""

from __future__ import annotations

import pytest

from gpec.evaluate import evaluate
from gpec.scenario import Scenario
from gpec.solving import solve


def test_optimal_decisions_and_objective(tiny):
    result = solve(tiny, Scenario(mip_gap=0.0))
    assert result.status == "optimal"
    assert result.objective == pytest.approx(19.56, abs=1e-6)
    assert result.cost == pytest.approx(10_000.0, abs=1e-6)
    got = {(r.lever, r.year): r.units for r in result.decisions.itertuples()}
    assert got == {("training", 2026): 3, ("training", 2027): 3,
                   ("apprenticeship", 2026): 1, ("apprenticeship", 2027): 1}
    unmet = result.unmet.set_index("year")["unmet"]
    assert unmet.to_dict() == pytest.approx({2026: 0.0, 2027: 6.4, 2028: 13.16, 2029: 0.0}, abs=1e-6)


def test_evaluate_agrees_with_solver(tiny):
    result = solve(tiny, Scenario(mip_gap=0.0))
    report = evaluate(tiny, result)
    assert report.ok, report.violations
    assert report.objective == pytest.approx(result.objective, abs=1e-9)
    assert report.cost == pytest.approx(result.cost, abs=1e-9)
    assert result.violations == 0


def test_no_levers_is_the_baseline(tiny):
    result = solve(tiny, Scenario(levers=()))
    assert result.status == "optimal"
    assert result.objective == pytest.approx(36.0, abs=1e-9)
    assert result.decisions.empty
    assert result.workforce["stock"].tolist() == pytest.approx([100.0] * 4)


def test_one_lever_off_changes_the_objective_by_the_hand_amount(tiny):
    # Only training: n_t <= 3. U2027 = 10 - 2.7 = 7.3; U2028 = 20 - 2.43 - 2.7 = 14.87;
    # U2029 = 6 - (2.187 + 2.43 + 0.9 n28) -> n28 = 2 is the least that clears it (1.383 / 0.9 = 1.54).
    result = solve(tiny, Scenario(levers=("training",), mip_gap=0.0))
    assert result.objective == pytest.approx(7.3 + 14.87, abs=1e-6)
    got = {(r.lever, r.year): r.units for r in result.decisions.itertuples()}
    assert got == {("training", 2026): 3, ("training", 2027): 3, ("training", 2028): 2}
    assert result.cost == pytest.approx(8_000.0)
