"""``gpec groups`` writes its output folder as one unit and keeps its plan on an interrupt.

- :func:`gpec.outputs.write_folder`, the staging folder and the swap that ``gpec solve`` and ``gpec groups``
  share: a folder holding files the command does not write is refused, what runs killed hard left beside
  the folder is removed, a failure while writing leaves the previous folder as it was.
- ``gpec groups`` killed hard (SIGKILL) while writing leaves the previous complete grouping or the new
  one, never a mix; the next run removes what the killed one left. A SIGTERM while writing lets the
  write finish (exit 130).
- SIGTERM during phase 1 (the fewest posts) of the 167 EHPAD of the Landes and the Pyrénées-Atlantiques:
  the command writes phase 1's plan, checked, with status ``feasible`` and a message saying it was
  interrupted, and exits 130; phase 2 is not started. Phase 1's HiGHS made deaf to the stop (as inside its
  sub-MIPs) is left running after :data:`gpec.interrupt.GRACE_S` and the best plan its callback reported
  is kept, with either method; a stop before any plan raises, so that nothing is written.

Real processes, real signals, real solvers: a test waits for what it needs (a staging folder, the live
line of an incumbent), never for a fixed time, and asserts nothing about durations.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from gpec import interrupt
from gpec.errors import GpecError
from gpec.groupings import GroupingOptions, load_group_data, solve_groups
from gpec.groupings.output import GROUP_FILES, check_grouping_out, write_grouping
from gpec.outputs import write_folder
from tests.cli_helpers import PATIENCE, TerminalRun, gpec_env
from tests.conftest import LANDES, ROOT
from tests.test_groups import _write_line

pty = pytest.importorskip("pty", reason="pseudo-terminals (POSIX)")

#: The 167 EHPAD: phase 1 has a plan within seconds and is not proven for longer.
TWO_DEPARTEMENTS = ROOT / "instances" / "landes_pyrenees_atlantiques"
GROUPS = ("groups.csv", "group_posts.csv", "result.json")


def _gpec(*args, **popen) -> subprocess.Popen:
    """``gpec ARGS`` in a session of its own (signalled as a whole with os.killpg)."""
    return subprocess.Popen([sys.executable, "-m", "gpec.cli", *map(str, args)], cwd=ROOT, env=gpec_env(),
                            stdin=subprocess.DEVNULL, start_new_session=True, **popen)


def _files(folder) -> dict:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _beside(folder) -> list[str]:
    return sorted(p.name for p in folder.parent.iterdir() if p.name != folder.name)


def _dead_pid() -> int:
    """The id of a process that has ended."""
    done = subprocess.Popen([sys.executable, "-c", ""])
    done.wait()
    return done.pid


# -- write_folder ----------------------------------------------------------------------------------------

def _writer(**files):
    def fill(stage):
        for name, text in files.items():
            (stage / name).write_text(text)
    return fill


def _ours(name: str) -> bool:
    return name.endswith(".csv")


def test_write_folder_replaces_the_whole_folder(tmp_path):
    out = tmp_path / "out"
    assert write_folder(out, _writer(**{"a.csv": "1", "b.csv": "1"}), _ours) == out
    assert _files(out) == {"a.csv": b"1", "b.csv": b"1"}
    write_folder(out, _writer(**{"a.csv": "2"}), _ours)
    assert _files(out) == {"a.csv": b"2"}  # b.csv, not written by the second run, went with the folder
    assert _beside(out) == []


@pytest.mark.parametrize("fault, raised", [(OSError(28, "No space left on device"), GpecError),
                                           (RuntimeError("a bug"), RuntimeError),
                                           (KeyboardInterrupt(), KeyboardInterrupt)],
                         ids=["OSError", "RuntimeError", "KeyboardInterrupt"])
def test_a_failure_while_filling_leaves_the_previous_folder(tmp_path, fault, raised):
    out = tmp_path / "out"
    write_folder(out, _writer(**{"a.csv": "1"}), _ours)

    def failing(stage):
        (stage / "a.csv").write_text("half")
        raise fault

    with pytest.raises(raised) as caught:
        write_folder(out, failing, _ours)
    if raised is GpecError:
        assert str(caught.value) == f"--out {out}: cannot write the results (No space left on device)"
    assert _files(out) == {"a.csv": b"1"} and _beside(out) == []


def test_write_folder_refuses_a_folder_with_files_it_does_not_write(tmp_path, monkeypatch):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "a.csv").write_text("gpec's")
    (mine / "thesis.tex").write_text("mine")
    called = []
    with pytest.raises(GpecError, match=r"^--out .*mine: holds files gpec does not write \(e\.g\. thesis\.tex\)"):
        write_folder(mine, called.append, _ours)
    assert called == [] and _files(mine) == {"a.csv": b"gpec's", "thesis.tex": b"mine"} and _beside(mine) == []
    afile = tmp_path / "afile"
    afile.write_text("x")
    with pytest.raises(GpecError, match="exists and is not a folder"):
        write_folder(afile, called.append, _ours)
    (mine / "thesis.tex").unlink()
    monkeypatch.chdir(mine)
    with pytest.raises(GpecError, match="the current folder or one above it"):
        write_folder(".", called.append, _ours)
    assert called == [] and _files(mine) == {"a.csv": b"gpec's"}


def test_write_folder_removes_what_dead_runs_left_and_only_that(tmp_path):
    out = tmp_path / "out"
    dead, alive = _dead_pid(), os.getppid()
    for name in (f".out.staging-{dead}", f".out.old-{dead}", f".out.staging-{alive}", f".other.staging-{dead}"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "a.csv").write_text("left")
    write_folder(out, _writer(**{"a.csv": "new"}), _ours)
    assert _beside(out) == sorted([f".other.staging-{dead}", f".out.staging-{alive}"])  # another's, a live one's
    assert _files(out) == {"a.csv": b"new"}


def test_solve_and_groups_folders_are_not_taken_for_one_another(tmp_path):
    """A grouping's folder holds files a solve does not write, and the other way round: each command
    refuses to replace the other's folder."""
    groups = tmp_path / "groups"
    groups.mkdir()
    for name in GROUP_FILES:
        (groups / name).write_text("x")
    assert check_grouping_out(groups) == groups
    with pytest.raises(GpecError, match=r"e\.g\. group_posts\.csv"):
        write_folder(groups, _writer(**{"decisions.csv": ""}))  # the default: gpec solve's files
    solved = tmp_path / "solved"
    solved.mkdir()
    (solved / "decisions.csv").write_text("x")
    (solved / "result.json").write_text("{}")
    with pytest.raises(GpecError, match=r"e\.g\. decisions\.csv"):
        check_grouping_out(solved)


