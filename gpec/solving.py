"""Solve an instance under a scenario: build, lexicographic solve, tables, independent check, all within one
time limit.

How the limit is shared (:func:`time_budget`): :data:`RESERVE_SHARE` of it is kept for what cannot stop
at a limit (the tables, the independent check and, in the CLI, writing the outputs); the rest goes to
the phases that can, in order, each given ``weight / (its weight + the weights of the phases still to
come)`` of the time left when it starts, so that time one phase does not use goes to the later ones:
stage 1 (:data:`STAGE1_WEIGHT`), each later stage (:data:`STAGE_WEIGHT`), ``--verify`` (the weight of
the first backend's stages: an even split), shadow prices (:data:`POST_WEIGHT`). When the model buys
whole totals split over bassins (:mod:`gpec.rounding`), making the plan whole (:data:`WHOLE_UNITS_WEIGHT`)
comes after the stages (and, if the whole plan is not within ``--gap`` of the bound, solving the model
with whole units in every bassin from it, in the time the rounding leaves). With shadow prices and
without ``--verify``, stage 1 is thus offered 6/11 of the time left after the build when totals are split
(the Landes default), 6/10 when they are not, and stage 2 2/5 or half of what stage 1 leaves
(:class:`gpec.scenario.Scenario`). An infeasible scenario's diagnosis gets what the stages leave. Every
phase's start, limit and time used is in ``Result.timings``.

**Interrupted** (a signal within :func:`gpec.interrupt.catching`, as ``gpec solve`` runs it): the solver
running stops at once with its incumbent, and nothing else is started: no later stage, ``--verify``,
shadow price or diagnosis step (each one running is stopped the same way and reports what it has). A plan
with its split of whole totals still fractional is made whole first, for unmet need only (the cost stage of
the rounding is not run either; :data:`ROUNDING_ON_INTERRUPT_S`).
The status is that of the stages (``feasible`` when one was cut short or not run, ``error`` with no plan);
the message begins with ``interrupted``.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from gpec import interrupt
from gpec.diagnose import NEEDS as DIAGNOSIS_NEEDS
from gpec.diagnose import diagnosis_backend, explain_infeasibility
from gpec.errors import GpecError
from gpec.evaluate import evaluate
from gpec.instance import Instance
from gpec.models import GpecModel, build_model
from gpec.models.stability import STAGE as CHANGE_STAGE
from gpec.models.stability import reference_units
from gpec.rounding import rounding_model, split_levers, whole_units_model
from gpec.results import Result, StageReport, solution_tables
from gpec.scenario import Scenario
from gpec.shadow import COLUMNS as SHADOW_COLUMNS
from gpec.shadow import NEEDS as SHADOW_NEEDS
from gpec.shadow import prices_backend, shadow_prices
from gpec.solvers import (MIN_SOLVE_S, VERIFIER_NEEDS, Capability, TimeBudget, get_backend, holding, relative_gap,
                          second_opinion, stand_in, supports)

#: Share of the time limit never handed to a solve: kept for the tables, the independent check and
#: writing the outputs (about 5 s on the Landes default with maps).
RESERVE_SHARE = 0.15
#: Weights of the phases that can stop at a limit (see the module docstring).
STAGE1_WEIGHT, STAGE_WEIGHT, POST_WEIGHT = 6.0, 2.0, 2.0
#: Stage 1's weight when the backend solves it relaxation first (a région: see
#: :mod:`gpec.solvers.highs`): it has no plan before its LP relaxation and restricted MIP are both done,
#: about 35 s of a 60 s limit on Nouvelle-Aquitaine, while later phases only polish that plan.
RELAXATION_STAGE1_WEIGHT = 24.0
#: Making such a plan whole takes a restricted MIP of the same size too (:data:`WHOLE_UNITS_WEIGHT`).
RELAXATION_WHOLE_UNITS_WEIGHT = 4.0
#: Relative tolerance of the verification's comparisons (floating point of two solvers).
AGREE_TOL = 1e-6
#: Incumbents this close (relative) are reported as ``incumbents_within_1pct``.
ONE_PERCENT = 0.01
#: Weight of making the split of whole totals whole after the stages (:mod:`gpec.rounding`), and the
#: rounding MIP's gap as a share of the stage-1 tolerance.
WHOLE_UNITS_WEIGHT = 1.0
WHOLE_UNITS_GAP = 0.1
#: Share of the stage-1 tolerance stage 1 aims at when the plan is made whole afterwards (the Landes
#: rounding loses about 1e-4 of the objective).
WHOLE_UNITS_AIM = 0.5
#: Relative slack of that check (the solvers' own feasibility tolerances).
WHOLE_UNITS_TOL = 1e-6
#: Share of its time after which stage 1, aiming at WHOLE_UNITS_AIM x --gap, settles for --gap.
ENOUGH_SHARE = 0.25
#: Most seconds an interrupted run still gives to making its plan whole (the rounding MIP proves its
#: optimum in about 0.5 s on the Landes at 2 M EUR, so this cap is reached only on a machine many times
#: slower, and the tests that interrupt a solve do not depend on the machine's speed); a plan not made
#: whole in them is no plan.
ROUNDING_ON_INTERRUPT_S = 10.0
#: Relative gap an interrupted run's rounding settles for (at least; ``--gap`` when larger): a whole plan
#: this close to the best rounding is kept at once rather than proven (on the Landes at 2 M EUR and
#: ``--gap 0``, proving took the whole cap for a plan already within 1e-5).
ROUNDING_GAP_ON_INTERRUPT = 1e-3


def time_budget(scenario: Scenario, start: float | None = None) -> TimeBudget:
    """The time budget of a run under ``scenario``: its ``time_limit`` from ``start`` (default now), with
    :data:`RESERVE_SHARE` of it kept from the solves."""
    return TimeBudget(scenario.time_limit, RESERVE_SHARE * scenario.time_limit, start)


@dataclass
class Built:
    """A built model and its live solver model: what :func:`solve` builds for one run and
    :class:`gpec.planner.Planner` keeps between runs.

    ``instance`` is the instance as given (``--verify`` re-solves it cold), ``applied`` with the
    scenario's overrides; ``x`` is the last plan written, ``None`` before a solve.
    """

    instance: Instance
    applied: Instance
    horizon: tuple[int, int]
    model: GpecModel
    backend: object
    reference: pd.DataFrame | None = None
    x: np.ndarray | None = None

    @property
    def levers(self) -> tuple[str, ...]:
        """The levers switched on, in the model's order."""
        return tuple(lever.lever for lever in self.model.levers)


