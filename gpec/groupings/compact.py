r"""Groupements d'employeurs: which structures pool which posts (a capacitated p-median with whole posts).

Structures :math:`s \in S` each need :math:`q_s` FTE of one post type (night nurse, QVCT officer,
psychologist...), usually a fraction of a post nobody can fill alone. A group is led by a hub structure
:math:`h`; its members are within :math:`T` minutes of the hub; it hires whole posts for the summed need
of its members. A structure may stay alone: it is then not a group and fills its own need with
:math:`\lceil q_s \rceil` posts.

Variables: :math:`y_h \in \{0,1\}` (structure :math:`h` leads a group), :math:`z_{s,h} \in \{0,1\}` for
the pairs with :math:`s \ne h` and :math:`\tau_{s,h} \le T` only (member :math:`s` in the group of
:math:`h`; :math:`z_{h,h} \equiv y_h`), :math:`a_s \in \{0,1\}` (alone), :math:`P_h \in \mathbb{Z}_{\ge 0}`
(posts of the group).

.. math::

    a_s + y_s + \sum_{h \ne s} z_{s,h} &= 1 && \forall s \quad \text{(assign)} \\
    z_{s,h} &\le y_h && \text{(link: the strong form, one row per pair)} \\
    (m - 1)\, y_h \le \sum_{s \ne h} z_{s,h} &\le (M - 1)\, y_h && \text{(size\_min, size\_max: hub counts one)} \\
    \bar q\, P_h &\ge \bar q_h\, y_h + \sum_{s \ne h} \bar q_s z_{s,h} && \text{(posts\_cover: posts}
        = \lceil \text{need} \rceil) \\
    P_h &\le \bar P_h\, y_h && \text{(posts\_link: no posts without a group)} \\
    \min \; c \Big(\sum_h P_h + \sum_s \lceil q_s \rceil a_s\Big) &+ \sum_{s,h} k_{s,h} z_{s,h}

with :math:`\bar P_h` the ceiling of the need of :math:`h` and of the :math:`M - 1` largest needs it can
reach, and :math:`k_{s,h} = 2\, v\, \tau_{s,h}\, c_\tau` the yearly travel cost of member :math:`s` (round trips
to the hub). Options: the number of groups :math:`\sum_h y_h = N` (or :math:`\le N`; rows ``groups``);
structures that must stay alone (:math:`a_s = 1`, a bound); pairs :math:`(s_1, s_2)` that must be in the
same group (rows ``together``): :math:`z_{s_1,h} = z_{s_2,h}` for every structure :math:`h`, where
:math:`z_{h,h} \equiv y_h` and :math:`z_{s,h} = 0` for a pair beyond :math:`T` (so when :math:`s_1`
leads a group, the row of :math:`h = s_1` makes :math:`s_2` one of its members, and the other rows keep
:math:`s_2` out of every other group), and neither stays alone (:math:`a_{s_1} = a_{s_2} = 0`, bounds);
existing groups kept (their hub and members fixed by bounds); every structure in a group
(``no_alone``: :math:`a_s = 0` for all :math:`s`, bounds). A maximum size of 0 (no bound) reaches the
model as the number of structures.

**Integer data.** CP-SAT needs integer coefficients, so both backends solve the same integer data:
needs in thousandths of an FTE, :math:`\bar q_s = \mathrm{round}(1000\, q_s)`, :math:`\bar q = 1000`
(a need is exact to 0.001 FTE); post and travel costs in whole euros (travel rounded per pair).

**Tightness.** Only pairs within :math:`T` get a column, so at 500 structures and 30 minutes the model
has thousands of pairs, not 250,000; the linking rows :math:`z \le y` (rather than the aggregated
:math:`\sum_s z_{s,h} \le M y_h` alone) are the strong p-median form. The ceilings are what the LP
relaxation misses (it pays fractional posts), so :func:`gpec.groupings.solve.solve_groups` first solves for the
fewest posts :math:`P^* = \min \sum_h P_h + \sum_s \lceil q_s \rceil a_s` on this model, a small problem
proved in seconds, whose proven bound gives the valid cut :math:`\sum_h P_h + \sum_s \lceil q_s \rceil
a_s \ge P^*` (a row ``solve_groups`` adds to the live solver model, not a block of this model). With the
cut the LP bound of this model is still 0.3 % below the best plan on the 59 Landes EHPAD, and branching
on hubs and members closes it slowly: the default method minimises cost over whole
candidate groups instead (:mod:`gpec.groupings.candidates`), which proves the optimum. This model stays
as ``--method compact`` and as the fewest-posts phase.

Glossary: :math:`T` ``max_minutes``; :math:`m, M` ``min_size``, ``max_size``; :math:`c` post cost
(``post_types.csv``); :math:`v` visits per member and year; :math:`c_\tau` ``travel_cost_per_minute``.

Constraints
-----------
assign
    :math:`a_s + y_s + \sum_{h \ne s} z_{s,h} = 1`
link
    :math:`z_{s,h} - y_h \le 0`
size_min
    :math:`\sum_{s \ne h} z_{s,h} - (m - 1)\, y_h \ge 0`
size_max
    :math:`\sum_{s \ne h} z_{s,h} - (M - 1)\, y_h \le 0`
posts_cover
    :math:`\bar q\, P_h - \bar q_h\, y_h - \sum_{s \ne h} \bar q_s z_{s,h} \ge 0`
posts_link
    :math:`P_h - \bar P_h\, y_h \le 0`
groups
    :math:`\sum_h y_h = N`, or :math:`0 \le \sum_h y_h \le N` with ``--at-most`` (with ``--groups``)
together
    :math:`z_{s_1,h} - z_{s_2,h} = 0` for every structure :math:`h`, :math:`z_{h,h} \equiv y_h` (with ``--together``)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from gpec.groupings.options import NEED_SCALE, GroupingOptions
from gpec.models.linear import Block, LinearModel

@dataclass
class GroupingModel:
    lp: LinearModel
    hub: Block
    member: Block
    alone: Block
    posts: Block
    need_milli: pd.Series
    standalone_posts: pd.Series
    travel_eur: pd.Series

    def posts_vector(self) -> np.ndarray:
        """Coefficients of the total number of posts: the groups' and those of structures alone."""
        count = np.zeros(self.lp.n_cols)
        count[self.posts.positions] = 1.0
        count[self.alone.positions] = self.standalone_posts.to_numpy(float)
        return count


