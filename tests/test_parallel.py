"""gpec.parallel.run_tasks on real spawned processes and a real dask LocalCluster.

The task functions live in tests/parallel_tasks.py so that spawned workers can import them. Nothing is
timed: a task that must finish late waits for a file the test creates after the early result arrived.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import socket
import subprocess
import sys

import dask
import pytest

import gpec
from gpec.batch import SolveSummary, SolveTask, solve_task
from gpec.errors import GpecError
from gpec.instance import load_instance
from gpec.parallel import TaskResult, run_tasks
from gpec.parallel import cluster as cluster_module
from gpec.scenario import Scenario
from gpec.solving import solve
from tests.conftest import ROOT, write_instance
from tests.parallel_tasks import act

SQUARES = {f"t{i}": ("square", i) for i in range(5)}


@pytest.fixture(scope="module")
def scheduler():
    """The address of a two-worker LocalCluster configured as ``dask="local"`` configures its own."""
    from distributed import LocalCluster
    with dask.config.set(cluster_module.LOCAL_CONFIG):
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                               silence_logs=logging.CRITICAL)
    yield cluster.scheduler_address
    cluster.close()


@pytest.fixture(params=["processes", "cluster"])
def dask_option(request):
    """``dask=`` of run_tasks: ``None`` (spawned processes) or an existing scheduler's address, once both
    its workers are up (a test may have killed one, which its nanny restarts)."""
    if request.param == "processes":
        return None
    return up(request.getfixturevalue("scheduler"))


def up(address: str) -> str:
    """``address`` once the cluster there has its two workers."""
    from distributed import Client
    with Client(address) as client:
        client.wait_for_workers(2)
    return address


def by_key(results) -> dict[str, TaskResult]:
    results = list(results)
    assert len({r.key for r in results}) == len(results)
    return {r.key: r for r in results}


def test_every_value_comes_back_under_its_key(dask_option):
    results = by_key(run_tasks(act, SQUARES, workers=2, dask=dask_option))
    assert {k: (r.value, r.error) for k, r in results.items()} == {f"t{i}": (i * i, None) for i in range(5)}
    assert all(r.ok and r.seconds >= 0 for r in results.values())


def test_a_raising_task_gives_its_error_line_and_the_others_their_values(dask_option):
    tasks = {**SQUARES, "bad": ("fail", "no budget\n  for cd40")}
    results = by_key(run_tasks(act, tasks, workers=2, dask=dask_option))
    assert results["bad"].error == "ValueError: no budget for cd40"
    assert results["bad"].value is None and not results["bad"].ok
    assert {k: results[k].value for k in SQUARES} == {f"t{i}": i * i for i in range(5)}


@pytest.mark.parametrize("action, argument, error", [("exit_now", 3, "worker died (exit code 3)"),
                                                     ("kill_self", None, "worker died (exit code -9)")])
def test_a_task_that_kills_its_process_is_reported_and_the_others_go_on(action, argument, error):
    tasks = {"t0": ("square", 0), "dies": (action, argument), **SQUARES}
    results = by_key(run_tasks(act, tasks, workers=2))
    assert results["dies"].error == error and results["dies"].value is None
    assert {k: results[k].value for k in SQUARES} == {f"t{i}": i * i for i in range(5)}


def test_a_value_that_cannot_travel_is_that_tasks_error():
    tasks = {"unsendable": ("unsendable", None), "unreadable": ("unreadable", None), **SQUARES}
    results = by_key(run_tasks(act, tasks, workers=1))
    assert results["unsendable"].error.startswith("the value could not be sent back: ")
    assert results["unreadable"].error == "the value could not be read: ValueError: cannot be read"
    assert {k: results[k].value for k in SQUARES} == {f"t{i}": i * i for i in range(5)}


def test_a_task_that_kills_its_dask_worker_is_reported_and_the_others_go_on(scheduler):
    tasks = {"dies": ("exit_now", 3), **SQUARES}
    results = by_key(run_tasks(act, tasks, dask=up(scheduler)))
    assert results["dies"].error == "worker died (dask: 1 worker(s) died running it)"
    assert {k: results[k].value for k in SQUARES} == {f"t{i}": i * i for i in range(5)}


def test_results_stream_as_tasks_finish(dask_option, tmp_path):
    gate = tmp_path / "gate"
    results = run_tasks(act, {"slow": ("wait_for", str(gate)), "fast": ("square", 7)}, workers=2, dask=dask_option)
    first = next(results)
    assert (first.key, first.value) == ("fast", 49)  # while "slow" still waits for the gate
    gate.touch()
    second = next(results)
    assert (second.key, second.value) == ("slow", "released")
    assert list(results) == []


def test_stopping_early_ends_the_workers(tmp_path):
    results = run_tasks(act, {"slow": ("wait_for", str(tmp_path / "never")), "fast": ("square", 2)}, workers=2)
    assert next(results).key == "fast"
    results.close()
    assert [p for p in multiprocessing.active_children() if p.name == "gpec-worker"] == []


CTRL_C = """
import multiprocessing, os, signal, sys
from gpec.parallel import run_tasks
from tests.parallel_tasks import act
tasks = {"fast": ("square", 2), "fast too": ("square", 3), "slow": ("wait_for", sys.argv[1])}
results = run_tasks(act, tasks, workers=2)
next(results), next(results)  # both workers are up and serving
try:
    os.killpg(0, signal.SIGINT)  # Ctrl-C reaches the whole process group, workers included
    next(results)
