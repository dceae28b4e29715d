"""One scenario of a sweep, solved on a worker that keeps its live model between scenarios.

:func:`solve_point` is the task function of :func:`gpec.parallel.run_tasks`. Each worker process keeps
one :class:`~gpec.planner.Planner` per instance folder and reference plan (:data:`_PLANNERS`), switches
it to the task's scenario and re-solves warm: the model built by the first task changes in place for the
next ones when their shape is the same (:mod:`gpec.planner`), so every result is the solve of exactly the
model :func:`gpec.solve` would build, only started from the worker's last plan.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from time import perf_counter

import pandas as pd

from gpec.instance import load_instance
from gpec.planner import Planner
from gpec.results import Result
from gpec.scenario import Scenario

#: A worker's planners: (instance folder, reference plan file) -> Planner.
_PLANNERS: dict[tuple[str, str | None], Planner] = {}


@dataclass(frozen=True)
class PointTask:
    """A scenario of a sweep to solve: small and picklable.

    Attributes
    ----------
    hash : str
        The scenario's key (:func:`gpec.sweeps.store.scenario_key`).
    instance : str
        The instance folder.
    scenario : Scenario
        The whole scenario.
    reference : str or None
        A Parquet file of the reference plan's decisions (the sweep's base plan), or ``None``.
    """

    hash: str
    instance: str
    scenario: Scenario
    reference: str | None = None


@dataclass(frozen=True)
class PointRun:
    """What a worker sends back: the run's row (:data:`gpec.sweeps.store.RUN_COLUMNS` and the per-body and
    per-lever columns), its plan per lever x bassin, and its decisions (only when asked: the base plan)."""

    row: dict
    plan: pd.DataFrame | None
    decisions: pd.DataFrame | None = None


def solve_point(task: PointTask, keep_decisions: bool = False) -> PointRun:
    """Solve ``task`` on this process's planner for its instance and reference (module docstring)."""
    began = perf_counter()
    key = (str(task.instance), task.reference)
    planner = _PLANNERS.get(key)
    if planner is None:
        reference = pd.read_parquet(task.reference) if task.reference else None
        planner = _PLANNERS[key] = Planner(load_instance(task.instance), task.scenario, reference=reference)
    planner.switch(task.scenario)
    in_place = planner.updates_in_place
    result = planner.solve()
    warm = planner.updates_in_place > in_place
    return PointRun(run_row(task.hash, result, warm, perf_counter() - began), lever_plan(result),
                    result.decisions if keep_decisions else None)


def run_row(hash_: str, result: Result, warm: bool, seconds: float) -> dict:
    """The run row of ``result``: figures of the plan and its proof, spending per body, units and FTE per lever."""
    row = {"hash": hash_, "status": result.status, "objective": result.objective, "bound": result.bound,
           "gap": result.gap, "cost": result.cost, "unmet_fte": float(result.unmet["unmet"].sum()),
           "runtime_s": result.runtime_s, "seconds": seconds, "warm": warm,
           "violations": -1 if result.violations is None else int(result.violations),
           "message": result.message, "error": None, "pid": os.getpid()}
    for body in result.budgets:
        row[f"spend:{body}"] = float(result.spend.loc[result.spend["funder"] == body, "eur"].sum())
    for lever in result.levers:
        mine = result.decisions[result.decisions["lever"] == lever]
        row[f"units:{lever}"] = float(mine["units"].sum())
        row[f"fte:{lever}"] = float(mine["fte"].sum())
    return row


def error_row(hash_: str, error: str, seconds: float) -> dict:
    """The run row of a scenario that raised or whose worker died."""
    return {"hash": hash_, "status": "error", "error": error, "seconds": seconds, "message": ""}


def lever_plan(result: Result) -> pd.DataFrame | None:
    """Units per lever x bassin (summed over métiers, pathways and years); ``None`` without a plan."""
    if not result.has_solution:
        return None
    plan = result.decisions.groupby(["lever", "bassin"], as_index=False, observed=True)["units"].sum()
    return plan[plan["units"].abs() > 1e-9].reset_index(drop=True)
