"""Rate limits per account and per client address: password-reset and invitation emails, API tokens,
posting, and wrong bearer tokens. (Sign-in has its own, exact limit in the database: accounts.services.)

Counts are kept in a sliding window: in Redis when AGORA_REDIS_URL is set, so that every server process
shares them (`agora.web.ratelimit_redis`, which falls back to this process's memory while Redis does not
answer), otherwise in this process's memory (one process: `agora serve --workers 1`). Every refusal is
logged (logger `agora.ratelimit`, with the kind, the key hashed and the address) so that a flood shows.

The endpoint binds the application's limiter and the client's address to the unit of work
(`bind`); services deep in a feature (moderation.before_post) reach them through `current()`.
"""

from __future__ import annotations

import contextvars
import hashlib
import logging
import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

log = logging.getLogger("agora.ratelimit")

# Per client address, several times the per-account limit: one address may serve a whole office (NAT).
ADDRESS_FACTOR = 5


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: int


# kind -> the limit per account (per address: ADDRESS_FACTOR times as many)
LIMITS: dict[str, Limit] = {
    "reset_request": Limit(5, 15 * 60),  # "forgot my password" emails, per address asked for
    "token_create": Limit(10, 60 * 60),  # new API tokens
    "bad_token": Limit(20, 15 * 60),  # wrong bearer tokens (per address only)
    "bad_link": Limit(20, 15 * 60),  # unknown invitation or reset links (per address only)
    "post": Limit(30, 5 * 60),  # posts of any kind, per address (per account: the moderation setting)
}


# Every this many counted events the memory limiter forgets the keys whose window has passed: one key
# per account or address that ever acted would otherwise stay for the life of the process.
SWEEP_EVERY = 1000


class Limiter:
    def __init__(self) -> None:
        self._hits: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._windows: dict[str, int] = {}  # kind -> the longest window it was counted with
        self._counted = 0
        self._lock = threading.Lock()

    def keys(self) -> int:
        """How many (kind, key) counts this process holds."""
        with self._lock:
            return len(self._hits)

    def allow(self, kind: str, key: str, limit: Limit, *, now: float | None = None) -> bool:
        """Counts one event of `kind` for `key`; False (and logged) when the window is already full."""
        now = time.monotonic() if now is None else now
        with self._lock:
            self._windows[kind] = max(self._windows.get(kind, 0), limit.seconds)
            self._counted += 1
            if self._counted % SWEEP_EVERY == 0:
                self._forget_passed(now)
            hits = self._hits[(kind, key)]
            while hits and hits[0] <= now - limit.seconds:
                hits.popleft()
            if len(hits) >= limit.count:
                log_refusal(kind, key, limit)
                return False
            hits.append(now)
            return True

    def _forget_passed(self, now: float) -> None:
        passed = [name for name, hits in self._hits.items()
                  if not hits or hits[-1] <= now - self._windows.get(name[0], 0)]
        for name in passed:
            del self._hits[name]

    def full(self, kind: str, key: str, limit: Limit, *, now: float | None = None) -> bool:
        """Whether the next event would be refused (nothing counted)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits.get((kind, key), ())
            return sum(1 for at in hits if at > now - limit.seconds) >= limit.count

    def close(self) -> None:
        """Nothing to release in memory (the Redis limiter closes its connections)."""

    def allow_both(self, kind: str, account: str | None, address: str) -> bool:
        """The per-account limit (when there is an account) and the per-address one."""
        limit = LIMITS[kind]
        by_address = Limit(limit.count * ADDRESS_FACTOR, limit.seconds)
        if account is not None and not self.allow(kind, f"account:{account}", limit):
            return False
        return self.allow(kind, f"address:{address}", by_address)


def make_limiter(redis_url: str | None) -> Limiter:
    """The limiter of an application: shared through Redis when there is one, else in memory."""
    if not redis_url:
        return Limiter()
    from agora.web.ratelimit_redis import RedisLimiter

    return RedisLimiter(redis_url)


def log_refusal(kind: str, key: str, limit: Limit) -> None:
    log.warning("rate limit: %s refused for %s (%s in %s s)", kind, _shown(key), limit.count, limit.seconds)


def message() -> str:
    from agora.i18n import gettext as _

    return _("Too many requests in a short time. Please wait a few minutes and try again.")


def _shown(key: str) -> str:
    """Addresses as they are; accounts and emails hashed, so the log holds no email address."""
    scope, _sep, value = key.partition(":")
    if scope == "address":
        return key
    return f"{scope}:{hashlib.sha256(value.encode()).hexdigest()[:12]}"


@dataclass(frozen=True)
class Bound:
    limiter: Limiter
    address: str


_CURRENT: contextvars.ContextVar[Bound | None] = contextvars.ContextVar("agora_ratelimit", default=None)


@contextmanager
def bind(limiter: Limiter, address: str) -> Iterator[None]:
    token = _CURRENT.set(Bound(limiter, address))
    try:
        yield
    finally:
        _CURRENT.reset(token)


def address_blocked(kind: str) -> bool:
    """Whether this request's address already used up its allowance of `kind` (logged when it has)."""
    bound = _CURRENT.get()
    if bound is None:
        return False
    limit = LIMITS[kind]
    blocked = bound.limiter.full(kind, f"address:{bound.address}", Limit(limit.count * ADDRESS_FACTOR, limit.seconds))
    if blocked:
        log.warning("rate limit: %s refused for address:%s", kind, bound.address)
    return blocked


def allow(kind: str, account: str | None) -> bool:
    """`Limiter.allow_both` on the limiter and address of the request being handled (always True outside
    a request: the command line and the tests of services are not limited)."""
    bound = _CURRENT.get()
    return True if bound is None else bound.limiter.allow_both(kind, account, bound.address)
