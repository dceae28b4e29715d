"""Progress while solving: one line per finished stage in a pipe, a live line on a terminal, nothing with
--quiet (gpec.progress)."""

from __future__ import annotations

import io
import subprocess
import sys

from rich.console import Console

from gpec.progress import Progress
from gpec.results import StageReport
from tests.conftest import ROOT, write_instance

A = "00001"


def _tiny(folder):
    need = {(A, "as", 2026): 100.0, (A, "as", 2027): 101.0}
    return write_instance(folder, bassins=[(A, 0.0, 45.0)], years=(2026, 2027), need=need,
                          stock0={(A, "as"): 100.0}, inflow={(A, "as", 2027): 10.0}, training_cap={(A, "as"): 5},
                          budget={"region": 2000.0, "departement": 0.0})


def _solve(folder, out, *extra):
    return subprocess.run([sys.executable, "-m", "gpec.cli", "solve", str(folder), "--out", str(out), "--no-maps",
                           "--no-shadow-prices", *extra], cwd=ROOT, capture_output=True, text=True)


def test_in_a_pipe_each_finished_stage_is_one_line(tmp_path):
    proc = _solve(_tiny(tmp_path / "tiny"), tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.splitlines()
    assert [line.split(":")[0] for line in lines][:2] == ["stage unmet", "stage cost"], proc.stderr
    assert all(" in " in line and "bound" in line for line in lines)


def test_quiet_writes_nothing_on_stderr(tmp_path):
    proc = _solve(_tiny(tmp_path / "tiny"), tmp_path / "out", "--quiet")
    assert proc.returncode == 0 and proc.stderr == ""


def test_on_a_terminal_the_live_line_shows_incumbent_bound_and_gap():
    stream = io.StringIO()
    console = Console(file=stream, force_terminal=True, width=120)
    with Progress(console=console) as progress:
        progress.start("stage unmet")
        progress.update(1.0, 6150.5, 6141.0, 0.0015)
        live = progress.__rich__().plain
        progress.done(StageReport("stage unmet", "optimal", 6144.65, 6141.5, 5.1e-4, 3.6, ""))
    assert "stage unmet" in live and "incumbent 6,150.5" in live and "bound 6,141" in live and "0.15%" in live
    assert "stage unmet: optimal, 6,144.65 (bound 6,141.5, gap 0.05%) in 3.6 s" in stream.getvalue()
