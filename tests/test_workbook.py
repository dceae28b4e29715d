"""The Excel workbook (gpec.workbook) and the translation table (gpec.i18n)."""

from __future__ import annotations

import math
import re
from dataclasses import replace

import pytest
from openpyxl import load_workbook

from gpec import Scenario, load_instance, solve
from gpec.evaluate import KNOWN_LEVERS
from gpec.i18n import LABELS, LANGUAGES, MISSING, NNBSP, fmt_eur, fmt_number, fmt_percent, label, t
from gpec.schema import FLOW_KINDS, RESERVOIRS
from gpec.workbook import SHEETS, in_words, write_workbook

from tests.conftest import LANDES

HORIZON = (2026, 2027)
#: A missing number written as text, as a whole word ("infeasible" is fine, "gap inf" is not).
NOT_A_NUMBER = re.compile(r"(?<![\w.])(-?inf|-?Infinity|nan|NaN|None|<NA>)(?!\w)")


@pytest.fixture(scope="module")
def landes():
    return load_instance(LANDES)


@pytest.fixture(scope="module")
def plan(landes):
    """The Landes over two years (proved in about a second), with shadow prices: they have empty cells."""
    result = solve(landes, Scenario(horizon=HORIZON))
    assert result.status in ("optimal", "feasible")
    return result


@pytest.fixture(scope="module")
def books(plan, tmp_path_factory):
    folder = tmp_path_factory.mktemp("workbook")
    return {lang: load_workbook(write_workbook(plan, plan.applied, folder / f"results_{lang}.xlsx", lang))
            for lang in LANGUAGES}


@pytest.fixture(scope="module")
def no_plan(landes, tmp_path_factory):
    """A service level no plan meets on the Landes over two years: infeasible, with a diagnosis."""
    result = solve(landes, Scenario(horizon=HORIZON, service_level=0.999, shadow_prices=False))
    assert result.status == "infeasible"
    path = write_workbook(result, result.applied, tmp_path_factory.mktemp("infeasible") / "results.xlsx", "fr")
    return result, load_workbook(path)


def _values(sheet) -> list[tuple]:
    return list(sheet.iter_rows(values_only=True))


def _header(sheet) -> list:
    return [cell.value for cell in sheet[1]]


def _texts(sheet) -> list[str]:
    return [value for row in _values(sheet) for value in row if isinstance(value, str)]


# -- the translation table --------------------------------------------------------------------------
def test_every_label_has_both_languages_and_is_not_empty():
    assert LABELS
    for key, entry in LABELS.items():
        assert re.fullmatch(r"[a-z_]+\.[A-Za-z0-9_]+", key), key
        assert set(entry) == set(LANGUAGES), key
        for lang in LANGUAGES:
            assert isinstance(entry[lang], str) and entry[lang].strip(), (key, lang)


def test_the_table_names_every_code_people_see():
    for status in ("optimal", "feasible", "infeasible", "unbounded", "error"):
        assert f"status.{status}" in LABELS
    for lever in (*KNOWN_LEVERS, "baseline"):
        assert f"lever.{lever}" in LABELS
    for group, codes in (("reservoir", RESERVOIRS), ("kind", FLOW_KINDS), ("funder", ("departement", "region")),
                         ("sheet", ("summary", *SHEETS))):
        for code in codes:
            assert f"{group}.{code}" in LABELS
    assert t("status.optimal", "fr") == "optimal (prouvé)"
    assert t("status.feasible", "fr") == "réalisable (non prouvé)"
    assert t("column.unmet_fte_years", "fr") == "Besoin non couvert (ETP-années)"
    assert t("envelope.departement", "fr") == "Enveloppe du Département"
    assert t("lever.training", "fr") == "Places de formation"


def test_sheet_names_are_valid_in_excel_and_distinct():
    for lang in LANGUAGES:
        names = [t(f"sheet.{sheet}", lang) for sheet in ("summary", *SHEETS)]
        assert len(set(names)) == len(names)
        for name in names:
            assert len(name) <= 31 and not set(name) & set(":\\/?*[]"), name


