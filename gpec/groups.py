"""Groupements d'employeurs (``gpec groups``): load the structures and a post type, solve, check, write.

A groupings folder holds ``structures.csv`` (FINESS id, name, category, statut, bassin, lon, lat, places),
``post_types.csv`` (need per place and per structure, cost of a post, visits per member and year, each
with its source) and ``parameters.csv`` (``road_detour_factor``, ``avg_speed_kmh``,
``travel_cost_per_minute``). The Landes instance has them; ``gpec instance build --dep 40,64`` writes such
a folder for the 168 EHPAD of the Landes and the Pyrénées-Atlantiques. A user table of structures
(``--structures``: structure, name, lon, lat or bassin, and places or ``need_<post type>``) and a travel
matrix (``--travel``: origin, destination, minutes between structures) replace the computed ones.

The models are in :mod:`gpec.models.groupings` (compact: hubs, members, posts) and
:mod:`gpec.models.group_columns` (whole candidate groups, solved by :mod:`gpec.columns`);
:func:`solve_groups` says how they are used, and :func:`evaluate_groups` re-checks a grouping without them.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from gpec.atomic import write_csv, write_json
from gpec.errors import GpecError, InputError
from gpec.geo.distance import great_circle_km
from gpec.geo.graph import point_minutes
from gpec.i18n import LABELS, check_lang, fmt_eur, fmt_number, fmt_percent, t
from gpec.schema import SCHEMAS, ColumnSpec, TableSchema, read_table

#: Share of the time limit for phase 1 (the fewest posts).
PHASE1_SHARE = 0.25
GROUP_PARAMETERS = ("road_detour_factor", "avg_speed_kmh", "travel_cost_per_minute")
ABS_TOL = 1e-6


@dataclass
class GroupData:
    """Structures with their need of one post type, and the member-to-hub pairs within reach."""

    post: dict
    structures: pd.DataFrame  # structure, name, lon, lat, need_fte
    minutes: pd.DataFrame  # origin, destination, minutes (every ordered pair known)
    travel_cost_per_minute: float

    def pairs(self, max_minutes: float) -> pd.DataFrame:
        """structure, hub, minutes, travel_eur for the ordered pairs within ``max_minutes`` (s != hub)."""
        m = self.minutes
        m = m[(m["minutes"] <= max_minutes + 1e-9) & (m["origin"] != m["destination"])]
        travel = np.round(2 * self.post["visits_per_year"] * m["minutes"].to_numpy() * self.travel_cost_per_minute)
        return pd.DataFrame({"structure": m["origin"].to_numpy(), "hub": m["destination"].to_numpy(),
                             "minutes": m["minutes"].to_numpy(), "travel_eur": travel})


def load_group_data(folder: str | Path, post: str, structures_file: str | Path | None = None,
                    travel_file: str | Path | None = None) -> GroupData:
    folder = Path(folder)
    if not folder.is_dir():
        raise GpecError(f"{folder}: folder not found")
    posts = read_table(folder, SCHEMAS["post_types.csv"])
    if post not in set(posts["post_type"]):
        raise GpecError(f"--post {post}: unknown post type (known in {folder / 'post_types.csv'}: "
                        f"{', '.join(posts['post_type'])})")
    row = posts.set_index("post_type").loc[post]
    spec = {"post_type": post, "label": row["label"], "need_per_place": float(row["need_per_place"]),
            "need_per_structure": float(row["need_per_structure"]), "cost_eur": float(row["cost_eur"]),
            "visits_per_year": float(row["visits_per_year"])}
    params = read_table(folder, SCHEMAS["parameters.csv"]).set_index("name")["value"]
    for name in GROUP_PARAMETERS:
        if name not in params:
            raise InputError(str(folder / "parameters.csv"), f"parameter '{name}' is missing", column="name")
    structures = _structures(folder, structures_file, post, spec)
    minutes = (_read_travel(Path(travel_file), structures) if travel_file else
               _computed_minutes(structures, float(params["road_detour_factor"]), float(params["avg_speed_kmh"])))
    return GroupData(spec, structures, minutes, float(params["travel_cost_per_minute"]))


def _structures(folder: Path, structures_file, post: str, spec: dict) -> pd.DataFrame:
    if structures_file is None:
        s = read_table(folder, SCHEMAS["structures.csv"])
        need = s["places"] * spec["need_per_place"] + spec["need_per_structure"]
        return pd.DataFrame({"structure": s["structure"], "name": s["name"], "lon": s["lon"], "lat": s["lat"],
                             "need_fte": need.to_numpy(float)})
    path = Path(structures_file)
    need_col = f"need_{post}"
    raw = pd.read_csv(path, dtype=str, keep_default_na=False) if path.is_file() else None
    if raw is None:
        raise GpecError(f"--structures {path}: file not found")
    has = set(raw.columns)
    columns = [ColumnSpec("structure", "code"), ColumnSpec("name", "text")]
    columns += ([ColumnSpec("lon", nonnegative=False), ColumnSpec("lat", nonnegative=False)]
                if {"lon", "lat"} <= has else [ColumnSpec("bassin", "code")])
    columns.append(ColumnSpec(need_col) if need_col in has else ColumnSpec("places"))
    schema = TableSchema(path.name, tuple(columns), key=("structure",))
    s = read_table(path.parent, schema)
    if "lon" not in s:  # a bassin instead of a point: its centre, from the folder's bassins.csv
        bassins = read_table(folder, SCHEMAS["bassins.csv"])
        unknown = ~s["bassin"].isin(set(bassins["bassin"])).to_numpy()
        if unknown.any():
            i = int(np.flatnonzero(unknown)[0])
            raise InputError(str(path), f"unknown bassin code '{s['bassin'].iloc[i]}' (not in "
                                        f"{folder / 'bassins.csv'})", row=i + 1, column="bassin")
        centre = bassins.set_index("bassin")[["lon", "lat"]]
        s["lon"], s["lat"] = s["bassin"].map(centre["lon"]), s["bassin"].map(centre["lat"])
    need = s[need_col] if need_col in s else s["places"] * spec["need_per_place"] + spec["need_per_structure"]
    return pd.DataFrame({"structure": s["structure"], "name": s["name"], "lon": s["lon"], "lat": s["lat"],
                         "need_fte": need.to_numpy(float)})


def _computed_minutes(structures: pd.DataFrame, detour: float, speed: float) -> pd.DataFrame:
    lon, lat = structures["lon"].to_numpy(float), structures["lat"].to_numpy(float)
    minutes = point_minutes(great_circle_km(lon[:, None], lat[:, None], lon[None, :], lat[None, :]), detour, speed)
    ids = structures["structure"].to_numpy()
    return pd.DataFrame({"origin": np.repeat(ids, len(ids)), "destination": np.tile(ids, len(ids)),
                         "minutes": minutes.ravel()})


def _read_travel(path: Path, structures: pd.DataFrame) -> pd.DataFrame:
    """A user matrix of minutes between structures; pairs it does not give are out of reach."""
    if not path.is_file():
        raise GpecError(f"--travel {path}: file not found")
    schema = TableSchema(path.name, (ColumnSpec("origin", "code"), ColumnSpec("destination", "code"),
                                     ColumnSpec("minutes")), key=("origin", "destination"))
    t = read_table(path.parent, schema)
    known = set(structures["structure"])
    for column in ("origin", "destination"):
        bad = ~t[column].isin(known).to_numpy()
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(str(path), f"unknown structure '{t[column].iloc[i]}' (not among the structures)",
                             row=i + 1, column=column)
    return t[["origin", "destination", "minutes"]]


# -- solve -------------------------------------------------------------------------------------------

@dataclass
class GroupResult:
    status: str
    objective: float
    bound: float
    gap: float
    runtime_s: float
    solver: str
    post_type: str
    options: dict
    n_structures: int
    n_pairs: int
    standalone_posts: int
    posts: int
    posts_saved: int
    standalone_cost_eur: float
    post_cost_eur: float
    travel_eur: float
    n_groups: int
    min_posts: int = 0
    method: str = "columns"
    message: str = ""
    violations: int | None = None
    violation_details: list = field(default_factory=list)
    groups: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    group_posts: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    @property
    def has_solution(self) -> bool:
        return self.status in ("optimal", "feasible")

    def summary(self) -> dict:
        head = {k: v for k, v in asdict(self).items() if k not in ("groups", "group_posts")}
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in head.items()}

    def write(self, out: str | Path) -> None:
        out = Path(out)
        write_csv(out / "groups.csv", self.groups)
        write_csv(out / "group_posts.csv", self.group_posts)
        write_json(out / "result.json", self.summary())


def solve_groups(data: GroupData, options, solver: str = "highs", time_limit: float = 60.0,
                 mip_gap: float = 0.0, method: str = "columns", progress=None) -> GroupResult:
    """Solve the grouping problem with HiGHS or CP-SAT, read the groups and check them.

    Phase 1 (both methods) finds the fewest posts on the compact model (:mod:`gpec.models.groupings`), a
    small problem whose proven bound :math:`P^*` (at least the summed need, rounded up) is a valid cut
    ``total posts >= P*``. Phase 2 minimises
    cost: ``method="columns"`` (default) by column generation and enumeration over whole candidate
    groups (:mod:`gpec.columns`), which proves optimality; ``method="compact"`` on the compact model with
    the cut, warm-started from phase 1. ``progress`` (:class:`gpec.progress.Progress`) is told of each
    phase.
    """
    from gpec.columns import CPSAT_COMPACT, SOLVERS, group_backend
    from gpec.models.group_columns import ColumnSpace
    from gpec.models.groupings import NEED_SCALE, build_grouping_model

    if solver not in SOLVERS:
        raise GpecError(f"unknown solver '{solver}' for groups (available: {', '.join(SOLVERS)})")
    if method not in ("columns", "compact"):
        raise GpecError(f"unknown method '{method}' for groups (available: columns, compact)")
    pairs = data.pairs(options.max_minutes)
    _check_options(data, options, pairs)
    t0 = time.perf_counter()
    left = lambda: max(time_limit - (time.perf_counter() - t0), 0.01)
    post_cost = int(round(data.post["cost_eur"]))
    space = ColumnSpace(data.structures, pairs, post_cost, options)  # also rejects contradictory options
    model = build_grouping_model(data.structures, pairs, post_cost, options)
    backend = group_backend(solver, model.lp, CPSAT_COMPACT)
    count = model.posts_vector()
    backend.set_objective(count)
    _phase_started(progress, "fewest posts", backend)
    first = backend.solve(PHASE1_SHARE * time_limit, 0.0)
    _phase_done(progress, "fewest posts", first)
    _phase_started(progress, f"least cost ({method})", backend)
    summed = int(-(-model.need_milli.sum() // NEED_SCALE))  # no plan has fewer posts than the summed need
    min_posts = max(summed, math.ceil(first.bound - 1e-6) if math.isfinite(first.bound) else 0)
    message = (f"fewest posts: {first.status} {_text(first.objective, 'g')} (bound {_text(first.bound, 'g')}, "
               f"{first.runtime_s:.2f} s); ")
    if method == "columns":
        from gpec.columns import solve_by_columns

        seed = [] if first.x is None else [space.group_column(space.ids.get_loc(h), space.ids.get_indexer(list(m)))
                                           for h, m, _ in _compact_groups(model, pairs, np.round(first.x))]
        outcome = solve_by_columns(space, solver, left(), mip_gap, min_posts=min_posts, seed=seed)
        chosen = [(space.ids[c.hub], [space.ids[s] for s in c.members], c.posts) for c in outcome.chosen if c.is_group]
        solver_status = outcome.message
        if outcome.status == "infeasible":
            solver_status += "; " + _why_no_plan(data, space, outcome.uncovered)
    else:
        backend.set_objective(model.lp.objective_vector("cost"))
        if first.x is not None:
            backend.add_row(count, min_posts, math.inf)
            backend.set_start(first.x)  # after the costs change: changing them drops a start
        outcome = backend.solve(left(), mip_gap)
        chosen = [] if outcome.x is None else _compact_groups(model, pairs, np.round(outcome.x))
        solver_status = f"{outcome.solver_status}, gap {_text(outcome.gap, '.2e')}, {outcome.runtime_s:.2f} s"
    _phase_done(progress, f"least cost ({method})", outcome)
    standalone = int(model.standalone_posts.sum())
    result = GroupResult(
        status=outcome.status, objective=outcome.objective, bound=outcome.bound, gap=outcome.gap,
        runtime_s=time.perf_counter() - t0, solver=solver, post_type=data.post["post_type"],
        options={k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(options).items()},
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
                f"{o.min_size}-{o.max_size} within {o.max_minutes:g} minutes")
    parts = []
    for s in uncovered:
        mates = [space.ids[t] for t in np.flatnonzero(space.component == space.component[s]) if t != s]
        why = (f"must be grouped with {', '.join(mates)} (--together/--keep) but no hub has them all within "
               f"{o.max_minutes:g} minutes and a group of at most {o.max_size}") if mates else \
            f"no group of {o.min_size}-{o.max_size} within {o.max_minutes:g} minutes can hold it"
        parts.append(f"{space.ids[s]} ({names[space.ids[s]]}) {why}")
    return "cannot be placed: " + "; ".join(parts)


def _compact_groups(model, pairs: pd.DataFrame, x: np.ndarray) -> list[tuple[str, list[str], int]]:
    """(hub, members, posts) of the groups of a compact-model solution."""
    hubs = [h for h, v in zip(model.hub.index, x[model.hub.positions]) if v > 0.5]
    chosen = pairs[x[model.member.positions] > 0.5]
    members = chosen.groupby("hub")["structure"].apply(list).to_dict()
    posts = dict(zip(model.posts.index, x[model.posts.positions]))
    return [(h, members.get(h, []), int(posts[h])) for h in hubs]


def _check_options(data: GroupData, options, pairs: pd.DataFrame) -> None:
    if not options.max_minutes > 0:
        raise GpecError(f"--max-minutes {options.max_minutes}: the travel limit must be positive")
    if not 1 <= options.min_size <= options.max_size:
        raise GpecError(f"group sizes: need 1 <= min size ({options.min_size}) <= max size ({options.max_size})")
    if options.groups is not None and options.groups < 0:
        raise GpecError(f"--groups {options.groups}: must not be negative")
    known = set(data.structures["structure"])
    named = [*options.alone, *(s for pair in options.together for s in pair), *options.fixed_groups,
             *(s for members in options.fixed_groups.values() for s in members)]
    unknown = [s for s in named if s not in known]
    if unknown:
        raise GpecError(f"unknown structure (FINESS id) '{unknown[0]}' in the grouping options")
    reach = set(zip(pairs["structure"], pairs["hub"]))
    for hub, members in options.fixed_groups.items():
        far = [s for s in members if (s, hub) not in reach]
        if far:
            raise GpecError(f"existing group of {hub}: member {far[0]} is beyond {options.max_minutes:g} minutes")


def _tables(data: GroupData, pairs: pd.DataFrame, chosen) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``groups.csv`` and ``group_posts.csv`` from (hub, members, posts) triples; the others are alone."""
    s = data.structures.set_index("structure")
    trip = pairs.set_index(["structure", "hub"])
    rows = []
    for h, members, _ in chosen:
        rows.append(dict(structure=h, role="hub", group=h, hub=h, minutes_to_hub=0.0, travel_eur=0.0))
        for m in members:
            t = trip.loc[(m, h)]
            rows.append(dict(structure=m, role="member", group=h, hub=h, minutes_to_hub=float(t["minutes"]),
                             travel_eur=float(t["travel_eur"])))
    placed = {r["structure"] for r in rows}
    rows += [dict(structure=a, role="alone", group="", hub="", minutes_to_hub=0.0, travel_eur=0.0)
             for a in s.index if a not in placed]
    groups = pd.DataFrame(rows)
    groups.insert(1, "name", groups["structure"].map(s["name"]))
    groups["need_fte"] = groups["structure"].map(s["need_fte"]).to_numpy()
    groups = groups.sort_values(["group", "role", "structure"]).reset_index(drop=True)
    members = groups[groups["role"] != "alone"]
    agg = members.groupby("group").agg(members=("structure", "size"), need_fte=("need_fte", "sum"),
                                       travel_eur=("travel_eur", "sum"))
    agg["posts"] = pd.Series({h: posts for h, _, posts in chosen}, dtype="int64").reindex(agg.index).to_numpy()
    agg["post_cost_eur"] = agg["posts"] * data.post["cost_eur"]
    agg.insert(0, "hub_name", s["name"].reindex(agg.index).to_numpy())
    return groups, agg.rename_axis("group").reset_index()


