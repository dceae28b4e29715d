r"""Near-optimal alternatives to a solved plan (``gpec alternatives OUT``): plans within a slack of its
unmet need and cost that differ most from it and from each other, and what they all share.

Method (MGA, "modelling to generate alternatives": Brill et al. 1982; PyPSA ``optimization/mga.py``,
Calliope SPORES, Lombardi et al. 2020). The run in ``OUT`` is rebuilt (:mod:`gpec.rerun`: the instance
and the full scenario from ``result.json``) and its plan :math:`x^0`, with weighted unmet need
:math:`z_1^0` and cost :math:`z_2^0` (its ``objective`` and ``cost``), is put back into the rebuilt model
(its lever decisions fixed: a check that the model is the run's, and the first start). Then, one after
another, each alternative :math:`x^i` solves

.. math::

    \max_x \; \min_{k < i} \; \sum_{g = (\ell, b)} |u_g(x) - u_g(x^k)|
    \quad \text{s.t.} \quad z_1(x) \le (1 + \varepsilon) z_1^0, \;\; z_2(x) \le (1 + \varepsilon) z_2^0,

:math:`u_g` the units of lever :math:`\ell` in bassin :math:`b` summed over métiers, pathways and years,
and every constraint of the scenario's model: the distance (L1) to the nearest earlier plan, the
incumbent included, is maximised exactly with one binary per group an earlier plan uses
(:mod:`gpec.models.alternatives`, where the formulation and its glossary are). Each alternative takes
three solves of the same live solver model (only column bounds and integrality change:
:func:`gpec.solvers.holding`):

1. ``relaxed``: the units continuous (the distance's binaries kept), the caps at :data:`ROUNDING_SHARE`
   of the slack: a far plan, quickly;
2. ``rounded``: that plan made whole, every integer column between the floor and the ceiling of its value
   (RENS, Berthold 2014), the caps at the whole slack, the distance's binaries fixed where these bounds
   settle them;
3. the exact model, started from that plan (from the plan before when 1-2 gave none): it may improve
   the plan, and its bound gives the gap;

then the plan is made whole in every bassin like any plan (:mod:`gpec.rounding`), its tables are those
of ``gpec solve`` and it is checked by :func:`gpec.evaluate.evaluate`. Measured on the Landes (HiGHS
1.16, 2 threads): the exact model alone gives its first plan after 40 to 70 s, or none in 48 s; steps 1-2
give a plan 1,140 units from the incumbent (which buys 2,590) in 36 s, and the fifth alternative one 888
units from its nearest earlier plan (``gpec alternatives out/landes``: 4 min 48 s; results vary from run to
run with where the time limits stop HiGHS). An alternative's status is
that of the distance it maximises (``optimal``: proven within :data:`ALTERNATIVE_GAP`; on the Landes it is
``feasible``, with the gap to the bound reported); an alternative with no plan in its time is reported as
such and the search stops, as it does when the farthest plan found is an earlier one (distance 0: no
other plan within the slack, or none found).

Tables (:meth:`Alternatives.write`, default ``OUT/alternatives``): ``alternatives.csv`` (one row per
plan), ``plans.csv`` (plan, lever, bassin, units: the groups a plan uses), ``robust.csv`` (per lever and
bassin, the units of every plan, min, max and :data:`CLASSES`) and ``alternatives.json`` (the options,
the pairwise L1 distances, every stage and the time each phase took).

Time: ``time_limit`` (default :data:`TIME_PER_ALTERNATIVE` x the run's own ``time_limit`` x ``count``)
covers the whole run; :data:`WRITE_SHARE` of it is kept for writing, each alternative
gets an even share of what is left when it starts (time one does not use goes to the next ones).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from gpec.atomic import write_csv, write_json
from gpec.errors import GpecError
from gpec.evaluate import evaluate
from gpec.i18n import check_lang, fmt_eur, fmt_number, fmt_percent, label, t
from gpec.models import build_model
from gpec.models.alternatives import PREFIX, STAGE, add_alternatives, complete, settle_directions, slot_bounds
from gpec.models.stability import reference_units
from gpec.rerun import load_run
from gpec.results import Result, StageReport, solution_tables
from gpec.rounding import split_levers
from gpec.solvers import TimeBudget, holding, relative_gap
from gpec.solving import WHOLE_UNITS_AIM, WHOLE_UNITS_WEIGHT, _message, _overall_status, _stages, _whole_units, build

#: Relative gap tolerance of an alternative's distance (assumption: a plan 1 % less far from the others
#: is as useful to a planner; the run's own 0.1 % is far slower to prove for this objective).
ALTERNATIVE_GAP = 0.01
#: Share of the slack a plan with continuous units may use, the rest kept for making its units whole
#: (assumption: on the Landes, its floors and ceilings then hold a whole plan; with the whole slack they
#: hold none, the plan lying on the caps).
ROUNDING_SHARE = 0.5
#: Weights of an alternative's solves in its time (as :mod:`gpec.solving` shares a run's): the plan with
#: continuous units, that plan made whole (on the Landes, 5 s did not always suffice from the 5th
#: alternative on), the exact model from it (which mostly proves its bound: on the Landes, HiGHS improves
#: a start only after 40 s or more); making the split of whole totals whole has
#: :data:`gpec.solving.WHOLE_UNITS_WEIGHT`, in seconds fixed when the alternative starts (HiGHS runs over
#: a limit by a few seconds when it cannot stop in its root LP: the rounding, quick, is not left 0.4 s).
RELAXED_WEIGHT, ROUNDED_WEIGHT, EXACT_WEIGHT = 5.0, 2.0, 3.0
#: Default time of each alternative, as a multiple of the run's ``time_limit`` (assumption: as long as
#: the run took to find the plan; on the Landes, HiGHS's first alternative plans come after 30-60 s).
TIME_PER_ALTERNATIVE = 1.0
#: Share of the time limit kept for writing the tables (under a second on the Landes; each alternative's
#: own tables and check come out of the time of the ones after it).
WRITE_SHARE = 0.05
#: Classes of ``robust.csv``: used in every plan, in none, in some.
CLASSES = ("shared", "never", "varies")
#: Units below this are not used (the tables round whole units; split allocations keep 9 decimals).
USED = 1e-6
#: Tolerance of the check that the run's plan fits the rebuilt model (relative, its unmet need and cost).
FIT_TOL = 1e-6
#: Columns of ``alternatives.csv``.
COLUMNS = ("plan", "status", "gap", "unmet_fte_years", "cost_eur", "unmet_vs_incumbent", "cost_vs_incumbent",
           "l1_to_incumbent", "min_l1_to_others", "nearest", "distance_bound", "violations", "runtime_s", "message")
#: Rows of the shared and varying decisions printed for people (the CSV files have them all).
PRINTED_ROWS = 20
#: Files :meth:`Alternatives.write` writes.
FILES = ("alternatives.csv", "plans.csv", "robust.csv", "alternatives.json")


@dataclass
class Plan:
    """One plan of the comparison: the incumbent (``id`` ``incumbent``) or an alternative (``alt1``...).

    ``result`` is ``None`` when no plan was found; ``units`` its units per (lever, bassin) group;
    ``distance_bound`` the solver's bound on its distance to the nearest earlier plan (NaN for the
    incumbent); ``stages`` the solves that gave it (the distance stage minimises minus the distance)."""

    id: str
    status: str
    result: Result | None
    units: pd.Series | None
    gap: float
    distance_bound: float = math.nan
    stages: list[StageReport] = field(default_factory=list)
    message: str = ""


@dataclass
class Alternatives:
    """What :func:`alternatives` found: the plans (the incumbent first) and the tables comparing them."""

    out: Path
    slack: float
    count: int
    time_limit: float
    plans: list[Plan]
    groups: pd.MultiIndex
    timings: dict = field(default_factory=dict)
    #: bassin code -> name (``bassins.csv``), for people
    bassin_names: dict = field(default_factory=dict)

    @property
    def found(self) -> list[Plan]:
        """The plans with a result (the incumbent and the alternatives found)."""
        return [p for p in self.plans if p.units is not None]

    def units(self) -> pd.DataFrame:
        """Units per (lever, bassin) group (rows, every group of the model) and plan found (columns)."""
        return pd.DataFrame({p.id: p.units for p in self.found}, index=self.groups).fillna(0.0)

    def distances(self) -> pd.DataFrame:
        """The L1 distance between every two plans found (units per group)."""
        u = self.units()
        return pd.DataFrame({a: {b: float((u[a] - u[b]).abs().sum()) for b in u} for a in u}).loc[u.columns]

    def table(self) -> pd.DataFrame:
        """``alternatives.csv``: one row per plan (:data:`COLUMNS`). ``gap`` is that of what the plan
        optimises: the incumbent's unmet need (its stage 1), an alternative's distance to the nearest
        earlier plan (against ``distance_bound``); ``unmet_vs_incumbent`` and ``cost_vs_incumbent`` are
        relative; ``nearest`` names the plan at ``min_l1_to_others``."""
        distances, first = self.distances(), self.plans[0].result
        rows = []
        for plan in self.plans:
            r = plan.result
            found = plan.units is not None
            others = distances.loc[plan.id].drop(plan.id) if found else pd.Series(dtype=float)
            rows.append({
                "plan": plan.id, "status": plan.status, "gap": plan.gap,
                "unmet_fte_years": r.objective if r else math.nan, "cost_eur": r.cost if r else math.nan,
                "unmet_vs_incumbent": r.objective / first.objective - 1 if r and first.objective else math.nan,
                "cost_vs_incumbent": r.cost / first.cost - 1 if r and first.cost else math.nan,
                "l1_to_incumbent": distances.loc[plan.id, "incumbent"] if found else math.nan,
                "min_l1_to_others": others.min() if len(others) else math.nan,
                "nearest": others.idxmin() if len(others) else "",
                "distance_bound": plan.distance_bound, "violations": r.violations if r else None,
                "runtime_s": r.runtime_s if r else sum(s.runtime_s for s in plan.stages), "message": plan.message,
            })
        return pd.DataFrame(rows, columns=list(COLUMNS))

    def plans_table(self) -> pd.DataFrame:
        """``plans.csv``: plan, lever, bassin, units, for the groups each plan uses."""
        tidy = self.units().reset_index().melt(["lever", "bassin"], var_name="plan", value_name="units")
        return tidy.loc[tidy["units"] > USED, ["plan", "lever", "bassin", "units"]].reset_index(drop=True)

    def robust(self) -> pd.DataFrame:
        """``robust.csv``: every (lever, bassin) group with the units of each plan found, their min and max,
        and its class: ``shared`` (used in every plan: a robust decision), ``never`` (in none), ``varies``."""
        u = self.units()
        used = u > USED
        table = u.copy()
        table["min"], table["max"] = u.min(axis=1), u.max(axis=1)
        table["class"] = np.where(used.all(axis=1), "shared", np.where(~used.any(axis=1), "never", "varies"))
        return table.reset_index()

    def summary(self) -> dict:
        """``alternatives.json``: options, plans (status, figures, stages), pairwise L1, class counts."""
        from gpec.results import _finite_or_none

        counts = self.robust()["class"].value_counts()
        return _finite_or_none({
            "out": str(self.out), "slack": self.slack, "count": self.count, "time_limit": self.time_limit,
            "alternative_gap": ALTERNATIVE_GAP, "groups": len(self.groups),
            "classes": {c: int(counts.get(c, 0)) for c in CLASSES},
            "plans": [{**row, "stages": [asdict(s) for s in plan.stages]}
                      for row, plan in zip(self.table().to_dict("records"), self.plans)],
            "l1": self.distances().to_dict(), "timings": self.timings})

    def write(self, folder: str | Path) -> list[Path]:
        """Write :data:`FILES` into ``folder``, each atomically.

        Raises
        ------
        GpecError
            When ``folder`` is a file or cannot be written.
        """
        folder = Path(folder)
        if folder.exists() and not folder.is_dir():
            raise GpecError(f"--out {folder}: exists and is not a folder")
        try:
            return [write_csv(folder / "alternatives.csv", self.table()),
                    write_csv(folder / "plans.csv", self.plans_table()),
                    write_csv(folder / "robust.csv", self.robust()),
                    write_json(folder / "alternatives.json", self.summary())]
        except OSError as exc:
            raise GpecError(f"--out {folder}: cannot write the tables ({exc.strerror or exc})") from None


def alternatives(out: str | Path, slack: float = 0.02, count: int = 5, time_limit: float | None = None,
                 progress=None) -> Alternatives:
    """Near-optimal alternatives to the plan of the ``gpec solve`` output folder ``out`` (module docstring).

    Parameters
    ----------
    out : path
        Output folder of a ``gpec solve`` with a plan.
    slack : float
        Relative slack on unmet need and on cost, in [0, 1): 0.02 allows 2 % more of each than the plan.
    count : int
        Alternatives to look for (at least 1).
    time_limit : float, optional
        Seconds for the whole run; default :data:`TIME_PER_ALTERNATIVE` x the run's ``time_limit`` x ``count``.
    progress : gpec.progress.Progress, optional
        Told of each solve (distances shown positive).

    Returns
    -------
    Alternatives
        The incumbent and the alternatives, found or not, in order.

    Raises
    ------
    GpecError
        On a bad option, a folder that is not a gpec solve output with a plan, or a run that cannot be
        rebuilt (:func:`gpec.rerun.load_run`).
    """
    if not (isinstance(slack, (int, float)) and 0 <= slack < 1):
        raise GpecError(f"slack must lie in [0, 1), got {slack}")
    if not (isinstance(count, int) and count >= 1):
        raise GpecError(f"count must be a whole number at least 1, got {count}")
    run = load_run(out)
    first = run.result
    if not first.has_solution:
        raise GpecError(f"{Path(out) / 'result.json'}: status {first.status}: the run has no plan to find "
                        "alternatives to")
    limit = time_limit if time_limit is not None else TIME_PER_ALTERNATIVE * run.scenario.time_limit * count
    if not (limit > 0 and math.isfinite(limit)):
        raise GpecError(f"time limit must be a positive number of seconds, got {limit}")
    scenario = replace(run.scenario, mip_gap=ALTERNATIVE_GAP, shadow_prices=False, verify=False, time_limit=limit)
    budget = TimeBudget(limit, WRITE_SHARE * limit)
    with budget.phase("build"):
        applied, horizon = scenario.apply(run.instance)
        model = build_model(applied, horizon, scenario.levers, scenario.service_level, scenario.min_places)
        unmet, cost = (model.lp.objective_vector(name) for name in model.stages[:2])
        blocks = add_alternatives(model.lp, model.levers, count, slack, (first.objective, first.cost), unmet, cost)
        live = build(run.instance, scenario, model=model)
    search = _Search(model, blocks, live, applied, first, scenario, budget,
                     None if progress is None else _Positive(progress))
    with budget.phase("incumbent", 1.0 / (count + 1)) as phase:
        plans = [search.incumbent(Path(out) / "result.json", phase.left())]
    for i in range(1, count + 1):
        plan = search.alternative(f"alt{i}", 1.0 / (count - i + 1))
        plans.append(plan)
        if plan.units is None or plan.message:
            break  # no plan, or no plan other than an earlier one: the next would be the same
    names = dict(zip(applied.bassins["bassin"].astype(str), applied.bassins["name"].astype(str)))
    return Alternatives(Path(out), slack, count, limit, plans, blocks.groups, budget.report(), names)


class _Search:
    """The live model of the alternatives and the plans found so far (:func:`alternatives`)."""

    def __init__(self, model, blocks, live, applied, first: Result, scenario, budget: TimeBudget, progress):
        self.model, self.blocks, self.live, self.applied = model, blocks, live, applied
        self.first, self.scenario, self.budget, self.progress = first, scenario, budget, progress
        self.earlier: list[np.ndarray] = []  # units per group of the plans found
        self.x: np.ndarray | None = None  # the last plan found, every column: the next start

    def units(self, result: Result) -> pd.Series:
        """Units per group of a plan's decisions table (what is written)."""
        d = result.decisions
        keys = pd.MultiIndex.from_arrays([d["lever"].astype(str), d["bassin"].astype(str)])
        units = pd.Series(d["units"].to_numpy(float), index=keys).groupby(level=[0, 1]).sum()
        return units.reindex(self.blocks.groups).fillna(0.0).rename(None)

    def incumbent(self, where: Path, seconds: float) -> Plan:
        """The run's plan, checked against the rebuilt instance and put back into the rebuilt model (its
        lever decisions fixed, within ``seconds``), so that its every column is known (the first start)."""
        first, model = self.first, self.model
        report = evaluate(self.applied, first)
        first.violations, first.applied = len(report.violations), self.applied
        cols, units, unmatched = reference_units(model.levers, first.decisions)
        if unmatched > 0:
            raise GpecError(f"{where}: decisions.csv holds {unmatched:g} units with no decision in the rebuilt "
                            "model (the run's levers or horizon differ)")
        fixed = model.lp.copy()
        for lever in model.levers:
            mine = (cols >= lever.block.start) & (cols < lever.block.start + lever.block.size)
            values = np.zeros(lever.block.size)
            values[cols[mine] - lever.block.start] = units[mine]
            fixed.set_column_bounds(lever.block.name, values, values)
        backend = self.live.backend = holding(self.live.backend, fixed)
        backend.set_objective(model.lp.objective_vector(model.stages[0]))
        outcome = backend.solve(seconds, first.mip_gap)
        if outcome.x is None and outcome.status != "infeasible":
            raise GpecError(f"{where}: the run's plan could not be put back into the rebuilt model in "
                            f"{seconds:.1f} s ({outcome.solver_status}); give a longer --time-limit")
        x = None if outcome.x is None else model.tighten(outcome.x)
        fits = x is not None and all(
            float(model.lp.objective_vector(name) @ x) <= value * (1 + FIT_TOL) + FIT_TOL
            for name, value in zip(model.stages[:2], (first.objective, first.cost)))
        if not fits:
            raise GpecError(f"{where}: the run's plan does not fit the model rebuilt from it ({outcome.status}): "
                            "its decisions, its instance or gpec changed since the run")
        self.x = x
        u = self.units(first)
        self.earlier.append(u.to_numpy())
        return Plan("incumbent", first.status, first, u, first.gap, stages=list(first.stages))

    def alternative(self, name: str, share: float) -> Plan:
        """The plan farthest from the earlier ones within the slack, in ``share`` of the time left: a far
        plan with continuous units (:data:`ROUNDING_SHARE` of the slack), made whole within the floor and
        ceiling of its units, is the start of the exact model (module docstring)."""
        model, blocks, earlier, budget = self.model, self.blocks, self.earlier, self.budget
        whole = WHOLE_UNITS_WEIGHT if split_levers(model) else 0.0
        weights = RELAXED_WEIGHT + ROUNDED_WEIGHT + EXACT_WEIGHT + whole
        left = lambda: max(0.0, budget.seconds - budget.reserve - budget.elapsed())
        whole_s = share * left() * whole / weights  # kept even if the solves before run over their limits
        with budget.split(name, share * (1 - whole / weights)) as inner:
            def solve(lp, weight, later, start, what, aim=1.0):
                self.live.backend = holding(self.live.backend, lp)
                return _stages(replace(model, lp=lp, stages=(STAGE,)), self.live.backend, self.scenario, inner,
                               [weight], later, start, aim=aim, prefix=f"{name}: {what}", progress=self.progress)

            relaxed = _relaxed(slot_bounds(model.lp, blocks, earlier, ROUNDING_SHARE))
            found, x = solve(relaxed, RELAXED_WEIGHT, ROUNDED_WEIGHT + EXACT_WEIGHT, None, "relaxed ")
            rounded = None
            if x is not None:
                more, rounded = solve(_restricted(slot_bounds(model.lp, blocks, earlier), blocks, x, earlier),
                                      ROUNDED_WEIGHT, EXACT_WEIGHT, None, "rounded ")
                found += more
            exact = slot_bounds(model.lp, blocks, earlier)
            stages, x = solve(exact, EXACT_WEIGHT, 0.0, complete(blocks, self.x if rounded is None else rounded,
                                                                 earlier), "", WHOLE_UNITS_AIM if whole else 1.0)
            x = rounded if x is None else x  # no time for the exact model: the rounded plan
        if x is not None and whole:
            with budget.split(f"{name}: whole units", min(1.0, whole_s / max(left(), 1e-9))) as inner:
                stages, x = _whole_units(replace(model, lp=exact, stages=(STAGE,)), self.live.backend,
                                         self.scenario, inner, [EXACT_WEIGHT], 0.0, stages, x,
                                         progress=self.progress)
        status, top = _overall_status(stages, x), stages[0]
        bound = 0.0 - top.bound if math.isfinite(top.bound) else math.nan  # no "-0"
        if x is None:
            return Plan(name, status, None, None, top.gap, bound, found + stages, f"no plan: {_message(stages)}")
        with self.budget.phase(f"{name} tables and check"):
            result = self._result(x, found + stages, status)
        u = self.units(result)
        nearest = min(float(np.abs(u.to_numpy() - e).sum()) for e in self.earlier)
        message = "" if nearest > USED else "no plan other than an earlier one found: the search stops"
        self.x = x
        if not message:
            self.earlier.append(u.to_numpy())
        return Plan(name, status, result, u, top.gap, bound, found + stages, message)

    def _result(self, x: np.ndarray, stages: list[StageReport], status: str) -> Result:
        """The alternative as a :class:`Result` of the run's scenario, checked by :func:`evaluate`: its
        ``objective`` is its weighted unmet need, against the run's stage-1 bound (valid for any plan)."""
        model, first = self.model, self.first
        x = model.tighten(x)
        objective = float(model.lp.objective_vector(model.stages[0]) @ x)
        result = replace(first, status=status, objective=objective, gap=relative_gap(objective, first.bound),
                         cost=float(model.lp.objective_vector(model.stages[1]) @ x), stages=stages,
                         runtime_s=sum(s.runtime_s for s in stages), message=_message(stages),
                         n_variables=model.lp.n_cols, n_integer=model.lp.n_integer, n_constraints=model.lp.n_rows,
                         shadow_prices=pd.DataFrame(), diagnosis=None, verification=None, reference_change=None,
                         timings={}, violations=None, violation_details=[], applied=self.applied,
                         **solution_tables(model, self.applied, x))
        report = evaluate(self.applied, result)
        result.violations = len(report.violations)
        result.violation_details = report.violations.to_dict("records")
        return result