def test_unknown_key_or_language_raises():
    with pytest.raises(KeyError):
        t("status.no_such_status", "en")
    with pytest.raises(KeyError):
        t("status.optimal", "de")
    with pytest.raises(KeyError):
        label("lever", "training", "de")
    assert label("funder", "cnsa", "fr") == "cnsa"  # a code without a label stays as it is
    assert label("funder", float("nan"), "fr") == ""


def test_numbers_for_people():
    assert fmt_number(1234.5, "en", 1) == "1,234.5"
    assert fmt_number(1234.5, "fr", 1) == f"1{NNBSP}234,5"
    assert fmt_number(1234567.891, "fr", 2) == f"1{NNBSP}234{NNBSP}567,89"
    assert fmt_number(-0.0001, "en", 1) == "0.0"
    assert fmt_eur(1234.4, "en") == "€1,234"
    assert fmt_eur(1234.4, "fr") == f"1{NNBSP}234\u00a0€"
    assert fmt_eur(-1234, "en") == "-€1,234"
    assert fmt_percent(0.125, "en") == "12.5%"
    assert fmt_percent(0.125, "fr") == f"12,5{NNBSP}%"
    for missing in (None, float("nan"), float("inf"), -math.inf):
        for lang in LANGUAGES:
            for text in (fmt_number(missing, lang), fmt_eur(missing, lang), fmt_percent(missing, lang)):
                assert text == MISSING[lang] == "—"


# -- the workbook ---------------------------------------------------------------------------------
def test_summary_comes_first_and_says_the_status_in_words(books, plan):
    book = books["en"]
    assert book.sheetnames == ["Summary", "Decisions", "Workforce", "Spending", "Shadow prices", "Flows"]
    summary = _values(book["Summary"])
    rows = {row[0]: row[1:] for row in summary if row and row[0]}
    assert rows["Status"][0] == t(f"status.{plan.status}", "en")
    assert rows["Cost (EUR)"][0] == pytest.approx(plan.cost)
    assert rows["Weighted unmet need (FTE-years)"][0] == pytest.approx(plan.objective)
    assert rows["Bound: best possible (FTE-years)"][0] == pytest.approx(plan.bound)
    assert "FTE-years" in rows["In words"][0]
    used = {code for code, units in zip(plan.decisions["lever"], plan.decisions["units"]) if units > 0}
    assert used and set(plan.levers) - used  # the two-year plan leaves some levers unused
    for lever in plan.levers:
        line = rows["Levers used" if lever in used else "Levers available but not used"][0]
        assert t(f"lever.{lever}", "en") in line
    years = [row for row in summary if row and isinstance(row[0], int) and HORIZON[0] <= row[0] <= HORIZON[1] + 5]
    assert [row[0] for row in years][:2] == list(HORIZON)  # unmet need by year, horizon then its tail


def test_decisions_have_names_beside_codes(books, landes):
    sheet = books["en"]["Decisions"]
    header = _header(sheet)
    assert header[header.index("Bassin (code)") + 1] == "Bassin de vie"
    assert header[header.index("Métier (code)") + 1] == "Métier"
    assert header[header.index("Lever (code)") + 1] == "Lever"
    assert "Cost (EUR)" in header and "Delivered (FTE)" in header
    dax = landes.bassins.set_index("bassin").loc["40088", "name"]
    at = header.index("Bassin (code)")
    rows = _values(sheet)[1:]
    assert any(row[at] == "40088" and row[at + 1] == dax for row in rows)
    assert all(row[at + 1] for row in rows)
    metier = header.index("Métier (code)")
    assert {row[metier + 1] for row in rows if row[metier] == "as"} == {"Aide-soignant"}


def test_table_sheets_freeze_their_header_and_format_numbers(books):
    for lang, book in books.items():
        assert book.worksheets[0].freeze_panes is None
        for sheet in book.worksheets[1:]:
            assert sheet.freeze_panes == "A2", (lang, sheet.title)
            assert sheet.column_dimensions["A"].width >= 6
    sheet = books["en"]["Decisions"]
    header = _header(sheet)
    row = next(sheet.iter_rows(min_row=2, max_row=2))
    assert row[header.index("Cost (EUR)")].number_format == "#,##0"
    assert row[header.index("Delivered (FTE)")].number_format == "#,##0.00"
    assert isinstance(row[header.index("Year")].value, int)


