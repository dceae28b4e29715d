"""What a lever module hands to the rest of the model: its decisions, effects and costs."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from gpec.instance import NO_ZONE
from gpec.models.linear import Block, LinearModel, row_positions

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
    length, or scalars broadcast); ``kind`` is one of :data:`gpec.schema.FLOW_KINDS`. A label given once
    for every row is stored as a categorical of that one label (no string per row)."""
    frame = pd.DataFrame({"bassin": bassin, "metier": metier, "year": year, "col": col, "fte": fte})
    for name, value in (("flow", flow), ("reservoir", reservoir), ("kind", kind)):
        frame[name] = pd.Categorical.from_codes(np.zeros(len(frame), np.int8), [value]) if np.ndim(value) == 0 else value
    return frame


@dataclass(frozen=True)
class LeverTerms:
    """A lever's decisions and how they enter the stock balance, the need rows and the budget (a lever with
    other blocks a planner reads hands them over as attributes of a subclass: ``QvctTerms.coverage``,
    ``PoolTerms.flows``, ``PathwayTerms.places``).

    Attributes
    ----------
    lever : str
        Lever name as in ``levers.csv``.
    block : Block
        The decisions a planner funds (units), indexed by (bassin, [metier,] [pathway,] year); integer
        but for pathways whose places are whole in the territory (see :mod:`gpec.models.pathways`).
    lags : ndarray
        Years from a decision to its first effect, one per column of ``block``.
    inflows : DataFrame
        ``bassin, metier, year, col, fte, flow, reservoir, kind``: FTE added to the stock of (bassin,
        metier, year) per unit of column ``col`` (graduates, completed apprentices, staff retained, extra
        hires, staff promoted: negative for the métier they leave), with the flow's name, reservoir
        (:data:`gpec.schema.RESERVOIRS`) and kind (:data:`gpec.schema.FLOW_KINDS`).
    costs : DataFrame
        ``year, col, eur, zone``: euros charged to the budget in ``year`` per unit of column ``col`` (a column
        of ``block``, or another column of the lever whose value sets the spending, e.g. the whole places a
        pathway buys in a zone), in ``zone``, that of the bassin the decision is located in
        (:func:`bassin_zones`; a training site's, a pool's base): only funders that may pay in that zone pay
        for it (:mod:`gpec.models.budget`).
    cover : DataFrame
        Same columns as ``inflows``: need of (bassin, metier, year) covered per unit of ``col`` without
        being stock (intermittent pools).
    draws : DataFrame
        ``bassin, year, col, people``: people recruited from the local labour pool of (bassin, year) per
        unit of ``col`` (recruitment-type levers only; see :mod:`gpec.models.labour_pool`).
    unit_eur : ndarray or None
        Euros one unit of each column of ``block`` costs over its duration, where ``costs`` is not charged
        to ``block`` itself; ``None``: summed from ``costs``.
    totals : Block or None
        Whole totals of ``block`` (:func:`whole_totals`) when ``block`` is their continuous split, to be
        made whole in every bassin (:mod:`gpec.rounding`).
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
    metier: str = ""
    unit_eur: np.ndarray | None = None
    totals: Block | None = None

    def cost_per_unit(self) -> np.ndarray:
        """Euros one unit of each column of ``block`` costs over its duration."""
        if self.unit_eur is not None:
            return self.unit_eur
        return self.costs.groupby("col")["eur"].sum().reindex(self.block.positions).fillna(0.0).to_numpy()


@dataclass(frozen=True)
class ResultTable:
    """A table of :class:`gpec.results.Result` that a lever makes from its own blocks, beside its decisions.

    Attributes
    ----------
    name : str
        The Result attribute (``coverage``, ``pool_flows``, ``pathway_places``).
    file : str
        The CSV file of the run it is written to.
    columns : tuple of str
        Its columns, in output order.
    make : callable
        ``make(terms, instance, x)``: the table of the lever whose :class:`LeverTerms` are ``terms`` in
        solution ``x``, or ``None`` when it has none (the tables of several levers are concatenated).
    attribute : callable or None
        ``attribute(decisions, table)``: what the table adds to the lever's own rows of the decision table
        (FTE a post retains, need a pool covers and its travel), in place.
    """

    name: str
    file: str
    columns: tuple[str, ...]
    make: Callable[..., pd.DataFrame | None]
    attribute: Callable[[pd.DataFrame, pd.DataFrame], None] | None = None


@dataclass(frozen=True)
class LeverSpec:
    """A lever as its module declares it once (:mod:`gpec.models.registry` collects them).

    Which bodies may pay for a lever is data (``levers.csv``), and every lever pays in the zone of the
    bassin its decision is located in (:mod:`gpec.models.budget`), so neither is declared here.

    Attributes
    ----------
    name : str
        The lever's name, one of :data:`gpec.lever_names.LEVERS` (``levers.csv``, ``--lever-off``, the tables).
    build : callable
        ``build(lp, instance, horizon, workforce) -> LeverTerms``: adds its decisions to the model.
    lag : callable
        ``lag(instance, name)``: years from a decision to its last effect (:func:`gpec.models.longest_lag`).
    decisions_file : str
        The file of the run with its rows of the decision table.
    decisions_columns : tuple of str
        The columns of ``decisions_file``.
    tables : tuple of ResultTable
        The other tables of the Result it makes.
    mapped : bool
        Whether a map shows it (:data:`gpec.geo.maps.LEVER_MAPS`).
    bound_phrase : str
        What the upper bound of its decisions means to a planner (an IIS, :mod:`gpec.diagnose`); empty:
        the name of its block.
    """

    name: str
    build: Callable[..., LeverTerms]
    lag: Callable[[object, str], int]
    decisions_file: str
    decisions_columns: tuple[str, ...]
    tables: tuple[ResultTable, ...] = ()
    mapped: bool = True
    bound_phrase: str = ""

    @property
    def formulation(self) -> str:
        """The lever's formulation: the docstring of the module that builds it."""
        return sys.modules[self.build.__module__].__doc__ or ""


