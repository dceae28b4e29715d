"""Sweeps (gpec.sweeps): specs read and checked, the same table sequentially, on 2 workers and on a Dask
LocalCluster, a scenario that raises recorded while the others finish, a killed sweep resumed without
solving again what was finished.

The sweeps run on the Landes with training places alone over 2026-2028: each scenario proves in about a
second (the solves are proven, so the runs must agree within their gaps whatever the machine's speed).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from gpec.cli import app
from gpec.errors import GpecError
from gpec.instance import load_instance
from gpec.sweeps.run import run_sweep
from gpec.sweeps.spec import read_sweep_spec
from gpec.sweeps.store import read_sweep

from conftest import LANDES, ROOT

#: 6 scenarios and the base: the Région's envelope (it funds training places) x exit rates.
SPEC = {"name": "small", "base": {"levers": ["training"], "horizon": "2026-2028"},
        "solve": {"time_limit": 60, "gap": 0.001},
        "grid": {"envelope": {"budgets": ["region"], "factors": [0, 0.5, 1]},
                 "exits": {"parameters": ["exit_rate"], "levels": ["low", "high"]}}}
FAILING = "envelope=cr75 x0, exits=low"  # tests/parallel_tasks.solve_point_or_fail raises for it


def write_spec(folder: Path, spec: dict, name: str = "spec.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def landes():
    return load_instance(LANDES)


@pytest.fixture(scope="module")
def sequential(tmp_path_factory):
    """The small sweep on one worker, with one scenario that raises."""
    from parallel_tasks import solve_point_or_fail

    folder = tmp_path_factory.mktemp("sweep")
    run = run_sweep(LANDES, write_spec(folder, SPEC), folder / "out", workers=1, solve=solve_point_or_fail)
    return run


def _same_table(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Same scenarios, statuses and, within both runs' gaps, objectives; same plans' costs when proven."""
    a, b = a.set_index("scenario").sort_index(), b.set_index("scenario").sort_index()
    assert list(a.index) == list(b.index)
    assert (a["status"] == b["status"]).all()
    solved = a["status"] != "error"
    tol = (a["gap"] + b["gap"])[solved] * a["objective"][solved].abs() + 1e-6
    assert ((a["objective"] - b["objective"])[solved].abs() <= tol).all()
    assert (a["bound"][solved] <= b["objective"][solved] + 1e-6).all()


def test_a_scenario_that_raises_is_recorded_and_the_others_finish(sequential):
    table = sequential.table
    assert len(table) == 7 and set(table["design"]) == {"base", "grid"}
    failed = table[table["status"] == "error"]
    assert list(failed["scenario"]) == [FAILING]
    assert "RuntimeError: this scenario raises" in failed["error"].iloc[0]
    assert (table.loc[table["status"] != "error", "status"] == "optimal").all()
    assert not sequential.ok and [n for n, _ in sequential.failed] == [FAILING]
    status = json.loads((sequential.folder / "sweep.json").read_text())
    assert status["failed"] == [{"scenario": FAILING, "error": failed["error"].iloc[0]}]
    assert sorted(status["solved"]) == sorted(set(table["scenario"]) - {FAILING})
    # what each extra euro buys: unmet need never rises with the envelope, at either exit rate
    for exits, rows in table[table["status"] == "optimal"].groupby("level:exits"):
        rows = rows.sort_values("envelope:cr75")
        assert (np.diff(rows["objective"].to_numpy()) <= rows["objective"].to_numpy()[:-1] * 2e-3).all()
    # the scenario's values are in its row: envelopes and every record varied
    row = table.set_index("scenario").loc["envelope=cr75 x0.5, exits=high"]
    assert row["envelope:cr75"] == pytest.approx(663426 / 2)
    assert row["param:exit_rate[ide]"] == pytest.approx(0.15)
    assert row["spend:cr75"] > 0 and row["cost"] == pytest.approx(row[[c for c in row.index if c.startswith("spend:")]].sum())
    assert row["units:training"] > 0


def test_two_workers_give_the_sequential_table(sequential, tmp_path):
    from parallel_tasks import solve_point_or_fail

    run = run_sweep(LANDES, write_spec(tmp_path, SPEC), tmp_path / "out", workers=2, solve=solve_point_or_fail)
    _same_table(sequential.table, run.table)
    workers = run.table.loc[run.table["design"] != "base", "pid"].dropna()  # the base is solved in this process
    assert len(set(workers)) == 2


def test_dask_local_gives_the_sequential_table(sequential, tmp_path):
    from parallel_tasks import solve_point_or_fail

    run = run_sweep(LANDES, write_spec(tmp_path, SPEC), tmp_path / "out", dask="local", workers=2,
                    solve=solve_point_or_fail)
    _same_table(sequential.table, run.table)


