"""Every command as strict as ``gpec solve`` (P12): ``groups``, ``explain``, ``compare``, ``export`` and
``instance build`` refuse a value that makes no sense with one line on stderr, ``gpec: error: ...``, naming
the option or the file (row, column, key), and exit code 2; integer data handed to CP-SAT are
range-checked; the independent checks recompute costs themselves, so that a solver's overflow can never
pass as a plan with no violation.

The command line runs in this process through :func:`gpec.cli.main` (the console script: the same
conversion of a :class:`~gpec.errors.GpecError` into one line and exit code 2; :mod:`tests.cli_helpers`);
two cases run ``python -m gpec.cli`` as a subprocess to pin the real process (nothing else on stderr).
Data are real files in ``tmp_path``: the line of five structures of tests/test_groups.py and the one-bassin instance of
tests/test_known_answer.py.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import shutil

import numpy as np
import pandas as pd
import pytest

from gpec.errors import GpecError, InputError
from gpec.evaluate import evaluate
from gpec.groupings import evaluate_groups, load_group_data, solve_groups
from gpec.groupings.data import MAX_NEED_FTE, MAX_TRAVEL_COST_PER_MINUTE
from gpec.groupings.options import MAX_MINUTES
from gpec.instance import load_instance
from gpec.models.linear import LinearModel
from gpec.scenario import Scenario
from gpec.solvers.cpsat import CpSatBackend
from gpec.solving import solve
from tests.cli_helpers import assert_one_line_error, run_gpec, run_gpec_process
from tests.conftest import ROOT, write_tiny
from tests.test_groups import LINE, _write_line


@pytest.fixture(scope="module")
def line_folder(tmp_path_factory):
    return _write_line(tmp_path_factory.mktemp("line") / "line")


@pytest.fixture(scope="module")
def line(line_folder):
    return load_group_data(line_folder, "p", travel_file=line_folder / "travel.csv")


@pytest.fixture(scope="module")
def tiny_folder(tmp_path_factory):
    """The one-bassin instance of tests/test_known_answer.py (optimum: 19.56 FTE-years, 10,000 EUR)."""
    return write_tiny(tmp_path_factory.mktemp("tiny") / "tiny")


@pytest.fixture(scope="module")
def solved_tiny(tiny_folder):
    instance = load_instance(tiny_folder)
    return instance, solve(instance, Scenario(mip_gap=0.0, shadow_prices=False))


@pytest.fixture(scope="module")
def run_folder(tiny_folder, tmp_path_factory):
    """A complete output folder of ``gpec solve`` on the tiny instance."""
    out = tmp_path_factory.mktemp("run") / "out"
    run = run_gpec("solve", tiny_folder, "--out", out, "--no-maps", "--quiet")
    assert run.code == 0, run.err
    return out


# -- gpec groups: options ----------------------------------------------------------------------------

GROUP_OPTIONS = [
    (["--travel-cost", "inf"], "--travel-cost inf"),
    (["--travel-cost", "nan"], "--travel-cost nan"),
    (["--travel-cost", "-1"], "--travel-cost -1"),
    (["--travel-cost", "5000"], f"[0, {MAX_TRAVEL_COST_PER_MINUTE:g}]"),
    (["--gap", "2"], "--gap 2"),
    (["--gap", "-1"], "--gap -1"),
    (["--gap", "1"], "--gap 1"),
    (["--time-limit", "0"], "--time-limit 0"),
    (["--time-limit", "-5"], "--time-limit -5"),
    (["--time-limit", "inf"], "--time-limit inf"),
    (["--time-limit", "nan"], "--time-limit nan"),
    (["--max-minutes", "0"], "--max-minutes 0"),
    (["--max-minutes", "inf"], "--max-minutes inf"),
    (["--max-minutes", "nan"], "--max-minutes nan"),
    (["--max-minutes", "100000"], f"at most {MAX_MINUTES:g} minutes"),
    (["--min-size", "0"], "--min-size 0"),
    (["--max-size", "-1"], "--max-size -1"),
    (["--min-size", "4", "--max-size", "3"], "--min-size 4 and --max-size 3"),
    (["--groups", "6"], "--groups 6: more groups than the 5 structures"),
    (["--groups", "-1"], "--groups -1"),
    (["--at-most"], "--at-most"),
    (["--together", "A,A"], "--together A,A"),
    (["--solver", "gurobi"], "--solver gurobi"),
    (["--method", "magic"], "--method magic"),
]


@pytest.mark.parametrize("extra, needle", GROUP_OPTIONS, ids=[" ".join(e) for e, _ in GROUP_OPTIONS])
def test_groups_bad_option_is_one_line_and_writes_nothing(line_folder, tmp_path, extra, needle):
    out = tmp_path / "out"
    code, _, err = run_gpec("groups", line_folder, "--post", "p", "--travel", line_folder / "travel.csv",
                            "--max-minutes", "15", "--out", out, "--quiet", "--no-maps", *extra)
    assert_one_line_error(code, err, needle)
    assert not out.exists()


@pytest.mark.parametrize("extra", [["--travel-cost", "inf"], ["--gap", "2"], ["--time-limit", "0"]])
def test_groups_on_the_landes_exits_2_in_a_real_process(tmp_path, extra):
    """The issue's measurements: each ran (exit 0, or a plan at -3.7e19 EUR labelled optimal)."""
    run = run_gpec_process("groups", ROOT / "instances" / "landes", "--post", "night_nurse", "--out",
                           tmp_path / "gq", "--quiet", *extra)
    line = assert_one_line_error(run.code, run.err)
    assert run.err == line + "\n" and line.startswith(f"gpec: error: {' '.join(extra)}: "), run.err
    assert not (tmp_path / "gq").exists()


