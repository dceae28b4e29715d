"""Groupements d'employeurs: never a worse plan than one in hand, and a deadline that stops a solver.

Time is made to pass with a stubbed clock (a :class:`gpec.deadline.Deadline` on a counter), so nothing
here depends on the machine's speed: the assertions are on plans, statuses and HiGHS's node count.
"""

from __future__ import annotations

import math

import pytest

from gpec.deadline import Deadline
from gpec.groupings import load_group_data, solve_groups
from gpec.groupings.candidates import CandidateSpace
from gpec.groupings.compact import build_grouping_model
from gpec.groupings.generation import group_backend, solve_by_columns
from tests.conftest import LANDES
from tests.test_groups import LANDES_OPTIONS, _landes_subset


class Ticks:
    """A clock that moves ``step`` seconds each time it is read once ``armed`` (before: it stands still)."""

    def __init__(self, step: float):
        self.now, self.step, self.armed = 0.0, step, False

    def __call__(self) -> float:
        if self.armed:
            self.now += self.step
        return self.now


@pytest.fixture(scope="module")
def twenty():
    data = _landes_subset(20)
    space = CandidateSpace(data.structures, data.pairs(30), int(data.post["cost_eur"]), LANDES_OPTIONS)
    return data, space


@pytest.mark.parametrize("solver", ["highs", "cpsat"])
def test_the_plan_returned_is_never_worse_than_the_seed(twenty, solver):
    """The first integer master stopped at its first solution: the run returns the seed's plan (the
    optimum, 974,378 EUR, found by a full solve) or a better one, never the master's first answer if
    it is worse. Without a seed, the same stop may return a worse plan: the seed is what holds it."""
    data, space = twenty
    best = solve_groups(data, LANDES_OPTIONS, solver="highs", time_limit=120)
    assert best.status == "optimal" and best.objective == pytest.approx(974_378)
    ids = space.ids
    members = best.groups[best.groups["role"] == "member"].groupby("hub")["structure"].apply(list)
    seed = [space.group_column(ids.get_loc(h), ids.get_indexer(members.get(h, [])))
            for h in best.groups.loc[best.groups["role"] == "hub", "structure"]]
    out = solve_by_columns(space, solver, Deadline.after(120), seed=seed, enumerate_limit=0, master_solutions=1)
    assert out.status in ("optimal", "feasible") and out.objective <= 974_378, out.message
    assert sum(c.cost for c in out.chosen) == out.objective
    assert sorted(s for c in out.chosen for s in c.covers) == list(range(space.n))


def test_a_solver_past_the_deadline_is_stopped_with_its_incumbent():
    """The compact model of the 59 Landes EHPAD (HiGHS needs thousands of nodes to close it) given 600
    seconds of its own, under a deadline whose clock runs 1 s per reading: the guard stops HiGHS at the
    deadline's tenth reading, with a plan (the incumbent) and its bound, after a handful of nodes."""
    data = load_group_data(LANDES, "night_nurse")
    model = build_grouping_model(data.structures, data.pairs(30), int(data.post["cost_eur"]), LANDES_OPTIONS)
    backend = group_backend("highs", model.lp)
    cost = model.lp.objective_vector("cost")
    backend.set_objective(cost)
    clock = Ticks(1.0)
    clock.armed = True
    backend.set_guard(Deadline.after(10, clock).passed)
    out = backend.solve(600, 0.0)
    assert out.status == "feasible" and out.x is not None
    assert out.objective == pytest.approx(float(cost @ out.x)) and out.bound <= out.objective
    assert clock.now <= 12  # stopped at the first reading past the deadline
    assert backend.h.getInfo().mip_node_count < 50


@pytest.mark.parametrize("solver", ["highs", "cpsat"])
def test_a_run_that_overruns_keeps_phase_one_plan(solver):
    """Time passes 50 s at each reading of the clock from the start of phase 2 (the progress hook arms
    the clock): every phase of phase 2 is stopped at the deadline, and the run ends with a checked plan
    no worse than phase 1's, status feasible or optimal, never ``error``."""
    data = _landes_subset(20)
    clock = Ticks(50.0)

    class Arm:
        def start(self, name):
            clock.armed = clock.armed or name.startswith("least cost")

        def update(self, *progress):
            pass

        def done(self, report):
            pass

    result = solve_groups(data, LANDES_OPTIONS, solver=solver, time_limit=600, progress=Arm(), clock=clock)
    assert clock.armed and result.has_solution and result.violations == 0, result.message
    assert math.isfinite(result.objective) and result.bound <= result.objective
    assert result.posts <= result.standalone_posts and "stopped at the deadline" in result.message
