"""Break-even of assumed effects (gpec.breakeven, gpec breakeven): the threshold of a tiny instance computed by
hand, every kind of answer, probes that are not proven, the worker's planner, the CLI, the presets and the
``lever`` column of parameters.csv."""

from __future__ import annotations

import math
import sys
from dataclasses import replace

import pandas as pd
import pytest

from gpec.breakeven import (ANSWERS, PROBE_COLUMNS, SUMMARY_COLUMNS, BreakevenTask, _PLANNERS, _search, breakeven,
                            breakeven_task, effect_records)
from gpec.cli import main
from gpec.errors import InputError
from gpec.instance import load_instance
from gpec.models import LEVER_BUILDERS
from gpec.planner import Planner
from gpec.scenario import Scenario
from gpec.scenario_file import read_scenario_file
from gpec.schema import LEVERS
from tests.conftest import LANDES, ROOT, write_instance

#: The tiny instance has QVCT and apprenticeship only; proven exactly, so that a tie is never within a gap.
EXACT = Scenario(levers=("apprenticeship", "qvct"), mip_gap=0.0, shadow_prices=False)
#: eff_qvct_exit above which the QVCT post beats the apprenticeships (tiny's docstring).
THRESHOLD = 0.45


def tiny(folder, low=0.0, high=1.0, levers=None, ranges=None):
    """One bassin, one métier (as), data years 2026-2027 = the horizon: the only decisions start in 2026
    and deliver in 2027 (a QVCT post, or 1-year apprenticeships), paid from the Département's 50,000 EUR
    of 2026 (no carry-over). Need (5,000 FTE) is far above the stock (2,000), so every FTE delivered in
    2027 cuts unmet need by one, and stage 1 buys the most FTE for 50,000 EUR:

    * apprenticeship: 2,000 EUR a contract delivering (1 - dropout 0.1) x conversion 1 = 0.9 FTE, at most
      100 contracts: 25 contracts, 22.5 FTE;
    * QVCT: one post of 50,000 EUR serves structure S1 (1,000 FTE of staff, at the bassin's centre) and
      retains ``eff_qvct_exit`` x exit rate 0.05 x 1,000 = 50 x eff FTE.

    A post and a contract do not fit together (52,000 EUR), so the post is in the plan exactly when
    50 eff > 22.5: eff > 0.45 (:data:`THRESHOLD`). Unmet need is 3,000 in 2026 and 5,000 - (0.9 x 2,000
    + FTE delivered) in 2027: 6,177.5 FTE-years with the apprenticeships, 6,150 with a post at eff = 1.

    ``eff_qvct_exit`` has the range ``[low, high]`` and lever ``qvct``; ``levers`` and ``ranges`` give
    other records a lever and a range (``{name: lever}``, ``{name: (low, high)}``).
    """
    write_instance(folder, bassins=[("A", 0.0, 45.0)], need={("A", "as", y): 5000.0 for y in (2026, 2027)},
                   stock0={("A", "as"): 2000.0}, inflow={("A", "as", 2027): 0.0}, years=(2026, 2027),
                   apprentice_cap={("A", "as"): 100}, budget={"region": 0.0, "departement": 50_000.0},
                   structures=[("S1", "A", 0.0, 45.0, 100)], staff={("S1", "as"): 1000.0},
                   params={"eff_qvct_exit": low})
    p = pd.read_csv(folder / "parameters.csv", keep_default_na=False)
    p["lever"] = ""
    for name, lever in {"eff_qvct_exit": "qvct", **(levers or {})}.items():
        p.loc[p["name"] == name, "lever"] = lever
    for name, (lo, hi) in {"eff_qvct_exit": (low, high), **(ranges or {})}.items():
        p.loc[p["name"] == name, ["low", "high"]] = [lo, hi]
    p.to_csv(folder / "parameters.csv", index=False)
    return folder


