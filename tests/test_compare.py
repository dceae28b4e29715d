"""gpec.comparison: what differs between two runs of the Landes over 2026-2027 (each proves in about a second).

Run a is the default, run b gives the Département 800,000 EUR a year instead of 500,000. Every check is
on the answers, never on times.
"""

from __future__ import annotations

import dataclasses
import json
import re

import numpy as np
import pandas as pd
import pytest

from gpec import Scenario, load_instance
from gpec.comparison import COMPARISON_FILES, MAP_FILE, compare, write_comparison
from gpec.errors import GpecError
from gpec.outputs import load_result, write_outputs
from gpec.solving import solve
from tests.conftest import LANDES

HORIZON = (2026, 2027)
#: Words that must never reach a person as a value (Python's and JSON's names for missing numbers).
BARE = re.compile(r"\b(nan|NaN|inf|Infinity|-Infinity|None|null)\b")


@pytest.fixture(scope="module")
def landes():
    return load_instance(LANDES)


@pytest.fixture(scope="module")
def runs(landes):
    a = solve(landes, Scenario(horizon=HORIZON, shadow_prices=False))
    b = solve(landes, Scenario(horizon=HORIZON, shadow_prices=False, budgets={"departement": 800_000}))
    assert a.status == b.status == "optimal"
    return a, b


@pytest.fixture(scope="module")
def comparison(runs):
    return compare(*runs, labels=("base", "departement 800k"))


def numbers(column: pd.Series) -> np.ndarray:
    values = pd.to_numeric(column, errors="coerce").to_numpy(float)
    assert np.isfinite(values).all(), column
    return values


def test_inputs_show_the_budget_change_and_nothing_else(comparison):
    inputs = comparison.inputs
    assert list(inputs.columns) == ["item", "a", "b", "changed"]
    changed = inputs[inputs["changed"]]
    assert len(changed) and changed["item"].str.startswith("budget cd40 ").all()  # the alias names cd40
    assert set(changed["a"]) == {"500000"} and set(changed["b"]) == {"800000"}
    for year in HORIZON:
        assert f"budget cd40 {year}" in set(changed["item"])
    same = inputs[~inputs["changed"]]
    assert (same["a"] == same["b"]).all()
    for item in ("horizon", "service level", "reference plan", "lever training", "budget cr75 2026"):
        assert item in set(same["item"])
    assert [d["item"] for d in comparison.summary()["inputs_changed"]] == list(changed["item"])


def test_spending_differences_add_up_to_the_cost_difference(runs, comparison):
    a, b = runs
    spend = comparison.spend
    assert list(spend.columns) == ["funder", "year", "phase", "a", "b", "difference"]
    assert set(spend["phase"]) <= {"horizon", "tail"}
    assert numbers(spend["difference"]).sum() == pytest.approx(b.cost - a.cost, rel=1e-6)
    assert numbers(spend["a"]).sum() == pytest.approx(a.cost, rel=1e-6)
    region = spend[spend["funder"] != "cd40"]
    assert numbers(region["difference"]) == pytest.approx(0.0, abs=1e-6)  # only the Département's envelope moved
    totals = comparison.totals.set_index("measure")
    assert totals.loc["cost", "difference"] == pytest.approx(b.cost - a.cost)
    lever_cost = comparison.levers[comparison.levers["measure"] == "cost_eur"]
    assert numbers(lever_cost["difference"]).sum() == pytest.approx(b.cost - a.cost, rel=1e-6)


def test_unmet_differences_add_up_to_the_objective_difference(landes, runs, comparison):
    a, b = runs
    unmet = comparison.unmet
    assert list(unmet.columns) == ["metier", "year", "phase", "a", "b", "difference"]
    assert set(unmet["phase"]) == {"horizon", "tail"}
    assert (unmet.loc[unmet["phase"] == "horizon", "year"] <= HORIZON[1]).all()
    diff = numbers(unmet["difference"]).sum()
    weights = landes.parameters.loc[landes.parameters["name"] == "unmet_weight", "value"].astype(float)
    if (weights == 1).all():
        assert diff == pytest.approx(b.objective - a.objective, rel=1e-6, abs=1e-6)
    assert np.sign(diff) == np.sign(b.objective - a.objective) == -1  # more money, less unmet need
    totals = comparison.totals.set_index("measure")
    assert totals.loc["objective", "difference"] == pytest.approx(b.objective - a.objective)
    gaps = abs(a.objective - a.bound) + abs(b.objective - b.bound)
    assert totals.loc["objective", "uncertainty"] == pytest.approx(gaps)
    assert totals.loc["objective", "within_uncertainty"] == (abs(b.objective - a.objective) <= gaps)
    horizon = unmet[unmet["phase"] == "horizon"]
    assert totals.loc["unmet_horizon", "difference"] == pytest.approx(numbers(horizon["difference"]).sum())
    by_bassin = comparison.by_bassin[comparison.by_bassin["measure"] == "unmet"]
    assert numbers(by_bassin["difference"]).sum() == pytest.approx(numbers(horizon["difference"]).sum())
    summary = comparison.summary()
    assert summary["unmet_by_phase"]["horizon"]["difference"] == pytest.approx(numbers(horizon["difference"]).sum())
    assert "beyond" in summary["headline"] or "within" in summary["headline"]


