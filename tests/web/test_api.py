"""The API of ``gpec serve`` through FastAPI's test client: real worker processes, real HiGHS solves.

One server for the module (:func:`tests.web.conftest.served`); the solves are the Landes over two
years (about a second each) and the tiny hand-made instance, and a full-horizon Landes solve that is
cancelled or killed once it runs.
"""

from __future__ import annotations

import io
import json
import math
import os
import signal
import zipfile

import openpyxl
import pytest

from gpec.comparison import compare
from gpec.i18n import t
from gpec.instance import load_instance
from gpec.lever_names import LEVERS
from gpec.outputs import load_result
from gpec.web.app import STATIC
from gpec.web.jobs import MAX_QUEUE

from tests.conftest import LANDES
from tests.web.conftest import SHORT, settled, wait

LIVE = "/api/instances"


def solve(client, body: dict, status: int | tuple = (200, 202)) -> dict:
    response = client.post("/api/solve", json=body)
    statuses = status if isinstance(status, tuple) else (status,)
    assert response.status_code in statuses, response.text
    return response.json()


def short(budget: float, **more) -> dict:
    """A two-year what-if on the Landes with the Département's envelope at ``budget``."""
    return {"instance": "landes", "horizon": SHORT, "budgets": {"departement": budget}, **more}


@pytest.fixture(scope="module")
def done(served):
    """Two finished two-year what-ifs on the Landes, the first with its shadow prices (the second is posted
    once they are in: a what-if that waits stops the shadow prices of the one before): hashes of 600 k and
    900 k EUR a year."""
    client, _ = served
    first = solve(client, short(600_000))["hash"]
    assert wait(client, first, settled)["state"] == "done"
    second = solve(client, short(900_000))["hash"]
    assert wait(client, second)["state"] == "done"
    return [first, second]


# -- what the page reads -----------------------------------------------------------------------
def test_instances_are_listed_by_name_with_their_controls_never_a_path(served):
    client, _ = served
    answer = client.get("/api/instances")
    assert answer.status_code == 200
    instances = {i["name"]: i for i in answer.json()}
    assert list(instances) == ["landes", "tiny"]
    assert str(LANDES.resolve()) not in answer.text and "instances/landes" not in answer.text
    landes = instances["landes"]
    assert landes["horizon"] == [2026, 2035] and landes["base_year"] == 2023
    kinds = {f["code"]: f["kind"] for f in landes["funders"]}
    assert kinds == {"cd40": "departement", "cr75": "region", "ars75": "ars"}
    envelopes = {(f["code"], int(year)): eur for f in landes["funders"] for year, eur in f["budget"].items()}
    assert envelopes == {key: float(eur) for key, eur in load_instance(LANDES).budget().items()}  # budget.csv
    assert [lv["name"] for lv in landes["levers"]] == list(LEVERS)
    assert landes["levers"][0]["label_fr"] == t("lever.training", "fr")
    effect = next(p for p in landes["parameters"] if p["name"] == "eff_qvct_exit")
    assert effect["value"] == 0.1 and effect["source"] == "P7" and effect["lever"] == "qvct"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_labels_come_from_the_translation_table(served, lang):
    client, _ = served
    labels = client.get(f"/api/labels?lang={lang}").json()
    assert labels["status.optimal"] == t("status.optimal", lang)
    assert client.get("/api/labels?lang=de").status_code == 422


def test_the_map_has_a_path_per_bassin_and_a_point_per_establishment(served):
    client, server = served
    landes = server.instances["landes"]
    answer = client.get("/api/instances/landes/map").json()
    assert sorted(b["code"] for b in answer["bassins"]) == sorted(landes.bassins["bassin"].astype(str))
    assert all(b["d"].startswith("M") and b["d"].endswith("Z") for b in answer["bassins"])
    assert len(answer["structures"]) == len(landes.table("structures.csv"))
    x, y, w, h = map(float, answer["viewBox"].split())
    assert all(x <= s["x"] <= x + w and y <= s["y"] <= y + h for s in answer["structures"])
    tiny = client.get("/api/instances/tiny/map").json()  # no polygons: no bassins, still a view
    assert tiny["bassins"] == [] and len(tiny["viewBox"].split()) == 4
    assert client.get("/api/instances/nowhere/map").status_code == 404


def test_the_page_is_served_when_installed(served):
    client, _ = served
    answer = client.get("/")
    if (STATIC / "index.html").is_file():
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    else:
        assert answer.status_code == 503 and "index.html" in answer.json()["detail"]