# -- independent check -------------------------------------------------------------------------------

def evaluate_groups(data: GroupData, options, groups: pd.DataFrame, group_posts: pd.DataFrame,
                    reported_cost: float | None = None) -> list[dict]:
    """Re-check a grouping from its tables (no model code): every structure once; members within the
    travel limit of their hub; sizes within bounds; posts cover the members' summed need (each need to
    the nearest 0.001 FTE) and an alone structure's own; options respected (kept groups too); the cost
    recomputed."""
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
    for g, n in sizes.items():
        if not options.min_size <= n <= options.max_size:
            flag("size", g, f"{n} structures, outside {options.min_size}-{options.max_size}")
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
    alone = groups.loc[groups["role"] == "alone", "structure"]
    alone_posts = sum(math.ceil(round(need[s], 3) - 1e-9) for s in alone)
    travel = np.round(2 * data.post["visits_per_year"] * data.travel_cost_per_minute
                      * np.array([minutes.get((r.structure, r.hub), math.inf) for r in members.itertuples()]))
    cost = (int(posts.sum()) + alone_posts) * data.post["cost_eur"] + float(travel.sum())
    if reported_cost is not None and abs(cost - reported_cost) > 1e-6 * max(1.0, abs(cost)) + 0.5:
        flag("cost", "total", f"reported {reported_cost:,.2f} != recomputed {cost:,.2f} EUR")
    return found