@pytest.mark.parametrize("kwargs, needle", [
    (dict(time_limit=0), "--time-limit 0"), (dict(time_limit=math.inf), "--time-limit inf"),
    (dict(time_limit=math.nan), "--time-limit nan"), (dict(mip_gap=2.0), "--gap 2"),
    (dict(mip_gap=-1.0), "--gap -1"), (dict(mip_gap=math.nan), "--gap nan"),
])
def test_solve_groups_refuses_the_run_values_the_cli_refuses(line, kwargs, needle):
    with pytest.raises(GpecError, match=needle):
        solve_groups(line, LINE, **kwargs)


@pytest.mark.parametrize("change, needle", [
    (dict(max_minutes=math.inf), "--max-minutes inf"), (dict(max_minutes=math.nan), "--max-minutes nan"),
    (dict(max_minutes=MAX_MINUTES + 1), "--max-minutes"), (dict(groups=6), "--groups 6"),
    (dict(groups_exact=False), "--at-most"), (dict(min_size=2.5), "--min-size 2.5"),
    (dict(together=(("A", "A"),)), "--together A,A"),
])
def test_solve_groups_refuses_the_options_the_cli_refuses(line, change, needle):
    with pytest.raises(GpecError, match=needle):
        solve_groups(line, dataclasses.replace(LINE, **change))


def test_solve_groups_refuses_data_out_of_range(line):
    """Data built in Python are checked as the files are: cost of travel, needs, points, minutes."""
    cases = [
        (dataclasses.replace(line, travel_cost_per_minute=math.inf), "travel_cost_per_minute inf"),
        (dataclasses.replace(line, travel_cost_per_minute=-1.0), "travel_cost_per_minute -1"),
        (dataclasses.replace(line, structures=line.structures.assign(need_fte=[0.6, np.inf, 0.3, 0.7, 0.5])),
         "structure 'B': need_fte inf"),
        (dataclasses.replace(line, structures=line.structures.assign(need_fte=[0.6, -0.1, 0.3, 0.7, 0.5])),
         "structure 'B': need_fte -0.1"),
        (dataclasses.replace(line, structures=line.structures.assign(lat=[45, 45, 95, 45, 45])),
         "structure 'C': lat 95"),
        (dataclasses.replace(line, minutes=line.minutes.assign(minutes=line.minutes["minutes"].where(
            line.minutes.index != 0, np.inf))), "not a finite, non-negative number"),
        (dataclasses.replace(line, post={**line.post, "cost_eur": 1e300}), "cost_eur"),
        (dataclasses.replace(line, structures=line.structures.iloc[0:0]), "no structure"),
    ]
    for data, needle in cases:
        with pytest.raises(GpecError, match=needle):
            solve_groups(data, LINE)
    with pytest.raises(GpecError, match="--travel-cost inf"):
        line.with_travel_cost(math.inf)


