"""Maps for a note (gpec.geo.maps) and the inflow chart (gpec.charts), in English and French."""

from __future__ import annotations

import struct
from dataclasses import replace

import pandas as pd
import pytest

from gpec import Scenario, load_instance
from gpec.charts import chart_title, inflow_labels, write_inflow_chart
from gpec.geo.maps import (DPI, FIGSIZE, LEVER_MAPS, bassin_layer, departement_outlines, legend_labels, lever_units,
                           map_title, mapped_levers, source_line, unit_label, unmapped_levers, write_maps)
from gpec.i18n import LABELS, LANGUAGES, fmt_percent, label, t
from gpec.solving import solve

from tests.conftest import LANDES

HORIZON = (2026, 2027)
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def landes():
    return load_instance(LANDES)


@pytest.fixture(scope="module")
def plan(landes):
    """The Landes over two years, without shadow prices (about a second)."""
    result = solve(landes, Scenario(horizon=HORIZON, shadow_prices=False))
    assert result.has_solution
    return result


@pytest.fixture(scope="module")
def spatial(plan, landes):
    """The plan with a shared QVCT post serving two EHPAD and a pool covering need in a neighbouring
    bassin added by hand (the two-year Landes plan uses neither): for drawing, not a checked plan."""
    structures = landes.table("structures.csv")
    host = structures["bassin"].iloc[0]
    served = structures[structures["bassin"] == host]["structure"].head(2).tolist()
    travel = landes.table("travel.csv")
    other = travel[(travel["origin"] == host) & (travel["destination"] != host)].iloc[0]["destination"]
    template = plan.decisions.iloc[[0]]
    extra = pd.concat([template.assign(lever="qvct", bassin=host, units=1.0),
                       template.assign(lever="pools", bassin=host, units=2.0)], ignore_index=True)
    coverage = pd.DataFrame({"structure": served, "host": host, "year": HORIZON[0], "minutes": 0.0,
                             "retained_fte": 0.5})
    flows = pd.DataFrame({"origin": [host], "destination": [other], "metier": ["as"], "year": [HORIZON[0]],
                          "fte": [1.5], "minutes": [20.0], "travel_eur": [0.0]})
    return replace(plan, decisions=pd.concat([plan.decisions, extra], ignore_index=True), coverage=coverage,
                   pool_flows=flows)