# -- bad requests: 4xx with a message, and the server goes on ------------------------------------
BAD_BODIES = [  # (body, loc after "body": the field, then the record within it, phrase)
    ({"parameters": {"retire_rate[as]": 2}}, ["parameters", "retire_rate[as]"], "2 is outside the domain of retire_rate[as]"),
    ({"parameters": {"retire_rat": 0.1}}, ["parameters", "retire_rat"], "did you mean retire_rate?"),
    ({"parameters": {"retire_rate[zz]": 0.1}}, ["parameters", "retire_rate[zz]"], "no record retire_rate[zz]"),
    ({"parameters": {"retire rate": 0.1}}, ["parameters", "retire rate"], "is not NAME or NAME[KEY]"),
    ({"budgets": {"cd40": -1}}, ["budgets", "cd40"], "budgets cd40: -1 is not an envelope"),
    ({"budgets": {"cd40": 1e308}}, ["budgets", "cd40"], "1e+308 is not an envelope"),
    ({"budgets": {"cd40": {"2027": -5}}}, ["budgets", "cd40", "2027"], "budgets cd40:2027: -5 is not an envelope"),
    ({"budgets": {"foo": 1}}, ["budgets", "foo"], "unknown funder 'foo'"),
    ({"budgets": {"departement": {"2050": 1}}}, ["budgets", "departement", "2050"], "departement:2050: 2050 is outside"),
    ({"levers_off": ["magic"]}, ["levers_off"], "unknown lever 'magic'"),
    ({"horizon": [2020, 2050]}, ["horizon"], "outside the instance data"),
    ({"horizon": [2030, 2027]}, ["horizon"], "the first year is after the last"),
    ({"service_level": 1.5}, ["service_level"], "service_level 1.5: a share of need in [0, 1]"),
]


@pytest.mark.parametrize("body, loc, phrase", BAD_BODIES)
def test_each_bad_field_gets_its_422_phrase(served, body, loc, phrase):
    client, _ = served
    answer = client.post("/api/solve", json={"instance": "landes", **body})
    assert answer.status_code == 422, answer.text
    (error,) = answer.json()["detail"]
    assert error["loc"] == ["body", *loc] and phrase in error["msg"], error
    assert str(LANDES.resolve()) not in answer.text
    assert client.get(LIVE).status_code == 200


@pytest.mark.parametrize("content, kind", [
    ('{"instance": "landes", "budgets": {"cd40": NaN}}', "gpec"),
    ('{"instance": "landes", "colour": "blue"}', "extra_forbidden"),
    ('{"instance": "landes", "budgets": "lots"}', "dict_type"),
    ('{"instance": "landes", "horizon": 2026}', "tuple_type"),
    ('{"budgets": {}}', "missing"),
    ('{"instance": "landes", ', "json_invalid"),
    ('{"instance": "../../etc"}', "string_pattern_mismatch"),
])
def test_malformed_bodies_are_422(served, content, kind):
    client, _ = served
    answer = client.post("/api/solve", content=content, headers={"content-type": "application/json"})
    assert answer.status_code == 422
    assert kind in {error["type"] for error in answer.json()["detail"]}, answer.text
    assert client.get(LIVE).status_code == 200


@pytest.mark.parametrize("path", [
    "/api/instances/..%2F..%2Fetc/map", "/api/instances/%2e%2e/map", "/api/results/..%2Fx",
    "/api/results/%2e%2e%2f%2e%2e", "/api/results/0123456789abcdef/..%2F..%2Fresult.json",
    "/api/results/0123456789abcdef/result.json", "/api/results/0123456789abcdef/report.md",
    "/static/..%2F..%2Fapp.py", "/static/%2e%2e/app.py", "/api/compare?a=../x&b=0123456789abcdef",
    "/api/scenarios?instance=../../etc",
])
def test_path_traversal_is_refused(served, path):
    client, _ = served
    answer = client.get(path)
    assert 400 <= answer.status_code < 500 and "detail" in answer.json()
    assert client.get(LIVE).status_code == 200


def test_unknown_instance_and_hash_are_404(served):
    client, _ = served
    answer = client.post("/api/solve", json={"instance": "nowhere"})
    assert answer.status_code == 404 and "unknown instance 'nowhere' (instances: landes, tiny)" in answer.text
    assert client.get("/api/results/0123456789abcdef").status_code == 404
    assert client.delete("/api/solve/0123456789abcdef").status_code == 404


def test_a_foreign_host_is_refused(served):
    client, _ = served
    answer = client.get(LIVE, headers={"host": "evil.example"})
    assert answer.status_code == 400 and "bad Host header 'evil.example'" in answer.json()["detail"]
    assert client.get(LIVE, headers={"host": "localhost:8000"}).status_code == 200
    assert client.get(LIVE).status_code == 200