def people_lines(result: GroupResult, lang: str = "en", post_label: str | None = None) -> list[str]:
    """The status line and the posts sentence of a grouping, for people, in ``lang`` (``en`` or ``fr``).

    The first line names the post (``post_label``, e.g. ``data.post["label"]``; its code by default), the
    structures, the travel limit, the status (:data:`gpec.i18n.LABELS` ``status.*``), the cost a year with
    its bound and gap, the violations found by the independent check and the runtime. The second says how
    many posts the structures need alone and grouped, how many are saved in how many groups, and what
    travel and posts cost a year; without a plan (``infeasible``, ``error``, ...) it says so and gives the
    posts and cost of every structure alone. Numbers are formatted for the language; no ``nan``, ``inf``
    or ``None``.

    Raises
    ------
    KeyError
        On an unknown language.
    """
    check_lang(lang)
    status = t(f"status.{result.status}", lang) if f"status.{result.status}" in LABELS else str(result.status)
    minutes = float(result.options.get("max_minutes", math.nan)) if isinstance(result.options, dict) else math.nan
    head = dict(post=post_label or result.post_type, code=result.post_type, n=fmt_number(result.n_structures, lang),
                minutes=fmt_number(minutes, lang, 0 if _finite(minutes) and minutes == int(minutes) else 1),
                status=status, seconds=fmt_number(result.runtime_s, lang, 1))
    if not result.has_solution:
        first = t("groups.status_line_no_plan", lang).format(**head)
        second = t("groups.no_plan_line", lang).format(
            status=status.split(" (")[0], alone=_count("groups.post", result.standalone_posts, lang),
            alone_cost=fmt_eur(result.standalone_cost_eur, lang))
        return [first, second]
    first = t("groups.status_line", lang).format(
        **head, cost=fmt_eur(result.objective, lang), bound=fmt_eur(result.bound, lang),
        gap=fmt_percent(result.gap, lang, 2),
        violations=(fmt_number(result.violations, lang) if result.violations is not None
                    else t("groups.not_checked", lang)))
    second = t("groups.posts_line", lang).format(
        alone=fmt_number(result.standalone_posts, lang), grouped=fmt_number(result.posts, lang),
        saved=_count("groups.saved", result.posts_saved, lang), groups=_count("groups.group", result.n_groups, lang),
        travel=fmt_eur(result.travel_eur, lang), posts_cost=fmt_eur(result.post_cost_eur, lang),
        alone_cost=fmt_eur(result.standalone_cost_eur, lang))
    return [first, second]