except KeyboardInterrupt:
    results.close()
    print("interrupted", [p.name for p in multiprocessing.active_children()])
"""


def test_ctrl_c_ends_the_workers_quietly(tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    run = subprocess.run([sys.executable, "-c", CTRL_C, str(tmp_path / "never")], capture_output=True, text=True,
                         start_new_session=True, cwd=ROOT, env=env)
    assert run.stdout.strip() == "interrupted []"
    assert "Traceback" not in run.stderr


def test_workers_are_reused_and_replaced_after_a_death():
    tasks = {f"p{i}": ("pid", None) for i in range(6)}
    assert len({r.value for r in run_tasks(act, tasks, workers=2)}) <= 2
    tasks = {"p0": ("pid", None), "dies": ("exit_now", 1), "p1": ("pid", None), "p2": ("pid", None)}
    results = by_key(run_tasks(act, tasks, workers=1))
    assert results["dies"].error == "worker died (exit code 1)"
    assert all(results[k].value for k in ("p0", "p1", "p2"))


def test_workers_import_the_same_gpec(dask_option):
    (result,) = run_tasks(act, {"where": ("gpec_file", None)}, workers=1, dask=dask_option)
    assert result.value == gpec.__file__


def test_progress_is_told_after_each_result():
    told = []
    results = list(run_tasks(act, SQUARES, workers=2, progress=lambda done, total, r: told.append((done, total, r))))
    assert told == [(i + 1, 5, r) for i, r in enumerate(results)]


def test_no_tasks_no_results():
    assert list(run_tasks(act, {}, workers=2, dask="tcp://never.invalid:1")) == []


def test_a_local_dask_cluster_gives_what_the_processes_give():
    tasks = {**SQUARES, "bad": ("fail", "no budget")}
    local = by_key(run_tasks(act, tasks, workers=2, dask="local"))
    pool = by_key(run_tasks(act, tasks, workers=2))
    assert {k: (r.value, r.error) for k, r in local.items()} == {k: (r.value, r.error) for k, r in pool.items()}
    assert local["bad"].error == "ValueError: no budget"


@pytest.mark.parametrize("workers", [0, -1, 1.5, True, "2"])
def test_bad_workers_name_the_option(workers):
    with pytest.raises(GpecError, match=r"^--workers must be a whole number at least 1"):
        run_tasks(act, SQUARES, workers=workers)


def test_an_empty_dask_option_is_named():
    with pytest.raises(GpecError, match=r"^--dask must be 'local' or a scheduler address"):
        run_tasks(act, SQUARES, dask=" ")


def test_an_unreachable_scheduler_is_named(monkeypatch):
    monkeypatch.setattr(cluster_module, "CONNECT_TIMEOUT_S", 0.5)
    with socket.socket() as closed:  # bound, never listening: connections are refused
        closed.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{closed.getsockname()[1]}"
        with pytest.raises(GpecError, match=rf"^--dask {address}: no dask scheduler answers there"):
            list(run_tasks(act, SQUARES, dask=address))


def test_a_function_that_does_not_pickle_is_refused():
    with pytest.raises(TypeError, match="importable at module level"):
        run_tasks(lambda task: task, SQUARES)


def test_two_budgets_solved_in_parallel_equal_the_in_process_solves(tmp_path):
    """The tiny instance of tests/test_known_answer.py under two Région envelopes."""
    b = "00001"
    folder = write_instance(
        tmp_path / "tiny", bassins=[(b, 0.0, 45.0)], years=(2026, 2029),
        need={(b, "as", 2026): 100, (b, "as", 2027): 110, (b, "as", 2028): 120, (b, "as", 2029): 106},
        stock0={(b, "as"): 100.0}, inflow={(b, "as", y): 10.0 for y in (2027, 2028, 2029)},
        training_cap={(b, "as"): 5}, apprentice_cap={(b, "as"): 2},
        budget={"region": 3500.0, "departement": 3000.0},
    )
    scenarios = {f"region {eur}": Scenario(budgets={"region": eur}, mip_gap=0.0, shadow_prices=False)
                 for eur in (3500.0, 5000.0)}
    results = by_key(run_tasks(solve_task, {k: SolveTask(str(folder), s) for k, s in scenarios.items()}, workers=2))
    instance = load_instance(folder)
    for key, scenario in scenarios.items():
        summary = results[key].value
        assert results[key].error is None and isinstance(summary, SolveSummary)
        alone = solve(instance, scenario)
        assert (summary.status, summary.cost) == (alone.status, pytest.approx(alone.cost, abs=1e-6))
        assert summary.objective == pytest.approx(alone.objective, abs=1e-9)
        assert summary.bound == pytest.approx(alone.bound, abs=1e-9)
    assert results["region 3500.0"].value.objective == pytest.approx(19.56, abs=1e-6)
    assert results["region 5000.0"].value.objective < results["region 3500.0"].value.objective
