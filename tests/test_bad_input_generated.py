"""A generated bad-input suite: hypothesis corrupts one thing of a tiny instance, or one option of the CLI,
and runs ``gpec solve`` in process through :func:`gpec.cli.main` (:func:`tests.cli_helpers.run_gpec`).

For every example, the outcome is one of two:

- exit code 2 and exactly one line on stderr, ``gpec: error: ...``, naming where (the file and, for a
  cell, its column; the option) — never a traceback (:func:`tests.cli_helpers.assert_one_line_error`);
- a normal run (exit 0 or 1: a plan, or a status such as infeasible) when the corruption leaves a valid
  input.

Each corruption knows whether it is *certainly* invalid (text in a number, NaN, a negative cost, a
missing required column or file, a duplicate key, an unknown code, a missing year...): those must exit
2, never run. The others (an in-range change, an extra column, a BOM...) may go either way.
"""

from __future__ import annotations

import math
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from conftest import write_instance
from gpec.schema import SCHEMAS
from tests.cli_helpers import assert_one_line_error, run_gpec

B1, B2 = "40001", "40002"
YEARS = (2026, 2028)
EXAMPLES = 120  # per test; the two tests together run more than 200 examples


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    """Two bassins, one métier, three years; structures and budgets so that every lever has data."""
    folder = tmp_path_factory.mktemp("tiny") / "tiny"
    years = range(YEARS[0], YEARS[1] + 1)
    write_instance(
        folder, bassins=[(B1, 0.0, 45.0), (B2, 0.2, 45.1)], years=YEARS,
        need={(b, "as", y): 100 + 5 * (y - YEARS[0]) for b in (B1, B2) for y in years},
        stock0={(B1, "as"): 95.0, (B2, "as"): 90.0},
        inflow={(b, "as", y): 8.0 for b in (B1, B2) for y in years[1:]},
        training_cap={(B1, "as"): 5, (B2, "as"): 5}, apprentice_cap={(B1, "as"): 2, (B2, "as"): 2},
        budget={"region": 20_000.0, "departement": 10_000.0},
        structures=[("S1", B1, 0.0, 45.0, 60), ("S2", B2, 0.2, 45.1, 80)],
        staff={("S1", "as"): 20.0, ("S2", "as"): 25.0},
    )
    return folder


def solve_args(folder: Path, out: Path, *extra: str) -> list[str]:
    return ["solve", folder, "--out", out, "--no-maps", "--no-shadow-prices", "--quiet", "--time-limit", "30", *extra]


def check(args: list, invalid: bool, needles: tuple[str, ...], what: str) -> None:
    """Run ``gpec ARGS`` in process: a refusal naming the needles, or (when the input may be valid) a normal
    run. An exception escaping :func:`gpec.cli.main` fails the example with its traceback."""
    note(what)  # printed with the failing example
    code, _, stderr = run_gpec(*args)
    assert "Traceback" not in stderr, f"{what}:\n{stderr}"
    if code == 2:
        assert_one_line_error(code, stderr, *needles)
    else:
        assert not invalid, f"{what}: an invalid input ran (exit {code}); stderr: {stderr}"
        assert code in (0, 1), f"{what}: exit {code}; stderr: {stderr}"


# -- corruptions of instance files ----------------------------------------------------------------------

#: Text that is never a number (a decimal comma included) and numbers that are never a valid value.
NOT_A_NUMBER = ("abc", "1,5", "nan", "NaN", "inf", "-inf", "1e308", "-1e308", "0x10", "--1", "1..2")
UNKNOWN_CODE = "ZZ_UNKNOWN"


@dataclass(frozen=True)
class Corruption:
    """One change to one file: ``apply`` edits the folder; ``invalid`` says it certainly makes the input
    invalid; ``needles`` what the error line must name."""

    file: str
    kind: str
    row: int = -1
    column: str = ""
    value: str = ""

    def describe(self) -> str:
        return f"{self.kind} {self.file} row {self.row} column {self.column!r} value {self.value!r}"


def _schema_columns(file: str):
    return {c.name: c for c in SCHEMAS[file].columns} if file in SCHEMAS else {}