def build(instance: Instance, scenario: Scenario, reference: pd.DataFrame | None = None,
          model: GpecModel | None = None) -> Built:
    """Apply ``scenario`` to ``instance``, build the model (unless given, built for that scenario) and
    hand it to the scenario's solver."""
    applied, horizon = scenario.apply(instance)
    if model is None:
        model = build_model(applied, horizon, scenario.levers, scenario.service_level, scenario.min_places,
                            reference=reference)
    return Built(instance, applied, horizon, model, get_backend(scenario.solver)(model.lp), reference)


def solve(instance: Instance, scenario: Scenario | None = None, check: bool = True, explain: bool = True,
          budget: TimeBudget | None = None, start: np.ndarray | None = None, reference=None,
          progress=None, secondary: bool = False) -> Result:
    """Build and solve the model of ``instance`` under ``scenario``, within ``scenario.time_limit``.

    Stage 1 minimises weighted unmet need; stage 2 minimises cost with unmet need capped at the stage-1
    incumbent, starting from the stage-1 solution, on the same live solver model; with a ``reference``
    plan, stage 3 returns, among plans no worse in both, the one closest to it
    (:mod:`gpec.models.stability`). A time limit returns the best incumbent with its bound and gap
    (status ``feasible``); only when no feasible plan was found at all is the status ``error`` (the
    message says why). ``cost`` is the spending of the returned plan.

    Parameters
    ----------
    instance : Instance
        The instance; ``scenario`` applies its overrides.
    scenario : Scenario, optional
        What-if overrides and solve options (default: ``Scenario()``).
    check : bool
        Verify the plan with :func:`gpec.evaluate.evaluate` and fill in ``violations``.
    explain : bool
        Give an infeasible scenario a ``diagnosis`` (:func:`gpec.diagnose.explain_infeasibility`).
    budget : TimeBudget, optional
        The run's time budget (default: :func:`time_budget` from now); the CLI passes its own so that
        loading the instance and writing the outputs count too. The phases are recorded in it.
    start : ndarray, optional
        A plan of the same model that stage 1 starts from (``--verify`` gives the first backend's plan).
    reference : Result or DataFrame, optional
        A reference plan (a result, or its ``decisions`` table) to keep the plan close to.
    progress : gpec.progress.Progress, optional
        Told when each stage starts and ends, and the solver's incumbent and bound meanwhile.
    secondary : bool
        A second opinion (``--verify``): interrupted (:mod:`gpec.interrupt`), it gives up at once, its
        plan not made whole, and a solver that cannot stop promptly is left running without its plan.

    Returns
    -------
    Result
        With ``shadow_prices`` of a plan unless the scenario turns them off, the other backend's answer
        in ``verification`` when ``scenario.verify``, and ``timings`` (:meth:`TimeBudget.report`).
    """
    scenario = scenario or Scenario()
    budget = budget or time_budget(scenario)
    with budget.phase("build") as built:
        live = build(instance, scenario, reference_table(reference))
    return solve_built(live, scenario, budget, built.seconds, check, explain, start, progress, secondary)


