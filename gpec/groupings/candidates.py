r"""Groupements d'employeurs as set partitioning over candidate groups (the exact method).

The compact model of :mod:`gpec.groupings.compact` pays the ceiling of a group's need through integer
posts that its LP relaxation spreads fractionally. Here every column is a whole candidate group whose cost
already holds the ceiling, so the LP relaxation is tight; the columns are generated on demand.

**Columns.** A group :math:`g = (h, S)`: a hub :math:`h` and members :math:`S \subseteq R_h`, the
structures within :math:`T` minutes of :math:`h` (pairs beyond :math:`T` never form), with
:math:`m \le 1 + |S| \le M`. Its cost is

.. math::

    c_g = c \left\lceil \frac{\bar q_h + \sum_{s \in S} \bar q_s}{\bar q} \right\rceil + \sum_{s \in S} k_{s,h}

(needs :math:`\bar q_s` in thousandths of an FTE, :math:`\bar q = 1000`; travel :math:`k_{s,h}` in whole
euros, as in the compact model). A structure alone is the column :math:`\{s\}` of cost
:math:`c \lceil q_s \rceil`; it is not a group.

**Master** (:mod:`gpec.groupings.master`). :math:`x_g \in \{0,1\}`:

.. math::

    \min \sum_g c_g x_g \quad \text{s.t.} \quad \sum_{g \ni s} x_g = 1 \;\; \forall s \quad (\pi_s),
    \qquad \sum_{g \text{ group}} x_g = N \text{ or } \le N \quad (\sigma, \text{ with } {-}{-}groups)

and, once a lower bound :math:`P^*` on the posts is known (the fewest-posts phase of
:mod:`gpec.groupings.solve`), the valid cut
:math:`\sum_g P_g x_g \ge P^*` (:math:`P_g` the posts of column :math:`g`; its dual :math:`\mu` makes
the post cost :math:`c - \mu` in the reduced costs below).

**Pricing.** With duals :math:`\pi, \sigma` of the LP master, the reduced cost of :math:`(h, S)` is
:math:`c \lceil (\bar q_h + \bar q(S)) / \bar q \rceil - \pi_h - \sigma - \sum_{s \in S} (\pi_s - k_{s,h})`.
For each hub, a knapsack with a cardinality dimension finds the best member set for every exact summed
need (dynamic programming over counts :math:`\le M - 1` and needs in thousandths, :func:`CandidateSpace.price`).
Since a hub leads at most one group, :math:`z_{LP} + \sum_h \min(0, \min_S \bar c_{h,S})` is a valid lower
bound at every round (Lagrangian), and :math:`z_{LP}` itself once no column prices out.

**Exactness.** Any plan cheaper than an incumbent :math:`U` uses only columns with reduced cost
:math:`\le U - L` (:math:`L` the bound above, same duals): :func:`CandidateSpace.enumerate` lists them all
(depth-first with a bound), and the integer master over them is the whole problem; its optimum is proven.

**Options.** Pairs that must be together and existing groups kept join structures into components
(union–find); a component is an item of the knapsack (all or none), the hub's own component is forced
into its group, a kept group's component may only be led by its hub. Structures that must stay alone
have only their own column; members of a component never stand alone, nor any structure with
``no_alone``. A maximum size of 0 (no bound) is the number of structures here.

Glossary: :math:`R_h` reach of hub :math:`h`; :math:`m, M` ``min_size``, ``max_size``; :math:`c` post cost;
:math:`N` ``groups``; :math:`\pi_s, \sigma` LP duals; :math:`\bar c` reduced cost.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gpec.errors import GpecError
from gpec.groupings.options import NEED_SCALE, GroupingOptions


@dataclass(frozen=True)
class CandidateGroup:
    """A candidate group (``hub`` >= 0) or a structure alone (``hub`` = -1, ``members`` its own index): a
    column of the master."""

    hub: int
    members: tuple[int, ...]  # sorted structure positions, the hub excluded
    posts: int
    travel: int
    cost: int

    @property
    def key(self) -> tuple[int, tuple[int, ...]]:
        return self.hub, self.members

    @property
    def is_group(self) -> bool:
        return self.hub >= 0

    @property
    def covers(self) -> tuple[int, ...]:
        return (self.hub, *self.members) if self.is_group else self.members


@dataclass(frozen=True)
class Prices:
    """Duals of the LP master and the prices a column pays: its reduced cost is
    ``post_price * posts + travel - sum(duals[covers]) - sigma (groups only)``; ``post_price`` is the
    post cost less the dual of the row "posts >= P*"."""

    duals: np.ndarray
    sigma: float
    post_price: float


@dataclass
class _Hub:
    """What hub ``h`` can lead: its forced members and the items (components) within reach."""

    forced: np.ndarray  # structure positions that must join (its component)
    forced_travel: int
    item_members: list[np.ndarray]
    item_need: np.ndarray  # milli-FTE per item
    item_count: np.ndarray
    item_travel: np.ndarray  # euros per item (members to h)


class CandidateSpace:
    """Structures, reach and options, turned into columns; prices and enumerates them."""

    def __init__(self, structures: pd.DataFrame, pairs: pd.DataFrame, post_cost: int, options: GroupingOptions):
        self.ids = pd.Index(structures["structure"].to_numpy(), name="structure")
        self.need = np.round(structures["need_fte"].to_numpy(float) * NEED_SCALE).astype(np.int64)
        self.post_cost = int(post_cost)
        n = len(self.ids)
        self.options = options = options.bounded(n)  # a maximum size of 0 (no bound): the number of structures
        pairs = pairs[pairs["structure"] != pairs["hub"]]
        s_pos, h_pos = self.ids.get_indexer(pairs["structure"]), self.ids.get_indexer(pairs["hub"])
        self.travel = {h: {} for h in range(n)}  # hub -> member -> euros
        for s, h, t in zip(s_pos, h_pos, np.round(pairs["travel_eur"].to_numpy(float)).astype(np.int64)):
            self.travel[h][s] = int(t)
        comp = _components(n, [(self.ids.get_loc(a), self.ids.get_loc(b)) for a, b in options.together]
                           + [(self.ids.get_loc(h), self.ids.get_loc(s)) for h, ms in options.fixed_groups.items()
                              for s in ms])
        self.component = comp
        members_of = pd.Series(np.arange(n)).groupby(comp).apply(lambda v: v.to_numpy()).to_dict()
        alone = {self.ids.get_loc(s) for s in options.alone}
        fixed_hub = {}
        for h in options.fixed_groups:
            c = comp[self.ids.get_loc(h)]
            if c in fixed_hub:
                raise GpecError(f"existing groups of {self.ids[fixed_hub[c]]} and {h} are joined by the options: "
                                "two kept groups cannot merge")
            fixed_hub[c] = self.ids.get_loc(h)
        for s in alone:
            if len(members_of[comp[s]]) > 1:
                raise GpecError(f"structure {self.ids[s]} must stay alone but is also asked to be grouped")
        self.may_stand_alone = np.array([not options.no_alone and len(members_of[comp[s]]) == 1
                                         and comp[s] not in fixed_hub for s in range(n)], dtype=bool)
        self.hubs: dict[int, _Hub] = {}
        max_members = options.max_size - 1
        for h in range(n):
            if h in alone or fixed_hub.get(comp[h], h) != h:
                continue
            reach = self.travel[h]
            forced = np.array([s for s in members_of[comp[h]] if s != h], dtype=np.int64)
            if any(s not in reach for s in forced) or len(forced) > max_members:
                continue
            items = [members_of[c] for c in sorted({comp[s] for s in reach} - {comp[h]})
                     if c not in fixed_hub and all(s in reach and s not in alone for s in members_of[c])]
            self.hubs[h] = _Hub(forced, sum(reach[s] for s in forced), items,
                                np.array([self.need[m].sum() for m in items], dtype=np.int64),
                                np.array([len(m) for m in items], dtype=np.int64),
                                np.array([sum(reach[s] for s in m) for m in items], dtype=np.int64))

    @property
    def n(self) -> int:
        return len(self.ids)

    def posts_for(self, need_milli: int) -> int:
        return int(-(-need_milli // NEED_SCALE))

    def alone_column(self, s: int) -> CandidateGroup:
        posts = self.posts_for(int(self.need[s]))
        return CandidateGroup(-1, (s,), posts, 0, posts * self.post_cost)

    def group_column(self, h: int, members) -> CandidateGroup:
        members = tuple(sorted(int(s) for s in members))
        posts = self.posts_for(int(self.need[h] + self.need[list(members)].sum()))
        travel = sum(self.travel[h][s] for s in members)
        return CandidateGroup(h, members, posts, travel, posts * self.post_cost + travel)

    def initial_columns(self) -> list[CandidateGroup]:
        """Every structure alone where it may be, and every kept group with its forced members only."""
        columns = [self.alone_column(s) for s in range(self.n) if self.may_stand_alone[s]]
        for h in self.options.fixed_groups:
            hub = self.hubs.get(self.ids.get_loc(h))
            if hub is not None and self.options.min_size <= 1 + len(hub.forced):
                columns.append(self.group_column(self.ids.get_loc(h), hub.forced))
        return columns

    # -- pricing ---------------------------------------------------------------------------------

    def price(self, prices: Prices, per_hub: int = 3,
              hubs: dict[int, _Hub] | None = None) -> tuple[list[CandidateGroup], np.ndarray]:
        """The columns of negative reduced cost (up to ``per_hub`` per hub, one per number of posts, the
        best first) and the least reduced cost of every hub (0 for a hub that leads nothing); ``hubs``
        (default: every hub and all it can lead) restricts them, as a node of :mod:`gpec.groupings.branch`
        does."""
        found, least = [], np.zeros(self.n)
        for h, hub in (self.hubs if hubs is None else hubs).items():
            best = self._best_per_posts(h, hub, prices)
            if best:
                least[h] = min(0.0, min(rc for rc, _ in best))
            for rc, members in sorted(best, key=lambda b: b[0])[:per_hub]:
                if rc < -1e-6:
                    found.append(self.group_column(h, members()))
        return found, least

    def _base(self, h: int, hub: _Hub, prices: Prices) -> tuple[int, int, float, np.ndarray]:
        """Need and size of the hub with its forced members, their value, and each item's profit."""
        d = prices.duals
        value = d[h] + prices.sigma + d[hub.forced].sum() - hub.forced_travel
        profit = np.array([d[m].sum() for m in hub.item_members]) - hub.item_travel if hub.item_members \
            else np.zeros(0)
        return int(self.need[h] + self.need[hub.forced].sum()), 1 + len(hub.forced), value, profit

    def _best_per_posts(self, h: int, hub: _Hub, prices: Prices):
        """Knapsack over (members added, exact summed need): the best reduced cost for each number of posts,
        with a function that returns the members of that group.

        An item of profit <= 0 never lowers a reduced cost; it only helps to reach the minimum size. When
        at most one more member is needed for it, the best group is either made of positive items only
        or is a single item (dropping the others lowers its cost), so the knapsack takes the positive
        items and every single item is priced apart; otherwise it takes every item.

        The count of members added is exact (up to the room the maximum size leaves) only when the items
        could overfill that room; otherwise it saturates at the members still needed for the minimum size
        (``--max-size 0``, no bound: two or three count states instead of one per reachable structure).
        """
        o = self.options
        base_need, base_count, base_value, profit = self._base(h, hub, prices)
        room = o.max_size - base_count  # members the knapsack may add
        short = max(o.min_size - base_count, 0)  # members still needed for the minimum size
        fits = hub.item_count <= room
        use = fits & (profit > 0) if short <= 1 else fits
        exact = int(hub.item_count[use].sum()) > room  # the maximum size can bind
        top = room if exact else short  # count states 0..top (top: "at least top" unless exact)
        width = int(np.sort(hub.item_need[use])[::-1][:max(room, 0)].sum()) + 1
        value = np.full((top + 1, width), -np.inf)
        value[0, 0] = 0.0
        taken = []
        for i in range(len(hub.item_members)):
            if not use[i]:
                taken.append(None)
                continue
            q, k = int(hub.item_need[i]), int(hub.item_count[i])
            old = value[:, :width - q] + profit[i]  # a copy: the values before item i
            target = value[:, q:]
            low = top + 1 - k if exact else max(top - k, 0)  # source counts that move up by k
            better = old[:low] > target[k:k + low]
            np.copyto(target[k:k + low], old[:low], where=better)
            if exact:
                taken.append((better, k, q, None))
                continue
            best_top, source = old[low].copy(), np.full(width - q, low, dtype=np.int32)
            for c in range(low + 1, top + 1):  # counts that saturate at top: the best of them (few rows)
                higher = old[c] > best_top
                np.copyto(best_top, old[c], where=higher)
                source[higher] = c
            better_top = best_top > target[top]
            np.copyto(target[top], best_top, where=better_top)
            source[~better_top] = -1
            taken.append((better, k, q, source))
        counts = np.arange(top + 1) + base_count
        rows = np.flatnonzero((counts >= o.min_size) & (counts <= o.max_size))
        posts = -(-(base_need + np.arange(width)) // NEED_SCALE)
        rc = prices.post_price * posts[None, :] - base_value - value[rows]
        row_of = np.argmin(rc, axis=0)
        least = rc[row_of, np.arange(width)]
        bands = np.flatnonzero(np.diff(posts, prepend=posts[0] - 1))  # first width of each number of posts
        best = {}
        for first, last in zip(bands, [*bands[1:], width]):
            w = first + int(np.argmin(least[first:last]))
            if np.isfinite(least[w]):
                state = (int(rows[row_of[w]]), int(w))  # the members are read back only for the groups kept
                best[int(posts[w])] = (float(least[w]), lambda state=state: self._members(hub, taken, *state, top))
        if short == 1:
            single_posts = -(-(base_need + hub.item_need) // NEED_SCALE)
            single_rc = prices.post_price * single_posts - base_value - profit
            for i in np.flatnonzero(fits):
                k = int(single_posts[i])
                if single_rc[i] < best.get(k, (np.inf,))[0]:
                    best[k] = (float(single_rc[i]), lambda i=i: [*hub.forced, *hub.item_members[i]])
        return list(best.values())

    @staticmethod
    def _members(hub: _Hub, taken, count: int, weight: int, top: int) -> list[int]:
        """The items the knapsack took to reach state (``count``, ``weight``), last item first."""
        chosen = list(hub.forced)
        for i in range(len(taken) - 1, -1, -1):
            if taken[i] is None:
                continue
            better, k, q, saturated = taken[i]
            if weight < q:
                continue
            if saturated is not None and count == top:
                source = saturated[weight - q]
                if source < 0:
                    continue
                count = int(source)
            elif k <= count and count - k < len(better) and better[count - k, weight - q]:
                count -= k
            else:
                continue
            chosen.extend(hub.item_members[i])
            weight -= q
        return chosen

    # -- enumeration -----------------------------------------------------------------------------

    def enumerate(self, prices: Prices, threshold: float, limit: int,
                  deadline: float = math.inf) -> list[CandidateGroup] | None:
        """Every group column of reduced cost <= ``threshold``; None when there are more than ``limit``
        or the search passes ``deadline`` (a ``time.perf_counter`` value)."""
        o = self.options
        out: list[CandidateGroup] = []
        visited = 0
        for h, hub in self.hubs.items():
            base_need, base_count, base_value, profit = self._base(h, hub, prices)
            order = np.argsort(-profit)
            profit, need, count = profit[order], hub.item_need[order], hub.item_count[order]
            gain = np.concatenate([np.cumsum(np.maximum(profit, 0.0)[::-1])[::-1], [0.0]])  # best possible rest
            stack = [(0, base_count, base_need, 0.0, ())]
            while stack:
                visited += 1
                if visited % 4096 == 0 and time.perf_counter() > deadline:
                    return None
                i, size, weight, value, picked = stack.pop()
                rc = prices.post_price * self.posts_for(weight) - base_value - value
                if o.min_size <= size and rc <= threshold + 1e-6:
                    out.append(self.group_column(h, [*hub.forced, *(s for j in picked
                                                                    for s in hub.item_members[order[j]])]))
                    if len(out) > limit:
                        return None
                if i >= len(profit) or size >= o.max_size:
                    continue
                # the most the remaining items can add: their positive profits, at most (M - size) of them
                rest = min(len(profit), i + o.max_size - size)
                if rc - (gain[i] - gain[rest]) > threshold + 1e-6:
                    continue
                for j in range(i, len(profit)):
                    if size + count[j] <= o.max_size:
                        stack.append((j + 1, size + int(count[j]), weight + int(need[j]), value + profit[j],
                                      (*picked, j)))
        return out


def _components(n: int, links: list[tuple[int, int]]) -> np.ndarray:
    parent = np.arange(n)

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in links:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return np.array([root(i) for i in range(n)])