def _invalid_cell(file: str, frame: pd.DataFrame, column: str, value: str) -> bool:
    """Whether putting ``value`` in ``column`` certainly breaks ``file``."""
    spec = _schema_columns(file).get(column)
    if spec is None or column == "source" and value != "":
        return False
    if spec.kind in ("int", "float"):
        if value == "":
            return not spec.allow_empty
        try:
            number = float(value)
        except ValueError:
            return True
        return (not math.isfinite(number) or abs(number) > 1e15 or spec.nonnegative and number < 0
                or spec.kind == "int" and not number.is_integer())
    if spec.kind == "code":
        if value == "":
            return not spec.allow_empty
        referenced = SCHEMAS[file].references.get(column)
        return value == UNKNOWN_CODE and (referenced is not None or column in SCHEMAS[file].key
                                          and file in ("levers.csv", "budget.csv"))
    return False


@st.composite
def file_corruptions(draw, folder: Path) -> Corruption:
    files = sorted(p.name for p in folder.glob("*.csv"))
    file = draw(st.sampled_from(files))
    frame = pd.read_csv(folder / file, dtype=str, keep_default_na=False)
    kind = draw(st.sampled_from(["cell", "cell", "cell", "drop_column", "rename_column", "extra_column",
                                 "duplicate_row", "drop_row", "separator", "latin1", "empty", "header_only",
                                 "delete", "bom"]))
    if kind in ("cell", "drop_column", "rename_column") and len(frame.columns):
        column = draw(st.sampled_from(list(frame.columns)))
    else:
        column = ""
    row = draw(st.integers(0, max(len(frame) - 1, 0))) if len(frame) else -1
    value = ""
    if kind == "cell":
        value = draw(st.one_of(st.sampled_from(NOT_A_NUMBER), st.sampled_from(["", "-1", "-0.5", UNKNOWN_CODE,
                                                                              " ", "0", "1", "2.5", "1e9"]),
                               st.floats(allow_nan=True, allow_infinity=True).map(repr),
                               st.integers(-10**20, 10**20).map(str)))
    return Corruption(file, kind, row, column, value)


def apply_corruption(folder: Path, c: Corruption) -> tuple[bool, tuple[str, ...]]:
    """Edit the copy; return (certainly invalid, what the error line must name)."""
    path = folder / c.file
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    schema = SCHEMAS.get(c.file)
    required = schema is not None and not schema.optional
    cols = _schema_columns(c.file)
    needles: tuple[str, ...] = (c.file,)
    invalid = False
    if c.kind == "cell" and c.row >= 0:
        invalid = _invalid_cell(c.file, frame, c.column, c.value)
        frame.loc[c.row, c.column] = c.value
        frame.to_csv(path, index=False)
        if invalid:
            needles = (c.file, c.column)
    elif c.kind == "drop_column":
        invalid = c.column in cols and not cols[c.column].optional
        frame.drop(columns=[c.column]).to_csv(path, index=False)
    elif c.kind == "rename_column":
        invalid = c.column in cols and not cols[c.column].optional
        frame.rename(columns={c.column: c.column + "_x"}).to_csv(path, index=False)
    elif c.kind == "extra_column":
        frame.assign(extra_col="x").to_csv(path, index=False)
    elif c.kind == "duplicate_row" and c.row >= 0:
        invalid = bool(schema is not None and schema.key)
        pd.concat([frame, frame.iloc[[c.row]]]).to_csv(path, index=False)
    elif c.kind == "drop_row" and c.row >= 0:
        # a per-year table loses a year of its grid
        invalid = "year" in frame.columns and c.file in ("need.csv", "baseline.csv", "budget.csv")
        frame.drop(index=c.row).to_csv(path, index=False)
    elif c.kind == "separator":
        invalid = required and len(frame.columns) > 1
        frame.to_csv(path, index=False, sep=";")
    elif c.kind == "latin1":
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        if len(lines) > 1:
            lines[1] = lines[1] + "é" if lines[1].endswith('"') is False else lines[1]
        path.write_bytes("\n".join(lines).encode("latin-1", errors="replace") + b"\n")
    elif c.kind == "empty":
        invalid = required
        path.write_text("")
    elif c.kind == "header_only":
        invalid = schema is not None and not schema.may_be_empty
        path.write_text(",".join(frame.columns) + "\n")
    elif c.kind == "delete":
        invalid = required
        path.unlink()
    elif c.kind == "bom":
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    return invalid, needles


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                        HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_corrupted_instance_file_gives_one_line_or_a_normal_run(tiny, data):
    c = data.draw(file_corruptions(tiny))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "tiny"
        shutil.copytree(tiny, folder)
        invalid, needles = apply_corruption(folder, c)
        check(solve_args(folder, Path(tmp) / "out"), invalid, needles, c.describe())


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(key=st.sampled_from(["name", "base_year", "horizon"]),
       value=st.sampled_from([None, "abc", -1, [2026], [2030, 2026], [1900, 1901], 1.5, {"a": 1}, "DROP"]))