def reference_table(reference) -> pd.DataFrame | None:
    """The decisions table of a reference plan given as a :class:`Result` or a table."""
    return reference.decisions if isinstance(reference, Result) else reference


def solve_built(live: Built, scenario: Scenario, budget: TimeBudget, build_s: float, check: bool = True,
                explain: bool = True, start: np.ndarray | None = None, progress=None,
                secondary: bool = False) -> Result:
    """Solve a built model (:func:`build`) under ``scenario``: the stages, the plan made whole, the
    checks and explanations of :func:`solve` (``secondary``: see there); ``live.x`` becomes the plan
    written."""
    model, backend, applied, horizon = live.model, live.backend, live.applied, live.horizon
    _refuse_missing(scenario, backend)
    if secondary and hasattr(backend, "interrupt_grace"):
        backend.interrupt_grace = interrupt.GRACE_S
    relaxed = getattr(backend, "relaxation_first", False)
    whole_weight = RELAXATION_WHOLE_UNITS_WEIGHT if relaxed else WHOLE_UNITS_WEIGHT
    weights = [RELAXATION_STAGE1_WEIGHT if relaxed else STAGE1_WEIGHT] + [STAGE_WEIGHT] * (len(model.stages) - 1)
    later = (sum(weights) if scenario.verify else 0.0) + (POST_WEIGHT if scenario.shadow_prices else 0.0)
    split = bool(split_levers(model))
    stages, x = _stages(model, backend, scenario, budget, weights, later + (whole_weight if split else 0.0),
                        start, aim=WHOLE_UNITS_AIM if split else 1.0, progress=progress)
    if x is not None and split:
        stages, x = _whole_units(model, backend, scenario, budget, weights, later, stages, x, whole_weight,
                                 progress, finish=not secondary)

    first = stages[0]
    status = _overall_status(stages[1:] if _settled(stages, split) else stages, x)
    objective, gap, cost, change = first.objective, first.gap, math.nan, None
    if x is not None:
        x = model.tighten(x)
        objective = float(model.lp.objective_vector(model.stages[0]) @ x)
        gap = relative_gap(objective, first.bound)
        cost = float(model.lp.objective_vector(model.stages[1]) @ x)
        if split and status == "optimal" and gap > scenario.mip_gap + WHOLE_UNITS_TOL:
            status = "feasible"  # the whole plan is further from the bound than --gap (or stage 1 settled
            # for --gap and the whole plan is not within it)
    if live.reference is not None and x is not None:
        cols, units, unmatched = reference_units(model.levers, live.reference)
        change = float(np.abs(np.round(x[cols], 9) - units).sum()) + unmatched
    live.x = x
    prices, diagnosis, verification = pd.DataFrame(columns=list(SHADOW_COLUMNS)), None, None
    stand_ins = []  # phases run by another backend than the scenario's, which lacks what they need
    post = (x is not None and scenario.shadow_prices) or (status == "infeasible" and explain)
    if scenario.verify and not interrupt.requested():
        with budget.split("verify", sum(weights) / (sum(weights) + (POST_WEIGHT if post else 0.0))) as inner:
            verification = _verify(live.instance, scenario, (status, objective, first.bound), x, inner,
                                   live.reference)
    if x is not None and scenario.shadow_prices and not interrupt.requested():
        with budget.split("shadow prices", 1.0) as inner:
            prices = shadow_prices(model, x, objective, first.bound, scenario.mip_gap, inner, backend)
        stand_ins.append(stand_in("shadow prices", backend, prices_backend(backend), SHADOW_NEEDS))
    if status == "infeasible" and explain and not interrupt.requested():
        with budget.split("diagnosis", 1.0) as inner:
            diagnosis = explain_infeasibility(applied, scenario, horizon, inner)
        stand_ins.append(stand_in("diagnosis", backend, diagnosis_backend(scenario), DIAGNOSIS_NEEDS))
    with budget.phase("tables"):
        tables = solution_tables(model, applied, x)
    result = Result(
        status=status, objective=objective, bound=first.bound, gap=gap, cost=cost,
        runtime_s=sum(s.runtime_s for s in stages) + build_s, solver=scenario.solver,
        instance=applied.name, instance_sha256=applied.sha256, instance_folder=str(applied.folder), horizon=horizon,
        levers=live.levers, budgets=_budgets(applied, (horizon[0], model.workforce.end)), funders=applied.bodies,
        budget_carry_over=applied.param("budget_carry_over"), tail_years=model.workforce.end - horizon[1],
        overrides={f"{name}[{key}]" if key else name: value for (name, key), value in scenario.parameters.items()},
        mip_gap=scenario.mip_gap, cost_gap=scenario.cost_gap, time_limit=scenario.time_limit,
        n_variables=model.lp.n_cols, n_integer=model.lp.n_integer, n_constraints=model.lp.n_rows,
        build_s=build_s, stages=stages, message=_interrupted(x) + _message(stages, stand_ins), applied=applied,
        shadow_prices=prices,
        diagnosis=diagnosis, verification=verification, service_level=scenario.service_level,
        min_places=dict(scenario.min_places), reference_change=change, solution_limit=scenario.solution_limit,
        **tables,
    )
    if check:
        check_result(result, budget)
    result.timings = budget.report()
    return result