def people_tables(result: GroupResult, lang: str = "en", top: int = 15) -> list[tuple[str, pd.DataFrame]]:
    """The groups of a grouping for people, in ``lang``: one titled table of the ``top`` largest groups
    (most structures, then most posts): hub (FINESS id), its name, structures, need (FTE), travel, posts
    and their cost (EUR a year), numbers formatted as text for the language. None without a plan."""
    check_lang(lang)
    if not result.has_solution or result.group_posts.empty:
        return []
    rows = result.group_posts.sort_values(["members", "posts"], ascending=False, kind="stable").head(top)
    fmt = {"group": str, "hub_name": lambda v: "" if v is None or (isinstance(v, float) and v != v) else str(v),
           "members": lambda v: fmt_number(v, lang), "need_fte": lambda v: fmt_number(v, lang, 2),
           "travel_eur": lambda v: fmt_number(v, lang), "posts": lambda v: fmt_number(v, lang),
           "post_cost_eur": lambda v: fmt_number(v, lang)}
    columns = [c for c in fmt if c in rows]
    table = pd.DataFrame({t(f"groups.col_{c}", lang): [fmt[c](v) for v in rows[c]] for c in columns})
    return [(t("groups.table_title", lang), table)]


def _count(key: str, n, lang: str) -> str:
    """``{n} post`` / ``{n} posts`` (French: the singular below 2)."""
    n = int(n)
    one = abs(n) == 1 if lang == "en" else abs(n) < 2
    return t(f"{key}_{'one' if one else 'many'}", lang).format(n=fmt_number(n, lang))


