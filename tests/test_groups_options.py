r"""Options of ``gpec groups``: ``--max-size 0`` (no bound on a group's size), ``--no-alone`` (every
structure joins a group) and ``--structures`` tables without coordinates when ``--travel`` gives the minutes.

**The line** of tests/test_groups.py (A - B - C - D - E, 15-minute limit, groups of 2 or 3, a post 10,000
EUR, 20 EUR a minute of a member's trip): its optimum, **40,180 EUR**, groups B with C and leaves A, D and
E alone. With ``--no-alone`` a group is a hub and its direct neighbours, so the line splits into AB + CDE
or ABC + DE, 4 posts either way (AB 1.2 and CDE 1.5, or ABC 1.5 and DE 1.2, each 2 posts). Travel: AB
200 (either hub) + CDE around D 200 + 220 (C and E to D) = 620; ABC around B 200 + 180 (A and C to B) + DE
around E 200 (D to E; around D, E's trip costs 220) = 580. So **ABC hub B + DE hub E, 40,580 EUR**.

**The star**: a hub H and nine spokes S1..S9, each 0.1 FTE (one place at 0.1 FTE a place), each spoke 10
minutes from H both ways (200 EUR a year as a member), the spokes out of each other's reach (no minutes
given). Without a bound on the size (``--max-size 0``) all ten form one group of 1.0 FTE: 1 post and 9 x
200 of travel, **11,800 EUR** (any other plan has at least 2 posts). With the default maximum of 8, H
leads 7 spokes (0.8 FTE, 1 post, 1,400 of travel) and two spokes stay alone (2 posts): **31,400 EUR**; with
``--no-alone`` as well, those two spokes cannot be placed (their only partner, H, leads a full group): no
plan. Its table of structures gives no coordinates: ``--travel`` gives every minute.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from gpec.errors import GpecError, InputError
from gpec.groupings import GroupingOptions, evaluate_groups, load_group_data, solve_groups, write_group_map
from gpec.groupings.options import check_options, isolated
from tests.conftest import ROOT
from tests.test_groups import LINE, _membership, _write_line

SPOKES = [f"S{i}" for i in range(1, 10)]
STAR = ["H", *SPOKES]
COMBINATIONS = [(solver, method) for solver in ("highs", "cpsat") for method in ("columns", "compact")]


@pytest.fixture(scope="module")
def line(tmp_path_factory):
    folder = _write_line(tmp_path_factory.mktemp("line") / "line")
    return load_group_data(folder, "p", travel_file=folder / "travel.csv")


def _write_star(folder, extra: dict | None = None, points: dict | None = None):
    """The star of the module docstring in ``folder``: post_types.csv and parameters.csv of the line,
    ``star.csv`` (structure, name, places; lon and lat for ``points``: id -> (lon, lat), empty cells for the
    others) and ``travel.csv``. ``extra``: id -> places of more structures, with no minutes to anyone."""
    line = _write_line(folder.parent / f"{folder.name}_line")
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("post_types.csv", "parameters.csv"):
        (folder / name).write_text((line / name).read_text())
    places = {**{s: 1 for s in STAR}, **(extra or {})}
    table = pd.DataFrame({"structure": list(places), "name": [f"EHPAD {s}" for s in places],
                          "places": list(places.values())})
    if points is not None:
        table["lon"] = [points.get(s, ("", ""))[0] for s in places]
        table["lat"] = [points.get(s, ("", ""))[1] for s in places]
    table.to_csv(folder / "star.csv", index=False)
    rows = [dict(origin=s, destination="H", minutes=10) for s in SPOKES]
    rows += [dict(origin="H", destination=s, minutes=10) for s in SPOKES]
    pd.DataFrame(rows).to_csv(folder / "travel.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def star(tmp_path_factory):
    folder = _write_star(tmp_path_factory.mktemp("star") / "star")
    return folder, load_group_data(folder, "p", folder / "star.csv", folder / "travel.csv")


def _cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gpec.cli", "groups", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, timeout=300)


# -- --no-alone --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("solver,method", COMBINATIONS)
def test_no_alone_on_a_line_puts_every_structure_in_a_group(line, solver, method):
    """40,580 EUR, ABC around B and DE around E (module docstring), against 40,180 EUR with A, D and E
    alone when structures may stay alone."""
    free = solve_groups(line, LINE, solver=solver, method=method, mip_gap=0.0)
    assert free.status == "optimal" and free.objective == pytest.approx(40_180)
    assert (free.groups["role"] == "alone").sum() == 3
    options = GroupingOptions(**{**LINE.__dict__, "no_alone": True})
    result = solve_groups(line, options, solver=solver, method=method, mip_gap=0.0)
    assert result.status == "optimal" and result.violations == 0, (result.message, result.violation_details)
    assert result.objective == pytest.approx(40_580)
    assert "alone" not in set(result.groups["role"])
    assert _membership(result) == {"A": ("member", "B"), "B": ("hub", "B"), "C": ("member", "B"),
                                   "D": ("member", "E"), "E": ("hub", "E")}
    assert (result.posts, result.posts_saved, result.n_groups, result.travel_eur) == (4, 1, 2, 580)
    assert result.options["no_alone"] is True


def test_no_alone_options_and_their_check(line, star):
    """--no-alone with --alone is rejected; the candidate space gives no structure a column alone; the
    independent check flags a structure alone; isolated() names the structures with no partner."""
    _, data = star
    pairs = data.pairs(15)
    both = GroupingOptions(max_minutes=15, no_alone=True, alone=("S1",))
    with pytest.raises(GpecError, match="--no-alone and --alone S1"):
        check_options(data, both, pairs)
    from gpec.groupings.candidates import CandidateSpace

    options = GroupingOptions(max_minutes=15, max_size=0, no_alone=True)
    space = CandidateSpace(data.structures, pairs, 10_000, options)
    assert not space.may_stand_alone.any() and space.initial_columns() == []
    free = solve_groups(line, LINE, mip_gap=0.0)
    flags = evaluate_groups(line, GroupingOptions(**{**LINE.__dict__, "no_alone": True}), free.groups,
                            free.group_posts, free.objective)
    assert sorted((f["family"], f["label"]) for f in flags) == [("options", "A"), ("options", "D"), ("options", "E")]
    assert isolated(data, options, pairs) == []
    assert isolated(data, options, data.pairs(5)) == STAR  # nobody within 5 minutes
    assert isolated(data, GroupingOptions(max_minutes=5), data.pairs(5)) == []  # they may stay alone


@pytest.mark.parametrize("method", ["columns", "compact"])
def test_no_alone_without_room_for_every_structure_is_infeasible(star, method):
    """The star with groups of at most 8 and --no-alone: two spokes cannot be placed (module docstring);
    nor can any structure in groups of at least 11 among 10. The columns method says which: its LP
    master's artificial columns, which also count their structure's posts on the row "posts >= P*",
    name the structures no group holds."""
    _, data = star
    for options in (GroupingOptions(max_minutes=15, no_alone=True),
                    GroupingOptions(max_minutes=15, min_size=11, max_size=0, no_alone=True)):
        result = solve_groups(data, options, method=method, mip_gap=0.0)
        assert result.status == "infeasible" and not result.has_solution, result.message
        if method == "columns":
            assert "cannot be placed" in result.message and "--no-alone forbids it" in result.message


def test_no_alone_with_alone_exits_2_with_one_line(star, tmp_path):
    folder, _ = star
    proc = _cli(folder, "--post", "p", "--structures", folder / "star.csv", "--travel", folder / "travel.csv",
                "--no-alone", "--alone", "S1", "--out", tmp_path / "out")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.startswith("gpec: error:") and "--no-alone" in proc.stderr and "--alone S1" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_an_isolated_structure_makes_no_alone_infeasible_and_is_named(tmp_path):
    """Z has no minutes to anyone: with --no-alone no plan exists, and the run says why, naming Z; without
    --no-alone Z stays alone and the star forms its group of 8."""
    folder = _write_star(tmp_path / "star", extra={"Z": 5})
    files = ("--post", "p", "--structures", folder / "star.csv", "--travel", folder / "travel.csv",
             "--max-minutes", "15", "--quiet")
    proc = _cli(folder, *files, "--no-alone", "--out", tmp_path / "out")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    head = json.loads((tmp_path / "out" / "result.json").read_text())
    assert head["status"] == "infeasible" and head["options"]["no_alone"] is True
    assert "Z (EHPAD Z) has no other structure within 15 minutes" in head["message"]
    assert "Z (EHPAD Z) has no other structure within 15 minutes" in proc.stdout.replace("\n", " ")
    assert head["standalone_posts"] == 11 and head["n_structures"] == 11
    assert not (tmp_path / "out" / "map_groups.png").exists()
    proc = _cli(folder, *files, "--out", tmp_path / "free")
    assert proc.returncode == 0, proc.stderr
    groups = pd.read_csv(tmp_path / "free" / "groups.csv", dtype=str, keep_default_na=False)
    assert groups.set_index("structure").loc["Z", "role"] == "alone"


# -- --max-size 0 ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("solver,method", COMBINATIONS)
def test_max_size_zero_groups_the_whole_star(star, solver, method):
    """11,800 EUR with no bound on the size, 31,400 EUR with the default maximum of 8 (module docstring);
    the result records the maximum as asked (0)."""
    _, data = star
    for no_alone in (False, True):
        options = GroupingOptions(max_minutes=15, max_size=0, no_alone=no_alone)
        result = solve_groups(data, options, solver=solver, method=method, mip_gap=0.0)
        assert result.status == "optimal" and result.violations == 0, result.message
        assert result.objective == pytest.approx(11_800) and (result.posts, result.n_groups) == (1, 1)
        assert set(result.groups["role"]) == {"hub", "member"} and result.options["max_size"] == 0
    capped = solve_groups(data, GroupingOptions(max_minutes=15), solver=solver, method=method, mip_gap=0.0)
    assert capped.status == "optimal" and capped.objective == pytest.approx(31_400)
    assert (capped.groups["role"] == "alone").sum() == 2 and capped.options["max_size"] == 8


def test_max_size_zero_in_the_options_the_check_and_the_messages(star):
    _, data = star
    pairs = data.pairs(15)
    unbounded = GroupingOptions(max_minutes=15, max_size=0)
    check_options(data, unbounded, pairs)  # accepted
    assert unbounded.bounded(10).max_size == 10 and unbounded.bounded(10).min_size == 2
    assert GroupingOptions(min_size=12, max_size=0).bounded(10).max_size == 12  # no group forms, as asked
    assert LINE.bounded(10) is LINE
    assert (unbounded.size_words(), LINE.size_words(), LINE.size_words(3)) == ("at least 2", "2-3", "at least 2")
    for bad, words in ((GroupingOptions(min_size=3, max_size=2), "min size"),
                       (GroupingOptions(max_size=-1), "--max-size -1"), (GroupingOptions(min_size=0), "min size")):
        with pytest.raises(GpecError, match=words):
            check_options(data, bad, pairs)
    whole = solve_groups(data, unbounded, mip_gap=0.0)
    assert evaluate_groups(data, unbounded, whole.groups, whole.group_posts, whole.objective) == []
    capped = evaluate_groups(data, GroupingOptions(max_minutes=15), whole.groups, whole.group_posts)
    assert [(f["family"], f["label"]) for f in capped] == [("size", "H")]
    assert "groups must have 2-8 structures" in capped[0]["detail"]
    # groups of at least 11 among 10 structures: none forms
    big = GroupingOptions(max_minutes=15, min_size=11, max_size=0)
    alone = solve_groups(data, big, mip_gap=0.0)
    assert alone.status == "optimal" and alone.objective == pytest.approx(100_000) and alone.n_groups == 0


def test_messages_without_a_plan_say_at_least_without_a_maximum(tmp_path):
    """No "2-0" in what a planner reads: the reasons for no plan give "groups of at least 2" when the
    maximum is 0 (the models' copy of the options holds the number of structures; the result, 0)."""
    from gpec.groupings.candidates import CandidateSpace
    from gpec.groupings.solve import _why_no_plan

    folder = _write_star(tmp_path / "star", extra={"Z": 5})
    data = load_group_data(folder, "p", folder / "star.csv", folder / "travel.csv")
    # S1 and Z together: no hub reaches both (Z has no minutes to anyone)
    options = GroupingOptions(max_minutes=15, max_size=0, together=(("S1", "Z"),))
    result = solve_groups(data, options, mip_gap=0.0)
    assert result.status == "infeasible" and result.options["max_size"] == 0, result.message
    assert "S1 (EHPAD S1) must be grouped with Z (--together/--keep) but no hub has them all within 15 " \
           "minutes;" in result.message and "at most" not in result.message
    space = CandidateSpace(data.structures, data.pairs(15), 10_000, GroupingOptions(max_minutes=15, max_size=0,
                                                                                    groups=3))
    assert space.options.max_size == 11
    assert _why_no_plan(data, space, []) == "--groups 3 cannot be met with groups of at least 2 within 15 minutes"
    space = CandidateSpace(data.structures, data.pairs(15), 10_000,
                           GroupingOptions(max_minutes=15, min_size=12, max_size=0, no_alone=True))
    assert _why_no_plan(data, space, [0]) == ("cannot be placed: H (EHPAD H) no group of at least 12 within 15 "
                                              "minutes can hold it and --no-alone forbids it to stay alone")
    capped = CandidateSpace(data.structures, data.pairs(15), 10_000, GroupingOptions(max_minutes=15, groups=3))
    assert "groups of 2-8 within" in _why_no_plan(data, capped, [])


def test_max_size_help_says_zero_is_no_bound():
    proc = _cli("--help")
    assert proc.returncode == 0 and "0: no bound" in proc.stdout and "--no-alone" in proc.stdout


# -- structures without coordinates --------------------------------------------------------------------

def test_structures_without_coordinates_solve_with_travel_and_draw_no_map(star, tmp_path):
    folder, data = star
    assert data.structures[["lon", "lat"]].isna().all().all()
    out = tmp_path / "out"
    proc = _cli(folder, "--post", "p", "--structures", folder / "star.csv", "--travel", folder / "travel.csv",
                "--max-minutes", "15", "--max-size", "0", "--quiet", "--out", out)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    groups = pd.read_csv(out / "groups.csv", dtype=str, keep_default_na=False)
    assert len(groups) == 10 and set(groups["role"]) == {"hub", "member"}
    assert json.loads((out / "result.json").read_text())["objective"] == pytest.approx(11_800)
    assert not (out / "map_groups.png").exists() and "No map: no structure has coordinates" in proc.stdout


def test_some_coordinates_with_travel_map_those_that_have_them(tmp_path):
    """Empty lon and lat cells are accepted with --travel (the map draws the others); one of the two
    alone is not."""
    points = {"H": (0.0, 45.0), "S1": (0.1, 45.0), "S2": (-0.1, 45.1)}
    folder = _write_star(tmp_path / "star", points=points)
    data = load_group_data(folder, "p", folder / "star.csv", folder / "travel.csv")
    assert data.structures["lon"].notna().sum() == 3
    result = solve_groups(data, GroupingOptions(max_minutes=15, max_size=0), mip_gap=0.0)
    assert result.status == "optimal" and result.objective == pytest.approx(11_800)
    path = write_group_map(result, data, tmp_path / "map.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    headless = data.structures.assign(lon=data.structures["lon"].where(data.structures["structure"] != "H"))
    hubless = write_group_map(result, type(data)(data.post, headless, data.minutes, 1.0), tmp_path / "hubless.png")
    assert hubless.stat().st_size > 0  # members without their hub: points, no lines
    unplaced = data.structures.assign(lon=float("nan"), lat=float("nan"))
    assert write_group_map(result, type(data)(data.post, unplaced, data.minutes, 1.0), tmp_path / "none.png") is None
    assert not (tmp_path / "none.png").exists()
    half = pd.read_csv(folder / "star.csv", dtype=str, keep_default_na=False)
    half.loc[4, "lat"] = "45.2"  # S4: a latitude without a longitude
    half.to_csv(folder / "half.csv", index=False)
    with pytest.raises(InputError) as err:
        load_group_data(folder, "p", folder / "half.csv", folder / "travel.csv")
    assert (err.value.row, err.value.column) == (5, "lon") and "both lon and lat" in err.value.message
    half.drop(columns="lat").to_csv(folder / "lon_only.csv", index=False)
    with pytest.raises(InputError, match="missing column.s. lat") as err:
        load_group_data(folder, "p", folder / "lon_only.csv", folder / "travel.csv")


def test_structures_without_a_point_need_travel(tmp_path):
    """Without --travel: empty lon/lat cells are named by row and column; a table with neither lon, lat
    nor bassin by its file and missing columns, one line, exit 2."""
    folder = _write_star(tmp_path / "star", points={"H": (0.0, 45.0)})
    with pytest.raises(InputError) as err:
        load_group_data(folder, "p", folder / "star.csv")
    assert (err.value.row, err.value.column) == (2, "lon") and "empty value" in err.value.message
    bare = _write_star(tmp_path / "bare")
    with pytest.raises(InputError, match="missing column.s. lon, lat .or bassin.") as err:
        load_group_data(bare, "p", bare / "star.csv")
    assert err.value.file == str(bare / "star.csv")
    proc = _cli(bare, "--post", "p", "--structures", bare / "star.csv", "--out", tmp_path / "out")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "star.csv" in proc.stderr and "lon, lat (or bassin)" in proc.stderr and "--travel" in proc.stderr
    assert not (tmp_path / "out").exists()
