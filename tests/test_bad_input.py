"""Bad input gives one clear error naming file, row and column; the CLI exits with code 2, one line on stderr,
no traceback, and nothing already written is lost.

Each load case copies ``instances/landes`` into ``tmp_path``, breaks exactly one thing, then checks the
:class:`~gpec.errors.InputError` raised by :func:`gpec.instance.load_instance` (``file``, ``row``,
``column``) and runs ``gpec solve`` on the broken copy in process (:func:`tests.cli_helpers.run_gpec`,
through :func:`gpec.cli.main` as the console script; tests/test_strict_commands.py pins a real process).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pandas as pd
import pytest

from gpec.errors import GpecError, InputError
from gpec.instance import check_horizon, load_instance
from gpec.scenario import Scenario, parse_budget_year, parse_horizon
from tests.cli_helpers import assert_one_line_error, run_gpec

ROOT = Path(__file__).resolve().parents[1]
LANDES = ROOT / "instances" / "landes"


# -- helpers -----------------------------------------------------------------------------------------

def copy_landes(tmp_path: Path) -> Path:
    folder = tmp_path / "landes"
    shutil.copytree(LANDES, folder)
    return folder


def read(folder: Path, file: str) -> pd.DataFrame:
    return pd.read_csv(folder / file, dtype=str, keep_default_na=False, encoding="utf-8")


def write(folder: Path, file: str, table: pd.DataFrame) -> None:
    table.to_csv(folder / file, index=False, encoding="utf-8")


def set_cell(folder: Path, file: str, index: int, column: str, value: str) -> int:
    """Set one cell (0-based data index); returns the 1-based data row the error must name."""
    t = read(folder, file)
    assert column in t.columns and index < len(t)
    t.loc[index, column] = value
    write(folder, file, t)
    return index + 1


# -- the load cases ----------------------------------------------------------------------------------

@dataclass
class Expect:
    file: str
    row: int | None
    column: str | tuple[str, ...] | None  # a tuple: any of these columns is a fair answer
    text: str  # words the message must contain (case-insensitive)


def missing_file(folder: Path) -> Expect:
    (folder / "stock.csv").unlink()
    return Expect("stock.csv", None, None, "missing")


def missing_column(folder: Path) -> Expect:
    write(folder, "bassins.csv", read(folder, "bassins.csv").drop(columns="pop75"))
    return Expect("bassins.csv", None, "pop75", "missing column")


def unknown_bassin(folder: Path) -> Expect:
    row = set_cell(folder, "need.csv", 6, "bassin", "99999")
    return Expect("need.csv", row, "bassin", "99999")


def unknown_metier(folder: Path) -> Expect:
    row = set_cell(folder, "need.csv", 10, "metier", "plombier")
    return Expect("need.csv", row, "metier", "plombier")


def unknown_metier_in_stock(folder: Path) -> Expect:
    row = set_cell(folder, "stock.csv", 3, "metier", "plombier")
    return Expect("stock.csv", row, "metier", "plombier")


def duplicate_key(folder: Path) -> Expect:
    t = read(folder, "need.csv")
    # repeat data row 3 (index 2) after data row 9: the repeat becomes data row 10
    dup = pd.concat([t.iloc[:9], t.iloc[[2]], t.iloc[9:]], ignore_index=True)
    write(folder, "need.csv", dup)
    return Expect("need.csv", 10, ("bassin", "metier", "year"), "duplicate")


def negative_value(folder: Path) -> Expect:
    row = set_cell(folder, "need.csv", 12, "need_fte", "-3.5")
    return Expect("need.csv", row, "need_fte", "negative")


def empty_value(folder: Path) -> Expect:
    row = set_cell(folder, "stock.csv", 4, "stock_fte", "")
    return Expect("stock.csv", row, "stock_fte", "empty")


def nan_value(folder: Path) -> Expect:
    row = set_cell(folder, "baseline.csv", 7, "ordinary_hiring_fte", "NaN")
    return Expect("baseline.csv", row, "ordinary_hiring_fte", "NaN")


def short_row(folder: Path) -> Expect:
    """A row with its last fields cut off: the missing cells are empty values."""
    path = folder / "stock.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[6] = ",".join(lines[6].split(",")[:3]) + "\n"  # file line 7 = data row 6: keep bassin,metier,setting
    path.write_text("".join(lines), encoding="utf-8")
    return Expect("stock.csv", 6, "stock_fte", "empty")


def non_numeric(folder: Path) -> Expect:
    row = set_cell(folder, "baseline.csv", 20, "school_output_fte", "abc")
    return Expect("baseline.csv", row, "school_output_fte", "abc")


def not_whole_number(folder: Path) -> Expect:
    row = set_cell(folder, "bassins.csv", 3, "pop75", "12.5")
    return Expect("bassins.csv", row, "pop75", "whole number")


def parameter_out_of_range(folder: Path) -> Expect:
    t = read(folder, "parameters.csv")
    i = int(t.index[(t["name"] == "retire_rate") & (t["key"] == "as")][0])
    t.loc[i, "value"] = repr(float(t.loc[i, "high"]) + 0.01)  # above high, still a share
    write(folder, "parameters.csv", t)
    return Expect("parameters.csv", i + 1, "value", "range")


def parameter_below_range(folder: Path) -> Expect:
    t = read(folder, "parameters.csv")
    i = int(t.index[(t["name"] == "cost_training_place") & (t["key"] == "ide")][0])
    t.loc[i, "value"] = repr(float(t.loc[i, "low"]) - 1.0)
    write(folder, "parameters.csv", t)
    return Expect("parameters.csv", i + 1, "value", "range")


def bad_confidence(folder: Path) -> Expect:
    row = set_cell(folder, "parameters.csv", 3, "confidence", "guess")
    return Expect("parameters.csv", row, "confidence", "confidence")


LOAD_CASES: dict[str, Callable[[Path], Expect]] = {
    "missing_file": missing_file,
    "missing_column": missing_column,
    "unknown_bassin": unknown_bassin,
    "unknown_metier": unknown_metier,
    "unknown_metier_in_stock": unknown_metier_in_stock,
    "duplicate_key": duplicate_key,
    "negative_value": negative_value,
    "empty_value": empty_value,
    "nan_value": nan_value,
    "short_row": short_row,
    "non_numeric": non_numeric,
    "not_whole_number": not_whole_number,
    "parameter_out_of_range": parameter_out_of_range,
    "parameter_below_range": parameter_below_range,
    "bad_confidence": bad_confidence,
}


def test_unbroken_copy_loads(tmp_path):
    """The copy itself is valid: every failure below comes from the one thing each case breaks."""
    inst = load_instance(copy_landes(tmp_path))
    assert len(inst.bassins) > 0 and len(inst.metiers) > 0


@pytest.mark.parametrize("case", list(LOAD_CASES), ids=list(LOAD_CASES))
def test_load_error_names_file_row_and_column(case, tmp_path):
    folder = copy_landes(tmp_path)
    expect = LOAD_CASES[case](folder)

    # the Python API: an InputError located by file, row and column
    with pytest.raises(InputError) as info:
        load_instance(folder)
    err = info.value
    assert Path(err.file).name == expect.file
    assert Path(err.file).parent == folder
    assert err.row == expect.row
    columns = expect.column if isinstance(expect.column, tuple) else (expect.column,)
    assert err.column in columns
    assert expect.text.lower() in err.message.lower(), err.message

    # the CLI end to end: exit 2, one line, file/row/column named, nothing written
    out = tmp_path / "out"
    run = run_gpec("solve", folder, "--out", out)
    needles = [expect.file]
    if expect.row is not None:
        needles.append(f"row {expect.row}")
    if expect.column is not None:
        needles.append(f"column '{err.column}'")
    line = assert_one_line_error(run.code, run.err, *needles, stdout=run.out)
    assert expect.text.lower() in line.lower(), line
    assert not out.exists(), "a load error must not write anything"


# -- bad options -------------------------------------------------------------------------------------

OPTION_CASES = {
    "horizon_outside_data": (["--horizon", "2020-2035"], ["2020-2035", "outside"]),
    "negative_budget": (["--budget", "departement=-1"], ["departement=-1", "non-negative"]),
    "unknown_funder": (["--budget", "nosuchfunder=1000"], ["nosuchfunder"]),
    "non_numeric_budget": (["--budget", "departement=abc"], ["departement=abc", "'abc' is not a number"]),
    "zero_time_limit": (["--time-limit", "0"], ["time limit"]),
}


@pytest.mark.parametrize("case", list(OPTION_CASES), ids=list(OPTION_CASES))
def test_bad_option_one_line_exit_2(case, tmp_path):
    args, needles = OPTION_CASES[case]
    out = tmp_path / "out"
    run = run_gpec("solve", LANDES, "--out", out, *args)
    assert_one_line_error(run.code, run.err, *needles, stdout=run.out)
    assert not out.exists(), "a bad option must not write anything"


def test_bad_options_raise_gpec_error_in_the_api():
    """The same checks, through the Python API the CLI calls."""
    inst = load_instance(LANDES)
    with pytest.raises(GpecError, match="outside the instance data"):
        check_horizon(inst, parse_horizon("2020-2035"))
    with pytest.raises(GpecError, match="non-negative"):
        parse_budget_year("departement=-1")
    with pytest.raises(GpecError, match="'abc' is not a number"):
        parse_budget_year("departement:2027=abc")
    with pytest.raises(GpecError, match="FUNDER:YEAR=EUR"):
        parse_budget_year("departement:27=1")
    assert parse_budget_year("nosuchfunder=1000") == ("nosuchfunder", None, 1000.0)  # syntax fine; unknown funder
    with pytest.raises(GpecError, match="unknown funder 'nosuchfunder'"):
        Scenario(budgets={"nosuchfunder": 1000.0}).apply(inst)
    with pytest.raises(GpecError, match="time limit"):
        Scenario(time_limit=0)
    with pytest.raises(GpecError, match="non-negative"):
        inst.with_budget({"departement": -1.0})


def test_out_is_an_existing_file(tmp_path):
    out = tmp_path / "out"
    out.write_text("not a folder\n")
    run = run_gpec("solve", LANDES, "--no-levers", "--out", out)
    assert_one_line_error(run.code, run.err, str(out), stdout=run.out)
    assert out.read_text() == "not a folder\n"


# -- nothing already written is lost -----------------------------------------------------------------

def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def good_out(tmp_path_factory) -> Path:
    """A valid result written by the CLI (``--no-levers``: an LP, fast)."""
    out = tmp_path_factory.mktemp("good") / "out"
    run = run_gpec("solve", LANDES, "--no-levers", "--out", out)
    assert run.code == 0, run.err
    for name in ("decisions.csv", "workforce.csv", "unmet.csv", "spend.csv", "result.json", "report.md"):
        assert (out / name).is_file(), name
    return out


def test_failing_commands_keep_earlier_output(good_out, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(good_out, out)
    before = snapshot(out)
    broken = copy_landes(tmp_path)
    set_cell(broken, "need.csv", 6, "bassin", "99999")

    failing = {
        "load error": ["solve", broken, "--out", out],
        "unknown funder (fails after loading)": ["solve", LANDES, "--out", out, "--budget", "nosuchfunder=1000"],
        "horizon outside the data": ["solve", LANDES, "--out", out, "--horizon", "2020-2035"],
    }
    for what, args in failing.items():
        run = run_gpec(*args)
        assert_one_line_error(run.code, run.err, stdout=run.out)
        after = snapshot(out)
        assert after.keys() == before.keys(), f"{what}: files added or removed: {sorted(after.keys() ^ before.keys())}"
        changed = [name for name in before if after[name] != before[name]]
        assert not changed, f"{what}: earlier output changed: {changed}"


def test_run_without_solution_replaces_the_output_consistently(good_out, tmp_path):
    """A run that ends without a plan still reports honestly: every output file is rewritten for that run
    (status in result.json and report.md, empty tables), none is left over from the earlier run."""
    out = tmp_path / "out"
    shutil.copytree(good_out, out)
    before = snapshot(out)
    # the MILP (levers on) stopped by a tiny time limit (HiGHS floors it at 0.01 s): no incumbent
    run = run_gpec("solve", LANDES, "--out", out, "--time-limit", "0.001")
    if run.code == 0:
        pytest.skip("the solver found an incumbent within the time limit: no failing run to test with")
    assert "Traceback" not in run.err, run.err
    assert run.code == 1, run.err
    after = snapshot(out)
    drawn = {name for name in before if name.startswith("map_") or name in ("results.gpkg", "inflows.png")}
    assert after.keys() == before.keys() - drawn, "maps of the earlier run must not be left beside this run's files"
    head = json.loads((out / "result.json").read_text())
    assert head["status"] == "error" and head["objective"] is None
    assert "Status: **error" in (out / "report.md").read_text()
    for name in ("decisions.csv", "workforce.csv", "unmet.csv", "spend.csv"):
        assert len(pd.read_csv(out / name)) == 0, name
