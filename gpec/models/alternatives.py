r"""Near-optimal alternatives ("modelling to generate alternatives", MGA): plans as good as an incumbent
within a slack, as far as possible from it and from each other.

Aggregates. A planner's choice is which levers to use in which bassins; the same decision a year later or
for another métier is not another plan. For every lever :math:`\ell` and bassin :math:`b` with at least
one decision column, the group :math:`g = (\ell, b)` holds the units

.. math::

    u_g = \sum_{j \in g} x_j \qquad \text{(rows ``alternatives_units``)}

summed over the lever's métiers, pathways and start years (a training site's bassin, a pool's base),
:math:`0 \le u_g \le \bar U_g = \sum_{j \in g} \bar x_j`, the most units the columns' bounds allow.

Near-optimality (rows ``alternatives_caps``): with :math:`z_1^0` and :math:`z_2^0` the incumbent's
weighted unmet need and cost (:mod:`gpec.models`),

.. math::

    z_i(x) / \bar z_i \le c_i \le (1 + \sigma \varepsilon)\, z_i^0 / \bar z_i, \qquad i = 1, 2,

:math:`\bar z_i = \max(z_i^0, 1)` (rows of order one, not of millions of euros), :math:`c_i` a column
whose bound is the cap: :math:`\sigma = 1` but while a plan is sought with its units continuous, which
keeps some of the slack for making them whole (:func:`slot_bounds`).

Distance. The distance of a plan to an earlier plan :math:`k` (aggregates :math:`\hat u_{k,g}`) is the
L1 norm :math:`D_k = \sum_g |u_g - \hat u_{k,g}|`. Maximising it is not convex (:math:`|\cdot|` is
convex); it is made exact with one binary per group and earlier plan, :math:`y_{k,g} = 1` when the plan
may count :math:`u_g` above :math:`\hat u_{k,g}`:

.. math::

    e_{k,g} &\le u_g - \hat u_{k,g} + M_g (1 - y_{k,g}) \qquad \text{(``alternatives_up``)} \\
    e_{k,g} &\le \hat u_{k,g} - u_g + M_g\, y_{k,g} \qquad \text{(``alternatives_down``)} \\
    t &\le \sum_g e_{k,g} + s_k \qquad \text{(``alternatives_nearest``)}

and the valid row :math:`e_{k,g} \le u_g + \hat u_{k,g}` (``alternatives_within``: it keeps the
relaxation's :math:`e` near the units bought), :math:`0 \le e_{k,g} \le \max(\bar U_g - \hat u_{k,g},
\hat u_{k,g})` and :math:`M_g = 2 \bar U_g` (at least what either branch is off, :math:`2(u_g - \hat
u_{k,g})` or :math:`2(\hat u_{k,g} - u_g)`), so that :math:`e_{k,g} \le |u_g - \hat u_{k,g}|` with equality
reachable. Stage ``distance`` maximises :math:`t`, the distance to the **nearest** earlier plan (max-min:
an alternative far from the incumbent but next to an earlier alternative is worth little). Where
:math:`\hat u_{k,g} = 0`, :math:`y_{k,g}` is fixed at 1 (:math:`|u_g| = u_g`, no binary).

The linear proxy of PyPSA's MGA and Calliope's SPORES,
:math:`\sum_{g: \hat u_{k,g} > 0} (\hat u_{k,g} - u_g) + \sum_{g: \hat u_{k,g} = 0} u_g`, is the special
case :math:`y_{k,g} = [\hat u_{k,g} = 0]`: it never rewards buying more of a group already used, so from
an incumbent that splits units between two equally good bassins it cannot reach the plan that puts them
all in one (``tests/test_alternatives.py``); on the Landes its farthest plan in 60 s was 368 units from
the incumbent, against 1,058 with the binaries (a few hundred: one per group the earlier plan uses).

Slots. The model holds :math:`K` slots of :math:`(\hat u_k, e_k, y_k, s_k)` built once; the earlier
plans differ only by column bounds (:func:`slot_bounds`), so one live solver model serves every
alternative (:func:`gpec.solvers.holding`). :math:`\hat u_{k,g}` is a column fixed at the plan's units
(``alternatives_plan``). A slot not in use has :math:`e_k = 0`, :math:`y_k = 1`, :math:`\hat u_k = 0`
and :math:`s_k \ge 0` free, so that none of its rows binds; a slot in use has :math:`s_k = 0`.

Glossary: :math:`c_i` ``alternatives_caps``; :math:`u_g` ``alternatives_units``; :math:`\hat u_{k,g}`
``alternatives_plan``; :math:`e_{k,g}` ``alternatives_distance``; :math:`y_{k,g}` ``alternatives_above``;
:math:`s_k` ``alternatives_unused``; :math:`t` ``alternatives_nearest``; :math:`\varepsilon` the slack
(``gpec alternatives --slack``); :math:`\sigma` the share of it a plan with continuous units may use;
:math:`K` the slots (``--count``).

Constraints
-----------
alternatives_units
    :math:`u_g - \sum_{j \in g} x_j = 0`
alternatives_caps
    :math:`z_i(x) / \bar z_i - c_i \le 0, \quad i = 1, 2`
alternatives_up
    :math:`e_{k,g} - u_g + \hat u_{k,g} + M_g\, y_{k,g} \le M_g`
alternatives_down
    :math:`e_{k,g} + u_g - \hat u_{k,g} - M_g\, y_{k,g} \le 0`
alternatives_within
    :math:`e_{k,g} - u_g - \hat u_{k,g} \le 0`
alternatives_nearest
    :math:`t - s_k - \sum_g e_{k,g} \le 0`
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from gpec.models.levers import LeverTerms
from gpec.models.linear import LinearModel

#: Name of the stage (objective) this module adds: minimise -t.
STAGE = "distance"
#: Prefix of the blocks this module adds.
PREFIX = "alternatives"


@dataclass(frozen=True)
class AlternativeBlocks:
    """The blocks :func:`add_alternatives` added: ``groups`` (lever, bassin) in column order, their
    bounds ``most`` (:math:`\\bar U_g`), the columns of the aggregates ``units``, per slot ``plan``,
    ``distance``, ``above`` (K x G positions) and ``unused`` (K positions), the ``nearest`` column, the
    incumbent's unmet need and cost as the cap rows count them (``base``), the ``slack``, and the decision
    columns (``members``) with their group's number (``member_group``)."""

    groups: pd.MultiIndex
    most: np.ndarray
    units: np.ndarray
    plan: np.ndarray
    distance: np.ndarray
    above: np.ndarray
    unused: np.ndarray
    nearest: int
    caps: np.ndarray
    base: np.ndarray
    slack: float
    members: np.ndarray
    member_group: np.ndarray

    @property
    def slots(self) -> int:
        return len(self.unused)


