r"""Branch and price over candidate groups: a proof when the candidate groups are too many to list.

The LP master of :mod:`gpec.groupings.master` is solved by column generation at every node of a search
tree whose branches fix quantities of the compact model (:mod:`gpec.groupings.compact`), read from the
master's solution :math:`x`:

- :math:`P = \sum_g P_g x_g`, the posts of the plan (whole in any plan);
- :math:`y_h = \sum_{g \text{ led by } h} x_g`, structure :math:`h` leads a group;
- :math:`a_s = x_{\{s\}}`, structure :math:`s` stays alone;
- :math:`z_{c,h} = \sum_{g \text{ led by } h,\; c \subseteq g} x_g`, component :math:`c` (a structure, or
  structures that must be together) is a member of the group of :math:`h`.

When :math:`y, a, z` are whole, so is :math:`x` (each hub leads exactly the group of its members): the
solution is a plan. A branch on :math:`P` bounds the row :math:`\sum_g P_g x_g \ge P^*` on both sides
(its dual :math:`\mu` enters pricing as the post price :math:`c - \mu`). The other branches forbid the
candidate groups they contradict (upper bound 0 in the LP) and restrict pricing to the others
(:func:`restricted_hubs`): :math:`y_h = 0` drops hub :math:`h`; :math:`y_h = 1` forbids :math:`h` as a
member or alone; :math:`z_{c,h} = 0` drops :math:`c` from the items of :math:`h`; :math:`z_{c,h} = 1`
forces :math:`c` into the group of :math:`h` and :math:`h` to lead; :math:`a_s` keeps or drops the
column alone. Branching takes :math:`P` first, then the most fractional :math:`y`, :math:`a`, :math:`z`.

**Search.** Best bound first; a node is pruned when its bound, rounded up to whole euros (costs are whole
euros), reaches the incumbent, or is within the relative gap asked. Column generation at a node keeps the
Lagrangian bound :math:`z_{LP} + \sum_h \min(0, \min_S \bar c_{h,S})` of every round, so a node can be
pruned before its LP converges. Plans come from integral LP solutions, from dives (from a node, fix the
candidate group of largest fractional value and solve again, until a plan or a dead end) and from the
integer master over every column generated so far, started from the incumbent. The bound returned is
the least bound of the open nodes; what the deadline leaves is the incumbent, that bound and their gap.

Glossary: :math:`P_g` posts of group :math:`g`; :math:`P^*` the fewest posts (phase 1); :math:`c` post
cost; :math:`\bar c` reduced cost; :math:`\mu` dual of the posts row.
"""

from __future__ import annotations

import heapq
import itertools
import math
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from gpec.deadline import Deadline
from gpec.groupings.candidates import CandidateGroup, CandidateSpace, Prices, _Hub
from gpec.groupings.master import (TREE_MASTER_NEEDS, add_artificial_columns, lp_master, master_entries,
                                   master_model)
from gpec.solvers import relative_gap

#: Tolerance on LP values.
EPS = 1e-6
#: A dive every this many nodes (the first at the root).
DIVE_EVERY = 25


@dataclass(frozen=True)
class Decision:
    """A branch: ``kind`` ``posts`` (``hub`` holds the bound; ``value`` 1 for at least, 0 for at most),
    ``hub`` (:math:`y_h`), ``alone`` (:math:`a_s`, ``hub`` is :math:`s`) or ``member`` (:math:`z_{c,h}`,
    ``item`` the component :math:`c`); ``value`` 0 or 1."""

    kind: str
    hub: int
    item: int
    value: int


@dataclass
class Restriction:
    """What the decisions of a node leave."""

    banned_hubs: set = field(default_factory=set)
    forced_hubs: set = field(default_factory=set)
    banned_alone: set = field(default_factory=set)
    forced_alone: set = field(default_factory=set)
    banned_member: set = field(default_factory=set)  # (hub, component)
    forced_member: dict = field(default_factory=dict)  # component -> hub
    posts: tuple = (0, math.inf)

    @classmethod
    def of(cls, decisions) -> "Restriction":
        r = cls()
        for d in decisions:
            if d.kind == "posts":
                lo, hi = r.posts
                r.posts = (max(lo, d.hub), hi) if d.value else (lo, min(hi, d.hub))
            elif d.kind == "hub":
                (r.forced_hubs if d.value else r.banned_hubs).add(d.hub)
            elif d.kind == "alone":
                (r.forced_alone if d.value else r.banned_alone).add(d.hub)
            elif d.value:
                r.forced_member[d.item] = d.hub
                r.forced_hubs.add(d.hub)
            else:
                r.banned_member.add((d.hub, d.item))
        return r


