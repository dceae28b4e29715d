r"""Shadow prices: what one more unit of a resource is worth, in FTE-years of unmet need avoided.

Sign convention: ``value`` is the FTE-years of (weighted) unmet need **avoided** per unit of the
resource (per 1,000 EUR of a budget, per extra training place a year, per FTE); a positive value means
more of it helps, 0 that it does not bind. ``eur_per_fte_year`` = 1,000 / value for budgets: the
cost-effectiveness of the marginal euro. Three methods, labelled in the ``method`` column:

* ``lp_relaxation``: duals of the LP relaxation of stage 1 (weighted unmet need), for every budget row
  (per funder and year, per 1,000 EUR in that year), labour-pool row (per person) and QVCT post (reduced
  cost: unmet avoided by one more post in that bassin and year, its cost taken from the budget), and the
  training-place capacities (reduced costs of the columns at their bound, summed over the years: one
  more place a year at that site). A relaxation's duals ignore whole units.
* ``mip_marginal``: warm re-solves of the MILP with each funder's yearly envelope raised and lowered by
  :math:`\delta` (10 % of its mean envelope, at least 1,000 EUR) in every year (an envelope of 0 only
  raised): :math:`(z(B) - z(B \pm \delta)) /
  (\pm \delta\, T / 1000)`, per 1,000 EUR over the horizon. Only these respect whole units; a
  difference smaller than the two solves' gaps added is flagged ``within_gap`` (not significant), and
  ``uncertainty`` is that sum in the same unit (the value is known to within plus or minus it).
* ``fixed_integer_lp``: the integer decisions fixed at the plan, the LP re-solved: duals of the rows
  with continuous variables only, ``stock_balance`` (one more FTE entering that bassin, métier and year)
  and ``need`` (one FTE less needed). Budget rows hold integer decisions only, so their duals here are 0
  and are not reported.

Every solve runs within the time given to the shadow prices: the two LPs first, then the MIP re-solves,
each given its weight's part of the time left when it starts (the LP relaxation twice as much). A row
is never dropped: ``status`` says how its value was obtained (the solve's status, ``optimal`` or
``feasible``) or why there is none (``value`` NaN): ``no plan within time`` (the solve stopped without a
plan), ``not computed: no time left`` (the time was used up before it could start), ``infeasible``,
``not computed: interrupted`` (a signal stopped the run, :mod:`gpec.interrupt`: the solve running is
stopped, keeping a MIP re-solve's incumbent, and none is started after it).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gpec import interrupt
from gpec.models.qvct import LEVER as QVCT
from gpec.models.training import LEVER as TRAINING
from gpec.solvers import MIN_SOLVE_S, Capability, TimeBudget, holding, provider, supports

COLUMNS = ("method", "family", "label", "funder", "bassin", "metier", "year", "unit", "value", "uncertainty",
           "eur_per_fte_year", "binding", "status", "detail")
#: Share of a funder's mean yearly envelope by which the MIP marginal re-solves move it.
DELTA_SHARE = 0.10
#: Weight of the LP relaxation (most rows, and slower than the fixed-integer LP) in sharing the time.
LP_WEIGHT = 2.0
#: ``status`` of a row whose solve could not start, and of one whose solve stopped without a plan.
NOT_COMPUTED, NO_PLAN = "not computed: no time left", "no plan within time"
#: ``status`` of a row whose solve a signal stopped or left unstarted.
INTERRUPTED = "not computed: interrupted"
#: What the backend of the shadow prices must do: LP duals (the relaxation and the fixed-integer LP), and
#: bounds changed in place (the integer decisions fixed, the envelopes moved).
NEEDS = frozenset({Capability.LP_DUALS, Capability.IN_PLACE_CHANGES})


def shadow_prices(model, x: np.ndarray, objective: float, bound: float, mip_gap: float,
                  budget: TimeBudget, backend=None) -> pd.DataFrame:
    """All three kinds for a solved ``model``: ``x`` is the plan, ``objective`` and ``bound`` its stage-1
    value and bound; the MIP re-solves stop at gap ``mip_gap``. Every solve runs within ``budget``, its
    phase recorded there: the LP relaxation first with :data:`LP_WEIGHT`, then the fixed-integer LP and
    each MIP re-solve with weight 1, each given its weight's part of the time left when it starts.
    ``backend``, the run's live solver model, is changed in place for each solve when it has what they
    need (:data:`NEEDS`: the model is not handed to a solver again); otherwise a model of the first
    backend that has is made (:func:`gpec.solvers.provider`; the run's message says so)."""
    funders = sorted(set(model.budget.budget.index.get_level_values("funder")))
    later = 1.0 + 2 * len(funders)  # the fixed-integer LP and the MIP re-solves, weight 1 each
    if backend is None or not supports(backend, *NEEDS):
        backend = prices_backend(backend)(model.lp)
    relaxation = _lp_relaxation(model, backend, budget, LP_WEIGHT / (LP_WEIGHT + later))
    fixed = _fixed_integer(model, backend, x, budget, 1 / later)
    marginals = _mip_marginals(model, backend, x, objective, bound, mip_gap, budget, funders)
    return pd.concat([relaxation, marginals, fixed], ignore_index=True).reindex(columns=list(COLUMNS))


def prices_backend(backend) -> type:
    """The backend class the shadow prices of a run on ``backend`` use: its own when it has
    :data:`NEEDS`, else the first that has (HiGHS, for OR-Tools: no LP duals)."""
    return provider(NEEDS, backend)


def _rows_frame(block, method, unit, value, binding, detail="") -> pd.DataFrame:
    frame = block.index.to_frame(index=False)
    frame.insert(0, "label", [block.label(p) for p in block.positions])
    return frame.assign(method=method, family=block.name, unit=unit, value=value, binding=binding, detail=detail)


def _lp_solve(backend, budget: TimeBudget, name: str, share: float) -> str:
    """Solve an LP within ``share`` of the time left: ``optimal``, or the row status saying why not."""
    with budget.phase(name, share) as phase:
        if interrupt.requested():
            return INTERRUPTED
        if phase.left() < MIN_SOLVE_S:
            return NOT_COMPUTED
        outcome = backend.solve(phase.left(), 0.0)
    if outcome.status != "optimal" and interrupt.requested():
        return INTERRUPTED
    return "optimal" if outcome.status == "optimal" else f"no LP optimum within time ({outcome.solver_status})"


def _unknown(frame: pd.DataFrame, status: str) -> pd.DataFrame:
    """The rows of a solve that gave no values: value NaN, binding unknown, ``status`` saying why."""
    return frame.assign(value=np.nan, eur_per_fte_year=np.nan, binding=None, status=status)


def _lp_relaxation(model, live, budget: TimeBudget, share: float) -> pd.DataFrame:
    lp = model.lp
    backend = holding(live, lp.relaxation())
    backend.set_objective(lp.objective_vector("unmet"))
    status = _lp_solve(backend, budget, "lp_relaxation", share)
    if status == "optimal":
        row_dual, col_dual = backend.duals()
        x, activity = backend.solution_values()
    else:  # the rows are still listed, with no value
        row_dual, activity = np.zeros(lp.n_rows), np.zeros(lp.n_rows)
        col_dual, x = np.zeros(lp.n_cols), np.zeros(lp.n_cols)
    arrays = lp.bounds()
    frames = []
    budget_rows = model.budget.budget
    avoided = -row_dual[budget_rows.positions] * 1000.0
    frame = _rows_frame(budget_rows, "lp_relaxation", "1000 EUR in that year", avoided,
                        activity[budget_rows.positions] >= arrays["row_upper"][budget_rows.positions] - 1e-6)
    frame["eur_per_fte_year"] = np.where(avoided > 1e-9, 1000.0 / np.maximum(avoided, 1e-12), np.nan)
    frames.append(frame)
    if model.labour_pool is not None:
        pool = model.labour_pool
        frames.append(_rows_frame(pool, "lp_relaxation", "person recruited", -row_dual[pool.positions],
                                  activity[pool.positions] >= arrays["row_upper"][pool.positions] - 1e-6))
    qvct, training = model.lever(QVCT), model.lever(TRAINING)
    if qvct is not None:
        posts = qvct.block
        frames.append(_rows_frame(posts, "lp_relaxation", "QVCT post-year", -col_dual[posts.positions], False,
                                  "unmet avoided by one more post, its cost taken from the budget"))
    if training is not None:
        places = training.block
        at_cap = x[places.positions] >= arrays["col_upper"][places.positions] - 1e-6
        value = pd.Series(np.where(at_cap, -col_dual[places.positions], 0.0), index=places.index)
        per_site = value.groupby(level=["bassin", "metier"]).sum()
        capped = pd.Series(at_cap, index=places.index).groupby(level=["bassin", "metier"]).any()
        frames.append(pd.DataFrame({
            "label": [f"training_capacity[{b}, {m}]" for b, m in per_site.index],
            "bassin": per_site.index.get_level_values(0), "metier": per_site.index.get_level_values(1),
            "method": "lp_relaxation", "family": "training_capacity", "unit": "place a year (every year)",
            "value": per_site.to_numpy(), "binding": capped.reindex(per_site.index).to_numpy()}))
    table = pd.concat(frames, ignore_index=True)
    return table.assign(status=status) if status == "optimal" else _unknown(table, status)


def _mip_marginals(model, live, x, objective: float, bound: float, mip_gap: float, budget: TimeBudget,
                   funders: list[str]) -> pd.DataFrame:
    lp = model.lp
    rows_block = model.budget.budget
    upper = lp.bounds()["row_upper"][rows_block.positions]
    funder_of = rows_block.index.get_level_values("funder")
    years = len(set(rows_block.index.get_level_values("year")))
    base_slack = abs(objective - bound) if np.isfinite(bound) else np.inf
    rows = []
    backend = holding(live, lp)
    backend.set_objective(lp.objective_vector("unmet"))
    empty = {f: not (upper[funder_of == f] > 0).any() for f in funders}
    left = sum(1 if empty[f] else 2 for f in funders)
    for funder in funders:
        mine = funder_of == funder
        delta = max(1000.0, round(DELTA_SHARE * float(upper[mine].mean()), -3))
        for sign in ((+1,) if empty[funder] else (+1, -1)):  # an envelope of 0 cannot be lowered
            moved = np.where(mine, np.maximum(upper + sign * delta, 0.0), upper)
            label = f"{'+' if sign > 0 else '-'}{delta:,.0f} EUR a year"
            row = {"method": "mip_marginal", "family": "budget", "label": f"budget[{funder}, all years]",
                   "funder": funder, "unit": "1000 EUR over the horizon", "value": np.nan,
                   "eur_per_fte_year": np.nan, "binding": None}
            with budget.phase(f"mip_marginal {funder} {label[0]}", 1 / left) as phase:
                left -= 1
                if interrupt.requested() or phase.left() < getattr(backend, "least_seconds", MIN_SOLVE_S):
                    why = INTERRUPTED if interrupt.requested() else NOT_COMPUTED  # (its root LP, at least)
                    rows.append({**row, "status": why, "detail": f"{label}: {why}"})
                    continue
                backend.change_row_bounds(rows_block.positions, np.full(rows_block.size, -np.inf), moved)
                if supports(backend, Capability.WARM_START):
                    backend.set_start(x)
                outcome = backend.solve(phase.left(), mip_gap)
            if outcome.x is None:
                status = ("infeasible" if outcome.status == "infeasible" else
                          INTERRUPTED if interrupt.requested() else NO_PLAN)
                given = "" if status != NO_PLAN else f", {phase.limit_s:.1f} s given"
                rows.append({**row, "status": status, "detail": f"{label}: {status} ({outcome.solver_status}{given})"})
                continue
            change = objective - outcome.objective  # FTE-years avoided by +delta (negative for -delta)
            slack = base_slack + abs(outcome.objective - outcome.bound)
            value = change / (sign * delta * years / 1000.0)
            rows.append({**row, "value": value, "uncertainty": slack / (delta * years / 1000.0),
                         "eur_per_fte_year": 1000.0 / value if value > 1e-9 else np.nan,
                         "binding": bool(abs(change) > slack), "status": outcome.status,
                         "detail": f"{label}: {outcome.objective:,.2f} FTE-years ({outcome.status}, gap "
                                   f"{outcome.gap:.1e}) vs {objective:,.2f}"
                                   f"{'' if abs(change) > slack else '; within_gap: not significant'}"})
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _fixed_integer(model, live, x: np.ndarray, budget: TimeBudget, share: float) -> pd.DataFrame:
    lp = model.lp
    integer = lp.bounds()["integer"]
    backend = holding(live, lp.relaxation())
    fixed = np.flatnonzero(integer)
    values = np.round(x[fixed])
    backend.change_col_bounds(fixed, values, values)
    backend.set_objective(lp.objective_vector("unmet"))
    status = _lp_solve(backend, budget, "fixed_integer_lp", share)
    row_dual = backend.duals()[0] if status == "optimal" else np.zeros(lp.n_rows)
    balance, need = model.workforce.balance, model.workforce.need
    table = pd.concat([
        _rows_frame(balance, "fixed_integer_lp", "FTE entering", -row_dual[balance.positions],
                    np.abs(row_dual[balance.positions]) > 1e-9),
        _rows_frame(need, "fixed_integer_lp", "FTE of need less", row_dual[need.positions],
                    np.abs(row_dual[need.positions]) > 1e-9),
    ], ignore_index=True)
    return table.assign(status=status) if status == "optimal" else _unknown(table, status)