def test_groups_at_most_and_size_bounds_beyond_the_structures_are_no_bound(line):
    """Accepted values above the number of structures bound nothing: the models see that number (no
    overflow from a huge --max-size or --groups --at-most), the result records what was asked."""
    big = dataclasses.replace(LINE, max_size=10**30, groups=10**30, groups_exact=False)
    assert big.bounded(5).max_size == 5 and big.bounded(5).groups == 5
    result = solve_groups(line, dataclasses.replace(big, max_size=3), mip_gap=0.0)
    assert result.status == "optimal" and result.objective == pytest.approx(40_180)
    assert result.options["groups"] == 10**30


# -- gpec groups: files ------------------------------------------------------------------------------

def _table(folder, name, **changes):
    """Rewrite ``folder/name`` with the cells of ``changes``: column -> (row, value), row 1-based."""
    path = folder / name
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    for column, (row, value) in changes.items():
        table.loc[row - 1, column] = value
    table.to_csv(path, index=False)
    return path


def _copy(line_folder, tmp_path):
    folder = tmp_path / "line"
    shutil.copytree(line_folder, folder)
    return folder


@pytest.mark.parametrize("file, changes, column, row, words", [
    ("structures.csv", {"lon": (2, "200")}, "lon", 2, "above the maximum 180"),
    ("structures.csv", {"lat": (3, "-91")}, "lat", 3, "below -90"),
    ("structures.csv", {"places": (4, "2000000")}, "places", 4, "above the maximum 1e+06"),
    ("structures.csv", {"places": (4, "-3")}, "places", 4, "negative"),
    ("structures.csv", {"places": (1, "inf")}, "places", 1, "not finite"),
    ("travel.csv", {"minutes": (2, "inf")}, "minutes", 2, "not finite"),
    ("travel.csv", {"minutes": (2, "-1")}, "minutes", 2, "negative"),
    ("parameters.csv", {"value": (3, "inf")}, "value", 3, "not finite"),
    ("parameters.csv", {"value": (3, "5000")}, "value", 3, "outside the domain of travel_cost_per_minute"),
    ("parameters.csv", {"value": (2, "0")}, "value", 2, "outside the domain of avg_speed_kmh"),
    ("post_types.csv", {"cost_eur": (1, "1e15")}, "cost_eur", 1, "above the maximum 1e+07"),
    ("post_types.csv", {"need_per_place": (1, "1e9")}, "need_per_place", 1, "above"),
])
def test_groups_files_out_of_range_name_file_row_and_column(line_folder, tmp_path, file, changes, column, row,
                                                            words):
    folder = _copy(line_folder, tmp_path)
    path = _table(folder, file, **changes)
    with pytest.raises(InputError, match=re.escape(words)) as error:
        load_group_data(folder, "p", travel_file=folder / "travel.csv")
    assert (error.value.file, error.value.row, error.value.column) == (str(path), row, column)