@pytest.mark.parametrize("make, needle", [("foreign", "holds files gpec does not write (e.g. thesis.tex)"),
                                          ("solve", "holds files gpec does not write (e.g. decisions.csv)"),
                                          ("file", "exists and is not a folder")])
def test_gpec_groups_refuses_an_out_it_would_destroy_in_one_line(tmp_path, line, make, needle):
    out = tmp_path / "out"
    if make == "file":
        out.write_text("mine")
    else:
        out.mkdir()
        (out / ("thesis.tex" if make == "foreign" else "decisions.csv")).write_text("mine")
    before = out.read_bytes() if make == "file" else _files(out)
    proc = subprocess.run([sys.executable, "-m", "gpec.cli", "groups", line, "--post", "p", "--travel",
                           line / "travel.csv", "--max-minutes", "15", "--quiet", "--out", out], cwd=ROOT, env=gpec_env(),
                          capture_output=True, text=True, timeout=PATIENCE)
    assert proc.returncode == 2 and proc.stderr == f"gpec: error: --out {out}: {needle}" + (
        "; the folder is replaced as a whole, so choose a new or empty folder\n" if make != "file" else "\n")
    assert (out.read_bytes() if make == "file" else _files(out)) == before and _beside(out) == []


# -- gpec groups killed while writing ------------------------------------------------------------------

@pytest.fixture(scope="module")
def line(tmp_path_factory):
    """The five structures on a line of tests/test_groups.py (a plan at once; a map to draw)."""
    return _write_line(tmp_path_factory.mktemp("line") / "line")


def _line_run(line, out, minutes: int) -> list:
    return ["groups", line, "--post", "p", "--travel", line / "travel.csv", "--max-minutes", minutes,
            "--max-size", "3", "--quiet", "--out", out]


def _grouping(out, files=GROUP_FILES) -> dict:
    """The folder holds one complete grouping (tables, summary and, by default, the map); its result.json."""
    assert sorted(p.name for p in out.iterdir()) == sorted(files)
    head = json.loads((out / "result.json").read_text())
    groups = pd.read_csv(out / "groups.csv")
    assert len(groups) == head["n_structures"] and head["violations"] == 0
    assert len(pd.read_csv(out / "group_posts.csv")) == head["n_groups"]
    return head


