"""Branch and price for groupements d'employeurs: a node prices exactly the candidate groups its
decisions allow (against brute force), and the search alone proves the optimum of the compact model.

Brute force as in ``tests/test_group_candidates.py``: every subset of a hub's reach of the allowed size.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gpec.deadline import Deadline
from gpec.groupings import GroupingOptions, solve_groups
from gpec.groupings.branch import Decision, Pool, Restriction, branch_and_price, restricted_hubs
from gpec.groupings.candidates import CandidateSpace, Prices
from tests.test_group_candidates import _brute, _random_case


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), max_size=st.sampled_from([3, 4, 8]), picks=st.integers(1, 4))
def test_a_node_prices_exactly_the_groups_its_decisions_allow(seed, max_size, picks):
    """Random decisions on hubs, members and structures alone: the least reduced cost pricing finds for
    each hub under them equals the least over every group the node's column filter (:class:`Pool`)
    allows, found by brute force; and every group pricing returns passes that filter."""
    data = _random_case(seed, reach=0.9)
    options = GroupingOptions(max_minutes=30, min_size=2, max_size=max_size)
    space = CandidateSpace(data.structures, data.pairs(30), 10_000, options)
    rng = np.random.default_rng(seed)
    decisions = []
    for _ in range(picks):
        h = int(rng.integers(space.n))
        kind = rng.choice(["hub", "member", "alone"])
        reach = sorted(space.travel[h])
        if kind == "member" and reach:
            decisions.append(Decision("member", h, int(rng.choice(reach)), int(rng.integers(2))))
        else:
            decisions.append(Decision("hub" if kind != "alone" else "alone", h, -1, int(rng.integers(2))))
    decided = {}
    for d in decisions:  # a tree decides a quantity once: the first decision on each stands
        decided.setdefault((d.kind, d.hub, d.item), d)
    r = Restriction.of(decided.values())
    prices = Prices(rng.uniform(2_000, 12_000, space.n), 0.0, 10_000.0)
    everything = [space.group_column(h, members) for h, members, _ in _brute(space, prices)]
    pool = Pool(space)
    pool.add(everything)
    allowed = pool.allowed(r)
    expected = np.zeros(space.n)
    for c, ok in zip(pool.columns, allowed):
        if ok:
            rc = prices.post_price * c.posts + c.travel - prices.duals[list(c.covers)].sum()
            expected[c.hub] = min(expected[c.hub], rc)
    found, least = space.price(prices, hubs=restricted_hubs(space, r))
    assert least == pytest.approx(expected, abs=1e-6)
    check = Pool(space)
    check.add(found)
    assert check.allowed(r).all()


@pytest.mark.parametrize("seed, options", [
    (0, GroupingOptions(max_minutes=30, max_size=4)),
    (1, GroupingOptions(max_minutes=30, max_size=0)),
    (2, GroupingOptions(max_minutes=30, max_size=0, no_alone=False, groups=3)),
    (6, GroupingOptions(max_minutes=30, min_size=3, max_size=5)),
])
def test_branch_and_price_alone_proves_the_compact_optimum(seed, options):
    """From every structure alone (no seed, no enumeration), branch and price proves the optimum that the
    compact model (another formulation) proves with HiGHS. The proof ends each run; the 600-second
    deadline only stops a hang."""
    data = _random_case(seed, n=10, reach=0.7)
    compact = solve_groups(data, options, method="compact", time_limit=600, mip_gap=0.0)
    assert compact.status == "optimal", compact.message
    space = CandidateSpace(data.structures, data.pairs(30), 10_000, options)
    alone = space.initial_columns()
    tree = branch_and_price(space, [], None, alone, Deadline.after(600))
    assert tree.status == "optimal", tree.message
    assert tree.objective == pytest.approx(compact.objective) and tree.bound == pytest.approx(tree.objective)
    assert sorted(s for c in tree.chosen for s in c.covers) == list(range(space.n))
    assert sum(c.cost for c in tree.chosen) == pytest.approx(tree.objective)


def test_branch_and_price_without_a_plan_in_hand_finds_one():
    """No plan given and no structure may stay alone: the tree's dives and integral nodes find the plan
    (the compact model's optimum) or the run says there is none."""
    data = _random_case(4, n=9, reach=0.9)
    options = GroupingOptions(max_minutes=30, max_size=0, no_alone=True)
    compact = solve_groups(data, options, method="compact", time_limit=600)
    space = CandidateSpace(data.structures, data.pairs(30), 10_000, options)
    tree = branch_and_price(space, [], None, [], Deadline.after(600))
    if compact.status == "infeasible":
        assert tree.status == "none" and not tree.chosen
    else:
        assert tree.status == "optimal" and tree.objective == pytest.approx(compact.objective), tree.message
        assert math.isfinite(tree.bound)
