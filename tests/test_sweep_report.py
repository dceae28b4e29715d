"""Sweep reports (gpec.sweeps.report, gpec sweep-report): each table checked by hand on small sweep folders
written through the store's writers with known figures (nothing solved), the files written in English and
French, missing scenarios never drawn as figures, a bad folder one line and exit 2; one end-to-end run on a
real tiny sweep of the Landes (training places alone over 2026-2028)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from openpyxl import load_workbook

from gpec.cli import app, main
from gpec.sweeps.charts import budget_chart
from gpec.sweeps.report import summary_lines, sweep_report, write_sweep_report
from gpec.sweeps.store import write_parquet, write_run

from conftest import LANDES

PNG = b"\x89PNG\r\n\x1a\n"


def write_sweep(folder: Path, points: list[dict], spec: dict | None = None) -> Path:
    """A sweep folder: ``points`` are rows of points.parquet, each with its run's figures under ``run``
    (``None``: not solved yet) and its plan under ``plan`` (rows lever, bassin, units); ``hash`` defaults
    to the scenario's name."""
    columns = {"named": "", "index": 0, "parameter": None, "side": None}
    rows = [{**columns, **{k: v for k, v in p.items() if k not in ("run", "plan")}} for p in points]
    for row in rows:
        row.setdefault("hash", row["scenario"])
    write_parquet(folder / "points.parquet", pd.DataFrame(rows))
    for row, point in zip(rows, points):
        run = point.get("run")
        if run is not None and not (folder / "runs" / f"{row['hash']}.parquet").exists():
            figures = {"status": "optimal", "gap": 0.0, "cost": 1000.0, **run}
            if figures["status"] != "error":
                figures.setdefault("bound", figures["objective"])
            plan = pd.DataFrame(point.get("plan", []), columns=["lever", "bassin", "units"]) \
                if figures["status"] != "error" else None
            write_run(folder, {"hash": row["hash"], **figures}, plan)
    (folder / "spec.yaml").write_text(yaml.safe_dump(spec or {"name": "test"}), encoding="utf-8")
    return folder


def grid_point(envelope: float, level: str, run: dict | None, exit_rate: float) -> dict:
    factor = f"x{envelope / 100_000:g}"
    return {"scenario": f"envelope=cd40 {factor}, departures={level}", "design": "grid",
            "level:envelope": f"cd40 {factor}", "level:departures": level, "param:exit_rate[as]": exit_rate,
            "envelope:cd40": envelope, "envelope:cr75": 600_000.0, "run": run}


@pytest.fixture
def budget(tmp_path):
    """The Département's envelope at 0 to 300 kEUR a year under two departure levels; the Région's fixed.
    Low departures: every point solved; high: 100 kEUR not solved yet, 300 kEUR failed."""
    low = [(100, 99), (80, 79), (75, 70), (74, 73)]
    points = [{"scenario": "base", "design": "base", "param:exit_rate[as]": 0.06, "envelope:cd40": 100_000.0,
               "envelope:cr75": 600_000.0, "run": {"objective": 90.0, "bound": 89.0}}]
    points += [grid_point(100_000.0 * i, "low", {"objective": o, "bound": b, "cost": 100.0 * i}, 0.03)
               for i, (o, b) in enumerate(low)]
    points += [grid_point(0.0, "high", {"objective": 500.0, "bound": 500.0}, 0.15),
               grid_point(100_000.0, "high", None, 0.15),
               grid_point(200_000.0, "high", {"objective": 300.0, "bound": 298.0}, 0.15),
               grid_point(300_000.0, "high", {"status": "error", "error": "RuntimeError: boom"}, 0.15)]
    return write_sweep(tmp_path / "budget", points, {"name": "budget", "description": "two lines"})


