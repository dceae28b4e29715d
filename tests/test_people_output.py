"""What people read: the plain-words paragraph first, in English or French, and no raw ``nan``, ``inf``
or ``None`` in the printed output of ``solve``, ``explain`` (a plan and an infeasible run), ``groups`` and
``compare``; the French run writes a French report and workbook.

Runs the Landes with a two-year horizon (proves in about a second); the infeasible scenario asks a 99.9 %
service level, which no budget of that horizon reaches.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from openpyxl import load_workbook

from tests.conftest import LANDES, ROOT

RAW = re.compile(r"\b(nan|NaN|inf|-inf|None|null)\b")
SHORT = ["--horizon", "2026-2027", "--no-maps", "--quiet"]


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "gpec.cli", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True)


def _clean(proc, code=0) -> str:
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr
    raw = RAW.findall(proc.stdout + proc.stderr)
    assert not raw, f"raw {raw} in:\n{proc.stdout}"
    return proc.stdout


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("runs")
    out = {}
    for lang in ("en", "fr"):
        out[lang] = _clean(_cli("solve", LANDES, "--out", base / f"plan_{lang}", "--lang", lang, *SHORT))
    out["more"] = _clean(_cli("solve", LANDES, "--out", base / "more", "--budget", "departement=800000", *SHORT))
    out["infeasible"] = _clean(_cli("solve", LANDES, "--out", base / "infeasible", "--service-level", "0.999",
                                    *SHORT), code=1)
    out["infeasible_fr"] = _clean(_cli("solve", LANDES, "--out", base / "infeasible_fr", "--service-level", "0.999",
                                       "--lang", "fr", *SHORT), code=1)
    return base, out


def test_solve_opens_with_the_paragraph_in_each_language(runs):
    _, out = runs
    assert out["en"].splitlines()[1].startswith("The plan is proven optimal")
    assert out["fr"].splitlines()[1].startswith("Le plan est optimal (prouvé)")
    assert "Besoin non couvert" in out["fr"]  # console tables in French too


def test_an_infeasible_run_says_first_what_cannot_be_reached_and_why(runs):
    _, out = runs
    first = out["infeasible"].splitlines()[1]
    assert first.startswith("A service level of 99.9% cannot be reached; what limits it:"), first
    first = out["infeasible_fr"].splitlines()[1]
    assert first.startswith("Un taux de couverture du besoin de 99,9"), first


@pytest.mark.parametrize("folder,lang,start", [("plan_en", "en", "The plan is proven optimal"),
                                                ("plan_en", "fr", "Le plan est optimal"),
                                                ("infeasible", "en", "A service level of 99.9% cannot be reached"),
                                                ("infeasible", "fr", "Un taux de couverture du besoin de 99,9")])
def test_explain_opens_with_the_paragraph(runs, folder, lang, start):
    base, _ = runs
    text = _clean(_cli("explain", base / folder, "--lang", lang))
    assert text.splitlines()[1].startswith(start), text


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_compare_prints_no_raw_values(runs, tmp_path, lang):
    base, _ = runs
    text = _clean(_cli("compare", base / "plan_en", base / "more", "--out", tmp_path / "cmp", "--lang", lang))
    assert "2026" in text and (tmp_path / "cmp" / "totals.csv").is_file()
    assert ("Comparaison" in text) == (lang == "fr")


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_groups_prints_no_raw_values(tmp_path, lang):
    text = _clean(_cli("groups", LANDES, "--post", "night_nurse", "--max-minutes", "30", "--time-limit", "5",
                       "--no-maps", "--quiet", "--out", tmp_path / "groups", "--lang", lang))
    assert ("postes" in text) == (lang == "fr")


def test_the_api_reads_back_what_it_wrote(runs):
    import gpec

    base, _ = runs
    for folder in ("plan_en", "plan_fr", "more", "infeasible"):
        assert gpec.load_result(base / folder).instance == "landes"


def test_the_french_run_writes_a_french_report_and_workbook(runs):
    base, _ = runs
    report = (base / "plan_fr" / "report.md").read_text(encoding="utf-8")
    assert report.startswith("# Résultats gpec") and "Besoin non couvert" in report
    book = load_workbook(base / "plan_fr" / "results.xlsx", read_only=True)
    assert any("Synthèse" in name or "Résumé" in name for name in book.sheetnames), book.sheetnames
    english = (base / "plan_en" / "report.md").read_text(encoding="utf-8")
    assert english.startswith("# gpec results") and not RAW.search(report + english)