def test_gpec_groups_killed_while_writing_leaves_one_complete_grouping(tmp_path, line):
    out = tmp_path / "out"
    first = subprocess.run([sys.executable, "-m", "gpec.cli", *map(str, _line_run(line, out, 15))], cwd=ROOT,
                           env=gpec_env(), capture_output=True, text=True, timeout=PATIENCE)
    assert first.returncode == 0, first.stderr
    assert _grouping(out)["options"]["max_minutes"] == 15
    before = _files(out)
    for delay in (0.0, 0.05, 0.2):  # killed at different points of the write
        proc = _gpec(*_line_run(line, out, 25), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + PATIENCE
        while not list(tmp_path.glob(".out.staging-*")) and proc.poll() is None:
            assert time.monotonic() < deadline
            time.sleep(0.002)
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=PATIENCE)
        head = _grouping(out)
        if head["options"]["max_minutes"] == 15:  # the previous grouping, untouched
            assert _files(out) == before
        else:  # the new one, complete
            assert head["options"]["max_minutes"] == 25
        left = _beside(out)
        assert all(re.fullmatch(r"\.out\.(staging|old)-[0-9]+", name) for name in left), left
    again = subprocess.run([sys.executable, "-m", "gpec.cli", *map(str, _line_run(line, out, 15))], cwd=ROOT,
                           env=gpec_env(), capture_output=True, text=True, timeout=PATIENCE)
    assert again.returncode == 0, again.stderr
    assert _grouping(out)["options"]["max_minutes"] == 15 and _beside(out) == []  # the leftovers removed



