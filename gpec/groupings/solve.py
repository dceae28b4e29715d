"""Solve a grouping in two phases (the fewest posts, then the least cost), read its groups and check them."""

from __future__ import annotations

import dataclasses
import math
import time

import numpy as np
import pandas as pd

from gpec import interrupt
from gpec.deadline import Deadline
from gpec.errors import GpecError
from gpec.groupings.check import evaluate_groups
from gpec.groupings.data import GroupData, check_group_data
from gpec.groupings.options import NEED_SCALE, GroupingOptions, check_run, check_structures, check_values, isolated
from gpec.groupings.result import GroupResult, _finite, _tables
from gpec.solvers import relative_gap

#: Share of the time limit for phase 1 (the fewest posts).
PHASE1_SHARE = 0.25
#: Seconds the deadline's clock jumps once a stop is requested (gpec.interrupt): every deadline passes.
STOP_JUMP_S = 1e9


def solve_groups(data: GroupData, options, solver: str = "highs", time_limit: float = 60.0,
                 mip_gap: float = 0.0, method: str = "columns", progress=None, clock=time.perf_counter,
                 master_solutions: int | None = None) -> GroupResult:
    """Solve the grouping problem with HiGHS or CP-SAT, read the groups and check them.

    Phase 1 (both methods) finds the fewest posts on the compact model (:mod:`gpec.groupings.compact`), a
    small problem whose proven bound :math:`P^*` (at least the summed need, rounded up) is a valid cut
    ``total posts >= P*``. Phase 2 minimises cost: ``method="columns"`` (default) by column generation,
    enumeration and branch and price over whole candidate groups (:mod:`gpec.groupings.generation`,
    :mod:`gpec.groupings.branch`); ``method="compact"`` on the compact model with the cut, warm-started
    from phase 1. ``progress`` (:class:`gpec.progress.Progress`) is told of each phase.

    **Time.** One :class:`gpec.deadline.Deadline`, ``time_limit`` seconds on ``clock``, is passed down:
    each phase sets its solver's limit from what is left and gives the solver the deadline as a guard
    that stops it, keeping its incumbent, if it runs past. **Plans in hand.** Phase 1's plan is what
    phase 2 must beat (CP-SAT and the compact method start from it) and stands unless phase 2 finds a
    cheaper one: the result is the best plan either found, with the best bound. ``master_solutions``
    (tests) stops phase 2's first integer master at that many solutions.

    **Checks.** Before anything is built, ``time_limit`` (finite, above 0), ``mip_gap`` (in [0, 1)), the
    options (:func:`~gpec.groupings.options.check_options`, each part once) and the data
    (:func:`~gpec.groupings.data.check_group_data`) are checked as ``gpec groups`` checks them: a bad
    value raises :class:`~gpec.errors.GpecError` naming it.

    **Interrupt.** Ctrl-C or SIGTERM (:func:`gpec.interrupt.catching`, open for the solve) stops the solver
    running at once and passes the deadline, so that nothing more is started: the best plan in hand is
    returned, checked, its message beginning with ``interrupted``; with no plan yet,
    :class:`gpec.interrupt.Interrupted` is raised (so that ``gpec groups`` writes nothing). A stop during
    phase 1 keeps phase 1's plan without starting phase 2, also when its HiGHS run did not stop within
    :data:`gpec.interrupt.GRACE_S` and was left running (the plan is then the best its callback reported;
    that solver is not touched again); a stop during phase 2 keeps phase 2's best plan, or phase 1's.
    """
    check_run(time_limit, mip_gap)
    check_group_data(data)
    check_values(options, len(data.structures))
    with interrupt.catching() as caught:
        result = _solve_groups(data, options, solver, time_limit, mip_gap, method, progress, clock,
                               master_solutions)
        if caught.signum is None:
            return result
        if not result.has_solution:
            raise interrupt.Interrupted("no grouping found; nothing written")
        result.message = f"interrupted ({caught.name}): the best plan found is returned; {result.message}"
        return result