def test_no_cell_shows_a_missing_number(books):
    for lang, book in books.items():
        for sheet in book.worksheets:
            for row in _values(sheet):
                for value in row:
                    if isinstance(value, float):
                        assert math.isfinite(value), (lang, sheet.title, row)
                    elif isinstance(value, str):
                        assert not NOT_A_NUMBER.search(value), (lang, sheet.title, value)


def test_french_workbook_speaks_french(books, plan):
    book = books["fr"]
    assert book.sheetnames[0] == "Synthèse"
    assert book.sheetnames == [t(f"sheet.{sheet}", "fr") for sheet in ("summary", *SHEETS)]
    workforce = _header(book[t("sheet.workforce", "fr")])
    assert "Besoin non couvert (ETP)" in workforce and "Bassin de vie" in workforce
    texts = _texts(book["Synthèse"])
    assert t(f"status.{plan.status}", "fr") in texts
    assert "Enveloppe du Conseil départemental (Landes)" in texts
    assert any(text.startswith("Besoin non couvert") for text in texts)
    words = next(text for text in texts if "ETP-années" in text and "€" in text)
    assert NNBSP in words  # numbers written the French way: 1 848,5
    spending = _values(book[t("sheet.spending", "fr")])
    header = list(spending[0])
    funders = {row[header.index("Financeur (code)")]: row[header.index("Financeur")] for row in spending[1:]}
    assert funders == {"cd40": "Conseil départemental — Landes", "cr75": "Conseil régional — Nouvelle-Aquitaine",
                       "ars75": "ARS Nouvelle-Aquitaine (FIR)"}  # the bodies of funders.csv


def test_a_result_without_a_plan_gives_a_summary_that_says_so(no_plan):
    result, book = no_plan
    assert result.decisions.empty
    summary = book.worksheets[0]
    assert summary.title == "Synthèse"
    texts = _texts(summary)
    assert t("status.infeasible", "fr") in texts
    assert t("summary.no_plan", "fr") in texts
    assert t("summary.conflict", "fr") in texts  # the diagnosis' conflicting constraints
    for sheet in book.worksheets[1:]:
        assert sheet.max_row == 1 and all(_header(sheet)), sheet.title  # headers only
        assert sheet.freeze_panes == "A2"
    for sheet in book.worksheets:
        for text in _texts(sheet):
            assert not NOT_A_NUMBER.search(text), text


def test_a_run_stopped_without_a_plan_says_so(no_plan, tmp_path):
    result, _ = no_plan
    stopped = replace(result, status="error", diagnosis=None, message="no incumbent within the time limit")
    book = load_workbook(write_workbook(stopped, stopped.applied, tmp_path / "results.xlsx", "en"))
    texts = _texts(book["Summary"])
    assert t("status.error", "en") in texts and t("summary.no_plan", "en") in texts
    assert "No plan: no incumbent within the time limit" in texts


def test_a_plan_without_a_bound_is_not_called_proven(plan):
    words = in_words(replace(plan, status="feasible", bound=math.nan, gap=math.inf), "en")
    assert "not proven optimal" in words and not NOT_A_NUMBER.search(words)
    assert "Proven optimal" in in_words(plan, "en") or plan.status == "feasible"


def test_unknown_language_writes_nothing(plan, tmp_path):
    with pytest.raises(KeyError):
        write_workbook(plan, plan.applied, tmp_path / "results.xlsx", "de")
    assert list(tmp_path.iterdir()) == []


def test_written_atomically_over_an_earlier_file(no_plan, tmp_path):
    result, _ = no_plan
    path = tmp_path / "results.xlsx"
    path.write_bytes(b"old")
    assert write_workbook(result, None, path, "en") == path  # None: the result's own instance
    assert load_workbook(path).sheetnames[0] == "Summary"
    assert [p.name for p in tmp_path.iterdir()] == ["results.xlsx"]