class Pool:
    """Every candidate group generated, once, with the incidences that say which a node allows."""

    def __init__(self, space: CandidateSpace):
        self.space = space
        self.columns: list[CandidateGroup] = []
        self.keys: set = set()
        self._arrays = None

    def add(self, columns) -> list[CandidateGroup]:
        """Append the columns not in the pool yet; return them."""
        new = [c for c in dict.fromkeys(columns) if c.key not in self.keys]
        self.keys.update(c.key for c in new)
        self.columns.extend(new)
        if new:
            self._arrays = None
        return new

    def arrays(self):
        """Hub (-1 alone), structure alone (-1 for a group), and structure x column incidences of what a
        column covers and of its members."""
        if self._arrays is None:
            n, k = self.space.n, len(self.columns)

            def incidence(lists):
                rows = np.fromiter(itertools.chain.from_iterable(lists), np.int64)
                cols = np.repeat(np.arange(k), [len(v) for v in lists])
                return sp.csr_matrix((np.ones(len(rows), bool), (rows, cols)), shape=(n, k))

            cs = self.columns
            self._arrays = (np.array([c.hub for c in cs], np.int64),
                            np.array([-1 if c.is_group else c.members[0] for c in cs], np.int64),
                            incidence([c.covers for c in cs]),
                            incidence([c.members if c.is_group else () for c in cs]))
        return self._arrays

    def allowed(self, r: Restriction) -> np.ndarray:
        """Mask of the columns a node with restriction ``r`` allows."""
        hub, alone, cover, member = self.arrays()
        row = lambda m, s: m.getrow(s).toarray().ravel()
        ok = np.ones(len(self.columns), bool)
        for h in r.banned_hubs:
            ok &= hub != h
        for h in r.forced_hubs:
            ok &= ~(row(cover, h) & (hub != h))
        for s in r.banned_alone:
            ok &= alone != s
        for s in r.forced_alone:
            ok &= ~(row(cover, s) & (alone != s))
        for h, c in r.banned_member:  # a component is named by its smallest structure
            ok &= ~((hub == h) & row(member, c))
        for c, h in r.forced_member.items():
            ok &= ~(row(cover, c) & (hub != h)) & ~((hub == h) & ~row(member, c))
        return ok


def restricted_hubs(space: CandidateSpace, r: Restriction) -> dict[int, _Hub]:
    """The hubs a node may price and, for each, its forced members and the items it may still take."""
    comp = space.component
    barred = r.forced_hubs | r.forced_alone  # structures that cannot be members
    out = {}
    for h, hub in space.hubs.items():
        if h in r.banned_hubs or h in r.forced_alone or r.forced_member.get(comp[h], h) != h:
            continue
        if any(s in barred for s in hub.forced):
            continue
        keep, extra = [], []
        for i, members in enumerate(hub.item_members):
            c = comp[members[0]]
            free = not any(s in barred for s in members)
            if r.forced_member.get(c) == h and free:
                extra.append(i)
            elif c not in r.forced_member and (h, c) not in r.banned_member and free:
                keep.append(i)
        if len(extra) != sum(1 for owner in r.forced_member.values() if owner == h):
            continue  # a component forced into this group is out of its reach (or barred by another decision)
        forced = np.concatenate([hub.forced, *(hub.item_members[i] for i in extra)]).astype(np.int64)
        if 1 + len(forced) > space.options.max_size:
            continue
        keep = np.array(keep, dtype=np.int64)
        out[h] = _Hub(forced, int(hub.forced_travel + hub.item_travel[extra].sum()),
                      [hub.item_members[i] for i in keep], hub.item_need[keep], hub.item_count[keep],
                      hub.item_travel[keep])
    return out