def check_result(result: Result, budget: TimeBudget | None = None) -> None:
    """The independent check (:func:`gpec.evaluate.evaluate`) of a result with a plan, against the instance
    it was built from: its violations recorded in ``result`` (phase ``check`` of ``budget``)."""
    if not result.has_solution:
        return
    with budget.phase("check") if budget is not None else contextlib.nullcontext():
        report = evaluate(result.applied, result)
    result.violations = len(report.violations)
    result.violation_details = report.violations.to_dict("records")


def _stages(model, backend, scenario: Scenario, budget: TimeBudget, weights: list[float], later: float,
            start: np.ndarray | None, aim: float = 1.0, prefix: str = "stage ", progress=None,
            small: bool = False, first_only: bool = False) -> tuple[list[StageReport], np.ndarray | None]:
    """The lexicographic stages, each given its weight's share of the time left (``later``: the weights
    of the phases after the stages). A stage offered less than :data:`~gpec.solvers.MIN_SOLVE_S` is not
    run, nor one started from a plan that is offered less than its backend's ``least_seconds`` (the time
    its root LP takes; ``small``: the model is small once presolved, e.g. most columns fixed): stage 1
    then has no plan; a later stage keeps the plan before it, reported ``feasible``.
    ``progress`` (:class:`gpec.progress.Progress`) is told of each stage and of the solver's progress.
    ``first_only``: the later stages are reported not run (interrupted)."""
    try:
        return _run_stages(model, backend, scenario, budget, weights, later, start, aim, prefix, progress, small,
                           first_only)
    finally:
        if progress is not None and hasattr(backend, "set_progress"):
            backend.set_progress(None)  # a live backend (gpec.planner) is solved again without it


