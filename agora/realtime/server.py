"""The Socket.IO server: authenticated by the session cookie (or an API token), rooms authorised
by the same rule as reading the page, and shared between processes through Redis when configured.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import socketio
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from agora.accounts import services as accounts
from agora.db import Database
from agora.permissions import ANONYMOUS, Principal
from agora.realtime import coalesce, rooms
from agora.realtime.coalesce import Coalescer
from agora.realtime.fanout import DirectFanOut, RedisFanOut
from agora.realtime.outbox import OutgoingEvent
from agora.settings import Settings
from agora.web.endpoint import load_principal, session_cookie_name

log = logging.getLogger("agora.realtime")

SWEEP_SECONDS = 10.0  # how soon another process cuts the sockets of a session ended elsewhere
RoomRule = Callable[[Session, Principal, str], bool]
_ROOM_RULES: dict[str, RoomRule] = {}


def room_rule(kind: str) -> Callable[[RoomRule], RoomRule]:
    """Registers who may join rooms `kind:<id>`; features call this next to their read rule."""

    def register(rule: RoomRule) -> RoomRule:
        _ROOM_RULES[kind] = rule
        return rule

    return register


def room_kinds() -> list[str]:
    return sorted(_ROOM_RULES)


@room_rule("person")
def _own_room_only(_db: Session, principal: Principal, person_id: str) -> bool:
    return principal.id == person_id


def redis_channel(redis_url: str) -> str:
    """The pub/sub channel of the deployment using this Redis URL.

    Redis pub/sub ignores the database index, so two deployments sharing one Redis server with
    different indexes (redis://host/1, redis://host/2) would otherwise hear each other's events.
    The index is part of the channel name; every process of one deployment uses the same URL.
    """
    parts = urlsplit(redis_url)
    in_query = parse_qs(parts.query).get("db", [""])[0]  # unix:///run/redis.sock?db=1, redis://host?db=1
    in_path = parts.path.strip("/") if parts.scheme != "unix" else ""  # redis://host:6379/1
    return f"agora:socketio:{in_query or in_path or '0'}"  # as redis-py reads it: the query wins


_COOKIE_SPLIT = re.compile(r"[;,]")


def cookie_values(cookie_header: str, name: str) -> list[str]:
    """Every value sent for cookie `name`, tolerant of the other cookies on the same host.

    `http.cookies.SimpleCookie` silently gives up on the whole header at the first value it finds
    malformed (`theme=dark mode`), and engine.io joins repeated Cookie headers with a comma: the
    signed-in person would be anonymous on the socket while the pages know them. Cookie values
    never contain ";" or "," (RFC 6265), so splitting on both is safe.
    """
    values = []
    for chunk in _COOKIE_SPLIT.split(cookie_header):
        key, sep, value = chunk.partition("=")
        if sep and key.strip() == name:
            values.append(value.strip().strip('"'))
    return values


class Realtime:
    def __init__(self, settings: Settings, database: Database) -> None:
        self.settings = settings
        self.database = database
        manager = (RedisFanOut(settings.redis_url, channel=redis_channel(settings.redis_url))
                   if settings.redis_url else DirectFanOut())
        self.sio = socketio.AsyncServer(
            async_mode="asgi", client_manager=manager, logger=False, engineio_logger=False,
            ping_interval=25, ping_timeout=20, max_http_buffer_size=64 * 1024,
            cors_allowed_origins=self._origin_allowed,
        )
        self.coalescer = Coalescer(self._emit_recounted)
        self.sio.on("connect", self._on_connect)
        self.sio.on("join", self._on_join)
        self.sio.on("leave", self._on_leave)

    # --- connection -------------------------------------------------------------------------

    def _origin_allowed(self, origin: str | None, environ: dict[str, Any]) -> bool:
        """The rule of the forms' CSRF check: this host as the request names it, or AGORA_BASE_URL.

        engine.io's default accepts the Host header (or X-Forwarded-Host) only, so behind a proxy that
        rewrites Host every browser socket would be refused while the pages work. A socket opened by
        another site must never ride on the person's cookie.
        """
        base = urlsplit(self.settings.base_url)
        if origin == f"{base.scheme}://{base.netloc}":
            return True
        host = environ.get("HTTP_HOST")
        return bool(host) and origin == f"{environ.get('wsgi.url_scheme', 'http')}://{host}"

    def _principal_from(self, cookie_header: str, auth: Any) -> tuple[Principal, str | None]:
        """(who, the hash of the session or token that signed them in)."""
        with self.database.session(write=False) as db:
            token = auth.get("token") if isinstance(auth, dict) else None
            if isinstance(token, str) and token:
                person = accounts.find_token(db, token)
                return (load_principal(db, person), accounts.sha256(token)) if person else (ANONYMOUS, None)
            # A stale cookie on a parent path may be sent next to the current one: any valid one counts
            # (a few at most: a header stuffed with candidates must not cost a query each).
            for value in cookie_values(cookie_header, session_cookie_name(self.settings.secure_cookies))[:3]:
                found = accounts.find_session(db, value) if value else None
                if found is not None:
                    return load_principal(db, found[1]), found[0].id_hash
            return ANONYMOUS, None

    async def _on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> bool:
        principal, credential = await run_in_threadpool(self._principal_from, environ.get("HTTP_COOKIE", ""), auth)
        await self.sio.save_session(sid, {"person_id": principal.id, "credential": credential})
        if principal.id is not None and credential is not None:
            # Signing out, a password change, a deactivation or a revoked token cuts this socket.
            await self.sio.enter_room(sid, rooms.session(credential))
            await self.sio.enter_room(sid, rooms.person(principal.id))
        return True

    # --- ended sessions -------------------------------------------------------------------------

    async def cut_room(self, room: str) -> None:
        """Tells, then disconnects, this process's sockets of an ended session (other processes do the
        same for theirs at their next sweep, or at once when they handle the request themselves)."""
        await self.sio.emit(rooms.SESSION_ENDED, {}, room=room, ignore_queue=True)
        for sid, _eio_sid in list(self.sio.manager.get_participants("/", room)):
            await self.sio.disconnect(sid, ignore_queue=True)

    def _local_credential_rooms(self) -> list[str]:
        return [room for room in self.sio.manager.rooms.get("/", {})
                if isinstance(room, str) and room.startswith(rooms.session(""))]

    async def sweep(self) -> int:
        """Cuts every local socket whose session or token no longer signs anyone in; returns how many rooms."""
        local = self._local_credential_rooms()
        if not local:
            return 0
        hashes = [room.removeprefix(rooms.session("")) for room in local]
        alive = await run_in_threadpool(self._alive, hashes)
        dead = [rooms.session(h) for h in hashes if h not in alive]
        for room in dead:
            await self.cut_room(room)
        return len(dead)

    def _alive(self, hashes: list[str]) -> set[str]:
        with self.database.session(write=False) as db:
            return accounts.live_credentials(db, hashes)

    @contextlib.asynccontextmanager
    async def sweeping(self, interval: float = SWEEP_SECONDS) -> AsyncIterator[None]:
        """Runs `sweep` every `interval` seconds while the application runs."""

        async def loop() -> None:
            while True:
                await asyncio.sleep(interval)
                try:
                    await self.sweep()
                except Exception:  # the next sweep tries again; a live update must never stop the server
                    log.exception("the sweep of ended sessions failed")

        task = asyncio.create_task(loop())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # --- rooms ------------------------------------------------------------------------------

    def _may_join(self, person_id: str | None, room: str, credential: str | None = None) -> bool:
        parsed = rooms.parse(room)
        if parsed is None or parsed[0] not in _ROOM_RULES:
            return False
        kind, ident = parsed
        with self.database.session(write=False) as db:
            principal = ANONYMOUS
            if credential is not None and not accounts.live_credentials(db, [credential]):
                person_id = None  # the session ended since the connection: anonymous from now on
            if person_id is not None:
                from agora.people.models import Person

                person = db.get(Person, person_id)
                principal = load_principal(db, person) if person and person.active else ANONYMOUS
            return _ROOM_RULES[kind](db, principal, ident)

    async def _on_join(self, sid: str, data: Any) -> dict[str, Any]:
        room = data.get("room") if isinstance(data, dict) else None
        if not isinstance(room, str):
            return {"ok": False, "error": "bad_request"}
        session = await self.sio.get_session(sid)
        if not await run_in_threadpool(self._may_join, session.get("person_id"), room, session.get("credential")):
            return {"ok": False, "error": "not_found"}
        await self.sio.enter_room(sid, room)
        return {"ok": True, "room": room}

    async def _on_leave(self, sid: str, data: Any) -> dict[str, Any]:
        room = data.get("room") if isinstance(data, dict) else None
        if isinstance(room, str):
            await self.sio.leave_room(sid, room)
        return {"ok": True}

    # --- sending ------------------------------------------------------------------------------

    async def emit_all(self, events: Iterable[OutgoingEvent]) -> None:
        for event in events:
            if event.coalesce:
                await self.coalescer.offer(event)
            else:
                await self.coalescer.flush_room(event.room)  # keeps the order of what a room is told
                await self._emit(event)

    async def _emit_recounted(self, event: OutgoingEvent) -> None:
        try:
            event = await run_in_threadpool(self._recount, event)
        except Exception:  # a lost live update must never fail the request that committed
            log.exception("could not count %s for %s", event.name, event.room)
            return
        await self._emit(event)

    def _recount(self, event: OutgoingEvent) -> OutgoingEvent:
        with self.database.session(write=False) as db:
            return coalesce.recount(db, event)

    async def _emit(self, event: OutgoingEvent) -> None:
        try:
            if event.name == rooms.SESSION_ENDED:
                await self.cut_room(event.room)
                return
            await self.sio.emit(event.name, event.payload, room=event.room)
        except Exception:  # a lost live update must never fail the request that committed
            log.exception("could not emit %s to %s", event.name, event.room)
