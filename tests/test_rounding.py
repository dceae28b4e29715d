"""Whole totals split over sites, made whole afterwards (gpec.rounding), solved by hand.

Two bassins far apart (78 km; every graduate stays in the site's bassin: ``retain_local`` 1), each with
a training site (at most 5 AS places a year). Staff 100 FTE in each, 10 % leave a year, the baseline
brings 10 (the stock stays 100). Need 100 in 2026, 101.35 in 2027 in each: 1.35 FTE short in each.
A place (1,000 EUR; Région 3,000 EUR: 3 places) started in 2026 adds 0.9 FTE in 2027 (dropout 10 %).

* The model with whole totals: 3 places split 1.5 / 1.5 deliver 1.35 in each bassin: unmet **0**, the
  bound.
* Whole places at each site: 2 + 1 (or 1 + 2) deliver 1.8 and 0.9: unmet 1.35 - 0.9 = **0.45**; 1 + 1
  leaves 0.9. The rounding MIP finds 0.45; with ``--gap 0`` that is not within the gap of the bound 0,
  so the model with whole places at each site is solved from it and proves **0.45** optimal (its bound
  replaces 0), at **3,000 EUR** (3 places).
  (With 4,000 EUR the split plan is still 1.5 + 1.5: its stage 2 buys the 3 places that reach unmet
  0, and the model with whole places finds 2 + 2, unmet 0, 4,000 EUR.)
* When only the first bassin is short, by 1.8 FTE, the split plan is already whole (2 places at its
  site, 2,000 EUR, unmet 0): no second solve.
"""

from __future__ import annotations

import pytest

from gpec.instance import load_instance
from gpec.scenario import Scenario
from gpec.solving import solve
from tests.conftest import write_instance

A, B = "00001", "00002"


def _case(folder, region: float, short: dict | None = None):
    short = short or {A: 1.35, B: 1.35}
    need = {(b, "as", y): 100.0 + (short.get(b, 0.0) if y == 2027 else 0.0) for b in (A, B) for y in (2026, 2027)}
    write_instance(folder, bassins=[(A, 0.0, 45.0), (B, 1.0, 45.0)], years=(2026, 2027), need=need,
                   stock0={(b, "as"): 100.0 for b in (A, B)}, inflow={(b, "as", 2027): 10.0 for b in (A, B)},
                   training_cap={(A, "as"): 5, (B, "as"): 5}, budget={"region": region, "departement": 0.0},
                   params={"retain_local": 1.0})
    return load_instance(folder)


def test_a_split_that_cannot_be_made_whole_is_solved_with_whole_places(tmp_path):
    inst = _case(tmp_path / "three", 3000.0)
    result = solve(inst, Scenario(levers=("training",), mip_gap=0.0, cost_gap=0.0))
    assert result.status == "optimal" and result.violations == 0, result.message
    assert result.objective == pytest.approx(0.45, abs=1e-9) and result.bound == pytest.approx(0.45, abs=1e-9)
    assert result.cost == pytest.approx(3000.0)
    assert sorted(result.decisions["units"]) == [1, 2]
    names = [s.name for s in result.stages]
    assert names[:2] == ["unmet", "cost"] and "whole units (unmet)" in names and "whole totals (unmet)" in names
    split = next(s for s in result.stages if s.name == "whole totals (unmet)")
    assert split.objective == pytest.approx(0.0, abs=1e-9)  # the relaxation: 1.5 places at each site


def test_with_four_places_the_whole_model_buys_two_at_each_site(tmp_path):
    inst = _case(tmp_path / "four", 4000.0)
    result = solve(inst, Scenario(levers=("training",), mip_gap=0.0, cost_gap=0.0))
    assert result.status == "optimal" and result.violations == 0, result.message
    assert result.objective == pytest.approx(0.0, abs=1e-9) and result.cost == pytest.approx(4000.0)
    assert sorted(result.decisions["units"]) == [2, 2]


def test_a_whole_split_needs_no_second_solve(tmp_path):
    inst = _case(tmp_path / "one", 4000.0, short={A: 1.8})
    result = solve(inst, Scenario(levers=("training",), mip_gap=0.0, cost_gap=0.0))
    assert result.status == "optimal" and result.violations == 0, result.message
    assert result.objective == pytest.approx(0.0, abs=1e-9) and result.cost == pytest.approx(2000.0)
    assert result.decisions[["bassin", "units"]].to_dict("records") == [{"bassin": A, "units": 2}]
    assert not any(s.name.startswith("whole totals") for s in result.stages)


def test_a_run_hands_its_model_to_the_solver_once_and_the_live_model_is_restored(tmp_path, monkeypatch):
    """Making whole, the model with whole places and the shadow prices change the live HiGHS model in place
    (one hand-off per run); a planner's next solve on it then equals a cold solve of its scenario."""
    from gpec.planner import Planner
    from gpec.solvers.highs import HighsBackend

    made = []
    init = HighsBackend.__init__

    def counted(self, lp, *args, **kwargs):
        made.append(lp.n_rows)
        init(self, lp, *args, **kwargs)

    monkeypatch.setattr(HighsBackend, "__init__", counted)
    inst = _case(tmp_path / "three", 3000.0)
    scenario = Scenario(levers=("training",), mip_gap=0.0, cost_gap=0.0)
    planner = Planner(inst, scenario)
    first = planner.solve()
    assert "whole units (unmet)" in [s.name for s in first.stages] and len(first.shadow_prices)
    assert len(made) == 1 and first.objective == pytest.approx(0.45, abs=1e-9)
    again = planner.update(budgets={"region": 4000.0}).solve()
    assert len(made) == 1 and planner.updates_in_place == 1
    cold = solve(inst, Scenario(levers=("training",), mip_gap=0.0, cost_gap=0.0, budgets={"region": 4000.0}))
    assert again.status == cold.status == "optimal" and again.objective == pytest.approx(cold.objective, abs=1e-9)
    assert again.cost == pytest.approx(cold.cost) and sorted(again.decisions["units"]) == [2, 2]
    shadow = lambda r: r.shadow_prices[["label", "method", "value"]].round(6).to_dict("records")
    assert shadow(again) == shadow(cold)
