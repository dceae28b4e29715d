"""The labelled sparse model builder: index arithmetic and array hand-off."""

import numpy as np
import pandas as pd
import pytest

from gpec.models.linear import LinearModel


def _model():
    lp = LinearModel()
    idx = pd.MultiIndex.from_product([["a", "b"], [2026, 2027]], names=["bassin", "year"])
    x = lp.add_variables("x", idx, 0.0, 5.0, integer=True)
    y = lp.add_variables("y", pd.Index(["a", "b"], name="bassin"))
    return lp, x, y


def test_blocks_are_contiguous_and_labelled():
    lp, x, y = _model()
    assert list(x.positions) == [0, 1, 2, 3] and list(y.positions) == [4, 5]
    assert lp.column_label(2) == "x[b, 2026]"
    frame = pd.DataFrame({"bassin": ["b", "a"], "year": [2027, 2026]})
    assert list(x.locate(frame)) == [3, 0]
    with pytest.raises(KeyError):
        x.locate(pd.DataFrame({"bassin": ["c"], "year": [2026]}))


def test_constraints_sum_duplicate_entries_and_keep_bounds():
    lp, x, y = _model()
    rows = lp.add_constraints("link", pd.Index(["a", "b"], name="bassin"),
                              [([0, 0, 1], [0, 0, 2], [1.0, 2.0, 1.0]), ([0, 1], y.positions, -1.0)],
                              lower=[0.0, -1.0], upper=[0.0, np.inf])
    lp.add_objective("cost", y.positions, [1.0, 2.0])
    lp.add_objective("cost", y.positions[:1], 0.5)
    arrays = lp.to_arrays()
    dense = arrays["matrix"].toarray()
    assert dense[0].tolist() == [3.0, 0, 0, 0, -1.0, 0]
    assert dense[1].tolist() == [0, 0, 1.0, 0, 0, -1.0]
    assert arrays["row_lower"].tolist() == [0.0, -1.0] and arrays["row_upper"][1] == np.inf
    assert arrays["integer"].tolist() == [True] * 4 + [False] * 2
    assert lp.objective_vector("cost").tolist() == [0, 0, 0, 0, 1.5, 2.0]
    assert lp.row_label(rows.start + 1) == "link[b]"
    assert lp.n_integer == 4


def test_row_out_of_range_is_rejected():
    lp, x, _ = _model()
    with pytest.raises(IndexError):
        lp.add_constraints("bad", pd.Index(["r"]), [([1], [0], [1.0])])


def test_an_lp_on_a_live_highs_model_gets_its_own_time_after_a_mip(landes_path):
    """HiGHS 1.16 holds an LP to its time limit on the Highs object's clock, which runs on across solves:
    the LP relaxation solved on a live model after MIPs that ran past its limit (1 s + 10 x the LP's own time
    alone, measured first, so a busy machine gets a longer limit) is solved (before the fix it stopped at
    once, 'time limit reached')."""
    from gpec.instance import load_instance
    from gpec.models import build_model
    from gpec.solvers.highs import HighsBackend

    instance = load_instance(landes_path)
    model = build_model(instance, instance.horizon)
    backend = HighsBackend(model.lp)
    backend.set_objective(model.lp.objective_vector("unmet"))
    alone = HighsBackend(model.lp.relaxation())  # the LP's own time on this machine, now
    alone.set_objective(model.lp.objective_vector("unmet"))
    limit = 1.0 + 10 * alone.solve(600.0, 0.0).runtime_s
    while backend.h.getRunTime() < limit:  # whatever the machine's speed, the object has run past the limit
        first = backend.solve(limit + 1.0, 0.0)
        backend.h.clearSolver()
    backend.update(model.lp.relaxation())
    relaxed = backend.solve(limit, 0.0)
    assert relaxed.status == "optimal", relaxed.solver_status
    assert relaxed.objective <= first.objective + 1e-6
