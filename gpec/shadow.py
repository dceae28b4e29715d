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
  :math:`\delta` (10 % of its mean envelope) in every year: :math:`(z(B) - z(B \pm \delta)) /
  (\pm \delta\, T / 1000)`, per 1,000 EUR over the horizon. Only these respect whole units; a
  difference smaller than the two solves' gaps added is flagged ``within_gap`` (not significant).
* ``fixed_integer_lp``: the integer decisions fixed at the plan, the LP re-solved: duals of the rows
  with continuous variables only, ``stock_balance`` (one more FTE entering that bassin, métier and year)
  and ``need`` (one FTE less needed). Budget rows hold integer decisions only, so their duals here are 0
  and are not reported.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gpec.solvers.highs import HighsBackend

COLUMNS = ("method", "family", "label", "funder", "bassin", "metier", "year", "unit", "value", "eur_per_fte_year",
           "binding", "detail")
#: Share of a funder's mean yearly envelope by which the MIP marginal re-solves move it.
DELTA_SHARE = 0.10


def shadow_prices(model, x: np.ndarray, objective: float, bound: float, mip_gap: float,
                  time_limit: float) -> pd.DataFrame:
    """All three kinds for a solved ``model``: ``x`` is the plan, ``objective`` and ``bound`` its stage-1
    value and bound; each MIP re-solve gets ``time_limit`` seconds and gap ``mip_gap``."""
    frames = [_lp_relaxation(model), _mip_marginals(model, x, objective, bound, mip_gap, time_limit),
              _fixed_integer(model, x)]
    table = pd.concat([f for f in frames if len(f)], ignore_index=True) if any(len(f) for f in frames) else None
    if table is None:
        return pd.DataFrame(columns=list(COLUMNS))
    return table.reindex(columns=list(COLUMNS))


def _rows_frame(block, method, unit, value, binding, detail="") -> pd.DataFrame:
    frame = block.index.to_frame(index=False)
    frame.insert(0, "label", [block.label(p) for p in block.positions])
    return frame.assign(method=method, family=block.name, unit=unit, value=value, binding=binding, detail=detail)


def _lp_relaxation(model) -> pd.DataFrame:
    lp = model.lp
    backend = HighsBackend(lp, relax=True)
    backend.set_objective(lp.objective_vector("unmet"))
    if backend.solve(60.0, 0.0).status != "optimal":
        return pd.DataFrame(columns=list(COLUMNS))
    row_dual, col_dual = backend.duals()
    activity = np.asarray(backend.h.getSolution().row_value, float)
    arrays = lp.to_arrays()
    frames = []
    budget = lp.rows["budget"]
    avoided = -row_dual[budget.positions] * 1000.0
    frame = _rows_frame(budget, "lp_relaxation", "1000 EUR in that year", avoided,
                        activity[budget.positions] >= arrays["row_upper"][budget.positions] - 1e-6)
    frame["eur_per_fte_year"] = np.where(avoided > 1e-9, 1000.0 / np.maximum(avoided, 1e-12), np.nan)
    frames.append(frame)
    if "labour_pool" in lp.rows:
        pool = lp.rows["labour_pool"]
        frames.append(_rows_frame(pool, "lp_relaxation", "person recruited", -row_dual[pool.positions],
                                  activity[pool.positions] >= arrays["row_upper"][pool.positions] - 1e-6))
    if "qvct_posts" in lp.columns:
        posts = lp.columns["qvct_posts"]
        frames.append(_rows_frame(posts, "lp_relaxation", "QVCT post-year", -col_dual[posts.positions], False,
                                  "unmet avoided by one more post, its cost taken from the budget"))
    if "training_places" in lp.columns:
        places = lp.columns["training_places"]
        x = np.asarray(backend.h.getSolution().col_value, float)[places.positions]
        at_cap = x >= arrays["col_upper"][places.positions] - 1e-6
        value = pd.Series(np.where(at_cap, -col_dual[places.positions], 0.0), index=places.index)
        per_site = value.groupby(level=["bassin", "metier"]).sum()
        capped = pd.Series(at_cap, index=places.index).groupby(level=["bassin", "metier"]).any()
        frames.append(pd.DataFrame({
            "label": [f"training_capacity[{b}, {m}]" for b, m in per_site.index],
            "bassin": per_site.index.get_level_values(0), "metier": per_site.index.get_level_values(1),
            "method": "lp_relaxation", "family": "training_capacity", "unit": "place a year (every year)",
            "value": per_site.to_numpy(), "binding": capped.reindex(per_site.index).to_numpy()}))
    return pd.concat(frames, ignore_index=True)


def _mip_marginals(model, x, objective: float, bound: float, mip_gap: float, time_limit: float) -> pd.DataFrame:
    lp = model.lp
    budget = lp.rows["budget"]
    upper = lp.to_arrays()["row_upper"][budget.positions]
    funders = budget.index.get_level_values("funder")
    years = len(set(budget.index.get_level_values("year")))
    base_slack = abs(objective - bound) if np.isfinite(bound) else np.inf
    rows = []
    backend = HighsBackend(lp)
    backend.set_objective(lp.objective_vector("unmet"))
    for funder in sorted(set(funders)):
        mine = funders == funder
        delta = max(1000.0, round(DELTA_SHARE * float(upper[mine].mean()), -3))
        for sign in (+1, -1):
            moved = np.where(mine, np.maximum(upper + sign * delta, 0.0), upper)
            backend.change_row_bounds(budget.positions, np.full(budget.size, -np.inf), moved)
            backend.set_start(x)
            outcome = backend.solve(time_limit, mip_gap)
            if outcome.x is None:
                continue
            change = objective - outcome.objective  # FTE-years avoided by +delta (negative for -delta)
            slack = base_slack + abs(outcome.objective - outcome.bound)
            value = change / (sign * delta * years / 1000.0)
            rows.append({"method": "mip_marginal", "family": "budget", "label": f"budget[{funder}, all years]",
                         "funder": funder, "unit": "1000 EUR over the horizon", "value": value,
                         "eur_per_fte_year": 1000.0 / value if value > 1e-9 else np.nan,
                         "binding": bool(abs(change) > slack),
                         "detail": f"{'+' if sign > 0 else '-'}{delta:,.0f} EUR a year: {outcome.objective:,.2f} "
                                   f"FTE-years ({outcome.status}, gap {outcome.gap:.1e}) vs {objective:,.2f}"
                                   f"{'' if abs(change) > slack else '; within_gap: not significant'}"})
        backend.change_row_bounds(budget.positions, np.full(budget.size, -np.inf), upper)
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _fixed_integer(model, x: np.ndarray) -> pd.DataFrame:
    lp = model.lp
    integer = lp.to_arrays()["integer"]
    backend = HighsBackend(lp, relax=True)
    fixed = np.flatnonzero(integer)
    values = np.round(x[fixed])
    backend.change_col_bounds(fixed, values, values)
    backend.set_objective(lp.objective_vector("unmet"))
    if backend.solve(60.0, 0.0).status != "optimal":
        return pd.DataFrame(columns=list(COLUMNS))
    row_dual, _ = backend.duals()
    balance, need = model.workforce.balance, model.workforce.need
    return pd.concat([
        _rows_frame(balance, "fixed_integer_lp", "FTE entering", -row_dual[balance.positions],
                    np.abs(row_dual[balance.positions]) > 1e-9),
        _rows_frame(need, "fixed_integer_lp", "FTE of need less", row_dual[need.positions],
                    np.abs(row_dual[need.positions]) > 1e-9),
    ], ignore_index=True)