def test_the_bisection_lands_on_the_hand_computed_threshold(tmp_path):
    found = breakeven(load_instance(tiny(tmp_path / "t")), "eff_qvct_exit", EXACT)
    assert (found.answer, found.lever, found.low, found.high) == ("enters", "qvct", 0.0, 1.0)
    assert found.threshold_low < THRESHOLD < found.threshold_high
    assert found.threshold_high - found.threshold_low <= 0.02 * (found.high - found.low)
    probes = found.probes.set_index("value")
    assert probes["proven"].all() and list(probes.index[:2]) == [0.0, 1.0]  # the ends first
    assert (probes["enters"] == (probes.index > THRESHOLD)).all()
    assert probes.loc[0.0, "objective"] == pytest.approx(6177.5) and probes.loc[0.0, "lever_units"] == 0
    assert probes.loc[1.0, "objective"] == pytest.approx(6150.0) and probes.loc[1.0, "lever_units"] == 1
    row = found.row()
    assert (row["probes"], row["proven"]) == (len(probes), len(probes)) and not math.isnan(row["threshold_high"])


@pytest.mark.parametrize("low, high, answer", [(0.0, 0.4, "never"), (0.5, 1.0, "whole_range")])
def test_never_and_the_whole_range_are_answers(tmp_path, low, high, answer):
    found = breakeven(load_instance(tiny(tmp_path / "t", low, high)), "eff_qvct_exit", EXACT)
    assert found.answer == answer and len(found.probes) == 2 and found.probes["proven"].all()
    if answer == "never":
        assert math.isnan(found.threshold_low) and "does not enter within [0, 0.4]" in found.note
    else:
        assert found.threshold_low == found.threshold_high == low


def test_a_probe_not_proven_leaves_the_interval_it_brackets(tmp_path, monkeypatch):
    """The probe at 0.375 stands for one stopped by its time limit (status feasible, its plan kept): the
    bisection stops and answers with the proven probes around it, 0.25 (out) and 0.5 (in)."""
    solve = Planner.solve

    def stopped_at_0375(self, progress=None):
        result = solve(self, progress)
        return replace(result, status="feasible") if self.scenario.parameters[("eff_qvct_exit", "")] == 0.375 \
            else result

    monkeypatch.setattr(Planner, "solve", stopped_at_0375)
    found = breakeven(load_instance(tiny(tmp_path / "t")), "eff_qvct_exit", EXACT)
    assert (found.answer, found.threshold_low, found.threshold_high) == ("interval", 0.25, 0.5)
    assert list(found.probes["value"]) == [0.0, 1.0, 0.5, 0.25, 0.375]
    assert list(found.probes["proven"]) == [True] * 4 + [False]
    assert "the probe at 0.375 was not proven (feasible" in found.note


def test_a_failed_probe_at_an_end_leaves_the_whole_range(tmp_path):
    """A service level of 0.368 allows 3,160 FTE of unmet need in 2027: 22.5 FTE of apprentices leave
    3,177.5 (infeasible at eff = 0), a post at eff = 1 leaves 3,150 (tiny's docstring)."""
    found = breakeven(load_instance(tiny(tmp_path / "t")), "eff_qvct_exit", replace(EXACT, service_level=0.368))
    assert (found.answer, found.threshold_low, found.threshold_high) == ("interval", 0.0, 1.0)
    assert list(found.probes["status"]) == ["infeasible", "optimal"]
    assert "the probe at 0 was not proven (infeasible, gap unknown); in the plan at 1 (proven)" in found.note


def test_the_search_reports_a_lever_that_leaves_and_stops_at_the_tolerance():
    values = []

    def probe(value):  # in the plan below 0.3 only
        values.append(value)
        return value < 0.3, {"value": value}

    answer, a, b, note = _search(probe, 0.0, 1.0, 0.1)
    assert answer == "leaves" and a < 0.3 < b and b - a <= 0.1 and "leaves the plan" in note
    assert values[:3] == [0.0, 1.0, 0.5] and len(values) == 2 + 4  # 1/2^4 <= 0.1 < 1/2^3


def test_a_record_without_range_or_with_its_lever_off_is_skipped(tmp_path):
    instance = load_instance(tiny(tmp_path / "t", 0.3, 0.3))
    assert breakeven(instance, "eff_qvct_exit", EXACT).answer == "skipped"
    off = breakeven(load_instance(tiny(tmp_path / "u")), "eff_qvct_exit", replace(EXACT, levers=("apprenticeship",)))
    assert off.answer == "skipped" and "switched off" in off.note and off.probes.empty


