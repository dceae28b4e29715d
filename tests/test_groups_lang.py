"""gpec groups for people in English and French (gpec.groupings.people_lines, people_tables, write_group_map):
the hand-solved line of five structures of tests/test_groups.py (4 posts, 1 saved, 1 group, 40,180 EUR), the
20 southernmost Landes EHPAD (18 posts, 7 saved) and results without a plan. Nothing a person reads holds
a raw ``nan``, ``inf`` or ``None``."""

from __future__ import annotations

import dataclasses
import math
import re

import pytest

from gpec.groupings import (GroupingOptions, GroupResult, load_group_data, people_lines, people_tables, solve_groups,
                            write_group_map)
from gpec.i18n import NBSP, NNBSP
from tests.test_groups import LANDES_OPTIONS, LINE, _landes_subset, _write_line

BARE = re.compile(r"\b(nan|NaN|inf|Infinity|None|null)\b")


def _text(result, lang: str, post_label=None) -> str:
    parts = list(people_lines(result, lang, post_label))
    for title, table in people_tables(result, lang):
        parts += [title, table.to_string(), *(str(v) for v in table.to_numpy().ravel())]
    return "\n".join(parts)


@pytest.fixture(scope="module")
def line(tmp_path_factory):
    folder = _write_line(tmp_path_factory.mktemp("line") / "line")
    return load_group_data(folder, "p", travel_file=folder / "travel.csv")


@pytest.fixture(scope="module")
def line_result(line):
    result = solve_groups(line, LINE, mip_gap=0.0)
    assert result.status == "optimal" and (result.posts, result.posts_saved, result.n_groups) == (4, 1, 1)
    return result


def test_line_in_english_and_french(line, line_result):
    en = people_lines(line_result, "en", line.post["label"])
    assert len(en) == 2
    assert en[0].startswith("Test post (p), 5 structures, members within 15 min of their hub: status optimal (proven)")
    assert "cost €40,180 a year" in en[0] and "violations 0" in en[0]
    assert en[1].startswith("Posts: 5 with every structure alone, 4 grouped: 1 post saved (1 group)")
    assert "travel adds €180 a year" in en[1]
    fr = people_lines(line_result, "fr", line.post["label"])
    assert "statut optimal (prouvé)" in fr[0] and f"coût 40{NNBSP}180{NBSP}€ par an" in fr[0]
    assert "structure porteuse" in fr[0]
    assert fr[1].startswith("Postes : 5 si chaque structure reste seule, 4 en groupements : 1 poste économisé "
                            "(1 groupe)")
    assert f"180{NBSP}€ par an" in fr[1]
    assert people_lines(line_result, "en")[0].startswith("p (p), ")  # the code without a label
    for lang in ("en", "fr"):
        assert not BARE.search(_text(line_result, lang)), lang
    (title, table), = people_tables(line_result, "fr")
    assert title == "Groupements (les plus grands d'abord)"
    assert list(table.columns) == ["Structure porteuse (FINESS)", "Structure porteuse", "Structures", "Besoin (ETP)",
                                   "Trajets (€ par an)", "Postes", "Postes (€ par an)"]
    assert table.iloc[0].tolist() == ["B", "EHPAD B", "2", "0,90", "180", "1", f"10{NNBSP}000"]
    with pytest.raises(KeyError):
        people_lines(line_result, "de")


def test_twenty_landes_ehpad_in_both_languages_and_their_maps(tmp_path):
    data = _landes_subset(20)
    result = solve_groups(data, LANDES_OPTIONS, time_limit=120, mip_gap=0.0)
    assert result.status == "optimal" and result.posts_saved == 7, result.message
    en = people_lines(result, "en", data.post["label"])
    fr = people_lines(result, "fr", data.post["label"])
    assert "18 grouped: 7 posts saved" in en[1] and f"({result.n_groups} groups)" in en[1]
    assert "18 en groupements : 7 postes économisés" in fr[1] and f"({result.n_groups} groupes)" in fr[1]
    assert f"974{NNBSP}378{NBSP}€" in fr[0]
    for lang in ("en", "fr"):
        assert not BARE.search(_text(result, lang, data.post["label"])), lang
        tables = people_tables(result, lang, top=3)
        assert len(tables) == 1 and len(tables[0][1]) == 3
        path = write_group_map(result, data, tmp_path / f"map_{lang}.png", lang=lang)
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000
    default = write_group_map(result, data, tmp_path / "map.png")  # English by default, as gpec groups calls it
    assert default.stat().st_size > 10_000
    with pytest.raises(KeyError):
        write_group_map(result, data, tmp_path / "map_de.png", lang="de")


def test_results_without_a_plan(line):
    solved = solve_groups(line, GroupingOptions(**{**LINE.__dict__, "groups": 3}), mip_gap=0.0)  # 3 groups need 6
    assert not solved.has_solution
    made = dataclasses.replace(solved, status="infeasible", objective=math.nan, bound=-math.inf, gap=math.inf,
                               violations=None)
    unknown = dataclasses.replace(made, status="time_limit")
    for result in (solved, made, unknown):
        assert people_tables(result, "en") == people_tables(result, "fr") == []
        for lang in ("en", "fr"):
            text = _text(result, lang)
            assert not BARE.search(text), (result.status, lang, BARE.search(text))
        assert not BARE.search(result.message), result.message
    en, fr = people_lines(made, "en"), people_lines(made, "fr")
    assert "status infeasible (no plan meets the constraints)" in en[0]
    assert en[1] == "No plan (infeasible): no grouping to report; 5 posts with every structure alone (€50,000 a year)."
    assert "statut infaisable" in fr[0]
    assert fr[1] == (f"Aucun plan (infaisable) : pas de groupement à présenter ; 5 postes si chaque structure reste "
                     f"seule (50{NNBSP}000{NBSP}€ par an).")
    assert isinstance(solved, GroupResult)
