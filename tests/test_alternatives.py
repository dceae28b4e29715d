"""gpec alternatives on twin bassins: two bassins alike, far apart, where any split of the places is as good.

Bassins A and B (470 km apart: no graduate of one settles in the other) each have 100 FTE of aides-
soignants, 10 % of whom leave a year, replaced by 10 hires, and a need of 100 in 2026 and 110 in 2027.
Training places (1,000 EUR, one year, 10 % dropout, at most 5 a site) started in 2026, the one decision
year, add 0.9 FTE in 2027 (the tail year). The Région pays 5,000 EUR a year: 5 places, wherever.

Every plan of 5 places leaves 20 - 5 x 0.9 = 15.5 FTE-years unmet and costs 5,000 EUR; fewer places leave
more than 2 % more unmet (4 places: 16.4), more cost more than 2 % more (and exceed the envelope). So the
plans within 2 % are exactly the six splits (a, 5 - a), a in 0..5, as good as each other, and the L1
distance of two plans is 2 |a - a'|. From an incumbent (a0, 5 - a0) the farthest plan puts the 5 places
in the other corner: L1 = 2 max(a0, 5 - a0); max-min then visits every split once, and a 7th plan can
only repeat one.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from gpec.alternatives import FILES, alternatives
from gpec.cli import app
from gpec.errors import GpecError
from gpec.evaluate import evaluate
from gpec.rerun import load_run
from tests.cli_helpers import assert_one_line_error, run_gpec
from tests.conftest import write_instance

A, B = "00001", "00002"
PLACES = 5


def twins(folder: Path) -> Path:
    return write_instance(folder, bassins=[(A, 0.0, 45.0), (B, 6.0, 45.0)], years=(2026, 2027),
                          horizon=(2026, 2026),
                          need={(b, "as", y): v for b in (A, B) for y, v in ((2026, 100), (2027, 110))},
                          stock0={(A, "as"): 100.0, (B, "as"): 100.0}, inflow={(b, "as", 2027): 10.0 for b in (A, B)},
                          training_cap={(A, "as"): PLACES, (B, "as"): PLACES},
                          budget={"region": 1000.0 * PLACES, "departement": 0.0})


def gpec(*args) -> str:
    """Run a gpec command in this process, which must succeed; its output."""
    run = run_gpec(*args)
    assert run.code == 0, (run.code, run.err)
    return run.out


@pytest.fixture(scope="module")
def solved(tmp_path_factory) -> Path:
    """``gpec solve`` of the twins (no maps, no shadow prices)."""
    root = tmp_path_factory.mktemp("twins")
    out = root / "out"
    gpec("solve", twins(root / "twins"), "--out", out, "--no-maps", "--no-shadow-prices", "--quiet")
    return out


@pytest.fixture(scope="module")
def found(solved):
    return alternatives(solved, slack=0.02, count=6)


def in_a(plan_units: pd.Series) -> float:
    return float(plan_units.get(("training", A), 0.0))


def test_the_run_is_rebuilt_from_result_json(solved):
    run = load_run(solved)
    head = json.loads((solved / "result.json").read_text())
    assert Path(head["instance_path"]).is_absolute() and head["solution_limit"] is None
    assert run.scenario.horizon == (2026, 2026) and run.result.tail_years == 1
    assert run.scenario.budgets == {} and run.reference is None
    assert not run.scenario.shadow_prices  # --no-shadow-prices, read from the phases the run had


def test_the_farthest_plan_puts_every_place_in_the_other_bassin(found):
    incumbent, first = found.plans[0], found.plans[1]
    a0 = in_a(incumbent.units)
    assert incumbent.units.sum() == PLACES
    assert first.status == "optimal" and first.result.violations == 0
    assert in_a(first.units) == (0.0 if a0 >= PLACES / 2 else PLACES)
    farthest = 2 * max(a0, PLACES - a0)
    assert found.distances().loc["alt1", "incumbent"] == pytest.approx(farthest)
    assert first.distance_bound == pytest.approx(farthest, rel=1e-6)


def test_max_min_visits_every_split_once_then_stops(found):
    plans = found.found
    splits = sorted(in_a(p.units) for p in plans[:PLACES + 1])
    assert splits == list(range(PLACES + 1))  # the six plans within the slack, each once
    last = found.plans[-1]
    assert len(found.plans) == PLACES + 2 and last.id == "alt6" and "earlier one" in last.message
    table = found.table().set_index("plan")
    assert table.loc["alt2", "distance_bound"] == pytest.approx(4.0, rel=1e-6)  # a split 2/3 from both corners
    assert table.loc[["alt3", "alt4", "alt5"], "distance_bound"].tolist() == pytest.approx([2.0] * 3, rel=1e-6)


def test_every_plan_is_within_the_slack_as_evaluate_recomputes_it(found):
    first = found.plans[0].result
    for plan in found.found[1:]:
        report = evaluate(plan.result.applied, plan.result)
        assert report.ok, report.violations
        assert report.objective <= 1.02 * first.objective + 1e-9
        assert report.cost <= 1.02 * first.cost + 1e-9
        assert report.objective == pytest.approx(plan.result.objective)


def test_l1_figures_are_those_of_the_plans(found):
    distances = found.distances()
    a = {p.id: in_a(p.units) for p in found.found}
    for p in a:
        for q in a:
            assert distances.loc[p, q] == pytest.approx(2 * abs(a[p] - a[q]))
    table = found.table().set_index("plan")
    for p in a:
        others = [2 * abs(a[p] - a[q]) for q in a if q != p]
        assert table.loc[p, "l1_to_incumbent"] == pytest.approx(2 * abs(a[p] - a["incumbent"]))
        assert table.loc[p, "min_l1_to_others"] == pytest.approx(min(others))


def test_robust_table_classes(found):
    robust = found.robust().set_index(["lever", "bassin"])
    assert set(robust["class"]) == {"varies"}  # each bassin gets 0 places in some plan, 5 in another
    assert robust.loc[("training", A), ["min", "max"]].tolist() == [0.0, PLACES]
    plans = found.plans_table()
    assert list(plans.columns) == ["plan", "lever", "bassin", "units"]
    assert plans.groupby("plan")["units"].sum().eq(PLACES).all()


def test_from_a_split_the_exact_distance_reaches_a_corner(tmp_path):
    """From the incumbent (2, 3) the linear proxy of PyPSA/SPORES can only count places taken away from
    bassins the plan uses, which no plan within the slack does: its farthest plan is 0 away. The exact
    distance finds (5, 0), 6 away. The incumbent is made a split by a reference plan (gpec solve
    --reference), which the rebuilt run records."""
    reference = tmp_path / "reference"
    reference.mkdir()
    pd.DataFrame({"lever": "training", "pathway": "", "bassin": [A, B], "metier": "as", "year": 2026,
                  "units": [2, 3]}).to_csv(reference / "decisions.csv", index=False)
    out = tmp_path / "out"
    gpec("solve", twins(tmp_path / "twins"), "--out", out, "--no-maps", "--reference", reference, "--quiet")
    assert load_run(out).reference == reference.resolve()
    split = alternatives(out, count=1)
    assert in_a(split.plans[0].units) == 2
    assert in_a(split.plans[1].units) == PLACES
    assert split.distances().loc["alt1", "incumbent"] == pytest.approx(6.0)


def test_cli_writes_the_tables(solved, tmp_path):
    out = tmp_path / "alternatives"
    printed = gpec("alternatives", solved, "--count", "2", "--out", out, "--quiet", "--lang", "fr")
    assert "plan initial" in printed and "écrit dans" in printed
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)
    table = pd.read_csv(out / "alternatives.csv")
    assert table["plan"].tolist() == ["incumbent", "alt1", "alt2"]
    assert (table["violations"] == 0).all()
    robust = pd.read_csv(out / "robust.csv", dtype={"bassin": str})
    assert {"lever", "bassin", "incumbent", "alt1", "alt2", "min", "max", "class"} <= set(robust.columns)
    summary = json.loads((out / "alternatives.json").read_text())
    assert summary["slack"] == 0.02 and summary["l1"]["alt1"]["incumbent"] > 0


def test_default_folder_is_inside_the_run_and_solve_replaces_it(solved, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(solved, run)
    gpec("alternatives", run, "--count", "1", "--quiet")
    assert (run / "alternatives" / "alternatives.csv").is_file()
    gpec("solve", load_run(run).result.instance_path, "--out", run, "--no-maps", "--quiet")  # not refused
    assert not (run / "alternatives").exists()  # the alternatives of the run it replaced are gone


def test_not_a_solve_output_is_one_line(tmp_path):
    run = run_gpec("alternatives", tmp_path)
    assert_one_line_error(run.code, run.err, "result.json")
    (tmp_path / "result.json").write_text("{}")
    run = run_gpec("alternatives", tmp_path, "--slack", "0.05")
    assert_one_line_error(run.code, run.err, "result.json", "not the result of a gpec solve")


@pytest.mark.parametrize("options, needle", [(["--slack", "1"], "--slack"), (["--slack", "-0.1"], "--slack"),
                                             (["--count", "0"], "--count"), (["--time-limit", "0"], "--time-limit"),
                                             (["--lang", "de"], "--lang")])
def test_bad_options_are_one_line(solved, options, needle):
    with pytest.raises(GpecError, match=needle) as error:
        CliRunner().invoke(app, ["alternatives", str(solved), *options], catch_exceptions=False)
    assert "\n" not in str(error.value)


def test_a_run_whose_instance_is_gone_or_changed_names_the_key(solved, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(solved, run)
    head = json.loads((run / "result.json").read_text())
    (run / "result.json").write_text(json.dumps({**head, "instance_sha256": "0" * 64}))
    with pytest.raises(GpecError, match="result.json: instance_sha256: .* changed since the run"):
        alternatives(run)
    (run / "result.json").write_text(json.dumps({**head, "instance_folder": "nowhere", "instance_path": ""}))
    with pytest.raises(GpecError, match="result.json: instance_folder: nowhere not found"):
        alternatives(run)


def test_a_scenario_that_cannot_be_rebuilt_names_the_key(solved, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(solved, run)
    head = json.loads((run / "result.json").read_text())
    (run / "result.json").write_text(json.dumps({**head, "levers": ["training", "warp"]}))
    with pytest.raises(GpecError, match="result.json: levers: unknown lever 'warp'"):
        load_run(run)
    (run / "result.json").write_text(json.dumps({**head, "tail_years": 3}))
    with pytest.raises(GpecError, match="result.json: tail_years: the run modelled 3 years"):
        load_run(run)


def test_a_result_json_without_the_new_keys_is_still_read(solved, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(solved, run)
    head = json.loads((run / "result.json").read_text())
    old = {k: v for k, v in head.items() if k not in ("instance_path", "solution_limit", "reference_folder")}
    (run / "result.json").write_text(json.dumps(old))  # instance_folder: an absolute path here
    assert load_run(run).scenario == load_run(solved).scenario


def test_budgets_are_read_back_from_the_envelopes(tmp_path):
    """A flat envelope reaches the tail year: read back as a value for every year; a year of the horizon
    given on top of it stays that year's."""
    out = tmp_path / "out"
    gpec("solve", twins(tmp_path / "twins"), "--out", out, "--no-maps", "--quiet", "--budget", "region=4000",
         "--budget", "departement:2026=1000")
    scenario = load_run(out).scenario
    assert scenario.budgets == {"region": {None: 4000.0}, "departement": {2026: 1000.0}}