def course_lag(instance, lever: str) -> int:
    """The longest course of the métiers (``training_years``): a place or a contract delivers when it ends."""
    return int(instance.param_by_metier("training_years").max())


def next_year_lag(instance, lever: str) -> int:
    """One year: a post or a vehicle of year t acts on the stock of t + 1."""
    return 1


def same_year_lag(instance, lever: str) -> int:
    """No lag: the decision acts in its own year (a pool covers need the year it works)."""
    return 0


def bassin_zones(instance, bassins) -> np.ndarray:
    """The zone of each of ``bassins`` (:meth:`gpec.instance.Instance.bassin_zones`: its département, or
    :data:`gpec.instance.NO_ZONE` when funders have no territory)."""
    zones = instance.bassin_zones()
    if zones is None:
        return np.full(len(bassins), NO_ZONE, dtype=object)
    return zones.reindex(np.asarray(bassins, dtype=object)).to_numpy(object)


def start_rows(earliest, last: int, lags, end: int) -> tuple[np.ndarray, np.ndarray]:
    """The years each of some rows (earliest start year ``earliest``, duration ``lags``) can start in:
    ``earliest..last`` as long as its units deliver by the last model year ``end`` (the horizon and its
    tail, see :mod:`gpec.models.workforce`; units that would deliver later are not modelled: no column
    that cannot matter). Returns each row's position once per start year, and the years, rows one after
    another."""
    earliest, lags = np.asarray(earliest, int), np.asarray(lags, int)
    counts = np.maximum(0, np.minimum(last, end - lags) - earliest + 1)
    rows = np.repeat(np.arange(len(counts)), counts)
    return rows, earliest[rows] + np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)


def duration_years(starts: np.ndarray, lags: np.ndarray) -> np.ndarray:
    """Every year of each duration: ``start, start + 1, ..., start + lag - 1``, the units one after another."""
    reps = np.asarray(lags, int)
    return np.repeat(np.asarray(starts, int), reps) + np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)


def yearly_costs(block: Block, starts: np.ndarray, lags: np.ndarray, eur_per_year: np.ndarray,
                 zones: np.ndarray) -> pd.DataFrame:
    """Cost rows for units that are paid every year of their duration (``lag`` years from the start), in
    the zone of each column (:func:`bassin_zones`)."""
    reps = lags.astype(int)
    return pd.DataFrame({"year": duration_years(starts, reps), "col": np.repeat(block.positions, reps),
                         "eur": np.repeat(eur_per_year, reps), "zone": np.repeat(np.asarray(zones, object), reps)})