def test_a_worker_keeps_its_planner_and_restores_its_scenario(tmp_path):
    folder = tiny(tmp_path / "t", levers={"apprentice_conversion": "apprenticeship"},
                  ranges={"apprentice_conversion": (0.0, 1.0)})
    assert effect_records(load_instance(folder)) == ["apprentice_conversion", "eff_qvct_exit"]
    _PLANNERS.clear()
    first = breakeven_task(BreakevenTask(str(folder), "apprentice_conversion", EXACT, tolerance=0.5))
    planner = next(iter(_PLANNERS.values()))
    second = breakeven_task(BreakevenTask(str(folder), "eff_qvct_exit", EXACT, tolerance=0.5))
    assert next(iter(_PLANNERS.values())) is planner and planner.scenario == EXACT
    assert planner.builds == 1 and planner.updates_in_place == len(first.probes) + len(second.probes) - 1
    # apprenticeships from any conversion (QVCT is worth nothing at its value 0); the post from 0.45 on,
    # with apprentice_conversion back at its value 1
    assert (first.answer, first.threshold_low, first.threshold_high) == ("enters", 0.0, 0.5)
    assert (second.answer, second.threshold_low, second.threshold_high) == ("enters", 0.0, 0.5)


def cli(monkeypatch, capsys, *args) -> tuple[int, str, str]:
    """Run ``gpec ARGS`` in this process: exit code, stdout, stderr."""
    monkeypatch.setattr(sys, "argv", ["gpec", *map(str, args)])
    with pytest.raises(SystemExit) as ended:
        main()
    out = capsys.readouterr()
    return ended.value.code, out.out, out.err


@pytest.fixture
def exact_file(tmp_path):
    path = tmp_path / "exact.yaml"
    path.write_text("levers: [apprenticeship, qvct]\n")
    return path


def test_cli_writes_both_tables(tmp_path, exact_file, monkeypatch, capsys):
    out = tmp_path / "out"
    code, stdout, stderr = cli(monkeypatch, capsys, "breakeven", tiny(tmp_path / "t", 0.0, 0.4), "--param",
                               "eff_qvct_exit", "--gap", 0, "--scenario", exact_file, "--out", out, "--lang", "fr")
    assert code == 0, stderr
    summary, probes = pd.read_csv(out / "breakeven.csv"), pd.read_csv(out / "probes.csv")
    assert list(summary["answer"]) == ["never"] and list(probes["value"]) == [0.0, 0.4]
    assert list(summary.columns) == list(SUMMARY_COLUMNS) and list(probes.columns) == list(PROBE_COLUMNS)
    assert "n'entre pas dans le plan sur la plage" in stdout and "0,0000 – 0,4000" in stdout
    lines = stderr.strip().splitlines()  # a line a probe
    assert len(lines) == 2 and lines[1].startswith("eff_qvct_exit = 0,4000 : optimal (prouvé), 0,0 unités de "
                                                   "Postes de référent QVCT mutualisés, hors du plan")


def test_cli_all_records_a_failed_task_and_does_the_others(tmp_path, exact_file, monkeypatch, capsys):
    """exit_rate[as]'s range reaches 0.96, a rate in its domain, but with retire_rate 0.05 more than all the
    staff would leave each year (a rule between records, which the range cannot know): its probe at 0.96
    fails in the worker. (A range outside a parameter's domain is refused when the instance loads.)"""
    folder = tiny(tmp_path / "t", 0.5, 1.0, levers={"exit_rate": "qvct"}, ranges={"exit_rate": (0.05, 0.96)})
    out = tmp_path / "out"
    code, _, stderr = cli(monkeypatch, capsys, "breakeven", folder, "--all", "--workers", 1, "--gap", 0,
                          "--scenario", exact_file, "--out", out, "--quiet")
    assert code == 1 and stderr == ""
    summary = pd.read_csv(out / "breakeven.csv", keep_default_na=False).set_index("param")
    assert summary.loc["exit_rate", "answer"] == "error"
    assert "retire_rate + exit_rate exceeds 1" in summary.loc["exit_rate", "note"]
    assert summary.loc["eff_qvct_exit", "answer"] == "whole_range" and set(summary["answer"]) <= set(ANSWERS)
    assert set(pd.read_csv(out / "probes.csv")["param"]) == {"eff_qvct_exit"}


