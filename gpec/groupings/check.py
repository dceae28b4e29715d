"""The independent check of a grouping: from its tables and the data alone, with no model or solver code."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from gpec.groupings.data import GroupData


def evaluate_groups(data: GroupData, options, groups: pd.DataFrame, group_posts: pd.DataFrame,
                    reported_cost: float | None = None) -> list[dict]:
    """Re-check a grouping from its tables (no model code): every structure once; members within the
    travel limit of their hub; sizes within bounds (a maximum of 0: no bound); posts cover the members'
    summed need (each need to the nearest 0.001 FTE) and an alone structure's own; options respected (kept
    groups too, no structure alone with ``no_alone``); the cost recomputed in exact integer arithmetic
    (:func:`_check_cost`), so that no overflow in a solver can pass as a plan with no violation."""
    found = []
    flag = lambda family, label, detail: found.append({"family": family, "label": str(label), "detail": detail})
    need = data.structures.set_index("structure")["need_fte"]
    seen = groups["structure"].value_counts()
    for s in need.index:
        if seen.get(s, 0) != 1:
            flag("assign", s, f"listed {seen.get(s, 0)} times (must be once)")
    minutes = data.minutes.set_index(["origin", "destination"])["minutes"]
    members = groups[groups["role"] == "member"]
    for r in members.itertuples(index=False):
        m = minutes.get((r.structure, r.hub), math.inf)
        if not m <= options.max_minutes + 1e-9:
            flag("travel", r.structure, f"{m:.1f} minutes to hub {r.hub} > {options.max_minutes:g}")
    hubs = set(groups.loc[groups["role"] == "hub", "structure"])
    for g in set(members["hub"]) - hubs:
        flag("assign", g, "members assigned to a structure that is not a hub")
    sizes = groups[groups["role"] != "alone"].groupby("group").size()
    most = options.max_size or math.inf  # 0: no bound
    for g, n in sizes.items():
        if not options.min_size <= n <= most:
            flag("size", g, f"{n} structures; groups must have {options.size_words()} structures")
    posts = group_posts.set_index("group")["posts"]
    # each structure's need counts to the nearest 0.001 FTE, the precision of the model (NEED_SCALE)
    grouped = groups[groups["role"] != "alone"]
    summed = grouped["structure"].map(need.round(3)).groupby(grouped["group"]).sum()
    for g, q in summed.items():
        required = math.ceil(round(q, 3) - 1e-9)
        if posts.get(g, 0) < required:
            flag("posts", g, f"{posts.get(g, 0)} posts for {q:.3f} FTE of need")
    for s in options.alone:
        if s in set(members["structure"]) or s in hubs:
            flag("options", s, "must stay alone")
    if options.no_alone:
        for s in groups.loc[groups["role"] == "alone", "structure"]:
            flag("options", s, "alone, but every structure must join a group (--no-alone)")
    where = groups.set_index("structure")["group"]
    for a, b in options.together:
        if not where.get(a) or where.get(a) != where.get(b):
            flag("options", f"{a}+{b}", "must be in the same group")
    for h, kept in options.fixed_groups.items():
        for s in (h, *kept):
            if where.get(s) != h:
                flag("options", s, f"must stay in the existing group of {h}")
    if options.groups is not None:
        n = len(hubs)
        if n > options.groups or (options.groups_exact and n != options.groups):
            flag("options", "groups", f"{n} groups, asked {'exactly' if options.groups_exact else 'at most'} "
                                      f"{options.groups}")
    if reported_cost is not None:
        _check_cost(data, need, minutes, members, posts, groups, reported_cost, flag)
    return found


def _check_cost(data: GroupData, need: pd.Series, minutes: pd.Series, members: pd.DataFrame, posts: pd.Series,
                groups: pd.DataFrame, reported: float, flag) -> None:
    """The cost recomputed in exact integer arithmetic (Python integers: no overflow, no rounding) from
    the posts, the alone structures' needs and each member's trip (rounded to the euro, as the models
    count it), against the ``reported`` cost: a cost that is not a finite number, or differs by more than
    half a euro (and a millionth), is a violation. A member's trip that is not a finite number of euros
    (no minutes to its hub, a cost of travel that is not finite) is one too."""
    alone = groups.loc[groups["role"] == "alone", "structure"]
    alone_posts = sum(math.ceil(round(need[s], 3) - 1e-9) for s in alone)
    per_minute = 2 * data.post["visits_per_year"] * data.travel_cost_per_minute
    travel = 0
    for r in members.itertuples():
        eur = per_minute * minutes.get((r.structure, r.hub), math.inf)
        if not math.isfinite(eur):
            flag("cost", r.structure, f"the trip to hub {r.hub} costs {eur} EUR (not a finite number)")
            return
        travel += round(eur)
    cost = (int(posts.sum()) + alone_posts) * round(data.post["cost_eur"]) + travel
    if not (isinstance(reported, (int, float, np.integer, np.floating)) and math.isfinite(reported)):
        flag("cost", "total", f"reported {reported} EUR, not a finite number (recomputed {cost:,} EUR)")
    elif abs(cost - reported) > 1e-6 * max(1.0, abs(cost)) + 0.5:
        flag("cost", "total", f"reported {reported:,.2f} != recomputed {cost:,} EUR")