def test_a_signal_while_gpec_groups_writes_lets_the_write_finish(tmp_path, line):
    out = tmp_path / "out"
    first = subprocess.run([sys.executable, "-m", "gpec.cli", *map(str, _line_run(line, out, 15))], cwd=ROOT,
                           env=gpec_env(), capture_output=True, text=True, timeout=PATIENCE)
    assert first.returncode == 0, first.stderr
    proc = _gpec(*_line_run(line, out, 25), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + PATIENCE
    while not list(tmp_path.glob(".out.staging-*")):  # writing (the solve is over)
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline
        time.sleep(0.002)
    os.killpg(proc.pid, signal.SIGTERM)
    _, stderr = proc.communicate(timeout=PATIENCE)
    assert proc.returncode == interrupt.EXIT_CODE, stderr
    assert stderr.strip().splitlines()[-1] == f"gpec: interrupted: the best plan found is written to {out}"
    assert _grouping(out)["options"]["max_minutes"] == 25 and _beside(out) == []  # the new grouping, whole

# -- SIGTERM during phase 1 ------------------------------------------------------------------------------

def test_sigterm_during_phase_1_writes_its_plan_over_the_previous_grouping_and_exits_130(tmp_path, line):
    out = tmp_path / "run" / "groups"
    data = load_group_data(line, "p", travel_file=line / "travel.csv")
    write_grouping(solve_groups(data, GroupingOptions(max_minutes=15, max_size=3)), data, out)
    assert json.loads((out / "result.json").read_text())["n_structures"] == 5  # a previous grouping
    run = TerminalRun(tmp_path, "groups", TWO_DEPARTEMENTS, "--post", "night_nurse", "--time-limit", 600, "--out", out)
    run.wait_for(r"fewest posts .*incumbent [0-9]")  # HiGHS's live line: phase 1 has a plan
    os.killpg(run.proc.pid, signal.SIGTERM)
    assert run.finish() == interrupt.EXIT_CODE, run.stderr
    last = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", run.stderr).strip().splitlines()[-1]  # the live line's codes aside
    assert last == f"gpec: interrupted: the best plan found is written to {out}", run.stderr
    assert "Traceback" not in run.stderr
    head = _grouping(out, GROUPS)  # the new grouping, complete; no map, for speed
    assert head["n_structures"] == 167 and head["status"] == "feasible"
    assert head["message"].startswith("interrupted (SIGTERM)")
    assert head["message"].endswith("; map not drawn (interrupted)")
    assert "least cost (columns): not run; phase 1: interrupted" in head["message"]  # phase 2 not started
    assert head["bound"] <= head["objective"] and head["posts"] >= head["min_posts"] > 0
    assert _beside(out) == []


# -- phase 1 left running ----------------------------------------------------------------------------------

class _Signal:
    """A progress reporter that sends this process SIGTERM once the solver reports an incumbent during the
    stage whose name begins with ``stage``."""

    def __init__(self, stage: str):
        self.stage, self.current, self.stages, self.sent = stage, "", [], False

    def start(self, stage):
        self.current = stage
        self.stages.append(stage)

    def done(self, report):
        pass

    def update(self, seconds, incumbent, bound, gap):
        if not self.sent and self.current.startswith(self.stage) and np.isfinite(incumbent) and abs(incumbent) < 1e20:
            self.sent = True
            os.kill(os.getpid(), signal.SIGTERM)


@pytest.fixture(scope="module")
def ehpad():
    return load_group_data(TWO_DEPARTEMENTS, "night_nurse")


@pytest.fixture
def deaf_highs(monkeypatch):
    """Fault injection: HiGHS deaf to the stop request (as inside its sub-MIPs, where it checks neither its
    time limit nor its callback) until it is left running, GRACE_S (0.2 s here) after the signal."""
    from gpec.solvers.highs import HighsBackend

    monkeypatch.setattr(HighsBackend, "_stop_now", lambda self: None)
    monkeypatch.setattr(HighsBackend, "_stop_asked", lambda self: self.abandoned)
    monkeypatch.setattr(interrupt, "GRACE_S", 0.2)


@pytest.mark.parametrize("method", ["columns", "compact"])
def test_phase_1_left_running_keeps_the_best_plan_its_callback_reported(ehpad, deaf_highs, method):
    """Before: with the compact method, phase 2 touched phase 1's abandoned solver and the plan was lost
    (Interrupted: nothing written)."""
    reporter = _Signal("fewest posts")
    with interrupt.catching() as caught:
        result = solve_groups(ehpad, GroupingOptions(max_minutes=30), time_limit=600, method=method,
                              progress=reporter)
    assert reporter.sent and caught.abandoned == 1 and reporter.stages == ["fewest posts"]  # no phase 2
    assert result.status == "feasible" and result.message.startswith("interrupted (SIGTERM)")
    assert f"least cost ({method}): not run; phase 1: interrupted (HiGHS left running" in result.message
    assert result.violations == 0 and len(result.groups) == 167  # checked: a whole plan, its cost as reported
    assert result.bound <= result.objective and result.posts >= result.min_posts


def test_phase_2_left_running_keeps_the_plan_in_hand(ehpad, deaf_highs):
    """The compact method's phase 2 (HiGHS, from phase 1's plan) left running: its best plan, or phase 1's."""
    reporter = _Signal("least cost")
    with interrupt.catching() as caught:
        result = solve_groups(ehpad, GroupingOptions(max_minutes=30), time_limit=20, method="compact",
                              progress=reporter)
    assert reporter.sent and caught.abandoned == 1
    assert result.status == "feasible" and result.message.startswith("interrupted (SIGTERM)")
    assert "least cost (compact): interrupted (HiGHS left running" in result.message
    assert result.violations == 0 and len(result.groups) == 167


def test_a_stop_before_any_plan_raises_so_that_nothing_is_written():
    """No plan at all (the stop came before phase 1 found one): Interrupted, which gpec groups turns into
    exit 130 without writing (the output folder is left as it was)."""
    data = load_group_data(LANDES, "night_nurse")
    with interrupt.catching():
        os.kill(os.getpid(), signal.SIGTERM)
        deadline = time.monotonic() + PATIENCE
        while not interrupt.requested():
            assert time.monotonic() < deadline
            time.sleep(0.01)
        with pytest.raises(interrupt.Interrupted, match="no grouping found; nothing written"):
            solve_groups(data, GroupingOptions(max_minutes=30), time_limit=60)


def test_a_crash_while_drawing_the_groups_map_keeps_the_plan(line, tmp_path, monkeypatch):
    """Fault: drawing the map raises (a bug, a library's). The grouping is still written as one unit,
    without a half-drawn map, and result.json says why there is no map (as gpec solve's maps)."""
    import gpec.groupings.map

    def broken(result, data, path, lang="en"):
        path.write_bytes(b"half a map")
        raise RuntimeError("the renderer fell over")

    monkeypatch.setattr(gpec.groupings.map, "write_group_map", broken)
    data = load_group_data(line, "p", travel_file=line / "travel.csv")
    result = solve_groups(data, GroupingOptions(max_minutes=15, max_size=3), time_limit=60)
    assert result.has_solution
    out = tmp_path / "out"
    assert write_grouping(result, data, out) is None
    head = json.loads((out / "result.json").read_text())
    assert "map not drawn (RuntimeError: the renderer fell over)" in head["message"]
    assert sorted(p.name for p in out.iterdir()) == ["group_posts.csv", "groups.csv", "result.json"]
    assert _beside(out) == []  # no staging folder left
