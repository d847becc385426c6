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



def _add_route(app, path, handler, method):
    starlette_app(app).router.routes.insert(0, Route(path, api(handler), methods=[method]))


def _most_reads_at_once(app, requests: int, expected: int) -> int:
    """Sends `requests` GETs at once to a handler that holds its thread until `expected` handlers run
    together (or 2 s pass), then a little longer; returns how many ran at the same moment at most."""
    state = {"running": 0, "most": 0}
    changed = threading.Condition()

    def handler(ctx):
        with changed:
            state["running"] += 1
            state["most"] = max(state["most"], state["running"])
            changed.notify_all()
            changed.wait_for(lambda: state["running"] >= expected, timeout=2)
        time.sleep(0.1)  # room for more to start, were they allowed to
        with changed:
            state["running"] -= 1
        return PlainTextResponse("done")

    _add_route(app, "/api/v1/test-read", handler, "GET")
    with TestClient(app, base_url="http://testserver") as client, ThreadPoolExecutor(requests) as pool:
        answers = list(pool.map(lambda _i: client.get("/api/v1/test-read"), range(requests)))
    assert [answer.status_code for answer in answers] == [200] * requests
    return state["most"]


def test_no_more_reads_run_at_once_than_the_read_threads_setting(settings, database):
    assert _most_reads_at_once(create_app(replace(settings, read_threads=3), database), 12, 3) == 3


def test_the_read_threads_setting_is_what_limits_the_reads(settings, database):
    assert _most_reads_at_once(create_app(replace(settings, read_threads=8), database), 12, 8) == 8


def test_a_write_is_not_held_up_by_reads_that_wait(settings, database):
    """Reads fill every read slot and wait; a write still runs (it may itself wait on the writer lock
    or a mail server, so writes have their own threads)."""
    app = create_app(replace(settings, read_threads=2), database)
    release = threading.Event()
    reads_started = threading.Semaphore(0)

    def slow_read(ctx):
        reads_started.release()
        release.wait(timeout=10)
        return PlainTextResponse("read")

    _add_route(app, "/api/v1/test-read", slow_read, "GET")
    _add_route(app, "/api/v1/test-write", lambda ctx: PlainTextResponse("written"), "POST")
    with TestClient(app, base_url="http://testserver") as client, ThreadPoolExecutor(2) as pool:
        reads = [pool.submit(client.get, "/api/v1/test-read") for _ in range(2)]
        assert reads_started.acquire(timeout=5) and reads_started.acquire(timeout=5)
        try:
            written = client.post("/api/v1/test-write", json={})
            assert written.status_code == 200 and written.text == "written"
            assert not any(read.done() for read in reads)  # the write went by while both reads waited
        finally:
            release.set()
        assert [read.result().text for read in reads] == ["read", "read"]