def test_a_corrupted_instance_yaml_names_file_and_key(tiny, key, value):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "tiny"
        shutil.copytree(tiny, folder)
        meta = yaml.safe_load((folder / "instance.yaml").read_text())
        if value == "DROP":
            meta.pop(key)
        else:
            meta[key] = value
        (folder / "instance.yaml").write_text(yaml.safe_dump(meta))
        invalid = key != "name" and value != [YEARS[0], YEARS[1]]
        check(solve_args(folder, Path(tmp) / "out"), invalid, ("instance.yaml", key) if invalid else (),
              f"instance.yaml {key}={value!r}")


# -- corruptions of options -------------------------------------------------------------------------------

@st.composite
def option_corruptions(draw):
    """(options, certainly invalid, option named in the error line)."""
    choice = draw(st.sampled_from(["time_limit", "gap", "cost_gap", "service_level", "set", "budget",
                                   "horizon", "lever_off", "min_places", "solver", "valid_set"]))
    if choice == "time_limit":
        v = draw(st.sampled_from(["0", "-5", "nan", "inf", "abc"]))
        return ["--time-limit", v], True, "time"
    if choice in ("gap", "cost_gap"):
        v = draw(st.sampled_from(["1", "2", "-0.1", "nan", "inf", "abc"]))
        return ["--" + choice.replace("_", "-"), v], True, "gap"
    if choice == "service_level":
        v = draw(st.sampled_from(["1.5", "-0.1", "nan", "abc"]))
        return ["--service-level", v], True, "service"
    if choice == "set":
        name = draw(st.sampled_from(["retire_rate[as]", "unmet_weight[as]", "cost_vehicle", "decay_km",
                                     "cost_training_place[as]", "eff_qvct_exit", "training_years[as]",
                                     "no_such_parameter", "retire_rate[zz]"]))
        v = draw(st.sampled_from(["-1", "nan", "inf", "1e308", "abc", "2"]))
        bare = name.split("[")[0]
        certainly = (v != "2" or bare in ("retire_rate", "eff_qvct_exit") or "no_such" in name or "[zz]" in name)
        return ["--set", f"{name}={v}"], certainly, "--set"
    if choice == "valid_set":
        return ["--set", "retire_rate[as]=0.06"], False, ""
    if choice == "budget":
        v = draw(st.sampled_from(["region=-1", "region=nan", "region=inf", "region", "=5", "nobody=5",
                                  "region:1999=5", "region:2027=abc"]))
        return ["--budget", v], True, "--budget"
    if choice == "horizon":
        v = draw(st.sampled_from(["2028-2026", "abc", "2026", "1990-1995", "2026-2099"]))
        return ["--horizon", v], True, "--horizon"
    if choice == "lever_off":
        return ["--lever-off", draw(st.sampled_from(["flying", "", "TRAINING"]))], True, "lever"
    if choice == "min_places":
        v = draw(st.sampled_from(["as=-1", "as=1.5", "zz=3", "as", "=3"]))
        return ["--min-places", v], True, "--min-places"
    return ["--solver", draw(st.sampled_from(["cplex", "", "HIGHS"]))], True, "solver"


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                        HealthCheck.function_scoped_fixture])
@given(case=option_corruptions())
def test_a_bad_option_gives_one_line_naming_it(tiny, case):
    options, invalid, needle = case
    with tempfile.TemporaryDirectory() as tmp:
        check(solve_args(tiny, Path(tmp) / "out", *options), invalid, (needle,) if invalid and needle else (),
              " ".join(options))


