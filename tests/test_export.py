"""Exports with readable names: MPS/LP files re-read by HiGHS, and a Pyomo model solved with appsi_highs
to the same objective as gpec's own stage 1."""

from __future__ import annotations

import subprocess
import sys

import highspy
import pyomo.environ as pyo
import pytest

from gpec.models import build_model
from gpec.scenario import Scenario
from gpec.solving import solve
from gpec.solvers.export import write_model
from gpec.solvers.pyomo import to_pyomo
from tests.conftest import LANDES


@pytest.mark.parametrize("suffix", [".mps", ".lp"])
def test_written_model_is_reread_with_names_and_same_optimum(qvct_case, tmp_path, suffix):
    model = build_model(qvct_case, qvct_case.horizon)
    path = write_model(model.lp, "unmet", tmp_path / f"model{suffix}")
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.readModel(str(path))
    h.run()
    expected = solve(qvct_case, Scenario(mip_gap=0.0)).stages[0].objective
    assert h.getInfo().objective_function_value == pytest.approx(expected, abs=1e-7)
    assert "qvct_posts(00001_2026)" in h.allVariableNames()


@pytest.mark.parametrize("case", ["pools_case", "qvct_case"])
def test_pyomo_round_trip(case, request):
    instance = request.getfixturevalue(case)
    model = build_model(instance, instance.horizon)
    pm = to_pyomo(model.lp)
    solver = pyo.SolverFactory("appsi_highs")
    solver.config.mip_gap = 0.0
    solver.solve(pm)
    expected = solve(instance, Scenario(mip_gap=0.0)).stages[0].objective
    assert pyo.value(pm.objective) == pytest.approx(expected, abs=1e-7)


def test_cli_export_writes_a_named_mps(tmp_path):
    out = tmp_path / "landes.mps"
    proc = subprocess.run([sys.executable, "-m", "gpec.cli", "export", str(LANDES), "--out", str(out)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    text = out.read_text()
    assert "budget(cd40_2028)" in text and "stock(40088_as_2030)" in text