class NodeLP:
    """The LP master, one live model for the whole tree (:func:`~gpec.groupings.master.lp_master`): a node
    sets its columns' bounds and the posts row's, then generates columns. It starts with an artificial
    column per structure (and on the groups row: :func:`gpec.groupings.master.add_artificial_columns`), so
    that every node's LP is feasible."""

    def __init__(self, space: CandidateSpace, columns, min_posts: int | None):
        self.space, self.min_posts = space, int(min_posts or 0)
        self.pool = Pool(space)
        n, grouped = space.n, space.options.groups is not None
        master = master_model(space, [], integer=False, min_posts=self.min_posts)
        self.lp = lp_master(master, TREE_MASTER_NEEDS)
        self.posts_row = n + int(grouped)
        artificial = add_artificial_columns(self.lp, space, True)
        self.offset = len(artificial)  # the LP column of pool column j is offset + j
        self.add(columns)

    def add(self, columns) -> list[CandidateGroup]:
        new = self.pool.add(columns)
        if new:
            rows, values = master_entries(self.space, new, True)
            self.lp.add_columns([c.cost for c in new], rows, values)
        return new

    def solve(self, r: Restriction, incumbent: float, deadline: Deadline):
        """Column generation at the node of ``r``: (bound, x over the pool or None when the node holds no
        plan or ran out of time, converged)."""
        space, n = self.space, self.space.n
        k = len(self.pool.columns)
        self.lp.change_col_bounds(np.arange(self.offset, self.offset + k), np.zeros(k),
                                  np.where(self.pool.allowed(r), np.inf, 0.0))
        self.lp.change_row_bounds(np.array([self.posts_row]), np.array([float(max(r.posts[0], self.min_posts))]),
                                  np.array([float(r.posts[1])]))
        hubs = restricted_hubs(space, r)
        grouped = space.options.groups is not None
        best, new = -math.inf, []
        while True:
            out = self.lp.solve(max(deadline.left(), 1.0), 0.0)
            if out.status == "infeasible":  # the posts bounds of the node leave no plan, even fractional
                return math.inf, None, True
            if out.status != "optimal":
                return best, None, False
            row_dual, _ = self.lp.duals()
            prices = Prices(row_dual[:n], row_dual[n] if grouped else 0.0,
                            post_price=space.post_cost - row_dual[self.posts_row])
            found, least = space.price(prices, hubs=hubs)
            best = max(best, out.objective + least.sum())
            new = self.add(found)
            if not new or prunable(best, incumbent) or deadline.passed():
                break
        converged = not new
        if converged and out.x[:self.offset].max(initial=0.0) > EPS:  # artificial columns: no plan here
            return math.inf, None, True
        x = np.zeros(len(self.pool.columns))
        x[:len(out.x) - self.offset] = out.x[self.offset:]
        return (max(out.objective, best) if converged else best), x, converged


def prunable(bound: float, incumbent: float, mip_gap: float = 0.0) -> bool:
    """No plan under ``bound`` beats ``incumbent`` by a whole euro (or by more than the gap asked)."""
    if bound == math.inf:
        return True
    if not (math.isfinite(bound) and math.isfinite(incumbent)):
        return False
    return (math.ceil(bound - 1e-6 * max(1.0, abs(bound))) >= incumbent - 1e-9
            or relative_gap(incumbent, bound) <= mip_gap)


def branching(pool: Pool, x: np.ndarray) -> tuple | None:
    """(kind, hub, item, value) of the quantity to branch on (module docstring), or None for a plan."""
    space = pool.space
    hub, alone, _, _ = pool.arrays()
    total = float(np.dot([c.posts for c in pool.columns], x))
    if min(total - math.floor(total), math.ceil(total) - total) > 1e-4:
        return "posts", math.floor(total), -1, total - math.floor(total)
    groups = hub >= 0
    y = np.bincount(hub[groups], weights=x[groups], minlength=space.n)
    a = np.zeros(space.n)
    a[alone[~groups]] = x[~groups]
    z: dict = {}
    for j in np.flatnonzero(groups & (x > EPS)):
        for s in pool.columns[j].members:
            key = (int(hub[j]), int(space.component[s]))
            z[key] = z.get(key, 0.0) + x[j]
    for kind, values in (("hub", enumerate(y)), ("alone", enumerate(a)), ("member", z.items())):
        open_ = [(min(v, 1 - v), key, v) for key, v in values if EPS < v < 1 - EPS]
        if open_:
            _, key, v = max(open_)
            h, c = (key, -1) if kind != "member" else key
            return kind, int(h), int(c), float(v)
    return None


def fix_column(space: CandidateSpace, column: CandidateGroup) -> list[Decision]:
    """The decisions that put ``column`` in the plan: its hub leads exactly its members."""
    if not column.is_group:
        return [Decision("alone", column.members[0], -1, 1)]
    comp, h = space.component, column.hub
    inside = {int(comp[s]) for s in column.members} - {int(comp[h])}
    out = [Decision("hub", h, -1, 1)] + [Decision("member", h, c, 1) for c in sorted(inside)]
    return out + [Decision("member", h, int(comp[m[0]]), 0) for m in space.hubs[h].item_members
                  if int(comp[m[0]]) not in inside]


@dataclass
class TreeOutcome:
    status: str  # optimal, feasible (a plan and a bound) or none (no plan found)
    objective: float
    bound: float
    chosen: list = field(default_factory=list)
    nodes: int = 0
    message: str = ""


