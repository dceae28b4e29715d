"""Known answers for the spatial levers (QVCT posts, vehicles, intermittent pools), each solved by hand
on a tiny instance built so that the lever is chosen at the optimum; switching it off changes the
objective by the hand-computed amount. Travel: 1 minute per km (given explicitly). The instances are the
``pools_case``, ``qvct_case`` and ``vehicles_case`` fixtures of ``conftest.py`` (other modules use them too)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import replace

import pandas as pd
import pytest

from gpec.errors import InputError
from gpec.evaluate import evaluate
from gpec.geo.reach import structures_within
from gpec.instance import load_instance
from gpec.scenario import Scenario
from gpec.solving import solve
from tests.conftest import SPATIAL_BASSINS

A, B, C = SPATIAL_BASSINS
EXACT = Scenario(mip_gap=0.0)


def test_pool_based_in_the_middle_covers_both_ends(pools_case):
    result = solve(pools_case, EXACT)
    assert result.status == "optimal" and result.violations == 0, result.violation_details
    assert result.objective == pytest.approx(1.0, abs=1e-9)
    pools = result.decisions[result.decisions["lever"] == "pools"]
    assert {(r.bassin, r.year): r.units for r in pools.itertuples()} == {(B, 2027): 1, (B, 2028): 1}
    flows = {(r.origin, r.destination, r.year): r.fte for r in result.pool_flows.itertuples()}
    assert flows == pytest.approx({(B, A, 2027): 0.5, (B, C, 2027): 0.5, (B, A, 2028): 0.5, (B, C, 2028): 0.5})
    assert result.cost == pytest.approx(20_000.0)
    off = solve(pools_case, Scenario(mip_gap=0.0, levers=("training", "apprenticeship", "qvct", "vehicles")))
    assert off.objective - result.objective == pytest.approx(2.0, abs=1e-9)


def test_pool_radius_is_rechecked_by_evaluate(pools_case):
    result = solve(pools_case, EXACT)
    flows = result.pool_flows.copy()
    flows.loc[flows.index[0], ["origin", "destination"]] = [A, C]  # 50 minutes: outside the 30-minute radius
    report = evaluate(pools_case, replace(result, pool_flows=flows))
    assert "pool" in set(report.violations["family"])


def test_qvct_post_serves_the_two_structures_in_reach(qvct_case):
    result = solve(qvct_case, EXACT)
    assert result.status == "optimal" and result.violations == 0, result.violation_details
    assert result.objective == pytest.approx(114.4, abs=1e-9)
    posts = result.decisions[result.decisions["lever"] == "qvct"]
    assert {(r.bassin, r.year): r.units for r in posts.itertuples()} == {(A, 2026): 1, (A, 2027): 1}
    served = {(r.structure, r.host, r.year) for r in result.coverage.itertuples()}
    assert served == {("S1", A, 2026), ("S2", A, 2026), ("S1", A, 2027), ("S2", A, 2027)}
    assert result.coverage["retained_fte"].tolist() == pytest.approx([1.0] * 4)
    off = solve(qvct_case, Scenario(mip_gap=0.0, levers=("training", "apprenticeship", "vehicles", "pools")))
    assert off.objective - result.objective == pytest.approx(5.6, abs=1e-9)


def test_qvct_radius_and_post_capacity_are_rechecked(qvct_case):
    result = solve(qvct_case, EXACT)
    far = result.coverage.copy()
    far.loc[far.index[0], "structure"] = "S3"  # 40 minutes from A
    assert "coverage" in set(evaluate(qvct_case, replace(result, coverage=far)).violations["family"])
    posts = result.decisions.copy()
    posts = posts[~((posts["lever"] == "qvct") & (posts["year"] == 2026))]  # two structures, no post
    assert "coverage" in set(evaluate(qvct_case, replace(result, decisions=posts)).violations["family"])


def test_vehicles_go_to_the_rural_bassin(vehicles_case):
    result = solve(vehicles_case, EXACT)
    assert result.status == "optimal" and result.violations == 0, result.violation_details
    assert result.objective == pytest.approx(57.2, abs=1e-9)
    fleet = result.decisions[result.decisions["lever"] == "vehicles"]
    assert {(r.bassin, r.year): r.units for r in fleet.itertuples()} == {(A, 2026): 2, (A, 2027): 2}
    off = solve(vehicles_case, Scenario(mip_gap=0.0, levers=("training", "apprenticeship", "qvct", "pools")))
    assert off.objective - result.objective == pytest.approx(2.8, abs=1e-9)


def test_vehicles_in_a_dense_bassin_are_flagged(vehicles_case):
    result = solve(vehicles_case, EXACT)
    moved = result.decisions.copy()
    moved.loc[moved["lever"] == "vehicles", "bassin"] = B
    assert "capacity" in set(evaluate(vehicles_case, replace(result, decisions=moved)).violations["family"])


def test_structure_travel_file_replaces_computed_minutes(qvct_case, tmp_path):
    """A user-supplied structure_travel.csv (validated like every table) replaces the great-circle minutes:
    putting S3 at 5 minutes from A lets a post in A serve it."""
    folder = tmp_path / "qvct"
    shutil.copytree(qvct_case.folder, folder)
    pd.DataFrame([dict(structure="S3", host=A, minutes=5.0, source="routing engine")]).to_csv(
        folder / "structure_travel.csv", index=False)
    inst = load_instance(folder)
    pairs = structures_within(inst, inst.param("qvct_radius_min"))
    assert ("S3", A) in set(zip(pairs["structure"], pairs["host"]))
    pd.DataFrame([dict(structure="S9", host=A, minutes=5.0, source="x")]).to_csv(
        folder / "structure_travel.csv", index=False)
    with pytest.raises(InputError) as err:
        load_instance(folder)
    assert err.value.column == "structure" and err.value.row == 1


def test_cli_switches_a_lever_off_and_overrides_a_parameter(pools_case, tmp_path):
    """End to end: --lever-off pools gives the no-pool objective (3.0); --set pool_radius_min=60 lets a
    pool based in A reach C too (still 1 FTE a year, still unmet 1.0 in the first year only)."""
    def run(*args):
        out = tmp_path / f"out{len(list(tmp_path.iterdir()))}"
        proc = subprocess.run([sys.executable, "-m", "gpec.cli", "solve", str(pools_case.folder), "--out", str(out),
                               "--gap", "0", "--no-maps", *args], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        return json.loads((out / "result.json").read_text())

    off = run("--lever-off", "pools")
    assert off["objective"] == pytest.approx(3.0) and "pools" not in off["levers"]
    wider = run("--set", "pool_radius_min=60")
    assert wider["objective"] == pytest.approx(1.0) and wider["violations"] == 0