def test_cost_uncertainty_uses_the_cost_stage(runs, comparison):
    a, b = runs
    gaps = sum(abs(s.objective - s.bound) for r in runs for s in r.stages if s.name == "cost")
    row = comparison.totals.set_index("measure").loc["cost"]
    assert row["uncertainty"] == pytest.approx(gaps)
    assert row["within_uncertainty"] == (abs(b.cost - a.cost) <= gaps)


def test_bassins_that_changed_most(comparison):
    top = comparison.bassins
    assert list(top.columns) == ["measure", "rank", "bassin", "unit", "a", "b", "difference"]
    assert set(top["measure"]) <= {"cost_eur", "units", "unmet"} and len(top)
    for measure, rows in top.groupby("measure"):
        assert len(rows) <= 10 and list(rows["rank"]) == list(range(1, len(rows) + 1))
        size = np.abs(numbers(rows["difference"]))
        assert (np.diff(size) <= 0).all() and (size > 0).all()
        every = comparison.by_bassin[comparison.by_bassin["measure"] == measure]
        assert size[0] == pytest.approx(np.abs(numbers(every["difference"])).max())


def test_a_run_compared_with_itself_shows_no_difference(runs):
    a, _ = runs
    same = compare(a, a)
    assert not same.inputs["changed"].any()
    for name in ("unmet", "spend", "levers", "by_bassin"):
        assert (numbers(same.tables[name]["difference"]) == 0).all(), name
    assert same.bassins.empty
    totals = same.totals.set_index("measure")
    for measure in ("objective", "cost"):
        assert totals.loc[measure, "difference"] == 0
        assert bool(totals.loc[measure, "within_uncertainty"]) is True
    assert "within the runs' uncertainty" in same.summary()["headline"]


def test_different_instances_or_horizons_are_refused(runs):
    a, b = runs
    cases = {"horizon": dataclasses.replace(b, horizon=(2026, 2028)),
             "instances": dataclasses.replace(b, instance="other", instance_sha256="0" * 64),
             "differ": dataclasses.replace(b, instance_sha256="0" * 64)}
    for word, other in cases.items():
        with pytest.raises(GpecError, match=word) as err:
            compare(a, other)
        assert "\n" not in str(err.value)


def test_round_trip_through_disk_gives_the_same_comparison(runs, comparison, tmp_path):
    loaded = []
    for name, result in zip("ab", runs):
        write_outputs(result, tmp_path / name, maps=False)
        loaded.append(load_result(tmp_path / name))
    assert loaded[0].applied is None
    again = compare(*loaded, labels=("base", "departement 800k"))
    for name, table in comparison.tables.items():
        pd.testing.assert_frame_equal(again.tables[name].reset_index(drop=True), table.reset_index(drop=True),
                                      check_dtype=False, rtol=1e-7, atol=1e-6, obj=name)
    first, second = comparison.summary(), again.summary()
    assert second["inputs_changed"] == first["inputs_changed"]
    assert second["headline"] == first["headline"]
    for measure in ("objective", "cost", "unmet_horizon"):
        for key in ("a", "b", "difference", "within_uncertainty"):
            value = first["totals"][measure][key]
            assert second["totals"][measure][key] == (value if isinstance(value, (str, bool)) else
                                                      pytest.approx(value, rel=1e-8, abs=1e-6))


