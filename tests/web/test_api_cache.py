"""The cache folder of ``gpec serve``: a restarted server answers a scenario solved before without solving."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from gpec.web import create_app

from tests.web.conftest import BASE_URL, HANG_S, settled, wait


def test_a_restarted_server_answers_from_the_cache_folder(tiny, tmp_path):
    body = {"instance": "tiny", "budgets": {"departement": 2500}}
    app = create_app({"tiny": tiny.folder}, cache_dir=tmp_path, persist=True)
    with TestClient(app, base_url=BASE_URL) as client:
        key = client.post("/api/solve", json=body).json()["hash"]
        first = wait(client, key, settled)
        assert first["state"] == "done"
        written = app.app.state.server.cache.run_folder("tiny", key, "fr") / "result.json"
        began = time.monotonic()
        while not written.is_file():  # written in the background once priced
            assert time.monotonic() - began < HANG_S, "the cache folder was never written"
            time.sleep(0.05)
    again = create_app({"tiny": tiny.folder}, cache_dir=tmp_path, persist=True)
    with TestClient(again, base_url=BASE_URL) as client:
        answer = client.post("/api/solve", json=body)
        assert answer.status_code == 200 and answer.json()["hash"] == key
        assert answer.json()["objective"] == pytest.approx(first["objective"], rel=1e-9)
        assert answer.json()["prices"] == first["prices"]
        assert again.app.state.server.jobs.solves == 0
        other = client.post("/api/solve", json={**body, "budgets": {"departement": 2600}})
        assert other.status_code == 202 and other.json()["hash"] != key
