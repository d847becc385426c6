"""Rate limits shared by several server processes through Redis (AGORA_REDIS_URL), the same sliding
window as in memory, and the fallback to memory counts when Redis does not answer.

Uses the Redis of AGORA_REDIS_URL (default redis://127.0.0.1:6379/0) under a key prefix of its own,
removed afterwards. Never skipped: a missing Redis fails, as in tests/realtime.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
import uuid
from collections.abc import Iterator

import pytest
import redis
from starlette.testclient import TestClient

from agora.app import create_app, starlette_app
from agora.web import ratelimit, ratelimit_redis
from agora.web.ratelimit import Limit, Limiter
from agora.web.ratelimit_redis import RedisLimiter

UNREACHABLE = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def redis_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """AGORA_REDIS_URL, with the limiters' keys under a prefix of this test (deleted at the end)."""
    url = os.environ.get("AGORA_REDIS_URL") or "redis://127.0.0.1:6379/0"
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.fail(f"Redis does not answer at {url} ({error}): start one on 127.0.0.1:6379 or set "
                    "AGORA_REDIS_URL.", pytrace=False)
    prefix = f"agora:test-ratelimit:{uuid.uuid4().hex}:"
    monkeypatch.setattr(ratelimit_redis, "KEY_PREFIX", prefix)
    yield url
    stale = list(client.scan_iter(match=f"{prefix}*"))
    if stale:
        client.delete(*stale)
    client.close()


def _two_apps(settings, database, redis_url: str | None) -> list:
    """Two applications, each with the limiter `create_app` makes of `redis_url` (the rest without Redis:
    the live updates' Redis client would outlive each test client's event loop)."""
    apps = [create_app(settings, database) for _ in range(2)]
    for app in apps:
        starlette_app(app).state.limiter = ratelimit.make_limiter(redis_url)
    return apps


def test_create_app_shares_the_counts_when_redis_is_configured(settings, database, redis_url):
    with_redis = create_app(dataclasses.replace(settings, redis_url=redis_url), database)
    assert type(starlette_app(with_redis).state.limiter) is RedisLimiter
    assert type(starlette_app(create_app(settings, database)).state.limiter) is Limiter


def _guess_links_alternately(apps: list, count: int) -> list[int]:
    """`count` unknown invitation links, asked of the two applications in turn (same client address)."""
    answers = []
    with TestClient(apps[0], base_url="http://testserver") as first, \
            TestClient(apps[1], base_url="http://testserver") as second:
        for n in range(count):
            answers.append((first, second)[n % 2].get(f"/invitation/guess{n}").status_code)
    return answers


def test_two_processes_sharing_redis_refuse_at_the_limit_not_at_twice_the_limit(settings, database, redis_url,
                                                                               monkeypatch, caplog):
    monkeypatch.setitem(ratelimit.LIMITS, "bad_link", Limit(1, 900))  # per client address: 5
    caplog.set_level(logging.WARNING, "agora.ratelimit")
    apps = _two_apps(settings, database, redis_url)
    limiters = [starlette_app(app).state.limiter for app in apps]
    assert all(isinstance(limiter, RedisLimiter) for limiter in limiters) and limiters[0] is not limiters[1]
    assert _guess_links_alternately(apps, 7) == [404] * 5 + [429, 429]
    refusals = [r for r in caplog.records if "bad_link refused" in r.getMessage()]
    assert len(refusals) == 2


def test_without_redis_each_process_counts_alone(settings, database, monkeypatch):
    """The memory path still limits (per process): the two applications let 2 × 5 through, then refuse."""
    monkeypatch.setitem(ratelimit.LIMITS, "bad_link", Limit(1, 900))
    apps = _two_apps(settings, database, None)
    assert all(type(starlette_app(app).state.limiter) is Limiter for app in apps)
    assert _guess_links_alternately(apps, 12) == [404] * 10 + [429, 429]