def test_an_open_server_takes_any_host(tiny, tmp_path):
    from fastapi.testclient import TestClient

    from gpec.web import create_app

    app = create_app({"tiny": tiny.folder}, host="0.0.0.0", cache_dir=tmp_path)
    client = TestClient(app, base_url="http://planner.example")  # no lifespan: no worker is started
    assert client.get("/api/labels").status_code == 200


def test_bodies_over_64_kb_are_413(served):
    client, _ = served
    big = json.dumps({"instance": "landes", "budgets": {"cd40": 1}, "pad": "x" * 1_000_000})
    answer = client.post("/api/solve", content=big, headers={"content-type": "application/json"})
    assert answer.status_code == 413 and "64 KB" in answer.json()["detail"]
    chunked = client.post("/api/solve", content=(b"x" * 8192 for _ in range(20)),
                          headers={"content-type": "application/json"})  # no Content-Length: counted
    assert chunked.status_code == 413
    assert client.get(LIVE).status_code == 200


def test_invalid_body_of_a_saved_scenario_and_a_comparison(served):
    client, _ = served
    assert client.post("/api/scenarios", json={"name": "x", "hash": "../x"}).status_code == 422
    assert client.post("/api/scenarios", json={"name": "x", "hash": "0123456789abcdef"}).status_code == 404
    assert client.get("/api/compare?a=0123456789abcdef&b=0123456789abcdef").status_code == 404


# -- solving ---------------------------------------------------------------------------------
def test_a_what_if_is_solved_then_priced_and_the_same_scenario_answers_from_the_cache(served, done):
    client, server = served
    key = done[0]
    answer = wait(client, key, settled)
    assert answer["status"] == "optimal" and answer["gap"] <= 1e-3 and not answer["interrupted"]
    assert answer["scenario"]["budgets"] == {"cd40": 600_000} and answer["scenario"]["horizon"] == SHORT
    assert answer["progress"]["stage"] and answer["progress"]["seconds"] > 0
    totals = answer["totals"]
    assert totals["spend_by_funder"]["cd40"] <= 2 * 600_000 + 1e-6
    assert math.isclose(sum(row["unmet_fte"] for row in answer["by_bassin"]), totals["unmet_fte"], rel_tol=1e-9)
    assert [row["year"] for row in answer["by_year"]][:2] == SHORT
    assert answer["explain"]["fr"].startswith("Le plan est optimal")
    assert answer["prices"] == "done"
    budgets = [p for p in answer["shadow_prices"] if p["family"] == "budget" and p["method"] == "mip_marginal"]
    assert {p["funder"] for p in budgets} == {"cd40", "cr75", "ars75"}
    solves = server.jobs.solves
    again = client.post("/api/solve", json=short(600_000))
    assert again.status_code == 200 and again.json()["hash"] == key and again.json()["state"] == "done"
    by_code = client.post("/api/solve", json={**short(600_000), "budgets": {"cd40": 600_000}})
    assert by_code.status_code == 200 and by_code.json()["hash"] == key
    assert server.jobs.solves == solves  # no new solve


def test_two_instances_solve_side_by_side(served):
    client, _ = served
    a = solve(client, short(700_000))
    b = solve(client, {"instance": "tiny", "budgets": {"region": 5000}})
    for key in (a["hash"], b["hash"]):
        assert wait(client, key)["state"] == "done"
    assert wait(client, b["hash"])["status"] == "optimal"


def test_one_solve_at_a_time_per_instance_queue_and_cancel(served):
    client, _ = served
    long = solve(client, {"instance": "landes", "budgets": {"cd40": 2_000_000}}, 202)  # the whole horizon
    wait(client, long["hash"], lambda a: a["state"] == "running")
    queued = solve(client, short(650_000), 202)
    dropped = solve(client, short(660_000), 202)
    assert (queued["state"], queued["position"], dropped["state"], dropped["position"]) == ("queued", 1, "queued", 2)
    more = [solve(client, short(661_000 + i), 202) for i in range(MAX_QUEUE - 2)]
    full = client.post("/api/solve", json=short(670_000))
    assert full.status_code == 429 and "try again" in full.json()["detail"]
    for job in [dropped, *more]:
        assert client.delete(f"/api/solve/{job['hash']}").json()["state"] == "cancelled"
    waiting = client.get(f"/api/results/{queued['hash']}").json()  # still behind the long solve
    assert (waiting["state"], waiting["position"]) == ("queued", 1)
    wait(client, long["hash"], lambda a: a["progress"] is not None and a["progress"]["incumbent"] is not None)
    assert client.delete(f"/api/solve/{long['hash']}").status_code == 200
    stopped = wait(client, long["hash"])
    assert stopped["state"] == "cancelled" and stopped["interrupted"]
    assert stopped["status"] in ("optimal", "feasible") and stopped["objective"] is not None  # its incumbent
    assert wait(client, queued["hash"])["state"] == "done"
    assert wait(client, dropped["hash"])["state"] == "cancelled"
    again = solve(client, {"instance": "landes", "budgets": {"cd40": 2_000_000}})  # not the scenario's answer
    assert again["state"] in ("queued", "running")
    client.delete(f"/api/solve/{again['hash']}")
    wait(client, again["hash"])