def _png_size(path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG, f"{path.name}: not a PNG"
    return struct.unpack(">II", data[16:24])


# -- which maps ------------------------------------------------------------------------------------------------

def test_unused_levers_get_no_map_and_are_listed(plan, landes, tmp_path):
    units = lever_units(plan)
    unused = unmapped_levers(plan)
    assert unused, "the two-year Landes plan leaves some levers unused (QVCT, vehicles, pools, ...)"
    assert set(unused) | set(mapped_levers(plan)) == set(plan.levers)
    assert not set(unused) & set(mapped_levers(plan))
    for lever in unused:
        assert units[lever] == 0
        assert plan.decisions.loc[plan.decisions["lever"] == lever, "units"].sum() == 0
    written = write_maps(plan, landes, tmp_path)
    names = {p.name for p in written}
    assert names == {"map_unmet.png", *(f"map_{lever}.png" for lever in mapped_levers(plan))}
    assert {p.name for p in tmp_path.iterdir()} == names
    for lever in unused:
        assert not (tmp_path / f"map_{lever}.png").exists()


def test_used_levers_and_unmet_are_valid_pngs_of_the_stated_size(plan, landes, tmp_path):
    written = write_maps(plan, landes, tmp_path, lang="fr")
    assert len(written) >= 2
    for path in written:
        assert _png_size(path) == (FIGSIZE[0] * DPI, FIGSIZE[1] * DPI), path.name
        assert path.stat().st_size > 10_000, path.name


def test_qvct_and_pool_maps_are_drawn_when_used(spatial, landes, tmp_path):
    assert {"qvct", "pools"} <= set(mapped_levers(spatial))
    names = {p.name for p in write_maps(spatial, landes, tmp_path)}
    assert {"map_qvct.png", "map_pools.png"} <= names
    for name in ("map_qvct.png", "map_pools.png"):
        _png_size(tmp_path / name)


def test_served_ehpad_have_a_legend_entry_only_when_some_are_served(plan, spatial, landes):
    for lang in LANGUAGES:
        served = legend_labels(spatial, landes, "qvct", lang)
        assert served == [t("map.departements", lang), t("map.ehpad", lang), t("map.ehpad_served", lang)]
        nobody = legend_labels(replace(spatial, coverage=plan.coverage.iloc[0:0]), landes, "qvct", lang)
        assert nobody == [t("map.departements", lang), t("map.ehpad", lang)]
        assert legend_labels(spatial, landes, "pools", lang)[-1] == t("map.pool_flows", lang)
        assert legend_labels(plan, landes, "pools", lang) == [t("map.departements", lang)]  # no flows: no entry


def test_a_plan_covering_every_need_still_has_a_scale(plan, landes, tmp_path):
    covered = replace(plan, workforce=plan.workforce.assign(unmet=0.0))
    written = write_maps(covered, landes, tmp_path)
    assert (tmp_path / "map_unmet.png") in written


def test_unknown_language_writes_nothing(plan, landes, tmp_path):
    with pytest.raises(KeyError):
        write_maps(plan, landes, tmp_path, lang="de")
    with pytest.raises(KeyError):
        write_inflow_chart(plan, tmp_path / "inflows.png", lang="de")
    assert not list(tmp_path.iterdir())


# -- words -----------------------------------------------------------------------------------------------------

def test_titles_come_from_i18n_in_each_language(plan):
    first, last = HORIZON
    en, fr = map_title(plan, "unmet", "en"), map_title(plan, "unmet", "fr")
    assert en != fr
    assert fr.splitlines()[0] == "Part du besoin non couvert en 2027" == t("map.unmet_title", "fr").format(year=last)
    assert en.splitlines()[0] == t("map.unmet_title", "en").format(year=last)
    for lever in mapped_levers(plan):
        titles = {lang: map_title(plan, lever, lang) for lang in LANGUAGES}
        assert titles["en"] != titles["fr"]
        for lang, title in titles.items():
            assert title.splitlines()[0] == f"{label('lever', lever, lang)}, {first}–{last}"
            assert title.splitlines()[1] == t(f"map.what_{lever}", lang)
    assert map_title(plan, "training", "en") == "Training places, 2026–2027\n" + t("map.what_training", "en")


def test_units_and_shares_are_for_people():
    assert unit_label("training", "fr") == "places"
    assert unit_label("apprenticeship", "fr") == "contrats"
    assert unit_label("pools", "fr") == "ETP-années"
    assert unit_label("pools", "en") == "FTE-years"
    assert unit_label("a_new_lever", "fr") == t("map.unit_default", "fr")
    assert fmt_percent(0.09, "en", 0) == "9%" and fmt_percent(0.09, "fr", 0) == "9\u202f%"


def test_source_line_names_the_territory_horizon_and_sources(plan, landes):
    import datetime as dt

    day = dt.date(2026, 12, 5)
    en = source_line(plan, landes, "en", date=day)
    fr = source_line(plan, landes, "fr", date=day)
    assert en.startswith("gpec — Landes (40), horizon 2026–2027.") and "INSEE" in en and "FINESS" in en
    assert en.endswith("Computed 2026-12-05.")
    assert "Sources :" in fr and fr.endswith("Calculé le 05/12/2026.")
    other = source_line(plan, None, "en", date=day)  # not built by gpec instance build: no sources claimed
    assert "INSEE" not in other and "source columns" in other


def test_every_lever_that_can_be_mapped_has_its_words():
    for lever in LEVER_MAPS:
        for group in ("lever", "map.what", "map.unit"):
            key = f"lever.{lever}" if group == "lever" else f"{group}_{lever}"
            assert key in LABELS, key


def test_the_translation_table_stays_complete():
    for key, entry in LABELS.items():
        assert set(entry) == set(LANGUAGES), key
        for lang in LANGUAGES:
            assert isinstance(entry[lang], str) and entry[lang].strip(), (key, lang)
    for group in ("map", "chart"):
        assert any(key.startswith(f"{group}.") for key in LABELS)


def test_departement_outlines_follow_the_bassins_main_towns(plan, landes):
    layer = bassin_layer(plan, landes)
    outlines = departement_outlines(layer)
    assert len(outlines) == landes.bassins["dep_pole"].nunique()
    assert not outlines.is_empty.any()


# -- the inflow chart ------------------------------------------------------------------------------------------

def test_inflow_chart_in_both_languages(plan, tmp_path):
    for lang in LANGUAGES:
        path = write_inflow_chart(plan, tmp_path / f"inflows_{lang}.png", lang=lang)
        _png_size(path)
    en, fr = inflow_labels("en"), inflow_labels("fr")
    assert en.keys() == fr.keys() and all(en[k] != fr[k] for k in en)
    assert fr["departures"] == t("chart.departures", "fr")
    assert chart_title(plan, "fr").startswith("Entrées par réservoir, Landes (40), 2026–2027")
    assert write_inflow_chart(plan, tmp_path / "inflows.png") == tmp_path / "inflows.png"  # English default