def _run_stages(model, backend, scenario, budget, weights, later, start, aim, prefix, progress, small, first_only):
    stages, x = [], None
    vectors = {name: model.lp.objective_vector(name) for name in model.stages}
    for k, name in enumerate(model.stages):
        if progress is not None:
            progress.start(f"{prefix}{name}")
            if hasattr(backend, "set_progress"):
                backend.set_progress(progress.update)
        plan = (start if k == 0 else x) if supports(backend, Capability.WARM_START) else None
        least = MIN_SOLVE_S if plan is None or small else getattr(backend, "least_seconds", MIN_SOLVE_S)
        if interrupt.requested() or (first_only and k):  # nothing more is started; the plan in hand is the answer
            stages.append(_not_run(name, x, vectors[name], "interrupted"))
            break
        with budget.phase(f"{prefix}{name}", weights[k] / (sum(weights[k:]) + later)) as phase:
            if phase.left() < least:
                why = (f"no time left of the {budget.seconds:g} s limit" if least == MIN_SOLVE_S else
                       f"{phase.left():.1f} s left, its root LP takes about {least:.0f} s")
                stages.append(_not_run(name, x, vectors[name], why))
                break
            backend.set_objective(vectors[name])
            if plan is not None:
                backend.set_start(plan)
            # stage 1 aims at ``aim`` x --gap (the plan made whole afterwards must be within --gap), but
            # settles for --gap after ENOUGH_SHARE of its time (the whole plan is then checked against it)
            settle = k == 0 and aim < 1.0 and hasattr(backend, "set_enough")
            if settle:
                backend.set_enough(scenario.mip_gap, ENOUGH_SHARE * phase.limit_s)
            outcome = backend.solve(phase.left(), scenario.cost_gap if k else aim * scenario.mip_gap,
                                    scenario.solution_limit)
            if settle:
                backend.set_enough(None)
        stages.append(StageReport(name, outcome.status, outcome.objective, outcome.bound, outcome.gap,
                                  outcome.runtime_s, outcome.solver_status))
        if progress is not None:
            progress.done(replace(stages[-1], name=f"{prefix}{name}"))
        if outcome.x is None:
            break
        x = outcome.x
        if k + 1 < len(model.stages) and not interrupt.requested():
            # keep this stage's value for the next stages (a hair of slack for floating point)
            backend.add_objective_cap(vectors[name], outcome.objective + 1e-7 * max(1.0, abs(outcome.objective)))
    return stages, x


def _whole_units(model, backend, scenario: Scenario, budget: TimeBudget, weights: list[float], later: float,
                 stages: list[StageReport], x: np.ndarray, weight: float = WHOLE_UNITS_WEIGHT, progress=None,
                 finish: bool = True) -> tuple[list[StageReport], np.ndarray | None]:
    """Make the split of whole totals whole (:mod:`gpec.rounding`); if that plan is not within ``--gap`` of
    the stage-1 bound, solve the model with whole units in every bassin from it (its bound, valid too,
    replaces the first when higher). The stage reports of both are appended, the first stage's bound kept.
    Both models are the live ``backend``'s changed in place when it can (:func:`gpec.solvers.holding`).
    Interrupted (:mod:`gpec.interrupt`), the plan is still made whole (unless not ``finish``) by the rounding's
    first stage (unmet need) alone, within :data:`ROUNDING_ON_INTERRUPT_S` and
    :data:`ROUNDING_GAP_ON_INTERRUPT`, and returned as it is."""
    rounded, whole = None, None
    if not interrupt.requested():
        with budget.split("whole units", weight / (weight + later)) as inner:
            rounded, whole = _rounding(model, backend, scenario, inner, weights, x, progress)
    if whole is None and interrupt.requested() and finish:  # interrupted before the plan was whole
        with budget.phase("whole units (interrupted)") as phase, interrupt.finishing():
            inner = TimeBudget(ROUNDING_ON_INTERRUPT_S, start=budget.start + phase.start_s)
            inner.phases = phase.phases
            settle = replace(scenario, mip_gap=max(scenario.mip_gap, ROUNDING_GAP_ON_INTERRUPT))
            rounded, whole = _rounding(model, backend, settle, inner, weights, x, progress, first_only=True)
    stages = stages + [replace(s, name=f"whole units ({s.name})") for s in rounded or []]
    unmet = model.lp.objective_vector(model.stages[0])
    if interrupt.requested() and whole is None:  # no plan with whole units: no plan (its status first)
        return [_not_run("whole units", None, unmet, "interrupted before the plan was made whole"), *stages], None
    if interrupt.requested():
        return stages, whole
    if whole is not None and (relative_gap(float(unmet @ model.tighten(whole)), stages[0].bound)
                              <= scenario.mip_gap + WHOLE_UNITS_TOL):
        return stages, whole
    exact = holding(backend, whole_units_model(model))
    more, better = _stages(model, exact, scenario, budget, weights, later, whole, prefix="whole units, stage ",
                           progress=progress)
    earlier = [replace(s, name=s.name if s.name.startswith("whole") else f"whole totals ({s.name})") for s in stages]
    if better is None and whole is None:  # no plan with whole units: the status is that of this model
        return [*more, *earlier], None
    if better is None:
        return stages + [replace(s, name=f"whole units, {s.name}") for s in more], whole
    first = more[0]
    if first.bound < stages[0].bound:  # keep the higher of two valid bounds
        first = replace(first, bound=stages[0].bound, gap=relative_gap(first.objective, stages[0].bound))
    return [first, *more[1:], *earlier], better


