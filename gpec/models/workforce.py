r"""Stock-and-flow core: staff in post, departures, baseline inflows, lever inflows, unmet need.

For every bassin :math:`b`, métier :math:`m` and model year :math:`t = t_0..T + \Theta`:

.. math::

    S_{b,m,t_0} &= S^{base}_{b,m,t_0} \\
    S_{b,m,t} &= (1 - r_m - e_m)\, S_{b,m,t-1} + I^{base}_{b,m,t} + \sum_{\ell} F^{\ell}_{b,m,t}
        \qquad t > t_0 \quad \text{(stock\_balance)} \\
    S_{b,m,t} + \sum_{\ell} W^{\ell}_{b,m,t} + U_{b,m,t} &\ge D_{b,m,t} \quad \text{(need)},
        \qquad S, U \ge 0

where :math:`F^{\ell}` is the flow lever :math:`\ell` brings (graduates, completed apprentices, staff
retained, extra hires, entries from other sectors; for pathways between métiers, staff leaving the
source métier, negative, and arriving in the target one: see :mod:`gpec.models.pathways`; each lever
module gives its own terms), :math:`W^{\ell}` need covered
without being stock (intermittent pools), and :math:`I^{base}` the calibrated inflow of the existing system
(school output + ordinary hiring, ``baseline.csv``). With no lever, :math:`S = S^{base}` exactly.

Decisions are taken in the horizon :math:`t_0..T`; the model runs on over :math:`\Theta` tail years
(``tail``: by default the longest lag of the levers switched on, so that a decision of the last year
delivers inside the model) in which nothing new is decided but stocks, departures and unmet need go on
and courses started in the horizon are paid. The objective, weighted unmet need

.. math::  z_1 = \sum_{b,m} \sum_{t=t_0}^{T+\Theta} w_m\, U_{b,m,t}

counts the tail years, so a decision is valued for what it delivers after the horizon too (no
end-of-horizon artefact such as a last year spent on the only lever that still delivers in time).

Glossary: :math:`S` stock (FTE in post); :math:`U` unmet need (FTE); :math:`D` need (``need.csv``);
:math:`r_m` ``retire_rate``; :math:`e_m` ``exit_rate`` (exits from the métier in the territory, not
employer turnover); :math:`S^{base}, I^{base}` ``baseline.csv``; :math:`w_m` ``unmet_weight``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from gpec.models.linear import Block, LinearModel, row_positions


@dataclass(frozen=True)
class WorkforceBlocks:
    """Stock and unmet-need columns, then (once the levers are known) the balance and need rows."""

    stock: Block
    unmet: Block
    need_fte: np.ndarray
    #: last model year: the last decision year plus the tail
    end: int
    balance: Block | None = None
    need: Block | None = None

    def tighten(self, x: np.ndarray, cover: np.ndarray | None = None) -> np.ndarray:
        """A copy of ``x`` with unmet need set to exactly max(0, need - stock - pool cover).

        Later lexicographic stages only cap the weighted sum of unmet need, so a solver may return
        unmet columns above the shortfall; tightening keeps every row satisfied and makes the reported
        unmet need (and stage-1 objective) that of the plan itself.
        """
        x = x.copy()
        covered = 0.0 if cover is None else cover
        x[self.unmet.positions] = np.maximum(0.0, self.need_fte - x[self.stock.positions] - covered)
        return x


def add_workforce_columns(lp: LinearModel, instance, horizon: tuple[int, int], end: int) -> WorkforceBlocks:
    """Stock and unmet-need columns over bassin x metier x model year (``horizon[0]..end``); the first
    year's stock is fixed."""
    first, _ = horizon
    years = np.arange(first, end + 1)
    bassins, metiers = instance.bassins["bassin"], instance.metiers["metier"]
    index = pd.MultiIndex.from_product([bassins, metiers, years], names=["bassin", "metier", "year"])
    base = instance.baseline()["stock_fte"].reindex(index).to_numpy()
    is_first = index.get_level_values("year") == first
    stock = lp.add_variables("stock", index, np.where(is_first, base, 0.0), np.where(is_first, base, np.inf))
    unmet = lp.add_variables("unmet", index, 0.0, np.inf)
    return WorkforceBlocks(stock, unmet, instance.need().reindex(index).to_numpy(), end)


def add_workforce_rows(lp: LinearModel, instance, horizon: tuple[int, int], wf: WorkforceBlocks,
                       inflows: list[pd.DataFrame], cover: list[pd.DataFrame]) -> WorkforceBlocks:
    """Stock balance and need rows over the model years, with the levers' ``inflows`` and ``cover`` terms
    (one effect table per lever, :class:`gpec.models.levers.LeverTerms`)."""
    first, last = horizon[0], wf.end
    index = wf.stock.index
    is_first = index.get_level_values("year") == first
    base = instance.baseline().reindex(index)

    later = index[~is_first]
    survive = 1 - instance.param_by_metier("retire_rate") - instance.param_by_metier("exit_rate")
    rows = np.arange(len(later))
    prev = pd.MultiIndex.from_arrays([later.get_level_values(0), later.get_level_values(1),
                                      later.get_level_values(2) - 1])
    terms = [
        (rows, wf.stock.locate(later), 1.0),
        (rows, wf.stock.locate(prev), -later.get_level_values("metier").map(survive).to_numpy(float)),
    ]
    for effects in inflows:
        flows = effects[effects["year"].between(first + 1, last)]
        terms.append((row_positions(later, flows, ["bassin", "metier", "year"]), flows["col"].to_numpy(),
                      -flows["fte"].to_numpy()))
    inflow_base = (base["school_output_fte"] + base["ordinary_hiring_fte"]).to_numpy()[~is_first]
    balance = lp.add_constraints("stock_balance", later, terms, inflow_base, inflow_base)

    all_rows = np.arange(len(index))
    need_terms = [(all_rows, wf.stock.positions, 1.0), (all_rows, wf.unmet.positions, 1.0)]
    need_terms += [(row_positions(index, c, ["bassin", "metier", "year"]), c["col"].to_numpy(), c["fte"].to_numpy())
                   for c in cover]
    need_rows = lp.add_constraints("need", index, need_terms, lower=wf.need_fte)
    weight = index.get_level_values("metier").map(instance.param_by_metier("unmet_weight")).to_numpy(float)
    lp.add_objective("unmet", wf.unmet.positions, weight)
    return replace(wf, balance=balance, need=need_rows)
