"""A what-if's first look (gpec.first_look): its bound is valid, its plan is a plan, a planner shows both at once.

The bound by hand: minimise x1 + x2 subject to x1 + x2 >= 2, 0 <= x <= 10 (optimum 2). With the row's
multiplier y, the reduced costs are d = 1 - y for both columns, so L(y) = 2y + 2 min(0, 10 (1 - y)):
L(1) = 2 (the optimum: y = 1 is the optimal dual), L(0.5) = 1, L(2) = 4 - 20 = -16, and with x1 unbounded
above, L(2) = -inf (x1 could grow without end against the multiplier).
"""

from __future__ import annotations

import math
import os
import signal

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gpec.first_look import Arrays, FirstLook, Floored, Look, lagrangian_bound
from gpec.models.linear import LinearModel
from gpec.planner import Planner
from gpec.scenario import Scenario
from gpec.solvers.highs import HighsBackend
from gpec.solving import solve

SHORT = Scenario(horizon=(2026, 2027), shadow_prices=False)


@pytest.fixture(scope="module")
def landes():
    from gpec.instance import load_instance
    from tests.conftest import LANDES

    return load_instance(LANDES)


def _by_hand(upper_x1: float = 10.0) -> tuple[LinearModel, np.ndarray]:
    lp = LinearModel()
    x = lp.add_variables("x", pd.Index(["x1", "x2"]), 0.0, [upper_x1, 10.0])
    lp.add_constraints("cover", pd.Index(["need"]), [([0, 0], x.positions, 1.0)], lower=2.0)
    return lp, np.ones(2)


@pytest.mark.parametrize("y, bound", [(1.0, 2.0), (0.5, 1.0), (2.0, -16.0), (0.0, 0.0)])
def test_the_bound_of_a_model_solved_by_hand(y, bound):
    lp, cost = _by_hand()
    assert lagrangian_bound(lp, cost, np.array([y])) == pytest.approx(bound)


def test_a_multiplier_against_an_unbounded_column_gives_no_bound():
    lp, cost = _by_hand(upper_x1=np.inf)
    assert lagrangian_bound(lp, cost, np.array([2.0])) == -math.inf
    assert lagrangian_bound(lp, cost, np.array([1.0])) == pytest.approx(2.0)


@st.composite
def _lps(draw):
    """A small LP with finite column bounds (so that it is bounded) and a feasible point by construction."""
    n, m = draw(st.integers(2, 5)), draw(st.integers(1, 4))
    coef = st.integers(-3, 3)
    a = np.array([[draw(coef) for _ in range(n)] for _ in range(m)], float)
    upper = np.array([draw(st.integers(1, 6)) for _ in range(n)], float)
    point = np.array([draw(st.integers(0, int(u))) for u in upper], float)
    activity = a @ point
    slack = [draw(st.sampled_from([(0, np.inf), (np.inf, 0), (1, 2), (0, 0)])) for _ in range(m)]
    lower = activity - np.array([s[0] for s in slack])
    upper_rows = activity + np.array([s[1] for s in slack])
    lp = LinearModel()
    cols = lp.add_variables("x", pd.RangeIndex(n), 0.0, upper)
    rows, cs = np.nonzero(a)
    lp.add_constraints("r", pd.RangeIndex(m), [(rows, cols.positions[cs], a[rows, cs])], lower, upper_rows)
    cost = np.array([draw(st.integers(-4, 4)) for _ in range(n)], float)
    multipliers = np.array([draw(st.floats(-5, 5)) for _ in range(m)])
    return lp, cost, multipliers


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_lps())
def test_the_bound_never_passes_the_optimum_and_meets_it_at_the_optimal_duals(case):
    lp, cost, y = case
    backend = HighsBackend(lp)
    backend.set_objective(cost)
    outcome = backend.solve(10.0, 0.0)
    assert outcome.status == "optimal"
    tol = 1e-7 * max(1.0, abs(outcome.objective))
    assert lagrangian_bound(lp, cost, y) <= outcome.objective + tol  # any multipliers
    duals, _ = backend.duals()
    assert lagrangian_bound(lp, cost, duals) == pytest.approx(outcome.objective, abs=1e-6)