def _rounding(model, backend, scenario: Scenario, budget: TimeBudget, weights: list[float], x: np.ndarray,
              progress, first_only: bool = False) -> tuple[list[StageReport], np.ndarray | None]:
    """The stages of the rounding MIP of plan ``x`` (:func:`gpec.rounding.rounding_model`) within ``budget``
    (``first_only``, interrupted: its first stage, unmet need, only, at the scenario's gap itself rather
    than :data:`WHOLE_UNITS_GAP` of it: on the Landes at 2 M EUR, 0.2 s against 1.5 s)."""
    rounding = holding(backend, rounding_model(model, x))
    first = getattr(rounding, "relaxation_first", None)
    if first is not None:  # its integer decisions fixed, it is small once presolved: branch and cut
        rounding.relaxation_first = False
    try:
        return _stages(model, rounding, replace(scenario, solution_limit=None), budget, weights, 0.0, None,
                       aim=1.0 if first_only else WHOLE_UNITS_GAP, prefix="whole units: ", progress=progress,
                       small=True, first_only=first_only)
    finally:
        if first is not None:
            rounding.relaxation_first = first


def _not_run(name: str, x: np.ndarray | None, vector: np.ndarray, why: str) -> StageReport:
    """The report of a stage not started: ``error`` without a plan, else ``feasible`` at the plan's value."""
    return StageReport(name, "error" if x is None else "feasible", math.nan if x is None else float(vector @ x),
                       -math.inf, math.inf, 0.0, f"not run: {why}")


def _interrupted(x: np.ndarray | None) -> str:
    """The head of an interrupted run's message (empty when it was not interrupted)."""
    if not interrupt.requested():
        return ""
    what = "the best plan found is returned" if x is not None else "no plan was found"
    return f"interrupted ({interrupt.signal_name()}): {what}, nothing more was started; "