def test_what_100_keur_buys_is_the_interval_of_the_bands_and_where_it_stops_paying(budget):
    report = sweep_report(budget)
    steps = report.budget_response.set_index(["line", "from_eur"])
    assert list(report.budget_response["body"].unique()) == ["cd40"]  # the Région's envelope never varies
    low = steps.loc["departures=low"]
    # lower = bound before - plan after, upper = plan before - bound after, per 100 kEUR (steps of 100 kEUR)
    assert low[["lower_per_100k", "upper_per_100k"]].to_numpy().tolist() == [[19, 21], [4, 10], [-4, 2]]
    assert low["gain_per_100k"].tolist() == [20, 5, 1]
    assert low["pays"].tolist() == [True, True, False] and low["stops_paying"].tolist() == [False, False, True]
    high = steps.loc["departures=high"]  # one step over the point not solved, per 100 kEUR of its 200
    assert len(high) == 1 and high.index[0] == 0 and high["to_eur"].iloc[0] == 200_000
    assert high[["gain_per_100k", "lower_per_100k", "upper_per_100k"]].iloc[0].tolist() == [100, 100, 101]
    assert high["not_solved_between"].iloc[0] == "envelope=cd40 x1, departures=high"
    lines = "\n".join(report.notes)
    assert "envelope=cd40 x1, departures=high" in lines and "envelope=cd40 x3, departures=high" in lines
    text = "\n".join(summary_lines(report))
    assert "9 scenarios, 7 solved, 0 without a plan (proven), 2 missing" in text
    assert "each extra 100 k€ a year avoids [19.0; 21.0]" in text and "stops paying from 200 k€" in text


def test_missing_and_failed_scenarios_are_not_drawn(budget):
    report = sweep_report(budget)
    points = report.budget_points[report.budget_points["line"] == "departures=high"]
    assert points["outcome"].tolist() == ["solved", "missing", "solved", "missing"]
    assert points["objective"].isna().tolist() == [False, True, False, True]
    figure = budget_chart(report)
    high = [ax for ax in figure.axes if "departures=high" in ax.get_title()][0]
    plan = high.lines[0]
    assert plan.get_ydata().tolist() == [500, 300] and plan.get_xdata().tolist() == [0, 200]
    missing = [line for line in high.lines if line.get_label() == "missing (not solved)"][0]
    assert missing.get_xdata().tolist() == [100, 300]  # marked at the foot, not as a value
    assert set(report.pareto["scenario"]) == set(report.table.loc[report.table["outcome"] == "solved", "scenario"])


def test_pareto_marks_what_is_not_dominated_within_the_gaps_and_by_assumptions(tmp_path):
    figures = {"a": (100, 50, 50), "b": (200, 40, 39), "c": (300, 40.5, 38), "d": (150, 60, 60),
               "e": (250, 30, 29), "f": (400, 39.9, 39.8)}  # cost, objective, bound
    points = [{"scenario": name, "design": "grid", "level:envelope": name, "param:x": 1.0,
               "envelope:cd40": 1000.0 * i, "run": {"cost": c, "objective": o, "bound": b}}
              for i, (name, (c, o, b)) in enumerate(figures.items())]
    points.append({"scenario": "x=high", "design": "one_at_a_time", "parameter": "x", "side": "high",
                   "param:x": 2.0, "envelope:cd40": 0.0, "run": {"cost": 1.0, "objective": 1.0}})
    report = sweep_report(write_sweep(tmp_path, points))
    table = report.pareto.set_index("scenario")
    # f leaves less unmet need than b, by less than their gaps, and costs more: dominated
    assert table.loc[list("abcdef"), "non_dominated"].tolist() == [True, True, False, False, True, False]
    assert table.loc["x=high", "non_dominated"] is None  # other assumptions: compared with nothing
    assert table["cost"].is_monotonic_increasing


def test_tornado_is_sorted_by_swing_with_the_swing_the_gaps_prove(tmp_path):
    sides = {"a": ((90, 89), (130, 129)), "b": ((100, 99), (100.5, 98)), "c": ((20, 20), (200, 195))}
    points = [{"scenario": "base", "design": "base", "param:a": 1.0, "param:b": 1.0, "param:c": 1.0,
               "run": {"objective": 100.0, "bound": 99.0}}]
    for record, pair in sides.items():
        for side, (objective, bound) in zip(("low", "high"), pair):
            values = {"param:a": 1.0, "param:b": 1.0, "param:c": 1.0, f"param:{record}": 0.5 if side == "low" else 2.0}
            points.append({"scenario": f"{record}={side}", "design": "one_at_a_time", "parameter": record,
                           "side": side, **values, "run": {"objective": objective, "bound": bound}})
    report = sweep_report(write_sweep(tmp_path, points))
    table = report.tornado
    assert table["parameter"].tolist() == ["c", "a", "b"]
    assert table["swing"].tolist() == [180, 40, 0.5] and table["swing_proven"].tolist() == [175, 39, 0]
    assert table[["low_value", "high_value"]].iloc[0].tolist() == [0.5, 2.0]
    assert (table["objective_base"] == 100).all()
    write_sweep_report(report, tmp_path / "report")
    assert (tmp_path / "report" / "tornado.png").read_bytes()[:8] == PNG
    assert "One at a time" in load_workbook(tmp_path / "report" / "summary.xlsx", read_only=True).sheetnames