def _stopping(clock):
    """``clock``, jumping :data:`STOP_JUMP_S` ahead once a stop is requested (every deadline then passes)."""
    return lambda: clock() + (STOP_JUMP_S if interrupt.requested() else 0.0)


def _solve_groups(data: GroupData, options, solver: str, time_limit: float, mip_gap: float, method: str,
                  progress, clock, master_solutions: int | None) -> GroupResult:
    """:func:`solve_groups` within its interrupt catching."""
    asked, options = options, options.bounded(len(data.structures))
    from gpec.groupings.candidates import CandidateSpace
    from gpec.groupings.compact import build_grouping_model
    from gpec.groupings.generation import CPSAT_COMPACT, SOLVERS, group_backend

    if solver not in SOLVERS:
        raise GpecError(f"--solver {solver}: unknown solver for groups (available: {', '.join(SOLVERS)})")
    if method not in ("columns", "compact"):
        raise GpecError(f"--method {method}: unknown method for groups (available: columns, compact)")
    pairs = data.pairs(options.max_minutes)
    check_structures(data, options, pairs)  # the values were checked as asked (solve_groups)
    if lonely := isolated(data, options, pairs):
        return _isolated_result(data, asked, pairs, lonely, solver, method)
    started = clock()  # the run's time, on the plain clock (the deadline's jumps on an interrupt)
    deadline = Deadline.after(time_limit, _stopping(clock))
    post_cost = int(round(data.post["cost_eur"]))
    space = CandidateSpace(data.structures, pairs, post_cost, options)  # also rejects contradictory options
    model = build_grouping_model(data.structures, pairs, post_cost, options)
    backend = group_backend(solver, model.lp, CPSAT_COMPACT)
    count = model.posts_vector()
    backend.set_objective(count)
    backend.set_guard(deadline.passed)
    _phase_started(progress, "fewest posts", backend)
    first = backend.solve(max(PHASE1_SHARE * deadline.left(), 0.01), 0.0)
    _phase_done(progress, "fewest posts", first)
    summed = int(-(-model.need_milli.sum() // NEED_SCALE))  # no plan has fewer posts than the summed need
    min_posts = max(summed, math.ceil(first.bound - 1e-6) if math.isfinite(first.bound) else 0)
    message = (f"fewest posts: {first.status} {_text(first.objective, 'g')} (bound {_text(first.bound, 'g')}, "
               f"{first.runtime_s:.2f} s); ")
    if interrupt.requested():  # a stop by the end of phase 1: nothing more is started, its solver not touched
        outcome, chosen, solver_status = _phase1_kept(model, pairs, first, min_posts * post_cost, mip_gap)
    else:
        outcome, chosen, solver_status = _least_cost(data, model, pairs, backend, space, first, min_posts, method,
                                                     solver, deadline, mip_gap, progress, master_solutions)
    standalone = int(model.standalone_posts.sum())
    result = GroupResult(
        status=outcome.status, objective=outcome.objective, bound=outcome.bound, gap=outcome.gap,
        runtime_s=clock() - started, solver=solver, post_type=data.post["post_type"],
        options=asked.record(),
        n_structures=len(data.structures), n_pairs=len(pairs), standalone_posts=standalone, posts=0, posts_saved=0,
        standalone_cost_eur=standalone * data.post["cost_eur"], post_cost_eur=math.nan, travel_eur=math.nan,
        n_groups=0, min_posts=min_posts, method=method,
        message=message + f"least cost ({method}): {solver_status}")
    if not result.has_solution:
        return result
    groups, group_posts = _tables(data, pairs, chosen)
    result.groups, result.group_posts = groups, group_posts
    alone = groups.loc[groups["role"] == "alone", "structure"]
    result.posts = int(group_posts["posts"].sum() + model.standalone_posts[alone].sum())
    result.posts_saved = standalone - result.posts
    result.post_cost_eur = result.posts * data.post["cost_eur"]
    result.travel_eur = float(groups["travel_eur"].sum())
    result.n_groups = len(group_posts)
    found = evaluate_groups(data, options, groups, group_posts, reported_cost=outcome.objective)
    result.violations, result.violation_details = len(found), found[:50]
    return result


def _least_cost(data: GroupData, model, pairs: pd.DataFrame, backend, space, first, min_posts: int, method: str,
                solver: str, deadline: Deadline, mip_gap: float, progress, master_solutions: int | None):
    """Phase 2, the least cost with at least ``min_posts`` posts, from phase 1's outcome ``first`` (its
    plan stands unless a cheaper one is found): (outcome, chosen groups as (hub, members, posts), its
    words for the message)."""
    _phase_started(progress, f"least cost ({method})", backend)
    post_cost, count = space.post_cost, model.posts_vector()
    if method == "columns":
        from gpec.groupings.generation import solve_by_columns

        seed = [] if first.x is None else [space.group_column(space.ids.get_loc(h), space.ids.get_indexer(list(m)))
                                           for h, m, _ in _compact_groups(model, pairs, np.round(first.x))]
        outcome = solve_by_columns(space, solver, deadline, mip_gap, min_posts=min_posts, seed=seed,
                                   master_solutions=master_solutions)
        chosen = [(space.ids[c.hub], [space.ids[s] for s in c.members], c.posts) for c in outcome.chosen if c.is_group]
        solver_status = outcome.message
        if outcome.status == "infeasible":
            solver_status += "; " + _why_no_plan(data, space, outcome.uncovered)
    else:
        backend.set_objective(model.lp.objective_vector("cost"))
        if first.x is not None:
            backend.add_row(count, min_posts, math.inf)
            backend.set_start(first.x)  # after the costs change: changing them drops a start
        outcome = backend.solve(max(deadline.left(), 0.01), mip_gap, solution_limit=master_solutions)
        solver_status = f"{outcome.solver_status}, gap {_text(outcome.gap, '.2e')}, {outcome.runtime_s:.2f} s"
        kept = math.inf if first.x is None else float(first.x @ model.lp.objective_vector("cost"))  # phase 1's
        if outcome.x is None and math.isfinite(kept) or outcome.x is not None and outcome.objective > kept:
            solver_status += f"; not better than phase 1's plan ({kept:,.0f}), which is kept"
            bound = max(outcome.bound if math.isfinite(outcome.bound) else -math.inf, min_posts * post_cost)
            outcome = dataclasses.replace(outcome, status="feasible", objective=kept, x=first.x,
                                          bound=min(bound, kept), gap=relative_gap(kept, min(bound, kept)))
        chosen = [] if outcome.x is None else _compact_groups(model, pairs, np.round(outcome.x))
    _phase_done(progress, f"least cost ({method})", outcome)
    return outcome, chosen, solver_status


def _phase1_kept(model, pairs: pd.DataFrame, first, floor: float, mip_gap: float):
    """(outcome, chosen groups, words) of phase 1's plan standing alone: a stop was requested during phase
    1, so phase 2 is not started (and phase 1's solver, perhaps left running in its thread after the
    signal, is not touched again). The plan is phase 1's incumbent (HiGHS left running: the best its
    callback reported), costed; its bound is ``floor``, the cost of the fewest posts (travel aside),
    which every plan pays. Without a plan: status ``error`` and no groups."""
    if first.x is None:
        none = dataclasses.replace(first, status="error", objective=math.nan, bound=math.nan, gap=math.inf)
        return none, [], f"not run; phase 1: {first.solver_status}, no plan"
    x = np.round(first.x)
    cost = float(x @ model.lp.objective_vector("cost"))
    bound = min(floor, cost)
    gap = relative_gap(cost, bound)
    kept = dataclasses.replace(first, status="optimal" if gap <= mip_gap else "feasible", objective=cost,
                               bound=bound, gap=gap, x=x, runtime_s=0.0)
    return kept, _compact_groups(model, pairs, x), \
        f"not run; phase 1: {first.solver_status}; its plan ({cost:,.0f} EUR) is kept"


def _isolated_result(data: GroupData, asked: GroupingOptions, pairs: pd.DataFrame, lonely: list[str], solver: str,
                     method: str) -> GroupResult:
    """No plan, with no model built: every structure must join a group (``--no-alone``) but those of
    ``lonely`` have no other structure within the travel limit; the message names each."""
    names = data.structures.set_index("structure")["name"]
    need = np.round(data.structures["need_fte"].to_numpy(float) * NEED_SCALE).astype(np.int64)
    standalone = int((-(-need // NEED_SCALE)).sum())  # each structure's need rounded up, as in the models
    far = "; ".join(f"{s} ({names[s]}) has no other structure within {asked.max_minutes:g} minutes" for s in lonely)
    return GroupResult(
        status="infeasible", objective=math.nan, bound=math.nan, gap=math.inf, runtime_s=0.0, solver=solver,
        post_type=data.post["post_type"], options=asked.record(), n_structures=len(data.structures),
        n_pairs=len(pairs), standalone_posts=standalone, posts=0, posts_saved=0,
        standalone_cost_eur=standalone * data.post["cost_eur"], post_cost_eur=math.nan, travel_eur=math.nan,
        n_groups=0, method=method, message=f"no plan: every structure must join a group (--no-alone) but {far}")


def _phase_started(progress, name: str, backend) -> None:
    if progress is not None:
        progress.start(name)
        if hasattr(backend, "set_progress"):
            backend.set_progress(progress.update)


def _phase_done(progress, name: str, outcome) -> None:
    from gpec.results import StageReport

    if progress is not None:
        progress.done(StageReport(name, outcome.status, outcome.objective, outcome.bound, outcome.gap,
                                  outcome.runtime_s, ""))


def _why_no_plan(data: GroupData, space, uncovered: list[int]) -> str:
    """The structures no plan can place, and the option that pins each of them, in planner terms."""
    names = data.structures.set_index("structure")["name"]
    o = space.options
    if not uncovered:
        return (f"--groups {o.groups}{' (at most)' if not o.groups_exact else ''} cannot be met with groups of "
                f"{o.size_words(space.n)} within {o.max_minutes:g} minutes")
    parts = []
    for s in uncovered:
        mates = [space.ids[t] for t in np.flatnonzero(space.component == space.component[s]) if t != s]
        most = "" if o.max_size >= space.n else f" and a group of at most {o.max_size}"
        why = (f"must be grouped with {', '.join(mates)} (--together/--keep) but no hub has them all within "
               f"{o.max_minutes:g} minutes{most}") if mates else \
            f"no group of {o.size_words(space.n)} within {o.max_minutes:g} minutes can hold it" + \
            (" and --no-alone forbids it to stay alone" if o.no_alone else "")
        parts.append(f"{space.ids[s]} ({names[space.ids[s]]}) {why}")
    return "cannot be placed: " + "; ".join(parts)


def _compact_groups(model, pairs: pd.DataFrame, x: np.ndarray) -> list[tuple[str, list[str], int]]:
    """(hub, members, posts) of the groups of a compact-model solution."""
    hubs = [h for h, v in zip(model.hub.index, x[model.hub.positions]) if v > 0.5]
    chosen = pairs[x[model.member.positions] > 0.5]
    members = chosen.groupby("hub")["structure"].apply(list).to_dict()
    posts = dict(zip(model.posts.index, x[model.posts.positions]))
    return [(h, members.get(h, []), int(posts[h])) for h in hubs]


def _text(value, spec: str) -> str:
    """A number of the solver's message, or words when it is not finite (no ``nan``/``inf`` in messages)."""
    if not _finite(value):
        return "no finite bound" if value is not None and value == -math.inf else "no value"
    return format(float(value), spec)
