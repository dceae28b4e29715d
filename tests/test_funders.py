"""Funding bodies as data (``funders.csv``): aliases for the bodies' kinds, labels for people from a
body's kind and name, and the checks of the table at load."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from gpec.errors import GpecError, InputError
from gpec.evaluate import evaluate
from gpec.i18n import funder_label
from gpec.instance import load_instance
from gpec.outputs import load_result
from gpec.scenario import Scenario, budgets_from_options
from gpec.solving import solve
from tests.conftest import ROOT, write_instance

B = "00001"
YEARS = (2026, 2028)
#: Three bodies: only the ARS may fund immersions (levers.csv), and every envelope is 0 in the file.
BODIES = [("cd40", "departement", "40", "Landes"), ("cr75", "region", "75", "Nouvelle-Aquitaine"),
          ("ars75", "ars", "75", "Nouvelle-Aquitaine")]
LEVER_FUNDERS = {"training": "cr75", "apprenticeship": "cd40", "qvct": "cd40", "vehicles": "cd40", "pools": "cd40",
                 "immersion": "ars75"}
IMMERSION = dict(pathway="immersion_as", lever="immersion", reservoir="primary", mode="external", to_metier="as",
                 cap_basis="population", draws_labour_pool=1, years=1, success=0.5, cost=100.0, cap_rate=10.0)


def _instance(folder, bodies=BODIES, lever_funders=LEVER_FUNDERS):
    """One bassin short of aides-soignants: apprenticeships (the Département, no money) or immersions
    (the ARS only), 8 jobseekers all available; the bodies' envelopes are 0 EUR every year."""
    write_instance(folder, bassins=[(B, 0.0, 45.0)], years=YEARS,
                   need={(B, "as", 2026): 10.0, (B, "as", 2027): 14.0, (B, "as", 2028): 14.0},
                   stock0={(B, "as"): 10.0}, inflow={(B, "as", y): 1.0 for y in range(2027, 2029)},
                   apprentice_cap={(B, "as"): 10}, pathways=[IMMERSION], labour_pool={(B, "as"): 8.0},
                   labour_pool_share=1.0)
    pd.DataFrame([dict(funder=c, kind=k, territory=t, name=n, source="test") for c, k, t, n in bodies]).to_csv(
        folder / "funders.csv", index=False)
    pd.DataFrame([dict(funder=c, year=y, eur=0.0, source="test") for c, *_ in bodies
                  for y in range(YEARS[0], YEARS[1] + 1)]).to_csv(folder / "budget.csv", index=False)
    pd.DataFrame([dict(lever=lv, funder=f, source="test") for lv, f in lever_funders.items()]).to_csv(
        folder / "levers.csv", index=False)
    return folder


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "gpec.cli", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True)


@pytest.fixture(scope="module")
def bodies(tmp_path_factory):
    return _instance(tmp_path_factory.mktemp("bodies") / "bodies")


def test_only_the_ars_funds_immersions_and_its_money_buys_them(bodies):
    inst = load_instance(bodies)
    exact = Scenario(mip_gap=0.0, cost_gap=0.0, shadow_prices=False)
    without = solve(inst, exact)
    assert without.status == "optimal" and without.decisions.empty  # no body has money
    result = solve(inst, Scenario(mip_gap=0.0, cost_gap=0.0, shadow_prices=False, budgets={"ars": 1000.0}))
    assert result.status == "optimal" and result.objective < without.objective - 1.0
    assert set(result.decisions["lever"]) == {"immersion"}
    paid = result.spend[result.spend["eur"] > 1e-6]
    assert set(paid["funder"]) == {"ars75"} and paid["eur"].sum() == pytest.approx(result.cost)
    assert result.budgets["ars75"] == {2026: 1000.0, 2027: 1000.0, 2028: 1000.0}
    assert len(evaluate(result.applied, result).violations) == 0
    assert result.funders["ars75"] == {"kind": "ars", "territory": "75", "name": "Nouvelle-Aquitaine"}


def test_cli_solve_with_an_alias_and_explain_in_french(bodies, tmp_path):
    out = tmp_path / "out"
    proc = _cli("solve", bodies, "--out", out, "--budget", "ars=1000", "--lang", "fr", "--no-maps", "--quiet",
                "--gap", "0", "--cost-gap", "0")
    assert proc.returncode == 0, proc.stderr
    assert "ARS Nouvelle-Aquitaine (FIR) " in proc.stdout  # the spending sentence and the table
    spend = pd.read_csv(out / "spend.csv", dtype={"funder": str})
    assert set(spend.loc[spend["eur"] > 1e-6, "funder"]) == {"ars75"}  # tables keep the codes
    assert "ARS Nouvelle-Aquitaine (FIR)" in (out / "report.md").read_text(encoding="utf-8")
    assert load_result(out).funders["cd40"]["name"] == "Landes"
    explained = _cli("explain", out, "--lang", "fr")
    assert explained.returncode == 0, explained.stderr
    assert "il dépense" in explained.stdout and "(ARS Nouvelle-Aquitaine (FIR) " in explained.stdout


