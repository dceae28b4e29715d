"""Envelopes by year: ``--budget FUNDER:YEAR=EUR`` beside a flat ``--budget FUNDER=EUR``, the funder named
by its code (``cd40``) or its kind (``departement``)."""

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
    """``--budget cd40:2027=800000`` changes 2027 alone; with a flat value for the same body, named by its
    alias or its code, in either order, the year wins, and the plan's spending follows (more spent in
    2027 than the flat envelope allows)."""
    landes = load_instance(LANDES)
    base = landes.budget()
    one, _ = replace(SHORT, budgets=budgets_from_options(["cd40:2027=800000"])).apply(landes)
    changed = one.budget().compare(base)
    assert changed.index.tolist() == [("cd40", 2027)] and changed.iloc[0].tolist() == [800_000, 500_000]
    a = budgets_from_options(["departement:2027=800000", "cd40=400000"])
    b = budgets_from_options(["cd40=400000", "departement:2027=800000"])
    assert landes.resolve_budgets(a) == landes.resolve_budgets(b) == {"cd40": {None: 400_000.0, 2027: 800_000.0}}
    applied, _ = replace(SHORT, budgets=a).apply(landes)
    envelope = applied.budget().xs("cd40")
    assert envelope[2027] == 800_000 and envelope[2026] == 400_000 and envelope[2030] == 400_000
    assert applied.budget().drop("cd40", level="funder").equals(base.drop("cd40", level="funder"))
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "gpec.cli", "solve", LANDES, "--out", out, "--horizon", "2026-2027",
                           "--no-maps", "--no-shadow-prices", "--quiet", "--budget", "departement:2027=800000",
                           "--budget", "cd40=400000"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    result = load_result(out)
    assert result.budgets["cd40"][2027] == 800_000 and result.budgets["cd40"][2026] == 400_000
    spent = result.spend[result.spend["funder"] == "cd40"].groupby("year")["eur"].sum()
    carried = 400_000 - spent[2026]  # what the flat envelope would have let 2027 spend more
    assert spent[2026] <= 400_000 + 1e-6 and spent[2027] > 400_000 + carried
    bad = subprocess.run([sys.executable, "-m", "gpec.cli", "solve", LANDES, "--out", tmp_path / "bad", "--horizon",
                          "2026-2027", "--budget", "departement:2031=1"], cwd=ROOT, capture_output=True, text=True)
    assert bad.returncode == 2 and len(bad.stderr.splitlines()) == 1 and "outside the horizon" in bad.stderr
