r"""Why a scenario is infeasible, in a planner's words, and what would make it feasible.

1. **Conflicting constraints**: a backend with :attr:`~gpec.solvers.Capability.IIS` (HiGHS) computes
   an irreducible infeasible subsystem (IIS) of linear programs only, so this takes the IIS of the LP
   relaxation when it is infeasible too (``iis`` says whether it was reduced to an irreducible one within
   the time; only then is it listed), and names each of its rows and column bounds ("budget departement
   2028", "service level Mont-de-Marsan (40192) aide-soignant 2030", "capacity of training places Dax
   (40088) infirmier 2027"). When the relaxation is feasible, the conflict comes from whole units alone
   and no IIS exists: the elastic re-solves below still say what suffices.
2. **Elastic re-solves** (same model, stage-1 objective replaced):

   a. budgets: a free column :math:`E_{f,t} \ge 0` of extra euros enters each budget row,
      :math:`\sum_\ell P_{\ell,f,t} - E_{f,t} \le B_{f,t}`, and :math:`\min \sum_{f,t} E_{f,t}`. A
      solution gives the extra euros per funder and year that restore feasibility, and the ``--budget``
      options that suffice: for each funder, the largest :math:`B_{f,t} + E_{f,t}` over the years, in
      every year (more budget never hurts);
   b. else, targets: the required service level becomes a column :math:`0 \le X \le X^{req}` and
      :math:`\max X`: the largest service level the given budgets allow (``--service-level``).

   Each re-solve keeps its incumbent at the time limit, and an incumbent is a plan that meets the
   suggestion, so re-running with it is feasible.

Every solve runs within the time given to the diagnosis (:class:`~gpec.solvers.TimeBudget`), shared by
weight (:data:`WEIGHTS`: each gets its weight's part of the time left when it starts, the weights of the
solves still to come counted); a solve with no time left is not started and its status says
``not computed: no time left``. After a signal (:mod:`gpec.interrupt`) the solve running stops and none
is started: ``not computed: interrupted``.
"""

from __future__ import annotations

import math

import numpy as np

from gpec import interrupt
from gpec.models import build_model
from gpec.models.linear import block_at
from gpec.models.registry import REGISTRY
from gpec.rounding import whole_units_model
from gpec.solvers import MIN_SOLVE_S, Capability, Phase, TimeBudget, provider, supports

#: Longest conflict list kept in the diagnosis (result.json); ``conflict_size`` gives the full count.
MAX_CONFLICT = 200
#: What a block of rows or columns means to a planner (a lever's decisions: its ``bound_phrase``, see
#: :class:`Namer`).
PHRASES = {
    "budget": "budget", "service_level": "service level", "min_places": "minimum training places",
    "need": "need", "stock_balance": "stock balance", "labour_pool": "labour pool",
    "lever_cost": "cost of lever", "stock": "staff in post",
    "unmet": "unmet need", "spend": "spending", "service_level_required": "required service level",
}
#: Weights by which the diagnosis' solves share its time: the LP relaxation and its IIS (``conflict``),
#: the elastic budget MIP, and, with a service level, the plan without levers (an LP) and the elastic
#: service-level MIP.
WEIGHTS = {"conflict": 2.0, "budget": 2.0, "plan_without_levers": 1.0, "service_level": 2.0}
NOT_COMPUTED = "not computed: no time left"
INTERRUPTED = "not computed: interrupted"
#: What the diagnosis' backend must do: an IIS of the LP relaxation, the elastic MIPs, and column bounds
#: changed in place (the plan without levers). The scenario's solver when it can, else the first that can
#: (:func:`gpec.solvers.provider`; the run's message then says which).
NEEDS = frozenset({Capability.IIS, Capability.MIP, Capability.IN_PLACE_CHANGES})


class Namer:
    """Turns block labels into planner phrases: bassin codes become 'Name (code)', métiers their label."""

    def __init__(self, instance, model):
        self.bassins = dict(zip(instance.bassins["bassin"], instance.bassins["name"]))
        self.metiers = dict(zip(instance.metiers["metier"], instance.metiers["label"]))
        self.phrases = {**PHRASES, **{terms.block.name: REGISTRY[terms.lever].bound_phrase
                                      for terms in model.levers if REGISTRY[terms.lever].bound_phrase}}

    def __call__(self, block, position: int, bound: str = "") -> dict:
        key = block.index[position - block.start]
        key = key if isinstance(key, tuple) else (key,)
        words = []
        for name, value in zip(block.index.names, key):
            if name in ("bassin", "origin", "destination", "host") and value in self.bassins:
                words.append(f"{self.bassins[value]} ({value})")
            elif name == "metier" and value in self.metiers:
                words.append(self.metiers[value])
            elif str(value):  # the zone of an instance without funders' territories is empty
                words.append(str(value))
        phrase = " ".join([self.phrases.get(block.name, block.name.replace("_", " ")), *words])
        return {"family": block.name, "label": block.label(position), "bound": bound, "text": phrase}