def _models(landes, *budgets):
    from gpec.models import build_model

    built = []
    for eur in budgets:
        scenario = Scenario(horizon=SHORT.horizon, budgets={"departement": eur})
        applied, horizon = scenario.apply(landes)
        built.append((scenario, build_model(applied, horizon)))
    return built


def test_a_look_after_an_envelope_moved_gives_a_plan_and_a_bound_around_the_optimum(landes):
    """The side LP solved for one envelope, then changed in place to another: its bound is at most, and its
    plan (whole where it must be, within every row) at least, the optimum that a full solve proves; the
    side model's basis is set back after the plan's LP, so solving its LP again takes no iteration."""
    (_, before), (scenario, after) = _models(landes, 350_000, 700_000)
    look = FirstLook(before)
    assert look.prepare(60.0) and look.warm
    look.update(after)
    found = look.look(lp_seconds=60.0, plan_seconds=60.0)
    assert found.plan is not None and math.isfinite(found.bound)
    lp, plan = after.lp, found.plan
    held, activity = lp.bounds(), lp.matrix() @ plan
    assert np.all(plan >= held["col_lower"] - 1e-6) and np.all(plan <= held["col_upper"] + 1e-6)
    assert np.all(activity >= held["row_lower"] - 1e-6) and np.all(activity <= held["row_upper"] + 1e-6)
    whole = plan[held["integer"]]
    assert np.allclose(whole, np.round(whole))
    assert found.objective == pytest.approx(after.lp.objective_vector("unmet") @ plan)
    best = solve(landes, scenario)
    tol = 1e-6 * max(1.0, abs(best.objective))
    assert found.bound <= best.objective + tol and best.bound <= found.objective + tol
    assert look.backend.solve(60.0, 0.0).status == "optimal"
    assert look.backend.h.getInfo().simplex_iteration_count == 0


def test_a_plan_is_checked_against_every_row_bound_and_integrality():
    lp, cost = _by_hand()
    lp.set_integer("x", [True, False])
    model = type("Model", (), {"lp": lp, "stages": ("unmet",)})()
    lp.add_objective("unmet", [0, 1], cost)
    arrays = Arrays.of(model)
    assert arrays.feasible(np.array([1.0, 1.0])) and arrays.feasible(np.array([2.0, 0.5]))
    assert not arrays.feasible(np.array([1.0, 0.5]))  # the row: 1.5 < 2
    assert not arrays.feasible(np.array([1.5, 1.0]))  # x1 is whole
    assert not arrays.feasible(np.array([11.0, 0.0]))  # x1 <= 10
    assert not arrays.feasible(None) and not arrays.feasible(np.array([1.0]))


def test_a_signal_during_the_first_prepare_stops_it_and_the_look_goes_on(landes):
    """A what-if queued while the worker readies its look sends a SIGINT: the interior point solve (no basis
    yet) stops at once, for HiGHS reads its interrupt callback there, not its time limit; before, it was
    left running (``abandoned``) and the warm worker lost. The signal is sent from the solve's first
    interior point iteration, so it comes while the solve runs."""
    from gpec import interrupt
    from gpec.models import build_model

    applied, horizon = Scenario().apply(landes)
    look = FirstLook(build_model(applied, horizon))  # the whole horizon: an interior point solve of some length
    sent = []

    def signal_once(event):
        if not sent:
            sent.append(True)
            os.kill(os.getpid(), signal.SIGINT)

    look.backend.h.cbIpmInterrupt.subscribe(signal_once)
    with interrupt.catching(hard=False) as caught:
        assert not look.prepare(60.0)
    assert sent and caught.signum == signal.SIGINT and caught.abandoned == 0 and look.usable
    assert look.prepare(60.0) and look.warm  # and it is readied the next time