def build_grouping_model(structures: pd.DataFrame, pairs: pd.DataFrame, post_cost: int,
                         options: GroupingOptions) -> GroupingModel:
    """``structures``: structure, need_fte; ``pairs``: structure, hub, minutes, travel_eur (every ordered
    pair within the travel limit, s != hub). Builds the MILP above (pure integer, integer coefficients)."""
    options = options.bounded(len(structures))  # a maximum size of 0 (no bound): the number of structures
    ids = pd.Index(structures["structure"].to_numpy(), name="structure")
    need = pd.Series(np.round(structures["need_fte"].to_numpy(float) * NEED_SCALE).astype(np.int64), index=ids)
    alone_posts = -(-need // NEED_SCALE)  # ceil, in whole posts
    pairs = pairs[pairs["structure"] != pairs["hub"]].reset_index(drop=True)
    lp = LinearModel()
    hub = lp.add_variables("hub", pd.Index(ids, name="hub"), 0.0, 1.0, integer=True)
    member = lp.add_variables("member", pd.MultiIndex.from_frame(pairs[["structure", "hub"]]), 0.0, 1.0, integer=True)
    alone = lp.add_variables("alone", ids, 0.0, 1.0, integer=True)
    max_posts = -(-(need.sum()) // NEED_SCALE) + 1
    posts = lp.add_variables("posts", pd.Index(ids, name="hub"), 0.0, float(max_posts), integer=True)

    n = len(ids)
    s_row = ids.get_indexer(pairs["structure"])
    h_row = ids.get_indexer(pairs["hub"])
    k = np.arange(n)
    # assign: a[s] + y[s] + sum_{h != s} z[s,h] = 1
    lp.add_constraints("assign", ids, [(k, alone.positions, 1.0), (k, hub.positions, 1.0),
                                       (s_row, member.positions, 1.0)], 1.0, 1.0)
    link = np.arange(len(pairs))
    # link: z[s,h] - y[h] <= 0   (the strong p-median form)
    lp.add_constraints("link", member.index, [(link, member.positions, 1.0), (link, hub.start + h_row, -1.0)],
                       upper=0.0)
    # size_min: sum_{s != h} z[s,h] - (m - 1) y[h] >= 0
    lp.add_constraints("size_min", hub.index, [(h_row, member.positions, 1.0),
                                               (k, hub.positions, -(options.min_size - 1.0))], lower=0.0)
    # size_max: sum_{s != h} z[s,h] - (M - 1) y[h] <= 0
    lp.add_constraints("size_max", hub.index, [(h_row, member.positions, 1.0),
                                               (k, hub.positions, -(options.max_size - 1.0))], upper=0.0)
    # posts_cover: 1000 P[h] - q[h] y[h] - sum_{s != h} q[s] z[s,h] >= 0   (needs in thousandths of an FTE)
    lp.add_constraints("posts_cover", hub.index, [(k, posts.positions, float(NEED_SCALE)),
                                                  (k, hub.positions, -need.to_numpy(float)),
                                                  (h_row, member.positions, -need.reindex(pairs["structure"]).to_numpy(float))],
                       lower=0.0)
    # a group's posts: at most the ceiling of its hub's need and the M - 1 largest needs it can reach;
    # none at a structure that leads no group
    reach = pd.DataFrame({"hub": pairs["hub"], "need": need.reindex(pairs["structure"]).to_numpy()})
    top = (reach.sort_values("need", ascending=False).groupby("hub")["need"]
           .apply(lambda q: q.head(options.max_size - 1).sum()).reindex(ids, fill_value=0))
    most = -(-(need.to_numpy() + top.to_numpy()) // NEED_SCALE)
    # posts_link: P[h] - Pmax[h] y[h] <= 0
    lp.add_constraints("posts_link", hub.index, [(k, posts.positions, 1.0), (k, hub.positions, -most.astype(float))],
                       upper=0.0)
    if options.groups is not None:
        # groups: sum_h y[h] = N   (0 <= ... <= N with --at-most)
        lp.add_constraints("groups", pd.Index(["all"], name="scope"), [(np.zeros(n, int), hub.positions, 1.0)],
                           lower=float(options.groups) if options.groups_exact else 0.0, upper=float(options.groups))
    _fix_options(lp, ids, pairs, hub, member, options)
    lp.add_objective("cost", posts.positions, float(post_cost))
    lp.add_objective("cost", alone.positions, float(post_cost) * alone_posts.to_numpy(float))
    lp.add_objective("cost", member.positions, pairs["travel_eur"].to_numpy(float))
    travel = pd.Series(pairs["travel_eur"].to_numpy(), index=member.index)
    return GroupingModel(lp, hub, member, alone, posts, need, alone_posts, travel)


def _fix_options(lp, ids, pairs, hub, member, options: GroupingOptions) -> None:
    """Alone structures (none with ``no_alone``), pairs kept together, existing groups: by bounds and rows."""
    alone_lo, alone_hi = lp.column_bounds("alone")
    if options.no_alone:
        alone_hi[:] = 0.0
    hub_lo, hub_hi = lp.column_bounds("hub")
    member_lo, member_hi = lp.column_bounds("member")
    for s in options.alone:
        alone_lo[ids.get_loc(s)] = 1.0
    for h, members in options.fixed_groups.items():
        hub_lo[ids.get_loc(h)] = 1.0
        for s in members:
            member_lo[member.locate(pd.DataFrame({"structure": [s], "hub": [h]}))[0] - member.start] = 1.0
    lp.set_column_bounds("hub", hub_lo, hub_hi)
    lp.set_column_bounds("member", member_lo, member_hi)
    if options.together:
        hubs = pd.Index(ids, name="hub")
        rows, cols, vals, labels = [], [], [], []
        for a, b in options.together:
            for sign, s in ((1.0, a), (-1.0, b)):
                base = len(labels)
                # y_s for hub s itself, z_{s,h} for the other hubs
                rows.append(base + hubs.get_loc(s)); cols.append(hub.start + hubs.get_loc(s)); vals.append(sign)
                mine = np.flatnonzero(pairs["structure"].to_numpy() == s)
                rows.extend(base + hubs.get_indexer(pairs["hub"].to_numpy()[mine]))
                cols.extend(member.start + mine); vals.extend([sign] * len(mine))
            labels.extend((a, b, h) for h in hubs)
        index = pd.MultiIndex.from_tuples(labels, names=["first", "second", "hub"])
        # together: z[s1,h] - z[s2,h] = 0 for every structure h, where z[h,h] is y[h] (the hub itself)
        lp.add_constraints("together", index, [(np.asarray(rows), np.asarray(cols), np.asarray(vals))], 0.0, 0.0)
        for a, b in options.together:
            for s in (a, b):
                alone_hi[ids.get_loc(s)] = 0.0
    lp.set_column_bounds("alone", alone_lo, alone_hi)
