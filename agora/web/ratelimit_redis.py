"""Rate-limit counts shared by every server process through Redis (when AGORA_REDIS_URL is set).

The same sliding window as the in-memory limiter (`agora.web.ratelimit.Limiter`), kept in one sorted set
per (kind, key): one member per counted event, scored by Redis's own clock (TIME), so that processes on
different machines agree. A Lua script trims the window, counts and adds in one atomic step: two
processes cannot both take the last place.

When Redis does not answer, the limiter falls back to counting in this process's memory (the limit
then holds per process, as without Redis) and logs a warning; it tries Redis again after
`RETRY_SECONDS`. It does not refuse everyone: on a vote day a Redis outage must not lock members out
of the API or of the forums (see docs/architecture.md, "Rate limits").
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import uuid
from typing import Any

import redis

from agora.web.ratelimit import Limit, Limiter, log_refusal

log = logging.getLogger("agora.ratelimit")

KEY_PREFIX = "agora:ratelimit:"
TIMEOUT_SECONDS = 0.5  # a Redis that hangs costs a request at most this much before the fallback
RETRY_SECONDS = 30.0  # after a failure, count in memory for this long before trying Redis again

# KEYS[1]: the window; ARGV: count, seconds, member, now ("" for Redis's clock). 1 = counted, 0 = refused.
_ALLOW = """
local now = tonumber(ARGV[4])
if not now then local t = redis.call('TIME'); now = tonumber(t[1]) + tonumber(t[2]) / 1000000 end
local seconds = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.6f', now - seconds))
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], string.format('%.6f', now), ARGV[3])
redis.call('EXPIRE', KEYS[1], math.ceil(seconds) + 1)
return 1
"""

# KEYS[1]: the window; ARGV: count, seconds, now. 1 = full (the next event would be refused).
_FULL = """
local now = tonumber(ARGV[3])
if not now then local t = redis.call('TIME'); now = tonumber(t[1]) + tonumber(t[2]) / 1000000 end
local inside = redis.call('ZCOUNT', KEYS[1], '(' .. string.format('%.6f', now - tonumber(ARGV[2])), '+inf')
if inside >= tonumber(ARGV[1]) then return 1 end
return 0
"""


class RedisLimiter(Limiter):
    """`Limiter` with its counts in Redis; the inherited in-memory counts are the fallback."""

    def __init__(self, url: str, *, prefix: str | None = None) -> None:
        super().__init__()
        self._redis = redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT_SECONDS,
                                           socket_timeout=TIMEOUT_SECONDS)
        self._allow = self._redis.register_script(_ALLOW)
        self._full = self._redis.register_script(_FULL)
        self._prefix = KEY_PREFIX if prefix is None else prefix
        self._down_until = 0.0
        self._down_lock = threading.Lock()

    def allow(self, kind: str, key: str, limit: Limit, *, now: float | None = None) -> bool:
        args = [limit.count, limit.seconds, uuid.uuid4().hex, "" if now is None else repr(now)]
        answer = self._call(self._allow, self._key(kind, key), args)
        if answer is None:
            return super().allow(kind, key, limit, now=now)
        if not answer:
            log_refusal(kind, key, limit)
        return bool(answer)

    def full(self, kind: str, key: str, limit: Limit, *, now: float | None = None) -> bool:
        answer = self._call(self._full, self._key(kind, key), [limit.count, limit.seconds,
                                                               "" if now is None else repr(now)])
        if answer is None:
            return super().full(kind, key, limit, now=now)
        return bool(answer)

    def close(self) -> None:
        self._redis.close()

    def _key(self, kind: str, key: str) -> str:
        scope, _sep, value = key.partition(":")
        return f"{self._prefix}{kind}:{scope}:{hashlib.sha256(value.encode()).hexdigest()[:32]}"

    def _call(self, script: Any, key: str, args: list[Any]) -> int | None:
        """The script's answer, or None when Redis is (recently) unreachable: count in memory then."""
        if time.monotonic() < self._down_until:
            return None
        try:
            return int(script(keys=[key], args=args))
        except redis.RedisError as error:
            with self._down_lock:
                first = time.monotonic() >= self._down_until
                self._down_until = time.monotonic() + RETRY_SECONDS
            if first:
                log.warning("rate limit: Redis unreachable (%s); counting in this process's memory for %s s",
                            error, int(RETRY_SECONDS))
            return None
