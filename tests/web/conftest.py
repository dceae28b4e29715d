"""A served app for the API tests: the Landes and the tiny hand-made instance, real worker processes."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from gpec.web import create_app

from tests.conftest import LANDES

#: Where the test server says it is bound (its Host check answers to this address only).
BASE_URL = "http://127.0.0.1:8000"
#: A guard against a hung server, not a measure: polls give up after this many seconds.
HANG_S = 300.0
#: Two model years: the Landes solves in about a second.
SHORT = [2026, 2027]


@pytest.fixture(scope="module")
def served(tmp_path_factory, tiny):
    """``(client, server)``: the app of ``gpec serve`` on the Landes and ``tiny``, its workers started."""
    cache = tmp_path_factory.mktemp("serve-cache")
    app = create_app({"landes": LANDES, "tiny": tiny.folder}, cache_dir=cache, persist=False)
    with TestClient(app, base_url=BASE_URL) as client:
        yield client, app.app.state.server


def settled(answer: dict) -> bool:
    """A what-if that is over, its shadow prices included."""
    return answer["state"] not in ("queued", "running") and answer["prices"] != "pending"


def wait(client, key: str, until=lambda answer: answer["state"] not in ("queued", "running")) -> dict:
    """Poll ``GET /api/results/{key}`` until ``until(answer)``; the answer."""
    began = time.monotonic()
    while True:
        answer = client.get(f"/api/results/{key}").json()
        if until(answer):
            return answer
        if answer["state"] in ("done", "cancelled", "error") and answer["prices"] != "pending":
            pytest.fail(f"result {key} ended ({answer['state']}: {answer['message']}) before it was awaited")
        assert time.monotonic() - began < HANG_S, f"result {key} hung: {answer['state']}"
        time.sleep(0.05)
