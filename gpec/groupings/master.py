r"""The set-partitioning master over candidate groups (formulation in :mod:`gpec.groupings.candidates`).

Columns :math:`x_g \in \{0,1\}` (``group``), one per candidate group or structure alone :math:`g`, of cost
:math:`c_g` and :math:`P_g` posts. The rows are one block, ``master``, labelled (row, structure):
``("assign", s)`` for every structure :math:`s`, ``("groups", "all")`` with ``--groups`` and
``("posts", "all")`` when the fewest posts :math:`P^*` are known (a valid cut).

Constraints
-----------
master
    :math:`\sum_{g \ni s} x_g = 1`; :math:`\sum_{g\ \mathrm{group}} x_g = N` (or :math:`\le N`); :math:`\sum_g P_g x_g \ge P^*`
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gpec.groupings.candidates import CandidateGroup, CandidateSpace
from gpec.models.linear import LinearModel
from gpec.solvers import Capability, provider

#: What the live LP master asks of its backend, whichever solves the integer masters: LP duals (pricing)
#: and columns appended (column generation); branch and price also changes bounds in place.
LP_MASTER_NEEDS = frozenset({Capability.LP_DUALS, Capability.COLUMN_GENERATION})
TREE_MASTER_NEEDS = LP_MASTER_NEEDS | {Capability.IN_PLACE_CHANGES}


def lp_master(model: LinearModel, needs=LP_MASTER_NEEDS):
    """The live LP master of ``model`` (its relaxation), on the first backend that has ``needs``
    (:func:`gpec.solvers.provider`: HiGHS), its objective ``cost``."""
    backend = provider(needs)(model.relaxation())
    backend.set_objective(model.objective_vector("cost"))
    return backend


def master_model(space: CandidateSpace, columns: list[CandidateGroup], integer: bool = True,
                 min_posts: int | None = None) -> LinearModel:
    """The set-partitioning master over ``columns``: rows ``assign`` (every structure once), ``groups``
    (with ``--groups``) and ``posts`` (``sum posts >= min_posts``, a valid cut, when given); objective
    ``cost``."""
    lp = LinearModel()
    x = lp.add_variables("group", pd.RangeIndex(len(columns), name="column"), 0.0, 1.0, integer=integer)
    rows, values = master_entries(space, columns, min_posts is not None)
    o = space.options
    bounds = [(("assign", s), 1.0, 1.0) for s in space.ids]
    if o.groups is not None:
        bounds.append((("groups", "all"), float(o.groups) if o.groups_exact else 0.0, float(o.groups)))
    if min_posts is not None:
        bounds.append((("posts", "all"), float(min_posts), np.inf))
    labels, lower, upper = zip(*bounds)
    terms = [(np.concatenate(rows), np.repeat(x.positions, [len(r) for r in rows]), np.concatenate(values))] \
        if columns else []
    # master: sum_{g covers s} x[g] = 1 for every s; sum_{g group} x[g] = N (or <= N); sum_g P[g] x[g] >= P*
    lp.add_constraints("master", pd.MultiIndex.from_tuples(labels, names=["row", "structure"]), terms,
                       np.array(lower), np.array(upper))
    lp.add_objective("cost", x.positions, np.array([c.cost for c in columns], float))
    return lp


def master_entries(space: CandidateSpace, columns: list[CandidateGroup], posts_row: bool) -> tuple[list, list]:
    """Row positions and coefficients of each column in the master (see :func:`master_model`)."""
    grouped = space.options.groups is not None
    posts_at = space.n + int(grouped)
    rows, values = [], []
    for c in columns:
        r = [*c.covers] + ([space.n] if grouped and c.is_group else []) + ([posts_at] if posts_row else [])
        v = [1.0] * (len(r) - int(posts_row)) + ([float(c.posts)] if posts_row else [])
        rows.append(np.array(r, dtype=np.int64))
        values.append(np.array(v))
    return rows, values


def add_artificial_columns(lp, space: CandidateSpace, posts_row: bool) -> list[int]:
    """Append to the live LP master ``lp`` (:func:`lp_master`) one artificial column per structure and,
    with ``--groups``, two on the groups row, at a cost above any plan (a group's posts are at most its
    members' own, its travel at most their longest trips), so that the LP is always feasible; the
    columns left in its solution say which structures (or the groups row) no plan serves. With the row
    "posts >= P*" (``posts_row``), a structure's artificial column also counts its own posts on it, so
    the LP stays feasible when no structure may stay alone. Returns the master row of each column."""
    n = space.n
    big = float(sum(space.alone_column(s).cost + max(space.travel[s].values(), default=0) for s in range(n)) + 1)
    artificial = [(s, 1.0) for s in range(n)] + ([(n, 1.0), (n, -1.0)] if space.options.groups is not None else [])
    at = n + int(space.options.groups is not None)  # the posts row
    own = [space.alone_column(r).posts if r < n and posts_row else 0 for r, _ in artificial]
    lp.add_columns(np.full(len(artificial), big),
                   [np.array([r, at] if k else [r]) for (r, _), k in zip(artificial, own)],
                   [np.array([v, float(k)] if k else [v]) for (_, v), k in zip(artificial, own)])
    return [r for r, _ in artificial]
