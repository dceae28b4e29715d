"""The output folder is written and read as one unit (gpec.outputs): never a mix of two runs.

A run killed hard while writing leaves the previous complete folder or the new complete one, and the
next run removes what it left; a damaged geometry file ends the run with one line and leaves the
previous folder as it was; a crash while drawing the maps keeps the plan; ``load_result`` reads back what was written; ``explain`` refuses, in one
line, a folder that is not a solve's output.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from gpec.errors import GpecError
from gpec.instance import load_instance
from gpec.outputs import RUN_FILES, load_result, write_outputs
from gpec.scenario import Scenario
from gpec.solving import solve
from tests.conftest import LANDES, ROOT

SHORT = ["--horizon", "2026-2027", "--no-shadow-prices", "--quiet"]


def _cli(*args, wait=True):
    command = [sys.executable, "-m", "gpec.cli", *map(str, args)]
    if wait:
        return subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _complete(out) -> dict:
    """The folder holds every output file of one run; returns its result.json."""
    missing = [f for f in RUN_FILES if not (out / f).is_file()]
    assert not missing, missing
    return json.loads((out / "result.json").read_text())


def test_load_result_reads_back_what_was_written(tmp_path):
    result = solve(load_instance(LANDES), Scenario(horizon=(2026, 2027), shadow_prices=False))
    write_outputs(result, tmp_path / "out", maps=False)
    back = load_result(tmp_path / "out")
    assert (back.status, back.horizon, back.levers) == (result.status, result.horizon, result.levers)
    assert back.objective == pytest.approx(result.objective) and back.cost == pytest.approx(result.cost)
    assert back.budgets == result.budgets and [s.name for s in back.stages] == [s.name for s in result.stages]
    for name in ("decisions", "unmet", "spend"):
        mine, read = getattr(result, name).reset_index(drop=True), getattr(back, name)
        pd.testing.assert_frame_equal(read[mine.columns], mine, check_dtype=False, check_exact=False)
    assert back.decisions["bassin"].str.len().eq(5).all()  # codes keep their leading zeros


def test_a_run_killed_while_writing_leaves_one_complete_run(tmp_path):
    out = tmp_path / "out"
    first = _cli("solve", LANDES, "--out", out, *SHORT)
    assert first.returncode == 0, first.stderr
    before = _complete(out)
    decisions = (out / "decisions.csv").read_bytes()
    for delay in (0.0, 0.05, 0.2):  # kill at different points of the write
        proc = _cli("solve", LANDES, "--out", out, "--budget", "departement=900000", *SHORT, wait=False)
        deadline = time.monotonic() + 120
        while not list(tmp_path.glob(".out.staging-*")) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        head = _complete(out)
        if head["budgets"] == before["budgets"]:  # the previous run, untouched
            assert (out / "decisions.csv").read_bytes() == decisions
        else:  # the new run, complete
            assert head["budgets"]["cd40"]["2026"] == 900000.0  # departement: the alias of cd40
    again = _cli("solve", LANDES, "--out", out, *SHORT)
    assert again.returncode == 0, again.stderr
    assert not [p for p in tmp_path.iterdir() if p.name != "out"]  # leftovers removed
    assert _complete(out)["budgets"] == before["budgets"]


def test_a_crash_while_drawing_maps_keeps_the_plan(tmp_path, monkeypatch):
    """Fault: drawing the maps raises (a bug, a library's). The run still writes its tables, report and
    workbook as one unit, leaves no half-drawn map and says in result.json why there is no map."""
    import gpec.geo.maps

    def broken(*args, **kwargs):
        (args[2] / "map_unmet.png").write_bytes(b"half a map")
        raise RuntimeError("the renderer fell over")

    monkeypatch.setattr(gpec.geo.maps, "write_maps", broken)
    result = solve(load_instance(LANDES), Scenario(horizon=(2026, 2027), shadow_prices=False))
    assert result.has_solution
    out = write_outputs(result, tmp_path / "out")
    head = _complete(out)
    assert "maps not drawn (RuntimeError: the renderer fell over)" in head["message"]
    assert not list(out.glob("map_*.png")) and not (out / "results.gpkg").exists()
    assert (out / "decisions.csv").stat().st_size > 0
    assert not [p for p in tmp_path.iterdir() if p.name != "out"]  # no staging folder left


def test_a_damaged_geometry_file_is_one_line_and_keeps_the_previous_run(tmp_path):
    inst = tmp_path / "landes"
    shutil.copytree(LANDES, inst)
    out = tmp_path / "out"
    assert _cli("solve", inst, "--out", out, *SHORT).returncode == 0
    kept = {f: (out / f).read_bytes() for f in RUN_FILES}
    text = (inst / "bassins.geojson").read_text()
    (inst / "bassins.geojson").write_text(text[: len(text) // 2])
    proc = _cli("solve", inst, "--out", out, "--budget", "departement=900000", *SHORT)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert len(proc.stderr.splitlines()) == 1 and "bassins.geojson" in proc.stderr
    assert {f: (out / f).read_bytes() for f in RUN_FILES} == kept
    assert not list(tmp_path.glob(".out.*"))


@pytest.mark.parametrize("content", ["{}", "not json", '{"post_type": "night_nurse", "status": "optimal"}'])
def test_explain_refuses_a_folder_that_is_not_a_solve_output(tmp_path, content):
    (tmp_path / "result.json").write_text(content)
    proc = _cli("explain", tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert len(proc.stderr.splitlines()) == 1
    with pytest.raises(GpecError):
        load_result(tmp_path)


def test_a_folder_with_files_of_ones_own_is_refused_and_kept(tmp_path, monkeypatch):
    result = solve(load_instance(LANDES), Scenario(horizon=(2026, 2027), shadow_prices=False))
    mine = tmp_path / "project"
    mine.mkdir()
    (mine / "thesis.tex").write_text("mine")
    with pytest.raises(GpecError, match="thesis.tex"):
        write_outputs(result, mine, maps=False)
    assert (mine / "thesis.tex").read_text() == "mine" and sorted(p.name for p in tmp_path.iterdir()) == ["project"]
    monkeypatch.chdir(mine)
    (mine / "thesis.tex").unlink()
    with pytest.raises(GpecError, match="current folder"):
        write_outputs(result, ".", maps=False)
