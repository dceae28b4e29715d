r"""Break-even of assumed effects: from what value of a lever's effect on does the lever enter the plan?

Many lever effects of ``parameters.csv`` are assumptions (``confidence = ass``: the QVCT exit cut, the
hires a vehicle brings, the success of a VAE...). Instead of one plan per guess, :func:`breakeven` asks
at what value the lever pays off: the smallest value of the record, within its ``low``-``high`` range, at
which the lever is in the optimal plan (e.g. the QVCT exit cut at which a post pays off). The record's
lever is its ``lever`` column (empty for records that are not a lever's effect).

Method. One :class:`~gpec.planner.Planner` holds the model; each *probe* sets the record to a value and
re-solves warm (the model changed in place, started from the last plan), without shadow prices. The
lever is *in* the plan when its units in ``Result.decisions`` sum to at least one (every lever buys whole
units: posts, places, vehicles, pool FTE; :data:`ENTERS_UNITS` leaves room for floating point); for a
pathway's record (``pathway_success[<pathway>]``) that pathway's units count, not its whole lever's. The
probes at ``low`` and ``high`` decide the kind of answer (:data:`ANSWERS`):

* out at ``low``, in at ``high``: ``enters``. Bisection between the last value out and the first value
  in, until they are at most ``tolerance x (high - low)`` apart (2 % by default, issue P10); the lever
  enters between ``threshold_low`` (out) and ``threshold_high`` (in);
* in at both ends: ``whole_range`` (the threshold is ``low``);
* out at both ends: ``never``, a valid answer: the lever does not enter within ``[low, high]``;
* in at ``low``, out at ``high``: ``leaves``. The same bisection finds where the lever leaves the plan as
  the value grows: reported as it is, not assumed away.

Bisection assumes the plan changes once between two probes; every probe is in the probes table, so a
reader sees what was proven.

Proof. A probe counts only when its status is ``optimal``: both stages proven to the scenario's gaps
(``--gap``, the cost gap). A probe that is not (``feasible``, e.g. the time limit reached; no plan) stops the
bisection, and the answer is ``interval``: the change lies between the proven probes still bracketing it
(the whole range when an end of the range was not proven), with a note saying which probe was not
proven; never a point. A plan proven to a gap may leave out, or keep, a use of the lever that changes
the objective by less than that gap: near the threshold, the answer has the resolution of ``--gap`` as
well as that of the tolerance.

:func:`breakeven_all` does every record with a lever and ``confidence = ass``, one task per record on
:func:`gpec.parallel.run_tasks`; each worker process keeps its planner from task to task
(:func:`breakeven_task`), so its solves are warm too.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from time import perf_counter

import pandas as pd

from gpec.atomic import write_csv
from gpec.errors import GpecError
from gpec.instance import PATHWAY_PARAMETERS, Instance, load_instance
from gpec.planner import Planner
from gpec.scenario import Scenario

#: Precision of the threshold, as a share of the record's range: "to 2 % of the range" (issue P10).
TOLERANCE = 0.02
#: Seconds per probe of ``gpec breakeven`` (:attr:`Scenario.time_limit` of each re-solve), the default
#: of a solve. Measured on the Landes (README "Break-even of assumed effects"): probes took 6-55 s and
#: ``--all`` with 2 workers on 2 cores 4.6-6.6 minutes for 27-38 probes, within the 15 minutes of issue
#: P10. It bounds a stuck probe, not the run: 38 probes all at the limit would take 19 minutes.
PROBE_TIME_LIMIT = 60.0
#: Units of a lever from which it is in the plan: every lever buys whole units, so at least one; half a
#: unit leaves room for floating point in the sums of allocations (:mod:`gpec.rounding`).
ENTERS_UNITS = 0.5
#: Kinds of answer (module docstring), and ``skipped`` (``low == high``, or the lever switched off by
#: the scenario) and ``error`` (a task of :func:`breakeven_all` that failed: its error in the note).
ANSWERS = ("enters", "whole_range", "never", "leaves", "interval", "skipped", "error")
#: Columns of ``breakeven.csv``: one row per record.
SUMMARY_COLUMNS = ("param", "key", "lever", "low", "default", "high", "answer", "threshold_low", "threshold_high",
                   "probes", "proven", "note")
#: Columns of ``probes.csv``: one row per probe, in the order they were solved (``message``: each stage's
#: status and gap, :attr:`gpec.results.Result.message`, which says why a probe was not proven).
PROBE_COLUMNS = ("param", "key", "probe", "value", "status", "objective", "bound", "gap", "lever_units", "enters",
                 "proven", "runtime_s", "message")


@dataclass(frozen=True)
class Breakeven:
    """The break-even of one record (module docstring).

    Attributes
    ----------
    param, key : str
        The record of ``parameters.csv`` (``key`` empty for a scalar).
    lever : str
        Its lever (``lever`` column).
    low, default, high : float
        Its range and value (the scenario's override, if any, as the value).
    answer : str
        One of :data:`ANSWERS`.
    threshold_low, threshold_high : float
        The proven probes bracketing the change: ``enters``, out at ``threshold_low`` and in at
        ``threshold_high``; ``leaves``, in at ``threshold_low`` and out at ``threshold_high``;
        ``whole_range``, both ``low``; ``interval``, the bracket left when a probe was not proven; NaN
        for ``never``, ``skipped`` and ``error``.
    note : str
        The answer in words, and what was not proven.
    probes : DataFrame
        One row per probe (:data:`PROBE_COLUMNS`).
    """

    param: str
    key: str
    lever: str
    low: float
    default: float
    high: float
    answer: str
    threshold_low: float = math.nan
    threshold_high: float = math.nan
    note: str = ""
    probes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(PROBE_COLUMNS)), repr=False)

    @property
    def name(self) -> str:
        """``NAME`` or ``NAME[KEY]``."""
        return f"{self.param}[{self.key}]" if self.key else self.param

    def row(self) -> dict:
        """The record's row of ``breakeven.csv``: its fields, and how many probes it took and proved."""
        counts = {"probes": len(self.probes), "proven": int(self.probes["proven"].sum()) if len(self.probes) else 0}
        return {c: counts[c] if c in counts else getattr(self, c) for c in SUMMARY_COLUMNS}


def breakeven(instance: Instance, param: str, scenario: Scenario | None = None, tolerance: float = TOLERANCE,
              progress=None) -> Breakeven:
    """The smallest value of ``param`` at which its lever enters the plan (module docstring).

    Parameters
    ----------
    instance : Instance
        The instance.
    param : str
        A record with a lever: ``NAME`` or ``NAME[KEY]``, e.g. ``eff_qvct_exit`` or
        ``pathway_success[carers]``.
    scenario : Scenario, optional
        Budgets, other overrides and solve options (``time_limit`` and ``mip_gap`` apply to each probe);
        shadow prices and ``verify`` are turned off.
    tolerance : float
        Width of the bracket the bisection stops at, as a share of ``high - low`` (default 2 %).
    progress : callable, optional
        ``progress(row)`` after each probe, with the probe's row (:data:`PROBE_COLUMNS`).

    Raises
    ------
    GpecError
        ``param`` is not a record of ``parameters.csv``, or has no lever; ``tolerance`` not in (0, 1).
    """
    scenario = probe_scenario(scenario)
    record(instance, param)  # a bad name fails before the first solve
    return _breakeven(Planner(instance, scenario), param, tolerance, progress)


def probe_scenario(scenario: Scenario | None) -> Scenario:
    """The scenario of the probes: ``scenario`` without shadow prices nor ``verify`` (nothing reads them)."""
    return replace(scenario or Scenario(), shadow_prices=False, verify=False)


def record(instance: Instance, param: str) -> pd.Series:
    """The row of ``parameters.csv`` that ``param`` (``NAME`` or ``NAME[KEY]``) names, if it has a lever.

    Raises
    ------
    GpecError
        One line naming ``--param``: a malformed name, an unknown record, a name that needs a key, or a
        record without a lever.
    """
    m = re.fullmatch(r"\s*([A-Za-z_]\w*)(?:\[(\w*)\])?\s*", str(param))
    if not m:
        raise GpecError(f"--param '{param}': expected NAME or NAME[KEY], e.g. eff_qvct_exit or "
                        "pathway_success[carers]")
    name, key = m.group(1), m.group(2) or ""
    p = instance.parameters
    rows = p[p["name"] == name]
    if rows.empty:
        raise GpecError(f"--param {param}: unknown parameter (not in {instance.folder / 'parameters.csv'})")
    hit = rows[rows["key"] == key]
    if hit.empty:
        raise GpecError(f"--param {param}: no record with key '{key}' (keys: {', '.join(rows['key'])}); "
                        f"write {name}[KEY]")
    row = hit.iloc[0]
    if not _lever(row):
        with_lever = [_name(r) for _, r in p.iterrows() if _lever(r)]
        raise GpecError(f"--param {param}: not a lever's effect (its lever column in parameters.csv is empty); "
                        f"records with a lever: {', '.join(with_lever) or 'none'}")
    return row


def effect_records(instance: Instance) -> list[str]:
    """The records :func:`breakeven_all` does: a lever and ``confidence = ass``, as ``NAME`` or
    ``NAME[KEY]``, in the order of ``parameters.csv``."""
    p = instance.parameters
    return [_name(row) for _, row in p.iterrows() if _lever(row) and row["confidence"] == "ass"]


def _breakeven(planner: Planner, param: str, tolerance: float, progress=None) -> Breakeven:
    """:func:`breakeven` on ``planner``; the planner's scenario is left as it was found."""
    _check_tolerance(tolerance)
    base = planner.scenario
    row = record(base.apply(planner.instance)[0], param)  # low, value, high with the scenario's overrides
    name, key, lever = row["name"], row["key"], row["lever"]
    low, high = float(row["low"]), float(row["high"])
    probes = []

    def answer(kind: str, a: float = math.nan, b: float = math.nan, note: str = "") -> Breakeven:
        return Breakeven(name, key, lever, low, float(row["value"]), high, kind, a, b, note,
                         pd.DataFrame(probes, columns=list(PROBE_COLUMNS)))

    if low == high:
        return answer("skipped", note=f"low = high = {low:g}: nothing to search")
    if base.levers is not None and lever not in base.levers:
        return answer("skipped", note=f"its lever {lever} is switched off by the scenario")
    pathway = key if name in PATHWAY_PARAMETERS else None

    def probe(value: float) -> tuple[bool | None, dict]:
        """Whether the lever is in the plan at ``value`` (``None`` when the probe is not proven), and the
        probe's row."""
        planner.update(parameters={(name, key): value})
        began = perf_counter()
        result = planner.solve()
        units = _units(result.decisions, lever, pathway) if result.has_solution else math.nan
        enters = bool(units >= ENTERS_UNITS) if result.has_solution else None
        probes.append(dict(param=name, key=key, probe=len(probes) + 1, value=value, status=result.status,
                           objective=result.objective, bound=result.bound, gap=result.gap, lever_units=units,
                           enters=enters, proven=result.status == "optimal", runtime_s=perf_counter() - began,
                           message=result.message))
        if progress is not None:
            progress(probes[-1])
        return (enters if result.status == "optimal" else None), probes[-1]

    try:
        return answer(*_search(probe, low, high, tolerance))
    finally:
        planner.switch(base)  # the next task of this worker starts from the scenario as given


def _search(probe, low: float, high: float, tolerance: float) -> tuple[str, float, float, str]:
    """The answer, the bracket and the note from the probes at ``low``, ``high`` and the bisection."""
    (at_low, low_row), (at_high, high_row) = probe(low), probe(high)
    if at_low is None or at_high is None:
        ends = "; ".join(_unproven(row) if state is None else
                         f"{'in' if state else 'not in'} the plan at {value:g} (proven)"
                         for state, row, value in ((at_low, low_row, low), (at_high, high_row, high)))
        return "interval", low, high, f"{ends}: whether and where the plan changes within the range is not settled"
    if at_low and at_high:
        return "whole_range", low, low, f"in the plan at {low:g} and at {high:g}"
    if not (at_low or at_high):
        return "never", math.nan, math.nan, f"does not enter within [{low:g}, {high:g}]"
    a, b = low, high  # the plan is as at low at a, as at high at b
    while b - a > tolerance * (high - low):
        mid = (a + b) / 2
        state, row = probe(mid)
        if state is None:
            return "interval", a, b, f"{_unproven(row)}: the change lies between {a:g} and {b:g} (proven probes)"
        a, b = (mid, b) if state == at_low else (a, mid)
    if at_high:
        return "enters", a, b, f"not in the plan at {a:g}, in it at {b:g}"
    return "leaves", a, b, f"in the plan at {a:g}, not in it at {b:g}: the lever leaves the plan as the value grows"


def _unproven(row: dict) -> str:
    gap = f"{row['gap']:.2g}" if math.isfinite(row["gap"]) else "unknown"
    return f"the probe at {row['value']:g} was not proven ({row['status']}, gap {gap})"


def _check_tolerance(tolerance: float) -> None:
    if not 0 < tolerance < 1:
        raise GpecError(f"tolerance must lie in (0, 1), got {tolerance}")


def _units(decisions: pd.DataFrame, lever: str, pathway: str | None) -> float:
    """Units of ``lever`` in a plan, or of ``pathway`` alone."""
    rows = decisions["pathway"] == pathway if pathway else decisions["lever"] == lever
    return float(decisions.loc[rows, "units"].sum())


def _lever(row) -> str:
    """The record's lever, empty when it has none (or the instance has no ``lever`` column)."""
    lever = row.get("lever", "")
    return lever if isinstance(lever, str) else ""


def _name(row) -> str:
    return f"{row['name']}[{row['key']}]" if row["key"] else row["name"]


# -- every assumed effect, in parallel ---------------------------------------------------------------
@dataclass(frozen=True)
class BreakevenTask:
    """One record of :func:`breakeven_all`: an instance folder (each worker loads it once), the record,
    the probes' scenario and the tolerance."""

    instance: str
    param: str
    scenario: Scenario
    tolerance: float = TOLERANCE


#: Each worker process's planner, kept from task to task so that its re-solves are warm: one entry,
#: keyed by the instance folder and the scenario (a task of another batch replaces it).
_PLANNERS: dict[tuple[str, str], Planner] = {}


def breakeven_task(task: BreakevenTask) -> Breakeven:
    """Run :func:`breakeven` for ``task`` on this process's planner of its instance and scenario."""
    scenario = probe_scenario(task.scenario)
    cache = (str(Path(task.instance).resolve()), repr(scenario))
    if cache not in _PLANNERS:
        _PLANNERS.clear()
        _PLANNERS[cache] = Planner(load_instance(task.instance), scenario)
    return _breakeven(_PLANNERS[cache], task.param, task.tolerance)


def breakeven_all(instance_folder: str | Path, scenario: Scenario | None = None, tolerance: float = TOLERANCE,
                  workers: int | None = None, dask: str | None = None, progress=None) -> list[Breakeven]:
    """:func:`breakeven` of every record with a lever and ``confidence = ass`` (:func:`effect_records`).

    One task per record on :func:`gpec.parallel.run_tasks` (``workers`` processes, or ``dask``: ``"local"``
    or a scheduler's address); a task that fails is recorded with answer ``error`` and its error as the
    note, and the others go on.

    Parameters
    ----------
    instance_folder : str or Path
        The instance folder.
    scenario : Scenario, optional
        As for :func:`breakeven`.
    progress : callable, optional
        ``progress(done, total, breakeven)`` after each record.

    Returns
    -------
    list of Breakeven
        In the order of ``parameters.csv``.

    Raises
    ------
    GpecError
        No record with a lever is labelled ``ass``; bad ``workers`` or ``dask``.
    """
    from gpec.parallel import run_tasks

    _check_tolerance(tolerance)
    instance = load_instance(instance_folder)
    scenario = probe_scenario(scenario)
    names = effect_records(instance)
    if not names:
        raise GpecError(f"--all: no record of {instance.folder / 'parameters.csv'} has a lever and confidence "
                        "ass (its lever column)")
    scenario.apply(instance)  # a bad scenario fails here, not in every worker
    tasks = {name: BreakevenTask(str(instance_folder), name, scenario, tolerance) for name in names}
    done = {}
    for result in run_tasks(breakeven_task, tasks, workers=workers, dask=dask):
        done[result.key] = result.value if result.ok else _failed(instance, result.key, result.error)
        if progress is not None:
            progress(len(done), len(tasks), done[result.key])
    return [done[name] for name in names]


def _failed(instance: Instance, param: str, error: str) -> Breakeven:
    row = record(instance, param)
    return Breakeven(row["name"], row["key"], row["lever"], float(row["low"]), float(row["value"]),
                     float(row["high"]), "error", note=error)


def tables(results: list[Breakeven]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``breakeven.csv`` (one row per record) and ``probes.csv`` (every probe) of ``results``."""
    summary = pd.DataFrame([r.row() for r in results], columns=list(SUMMARY_COLUMNS))
    probes = [r.probes for r in results if len(r.probes)]
    probes = pd.concat(probes, ignore_index=True) if probes else pd.DataFrame(columns=list(PROBE_COLUMNS))
    return summary, probes


def write(results: list[Breakeven], out: str | Path) -> list[Path]:
    """Write ``breakeven.csv`` and ``probes.csv`` into ``out``, each atomically."""
    summary, probes = tables(results)
    return [write_csv(Path(out) / "breakeven.csv", summary), write_csv(Path(out) / "probes.csv", probes)]
