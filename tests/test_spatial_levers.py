"""Known answers for the spatial levers (QVCT posts, vehicles, intermittent pools), each solved by hand
on a tiny instance built so that the lever is chosen at the optimum; switching it off changes the
objective by the hand-computed amount. Travel: 1 minute per km (given explicitly)."""

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
from tests.conftest import write_instance

A, B, C = "00001", "00002", "00003"
YEARS = (2026, 2028)
EXACT = Scenario(mip_gap=0.0)


def _yrs(first=YEARS[0]):
    return range(first, YEARS[1] + 1)


@pytest.fixture(scope="module")
def pools_case(tmp_path_factory):
    """Three bassins on a line, A -25 min- B -25 min- C; pool radius 30 min: only a pool based in B reaches
    both A and C. Need 0.5 FTE in A and in C, nothing in post, nothing in B. One pool FTE a year (budget
    10,000 EUR, salary 10,000): based in B it covers both (0.5 + 0.5), based in A or C only half.
    Pools work from the second year: unmet 1.0 in 2026, 0 after; without pools 3 x 1.0 = 3.0."""
    folder = tmp_path_factory.mktemp("pools") / "pools"
    bassins = [(A, 0.0, 45.0), (B, 0.3, 45.0), (C, 0.6, 45.0)]
    travel = {(A, B): 25, (B, A): 25, (B, C): 25, (C, B): 25, (A, C): 50, (C, A): 50}
    need = {(b, "as", y): (0.0 if b == B else 0.5) for b in (A, B, C) for y in _yrs()}
    write_instance(folder, bassins=bassins, years=YEARS, need=need, travel=travel,
                   stock0={(b, "as"): 0.0 for b in (A, B, C)},
                   inflow={(b, "as", y): 0.0 for b in (A, B, C) for y in _yrs(2027)},
                   params={"cost_pool_fte": {"as": 10_000.0}, "pool_max_share": 1.0, "eff_pool_fill": 1.0},
                   budget={"region": 0.0, "departement": 10_000.0})
    return load_instance(folder)


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


@pytest.fixture(scope="module")
def qvct_case(tmp_path_factory):
    """Two EHPAD (10 FTE of aides-soignants each) within the 30-minute radius of bassin A (10 and 20 km), a
    third in bassin B, 40 km away. K = 2 structures a post, one post a year affordable (50,000 EUR).
    Exit rate 0.2 (no retirement), effect 0.5: a served structure keeps 0.5 x 0.2 x 10 = 1 FTE more the
    next year. Both bassins are short (stock 100, need 120, baseline inflow 20 keeps the stock at 100).
    A post in A (2 structures) retains 2 FTE a year, one in B only 1: posts in A in 2026 and 2027.
    Unmet 2 x 3 x 20 = 120 without posts; with them 120 - 2 (2027) - (0.8 x 2 + 2) (2028) = 114.4."""
    folder = tmp_path_factory.mktemp("qvct") / "qvct"
    bassins = [(A, 0.0, 45.0), (B, 0.0, 45.36)]  # 40 km apart
    structures = [("S1", A, 0.127, 45.0, 50), ("S2", A, 0.254, 45.0, 50), ("S3", B, 0.0, 45.36, 50)]
    write_instance(folder, bassins=bassins, years=YEARS, structures=structures,
                   staff={(s, "as"): 10.0 for s in ("S1", "S2", "S3")},
                   need={(b, "as", y): 120.0 for b in (A, B) for y in _yrs()},
                   stock0={(b, "as"): 100.0 for b in (A, B)},
                   inflow={(b, "as", y): 20.0 for b in (A, B) for y in _yrs(2027)},
                   params={"retire_rate": 0.0, "exit_rate": 0.2, "eff_qvct_exit": 0.5},
                   budget={"region": 0.0, "departement": 50_000.0})
    return load_instance(folder)


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


@pytest.fixture(scope="module")
def vehicles_case(tmp_path_factory):
    """Aides à domicile in two bassins, A rural (50 inhabitants/km2), B dense (500 > threshold 100).
    Stock 30, need 40, exit 0.2 kept at 30 by a baseline inflow of 6. A vehicle cuts its driver's exit
    rate by half (0.5 x 0.2 = 0.1 FTE) and brings 0.4 hires: 0.5 FTE the next year. Fleet at most
    10 % of 30 = 3 in A, none in B; budget 6,000 EUR = 2 vehicles a year at 3,000 EUR.
    Unmet without vehicles 2 x 3 x 10 = 60; with 2 in A in 2026 and 2027: 60 - 1.0 - (0.8 + 1.0) = 57.2."""
    folder = tmp_path_factory.mktemp("vehicles") / "vehicles"
    write_instance(folder, bassins=[(A, 0.0, 45.0), (B, 0.5, 45.0)], years=YEARS, metiers=("adv",),
                   density={A: 50.0, B: 500.0},
                   need={(b, "adv", y): 40.0 for b in (A, B) for y in _yrs()},
                   stock0={(b, "adv"): 30.0 for b in (A, B)},
                   inflow={(b, "adv", y): 6.0 for b in (A, B) for y in _yrs(2027)},
                   params={"retire_rate": 0.0, "exit_rate": 0.2, "eff_vehicle_exit": 0.5, "eff_vehicle_hire": 0.4,
                           "vehicle_max_share": 0.1},
                   budget={"region": 0.0, "departement": 6_000.0})
    return load_instance(folder)


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