def test_groups_structures_option_out_of_range(line_folder, tmp_path):
    """A --structures table: a need above the maximum, a point out of range, a header without rows; the
    CLI says it in one line naming the file, row and column."""
    folder = _copy(line_folder, tmp_path)
    table = pd.DataFrame({"structure": list("ABCDE"), "name": list("ABCDE"), "need_p": [0.6, 0.6, 0.3, 0.7, 0.5]})
    mine = tmp_path / "mine.csv"
    table.assign(need_p=[0.6, 0.6, MAX_NEED_FTE * 2, 0.7, 0.5]).to_csv(mine, index=False)
    with pytest.raises(InputError, match="above the maximum 10000") as error:
        load_group_data(folder, "p", mine, folder / "travel.csv")
    assert (error.value.row, error.value.column) == (3, "need_p")
    table.assign(lon=[0, 0, 0, 0, 0], lat=[45, 45, 45, 45, -100]).to_csv(mine, index=False)
    code, _, err = run_gpec("groups", folder, "--post", "p", "--structures", mine, "--travel", folder / "travel.csv",
                            "--out", tmp_path / "out", "--quiet")
    assert_one_line_error(code, err, str(mine), "row 5", "column 'lat'", "below -90")
    table.iloc[0:0].to_csv(mine, index=False)
    with pytest.raises(InputError, match="no data rows"):
        load_group_data(folder, "p", mine, folder / "travel.csv")


# -- the independent checks recompute the cost -------------------------------------------------------

def test_evaluate_groups_flags_a_wrong_or_overflowed_cost(line):
    """The line's known answer (tests/test_groups.py): hub B with member C, 9 minutes away; 4 posts of
    10,000 EUR and C's trips, 2 x 10 visits x 9 minutes x 1 EUR: 40,180 EUR, recomputed by the check."""
    result = solve_groups(line, LINE, mip_gap=0.0)
    groups, posts = result.groups, result.group_posts
    assert groups.loc[groups["role"] == "member", ["structure", "hub"]].values.tolist() == [["C", "B"]]
    assert evaluate_groups(line, LINE, groups, posts, reported_cost=result.objective) == []
    for wrong in (-3.7e19, -(2.0 ** 63), 2.0 ** 63, result.objective + 1):
        found = evaluate_groups(line, LINE, groups, posts, reported_cost=wrong)
        assert found == [{"family": "cost", "label": "total",
                          "detail": f"reported {wrong:,.2f} != recomputed 40,180 EUR"}], (wrong, found)
    for wrong in (math.nan, math.inf, -math.inf):
        found = evaluate_groups(line, LINE, groups, posts, reported_cost=wrong)
        assert found == [{"family": "cost", "label": "total",
                          "detail": f"reported {wrong} EUR, not a finite number (recomputed 40,180 EUR)"}], found
    # the cost is recomputed from the data, not taken from the plan: 2 EUR a minute, C's trips 360 EUR
    found = evaluate_groups(dataclasses.replace(line, travel_cost_per_minute=2.0), LINE, groups, posts,
                            reported_cost=result.objective)
    assert found == [{"family": "cost", "label": "total", "detail": "reported 40,180.00 != recomputed 40,360 EUR"}]
    # the data's cost of travel overflowing (no model ever sees it: the check alone): C's trip is named
    found = evaluate_groups(dataclasses.replace(line, travel_cost_per_minute=math.inf), LINE, groups, posts,
                            reported_cost=-3.7e19)
    assert found == [{"family": "cost", "label": "C",
                      "detail": "the trip to hub B costs inf EUR (not a finite number)"}]


def test_evaluate_flags_a_wrong_or_overflowed_cost_and_objective(solved_tiny):
    instance, result = solved_tiny
    assert evaluate(instance, result).ok
    for wrong in (-3.7e19, math.nan, math.inf, -math.inf, result.cost + 1.0):
        report = evaluate(instance, dataclasses.replace(result, cost=wrong))
        assert list(report.violations["family"]) == ["cost"], (wrong, report.violations)
        assert report.cost == pytest.approx(10_000.0)
    for wrong in (-1e30, math.nan, -math.inf):
        report = evaluate(instance, dataclasses.replace(result, objective=wrong))
        assert list(report.violations["family"]) == ["objective"], (wrong, report.violations)