def _integers(lp) -> list[str]:
    """The blocks with integer columns but the binaries of the distances (which stay binary)."""
    return [name for name in lp.columns if name != f"{PREFIX}_above" and lp.is_integer(name).any()]


def _relaxed(lp):
    """``lp`` (a copy) with the decisions' integer columns continuous."""
    for name in _integers(lp):
        lp.set_integer(name, False)
    return lp


def _restricted(lp, blocks, x: np.ndarray, earlier: list[np.ndarray]):
    """``lp`` (a copy) with the decisions' integer columns between the floor and the ceiling of their value
    in ``x`` (RENS, Berthold 2014), and the binaries of the distances that these bounds settle fixed
    (:func:`gpec.models.alternatives.settle_directions`)."""
    for name in _integers(lp):
        block, flags = lp.columns[name], lp.is_integer(name)
        lower, upper = lp.column_bounds(name)
        value = x[block.positions]
        low = np.where(flags, np.maximum(lower, np.floor(value + 1e-6)), lower)
        high = np.where(flags, np.minimum(upper, np.ceil(value - 1e-6)), upper)
        lp.set_column_bounds(name, low, np.maximum(low, high))
    return settle_directions(lp, blocks, earlier)


class _Positive:
    """A progress reporter shown distances, not the minus distance the solver minimises."""

    def __init__(self, progress):
        self.progress = progress

    def start(self, stage: str) -> None:
        self.progress.start(stage)

    def update(self, seconds, incumbent, bound, gap) -> None:
        self.progress.update(seconds, -incumbent, -bound, gap)

    def done(self, report: StageReport) -> None:
        self.progress.done(replace(report, objective=-report.objective, bound=-report.bound))