@pytest.mark.parametrize("args, named", [
    (["--param", "eff_qvct_exit", "--all"], "--param NAME or --all, not both"),
    ([], "give either --param NAME or --all"),
    (["--param", "eff_qvct"], "--param eff_qvct: unknown parameter"),
    (["--param", "cost_vehicle"], "--param cost_vehicle: not a lever's effect"),
    (["--param", "retire_rate"], "--param retire_rate: no record with key ''"),
    (["--param", "eff_qvct_exit", "--gap", "1.5"], "--gap 1.5"),
    (["--param", "eff_qvct_exit", "--time-limit", "0"], "--time-limit 0"),
    (["--param", "eff_qvct_exit", "--workers", "2"], "--workers and --dask go with --all"),
    (["--all", "--workers", "0"], "--workers"),
    (["--param", "eff_qvct_exit", "--lang", "de"], "--lang de"),
])
def test_cli_bad_options_are_one_line_and_exit_2(tmp_path, monkeypatch, capsys, args, named):
    code, _, stderr = cli(monkeypatch, capsys, "breakeven", tiny(tmp_path / "t"), *args, "--out", tmp_path / "o")
    assert code == 2 and len(stderr.strip().splitlines()) == 1 and named in stderr, stderr
    assert not (tmp_path / "o").exists()


def test_a_lever_that_is_not_one_is_a_line_naming_file_row_and_column(tmp_path):
    folder = tiny(tmp_path / "t")
    p = pd.read_csv(folder / "parameters.csv", keep_default_na=False)
    row = int(p.index[p["name"] == "eff_qvct_exit"][0]) + 1
    p.loc[p["name"] == "eff_qvct_exit", "lever"] = "qvc"
    p.to_csv(folder / "parameters.csv", index=False)
    with pytest.raises(InputError) as error:
        load_instance(folder)
    assert str(error.value) == (f"{folder / 'parameters.csv'}, row {row}, column 'lever': lever 'qvc' is not a "
                                f"lever (levers: {', '.join(LEVERS)})")


def test_a_pathway_record_names_its_pathways_lever(tmp_path):
    folder = tmp_path / "p"
    write_instance(folder, bassins=[("A", 0.0, 45.0)], need={("A", "as", y): 10.0 for y in (2026, 2027)},
                   stock0={("A", "as"): 5.0}, inflow={("A", "as", 2027): 0.0}, years=(2026, 2027),
                   pathways=[dict(pathway="carers", lever="social", mode="external", to_metier="as",
                                  cap_basis="population", years=1, success=0.2, cost=1500.0, cap_rate=0.05)])
    p = pd.read_csv(folder / "parameters.csv", keep_default_na=False)
    p["lever"] = ""
    p.loc[p["name"] == "pathway_success", "lever"] = "vae"
    p.to_csv(folder / "parameters.csv", index=False)
    with pytest.raises(InputError, match=r"column 'lever': lever 'vae' of pathway_success\[carers\] is not its "
                                         r"pathway's lever 'social'"):
        load_instance(folder)


def test_the_levers_of_the_schema_are_the_models():
    assert LEVERS == tuple(LEVER_BUILDERS)


def test_the_presets_follow_the_landes_tables():
    landes = load_instance(LANDES)
    published = read_scenario_file(ROOT / "scenarios" / "published_only.yaml", landes).scenario
    assumed = effect_records(landes)
    assert len(assumed) == 10
    assert {f"{n}[{k}]" if k else n: v for (n, k), v in published.parameters.items()} == dict.fromkeys(assumed, 0.0)
    assert (published.budgets, published.levers) == ({}, None)
    roadmap = read_scenario_file(ROOT / "scenarios" / "roadmap_2024.yaml", landes).scenario
    budget = landes.budget()
    assert roadmap.budgets == {"cd40": budget[("cd40", 2024)]} == {"cd40": 1_200_000.0}
