"""Envelopes by year: ``--budget FUNDER:YEAR=EUR`` beside a flat ``--budget FUNDER=EUR``."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

from gpec.instance import load_instance
from gpec.outputs import load_result
from gpec.scenario import Scenario, budgets_from_options
from tests.conftest import LANDES, ROOT

SHORT = Scenario(horizon=(2026, 2027), shadow_prices=False)


def test_one_years_budget_changes_that_year_alone(tmp_path):
    """``--budget departement:2027=800000`` with a flat value, in either order: only 2027 changes, and the
    plan's spending follows (more spent in 2027 than the flat envelope allows)."""
    a = budgets_from_options(["departement:2027=800000", "departement=400000"])
    b = budgets_from_options(["departement=400000", "departement:2027=800000"])
    assert a == b == {"departement": {None: 400_000.0, 2027: 800_000.0}}
    applied, _ = replace(SHORT, budgets=a).apply(load_instance(LANDES))
    envelope = applied.budget().xs("departement")
    assert envelope[2027] == 800_000 and envelope[2026] == 400_000 and envelope[2030] == 400_000
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "gpec.cli", "solve", LANDES, "--out", out, "--horizon", "2026-2027",
                           "--no-maps", "--no-shadow-prices", "--quiet", "--budget", "departement:2027=800000",
                           "--budget", "departement=400000"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    result = load_result(out)
    assert result.budgets["departement"][2027] == 800_000 and result.budgets["departement"][2026] == 400_000
    spent = result.spend[result.spend["funder"] == "departement"].groupby("year")["eur"].sum()
    carried = 400_000 - spent[2026]  # what the flat envelope would have let 2027 spend more
    assert spent[2026] <= 400_000 + 1e-6 and spent[2027] > 400_000 + carried
    bad = subprocess.run([sys.executable, "-m", "gpec.cli", "solve", LANDES, "--out", tmp_path / "bad", "--horizon",
                          "2026-2027", "--budget", "departement:2031=1"], cwd=ROOT, capture_output=True, text=True)
    assert bad.returncode == 2 and len(bad.stderr.splitlines()) == 1 and "outside the horizon" in bad.stderr