def lever_groups(levers: list[LeverTerms]) -> tuple[pd.MultiIndex, np.ndarray, np.ndarray]:
    """The (lever, bassin) groups of the decision columns: the groups in order, and for every decision
    column its position and its group's number."""
    frames = [pd.DataFrame({"lever": lever.lever, "bassin": lever.block.index.get_level_values("bassin"),
                            "col": lever.block.positions}) for lever in levers if lever.block.size]
    columns = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["lever", "bassin", "col"])
    columns["bassin"] = columns["bassin"].astype(str)
    groups = pd.MultiIndex.from_frame(columns[["lever", "bassin"]].drop_duplicates())
    number = groups.get_indexer(pd.MultiIndex.from_frame(columns[["lever", "bassin"]]))
    return groups, columns["col"].to_numpy(np.int64), number


def add_alternatives(lp: LinearModel, levers: list[LeverTerms], slots: int, slack: float,
                     incumbent: tuple[float, float], unmet: np.ndarray, cost: np.ndarray) -> AlternativeBlocks:
    """Add the blocks, rows and stage of the module docstring for ``slots`` earlier plans, every slot
    unused and the caps at ``slack`` (:func:`slot_bounds` puts plans in the slots); ``unmet`` and ``cost``
    are the vectors of stages ``unmet`` and ``cost``, ``incumbent`` their values for the incumbent."""
    groups, cols, number = lever_groups(levers)
    n = len(groups)
    col_hi = lp.bounds()["col_upper"]
    most = np.bincount(number, col_hi[cols], n)
    units = lp.add_variables(f"{PREFIX}_units", groups, 0.0, most)
    # alternatives_units: u[g] - sum_{j in g} x[j] = 0
    lp.add_constraints(f"{PREFIX}_units", groups, [(np.arange(n), units.positions, 1.0), (number, cols, -1.0)],
                       0.0, 0.0)
    scale = np.maximum(np.abs(incumbent), 1.0)
    base = np.asarray(incumbent, float) / scale
    names = pd.Index(["unmet", "cost"], name="cap")
    caps = lp.add_variables(f"{PREFIX}_caps", names, -np.inf, (1 + slack) * base)
    nz = [np.flatnonzero(vector) for vector in (unmet, cost)]
    # alternatives_caps: z_i(x) / zbar_i - c_i <= 0   for i = unmet, cost (c_i bounded by the cap)
    lp.add_constraints(f"{PREFIX}_caps", names, [(np.repeat([0, 1], [n.size for n in nz]), np.concatenate(nz),
                                                   np.concatenate([unmet[nz[0]] / scale[0], cost[nz[1]] / scale[1]])),
                                                  ([0, 1], caps.positions, -1.0)], upper=0.0)
    index = pd.MultiIndex.from_arrays([np.repeat(np.arange(slots), n), np.tile(groups.get_level_values(0), slots),
                                       np.tile(groups.get_level_values(1), slots)], names=["slot", "lever", "bassin"])
    big = np.tile(2.0 * most, slots)
    plan = lp.add_variables(f"{PREFIX}_plan", index, 0.0, 0.0)
    distance = lp.add_variables(f"{PREFIX}_distance", index, 0.0, 0.0)
    above = lp.add_variables(f"{PREFIX}_above", index, 1.0, 1.0, integer=True)
    slot_index = pd.RangeIndex(slots, name="slot")
    unused = lp.add_variables(f"{PREFIX}_unused", slot_index, 0.0, np.inf)
    nearest = lp.add_variables(f"{PREFIX}_nearest", pd.Index(["nearest"], name="t"), 0.0, np.inf)
    rows, group_cols = np.arange(slots * n), np.tile(units.positions, slots)
    # alternatives_up: e[k,g] - u[g] + u_hat[k,g] + M[g] y[k,g] <= M[g]
    lp.add_constraints(f"{PREFIX}_up", index, [(rows, distance.positions, 1.0), (rows, group_cols, -1.0),
                                               (rows, plan.positions, 1.0), (rows, above.positions, big)], upper=big)
    # alternatives_down: e[k,g] + u[g] - u_hat[k,g] - M[g] y[k,g] <= 0
    lp.add_constraints(f"{PREFIX}_down", index, [(rows, distance.positions, 1.0), (rows, group_cols, 1.0),
                                                 (rows, plan.positions, -1.0), (rows, above.positions, -big)],
                       upper=0.0)
    # alternatives_within: e[k,g] - u[g] - u_hat[k,g] <= 0   (|u - u_hat| <= u + u_hat: a valid row that keeps
    # the relaxation's e near the units)
    lp.add_constraints(f"{PREFIX}_within", index, [(rows, distance.positions, 1.0), (rows, group_cols, -1.0),
                                                   (rows, plan.positions, -1.0)], upper=0.0)
    k = np.arange(slots)
    # alternatives_nearest: t - s[k] - sum_g e[k,g] <= 0
    lp.add_constraints(f"{PREFIX}_nearest", slot_index, [(k, np.full(slots, nearest.start), 1.0),
                                                         (k, unused.positions, -1.0),
                                                         (np.repeat(k, n), distance.positions, -1.0)], upper=0.0)
    lp.add_objective(STAGE, [nearest.start], -1.0)
    shape = (slots, n)
    return AlternativeBlocks(groups, most, units.positions, plan.positions.reshape(shape),
                             distance.positions.reshape(shape), above.positions.reshape(shape), unused.positions,
                             nearest.start, caps.positions, base, float(slack), cols, number)