def test_posting_is_counted_once_across_processes(settings, database, redis_url, monkeypatch):
    from tests.conftest import csrf_of, sign_in
    from tests.deliberation_support import make_space, make_thread, people

    monkeypatch.setitem(ratelimit.LIMITS, "post", Limit(1, 300))  # per client address: 5
    office = people(database, [], [], [])
    make_space(database)
    thread_id = make_thread(database, office[0])
    apps = _two_apps(settings, database, redis_url)
    answers = []
    for n, member in enumerate(office):
        with TestClient(apps[n % 2], base_url="http://testserver") as browser:
            sign_in(browser, member.email)
            for reply in range(2):
                form = {"body": f"Réponse {reply}", "csrf_token": csrf_of(browser, "/forums")}
                answers.append(browser.post(f"/forums/threads/{thread_id}/reply", data=form,
                                            follow_redirects=False).status_code)
    assert answers.count(429) == 1 and answers[-1] == 429, answers


def test_concurrent_events_never_overshoot_the_shared_limit(redis_url):
    """Two limiters (two processes' worth), 8 threads each, 112 attempts: exactly the limit is counted."""
    limiters = [RedisLimiter(redis_url), RedisLimiter(redis_url)]
    limit = Limit(17, 60)
    counted = []
    lock = threading.Lock()

    def hammer(limiter: RedisLimiter) -> None:
        for _ in range(7):
            answer = limiter.allow("post", "address:203.0.113.9", limit)
            with lock:
                counted.append(answer)

    threads = [threading.Thread(target=hammer, args=(limiters[n % 2],)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert counted.count(True) == 17 and len(counted) == 16 * 7
    assert limiters[1].full("post", "address:203.0.113.9", limit)
    for limiter in limiters:
        limiter.close()


@pytest.mark.parametrize("backend", ["memory", "redis"])
def test_the_same_sliding_window_in_memory_and_in_redis(backend, redis_url):
    limiter = Limiter() if backend == "memory" else RedisLimiter(redis_url)
    limit = Limit(2, 10)
    key = "account:someone"
    at = 1_000_000.0
    assert [limiter.allow("token_create", key, limit, now=at + t) for t in (0, 1, 2)] == [True, True, False]
    assert limiter.full("token_create", key, limit, now=at + 9.5)
    assert not limiter.full("token_create", key, limit, now=at + 10)  # the first event left the window
    assert limiter.allow("token_create", key, limit, now=at + 10)
    assert not limiter.allow("token_create", key, limit, now=at + 10.5)  # 1 and 10 are inside
    assert limiter.allow("token_create", key, limit, now=at + 11)
    assert not limiter.full("token_create", "account:someone else", limit, now=at + 11)
    limiter.close()


def test_an_unreachable_redis_falls_back_to_memory_counts_with_one_warning(caplog):
    caplog.set_level(logging.WARNING, "agora.ratelimit")
    limiter = RedisLimiter(UNREACHABLE)
    limit = Limit(3, 60)
    answers = [limiter.allow("bad_token", "address:198.51.100.7", limit) for _ in range(5)]
    assert answers == [True, True, True, False, False]  # still limited, in this process's memory
    assert limiter.full("bad_token", "address:198.51.100.7", limit)
    warnings = [r for r in caplog.records if "Redis unreachable" in r.getMessage()]
    assert len(warnings) == 1  # not once per request: Redis is tried again after RETRY_SECONDS
    assert sum("bad_token refused" in r.getMessage() for r in caplog.records) == 2


def test_an_unreachable_redis_does_not_lock_members_out(settings, database, caplog):
    """Fail open to per-process counts: a Redis outage on a vote day does not refuse the API."""
    from tests.consultations.support import caller

    caplog.set_level(logging.WARNING, "agora.ratelimit")
    real = caller(database)
    app = create_app(settings, database)
    starlette_app(app).state.limiter = RedisLimiter(UNREACHABLE)  # what create_app makes of that URL
    with TestClient(app, base_url="http://testserver") as browser:
        assert browser.get("/api/v1/me", headers=real.headers).status_code == 200
    assert any("Redis unreachable" in r.getMessage() for r in caplog.records)
