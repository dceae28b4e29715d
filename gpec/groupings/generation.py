"""Column generation for the groupings master (:mod:`gpec.groupings.master`), then a proof.

1. **Bound.** The LP master of cost, with the valid row :math:`\\sum_g P_g x_g \\ge P^*` when the fewest
   posts :math:`P^*` are known (phase 1 of :func:`gpec.groupings.solve.solve_groups`); its dual :math:`\\mu`
   lowers the price of a post in pricing to :math:`c - \\mu`. Without that row the LP relaxation mixes
   groups fractionally to pay barely more than :math:`\\sum_s q_s` posts: on the 59 Landes EHPAD its
   bound is 1.4 % below the optimum, 0.2 % with it. Columns are generated from the seed (phase 1's
   groups, every structure alone) until none prices out; the Lagrangian bound is kept at every round,
   and once nothing prices out the LP optimum is the bound.
2. **Incumbent.** The integer master over the columns found (HiGHS or CP-SAT; CP-SAT started from the
   plan in hand, phase 1's); a worse answer does not replace that plan.
3. **Proof.** A plan that uses a column of reduced cost above :math:`\\delta` costs more than
   :math:`L + \\delta` (:math:`L` the bound, same prices). So every column within :math:`\\delta` is
   enumerated and the integer master solved over them: its bound, capped at :math:`L + \\delta`, is a
   bound of the whole problem. :math:`\\delta` starts at half the gap and doubles until it covers the
   gap (then the master holds every better plan and its optimum is the optimum). When there are more
   than ``enumerate_limit`` such columns or their search takes more than a quarter of the time left,
   :math:`\\delta` is quartered and tried again, once: after a second such failure branch and price takes
   the time left. Groupings whose groups may be larger than :data:`ENUMERATE_MAX_SIZE` (``max_size``)
   skip this step.
4. **Branch and price** (:mod:`gpec.groupings.branch`) in the time left when the enumeration has not
   proven the optimum: its plans replace the incumbent when cheaper, its bound raises the bound. What the
   time limit leaves is the incumbent, its bound and gap (status ``feasible``).

**Time.** Every step runs by one :class:`gpec.deadline.Deadline`: column generation by half of it,
the first integer master by half of what is then left; each integer master is given the deadline as a
guard that stops the solver, keeping its incumbent, if it runs past.

The LP master is a live model of a backend with LP duals and column generation (HiGHS:
:func:`gpec.groupings.master.lp_master`), changed in place (columns appended), whichever backend solves
the integer masters. It starts with one artificial column per structure and on the groups row, at a cost
above any real plan: artificial columns left when nothing prices out mean no plan exists
(``infeasible``, with the structures that cannot be placed).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from gpec.deadline import Deadline
from gpec.groupings.branch import branch_and_price
from gpec.groupings.candidates import CandidateGroup, CandidateSpace, Prices
from gpec.groupings.master import add_artificial_columns, lp_master, master_entries, master_model
from gpec.solvers import relative_gap

#: Shares of the time limit: column generation, then the first integer master.
BOUND_SHARE, INCUMBENT_SHARE = 0.5, 0.25
ENUMERATE_LIMIT = 200_000
#: Groups larger than this are not enumerated (step 3): with large groups the columns within even a few
#: hundred euros of reduced cost number millions (the 167 EHPAD, groups of up to 8, already pass 200,000
#: within 167 EUR); branch and price (step 4) takes the whole time left instead.
ENUMERATE_MAX_SIZE = 12
#: An enumeration may take this share of the time left; after this many that list too many columns,
#: branch and price takes the rest.
ENUMERATE_SHARE, ENUMERATE_TRIES = 0.25, 2


@dataclass
class ColumnOutcome:
    status: str
    objective: float
    bound: float
    gap: float
    runtime_s: float
    min_posts: int = 0
    chosen: list[CandidateGroup] = field(default_factory=list)
    uncovered: list[int] = field(default_factory=list)
    message: str = ""


@dataclass
class _Generation:
    """One column generation run: its last LP solution and the best bound with the prices that gave it."""

    columns: list[CandidateGroup]
    rounds: int
    converged: bool
    artificial_rows: list[int]  # structures the LP master places only by their artificial column
    groups_unmet: bool  # the LP master meets --groups only by its artificial columns
    bound: float
    prices: Prices | None


def solve_by_columns(space: CandidateSpace, solver: str = "highs", deadline: Deadline | None = None,
                     mip_gap: float = 0.0, min_posts: int | None = None, seed: list[CandidateGroup] = (),
                     enumerate_limit: int = ENUMERATE_LIMIT, master_solutions: int | None = None) -> ColumnOutcome:
    """Bound, incumbent and proof, as above, by ``deadline`` (60 s from now by default); ``min_posts`` is a
    proven lower bound on the posts of any plan, ``seed`` the groups of a known plan (its other structures
    alone). The plan returned is never worse than the seed: every integer master has the best plan in
    hand to beat (CP-SAT as a start) and a worse answer does not replace it. ``master_solutions`` stops
    the first integer master at that many solutions (a deterministic limit, for tests)."""
    deadline = deadline or Deadline.after(60.0)
    began = deadline.clock()
    spent = lambda: deadline.clock() - began
    start = list({c.key: c for c in [*seed, *space.initial_columns()]}.values())  # each group once
    cost = _generate(space, start, min_posts, deadline.share(BOUND_SHARE))
    if cost.converged and (cost.artificial_rows or cost.groups_unmet):
        return ColumnOutcome("infeasible", math.nan, math.nan, math.inf, spent(), min_posts or 0,
                             uncovered=cost.artificial_rows,
                             message=f"no plan: after {cost.rounds} rounds of column generation, the LP master "
                                     "cannot place every structure")
    columns = cost.columns
    known = {c.key for c in columns}
    # any plan pays at least the fewest posts, travel aside
    floor = (min_posts or 0) * space.post_cost
    lower = max(math.ceil(cost.bound - 1e-6 * max(1.0, abs(cost.bound))) if math.isfinite(cost.bound) else floor,
                floor)
    state = "converged" if cost.converged else "stopped at the time limit"
    detail = f"column generation {cost.rounds} rounds, {state}, {len(columns):,} columns, LP bound {lower:,.0f}"
    chosen = _plan(space, columns, seed) if seed else None
    incumbent = sum(c.cost for c in chosen) if chosen else math.inf
    first = _integer_master(space, columns, min_posts, solver, deadline.share(INCUMBENT_SHARE / (1 - BOUND_SHARE)),
                            mip_gap, start=_plan_hint(columns, chosen) if chosen else None,
                            solution_limit=master_solutions)
    if first.x is not None and round(first.objective) < incumbent:
        incumbent, chosen = round(first.objective), _chosen(columns, first.x)  # whole euros
    elif chosen:
        detail += (f"; integer master: {first.solver_status} {_value(first.objective)}, "
                   f"not better than phase 1's plan ({incumbent:,.0f}), which is kept")
    else:
        detail += f"; integer master: {first.solver_status}, no plan"
    # step 3 of the module docstring
    bound, too_wide, failed = lower, math.inf, 0
    delta = max((incumbent - cost.bound) / 2, 1.0)
    enumerable = space.options.max_size <= ENUMERATE_MAX_SIZE and cost.prices is not None and chosen is not None
    while (enumerable and incumbent - bound >= 1.0 and relative_gap(incumbent, bound) > mip_gap
           and deadline.left() > max(2.0, 0.1 * (deadline.at - began)) and delta >= 1.0):  # a large master
        # the enumeration may take a share of the time left
        extra = space.enumerate(cost.prices, delta, enumerate_limit,
                                deadline=_perf(deadline.share(ENUMERATE_SHARE)))
        if extra is None:
            detail += f"; more than {enumerate_limit:,} columns (or too long a search) within {delta:,.0f} EUR"
            failed += 1
            if failed == ENUMERATE_TRIES:  # branch and price takes the time left
                break
            too_wide, delta = delta, delta / 4
            continue
        pool = columns + [c for c in extra if c.key not in known]
        master = _integer_master(space, pool, min_posts, solver, deadline, mip_gap, start=_plan_hint(pool, chosen))
        if master.x is not None and master.objective < incumbent - 1e-6:
            incumbent, chosen = round(master.objective), _chosen(pool, master.x)
        if math.isfinite(master.bound):
            bound = max(bound, math.ceil(min(master.bound, cost.bound + delta) - 1e-6))
        detail += (f"; {len(pool) - len(columns):,} columns within {delta:,.0f} EUR of the bound: "
                   f"{master.solver_status} {_value(master.objective)}")
        if delta >= incumbent - cost.bound or 2 * delta >= too_wide:
            break
        delta = min(2 * delta, incumbent - cost.bound)
    proven = incumbent - bound < 1.0 or relative_gap(incumbent, bound) <= mip_gap
    if not proven and deadline.left() > 1.0:  # step 4
        tree = branch_and_price(space, columns, min_posts, chosen or [], deadline, solver, mip_gap)
        if tree.chosen and tree.objective < incumbent - 1e-6:
            incumbent, chosen = round(tree.objective), tree.chosen
        if math.isfinite(tree.bound):
            bound = max(bound, math.ceil(tree.bound - 1e-6))
        detail += f"; {tree.message}"
        proven = incumbent - bound < 1.0 or relative_gap(incumbent, bound) <= mip_gap
    if deadline.passed():
        detail += "; stopped at the deadline"
    if chosen is None:
        return ColumnOutcome("error", math.nan, lower, math.inf, spent(), min_posts or 0,
                             message=f"{detail}; no grouping found in the time given (neither phase 1 nor the "
                                     "integer masters nor branch and price found a plan: a longer --time-limit "
                                     "may find one)")
    return ColumnOutcome("optimal" if proven else "feasible", incumbent, min(bound, incumbent),
                         relative_gap(incumbent, min(bound, incumbent)), spent(), min_posts or 0,
                         chosen, message=detail)


def _plan(space: CandidateSpace, columns: list[CandidateGroup], groups) -> list[CandidateGroup] | None:
    """The plan of ``groups`` with every other structure alone, as columns; None when it is not a plan
    (a structure that may not stand alone is in no group)."""
    plan = _chosen(columns, _plan_hint(columns, groups))
    covered = sorted(s for c in plan for s in c.covers)
    return plan if covered == list(range(space.n)) else None


def _value(objective: float) -> str:
    return f"{objective:,.0f}" if math.isfinite(objective) else "no plan"


def _perf(deadline: Deadline) -> float:
    """``deadline`` as a ``time.perf_counter`` value (for the enumeration's own checks)."""
    return time.perf_counter() + deadline.left()


def _generate(space: CandidateSpace, columns: list[CandidateGroup], min_posts: int | None,
              deadline: Deadline) -> _Generation:
    """Column generation on the LP master until nothing prices out or ``deadline`` passes."""
    n, grouped = space.n, space.options.groups is not None
    columns = list(columns)
    known = {c.key for c in columns}
    lp = lp_master(master_model(space, columns, integer=False, min_posts=min_posts))
    artificial = add_artificial_columns(lp, space, min_posts is not None)
    posts_row = n + int(grouped)
    first_artificial = len(columns)
    rounds, best, new, x = 0, (-math.inf, None), [None], None
    while True:
        out = lp.solve(max(deadline.left(), 1.0), 0.0)
        if out.status != "optimal":  # out of time: the previous round's bound and columns stand
            break
        rounds, x = rounds + 1, out.x
        row_dual, _ = lp.duals()
        mu = row_dual[posts_row] if min_posts is not None else 0.0
        prices = Prices(row_dual[:n], row_dual[n] if grouped else 0.0, post_price=space.post_cost - mu)
        new, least = space.price(prices)
        bound = out.objective + least.sum()
        if bound > best[0]:
            best = (bound, prices)
        new = [c for c in new if c.key not in known]
        if not new or deadline.passed():
            break
        known.update(c.key for c in new)
        rows, values = master_entries(space, new, min_posts is not None)
        lp.add_columns([c.cost for c in new], rows, values)
        columns.extend(new)
    converged = not new
    used = [] if x is None else [r for k, r in enumerate(artificial) if x[first_artificial + k] > 1e-6]
    return _Generation(columns, rounds, converged, sorted({r for r in used if r < n}), n in used,
                       out.objective if converged else best[0], prices if converged else best[1])


#: Backends for groupings, and the CP-SAT parameters measured best on the Landes EHPAD: the fewest posts
#: on the compact model are proved in 6 s with two LP-based workers (``linearization_level`` 2; 23 s with
#: one), the set-partitioning masters in about 20 s with one (two proved nothing in 60 s).
SOLVERS = ("highs", "cpsat")
CPSAT_COMPACT = {"num_workers": 2, "linearization_level": 2}
CPSAT_MASTER = {"num_workers": 1, "linearization_level": 2}


def group_backend(solver: str, lp, cpsat_parameters: dict = CPSAT_MASTER):
    """A HiGHS or CP-SAT backend for a grouping model (compact or master). Chosen by name: ``--solver`` is a
    choice of method (CP-SAT, for pure-integer models with integer data, takes its own parameters), not a
    capability the code needs."""
    from gpec.solvers.cpsat import CpSatBackend
    from gpec.solvers.highs import HighsBackend

    return HighsBackend(lp) if solver == "highs" else CpSatBackend(lp, parameters=cpsat_parameters)


def _integer_master(space: CandidateSpace, columns: list[CandidateGroup], min_posts: int | None, solver: str,
                    deadline: Deadline, mip_gap: float, start: np.ndarray | None = None,
                    solution_limit: int | None = None):
    """Build and solve the integer master by ``deadline`` (building included); the solver is stopped at the
    deadline, with its incumbent, if it overruns its own limit. CP-SAT is started from ``start``; HiGHS is
    not: HiGHS 1.16 may value a start of these masters below its cost (measured on 200 structures: a plan
    of 9,199,392 EUR taken for 9,031,830) and then prunes every plan between the two, so the plan in hand
    is only the incumbent to beat (the caller keeps it unless a cheaper one comes back)."""
    model = master_model(space, columns, min_posts=min_posts)
    backend = group_backend(solver, model)
    backend.set_objective(model.objective_vector("cost"))
    backend.set_guard(deadline.passed)
    if start is not None and solver == "cpsat":  # by name: both take starts, HiGHS mis-values these (above)
        backend.set_start(start)
    return backend.solve(max(deadline.left(), 0.01), mip_gap, solution_limit=solution_limit)


def _plan_hint(columns: list[CandidateGroup], plan: list[CandidateGroup]) -> np.ndarray:
    """1 for the columns of ``plan`` and for the structures it leaves alone, 0 elsewhere."""
    used = {c.key for c in plan}
    placed = {s for c in plan for s in c.covers}
    return np.array([c.key in used or (not c.is_group and c.members[0] not in placed)
                     for c in columns], float)


def _chosen(columns: list[CandidateGroup], x: np.ndarray) -> list[CandidateGroup]:
    return [c for c, v in zip(columns, x) if v > 0.5]