def people_lines(found: Alternatives, lang: str = "en") -> list[str]:
    """Sentences for people in ``lang``: how many alternatives were found and how many decisions (lever x
    bassin) every plan shares, vary or never use; why the search stopped early, if it did."""
    check_lang(lang)
    counts = found.robust()["class"].value_counts()
    n = lambda value: fmt_number(value, lang)
    alternatives_found = [p for p in found.plans[1:] if p.units is not None and not p.message]
    lines = [t("alternatives.headline", lang).format(
        found=n(len(alternatives_found)), count=n(found.count), out=found.out, slack=fmt_percent(found.slack, lang),
        shared=n(counts.get("shared", 0)), varies=n(counts.get("varies", 0)), never=n(counts.get("never", 0)))]
    for plan in found.plans[1:]:
        if plan.units is None or plan.message:
            why = (t("alternatives.no_plan", lang).format(status=label("status", plan.status, lang))
                   if plan.units is None else t("alternatives.same_plan", lang))
            lines.append(t("alternatives.stopped", lang).format(plan=plan.id, message=why))
    return lines


def people_tables(found: Alternatives, lang: str = "en") -> list[tuple[str, pd.DataFrame]]:
    """Titled tables for people in ``lang``: the plans (status, unmet need and cost against the
    incumbent's, distances), the distance between every two plans, the decisions every plan shares and
    those that vary most (:data:`PRINTED_ROWS` of each; ``robust.csv`` has them all). Numbers are text in
    the language's format."""
    check_lang(lang)
    col = lambda key: t(f"alternatives.col_{key}", lang)
    name = lambda plan: t("alternatives.plan_incumbent", lang) if plan == "incumbent" else plan
    num = lambda value, digits=1: fmt_number(value, lang, digits)
    pct = lambda value: fmt_percent(value, lang, 2)
    r = found.table()
    plans = pd.DataFrame({
        col("plan"): [name(p) for p in r["plan"]],
        col("status"): [label("status", s, lang) for s in r["status"]],
        col("gap"): [pct(g) for g in r["gap"]],
        col("unmet"): [num(v) for v in r["unmet_fte_years"]],
        col("unmet_vs"): [pct(v) for v in r["unmet_vs_incumbent"]],
        col("cost"): [fmt_eur(v, lang) for v in r["cost_eur"]],
        col("cost_vs"): [pct(v) for v in r["cost_vs_incumbent"]],
        col("l1_incumbent"): [num(v) for v in r["l1_to_incumbent"]],
        col("l1_nearest"): [num(v) for v in r["min_l1_to_others"]],
        col("nearest"): [name(p) for p in r["nearest"]],
        col("bound"): [num(v) for v in r["distance_bound"]],
        col("violations"): [num(v, 0) for v in r["violations"]]})
    distances = found.distances()
    matrix = pd.DataFrame({col("plan"): [name(p) for p in distances.index],
                           **{name(p): [num(v) for v in distances[p]] for p in distances.columns}})
    robust = found.robust()
    robust["spread"] = robust["max"] - robust["min"]
    tables = [(t("alternatives.plans_title", lang), plans), (t("alternatives.distances_title", lang), matrix)]
    for cls, title, order, units in (("shared", "shared_title", "min", ["min", "max"]),
                                     ("varies", "varies_title", "spread", list(distances.columns))):
        rows = robust[robust["class"] == cls].sort_values([order, "lever", "bassin"], ascending=[False, True, True])
        if rows.empty:
            continue
        shown = pd.DataFrame({col("lever"): [label("lever", v, lang) for v in rows["lever"]],
                              col("bassin"): rows["bassin"].to_numpy(),
                              col("bassin_name"): [found.bassin_names.get(b, "") for b in rows["bassin"]],
                              **{col(u) if u in ("min", "max") else name(u): [num(v) for v in rows[u]]
                                 for u in units}}).head(PRINTED_ROWS)
        title = t(f"alternatives.{title}", lang)
        if len(rows) > PRINTED_ROWS:
            title += f" ({t('alternatives.more', lang).format(n=len(rows) - PRINTED_ROWS, file='robust.csv')})"
        tables.append((title, shown))
    return tables