def _verify(instance: Instance, scenario: Scenario, first: tuple[str, float, float], x: np.ndarray | None,
            budget: TimeBudget, reference: pd.DataFrame | None = None) -> dict:
    """Solve again with another backend (:func:`_verifier`) within ``budget``, stage 1 started from the first
    backend's plan ``x``, and compare with the first backend's ``(status, objective, bound)``.

    ``bounds_agree``: each backend's bound is at most the other's incumbent (within :data:`AGREE_TOL`),
    i.e. neither proves the other's plan wrong; it is the verdict ``agree`` (``None`` when the second
    backend found no plan in its time, so there is nothing to compare). ``relative_difference`` of the
    two incumbents, and whether it is within the stage-1 gap tolerance and within 1 %. ``start_kept``:
    the second incumbent is at least as good as the plan it started from (the start was used).
    """
    status, objective, bound = first
    other = _verifier(scenario)
    second = solve(instance, replace(scenario, solver=other, verify=False, shadow_prices=False), check=False,
                   explain=False, budget=budget, start=x, reference=reference, secondary=True)
    out = {"solver": other, "status": second.status, "objective": second.objective, "bound": second.bound,
           "gap": second.gap, "cost": second.cost, "runtime_s": second.runtime_s,
           "started_from": scenario.solver if x is not None else None, "start_kept": None,
           "bounds_agree": None, "relative_difference": None, "incumbents_within_gap": None,
           "incumbents_within_1pct": None, "agree": None}
    if status == second.status == "infeasible":
        out["agree"] = True
    elif "infeasible" in (status, second.status) and (x is not None or second.has_solution):
        out["agree"] = False  # one backend has a plan, the other proves there is none
    elif x is not None and second.has_solution:
        tol = AGREE_TOL * max(1.0, abs(objective), abs(second.objective))
        low = lambda b: b if math.isfinite(b) else -math.inf
        difference = abs(objective - second.objective) / max(abs(objective), abs(second.objective), 1e-9)
        out.update(start_kept=bool(second.objective <= objective + tol),
                   bounds_agree=bool(low(bound) <= second.objective + tol and low(second.bound) <= objective + tol),
                   relative_difference=difference,
                   incumbents_within_gap=bool(difference <= scenario.mip_gap + AGREE_TOL),
                   incumbents_within_1pct=bool(difference <= ONE_PERCENT + AGREE_TOL))
        out["agree"] = out["bounds_agree"]
    return out


def _verifier(scenario: Scenario) -> str:
    """The solver of ``--verify``: another one than the scenario's, with what a second opinion needs
    (:data:`~gpec.solvers.VERIFIER_NEEDS`, and a solution limit when the scenario sets one): OR-Tools for
    HiGHS, HiGHS for OR-Tools (:func:`gpec.solvers.second_opinion`)."""
    needs = VERIFIER_NEEDS | ({Capability.SOLUTION_LIMIT} if scenario.solution_limit is not None else set())
    return second_opinion(scenario.solver, needs)


def _refuse_missing(scenario: Scenario, backend) -> None:
    """Refuse, before any solve, what ``scenario`` asks and no backend of the run can do: a solution limit
    the scenario's solver cannot stop at, ``--verify`` without a second solver fit for it.

    Raises
    ------
    GpecError
        Naming the option.
    """
    if scenario.solution_limit is not None and not supports(backend, Capability.SOLUTION_LIMIT):
        raise GpecError(f"solution_limit: the {backend.name} solver cannot stop after a number of solutions")
    if scenario.verify:
        _verifier(scenario)


def _settled(stages: list[StageReport], split: bool) -> bool:
    """Stage 1 of a split model stopped short of its aim but within --gap (``set_enough``): its proof is
    then judged on the whole plan's gap to its bound, by the caller."""
    return split and stages[0].name == "unmet" and stages[0].status == "feasible" and len(stages) > 1


def _overall_status(stages: list[StageReport], x: np.ndarray | None) -> str:
    """``optimal`` when every unmet-need and cost stage proved its gap: the stability stage (``change``)
    only chooses among plans that good, so its own gap is reported in its stage, not in the status."""
    if x is None:
        return stages[0].status if stages[0].status != "optimal" else "error"
    stability = lambda s: s.name == CHANGE_STAGE or s.name.endswith((f"({CHANGE_STAGE})", f" {CHANGE_STAGE}"))
    if all(s.status == "optimal" for s in stages if not stability(s)):
        return "optimal"
    return "feasible"


def _message(stages: list[StageReport], stand_ins: list[str] = ()) -> str:
    """One part per stage, then the phases another backend ran (:func:`gpec.solvers.stand_in`)."""
    gap = lambda g: f"{g:.2e}" if math.isfinite(g) else "unknown"  # no raw inf in what people read
    parts = [f"{s.name}: {s.status} ({s.solver_status}, gap {gap(s.gap)}, {s.runtime_s:.2f} s)" for s in stages]
    return "; ".join(parts + [note for note in stand_ins if note])


def _budgets(instance: Instance, horizon: tuple[int, int]) -> dict[str, dict[int, float]]:
    b = instance.budget()
    out: dict[str, dict[int, float]] = {}
    for (funder, year), eur in b.items():
        if horizon[0] <= year <= horizon[1]:
            out.setdefault(funder, {})[int(year)] = float(eur)
    return out