def test_a_rerun_retries_only_what_failed(sequential, tmp_path):
    import shutil

    out = tmp_path / "out"
    shutil.copytree(sequential.folder, out)
    run = run_sweep(LANDES, write_spec(tmp_path, SPEC), out, workers=1)  # no scenario raises now
    assert run.solved == [FAILING] and len(run.skipped) == 6 and run.ok
    assert (run.table["status"] == "optimal").all()


def test_a_killed_sweep_resumes_without_solving_again(tmp_path):
    """The CLI killed (SIGKILL, the whole process group) once two scenarios are persisted; run again, it
    solves only the others and leaves the finished rows untouched."""
    spec = write_spec(tmp_path, {**SPEC, "grid": {**SPEC["grid"], "envelope": {"budgets": ["region"],
                                                                                "factors": [0, 0.5, 1, 1.5]}}})
    out = tmp_path / "out"
    command = [sys.executable, "-m", "gpec.cli", "sweep", str(LANDES), str(spec), "--out", str(out), "--workers",
               "1", "--quiet"]
    process = subprocess.Popen(command, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while len(list((out / "runs").glob("*.parquet"))) < 2 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    first = {p.name: p.stat().st_mtime_ns for p in (out / "runs").glob("*.parquet")}
    assert len(first) >= 2
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    status = json.loads((out / "sweep.json").read_text())
    table = read_sweep(out)
    assert len(table) == 9 and (table["status"] == "optimal").all()
    assert len(status["skipped"]) >= 2 and not status["failed"]
    assert not set(status["skipped"]) & set(status["solved"])
    assert {p.name: p.stat().st_mtime_ns for p in (out / "runs").glob("*.parquet") if p.name in first} == first


# -- specs --------------------------------------------------------------------------------------
def test_the_shipped_budget_sweep_has_30_scenarios(landes):
    spec = read_sweep_spec(ROOT / "sweeps" / "budget.yaml", landes)
    grid = [p for p in spec.points if p.design == "grid"]
    assert len(grid) == 30 and spec.points[0].design == "base"
    envelopes = {p.levels["envelope"] for p in grid}
    assert envelopes == {f"{b} x{f:g}" for b in ("cd40", "cr75") for f in (0, 0.5, 1, 1.5, 2)}
    point = next(p for p in grid if p.levels == {"envelope": "cd40 x1.5", "departures": "high"})
    assert set(point.scenario.budgets) == {"cd40"}
    assert all(v == 750_000 for v in point.scenario.budgets["cd40"].values())  # 500 kEUR a year in 2026-2035
    assert point.scenario.parameters[("exit_rate", "adv")] == 0.15 and point.scenario.time_limit == 30


def test_one_at_a_time_latin_hypercube_and_morris(landes, tmp_path):
    spec = read_sweep_spec(write_spec(tmp_path, {
        "one_at_a_time": {"parameters": ["eff_qvct_exit", "exit_rate[as]"]},
        "latin_hypercube": {"parameters": ["eff_qvct_exit", "eff_pool_fill"], "samples": 5, "seed": 3},
        "morris": {"parameters": ["eff_qvct_exit", "eff_pool_fill", "eff_vehicle_hire"], "trajectories": 2}}),
        landes)
    designs = pd.Series([p.design for p in spec.points]).value_counts().to_dict()
    assert designs == {"base": 1, "one_at_a_time": 4, "latin_hypercube": 5, "morris": 2 * (3 + 1)}
    oat = {p.name: p.scenario.parameters for p in spec.points if p.design == "one_at_a_time"}
    assert oat["exit_rate[as]=low"] == {("exit_rate", "as"): 0.03}
    assert oat["eff_qvct_exit=high"] == {("eff_qvct_exit", ""): 0.25}
    lhs = [p.scenario.parameters[("eff_pool_fill", "")] for p in spec.points if p.design == "latin_hypercube"]
    assert all(0.7 <= v <= 1.0 for v in lhs) and len(set(np.floor((np.array(lhs) - 0.7) / 0.06))) == 5  # one per stratum
    again = read_sweep_spec(spec.path, landes)  # a seed gives the same points
    assert [p.scenario for p in again.points] == [p.scenario for p in spec.points]
    assert spec.morris["names"] == ["eff_qvct_exit", "eff_pool_fill", "eff_vehicle_hire"]
    assert set(spec.varied) == {("eff_qvct_exit", ""), ("exit_rate", "as"), ("eff_pool_fill", ""),
                                ("eff_vehicle_hire", "")}


def test_ass_selects_assumed_continuous_records(landes, tmp_path):
    spec = read_sweep_spec(write_spec(tmp_path, {"one_at_a_time": {"parameters": "ass"}}), landes)
    records = {p.levels["parameter"] for p in spec.points if p.design == "one_at_a_time"}
    table = landes.parameters
    ass = table[(table["confidence"] == "ass") & (table["low"] < table["high"])
                & ~table["name"].isin(["training_years", "pathway_years", "qvct_structures_per_officer"])]
    assert records == {f"{n}[{k}]" if k else n for n, k in zip(ass["name"], ass["key"])}


def test_named_scenarios_cross_every_design(landes, tmp_path):
    (tmp_path / "roadmap.yaml").write_text("name: roadmap\nbudgets: {cd40: 1200000}\n")
    spec = read_sweep_spec(write_spec(tmp_path, {"scenarios": ["roadmap.yaml"], "base": {"service_level": 0.5},
                                                 "grid": {"s": {"service_level": [None, 0.8]}}}), landes)
    assert [p.name for p in spec.points] == ["base", "s=none", "s=0.8", "roadmap", "roadmap: s=none",
                                             "roadmap: s=0.8"]
    by_name = {p.name: p.scenario for p in spec.points}
    assert by_name["roadmap"].budgets == {"cd40": 1200000.0} and by_name["roadmap"].service_level == 0.5
    assert by_name["roadmap: s=none"].service_level is None


@pytest.mark.parametrize("spec, message", [
    ({"gird": {}}, "gird: unknown key"),
    ({"grid": {"e": {"budgets": ["nobody"], "factors": [1]}}}, "grid.e.budgets.nobody: unknown funder 'nobody'"),
    ({"grid": {"e": {"parameters": ["exit_rat"], "levels": ["low"]}}}, "grid.e.parameters.exit_rat: unknown parameter"),
    ({"grid": {"e": {"parameters": ["exit_rate"], "levels": ["lowest"]}}}, "grid.e.levels: 'lowest' is not low"),
    ({"grid": {"e": {"levers_off": [["vehicules"]]}}}, "grid.e.levers_off: unknown lever 'vehicules'"),
    ({"grid": {"e": {"budgets": ["cd40"], "factors": [-1]}}}, "grid.e.factors: -1 is not a non-negative number"),
    ({"one_at_a_time": {"parameters": ["training_years[as]"]}}, "training_years[as] has low = high"),
    ({"latin_hypercube": {"parameters": ["eff_qvct_exit"], "samples": 0}}, "latin_hypercube.samples: 0 is not"),
    ({"morris": {"parameters": ["eff_qvct_exit"], "levels": 3}}, "morris.levels: 3: Morris needs an even"),
    ({"solve": {"gap": 2}}, "solve: gap must lie in [0, 1)"),
    ({"solve": {"time_limt": 2}}, "solve.time_limt: unknown option"),
    ({"base": {"budgets": {"cd40": -5}}}, "base: budgets.cd40: -5 is not a non-negative number of euros"),
    ({"scenarios": ["missing.yaml"]}, "missing.yaml: not a readable YAML file"),
])
def test_a_bad_spec_is_one_line_naming_file_and_key(landes, tmp_path, spec, message):
    path = write_spec(tmp_path, spec)
    with pytest.raises(GpecError) as error:
        read_sweep_spec(path, landes)
    assert message in str(error.value) and "\n" not in str(error.value)


def test_a_bad_scenario_file_in_a_sweep_stops_the_cli_with_one_line(tmp_path):
    from typer.testing import CliRunner

    (tmp_path / "bad.yaml").write_text("budgets: {cd40: 100}\nparameters: {eff_qvct_exitt: 0.2}\n")
    spec = write_spec(tmp_path, {"scenarios": ["bad.yaml"]})
    result = CliRunner().invoke(app, ["sweep", str(LANDES), str(spec), "--out", str(tmp_path / "out")])
    assert isinstance(result.exception, GpecError)
    assert "bad.yaml: parameters.eff_qvct_exitt" in str(result.exception)
    assert not (tmp_path / "out").exists()  # nothing written before the spec is checked


def test_a_named_scenario_with_its_own_reference_is_refused(landes, tmp_path):
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "decisions.csv").write_text("lever,pathway,bassin,metier,year,units\n")
    (tmp_path / "s.yaml").write_text("reference: old\n")
    with pytest.raises(GpecError, match=r"scenarios\[0\]: s: reference: a sweep's scenarios stay close to its base"):
        read_sweep_spec(write_spec(tmp_path, {"scenarios": ["s.yaml"]}), landes)


def test_a_write_cut_short_is_not_a_finished_scenario(sequential, tmp_path):
    """A kill during a row's atomic write leaves its temporary file (``.HASH.parquet.XXX.tmp.parquet``):
    neither a finished scenario nor a row."""
    import shutil

    from gpec.sweeps.store import finished, read_runs

    out = tmp_path / "out"
    shutil.copytree(sequential.folder, out)
    (out / "runs" / ".0123456789abcdef.parquet.x1y2.tmp.parquet").write_bytes(b"PAR1")
    assert len(finished(out)) == 6 and len(read_runs(out)) == 7
