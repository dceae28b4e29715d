"""The what-if page in a real headless Chromium (Debian's package, driven by Playwright) against a real
``gpec serve`` process on the Landes, solved over a two-year horizon (2026-2027) so each what-if is quick.

What a planner does: open the page (French labels, the map of the 29 bassins), change an envelope and
solve (the busy state, then other numbers and other colours), switch to English, follow a link that
holds a scenario, see a refused value named next to its control, save two scenarios and compare them
(the difference table and map), download the workbook, queue a what-if behind another and cancel both.
One test writes ``docs/serve.png``, the page after a solve, shown in the README. The numbers the page
writes are checked against :mod:`gpec.i18n`'s formatting, and the page asks no other server (offline).

Chromium comes from ``make browser`` (``make test`` runs it, as root); without it the tests are skipped
with that reason. Waits are Playwright's (for a state of the page), with long timeouts only as a guard
against a hang: nothing here depends on the machine's speed.
"""

from __future__ import annotations

import csv
import re

import openpyxl
import pytest

from gpec.i18n import LABELS, fmt_eur, fmt_number, fmt_percent, t
from tests.conftest import LANDES, ROOT
from tests.web.browser_fixtures import chromium, serving


#: The Landes over two years: each what-if solves in a few seconds.
BASE = "/?i=landes&h=2026-2027"
#: The same with no Département envelope: more unmet need, other colours.
NO_CD40 = BASE + "&b.cd40=0"
#: The screenshot for the README.
SCREENSHOT = ROOT / "docs" / "serve.png"
#: The light grey of a bassin without a value (app.js NO_DATA).
NO_DATA = "#d9d9d9"
#: Hang guard for one solve, in milliseconds (a two-year Landes solve takes seconds).
SOLVE_TIMEOUT = 180_000


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def served(browser, tmp_path_factory):
    with serving(LANDES, tmp_path_factory.mktemp("serve")) as address:
        yield address


