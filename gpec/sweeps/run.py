"""Run a sweep: the base scenario first (its plan is every other scenario's reference), then the others
in parallel on :func:`gpec.parallel.run_tasks`, each persisted the moment it finishes
(:mod:`gpec.sweeps.store`), those already solved skipped.

Among equally good plans a solve returns the one closest to the base plan (:mod:`gpec.models.stability`),
so what differs between two scenarios is what the scenario changes, not the solver's choice among ties.
A scenario whose solve raises or whose worker dies gets a row with its error and the others go on; the
next run solves it again. ``DIR/sweep.json`` says what the last run solved, skipped and failed.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from gpec.atomic import write_json
from gpec.instance import load_instance
from gpec.parallel import TaskResult, error_line, run_tasks
from gpec.sweeps.spec import SweepSpec, read_sweep_spec, record_label
from gpec.sweeps.store import (finished, instance_digest, read_sweep, scenario_key, write_parquet, write_run)
from gpec.sweeps.worker import PointTask, error_row, solve_point

#: The base plan's decisions in a sweep's folder: the reference of every other scenario.
BASE_PLAN = "base_decisions.parquet"


@dataclass
class SweepRun:
    """What one run of a sweep did.

    Attributes
    ----------
    folder : Path
        The sweep's folder.
    table : DataFrame
        The sweep's table (:func:`gpec.sweeps.store.read_sweep`).
    solved, skipped, failed : list
        Scenario names solved by this run, found solved by an earlier one, and failed
        (``(name, error)``).
    seconds : float
        Wall-clock seconds of the run.
    """

    folder: Path
    table: pd.DataFrame
    solved: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """Whether every scenario has a row without error."""
        return not self.failed and self.table["status"].notna().all() and (self.table["status"] != "error").all()


def run_sweep(instance_folder: str | Path, spec_path: str | Path, out: str | Path, workers: int | None = None,
              dask: str | None = None, progress: Callable[[str, int, int, dict], None] | None = None,
              solve: Callable = solve_point) -> SweepRun:
    """Solve every scenario of the sweep spec ``spec_path`` on the instance, into the folder ``out``.

    Parameters
    ----------
    instance_folder : path
        The instance folder.
    spec_path : path
        The sweep spec (:mod:`gpec.sweeps.spec`).
    out : path
        The sweep's folder (created; scenarios already solved there are skipped).
    workers, dask
        How to run the scenarios after the base (:func:`gpec.parallel.run_tasks`).
    progress : callable, optional
        ``progress(event, done, total, info)`` with ``event`` ``start`` (``info``: the counts), ``done``
        (``info``: the scenario's names and run row), called as the run goes.
    solve : callable
        The task function (default :func:`gpec.sweeps.worker.solve_point`; another must take a
        :class:`~gpec.sweeps.worker.PointTask`, return a :class:`~gpec.sweeps.worker.PointRun` and be
        importable by the workers).

    Returns
    -------
    SweepRun
    """
    began = time.perf_counter()
    folder, instance_folder = Path(out), Path(instance_folder)
    instance = load_instance(instance_folder)
    spec = read_sweep_spec(spec_path, instance)
    digest = instance_digest(instance_folder)
    points, base_key = _points_table(spec, instance, digest)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(spec.path, folder / "spec.yaml")
    write_parquet(folder / "points.parquet", points)
    names = points.groupby("hash", sort=False)["scenario"].agg(list).to_dict()
    described = points.drop_duplicates("hash").set_index("hash", drop=False).to_dict("index")
    done = finished(folder)
    run = SweepRun(folder, points)
    run.skipped = [n for h in names if h in done for n in names[h]]
    todo = [h for h in names if h not in done]
    total, count = len(points), len(run.skipped)
    _report(progress, "start", count, total, {"distinct": len(names), "to_solve": len(todo)})
    reference = folder / BASE_PLAN

    def record(key: str, row: dict, plan) -> None:
        nonlocal count
        write_run(folder, {**described[key], **row}, plan)  # the row says what it solved on its own
        count += len(names[key])
        if row["status"] == "error":
            run.failed += [(n, row["error"]) for n in names[key]]
        else:
            run.solved += names[key]
        _report(progress, "done", count, total, {"names": names[key], "row": row})

    status = {"instance": str(instance_folder), "spec": str(spec.path), "name": spec.name, "scenarios": total,
              "distinct": len(names), "workers": workers, "dask": dask}
    try:
        base_point = spec.points[0]
        if base_key in todo or not reference.is_file():  # the base, solved here: its plan is the reference
            task = PointTask(base_key, str(instance_folder), base_point.scenario)
            try:
                base = solve_point(task, keep_decisions=True)  # in this process: its decisions stay here
            except Exception as error:  # noqa: BLE001 -- the base failing is recorded as any scenario's
                record(base_key, error_row(base_key, error_line(error), time.perf_counter() - began), None)
                base = None
            if base is not None:
                if base.plan is not None:  # a plan: the reference (without one the others have none)
                    write_parquet(reference, base.decisions)
                if base_key in todo:
                    record(base_key, base.row, base.plan)
        scenarios = {p.name: p.scenario for p in spec.points}
        plan = str(reference) if reference.is_file() else None
        tasks = {key: PointTask(key, str(instance_folder), scenarios[names[key][0]], plan)
                 for key in todo if key != base_key}
        for result in run_tasks(solve, tasks, workers=workers, dask=dask):
            record(result.key, *_outcome(result))
    except KeyboardInterrupt:
        status["interrupted"] = True
        raise
    finally:
        run.seconds = time.perf_counter() - began
        run.table = read_sweep(folder)
        write_parquet(folder / "sweep.parquet", run.table)
        write_json(folder / "sweep.json", {**status, "seconds": round(run.seconds, 1), "solved": run.solved,
                                           "skipped": run.skipped,
                                           "failed": [{"scenario": n, "error": e} for n, e in run.failed]})
    return run


def _outcome(result: TaskResult) -> tuple[dict, object]:
    if result.ok:
        return result.value.row, result.value.plan
    return error_row(result.key, result.error, result.seconds), None


def _report(progress, event: str, done: int, total: int, info: dict) -> None:
    if progress is not None:
        progress(event, done, total, info)


def _points_table(spec: SweepSpec, instance, digest: str) -> tuple[pd.DataFrame, str]:
    """``points.parquet`` (:mod:`gpec.sweeps.store`) and the base's key. A scenario that is the base
    scenario (the same applied instance and options) shares the base's key: solving it against its own
    plan as reference would give that plan back."""
    rows, base_key, base_body = [], None, None
    for point in spec.points:
        applied, horizon = point.scenario.apply(instance)
        body = scenario_key(digest, applied, horizon, point.scenario, None)
        if base_key is None:
            base_key = base_body = body
        key = base_key if body == base_body else scenario_key(digest, applied, horizon, point.scenario, base_key)
        row = {"scenario": point.name, "design": point.design, "named": point.named, "index": point.index,
               "hash": key}
        row.update({f"level:{d}": point.levels.get(d) for d in spec.dimensions})
        row["parameter"], row["side"] = point.levels.get("parameter"), point.levels.get("side")
        params = applied.parameters.set_index(["name", "key"])["value"]
        row.update({f"param:{record_label(r)}": float(params[r]) for r in spec.varied})
        envelopes = applied.budget()
        for body_code in dict.fromkeys(envelopes.index.get_level_values(0)):
            years = envelopes.loc[body_code]
            row[f"envelope:{body_code}"] = float(years[(years.index >= horizon[0]) & (years.index <= horizon[1])].mean())
        row["service_level"] = point.scenario.service_level
        row["levers"] = ",".join(point.scenario.levers) if point.scenario.levers is not None else "all"
        rows.append(row)
    return pd.DataFrame(rows), base_key