class _Record:
    def __init__(self):
        self.events = []

    def start(self, stage):
        self.events.append(("start", stage))

    def update(self, seconds, incumbent, bound, gap):
        self.events.append(("update", incumbent, bound, gap))

    def done(self, report):
        self.events.append(("done", report.name))


def test_a_prepared_planner_reports_the_first_plan_and_bound_as_stage_one_starts(landes):
    planner = Planner(landes, SHORT)
    planner.look_seconds = (60.0, 60.0)  # a busy machine too: the look's LPs are solved
    planner.solve()
    assert planner.prepare(60.0)
    record = _Record()
    result = planner.update(budgets={"departement": 700_000}).solve(progress=record)
    assert record.events[0] == ("start", "stage unmet")
    kind, incumbent, bound, gap = record.events[1]
    assert kind == "update" and math.isfinite(incumbent) and math.isfinite(bound) and math.isfinite(gap)
    assert "first look" in result.timings["phases"]
    assert result.violations == 0
    assert result.stages[0].objective <= incumbent + 1e-6 * max(1.0, abs(incumbent))  # it started from there
    # every bound reported in stage 1 is valid, every incumbent a plan's: the proof brackets them all
    tol = 1e-6 * max(1.0, abs(result.objective))
    stage_one = record.events[1:record.events.index(("done", "stage unmet"))]
    assert all(bound <= result.objective + tol and result.bound <= incumbent + tol
               for _, incumbent, bound, _ in stage_one if math.isfinite(incumbent))
    cold = solve(landes, planner.scenario)
    assert result.bound <= cold.objective + tol and cold.bound <= result.objective + tol


def test_a_planner_not_prepared_or_rebuilt_has_no_first_look(landes):
    planner = Planner(landes, SHORT)
    planner.solve()
    result = planner.update(budgets={"departement": 700_000}).solve()
    assert "first look" not in result.timings["phases"]
    assert planner.prepare(60.0)
    planner.update(levers_off=["pools"]).solve()  # another shape: its look is made again by prepare
    assert planner._look is None
    assert planner.prepare(60.0)
    planner._look.backend.abandoned = True  # as when its solver was left running after a signal
    assert planner.update(budgets={"departement": 600_000}).solve().violations == 0  # solved without it
    assert planner._look is None and planner.prepare(60.0) and planner._look.usable


def test_floored_progress_keeps_the_better_of_the_looks_and_the_solvers_values():
    record = _Record()
    look = Look(bound=90.0, plan=np.zeros(1), objective=100.0, seconds=0.1)
    floored = Floored(record, look, "stage unmet")
    floored.start("stage unmet")
    floored.update(0.2, math.inf, -math.inf, math.inf)  # the solver has nothing yet
    floored.update(0.3, 95.0, 80.0, 0.2)  # a better plan, a weaker bound
    floored.start("stage cost")
    floored.update(0.4, 5.0, 1.0, 0.8)  # another stage: as the solver says
    updates = [event[1:3] for event in record.events if event[0] == "update"]
    assert updates == [(100.0, 90.0), (100.0, 90.0), (95.0, 90.0), (5.0, 1.0)]
    gaps = [event[3] for event in record.events if event[0] == "update"]
    assert gaps[2] == pytest.approx(5 / 95)


def test_the_readme_quotes_the_looks_limits():
    from gpec import first_look
    from tests.conftest import ROOT

    text = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert (f"({first_look.LOOK_LP_S:g} s at most, then {first_look.LOOK_PLAN_S:g} s at most for the plan)"
            in text)


def test_the_formulation_names_the_constants_of_the_code():
    import re

    from gpec import first_look

    named = set(re.findall(r":data:`([A-Z_]+)`", first_look.__doc__))
    assert named == {"LOOK_LP_S", "LOOK_PLAN_S", "ZERO", "ROUND_OFF", "FEASIBLE_TOL"}
    assert all(isinstance(getattr(first_look, name), float) for name in named)
