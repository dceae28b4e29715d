r"""Stock-and-flow core: staff in post, departures, baseline inflows, lever inflows, unmet need.

For every bassin :math:`b`, métier :math:`m` and model year :math:`t = t_0..T`:

.. math::

    S_{b,m,t_0} &= S^{base}_{b,m,t_0} \\
    S_{b,m,t} &= (1 - r_m - e_m)\, S_{b,m,t-1} + I^{base}_{b,m,t} + \sum_{\ell} F^{\ell}_{b,m,t}
        \qquad t > t_0 \quad \text{(stock\_balance)} \\
    S_{b,m,t} + U_{b,m,t} &\ge D_{b,m,t} \quad \text{(need)}, \qquad S, U \ge 0

where :math:`F^{\ell}` is the inflow delivered by lever :math:`\ell` (graduates, completed apprentices;
each lever module gives its own terms), and :math:`I^{base}` the calibrated inflow of the existing system
(school output + ordinary hiring, ``baseline.csv``). With no lever, :math:`S = S^{base}` exactly.

Glossary: :math:`S` stock (FTE in post); :math:`U` unmet need (FTE); :math:`D` need (``need.csv``);
:math:`r_m` ``retire_rate``; :math:`e_m` ``exit_rate`` (exits from the métier in the territory, not
employer turnover); :math:`S^{base}, I^{base}` ``baseline.csv``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from gpec.models.linear import Block, LinearModel


@dataclass(frozen=True)
class WorkforceBlocks:
    stock: Block
    unmet: Block
    balance: Block
    need: Block
    need_fte: np.ndarray

    def tighten(self, x: np.ndarray) -> np.ndarray:
        """A copy of ``x`` with unmet need set to exactly max(0, need - stock).

        Later lexicographic stages only cap the weighted sum of unmet need, so a solver may return
        unmet columns above the shortfall; tightening keeps every row satisfied and makes the reported
        unmet need (and stage-1 objective) that of the plan itself.
        """
        x = x.copy()
        stock = x[self.stock.positions]
        x[self.unmet.positions] = np.maximum(0.0, self.need_fte - stock)
        return x


def add_workforce(lp: LinearModel, instance, horizon: tuple[int, int], inflows: pd.DataFrame) -> WorkforceBlocks:
    """Stock, unmet-need columns and the balance and need rows; ``inflows`` from the lever modules."""
    first, last = horizon
    years = np.arange(first, last + 1)
    bassins, metiers = instance.bassins["bassin"], instance.metiers["metier"]
    index = pd.MultiIndex.from_product([bassins, metiers, years], names=["bassin", "metier", "year"])
    base = instance.baseline().reindex(index)
    need = instance.need().reindex(index).to_numpy()
    is_first = index.get_level_values("year") == first

    lower = np.where(is_first, base["stock_fte"].to_numpy(), 0.0)
    upper = np.where(is_first, base["stock_fte"].to_numpy(), np.inf)
    stock = lp.add_variables("stock", index, lower, upper)
    unmet = lp.add_variables("unmet", index, 0.0, np.inf)

    later = index[~is_first]
    survive = 1 - instance.param_by_metier("retire_rate") - instance.param_by_metier("exit_rate")
    rows = np.arange(len(later))
    prev = pd.MultiIndex.from_arrays([later.get_level_values(0), later.get_level_values(1),
                                      later.get_level_values(2) - 1])
    terms = [
        (rows, stock.locate(later), 1.0),
        (rows, stock.locate(prev), -later.get_level_values("metier").map(survive).to_numpy(float)),
    ]
    if len(inflows):
        flows = inflows[inflows["year"].between(first + 1, last)]
        r = later.get_indexer(pd.MultiIndex.from_frame(flows[["bassin", "metier", "year"]]))
        if (r < 0).any():
            raise KeyError("lever inflow into an unknown (bassin, metier, year)")
        terms.append((r, flows["col"].to_numpy(), -flows["fte"].to_numpy()))
    inflow_base = (base["school_output_fte"] + base["ordinary_hiring_fte"]).to_numpy()[~is_first]
    balance = lp.add_constraints("stock_balance", later, terms, inflow_base, inflow_base)

    all_rows = np.arange(len(index))
    need_rows = lp.add_constraints("need", index, [(all_rows, stock.positions, 1.0), (all_rows, unmet.positions, 1.0)],
                                   lower=need)
    weight = index.get_level_values("metier").map(instance.param_by_metier("unmet_weight")).to_numpy(float)
    lp.add_objective("unmet", unmet.positions, weight)
    return WorkforceBlocks(stock, unmet, balance, need_rows, need)
