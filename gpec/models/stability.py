r"""Stable plans: a third lexicographic stage that keeps the plan close to an explicit reference plan.

Given a reference plan :math:`r` (the decisions of an earlier result), for every decision column
:math:`x_j` of a lever (units per lever x bassin x [métier x pathway x] year):

.. math::

    d_j &\ge x_j - r_j \quad \text{(change\_up)} \\
    d_j &\ge r_j - x_j \quad \text{(change\_down)}

and stage ``change`` minimises :math:`z_3 = \sum_j d_j`, the units moved (L1), subject to
:math:`z_1 \le z_1^*` and :math:`z_2 \le z_2^*` (the incumbents of the stages before). Among plans that
avoid as much unmet need and cost no more, it returns the one closest to the reference, so a scenario
changes only what it must. Decisions of the reference that have no column in this model (a lever
switched off, another horizon) count as moved: :math:`r_j` of those is reported, not modelled.

Glossary: :math:`d_j` ``change`` columns; :math:`r_j` the reference's ``units``.

Constraints
-----------
change_up
    :math:`d_j - x_j \ge -r_j`
change_down
    :math:`d_j + x_j \ge r_j`
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gpec.models.levers import LeverTerms
from gpec.models.linear import LinearModel

#: Name of the stage (objective) this module adds.
STAGE = "change"
#: Columns of a reference decision table this module reads.
REFERENCE_COLUMNS = ("lever", "pathway", "bassin", "metier", "year", "units")


def reference_units(levers: list[LeverTerms], reference: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, float]:
    """The reference's units aligned with the lever columns: (columns, units, units with no column).

    ``reference`` is a decision table (:data:`REFERENCE_COLUMNS`); rows of a lever are matched on the
    levels of its block's index (bassin, métier, pathway, year), missing rows count 0 units.
    """
    missing = [c for c in REFERENCE_COLUMNS if c not in reference.columns]
    if missing:
        raise ValueError(f"a reference plan needs the columns {', '.join(REFERENCE_COLUMNS)}; missing: "
                         f"{', '.join(missing)}")
    ref = reference.loc[:, list(REFERENCE_COLUMNS)].copy()
    for name in ("lever", "pathway", "bassin", "metier"):  # codes are text, also when read from a CSV
        ref[name] = ref[name].fillna("").astype(str)
    ref["year"] = ref["year"].astype(int)
    cols, units, matched = [], [], np.zeros(len(ref), bool)
    for lever in levers:
        block = lever.block
        cols.append(block.positions)
        mine = ref["lever"].to_numpy() == lever.lever
        values = np.zeros(block.size)
        if mine.any():
            names = list(block.index.names)
            rows = ref.loc[mine, names]
            keys = pd.MultiIndex.from_frame(rows) if len(names) > 1 else pd.Index(rows[names[0]])
            where = block.index.get_indexer(keys) if block.size else np.full(len(rows), -1)
            found = where >= 0
            np.add.at(values, where[found], ref.loc[mine, "units"].to_numpy(float)[found])
            matched[np.flatnonzero(mine)[found]] = True
        units.append(values)
    unmatched = float(ref.loc[~matched, "units"].abs().sum())
    cat = lambda parts, dtype: np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)
    return cat(cols, np.int64), cat(units, float), unmatched


def add_stability(lp: LinearModel, levers: list[LeverTerms], reference: pd.DataFrame) -> float:
    """Add the ``change`` columns, rows and objective (module docstring); returns the reference's units
    that have no column in this model."""
    cols, units, unmatched = reference_units(levers, reference)
    index = pd.RangeIndex(len(cols), name="decision")
    change = lp.add_variables("change", index, 0.0, np.inf)
    k = np.arange(len(cols))
    # change_up: d[j] - x[j] >= -r[j]
    lp.add_constraints("change_up", index, [(k, change.positions, 1.0), (k, cols, -1.0)], lower=-units)
    # change_down: d[j] + x[j] >= r[j]
    lp.add_constraints("change_down", index, [(k, change.positions, 1.0), (k, cols, 1.0)], lower=units)
    lp.add_objective(STAGE, change.positions, 1.0)
    return unmatched