def test_write_comparison_writes_tables_json_and_map(comparison, landes, tmp_path):
    out = tmp_path / "cmp"
    written = write_comparison(comparison, out, instance=landes)
    names = {p.name for p in written}
    assert names == {*COMPARISON_FILES.values(), "comparison.json", MAP_FILE}
    assert written[-1].name == "comparison.json"
    for name, file in COMPARISON_FILES.items():
        text = (out / file).read_text(encoding="utf-8")
        assert not BARE.search(text), (file, BARE.search(text))
        table = pd.read_csv(out / file, dtype={"bassin": str})
        columns = list(comparison.tables[name].columns)
        if "bassin" in columns:  # the instance gives the bassins' names
            columns.insert(columns.index("bassin") + 1, "name")
            assert table["name"].notna().all()
        assert list(table.columns) == columns
        assert len(table) == len(comparison.tables[name])
    assert (out / MAP_FILE).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = (out / "comparison.json").read_text(encoding="utf-8")
    assert not BARE.search(text), BARE.search(text)
    summary = json.loads(text)
    assert summary["map"] == MAP_FILE and summary["horizon"] == list(HORIZON)
    assert summary["runs"]["b"]["label"] == "departement 800k"
    assert not list(out.glob(".*"))  # no temporary files left


def test_no_map_without_polygons(comparison, landes, tmp_path):
    bare = dataclasses.replace(landes, folder=tmp_path / "no_geometry")
    written = write_comparison(comparison, tmp_path / "cmp", instance=bare)
    assert MAP_FILE not in {p.name for p in written}
    notes = json.loads((tmp_path / "cmp" / "comparison.json").read_text())["notes"]
    assert any("no difference map" in note for note in notes)
    written = write_comparison(comparison, tmp_path / "plain")  # no instance: tables and JSON only
    assert {p.name for p in written} == {*COMPARISON_FILES.values(), "comparison.json"}


def test_a_run_without_a_plan_is_compared_on_inputs(landes, runs, tmp_path):
    a, _ = runs
    none = solve(landes, Scenario(horizon=HORIZON, shadow_prices=False, min_places={"ide": 100_000}))
    assert none.status == "infeasible"
    result = compare(a, none)
    changed = result.inputs[result.inputs["changed"]]
    assert list(changed["item"]) == ["min places ide"]
    assert list(changed["b"]) == ["100000"]
    for name in ("unmet", "spend", "levers", "by_bassin", "bassins"):
        table = result.tables[name]
        assert len(table), name
        assert (table["b"] == "no plan (status infeasible)").all(), name
        assert (table["difference"] == "no plan (status infeasible)").all(), name
        numbers(table["a"])
    totals = result.totals.set_index("measure")
    assert (totals["difference"] == "no plan (status infeasible)").all()
    summary = result.summary()
    assert summary["headline"].startswith("no plan in b")
    assert not BARE.search(json.dumps(summary))
    both = compare(none, none)
    assert all(both.tables[name].empty for name in ("unmet", "spend", "levers", "by_bassin", "bassins"))
    assert not BARE.search(json.dumps(both.summary()))
    written = write_comparison(result, tmp_path / "cmp", instance=landes)
    assert MAP_FILE not in {p.name for p in written}  # nothing to map without both plans
    for path in written:
        assert not BARE.search(path.read_text(encoding="utf-8")), path.name


def test_runs_with_different_tails(landes, runs):
    """Without levers the model has no tail: the objectives span different years and are not compared;
    unmet need in the horizon years is."""
    a, _ = runs
    baseline = solve(landes, Scenario(horizon=HORIZON, shadow_prices=False, levers=()))
    assert baseline.status == "optimal" and baseline.tail_years == 0 < a.tail_years
    result = compare(baseline, a)
    changed = set(result.inputs.loc[result.inputs["changed"], "item"])
    assert "tail years" in changed and "lever training" in changed
    totals = result.totals.set_index("measure")
    assert totals.loc["objective", "within_uncertainty"] == "not comparable"
    assert str(totals.loc["objective", "difference"]).startswith("not comparable")
    assert totals.loc["unmet_horizon", "difference"] < 0
    tail = result.unmet[result.unmet["phase"] == "tail"]
    assert len(tail) and tail["a"].str.startswith("not modelled").all()
    assert "not comparable" in result.summary()["headline"]
    assert not BARE.search(json.dumps(result.summary()))


# -- for people, in English and French (gpec.comparison.people_lines / people_tables) --------------------------

def _people_text(comparison, lang: str) -> str:
    """Everything a person reads: the lines, then each table's title and every cell rendered as text."""
    from gpec.comparison import people_lines, people_tables

    parts = list(people_lines(comparison, lang))
    for title, table in people_tables(comparison, lang):
        parts += [title, table.to_string()]
        parts += [str(v) for v in table.to_numpy().ravel()]
    return "\n".join(parts)