@pytest.fixture
def page(browser, served):
    context = browser.new_context(viewport={"width": 1400, "height": 1100}, base_url=served,
                                  accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(SOLVE_TIMEOUT)
    errors, elsewhere = [], []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("request", lambda request: None if request.url.startswith((served, "data:")) else
            elsewhere.append(request.url))
    yield page
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"
    assert elsewhere == [], f"the page asked another server (it must work offline): {elsewhere}"


def solved(page, previous: str | None = None) -> str:
    """Wait until the page shows a finished solve other than ``previous``, and its map; its hash."""
    page.wait_for_function(
        "previous => { const s = document.getElementById('state');"
        " return s.dataset.state === 'done' && s.dataset.hash && s.dataset.hash !== previous"
        " && document.querySelector('#map path[data-bassin]') !== null; }",
        arg=previous or "", timeout=SOLVE_TIMEOUT)
    return page.get_attribute("#state", "data-hash")


def fills(page, map_id: str = "map") -> dict[str, str]:
    return page.eval_on_selector_all(f"#{map_id} path[data-bassin]",
                                     "paths => Object.fromEntries(paths.map(p => [p.dataset.bassin, p.getAttribute('fill')]))")


def figure(page, name: str) -> str:
    return page.inner_text(f'[data-figure="{name}"]')


def test_every_label_the_page_uses_is_in_gpec_i18n_and_every_page_label_is_used():
    static = ROOT / "gpec" / "web" / "static"
    text = (static / "app.js").read_text(encoding="utf-8") + (static / "index.html").read_text(encoding="utf-8")
    used = set(re.findall(r"""["']((?:page|column)\.\w+)["']""", text))
    assert used - set(LABELS) == set(), "labels missing from gpec.i18n"
    assert {key for key in LABELS if key.startswith("page.")} - used == set(), "page.* labels the page does not use"


def _rows(name: str) -> list[dict]:
    with open(LANDES / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_page_opens_in_french_with_the_map_and_a_proven_plan(page):
    page.goto(BASE)
    solved(page)
    assert page.inner_text("#solve") == t("page.solve", "fr")
    assert page.inner_text("#envelopes legend") == t("page.envelopes", "fr")
    assert page.get_attribute("html", "lang") == "fr"
    assert page.inner_text("#other-lang") == "English"
    assert "lang=en" in page.get_attribute("#other-lang", "href") and "h=2026-2027" in page.get_attribute(
        "#other-lang", "href")  # the other language, the same scenario
    assert page.locator("#map path[data-bassin]").count() == len(_rows("bassins.csv"))
    assert page.locator("#map circle").count() > 0
    assert {row["bassin"] for row in _rows("bassins.csv")} == set(fills(page))
    assert set(fills(page).values()) - {NO_DATA}, "the map is not coloured"
    assert figure(page, "status") == t("status.optimal", "fr")
    assert page.inner_text("#state").startswith(t("page.proven", "fr").split("{")[0])
    assert re.fullmatch(r"\d{1,3}(\u202f\d{3})*\u00a0€", figure(page, "spend_eur")), figure(page, "spend_eur")
    assert re.fullmatch(r"\d{1,3}(\u202f\d{3})*,\d", figure(page, "unmet_horizon")), figure(page, "unmet_horizon")
    # each funder, lever and assumed effect has its control; each effect shows its source
    assert page.locator('#envelopes input[data-year=""]').count() == len(_rows("funders.csv"))
    assert page.locator("[data-lever]").count() > 0
    assert page.locator(".parameter .source").count() == page.locator("[data-parameter]").count() > 0
    assert page.locator("#chart-unmet rect").count() == 2 and page.locator("#chart-spend rect").count() == 2


def test_a_new_envelope_solves_with_a_busy_state_then_other_numbers_and_colours(page):
    page.goto(BASE)
    base = solved(page)
    unmet, colours = figure(page, "unmet_horizon"), fills(page)
    page.fill('input[data-funder="cd40"][data-year=""]', "0")
    assert "b.cd40=0" in page.evaluate("location.search")  # the scenario is in the URL as soon as it changes
    page.click("#solve")
    page.wait_for_selector("body.busy #busy", state="visible")
    assert page.is_enabled("#cancel")
    changed = solved(page, base)
    assert page.locator("#busy").is_hidden()
    assert changed != base
    assert figure(page, "unmet_horizon") != unmet
    assert fills(page) != colours  # by share of need unmet, on fixed classes
    # the shadow prices come after the answer, and with them the sentence of what binds
    page.wait_for_function("() => document.getElementById('prices-state').textContent === ''")
    assert page.locator("#shadow-table tbody tr").count() > 0
    page.set_viewport_size({"width": 1400, "height": 1600})  # the whole answer, before the hover (no resize after)
    mont_de_marsan = next(row["bassin"] for row in _rows("bassins.csv") if row["name"] == "Mont-de-Marsan")
    page.hover(f'#map path[data-bassin="{mont_de_marsan}"]')
    assert page.locator("#hover-card").is_visible()
    assert "Mont-de-Marsan" in page.inner_text("#hover-card")
    assert t("page.unmet_horizon", "fr") in page.inner_text("#hover-card")
    page.screenshot(path=str(SCREENSHOT))


def test_english_with_lang_en(page):
    page.goto(BASE + "&lang=en")
    solved(page)
    assert page.get_attribute("html", "lang") == "en"
    assert page.inner_text("#solve") == t("page.solve", "en")
    assert page.inner_text("#other-lang") == "Français"
    assert figure(page, "status") == t("status.optimal", "en")
    assert re.fullmatch(r"€\d{1,3}(,\d{3})*", figure(page, "spend_eur")), figure(page, "spend_eur")
    assert re.fullmatch(r"\d{1,3}(,\d{3})*\.\d", figure(page, "unmet_horizon")), figure(page, "unmet_horizon")
    assert "lang=en" in page.get_attribute("#dl-xlsx", "href")


def test_a_link_sets_the_controls_and_the_url_round_trips(page):
    page.goto(NO_CD40)
    assert page.input_value('input[data-funder="cd40"][data-year=""]') == "0"
    requests = [
        {"instance": "landes", "budgets": {"cd40": 600000, "cr75": {"2026": 1e6, "2027": 0}},
         "levers_off": ["vehicles", "pools"], "parameters": {"eff_qvct_exit": 0.2, "retire_rate[as]": 0.04},
         "horizon": [2026, 2030], "service_level": 0.9},
        {"instance": "landes", "budgets": {}, "levers_off": [], "parameters": {}},
    ]
    for request in requests:
        back = page.evaluate("([request]) => gpecPage.scenarioFromQuery("
                             "gpecPage.queryFromScenario(request, 'en'))", [request])
        assert back == request
    solved(page)
    assert "b.cd40=0" in page.evaluate("location.search")
    page.check('[data-per-year="cd40"]')  # an envelope per year: one field a year of the horizon
    assert page.locator('#envelopes input[data-funder="cd40"][data-year]:not([data-year=""])').count() == 2
    page.fill('input[data-funder="cd40"][data-year="2027"]', "250000")
    assert "b.cd40.2027=250000" in page.evaluate("location.search")
    assert "b.cd40=0" not in page.evaluate("location.search")


def test_a_refused_value_is_shown_next_to_its_control_and_the_page_goes_on(page):
    page.goto(BASE)
    base = solved(page)
    page.fill("#service-level", "1.5")
    page.click("#solve")
    error = page.wait_for_selector('[data-field="service_level"] .field-error')
    assert "1.5" in error.inner_text() and "service_level" in error.inner_text()
    assert page.get_attribute("#state", "data-state") == "error"
    page.fill("#service-level", "")
    page.click("#solve")  # the same scenario as before: answered from the cache
    assert solved(page) == base
    assert page.locator(".field-error").count() == 0


def test_page_numbers_are_formatted_as_gpec_i18n_formats_them(page):
    page.goto(BASE)
    values = [0, 1, -1, 7.25, 0.5, 2.5, 999.5, 1234, -1234.56, 1234567.5, 0.4, -0.4, 0.125, 0.00087, 2.675, 1e9,
              None, "NaN", "Infinity", "-Infinity"]
    for lang in ("fr", "en"):
        got = page.evaluate(
            """([lang, values]) => { const f = gpecPage.formatter(lang);
                 return values.map(v => { const x = v === null ? null : Number(v);
                   return [0, 1, 2].map(d => [f.number(x, d), f.eur(x, d), f.percent(x, d)]); }); }""",
            [lang, values])
        for value, per_decimals in zip(values, got):
            x = None if value is None else float(value)
            want = [[fmt_number(x, lang, d), fmt_eur(x, lang, d), fmt_percent(x, lang, d)] for d in (0, 1, 2)]
            assert per_decimals == want, (lang, value)


def test_save_two_scenarios_and_compare_them(page):
    page.goto(BASE)
    base = solved(page)
    for url, name in ((BASE, "Base"), (NO_CD40, "Sans le Département")):
        if url != BASE:
            page.goto(url)
            solved(page)
        page.fill("#save-name", name)
        page.click("#save")
        page.wait_for_function("name => document.getElementById('save-state').textContent.includes(name)", arg=name)
    assert page.locator("#compare-a option").count() >= 2
    page.select_option("#compare-a", base)
    page.select_option("#compare-b", page.get_attribute("#state", "data-hash"))
    page.click("#compare")
    page.wait_for_selector("#comparison:not([hidden])")
    assert page.inner_text("#compare-headline").strip()
    assert page.locator("#compare-tables tbody tr").count() > 0
    diff = page.eval_on_selector_all("#compare-map path[data-bassin]", "ps => ps.map(p => Number(p.dataset.value))")
    assert len(diff) == len(_rows("bassins.csv"))
    assert any(value > 0 for value in diff), "no bassin has more unmet need without the Département's envelope"
    assert len(set(fills(page, "compare-map").values())) > 1


def test_download_the_workbook(page, tmp_path):
    page.goto(BASE)
    solved(page)
    with page.expect_download() as download:
        page.click("#dl-xlsx")
    path = tmp_path / "results.xlsx"
    download.value.save_as(path)
    workbook = openpyxl.load_workbook(path, read_only=True)
    assert t("sheet.summary", "fr") in workbook.sheetnames


def test_a_second_what_if_waits_in_the_queue_and_both_cancel(page):
    """Last: the ten-year default scenario runs, a second what-if waits behind it; both are cancelled
    (the worker may restart after that)."""
    page.goto("/?i=landes")
    page.wait_for_selector('#state[data-state="running"]')
    assert page.is_visible("#busy")
    other = page.context.new_page()
    other.set_default_timeout(SOLVE_TIMEOUT)
    other.goto("/?i=landes&h=2026-2029")
    other.wait_for_selector('#state[data-state="queued"]')
    assert other.inner_text("#state") == t("page.queued", "fr").format(position="1")
    other.click("#cancel")
    other.wait_for_selector('#state[data-state="cancelled"]')
    assert other.inner_text("#state") == t("page.cancelled", "fr")
    page.click("#cancel")
    page.wait_for_selector('#state[data-state="cancelled"]')
    assert page.locator("#busy").is_hidden() and page.is_disabled("#cancel")
    said = page.inner_text("#state")
    assert said in (t("page.cancelled", "fr"), t("page.interrupted", "fr").format(gap=figure(page, "gap"))), said