def test_flips_count_scenarios_and_name_those_without_the_decision(tmp_path):
    plans = {"s1": [("training", "A", 5.0), ("training", "B", 2.0)], "s2": [("training", "A", 7.0)],
             "s3": [("training", "A", 6.0), ("training", "B", 4.0)]}
    points = [{"scenario": name, "design": "grid", "level:e": name, "envelope:cd40": float(i),
               "run": {"objective": 1.0}, "plan": plan} for i, (name, plan) in enumerate(plans.items())]
    points.append({"scenario": "s4", "design": "grid", "level:e": "s4", "envelope:cd40": 0.0, "hash": "s1",
                   "run": {"objective": 1.0}})  # the same solve as s1
    points.append({"scenario": "s5", "design": "grid", "level:e": "s5", "envelope:cd40": 9.0, "run": None})
    report = sweep_report(write_sweep(tmp_path, points))
    flips = report.flips.set_index(["lever", "bassin"])
    assert list(flips.index) == [("training", "B"), ("training", "A")]  # what flips first, then what is robust
    b, a = flips.loc[("training", "B")], flips.loc[("training", "A")]
    assert (b["used_in"], b["solved"], b["share"], b["robust"], b["off_in"]) == (3, 4, 0.75, False, "s2")
    assert (b["min_units"], b["max_units"]) == (2, 4)
    assert (a["used_in"], a["robust"], a["off_in"], a["min_units"], a["max_units"]) == (4, True, "", 5, 7)


def morris_points(missing: set[int] = frozenset()) -> list[dict]:
    """A Morris design (4 trajectories, 4 levels) of y = 3a + 0b + 1c, a in [0, 1], b in [0, 5], c in [0, 2]."""
    from SALib.sample import morris

    problem = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0, 1], [0, 5], [0, 2]]}
    sample = morris.sample(problem, 4, num_levels=4, seed=2)
    return [{"scenario": f"morris {i}", "design": "morris", "index": i, "param:a": a, "param:b": b, "param:c": c,
             "run": None if i in missing else {"objective": 3 * a + 1 * c + 10}} for i, (a, b, c) in enumerate(sample)]


def test_morris_mu_star_of_a_linear_function_is_its_slope_times_the_range(tmp_path):
    report = sweep_report(write_sweep(tmp_path, morris_points(), {"morris": {"levels": 4}}))
    table = report.morris.set_index("parameter")
    # SALib divides each change by its step as a share of the range: mu* is the change over the whole range
    assert table["mu_star"].to_dict() == pytest.approx({"a": 3.0, "b": 0.0, "c": 2.0})
    assert table["sigma"].to_numpy() == pytest.approx(0.0, abs=1e-9)
    assert list(table.index) == ["a", "c", "b"] and (table["trajectories"] == 4).all()
    assert (table["noise"] == 0).all()  # proven points: no uncertainty from gaps
    write_sweep_report(report, tmp_path / "report")
    assert (tmp_path / "report" / "morris.png").read_bytes()[:8] == PNG
    rows = list(load_workbook(tmp_path / "report" / "summary.xlsx", read_only=True)["Morris"].values)
    assert rows[0][2] == "μ* (FTE-years)" and rows[1][1:3] == ("a", pytest.approx(3.0))


def test_morris_uses_complete_trajectories_and_skips_when_too_few(tmp_path):
    report = sweep_report(write_sweep(tmp_path / "one", morris_points({5})))  # trajectory 2 of 4 incomplete
    assert (report.morris["trajectories"] == 3).all()
    assert report.morris.set_index("parameter")["mu_star"]["a"] == pytest.approx(3.0)
    assert any("3 complete trajectories of 4" in note for note in report.notes)
    report = sweep_report(write_sweep(tmp_path / "two", morris_points({0, 4, 8})))
    assert report.morris.empty and any("no analysis" in note for note in report.notes)
    write_sweep_report(report, tmp_path / "two")
    assert not (tmp_path / "two" / "morris.png").exists()