# -- CP-SAT: integer data range-checked --------------------------------------------------------------

def _tiny_model(coef: float = 1.0, upper: float = 10.0, rhs: float = 5.0) -> LinearModel:
    lp = LinearModel()
    x = lp.add_variables("x", pd.Index(["a", "b"], name="k"), 0.0, upper, integer=True)
    lp.add_constraints("cap", pd.Index(["all"], name="row"), [(np.zeros(2), x.positions, [coef, 1.0])],
                       upper=rhs)
    return lp


def test_cpsat_refuses_values_beyond_exact_integer_arithmetic():
    ok = CpSatBackend(_tiny_model())
    ok.set_objective(np.array([-1.0, -2.0]))
    outcome = ok.solve(10.0, 0.0)
    assert outcome.status == "optimal" and outcome.objective == pytest.approx(-10.0)
    with pytest.raises(GpecError, match=r"coefficient 3\.6e\+16 of column x\[a\] in row cap\[all\]"):
        CpSatBackend(_tiny_model(coef=2.0 ** 55))
    with pytest.raises(GpecError, match=r"upper bound .* of row cap\[all\]"):
        CpSatBackend(_tiny_model(rhs=2.0 ** 60))
    with pytest.raises(GpecError, match=r"upper bound .* of column x\[a\]"):
        CpSatBackend(_tiny_model(upper=2.0 ** 52))
    with pytest.raises(GpecError, match=r"row cap\[all\] may reach .* above 2\^62"):
        CpSatBackend(_tiny_model(coef=2.0 ** 30, upper=2.0 ** 40))  # each fits, their product does not
    wide = CpSatBackend(_tiny_model(upper=2.0 ** 40))
    with pytest.raises(GpecError, match="the objective may reach"):
        wide.set_objective(np.array([2.0 ** 30, 2.0 ** 30]))
    with pytest.raises(GpecError, match="coefficient nan"):
        ok.set_objective(np.array([math.nan, 1.0]))
    with pytest.raises(GpecError, match="an added row"):
        ok.add_row(np.array([1.0, 1.0]), 2.0 ** 60, math.inf)


# -- gpec explain and gpec compare: folders that are not a solve's output, or damaged ----------------

def _set_key(out, key, value):
    head = json.loads((out / "result.json").read_text())
    if value is _DROP:
        del head[key]
    else:
        head[key] = value
    (out / "result.json").write_text(json.dumps(head))