def test_directions_are_settled_only_where_the_bounds_settle_them(tmp_path):
    """Bassin A's places are at most 5, the earlier plan's 5: A can only be counted below it (y = 0); with
    its units fixed at 5 too, still below, never both ways (which would leave no plan)."""
    from gpec.instance import load_instance
    from gpec.models import build_model
    from gpec.models.alternatives import add_alternatives, settle_directions, slot_bounds

    instance = load_instance(twins(tmp_path / "twins"))
    model = build_model(instance, instance.horizon)
    unmet, cost = (model.lp.objective_vector(name) for name in model.stages)
    blocks = add_alternatives(model.lp, model.levers, 2, 0.02, (15.5, 5000.0), unmet, cost)
    assert list(blocks.groups) == [("training", A), ("training", B)]
    plans = [[5.0, 0.0]]
    above = lambda lp: [tuple(b) for b in zip(*(v.reshape(2, 2)[0] for v in lp.column_bounds("alternatives_above")))]
    lp = slot_bounds(model.lp, blocks, plans)
    assert above(lp) == [(0.0, 1.0), (1.0, 1.0)]  # a binary where the plan uses the group
    assert above(settle_directions(lp, blocks, plans)) == [(0.0, 0.0), (1.0, 1.0)]
    lp = slot_bounds(model.lp, blocks, plans)
    lp.set_column_bounds("training_places", [5.0, 0.0], [5.0, 0.0])
    assert above(settle_directions(lp, blocks, plans)) == [(0.0, 0.0), (1.0, 1.0)]


def test_a_run_without_levers_has_no_alternative(tmp_path):
    out = tmp_path / "out"
    gpec("solve", twins(tmp_path / "twins"), "--out", out, "--no-levers", "--no-maps", "--quiet")
    found = alternatives(out)
    assert [p.id for p in found.plans] == ["incumbent", "alt1"] and len(found.groups) == 0
    assert found.plans[1].distance_bound == 0.0 and "earlier one" in found.plans[1].message