def decision_grid(capacity: pd.DataFrame, cap_column: str, lag: pd.Series, horizon: tuple[int, int],
                  end: int) -> pd.DataFrame:
    """One row per (bassin, metier, start year) a lever can be bought in, with its yearly cap and lag.

    Rows with no capacity or a métier without a training route (``lag`` < 1) get no column.
    """
    first, last = horizon
    cap = capacity[(capacity[cap_column] > 0) & (capacity["metier"].map(lag).fillna(0) >= 1)]
    lags = cap["metier"].map(lag).to_numpy(int)
    rows, years = start_rows(np.full(len(cap), first), last, lags, end)
    return pd.DataFrame({"bassin": cap["bassin"].to_numpy(object)[rows], "metier": cap["metier"].to_numpy(object)[rows],
                         "year": years, "cap": cap[cap_column].to_numpy(float)[rows], "lag": lags[rows]}).astype(
        {"bassin": object, "metier": object, "year": int, "cap": float, "lag": int})


def whole_totals(lp: LinearModel, lever: str, block: Block, keys: tuple[str, ...], costs: pd.DataFrame,
                 zones: pd.Series | None = None) -> tuple[Block, pd.DataFrame, np.ndarray]:
    r"""Whole units bought in each zone, split over its bassins (or sites) by continuous columns.

    Adds the integer totals :math:`N_{z,k} = \sum_{b \in z} x_{b,k} \in \mathbb{Z}_{\ge 0}` per zone
    :math:`z` and ``keys`` (e.g. métier and year) of ``block``, whose columns become continuous
    (columns ``<lever>_total``, rows ``<lever>_split``), and charges ``costs`` (per unit of a column of
    ``block``; the same for every column of a total) on the totals, so that each zone's spending is a
    knapsack over whole units. The zones are those of the bassins (``zones``: bassin -> zone, from
    :meth:`gpec.instance.Instance.bassin_zones`; ``None``: the whole territory is one zone and the totals
    are indexed by ``keys`` alone). The split is made whole afterwards (:mod:`gpec.rounding`): the plan
    written has whole units in every bassin. Returns the totals block, the costs charged on it, and the
    euros a unit of each column of ``block`` costs (for the reports).
    """
    frame = block.index.to_frame(index=False)
    if zones is not None:
        frame["zone"] = zones.reindex(frame["bassin"]).to_numpy(object)
        keys = ("zone", *keys)
    unique = frame[list(keys)].drop_duplicates()
    index = grid_index(unique, keys) if len(keys) > 1 else pd.Index(unique[keys[0]], name=keys[0])
    rows = row_positions(index, frame, keys)
    _, upper = lp.column_bounds(block.name)
    upper = np.floor(upper + 1e-9)  # whole units in each bassin: its cap is a whole number too
    lp.set_column_bounds(block.name, 0.0, upper)
    lp.set_integer(block.name, False)
    total = lp.add_variables(f"{lever}_total", index, 0.0, np.bincount(rows, upper, len(index)), integer=True)
    # <lever>_split: sum_{b in z} x[b,k] - N[z,k] = 0   for every zone z and keys k (whole units per zone)
    lp.add_constraints(f"{lever}_split", index, [(rows, block.positions, 1.0),
                                                (np.arange(len(index)), total.positions, -1.0)], 0.0, 0.0)
    unit_eur = costs.groupby("col")["eur"].sum().reindex(block.positions).fillna(0.0).to_numpy()
    charged = pd.Series(total.positions[rows], index=block.positions)
    costs = costs.assign(col=costs["col"].map(charged)).drop_duplicates(["year", "col"]).reset_index(drop=True)
    return total, costs, unit_eur


def grid_index(grid: pd.DataFrame, levels=("bassin", "metier", "year")) -> pd.MultiIndex:
    if grid.empty:
        return pd.MultiIndex.from_arrays([[] for _ in levels], names=list(levels))
    return pd.MultiIndex.from_frame(grid[list(levels)])
