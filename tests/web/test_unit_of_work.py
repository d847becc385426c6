"""The unit of work: a SQLite lock held past the busy timeout is retried, never turned into a 500 at once."""

from __future__ import annotations

import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from sqlalchemy.exc import OperationalError
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from agora.app import create_app, starlette_app
from agora.web.endpoint import SQLITE_BUSY_RETRIES, api


def _locked() -> OperationalError:
    return OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked"))


def _client_with(app, handler) -> TestClient:
    starlette_app(app).router.routes.insert(0, Route("/api/v1/test-busy", api(handler), methods=["POST"]))
    return TestClient(app, base_url="http://testserver")


def test_a_busy_database_is_retried_then_answers(app):
    attempts = []

    def handler(ctx):
        attempts.append(1)
        if len(attempts) < 3:
            raise _locked()
        return PlainTextResponse("done")

    with _client_with(app, handler) as client:
        response = client.post("/api/v1/test-busy", json={})
    assert response.status_code == 200 and response.text == "done"
    assert len(attempts) == 3


def test_a_database_busy_for_too_long_gives_a_clear_error_after_the_retries(app):
    attempts = []

    def handler(ctx):
        attempts.append(1)
        raise _locked()

    with _client_with(app, handler) as client:
        response = client.post("/api/v1/test-busy", json={})
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    assert len(attempts) == SQLITE_BUSY_RETRIES + 1


def test_a_unit_that_committed_part_of_its_work_is_not_run_again(app):
    attempts = []

    def handler(ctx):
        attempts.append(1)
        ctx.db.commit()
        raise _locked()

    with _client_with(app, handler) as client:
        response = client.post("/api/v1/test-busy", json={})
    assert response.status_code == 500
    assert len(attempts) == 1


def _concurrency_seen(app, requests: int) -> int:
    """Sends `requests` requests at once to a handler that holds its worker thread for a while, and
    returns how many handlers ran at the same moment at most."""
    running, most = [0], [0]
    lock = threading.Lock()

    def handler(ctx):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1
        return PlainTextResponse("done")

    with _client_with(app, handler) as client, ThreadPoolExecutor(requests) as pool:
        answers = list(pool.map(lambda _i: client.post("/api/v1/test-busy", json={}), range(requests)))
    assert [answer.status_code for answer in answers] == [200] * requests
    return most[0]


def test_no_more_units_run_at_once_than_the_worker_threads_setting(settings, database):
    app = create_app(replace(settings, worker_threads=3), database)
    assert _concurrency_seen(app, 12) == 3


def test_the_worker_threads_setting_is_what_limits_the_units(settings, database):
    app = create_app(replace(settings, worker_threads=8), database)
    assert _concurrency_seen(app, 12) == 8
