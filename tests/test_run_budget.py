"""One time limit for the whole run, shared by its phases, and honest reports of what got no time.

Nothing here races the clock: the limits handed to the phases are recorded in ``Result.timings``, and
what is asserted is how they were computed (each phase's limit ends by the run's deadline, less the
reserve kept for the check and the outputs), or the outcome of a budget that is used up before a solve
can start (deterministic: no solve starts with less than ``MIN_SOLVE_S``).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from gpec.diagnose import explain_infeasibility
from gpec.models import build_model
from gpec.scenario import Scenario
from gpec.shadow import NO_PLAN, NOT_COMPUTED, shadow_prices
from gpec.solving import POST_WEIGHT, RESERVE_SHARE, STAGE1_WEIGHT, STAGE_WEIGHT, WHOLE_UNITS_WEIGHT, _verify, solve
from gpec.solvers import StageOutcome, TimeBudget
from gpec.solvers.highs import HighsBackend
from tests.conftest import ROOT

EXACT = dict(mip_gap=0.0, cost_gap=0.0)


def _in_order(names: list[str], expected: list[str]) -> bool:
    """``expected`` appear in ``names`` in this order (other phases may come between)."""
    rest = iter(names)
    return all(name in rest for name in expected)


def _check_deadlines(phases: dict, deadline: float, offset: float = 0.0) -> list[str]:
    """Assert that every bounded phase ends by ``deadline`` (seconds from the start of the run), its
    inner phases by its own end; the names of the bounded phases, depth first."""
    names = []
    for name, p in phases.items():
        assert p["seconds"] is not None and p["seconds"] >= 0, name
        if p["limit_s"] is None:  # within it, unbounded phases only (write: the check run meanwhile)
            assert all(inner["limit_s"] is None for inner in p.get("phases", {}).values()), name
            continue
        end = offset + p["start_s"] + p["limit_s"]
        assert p["limit_s"] >= 0 and end <= deadline + 1e-9, (name, end, deadline)
        names += [name, *_check_deadlines(p.get("phases", {}), end, offset + p["start_s"])]
    return names


def test_every_phase_is_given_only_what_is_left_of_the_limit(tiny):
    result = solve(tiny, Scenario(verify=True, time_limit=40, **EXACT))
    t = result.timings
    assert t["limit_s"] == 40 and t["reserve_s"] == pytest.approx(RESERVE_SHARE * 40)
    assert _in_order(list(t["phases"]), ["build", "stage unmet", "stage cost", "verify", "shadow prices", "tables",
                                         "check"])
    bounded = _check_deadlines(t["phases"], t["limit_s"] - t["reserve_s"])
    assert _in_order(bounded, ["stage unmet", "stage cost", "verify", "stage unmet", "stage cost", "shadow prices",
                               "lp_relaxation", "fixed_integer_lp", "mip_marginal departement +",
                               "mip_marginal departement -", "mip_marginal region +", "mip_marginal region -"])
    # the phases run one after the other: together they take no more than the run
    assert sum(p["seconds"] for p in t["phases"].values()) <= t["total_s"]
    # the stated split: stage 1 gets 6 parts of the time left, against 2 for stage 2, 8 for the other
    # backend (as much as this one's stages) and 2 for shadow prices
    first = t["phases"]["stage unmet"]
    left = t["limit_s"] - t["reserve_s"] - first["start_s"]
    # (and 1 for making the split of whole training totals whole: gpec.rounding)
    total = STAGE1_WEIGHT + STAGE_WEIGHT + (STAGE1_WEIGHT + STAGE_WEIGHT) + POST_WEIGHT + WHOLE_UNITS_WEIGHT
    assert first["limit_s"] == pytest.approx(left * STAGE1_WEIGHT / total, rel=1e-9)
    inner = t["phases"]["verify"]["phases"]
    assert _in_order(list(inner), ["build", "stage unmet", "stage cost", "tables"])
    assert not {"check", "shadow prices"} & set(inner)


def test_an_infeasible_run_gives_the_diagnosis_what_is_left(tiny):
    result = solve(tiny, Scenario(min_places={"as": 12}, **EXACT))
    assert result.status == "infeasible" and result.diagnosis["iis"] == "irreducible"
    t = result.timings
    assert list(t["phases"]) == ["build", "stage unmet", "diagnosis", "tables"]  # no plan: no check
    bounded = _check_deadlines(t["phases"], t["limit_s"] - t["reserve_s"])
    assert bounded == ["stage unmet", "diagnosis", "conflict", "budget"]
    # stage 1 is planned as for a plan (6 parts, against 2 for stage 2, 2 for the shadow prices and 1 for
    # making the plan whole); the
    # diagnosis then gets all that is left
    first = t["phases"]["stage unmet"]
    left = t["limit_s"] - t["reserve_s"] - first["start_s"]
    assert first["limit_s"] == pytest.approx(left * STAGE1_WEIGHT / (STAGE1_WEIGHT + STAGE_WEIGHT + POST_WEIGHT
                                                                     + WHOLE_UNITS_WEIGHT))


def test_a_run_whose_time_is_used_up_before_stage_1_says_so(tiny):
    result = solve(tiny, Scenario(), budget=TimeBudget(1e-6))
    assert result.status == "error" and result.decisions.empty and result.shadow_prices.empty
    assert "not run: no time left" in result.message
    assert result.timings["phases"]["stage unmet"]["limit_s"] == 0.0
    assert "stage cost" not in result.timings["phases"]


@pytest.fixture(scope="module")
def plan(tiny):
    """The tiny model and its stage-1 optimum."""
    model = build_model(tiny, tiny.horizon)
    backend = HighsBackend(model.lp)
    backend.set_objective(model.lp.objective_vector("unmet"))
    outcome = backend.solve(60.0, 0.0)
    assert outcome.status == "optimal" and outcome.objective == pytest.approx(19.56)
    return model, outcome


def _keys(prices: pd.DataFrame) -> list[tuple]:
    return sorted(zip(prices["method"], prices["family"], prices["label"], prices["detail"].fillna("").str[:1]))


def test_shadow_prices_with_no_time_left_list_every_row_as_not_computed(plan):
    model, outcome = plan
    full = shadow_prices(model, outcome.x, outcome.objective, outcome.bound, 0.0, TimeBudget(60.0))
    none = shadow_prices(model, outcome.x, outcome.objective, outcome.bound, 0.0, TimeBudget(0.0))
    assert (full["status"] == "optimal").all() and full["value"].notna().all()
    assert len(none) == len(full) and _keys(none) == _keys(full)  # the same rows, MIP rows signed + / -
    assert (none["status"] == NOT_COMPUTED).all() and none["value"].isna().all()
    assert none["binding"].isna().all() and none["eur_per_fte_year"].isna().all()


def test_a_re_solve_that_stops_without_a_plan_is_a_row_with_its_status(plan, monkeypatch):
    model, outcome = plan
    solve_lp = HighsBackend.solve

    def no_mip_plan(self, time_limit, mip_gap, solution_limit=None):  # as a MIP stopped by its time limit
        if self.has_integers:
            return StageOutcome("error", math.nan, math.nan, math.inf, time_limit, None, "Time limit reached")
        return solve_lp(self, time_limit, mip_gap, solution_limit)

    monkeypatch.setattr(HighsBackend, "solve", no_mip_plan)
    prices = shadow_prices(model, outcome.x, outcome.objective, outcome.bound, 0.0, TimeBudget(60.0))
    mip = prices[prices["method"] == "mip_marginal"]
    assert len(mip) == 4 and (mip["status"] == NO_PLAN).all() and mip["value"].isna().all()
    assert mip["detail"].str.contains("Time limit reached").all()
    assert (prices.loc[prices["method"] != "mip_marginal", "status"] == "optimal").all()


def test_an_infeasible_re_solve_is_a_row_saying_so(tiny):
    """At least 9 places need 3 a year, all the Région's 3,500 EUR buy; 1,000 EUR less leaves 2 a year."""
    result = solve(tiny, Scenario(min_places={"as": 9}, **EXACT))
    mip = result.shadow_prices[result.shadow_prices["method"] == "mip_marginal"].set_index(["funder", "status"])
    assert len(mip) == 4
    assert np.isnan(mip.loc[("region", "infeasible"), "value"])
    assert mip.loc[("region", "optimal"), "value"] == pytest.approx(0.6525)