class _Search:
    def __init__(self, space, columns, min_posts, plan, deadline: Deadline, solver: str, mip_gap: float):
        self.space, self.deadline, self.solver, self.mip_gap = space, deadline, solver, mip_gap
        self.min_posts = min_posts
        self.lp = NodeLP(space, [*columns, *plan, *space.initial_columns()], min_posts)
        self.plan = list(plan)
        self.best = float(sum(c.cost for c in plan)) if plan else math.inf
        self.nodes, self.found = 0, []

    def offer(self, plan, how: str) -> None:
        cost = float(sum(c.cost for c in plan))
        if cost < self.best - 1e-6:
            self.best, self.plan = cost, list(plan)
            self.found.append(f"{how} {cost:,.0f}")

    def plan_of(self, x: np.ndarray) -> list[CandidateGroup]:
        return [self.lp.pool.columns[j] for j in np.flatnonzero(x > 0.5)]

    def dive(self, decisions, deadline: Deadline) -> None:
        decisions = list(decisions)
        while not deadline.passed():
            bound, x, converged = self.lp.solve(Restriction.of(decisions), self.best, deadline)
            if x is None or not converged or prunable(bound, self.best, self.mip_gap):
                return
            if branching(self.lp.pool, x) is None:
                self.offer(self.plan_of(x), "dive")
                return
            j = int(np.argmax(np.where(x < 1 - EPS, x, 0.0)))
            decisions += fix_column(self.space, self.lp.pool.columns[j])

    def master(self, deadline: Deadline) -> None:
        from gpec.groupings.generation import _integer_master, _plan_hint

        columns = list(self.lp.pool.columns)
        out = _integer_master(self.space, columns, self.min_posts, self.solver, deadline, 0.0,
                              start=_plan_hint(columns, self.plan) if self.plan else None)
        if out.x is not None:
            self.offer([c for c, v in zip(columns, out.x) if v > 0.5], "integer master")

    def run(self) -> TreeOutcome:
        count = itertools.count()
        heap = [(-math.inf, next(count), ())]
        mastered = 0
        while heap and not self.deadline.passed():
            bound, _, decisions = heapq.heappop(heap)
            if prunable(bound, self.best, self.mip_gap):
                continue
            self.nodes += 1
            node_bound, x, converged = self.lp.solve(Restriction.of(decisions), self.best, self.deadline)
            if not converged and not prunable(node_bound, self.best, self.mip_gap):  # out of time
                heapq.heappush(heap, (max(bound, node_bound), next(count), decisions))
                break
            if x is None or prunable(node_bound, self.best, self.mip_gap):
                continue
            choice = branching(self.lp.pool, x)
            if choice is None:
                self.offer(self.plan_of(x), f"node {self.nodes}")
                continue
            if len(self.lp.pool.columns) > 1.5 * mastered:
                mastered = len(self.lp.pool.columns)
                self.master(self.deadline.within(max(10.0, 0.1 * self.deadline.left())))
            if self.nodes % DIVE_EVERY == 1:
                self.dive(decisions, self.deadline.share(0.2))
            kind, h, c, v = choice
            children = ([Decision("posts", h + 1, -1, 1), Decision("posts", h, -1, 0)] if kind == "posts" else
                        [Decision(kind, h, c, value) for value in ((1, 0) if v >= 0.5 else (0, 1))])
            for d in children:
                heapq.heappush(heap, (node_bound, next(count), (*decisions, d)))
        heap = [item for item in heap if not prunable(item[0], self.best, self.mip_gap)]
        bound = min([b for b, _, _ in heap] + [self.best])
        if not self.plan:
            return TreeOutcome("none", math.inf, bound, [], self.nodes, f"{self.nodes} nodes, no plan")
        status = "feasible" if heap else "optimal"
        found = f"; plans: {', '.join(self.found)}" if self.found else ""
        return TreeOutcome(status, self.best, min(bound, self.best), self.plan, self.nodes,
                           f"branch and price: {self.nodes} nodes, {len(heap)} open, {len(self.lp.pool.columns):,} "
                           f"columns{found}")


def branch_and_price(space: CandidateSpace, columns, min_posts: int | None, plan: list[CandidateGroup],
                     deadline: Deadline, solver: str = "highs", mip_gap: float = 0.0) -> TreeOutcome:
    """Search the tree (module docstring) from the ``columns`` known and the ``plan`` in hand (a list
    of candidate groups covering every structure once, or empty) until it is proven or ``deadline``."""
    return _Search(space, columns, min_posts, plan, deadline, solver, mip_gap).run()