def slot_bounds(lp: LinearModel, blocks: AlternativeBlocks, plans: list[np.ndarray],
                share: float = 1.0) -> LinearModel:
    """A copy of ``lp`` (:meth:`LinearModel.copy`) whose first slots hold ``plans`` (each the units of one
    earlier plan per group, in ``blocks.groups`` order), the others unused, and whose caps allow
    ``share`` of the slack (:math:`\\sigma`, module docstring)."""
    if len(plans) > blocks.slots:
        raise ValueError(f"{len(plans)} earlier plans for {blocks.slots} slots")
    out = lp.copy()
    shape = (blocks.slots, len(blocks.groups))
    hat, used = np.zeros(shape), np.zeros(blocks.slots, bool)
    for k, units in enumerate(plans):
        hat[k], used[k] = np.minimum(np.asarray(units, float), blocks.most), True
    zero = np.zeros(shape)
    out.set_column_bounds(f"{PREFIX}_plan", hat.ravel(), hat.ravel())
    farthest = np.maximum(blocks.most - hat, hat)  # |u - u_hat| at most
    out.set_column_bounds(f"{PREFIX}_distance", zero.ravel(), np.where(used[:, None], farthest, zero).ravel())
    free = used[:, None] & (hat > 0)  # a binary where the plan uses the group
    out.set_column_bounds(f"{PREFIX}_above", np.where(free, 0.0, 1.0).ravel(), np.ones(shape).ravel())
    out.set_column_bounds(f"{PREFIX}_unused", 0.0, np.where(used, 0.0, np.inf))
    out.set_column_bounds(f"{PREFIX}_caps", -np.inf, (1 + share * blocks.slack) * blocks.base)
    return out