def test_a_diagnosis_with_no_time_left_says_what_was_not_computed(tiny):
    scenario = Scenario(min_places={"as": 12}, service_level=0.5)
    d = explain_infeasibility(tiny, scenario, tiny.horizon, TimeBudget(0.0))
    assert d["lp_relaxation"] == d["budget_status"] == d["service_level_status"] == NOT_COMPUTED
    assert d["conflict"] == [] and d["iis"] is None and d["suggestion"] == ""


def test_a_second_backend_with_no_time_gives_no_verdict(tiny, plan):
    _, outcome = plan
    first = ("optimal", outcome.objective, outcome.bound)
    v = _verify(tiny, Scenario(**EXACT), first, outcome.x, TimeBudget(0.0))
    assert v["status"] == "error" and v["agree"] is None
    assert v["bounds_agree"] is None and v["incumbents_within_1pct"] is None and v["start_kept"] is None


def test_cli_records_loading_and_writing_and_prints_the_verification(tiny, tmp_path):
    out = tmp_path / "out"
    run = lambda *args: subprocess.run([sys.executable, "-m", "gpec.cli", *map(str, args)], capture_output=True,
                                       text=True, cwd=ROOT)
    proc = run("solve", tiny.folder, "--out", out, "--verify", "--gap", "0", "--no-maps", "--time-limit", "50")
    assert proc.returncode == 0, proc.stderr
    head = json.loads((out / "result.json").read_text())
    phases = head["timings"]["phases"]
    assert list(phases)[0] == "load" and list(phases)[-1] == "write" and phases["write"]["seconds"] > 0
    assert list(phases["write"]["phases"]) == ["check"]  # checked while the workbook is written
    _check_deadlines(phases, head["timings"]["limit_s"] - head["timings"]["reserve_s"])
    assert head["timings"]["total_s"] >= sum(p["seconds"] for p in phases.values())
    v = head["verification"]
    assert v["agree"] and v["bounds_agree"] and v["incumbents_within_1pct"] and v["started_from"] == "highs"
    text = " ".join(proc.stdout.split())
    assert "time " in text and "of the 50 s limit" in text
    assert "verify with ortools, started from the highs plan: optimal" in text and "agree" in text
    explained = run("explain", out)
    assert explained.returncode == 0, explained.stderr
    assert "verify with ortools" in " ".join(explained.stdout.split())


def test_a_stage_from_a_plan_is_not_started_with_less_time_than_its_root_lp(tiny):
    """HiGHS solves the root LP of a MIP started from a plan before it can stop at its time limit: a stage
    offered less than that (the LP relaxation's time, measured when the model was solved relaxation
    first; here set as if it had taken a day) is not run, and the plan before it is kept."""
    from gpec.solving import build, solve_built, time_budget

    scenario = Scenario(**EXACT)
    live = build(tiny, scenario)
    live.backend.lp_seconds = 86_400.0
    result = solve_built(live, scenario, time_budget(scenario), 0.0)
    unmet, cost = result.stages[:2]
    assert unmet.status == "optimal" and result.has_solution and result.violations == 0
    assert cost.solver_status.startswith("not run:") and "root LP takes about 86400 s" in cost.solver_status
    assert result.status == "feasible" and result.objective == pytest.approx(unmet.objective)
    marginals = result.shadow_prices[result.shadow_prices["method"] == "mip_marginal"]
    assert len(marginals) and (marginals["status"] == NOT_COMPUTED).all()
