"""The result of a grouping: its tables and summary (``groups.csv``, ``group_posts.csv``, ``result.json``),
and its lines and tables for people in English or French."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from gpec.atomic import write_csv, write_json
from gpec.i18n import LABELS, check_lang, fmt_eur, fmt_number, fmt_percent, t

if TYPE_CHECKING:
    from gpec.groupings.data import GroupData


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


def _finite(value) -> bool:
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False