def settle_directions(lp: LinearModel, blocks: AlternativeBlocks, plans: list[np.ndarray]) -> LinearModel:
    """``lp`` (a :func:`slot_bounds` copy, changed in place) with :math:`y_{k,g}` fixed wherever the
    bounds of the group's columns settle the sign of :math:`u_g - \\hat u_{k,g}` (the other branch could
    only count a negative distance): only the groups whose units can still end on either side of an
    earlier plan's keep a binary."""
    bounds = lp.bounds()
    n = len(blocks.groups)
    low = np.bincount(blocks.member_group, bounds["col_lower"][blocks.members], n)
    high = np.bincount(blocks.member_group, bounds["col_upper"][blocks.members], n)
    lower, upper = lp.column_bounds(f"{PREFIX}_above")
    lower, upper = lower.reshape(blocks.slots, n), upper.reshape(blocks.slots, n)
    for k, hat in enumerate(plans):
        hat = np.minimum(np.asarray(hat, float), blocks.most)
        free = lower[k] < upper[k]
        below, above = free & (high <= hat), free & (low >= hat) & (high > hat)  # units fixed at hat: below
        upper[k] = np.where(below, 0.0, upper[k])
        lower[k] = np.where(above, 1.0, lower[k])
    lp.set_column_bounds(f"{PREFIX}_above", lower.ravel(), upper.ravel())
    return lp


def complete(blocks: AlternativeBlocks, x: np.ndarray, plans: list[np.ndarray]) -> np.ndarray:
    """``x`` with the columns of this module made those of its own plan against ``plans`` (the earlier
    plans of :func:`slot_bounds`, the caps at the whole slack): a start for the next alternative."""
    x = np.array(x, float)
    x[blocks.caps] = (1 + blocks.slack) * blocks.base
    u = x[blocks.units]
    x[blocks.plan] = 0.0
    x[blocks.distance] = 0.0
    x[blocks.above] = 1.0
    x[blocks.unused] = 0.0
    nearest = np.inf
    for k, hat in enumerate(plans):
        hat = np.minimum(np.asarray(hat, float), blocks.most)
        x[blocks.plan[k]] = hat
        x[blocks.distance[k]] = np.abs(u - hat)
        x[blocks.above[k]] = (u >= hat).astype(float)
        nearest = min(nearest, float(np.abs(u - hat).sum()))
    for k in range(len(plans), blocks.slots):
        x[blocks.unused[k]] = nearest if np.isfinite(nearest) else 0.0
    x[blocks.nearest] = nearest if np.isfinite(nearest) else 0.0
    return x