def _text(value, spec: str) -> str:
    """A number of the solver's message, or words when it is not finite (no ``nan``/``inf`` in messages)."""
    if not _finite(value):
        return "no finite bound" if value is not None and value == -math.inf else "no value"
    return format(float(value), spec)


def _finite(value) -> bool:
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def write_group_map(result: GroupResult, data: GroupData, path: Path, lang: str = "en") -> Path:
    """Structures coloured by group (grey: alone), hubs as stars, lines from members to their hub; title,
    legend and axes in ``lang`` (``en`` or ``fr``)."""
    check_lang(lang)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    from gpec.atomic import write_atomic

    xy = data.structures.set_index("structure")[["lon", "lat"]]
    g = result.groups.join(xy, on="structure")
    fig, ax = plt.subplots(figsize=(7, 8))
    colours = plt.get_cmap("tab20")
    for k, (group, rows) in enumerate(g[g["role"] != "alone"].groupby("group")):
        colour = colours(k % 20)
        hub = xy.loc[group]
        for r in rows[rows["role"] == "member"].itertuples():
            ax.plot([r.lon, hub["lon"]], [r.lat, hub["lat"]], color=colour, linewidth=0.8)
        ax.scatter(rows["lon"], rows["lat"], color=colour, s=18, zorder=3)
        ax.scatter([hub["lon"]], [hub["lat"]], color=colour, marker="*", s=160, edgecolor="black", zorder=4)
    lone = g[g["role"] == "alone"]
    ax.scatter(lone["lon"], lone["lat"], color="lightgrey", edgecolor="grey", s=18, zorder=2,
               label=t("groups.map_alone", lang))
    handles, _ = ax.get_legend_handles_labels()
    if (g["role"] != "alone").any():
        handles = [Line2D([], [], marker="*", markersize=12, color="none", markerfacecolor="white",
                          markeredgecolor="black", label=t("groups.map_hub", lang)),
                   Line2D([], [], marker="o", markersize=5, color="grey", linewidth=0.8,
                          label=t("groups.map_member", lang)), *handles]
    ax.set_title(t("groups.map_title", lang).format(post=data.post["label"],
                                                    groups=_count("groups.group", result.n_groups, lang),
                                                    saved=_count("groups.saved", result.posts_saved, lang)),
                 fontsize=10)
    ax.set_xlabel(t("groups.longitude", lang))
    ax.set_ylabel(t("groups.latitude", lang))
    ax.set_aspect(1 / np.cos(np.radians(float(g["lat"].mean()))))
    ax.legend(handles=handles, loc="best", fontsize=8)
    fig.tight_layout()
    try:
        return write_atomic(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"))
    finally:
        plt.close(fig)
