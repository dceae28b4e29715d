"""Solve an instance under a scenario: build, lexicographic HiGHS solve, tables, independent check."""

from __future__ import annotations

import math
import time
from dataclasses import replace

import numpy as np
import pandas as pd

from gpec.diagnose import explain_infeasibility
from gpec.evaluate import evaluate
from gpec.instance import Instance
from gpec.models import build_model
from gpec.results import Result, StageReport, solution_tables
from gpec.scenario import Scenario
from gpec.shadow import COLUMNS as SHADOW_COLUMNS
from gpec.shadow import shadow_prices
from gpec.solvers import get_backend, relative_gap

#: Share of the time limit kept for stage 2 even if stage 1 used it all (stage 2 needs about 15 s on the
#: Landes default to reach its 1 % gap).
STAGE2_MIN_SHARE = 0.3


def solve(instance: Instance, scenario: Scenario | None = None, check: bool = True, explain: bool = True) -> Result:
    """Build and solve the model of ``instance`` under ``scenario``.

    Stage 1 minimises weighted unmet need; stage 2 minimises cost with unmet need capped at the stage-1
    incumbent, starting from the stage-1 solution, on the same live solver model. A time limit returns
    the best incumbent with its bound and gap (status ``feasible``); only when no feasible plan was
    found at all is the status ``error`` (the message says why). ``cost`` is the spending of the
    returned plan. With ``check`` the result is verified by :func:`gpec.evaluate.evaluate` and
    ``violations`` filled in; with ``explain`` an infeasible scenario gets a ``diagnosis``
    (:func:`gpec.diagnose.explain_infeasibility`); a plan gets its ``shadow_prices`` unless the scenario
    turns them off, and ``scenario.verify`` adds the other backend's answer (``verification``).
    """
    scenario = scenario or Scenario()
    instance, horizon = scenario.apply(instance)
    t0 = time.perf_counter()
    model = build_model(instance, horizon, scenario.levers, scenario.service_level, scenario.min_places)
    backend = get_backend(scenario.solver)(model.lp)
    build_s = time.perf_counter() - t0

    stages, x = [], None
    vectors = {name: model.lp.objective_vector(name) for name in model.stages}
    deadline = t0 + scenario.time_limit
    for k, name in enumerate(model.stages):
        backend.set_objective(vectors[name])
        remaining = deadline - time.perf_counter()
        if k + 1 < len(model.stages):  # keep a share of the time for the later stages
            limit = max(remaining * (1 - STAGE2_MIN_SHARE), 0.01)
        else:
            limit = max(remaining, STAGE2_MIN_SHARE * scenario.time_limit)
        if x is not None:
            backend.set_start(x)
        outcome = backend.solve(limit, scenario.mip_gap if k == 0 else scenario.cost_gap, scenario.solution_limit)
        stages.append(StageReport(name, outcome.status, outcome.objective, outcome.bound, outcome.gap,
                                  outcome.runtime_s, outcome.solver_status))
        if outcome.x is None:
            break
        x = outcome.x
        if k + 1 < len(model.stages):
            # keep this stage's value for the next stages (a hair of slack for floating point)
            backend.add_objective_cap(vectors[name], outcome.objective + 1e-7 * max(1.0, abs(outcome.objective)))

    first = stages[0]
    status = _overall_status(stages, x)
    objective, gap, cost = first.objective, first.gap, math.nan
    if x is not None:
        x = model.tighten(x)
        objective = float(vectors[model.stages[0]] @ x)
        gap = relative_gap(objective, first.bound)
        cost = float(vectors[model.stages[-1]] @ x)
    tables = solution_tables(model, instance, x)
    prices = (shadow_prices(model, x, objective, first.bound, scenario.mip_gap, scenario.marginal_time)
              if x is not None and scenario.shadow_prices else pd.DataFrame(columns=list(SHADOW_COLUMNS)))
    diagnosis = (explain_infeasibility(instance, scenario, horizon, max(5.0, scenario.time_limit / 3))
                 if status == "infeasible" and explain else None)
    result = Result(
        status=status, objective=objective, bound=first.bound, gap=gap, cost=cost,
        runtime_s=sum(s.runtime_s for s in stages) + build_s, solver=scenario.solver,
        instance=instance.name, instance_sha256=instance.sha256, horizon=horizon,
        levers=tuple(lv.lever for lv in model.levers),
        budgets=_budgets(instance, horizon),
        overrides={f"{name}[{key}]" if key else name: value for (name, key), value in scenario.parameters.items()},
        mip_gap=scenario.mip_gap, cost_gap=scenario.cost_gap, time_limit=scenario.time_limit,
        n_variables=model.lp.n_cols, n_integer=model.lp.n_integer, n_constraints=model.lp.n_rows,
        build_s=build_s, stages=stages, message=_message(stages), applied=instance, shadow_prices=prices,
        diagnosis=diagnosis, service_level=scenario.service_level, min_places=dict(scenario.min_places), **tables,
    )
    if check and result.has_solution:
        report = evaluate(instance, result)
        result.violations = len(report.violations)
        result.violation_details = report.violations.to_dict("records")
    if scenario.verify:
        result.verification = verify(instance, scenario, result)
    return result


def verify(instance: Instance, scenario: Scenario, result: Result) -> dict:
    """Re-solve with the other backend and say whether both agree: their stage-1 [bound, objective]
    intervals overlap (within 1e-6 relative), i.e. no solver proves the other's answer wrong."""
    other = "ortools" if scenario.solver == "highs" else "highs"
    second = solve(instance, replace(scenario, solver=other, verify=False, shadow_prices=False), check=False,
                   explain=False)
    tol = 1e-6 * max(1.0, abs(result.objective))
    lows = [v if math.isfinite(v) else -math.inf for v in (result.bound, second.bound)]
    agree = (result.status == second.status == "infeasible") or (
        result.has_solution and second.has_solution
        and max(lows) <= min(result.objective, second.objective) + tol)
    return {"solver": other, "status": second.status, "objective": second.objective, "bound": second.bound,
            "gap": second.gap, "runtime_s": second.runtime_s, "agree": bool(agree)}


def _overall_status(stages: list[StageReport], x: np.ndarray | None) -> str:
    if x is None:
        return stages[0].status if stages[0].status != "optimal" else "error"
    if all(s.status == "optimal" for s in stages):
        return "optimal"
    return "feasible"


def _message(stages: list[StageReport]) -> str:
    parts = [f"{s.name}: {s.status} ({s.solver_status}, gap {s.gap:.2e}, {s.runtime_s:.2f} s)" for s in stages]
    return "; ".join(parts)


def _budgets(instance: Instance, horizon: tuple[int, int]) -> dict[str, dict[int, float]]:
    b = instance.budget()
    out: dict[str, dict[int, float]] = {}
    for (funder, year), eur in b.items():
        if horizon[0] <= year <= horizon[1]:
            out.setdefault(funder, {})[int(year)] = float(eur)
    return out
