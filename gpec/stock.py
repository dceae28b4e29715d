r"""The stock recursion of a territory without the model: the existing system plus given inflows.

:math:`S_{t_0} = S^{base}_{t_0}`, then :math:`S_t = (1 - r_m - e_m) S_{t-1} + I^{base}_t + F_t` for every
bassin and métier (``baseline.csv``, ``retire_rate``, ``exit_rate``; :math:`F` the inflows given, e.g. what
the decisions of a plan deliver). The independent check (:mod:`gpec.evaluate`) recomputes a plan's stock
with it, and the reports (:mod:`gpec.report`) compare a plan with the existing system alone
(:func:`baseline_stock`); neither needs the model builder or a solver.
"""

from __future__ import annotations

import pandas as pd

KEY = ["bassin", "metier", "year"]


def stock_path(instance, horizon: tuple[int, int], inflows: pd.DataFrame) -> pd.Series:
    """Stock over ``horizon`` (first, last), by (bassin, metier, year), with ``inflows`` (columns bassin,
    metier, year, fte) added to the baseline inflow of their year."""
    first, last = horizon
    cells = pd.MultiIndex.from_product([instance.bassins["bassin"], instance.metiers["metier"]],
                                       names=["bassin", "metier"])
    base = instance.baseline()
    survive = 1 - instance.param_by_metier("retire_rate") - instance.param_by_metier("exit_rate")
    s_m = cells.get_level_values("metier").map(survive).to_numpy(float)
    delivered = inflows.groupby(["year", "bassin", "metier"])["fte"].sum() if len(inflows) else pd.Series(dtype=float)
    current = base.xs(first, level="year")["stock_fte"].reindex(cells).to_numpy(float)
    stock = {first: current}
    for year in range(first + 1, last + 1):
        b = base.xs(year, level="year").reindex(cells)
        lever_in = (delivered.xs(year, level="year").reindex(cells).fillna(0.0).to_numpy()
                    if year in delivered.index.get_level_values(0) else 0.0)
        current = s_m * current + (b["school_output_fte"] + b["ordinary_hiring_fte"]).to_numpy(float) + lever_in
        stock[year] = current
    stock = pd.concat({y: pd.Series(v, index=cells) for y, v in stock.items()}, names=["year"])
    return stock.reorder_levels(KEY).sort_index()


def baseline_stock(instance, horizon: tuple[int, int]) -> pd.Series:
    """Stock without any lever (the calibrated existing system under the instance's parameters), indexed by
    (bassin, metier, year)."""
    return stock_path(instance, horizon, pd.DataFrame(columns=KEY + ["fte"]))