# -- gpec groups: its options and the user's table of structures ------------------------------------------

#: A user table of structures (``--structures``), four EHPAD a few minutes apart.
STRUCTURES = pd.DataFrame({"structure": ["S1", "S2", "S3", "S4"], "name": ["A", "B", "C", "D"],
                           "lon": [0.0, 0.05, 0.1, 0.15], "lat": [45.0, 45.02, 45.0, 45.02],
                           "places": [60, 80, 45, 90]})
POST = ("post_type,label,need_per_place,need_per_structure,cost_eur,visits_per_year,source\n"
        "night_nurse,Night nurse,0.0114,0,53440,100,test\n")


@st.composite
def groups_corruptions(draw):
    """(options, structures table, certainly invalid, what the error line names)."""
    table = STRUCTURES.astype(str)
    choice = draw(st.sampled_from(["option", "option", "option", "cell", "column"]))
    if choice == "cell":
        row, column = draw(st.integers(0, 3)), draw(st.sampled_from(["lon", "lat", "places"]))
        value = draw(st.sampled_from(["abc", "nan", "inf", "-1", "1e308", "", "200", "-91", "1,5", "12"]))
        table.loc[row, column] = value
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        limit = {"lon": 180, "lat": 90, "places": 1e6}[column]
        valid = math.isfinite(number) and abs(number) <= limit and (column != "places" or number >= 0)
        return [], table, not valid, ("structures.csv", column)
    if choice == "column":
        column = draw(st.sampled_from(["structure", "places", "lon"]))
        return [], table.drop(columns=[column]), True, ("structures.csv",)
    option, value, invalid = draw(st.sampled_from([
        ("--time-limit", "0", True), ("--time-limit", "-1", True), ("--time-limit", "nan", True),
        ("--time-limit", "inf", True), ("--time-limit", "abc", True), ("--time-limit", "20", False),
        ("--gap", "1", True), ("--gap", "2", True), ("--gap", "-0.1", True), ("--gap", "nan", True),
        ("--gap", "0.5", False),
        ("--travel-cost", "inf", True), ("--travel-cost", "nan", True), ("--travel-cost", "-1", True),
        ("--travel-cost", "1e6", True), ("--travel-cost", "0.3", False),
        ("--max-minutes", "0", True), ("--max-minutes", "-5", True), ("--max-minutes", "inf", True),
        ("--max-minutes", "nan", True), ("--max-minutes", "45", False),
        ("--min-size", "0", True), ("--min-size", "-1", True), ("--max-size", "-1", True),
        ("--max-size", "x", True), ("--groups", "-1", True), ("--groups", "99", True), ("--groups", "1", False),
        ("--alone", "ZZ", True), ("--together", "S1", True), ("--together", "S1,ZZ", True),
        ("--together", "S1,S2", False), ("--keep", "S1", True), ("--keep", "ZZ:S1", True),
        ("--solver", "cplex", True), ("--method", "magic", True), ("--lang", "de", True),
        ("--post", "astronaut", True)]))
    return [option, value], table, invalid, (option,)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(case=groups_corruptions())
def test_a_bad_groups_option_or_structures_file_gives_one_line(tiny, case):
    options, table, invalid, needles = case
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "tiny"
        shutil.copytree(tiny, folder)
        (folder / "post_types.csv").write_text(POST)
        table.to_csv(Path(tmp) / "structures.csv", index=False)
        args = ["groups", folder, "--structures", Path(tmp) / "structures.csv", "--out", Path(tmp) / "out",
                "--no-maps", "--quiet", "--time-limit", "20"]
        if "--post" not in options:
            args += ["--post", "night_nurse"]
        check([*args, *options], invalid, needles if invalid else (),
              f"groups {' '.join(options)} / {table.to_dict('list')}")