def test_a_killed_worker_fails_its_what_if_and_the_next_one_is_solved(served):
    client, server = served
    running = solve(client, {"instance": "landes", "budgets": {"cd40": 1_500_000}})
    wait(client, running["hash"], lambda a: a["state"] == "running")
    worker = server.jobs.workers["landes"]
    os.kill(worker.pid, signal.SIGKILL)
    failed = wait(client, running["hash"])
    assert failed["state"] == "error" and failed["error"] == "worker died (exit code -9)"
    after = solve(client, short(550_000))
    assert wait(client, after["hash"])["state"] == "done"


# -- what comes out of a result ------------------------------------------------------------------
def test_downloads_are_the_files_gpec_solve_writes(served, done):
    client, _ = served
    key = done[0]
    wait(client, key, settled)
    xlsx = client.get(f"/api/results/{key}/results.xlsx")
    assert xlsx.status_code == 200
    sheets = openpyxl.load_workbook(io.BytesIO(xlsx.content), read_only=True).sheetnames
    assert t("sheet.summary", "fr") in sheets
    english = openpyxl.load_workbook(io.BytesIO(client.get(f"/api/results/{key}/results.xlsx?lang=en").content),
                                     read_only=True).sheetnames
    assert t("sheet.summary", "en") in english
    names = zipfile.ZipFile(io.BytesIO(client.get(f"/api/results/{key}/results.csv.zip").content)).namelist()
    assert {"decisions.csv", "unmet.csv", "spend.csv", "shadow_prices.csv"} <= set(names)
    assert "result.json" not in names
    gpkg = client.get(f"/api/results/{key}/results.gpkg")
    assert gpkg.status_code == 200 and gpkg.content.startswith(b"SQLite format 3")
    assert client.get(f"/api/results/{key}/result.json").status_code == 404
    assert client.get(f"/api/results/{key}/results.xlsx?lang=de").status_code == 422


def test_compare_is_gpec_compare_of_the_two_results(served, done):
    client, server = served
    a, b = done
    folders = [server.cache.outputs(server.job(key), "fr") for key in (a, b)]
    expected = compare(*(load_result(folder) for folder in folders), labels=(a, b))
    answer = client.get(f"/api/compare?a={a}&b={b}&lang=fr")
    assert answer.status_code == 200
    got = answer.json()
    totals = expected.summary()["totals"]  # read back from CSV files: equal to their printed digits
    assert set(got["summary"]["totals"]) == set(totals)
    for measure, row in totals.items():
        mine = got["summary"]["totals"][measure]
        assert {k: mine[k] for k in ("a", "b", "difference")} == pytest.approx(
            {k: row[k] for k in ("a", "b", "difference")}, rel=1e-9, abs=1e-6), measure
        assert mine["within_uncertainty"] == row["within_uncertainty"], measure
    assert got["headline"] and [table["title"] for table in got["tables"]] == [
        t("compare.inputs_title", "fr"), t("compare.totals_title", "fr")]
    unmet = expected.by_bassin[expected.by_bassin["measure"] == "unmet"].set_index("bassin")["difference"]
    assert {row["bassin"]: row["diff"] for row in got["by_bassin"]} == pytest.approx(unmet.to_dict())


def test_scenarios_are_saved_by_name_and_listed_by_instance(served, done):
    client, _ = served
    saved = client.post("/api/scenarios", json={"name": "  Budget  600 k ", "hash": done[0]})
    assert saved.status_code == 201 and saved.json() == {"name": "Budget 600 k", "hash": done[0], "instance": "landes"}
    client.post("/api/scenarios", json={"name": "Budget 900 k", "hash": done[1]})
    listed = client.get("/api/scenarios?instance=landes").json()
    assert {s["name"]: s["hash"] for s in listed} == {"Budget 600 k": done[0], "Budget 900 k": done[1]}
    assert client.get("/api/scenarios?instance=tiny").json() == []
