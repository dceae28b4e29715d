"""Every backend's :class:`~gpec.solvers.Capability` flags are true, and the code asks them.

For every backend and every capability (as linopy's ``test/test_optimization.py`` selects solvers by
``SolverFeature``): a flag claimed is exercised on a tiny model (integers honoured, an incumbent and bound
at a time limit, a start taken and returned, a change in place effective, LP duals and row activities
returned, an IIS found, a solution limit respected, columns appended); a flag not claimed is refused (the
methods of its protocol absent or raising ``NotImplementedError``, a start or a solution limit refused, no
plan at a time limit).

The callers ask capabilities, not solver names: shadow prices and the diagnosis of a run on OR-Tools are
computed by a backend that has LP duals or an IIS, and the run's message says so; ``--verify`` takes
another backend with what a second opinion needs, and refuses in one line when there is none.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from gpec.errors import GpecError
from gpec.models.linear import LinearModel
from gpec.scenario import Scenario
from gpec.solvers import (PROTOCOLS, Backend, Capability, METHODS, backends, get_backend, provider,
                          second_opinion)
from gpec.solving import solve

BACKENDS = backends()
#: Seconds a solve that must stop at its time limit is given (the model cannot be proven in far longer).
SHORT = 0.5
#: Seconds a solve that must finish is given (each takes well under a second).
LONG = 60.0
EXACT = dict(mip_gap=0.0, cost_gap=0.0)


# -- tiny models ---------------------------------------------------------------------------------------

def _model(upper=(3.0, 3.0), rows=(), integer=False) -> LinearModel:
    """Columns ``x``, ``y`` in [0, upper]; ``rows``: (name, coefficients of x and y, lower, upper)."""
    lp = LinearModel()
    cols = lp.add_variables("v", pd.Index(["x", "y"], name="var"), 0.0, np.array(upper), integer=integer)
    for name, coefs, lower, up in rows:
        lp.add_constraints(name, pd.Index([name], name="row"), [(np.zeros(2), cols.positions, coefs)], lower, up)
    return lp


def _solved(cls, lp, cost, time_limit=LONG, solution_limit=None, start=None):
    backend = cls(lp)
    backend.set_objective(np.asarray(cost, float))
    if start is not None:
        backend.set_start(start)
    return backend, backend.solve(time_limit, 0.0, solution_limit)


def market_split(rows: int = 5, items: int = 40, seed: int = 0):
    """A market-split problem (Cornuéjols and Dawande 1999) with a planted solution: choose items whose
    weights add up to ``b`` in every row, slack columns priced 1. Its LP bound is 0, as is the optimum
    (the planted choice), which branch and bound takes minutes to find on this size: a solve stopped
    after a second has a worse incumbent, and one started from the planted choice returns it at once.
    Returns the model, the cost and the planted plan."""
    rng = np.random.default_rng(seed)
    weights = rng.integers(0, 100, size=(rows, items))
    chosen = (rng.random(items) < 0.5).astype(float)
    lp = LinearModel()
    x = lp.add_variables("item", pd.RangeIndex(items, name="item"), 0.0, 1.0, integer=True)
    over = lp.add_variables("over", pd.RangeIndex(rows, name="row"), 0.0, 1e6, integer=True)
    under = lp.add_variables("under", pd.RangeIndex(rows, name="row"), 0.0, 1e6, integer=True)
    r, c = np.nonzero(weights)
    target = weights @ chosen
    lp.add_constraints("split", pd.RangeIndex(rows, name="row"),
                       [(r, x.positions[c], weights[r, c]), (np.arange(rows), over.positions, 1.0),
                        (np.arange(rows), under.positions, -1.0)], target, target)
    cost = np.zeros(lp.n_cols)
    cost[over.positions] = cost[under.positions] = 1.0
    plan = np.zeros(lp.n_cols)
    plan[x.positions] = chosen
    return lp, cost, plan


def assignment(agents: int = 8, jobs: int = 30, seed: int = 0):
    """A generalised assignment problem: each job to one agent, agents' capacities, integer costs. Proven
    optimal (477) in well under a second by every backend, whose first solution is worse."""
    rng = np.random.default_rng(seed)
    cost, weight = rng.integers(10, 50, size=(agents, jobs)), rng.integers(5, 25, size=(agents, jobs))
    capacity = (weight.sum(axis=1) * 0.8 / agents).astype(int) + 5
    lp = LinearModel()
    x = lp.add_variables("assign", pd.MultiIndex.from_product([range(agents), range(jobs)], names=["a", "j"]),
                         0.0, 1.0, integer=True)
    agent, job = np.meshgrid(range(agents), range(jobs), indexing="ij")
    lp.add_constraints("job", pd.RangeIndex(jobs, name="j"), [(job.ravel(), x.positions, 1.0)], 1.0, 1.0)
    lp.add_constraints("capacity", pd.RangeIndex(agents, name="a"), [(agent.ravel(), x.positions, weight.ravel())],
                       upper=capacity)
    vector = np.zeros(lp.n_cols)
    vector[x.positions] = cost.ravel()
    return lp, vector


ASSIGNMENT_OPTIMUM = 477.0


# -- each capability claimed: it works -----------------------------------------------------------------

def works_mip(cls):
    """max x + y with 2x + 2y <= 3 in integers: 1 (the LP relaxation: 1.5)."""
    lp = _model(rows=[("half", [2.0, 2.0], -np.inf, 3.0)], integer=True)
    _, out = _solved(cls, lp, [-1.0, -1.0])
    assert out.status == "optimal" and out.objective == pytest.approx(-1.0)
    assert np.allclose(out.x, np.round(out.x))


def works_time_limit_incumbent(cls):
    lp, cost, _ = market_split()
    _, out = _solved(cls, lp, cost, time_limit=SHORT)
    assert out.status in ("feasible", "optimal") and out.x is not None, out
    assert out.objective == pytest.approx(float(cost @ out.x))
    assert math.isfinite(out.bound) and out.bound <= out.objective + 1e-6


def works_warm_start(cls):
    lp, cost, plan = market_split()
    _, out = _solved(cls, lp, cost, start=plan)
    assert out.status == "optimal" and out.objective == pytest.approx(0.0, abs=1e-6), out
    assert np.allclose(out.x, plan)


def works_in_place_changes(cls):
    """min -x - y with x + y <= 4, x, y <= 3: -4; the row raised to 5: -5; x capped at 1: -4; updated to
    a model whose row allows 6 (the columns' bounds of the model again): -6, as a new backend finds."""
    lp = _model(rows=[("cap", [1.0, 1.0], -np.inf, 4.0)])
    backend, out = _solved(cls, lp, [-1.0, -1.0])
    assert out.objective == pytest.approx(-4.0)
    backend.change_row_bounds(np.array([0]), np.array([-np.inf]), np.array([5.0]))
    assert backend.solve(LONG, 0.0).objective == pytest.approx(-5.0)
    backend.change_col_bounds(np.array([0]), np.array([0.0]), np.array([1.0]))
    assert backend.solve(LONG, 0.0).objective == pytest.approx(-4.0)
    wider = _model(rows=[("cap", [1.0, 1.0], -np.inf, 6.0)])
    backend.update(wider)
    backend.set_objective(np.array([-1.0, -1.0]))
    assert backend.solve(LONG, 0.0).objective == pytest.approx(-6.0)
    assert _solved(cls, wider, [-1.0, -1.0])[1].objective == pytest.approx(-6.0)


def works_lp_duals(cls):
    """min x + 2y with x + y >= 3, x <= 2: x = 2, y = 1; one more unit of need costs 2 (the row's dual),
    one more unit of x's bound saves 1 (its reduced cost)."""
    lp = _model(upper=(2.0, np.inf), rows=[("need", [1.0, 1.0], 3.0, np.inf)])
    backend, out = _solved(cls, lp, [1.0, 2.0])
    assert out.status == "optimal" and out.objective == pytest.approx(4.0)
    row_dual, col_dual = backend.duals()
    assert row_dual == pytest.approx([2.0]) and col_dual == pytest.approx([-1.0, 0.0])
    x, activity = backend.solution_values()
    assert x == pytest.approx([2.0, 1.0]) and activity == pytest.approx([3.0])


def works_iis(cls):
    """x + y >= 5 with x, y <= 1 cannot hold; the row x - y <= 10 takes no part."""
    lp = _model(upper=(1.0, 1.0), rows=[("need", [1.0, 1.0], 5.0, np.inf), ("spare", [1.0, -1.0], -np.inf, 10.0)])
    backend, out = _solved(cls, lp, [1.0, 1.0])
    assert out.status == "infeasible"
    rows, cols, irreducible = backend.iis(LONG)
    assert irreducible and rows == [(0, "lower")] and sorted(cols) == [(0, "upper"), (1, "upper")]


def works_solution_limit(cls):
    lp, cost = assignment()
    assert _solved(cls, lp, cost)[1].objective == pytest.approx(ASSIGNMENT_OPTIMUM)  # proven without a limit
    _, first = _solved(cls, lp, cost, solution_limit=1)
    assert first.status == "feasible" and first.objective > ASSIGNMENT_OPTIMUM + 0.5, first
    _, second = _solved(cls, lp, cost, solution_limit=2)
    assert second.status == "feasible", second


def works_column_generation(cls):
    """min 5x with x >= 1: 5; a column of cost 2 on the same row appended: 2, from it."""
    lp = _model(rows=[("need", [1.0, 0.0], 1.0, np.inf)])
    backend, out = _solved(cls, lp, [5.0, 0.0])
    assert out.objective == pytest.approx(5.0)
    backend.add_columns(np.array([2.0]), [np.array([0])], [np.array([1.0])])
    out = backend.solve(LONG, 0.0)
    assert out.objective == pytest.approx(2.0) and out.x == pytest.approx([0.0, 0.0, 1.0])


WORKS = {Capability.MIP: works_mip, Capability.TIME_LIMIT_INCUMBENT: works_time_limit_incumbent,
         Capability.WARM_START: works_warm_start, Capability.IN_PLACE_CHANGES: works_in_place_changes,
         Capability.LP_DUALS: works_lp_duals, Capability.IIS: works_iis,
         Capability.SOLUTION_LIMIT: works_solution_limit, Capability.COLUMN_GENERATION: works_column_generation}


# -- each capability not claimed: refused --------------------------------------------------------------

#: Arguments of each method of a capability's protocol, on the model of :func:`_model` (two columns, one row).
ARGUMENTS = {
    "update": lambda: (_model(rows=[("cap", [1.0, 1.0], -np.inf, 4.0)]),),
    "change_row_bounds": lambda: (np.array([0]), np.array([0.0]), np.array([1.0])),
    "change_col_bounds": lambda: (np.array([0]), np.array([0.0]), np.array([1.0])),
    "duals": tuple, "solution_values": tuple, "iis": lambda: (LONG,),
    "add_columns": lambda: (np.array([1.0]), [np.array([0])], [np.array([1.0])]),
}


def refuses_methods(cls, capability):
    for method in METHODS[capability]:
        if hasattr(cls, method):  # present: it raises
            backend, _ = _solved(cls, _model(rows=[("cap", [1.0, 1.0], -np.inf, 4.0)], integer=True), [-1.0, -1.0])
            with pytest.raises(NotImplementedError):
                getattr(backend, method)(*ARGUMENTS[method]())


def refuses_mip(cls, _):
    with pytest.raises(NotImplementedError):
        cls(_model(integer=True))


def refuses_time_limit_incumbent(cls, _):
    lp, cost, _ = market_split()
    assert _solved(cls, lp, cost, time_limit=SHORT)[1].x is None


def refuses_warm_start(cls, _):
    with pytest.raises(NotImplementedError):
        cls(_model(integer=True)).set_start(np.zeros(2))


def refuses_solution_limit(cls, _):
    lp, cost = assignment()
    with pytest.raises(NotImplementedError):
        _solved(cls, lp, cost, solution_limit=1)


REFUSES = {Capability.MIP: refuses_mip, Capability.TIME_LIMIT_INCUMBENT: refuses_time_limit_incumbent,
           Capability.WARM_START: refuses_warm_start, Capability.SOLUTION_LIMIT: refuses_solution_limit,
           **{c: refuses_methods for c in METHODS}}


@pytest.mark.parametrize("capability", list(Capability), ids=lambda c: c.name.lower())
@pytest.mark.parametrize("name", list(BACKENDS))
def test_every_flag_of_every_backend_is_true(name, capability):
    cls = BACKENDS[name]
    assert isinstance(cls(_model(integer=True)), Backend)
    if capability in cls.capabilities:
        if capability in PROTOCOLS:
            assert isinstance(cls(_model(integer=True)), PROTOCOLS[capability])
        WORKS[capability](cls)
    else:
        REFUSES[capability](cls, capability)


def test_every_capability_is_exercised_both_ways():
    assert set(WORKS) == set(REFUSES) == set(Capability)


# -- the callers ask capabilities ----------------------------------------------------------------------

def test_shadow_prices_of_a_backend_without_lp_duals_come_from_one_with_them_and_the_message_says_so(tiny):
    highs = solve(tiny, Scenario(**EXACT))
    ortools = solve(tiny, Scenario(solver="ortools", **EXACT))
    assert "computed by" not in highs.message
    assert "shadow prices computed by highs (ortools has no changes in place, LP duals)" in ortools.message
    relaxed = ortools.shadow_prices[ortools.shadow_prices["method"] == "lp_relaxation"]
    assert len(relaxed) and (relaxed["status"] == "optimal").all()
    columns = ["method", "label", "value"]
    pd.testing.assert_frame_equal(ortools.shadow_prices[columns], highs.shadow_prices[columns], atol=1e-6)


def test_the_diagnosis_of_a_backend_without_an_iis_runs_on_one_with_it_and_the_message_says_so(tiny):
    result = solve(tiny, Scenario(solver="ortools", min_places={"as": 12}, **EXACT))
    assert result.status == "infeasible"
    assert result.diagnosis["iis"] == "irreducible" and result.diagnosis["conflict"]
    assert "diagnosis computed by highs (ortools has no changes in place, IIS)" in result.message
    assert "computed by" not in solve(tiny, Scenario(min_places={"as": 12}, **EXACT)).message


def test_verify_takes_another_backend_with_what_a_second_opinion_needs():
    assert second_opinion("highs") == "ortools" and second_opinion("ortools") == "highs"
    with pytest.raises(GpecError, match="^--verify: no solver other than highs has IIS"):
        second_opinion("highs", {Capability.IIS})


def test_a_phase_takes_the_chosen_backend_when_it_can_else_the_first_that_can():
    assert provider({Capability.MIP}, "ortools") is get_backend("ortools")
    assert provider({Capability.LP_DUALS}, "ortools") is get_backend("highs")
    assert provider({Capability.LP_DUALS}) is get_backend("highs")
