"""The cost of one rate-limit check, in memory and in Redis (not a scenario of run.py: in-process).

    AGORA_BENCH_REDIS_URL=redis://127.0.0.1:6379/<n> .venv/bin/python bench/ratelimit_cost.py

CPU per call from `time.thread_time`, wall from `perf_counter`; the keys are removed afterwards.
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import redis

from agora.web import ratelimit_redis
from agora.web.ratelimit import Limit, Limiter
from agora.web.ratelimit_redis import RedisLimiter

CALLS = 3000
NEVER_FULL = Limit(10**9, 900)


def measure(limiter: Limiter, operation: str) -> tuple[float, float]:
    check = getattr(limiter, operation)
    check("bad_token", "address:203.0.113.1", NEVER_FULL)  # connect first
    cpu, wall = time.thread_time(), time.perf_counter()
    for n in range(CALLS):
        check("bad_token", f"address:203.0.113.{n % 200}", NEVER_FULL)
    return (time.thread_time() - cpu) / CALLS, (time.perf_counter() - wall) / CALLS


def main() -> None:
    url = os.environ.get("AGORA_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    ratelimit_redis.KEY_PREFIX = f"agora:bench-ratelimit:{uuid.uuid4().hex}:"
    for name, limiter in (("memory", Limiter()), ("redis", RedisLimiter(url))):
        for operation in ("full", "allow"):
            cpu, wall = measure(limiter, operation)
            print(f"{name:6} {operation:5}: {cpu * 1e6:6.1f} µs CPU, {wall * 1e6:6.1f} µs wall per call")
        limiter.close()
    client = redis.Redis.from_url(url)
    stale = list(client.scan_iter(match=ratelimit_redis.KEY_PREFIX + "*"))
    if stale:
        client.delete(*stale)


if __name__ == "__main__":
    main()