def test_files_written_in_french_and_stale_ones_removed(budget, tmp_path):
    out = tmp_path / "report"
    out.mkdir()
    (out / "tornado.png").write_bytes(PNG)  # from an earlier report: this sweep has no one-at-a-time design
    written = write_sweep_report(sweep_report(budget, "fr"), out)
    names = sorted(p.name for p in written)  # no plan uses a lever: no flips.csv
    assert names == ["budget_response.csv", "budget_response.png", "pareto.csv", "pareto.png", "summary.xlsx"]
    assert not (out / "tornado.png").exists()
    for name in ("budget_response.png", "pareto.png"):
        assert (out / name).read_bytes()[:8] == PNG
    book = load_workbook(out / "summary.xlsx", read_only=True)
    assert book.sheetnames == ["Synthèse", "Scénarios", "Réponse au budget", "Coût et besoin non couvert"]
    header = next(book["Scénarios"].iter_rows(max_row=1, values_only=True))
    assert "Besoin non couvert pondéré (ETP-années)" in header and "Issue" in header
    rows = list(book["Réponse au budget"].iter_rows(values_only=True))
    assert rows[0][:2] == ("Financeur", "Autres réglages") and rows[3][7:9] == ("non", "oui")
    summary = [r[0] for r in book["Synthèse"].iter_rows(values_only=True) if r and r[0]]
    assert any("[19,0 ; 21,0]" in line for line in summary)
    assert pd.read_csv(out / "budget_response.csv")["lower_per_100k"].tolist() == [19, 4, -4, 100]


@pytest.mark.parametrize("make, message", [
    (lambda d: None, "not a sweep's folder (no points.parquet"),
    (lambda d: (d / "points.parquet").write_text("not parquet"), "points.parquet: not a readable Parquet file"),
    (lambda d: write_parquet(d / "points.parquet", pd.DataFrame({"scenario": ["a"]})), "no column 'design'"),
    (lambda d: write_sweep(d, [{"scenario": "a", "design": "base", "run": None}]), "nothing to report yet"),
])
def test_a_bad_folder_is_one_line_and_exit_2(tmp_path, monkeypatch, capsys, make, message):
    folder = tmp_path / "sweep"
    folder.mkdir()
    make(folder)
    monkeypatch.setattr(sys, "argv", ["gpec", "sweep-report", str(folder)])
    with pytest.raises(SystemExit) as stop:
        main()
    err = capsys.readouterr().err
    assert stop.value.code == 2 and message in err and err.count("\n") == 1 and err.startswith("gpec: error:")


def test_end_to_end_on_a_tiny_landes_sweep(tmp_path):
    from typer.testing import CliRunner

    from gpec.sweeps.run import run_sweep

    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump({"name": "tiny", "base": {"levers": ["training"], "horizon": "2026-2028"},
                                    "solve": {"time_limit": 60, "gap": 0.001},
                                    "grid": {"envelope": {"budgets": ["region"], "factors": [0, 1]}}}))
    run = run_sweep(LANDES, spec, tmp_path / "out", workers=1)
    assert run.ok
    result = CliRunner().invoke(app, ["sweep-report", str(tmp_path / "out"), "--out", str(tmp_path / "report")])
    assert result.exit_code == 0, result.output
    assert "3 scenarios, 3 solved" in result.output and "Région: Nouvelle-Aquitaine" in result.output
    for name in ("budget_response.png", "pareto.png", "summary.xlsx"):
        assert (tmp_path / "report" / name).is_file()
    steps = pd.read_csv(tmp_path / "report" / "budget_response.csv")
    assert len(steps) == 1 and steps["lower_per_100k"].iloc[0] <= steps["upper_per_100k"].iloc[0]
    assert np.isfinite(steps[["lower_per_100k", "upper_per_100k"]].to_numpy()).all()


def test_every_sheet_and_header_has_both_languages():
    from gpec.i18n import LANGUAGES, t
    from gpec.sweeps.report import SCENARIO_COLUMNS, SHEET_COLUMNS

    for lang in LANGUAGES:
        sheets = [t(f"sweep.sheet_{name}", lang) for name in ("summary", "scenarios", *SHEET_COLUMNS)]
        assert len(set(sheets)) == len(sheets)
        assert all(len(name) <= 31 and not set(name) & set(":\\/?*[]") for name in sheets), sheets
        for column, _ in [*SCENARIO_COLUMNS, *(c for columns in SHEET_COLUMNS.values() for c in columns)]:
            assert t(f"sweep.col_{column}", lang)