def _halve(out, name):
    data = (out / name).read_bytes()
    (out / name).write_bytes(data[: len(data) // 2 + 1])


def _rewrite(out, name, change):
    table = pd.read_csv(out / name, dtype=str, keep_default_na=False)
    change(table).to_csv(out / name, index=False)


_DROP = object()
FOLDERS = {
    # name: (how to make the folder from a copy of a good run, or None for a new path; words in the line)
    "does not exist": (None, "no such folder"),
    "a file": (lambda out: shutil.rmtree(out) or out.write_text("x"), "not a folder"),
    "empty": (lambda out: [p.unlink() for p in out.iterdir()], "empty folder"),
    "an instance": ("instance", "an instance folder"),
    "a groups output": ("groups", "result.json: the result of gpec groups"),
    "result.json {}": (lambda out: (out / "result.json").write_text("{}"), "not the result of a gpec solve"),
    "result.json a list": (lambda out: (out / "result.json").write_text("[1, 2]"), "not an object"),
    "result.json truncated": (lambda out: _halve(out, "result.json"), "not a readable result"),
    "result.json NaN": (lambda out: _set_key(out, "objective", math.nan), "NaN is not JSON"),
    "result.json of groups": (lambda out: _set_key(out, "post_type", "p"), "the result of gpec groups"),
    "result.json by région": (lambda out: _set_key(out, "by_region", True), "--by-region"),
    "status null": (lambda out: _set_key(out, "status", None), "key 'status' is null"),
    "horizon text": (lambda out: _set_key(out, "horizon", "x"), "key 'horizon' is \"x\""),
    "horizon reversed": (lambda out: _set_key(out, "horizon", [2029, 2026]), "key 'horizon'"),
    "stages damaged": (lambda out: _set_key(out, "stages", [1]), "key 'stages'"),
    "runtime missing": (lambda out: _set_key(out, "runtime_s", _DROP), "key 'runtime_s' is missing"),
    "overrides null": (lambda out: _set_key(out, "overrides", None), "key 'overrides'"),
    "timings damaged": (lambda out: _set_key(out, "timings", {"a": 1}), "key 'timings'"),
    "verification damaged": (lambda out: _set_key(out, "verification", {"a": 1}), "key 'verification'"),
    "diagnosis damaged": (lambda out: _set_key(out, "diagnosis", {"conflict": [1]}), "key 'diagnosis'"),
    "violations text": (lambda out: _set_key(out, "violations", "x"), "key 'violations'"),
    "tail years text": (lambda out: _set_key(out, "tail_years", "x"), "key 'tail_years'"),
    "funders damaged": (lambda out: _set_key(out, "funders", [1]), "key 'funders'"),
    "a table missing": (lambda out: (out / "decisions.csv").unlink(), "decisions.csv: missing"),
    "a table truncated": (lambda out: _halve(out, "workforce.csv"), "workforce.csv: truncated"),
    "a table without its header": (lambda out: (out / "spend.csv").write_text(""), "spend.csv: empty"),
    "a table without a column": (lambda out: _rewrite(out, "decisions.csv", lambda t: t.drop(columns="units")),
                                 "decisions.csv, column 'units': missing"),
    "text in a number column": (lambda out: _rewrite(out, "decisions.csv", lambda t: t.assign(units="many")),
                                "decisions.csv, row 1, column 'units': 'many' is not a number"),
    "unreadable bytes": (lambda out: (out / "unmet.csv").write_bytes(b"\xff\xfe\n1,2\n"), "unmet.csv: not a readable"),
}


@pytest.fixture
def bad_folder(request, run_folder, tiny_folder, line_folder, tmp_path):
    make, words = FOLDERS[request.param]
    out = tmp_path / "out"
    if make == "instance":
        return tiny_folder, words
    if make == "groups":
        data = load_group_data(line_folder, "p", travel_file=line_folder / "travel.csv")
        solve_groups(data, LINE, mip_gap=0.0).write(out.parent / "groups")
        return out.parent / "groups", words
    if make is not None:
        shutil.copytree(run_folder, out)
        make(out)
    return out, words


@pytest.mark.parametrize("bad_folder", list(FOLDERS), indirect=True)
@pytest.mark.parametrize("command", ["explain", "compare"])
def test_explain_and_compare_refuse_a_foreign_or_damaged_folder(bad_folder, command, run_folder):
    folder, words = bad_folder
    args = [folder] if command == "explain" else [run_folder, folder]
    code, _, err = run_gpec(command, *args)
    assert_one_line_error(code, err, words)


def test_explain_and_compare_read_a_good_folder(run_folder):
    code, out, err = run_gpec("explain", run_folder)
    assert code == 0 and err == "" and "status optimal" in out and "stage unmet" in out
    code, out, err = run_gpec("compare", run_folder, run_folder)
    assert code == 0 and err == "", err


def test_explain_of_an_empty_folder_in_a_real_process(tmp_path):
    run = run_gpec_process("explain", tmp_path)
    line = assert_one_line_error(run.code, run.err)
    assert run.err == line + "\n" == f"gpec: error: {tmp_path}: empty folder, no result.json (not the output " \
                                     "folder of a gpec solve)\n", run.err


# -- gpec export -------------------------------------------------------------------------------------

@pytest.mark.parametrize("out, extra, words", [
    ("afile/model.mps", [], "afile is a file, not a folder"),
    ("afile/below/model.mps", [], "afile is a file, not a folder"),
    ("folder", [], "is a folder"),
    ("model.txt", [], "must end in .mps or .lp"),
    ("model.mps", ["--format", "lp"], "--format lp: the extension says mps"),
    ("model", ["--format", "xml"], "--format xml"),
    ("model.mps", ["--horizon", "2040-2045"], "horizon 2040-2045 is outside"),
])
def test_export_bad_output_path_is_one_line(tiny_folder, tmp_path, out, extra, words):
    (tmp_path / "afile").write_text("mine")
    (tmp_path / "folder").mkdir()
    code, _, err = run_gpec("export", tiny_folder, "--out", tmp_path / out, *extra)
    assert_one_line_error(code, err, words)
    assert (tmp_path / "afile").read_text() == "mine" and not list((tmp_path / "folder").iterdir())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "folder"]


def test_export_format_follows_the_extension(tiny_folder, tmp_path):
    """``--out model.lp`` writes LP (it used to write model.mps); no extension: --format's, else .mps."""
    for out, extra, written in (("a.lp", [], "a.lp"), ("b", [], "b.mps"), ("c", ["--format", "lp"], "c.lp"),
                                ("new/d.mps", ["--format", "mps"], "new/d.mps")):
        code, stdout, err = run_gpec("export", tiny_folder, "--out", tmp_path / out, *extra)
        assert code == 0 and err == "" and (tmp_path / written).is_file(), (out, err)
    assert (tmp_path / "a.lp").read_text().lstrip().lower().startswith(("\\", "min", "obj"))
    assert "ROWS" in (tmp_path / "b.mps").read_text()


# -- gpec instance build -----------------------------------------------------------------------------

@pytest.mark.parametrize("make, args, words", [
    (lambda t: (t / "x").write_text("mine"), ["--dep", "40", "--out", "x"], "--out {t}/x: exists and is not a folder"),
    (lambda t: (t / "x").write_text("mine"), ["--dep", "40", "--out", "x/inst"], "x is a file, not a folder"),
    (lambda t: (t / "x").mkdir() or (t / "x" / "README.md").write_text("mine"), ["--dep", "40", "--out", "x"],
     "holds files that are not an instance (e.g. README.md)"),
    (lambda t: shutil.copytree(ROOT / "instances" / "landes", t / "x"), ["--france", "--out", "x"],
     "holds one instance"),
    (lambda t: (t / "raw").mkdir(), ["--dep", "40", "--out", "x", "--raw", "raw"], "communes_bv2022.csv is missing"),
    (lambda t: None, ["--dep", "40", "--out", "x", "--raw", "nowhere"], "--raw {t}/nowhere: raw data folder not found"),
    (lambda t: None, ["--dep", ",", "--out", "x"], "--dep ,"),
    (lambda t: None, ["--dep", "99", "--out", "x"], "--dep 99: unknown département code"),
    (lambda t: None, ["--region", "", "--out", "x"], "exactly one of --dep, --region, --france"),
])
def test_instance_build_bad_output_or_selection_is_one_line(tmp_path, make, args, words):
    make(tmp_path)
    before = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    args = [str(tmp_path / a) if a in ("x", "x/inst", "raw", "nowhere") else a for a in args]
    args += [] if "--raw" in args else ["--raw", str(ROOT / "data" / "raw")]  # whatever the current folder
    code, _, err = run_gpec("instance", "build", *args)
    assert_one_line_error(code, err, words.format(t=tmp_path))
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == before  # nothing written


def test_instance_build_rebuilds_an_instance_folder_or_fills_an_empty_one(tmp_path):
    """A rebuild (``make instances``) and an empty folder pass the check; the rest of the build is
    tests/test_territory.py's."""
    from gpec.territory.build import check_build_out

    shutil.copytree(ROOT / "instances" / "landes", tmp_path / "landes")
    (tmp_path / "empty").mkdir()
    for out in (tmp_path / "landes", tmp_path / "empty", tmp_path / "new" / "deeper"):
        assert check_build_out(out) == out