@pytest.fixture(scope="module")
def infeasible(landes):
    none = solve(landes, Scenario(horizon=HORIZON, shadow_prices=False, min_places={"ide": 100_000}))
    assert none.status == "infeasible"
    return none


def test_people_lines_and_tables_in_both_languages(comparison):
    from gpec.comparison import people_lines, people_tables
    from gpec.i18n import NNBSP

    summary = json.dumps(comparison.summary())
    en, fr = people_lines(comparison, "en"), people_lines(comparison, "fr")
    assert en[0].startswith("departement 800k vs base: weighted unmet need -") and "cost +€" in en[0]
    assert "the runs' uncertainty)" in en[0]
    n = int(comparison.inputs["changed"].sum())
    assert f"{n} inputs differ between the runs." in en and f"{n} données d'entrée diffèrent entre les deux calculs." in fr
    assert fr[0].startswith("Comparaison de departement 800k avec base : besoin non couvert pondéré -")
    assert "ETP-années" in fr[0] and "coût +" in fr[0] and "\u00a0€" in fr[0]
    assert "l'incertitude des deux calculs" in fr[0]
    assert "données d'entrée diffèrent" in " ".join(fr)
    for lang in ("en", "fr"):
        text = _people_text(comparison, lang)
        assert not BARE.search(text), (lang, BARE.search(text))
        tables = dict(people_tables(comparison, lang))
        assert len(tables) == 2
    (inputs_title, inputs), (totals_title, totals) = people_tables(comparison, "fr")
    assert inputs_title == "Données d'entrée qui diffèrent" and totals_title.startswith("Totaux")
    assert list(inputs.columns) == ["Donnée d'entrée", "Calcul a", "Calcul b"]
    assert inputs["Donnée d'entrée"].str.startswith("Enveloppe du Conseil départemental (Landes) 20").all()
    assert dict(people_tables(comparison, "en"))["Inputs that differ"]["Input"].str.startswith(
        "Département envelope (Landes) 20").all()
    assert set(inputs["Calcul a"]) == {f"500{NNBSP}000\u00a0€"} and set(inputs["Calcul b"]) == {f"800{NNBSP}000\u00a0€"}
    assert list(totals.columns) == ["Mesure", "Unité", "Calcul a", "Calcul b", "Écart (b - a)", "Incertitude",
                                    "Dans l'incertitude des deux calculs"]
    assert list(totals["Unité"]) == ["ETP-années", "€", "ETP-années"]
    assert set(totals["Dans l'incertitude des deux calculs"]) <= {"oui", "non", "non évalué"}
    assert totals["Écart (b - a)"].iloc[0].startswith("-") and "," in totals["Écart (b - a)"].iloc[0]
    _, totals_en = people_tables(comparison, "en")[1]
    assert set(totals_en["Within the runs' uncertainty"]) <= {"yes", "no", "not judged"}
    assert comparison.totals.set_index("measure").loc["objective", "within_uncertainty"] in (True, False)
    assert json.dumps(comparison.summary()) == summary  # the JSON stays English and unchanged
    with pytest.raises(KeyError):
        people_lines(comparison, "de")


def test_people_output_without_a_plan_or_with_different_tails(landes, runs, infeasible):
    from gpec.comparison import people_lines, people_tables

    a, _ = runs
    cases = {"one": compare(a, infeasible, labels=("base", "ide")), "none": compare(infeasible, infeasible),
             "tails": compare(solve(landes, Scenario(horizon=HORIZON, shadow_prices=False, levers=())), a)}
    for name, result in cases.items():
        for lang in ("en", "fr"):
            text = _people_text(result, lang)
            assert not BARE.search(text), (name, lang, BARE.search(text))
    fr = people_lines(cases["one"], "fr")
    assert fr[0] == "aucun plan dans ide : comparaison sur les seules données d'entrée"
    assert any("n'a pas de plan (infaisable)" in line for line in fr)
    totals = people_tables(cases["one"], "fr")[1][1]
    assert (totals["Calcul b"] == "aucun plan (infaisable)").all()
    assert people_lines(cases["none"], "en")[0] == "no plan in a and b: compared on inputs only"
    assert "aucun plan dans les deux calculs" in _people_text(cases["none"], "fr")
    tails = people_lines(cases["tails"], "fr")
    assert "non comparables" in tails[0] and any("années après l'horizon" in line for line in tails)
    inputs = people_tables(cases["tails"], "fr")[0][1]
    assert "Levier : Places de formation" in set(inputs["Donnée d'entrée"])
    assert {"activé", "désactivé"} <= set(inputs["Calcul a"]) | set(inputs["Calcul b"])
