"""What a lever module hands to the rest of the model: its decisions, effects and costs."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gpec.models.linear import Block

_EMPTY_EFFECT = ("bassin", "metier", "year", "col", "fte", "flow", "reservoir", "kind")
_EMPTY_DRAWS = ("bassin", "year", "col", "people")


def _empty(columns) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=float if c in ("fte", "people") else
                                      (int if c in ("year", "col") else object)) for c in columns})


def empty_effects() -> pd.DataFrame:
    return _empty(_EMPTY_EFFECT)


def empty_draws() -> pd.DataFrame:
    return _empty(_EMPTY_DRAWS)


def effects(bassin, metier, year, col, fte, flow, reservoir, kind: str) -> pd.DataFrame:
    """An effect table (see :class:`LeverTerms`); every argument is a column (arrays or Series of one
    length, or scalars broadcast); ``kind`` is one of :data:`gpec.schema.FLOW_KINDS`."""
    frame = pd.DataFrame({"bassin": bassin, "metier": metier, "year": year, "col": col, "fte": fte})
    return frame.assign(flow=flow, reservoir=reservoir, kind=kind)


@dataclass(frozen=True)
class LeverTerms:
    """A lever's decisions and how they enter the stock balance, the need rows and the budget.

    Attributes
    ----------
    lever : str
        Lever name as in ``levers.csv``.
    block : Block
        The decisions a planner funds (units), indexed by (bassin, [metier,] [pathway,] year); integer
        but for pathways whose places are whole in the territory (see :mod:`gpec.models.transitions`).
    lags : ndarray
        Years from a decision to its first effect, one per column of ``block``.
    inflows : DataFrame
        ``bassin, metier, year, col, fte, flow, reservoir, kind``: FTE added to the stock of (bassin,
        metier, year) per unit of column ``col`` (graduates, completed apprentices, staff retained, extra
        hires, staff promoted: negative for the métier they leave), with the flow's name, reservoir
        (:data:`gpec.schema.RESERVOIRS`) and kind (:data:`gpec.schema.FLOW_KINDS`).
    costs : DataFrame
        ``year, col, eur``: euros charged to the budget in ``year`` per unit of column ``col`` (a column of
        ``block``, or another column of the lever whose value sets the spending, e.g. the whole places a
        pathway buys in the territory).
    cover : DataFrame
        Same columns as ``inflows``: need of (bassin, metier, year) covered per unit of ``col`` without
        being stock (intermittent pools).
    draws : DataFrame
        ``bassin, year, col, people``: people recruited from the local labour pool of (bassin, year) per
        unit of ``col`` (recruitment-type levers only; see :mod:`gpec.models.labour_pool`).
    details : dict
        Other blocks a planner reads (structure coverage, pool flows), by output name.
    unit_eur : ndarray or None
        Euros one unit of each column of ``block`` costs over its duration, where ``costs`` is not charged
        to ``block`` itself; ``None``: summed from ``costs``.
    metier : str
        The métier of decisions whose index has no métier level (``adv`` for vehicles; empty for posts
        that serve every métier).
    """

    lever: str
    block: Block
    lags: np.ndarray
    inflows: pd.DataFrame
    costs: pd.DataFrame
    cover: pd.DataFrame = field(default_factory=empty_effects)
    draws: pd.DataFrame = field(default_factory=empty_draws)
    details: dict[str, Block] = field(default_factory=dict)
    metier: str = ""
    unit_eur: np.ndarray | None = None

    def cost_per_unit(self) -> np.ndarray:
        """Euros one unit of each column of ``block`` costs over its duration."""
        if self.unit_eur is not None:
            return self.unit_eur
        return self.costs.groupby("col")["eur"].sum().reindex(self.block.positions).fillna(0.0).to_numpy()


def start_years(first: int, last: int, lag: int, end: int) -> np.ndarray:
    """Years a lever of duration ``lag`` can start in: the decision years ``first..last`` whose units
    deliver by the last model year ``end`` (the horizon and its tail, see :mod:`gpec.models.workforce`);
    units that would deliver later are not modelled (no column that cannot matter).
    """
    return np.arange(first, min(last, end - lag) + 1)


def duration_years(starts: np.ndarray, lags: np.ndarray) -> np.ndarray:
    """Every year of each duration: ``start, start + 1, ..., start + lag - 1``, the units one after another."""
    reps = np.asarray(lags, int)
    if not reps.sum():
        return np.zeros(0, int)
    return np.repeat(np.asarray(starts, int), reps) + np.concatenate([np.arange(k) for k in reps])


def yearly_costs(block: Block, starts: np.ndarray, lags: np.ndarray, eur_per_year: np.ndarray) -> pd.DataFrame:
    """Cost rows for units that are paid every year of their duration (``lag`` years from the start)."""
    reps = lags.astype(int)
    return pd.DataFrame({"year": duration_years(starts, reps), "col": np.repeat(block.positions, reps),
                         "eur": np.repeat(eur_per_year, reps)})


def decision_grid(capacity: pd.DataFrame, cap_column: str, lag: pd.Series, horizon: tuple[int, int],
                  end: int) -> pd.DataFrame:
    """One row per (bassin, metier, start year) a lever can be bought in, with its yearly cap and lag.

    Rows with no capacity or a métier without a training route (``lag`` < 1) get no column.
    """
    first, last = horizon
    cap = capacity[(capacity[cap_column] > 0) & (capacity["metier"].map(lag).fillna(0) >= 1)]
    frames = [
        pd.DataFrame({"bassin": r.bassin, "metier": r.metier, "year": start_years(first, last, int(lag[r.metier]), end),
                      "cap": float(getattr(r, cap_column)), "lag": int(lag[r.metier])})
        for r in cap.itertuples(index=False)
    ]
    columns = {"bassin": object, "metier": object, "year": int, "cap": float, "lag": int}
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})
    return pd.concat(frames, ignore_index=True).astype(columns)


def grid_index(grid: pd.DataFrame, levels=("bassin", "metier", "year")) -> pd.MultiIndex:
    if grid.empty:
        return pd.MultiIndex.from_arrays([[] for _ in levels], names=list(levels))
    return pd.MultiIndex.from_frame(grid[list(levels)])