def explain_infeasibility(instance, scenario, horizon, budget: TimeBudget) -> dict:
    """The IIS of the LP relaxation (if it is infeasible) and the smallest budget increase, or else the
    largest service level, that makes ``scenario`` feasible, every solve within ``budget`` (its phases
    recorded there), all by :func:`diagnosis_backend`. A JSON-able dict."""
    solver = diagnosis_backend(scenario)
    build = lambda: build_model(instance, horizon, scenario.levers, scenario.service_level, scenario.min_places)
    names = ["conflict", "budget"] + (["plan_without_levers", "service_level"]
                                           if scenario.service_level is not None else [])
    share = lambda name: WEIGHTS[name] / sum(WEIGHTS[n] for n in names[names.index(name):])
    model = build()
    namer = Namer(instance, model)
    relaxed = solver(model.lp.relaxation())
    relaxed.set_objective(model.lp.objective_vector("unmet"))
    conflict = []
    iis = None
    with budget.phase("conflict", share("conflict")) as phase:
        lp_status = _not_started(phase)
        if lp_status is None:
            lp_status = relaxed.solve(phase.left(), 0.0).status
        if lp_status == "infeasible":
            rows, cols, irreducible = relaxed.iis(phase.left())
            iis = "irreducible" if irreducible else f"not reduced within the time ({len(rows) + len(cols)} items)"
            if irreducible:
                conflict = ([namer(block_at(model.lp.rows, i), i, bound) for i, bound in rows]
                            + [namer(block_at(model.lp.columns, j), j, bound) for j, bound in cols])
    out = {"lp_relaxation": lp_status, "iis": iis, "conflict": conflict[:MAX_CONFLICT],
           "conflict_size": len(conflict), "budget_increase": [], "suggested_budgets": {},
           "suggested_service_level": None, "suggestion": ""}
    with budget.phase("budget", share("budget")) as phase:
        out.update(_elastic_budget(build(), instance, horizon, phase, solver))
    if not out["suggested_budgets"] and scenario.service_level is not None:
        out.update(_elastic_service_level(build(), scenario.service_level, budget, share, solver))
    return out


def diagnosis_backend(scenario):
    """The backend class of the diagnosis of ``scenario``: its solver when that has :data:`NEEDS`, else
    the first backend that has (HiGHS, for OR-Tools, which computes no IIS)."""
    return provider(NEEDS, scenario.solver)


def _elastic_budget(model, instance, horizon, phase: Phase, solver) -> dict:
    lp = model.lp
    budget, carry_limit = model.budget.budget, model.budget.carry_limit
    extra = lp.add_variables("budget_extra", budget.index, 0.0, np.inf)
    lp.add_to_rows(budget.name, np.arange(budget.size), extra.positions, -1.0)
    if carry_limit is not None:  # extra euros carry over like the envelope's own
        lp.add_to_rows(carry_limit.name, np.arange(budget.size), extra.positions, -instance.param("budget_carry_over"))
    cost = np.zeros(lp.n_cols)
    cost[extra.positions] = 1.0
    backend = solver(whole_units_model(model))  # suggestions that whole units in every bassin meet
    backend.set_objective(cost)
    if _not_started(phase):
        return {"budget_status": _not_started(phase)}
    outcome = backend.solve(phase.left(), 1e-4)
    if outcome.x is None:
        return {"budget_status": outcome.status}
    eur = outcome.x[extra.positions]
    envelope = instance.budget()
    rows, suggested = [], {}
    for (funder, year), more in zip(budget.index, eur):
        more = math.ceil(more - 1e-6) if more > 1e-6 else 0
        if more:
            rows.append({"funder": funder, "year": int(year), "envelope_eur": float(envelope[(funder, year)]),
                         "increase_eur": float(more)})
    for funder in {r["funder"] for r in rows}:
        need = max(float(envelope[(funder, y)]) + next((r["increase_eur"] for r in rows
                                                        if r["funder"] == funder and r["year"] == y), 0.0)
                   for y in range(horizon[0], horizon[1] + 1))
        suggested[funder] = float(math.ceil(need / 1000.0) * 1000)
    text = " ".join(f"--budget {f}={v:.0f}" for f, v in sorted(suggested.items()))
    return {"budget_status": outcome.status, "budget_increase": rows, "suggested_budgets": suggested,
            "suggestion": text}


def _elastic_service_level(model, required: float, budget: TimeBudget, share, solver) -> dict:
    lp, level = model.lp, model.service_level
    lp.set_column_bounds(level.name, 0.0, required)
    cost = np.zeros(lp.n_cols)
    cost[level.start] = -1.0
    backend = solver(whole_units_model(model))
    backend.set_objective(cost)
    with budget.phase("plan_without_levers", share("plan_without_levers")) as phase:
        start = _plan_without_levers(lp, cost, phase, solver)
    if start is not None and supports(backend, Capability.WARM_START):  # a first incumbent: funding nothing
        backend.set_start(start)  # meets service level 0 at least
    with budget.phase("service_level", share("service_level")) as phase:
        if _not_started(phase):
            return {"service_level_status": _not_started(phase)}
        outcome = backend.solve(phase.left(), 1e-4)
    if outcome.x is None:
        return {"service_level_status": outcome.status}
    achievable = math.floor(outcome.x[level.start] * 1000 + 1e-6) / 1000
    return {"service_level_status": outcome.status, "suggested_service_level": achievable,
            "suggestion": f"--service-level {achievable:g}"}


def _plan_without_levers(lp, cost: np.ndarray, phase: Phase, solver) -> np.ndarray | None:
    """A feasible point with every integer decision at 0 (an LP), or None."""
    relaxed = solver(lp.relaxation())
    integer = np.flatnonzero(lp.bounds()["integer"])
    relaxed.change_col_bounds(integer, np.zeros(integer.size), np.zeros(integer.size))
    relaxed.set_objective(cost)
    return relaxed.solve(phase.left(), 0.0).x if _not_started(phase) is None else None


def _not_started(phase: Phase) -> str | None:
    """Why a solve of ``phase`` is not started (``None``: it is)."""
    if interrupt.requested():
        return INTERRUPTED
    return NOT_COMPUTED if phase.left() < MIN_SOLVE_S else None