@pytest.mark.parametrize("kind, lang, funder, envelope", [
    ("cd40", "en", "Département: Landes", "Département envelope (Landes)"),
    ("cd40", "fr", "Conseil départemental — Landes", "Enveloppe du Conseil départemental (Landes)"),
    ("cr75", "en", "Région: Nouvelle-Aquitaine", "Région envelope (Nouvelle-Aquitaine)"),
    ("cr75", "fr", "Conseil régional — Nouvelle-Aquitaine", "Enveloppe du Conseil régional (Nouvelle-Aquitaine)"),
    ("ars75", "en", "ARS Nouvelle-Aquitaine (FIR)", "ARS Nouvelle-Aquitaine envelope (FIR)"),
    ("ars75", "fr", "ARS Nouvelle-Aquitaine (FIR)", "Enveloppe FIR de l'ARS Nouvelle-Aquitaine"),
])
def test_bodies_are_named_by_kind_and_territory(kind, lang, funder, envelope):
    named = {c: {"kind": k, "territory": t, "name": n} for c, k, t, n in BODIES}
    assert funder_label(kind, lang, named) == funder
    assert funder_label(kind, lang, named, envelope=True) == envelope


def test_bare_codes_keep_their_labels():
    assert funder_label("departement", "fr") == "Département"
    assert funder_label("region", "fr", envelope=True) == "Enveloppe de la Région"
    assert funder_label("cd40", "en") == "cd40"  # a code without a body: shown as it is


def test_codes_and_aliases_of_one_body_combine_as_if_spelled_the_same(bodies):
    inst = load_instance(bodies)
    for options in (["departement:2027=800", "cd40=600"], ["cd40=600", "departement:2027=800"],
                    ["CD40=600", "cd40:2027=800"]):
        assert inst.resolve_budgets(budgets_from_options(options)) == {"cd40": {None: 600.0, 2027: 800.0}}
        envelope = Scenario(budgets=budgets_from_options(options)).apply(inst)[0].budget()
        assert envelope.xs("cd40").to_dict() == {2026: 600.0, 2027: 800.0, 2028: 600.0}
        assert envelope.drop("cd40", level="funder").eq(0.0).all()  # the other bodies untouched
    with_year = inst.with_budget({"region": {2027: 5.0}}).budget()
    assert with_year.xs("cr75").to_dict() == {2026: 0.0, 2027: 5.0, 2028: 0.0}


def test_a_kind_of_two_bodies_or_an_unknown_name_exits_2_with_one_line(tmp_path):
    two = _instance(tmp_path / "two", bodies=[*BODIES, ("cd64", "departement", "64", "Pyrénées-Atlantiques")])
    inst = load_instance(two)
    with pytest.raises(GpecError, match=r"'departement' names 2 bodies here: cd40, cd64; name one"):
        inst.funder_code("departement")
    assert inst.funder_code("region") == "cr75"
    for option, words in (("departement=1000", "names 2 bodies here: cd40, cd64"),
                          ("cd33=1000", "bodies: cd40, cr75, ars75, cd64; aliases: region, ars")):
        proc = _cli("solve", two, "--out", tmp_path / "out", "--budget", option, "--no-maps", "--quiet")
        assert proc.returncode == 2, proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1 and words in proc.stderr, proc.stderr
        assert not (tmp_path / "out").exists()


def _set(row: int, column: str, value: str):
    """An edit of a table: one cell (``row`` counted from 0) set to ``value``."""
    def edit(table):
        table.loc[row, column] = value
        return table
    return edit


def _broken(tmp_path, name, edit):
    """The small instance with one table edited: ``edit`` is (file, function of the table)."""
    folder = _instance(tmp_path / name)
    path = folder / edit[0]
    edit[1](pd.read_csv(path, dtype=str, keep_default_na=False)).to_csv(path, index=False)
    return folder


@pytest.mark.parametrize("case, edit, where", [
    ("unknown_kind", ("funders.csv", _set(1, "kind", "prefecture")),
     "funders.csv, row 2, column 'kind': kind 'prefecture' must be one of departement, region, ars"),
    ("duplicate_code", ("funders.csv", _set(2, "funder", "cd40")),
     "funders.csv, row 3, column 'funder': duplicate key (funder=cd40)"),
    ("code_of_another_territory", ("funders.csv", _set(0, "funder", "cd33")),
     "funders.csv, row 1, column 'funder': a departement body of territory 40 has code 'cd40', not 'cd33'"),
    ("bad_territory", ("funders.csv", _set(1, "territory", "7")),
     "funders.csv, row 2, column 'territory': territory '7' is not the INSEE code"),
    ("budget_funder_not_a_body", ("budget.csv", _set(4, "funder", "departement")),
     "budget.csv, row 5, column 'funder': unknown funder 'departement' (not in funders.csv: cd40, cr75, ars75)"),
    ("lever_funder_not_a_body", ("levers.csv", _set(5, "funder", "ars")),
     "levers.csv, row 6, column 'funder': unknown funder 'ars' (not in funders.csv"),
    ("body_without_a_year", ("budget.csv", lambda t: t.drop(index=7)),
     "budget.csv, column 'year': funder 'ars75' of funders.csv has no envelope for 2027"),
])
def test_a_bad_funders_table_is_refused_with_file_row_and_column(tmp_path, case, edit, where):
    folder = _broken(tmp_path, case, edit)
    with pytest.raises(InputError) as error:
        load_instance(folder)
    assert where in str(error.value)
    proc = _cli("solve", folder, "--out", tmp_path / "out", "--no-maps", "--quiet")
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1 and where in proc.stderr


def test_an_instance_without_funders_csv_keeps_its_bare_codes(tmp_path):
    folder = _instance(tmp_path / "bare")
    (folder / "funders.csv").unlink()
    inst = load_instance(folder)
    assert inst.bodies == {} and inst.funder_code("cd40") == "cd40"
    with pytest.raises(GpecError, match=r"unknown funder 'departement' \(known: ars75, cd40, cr75\)"):
        inst.funder_code("departement")  # no funders.csv: no aliases
