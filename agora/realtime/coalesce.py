"""Coalesced live events: at most one per (room, event name) per window, the latest payload winning.

A counter that changes with every ballot (participation) would otherwise be sent to every socket of the
room after every commit: at the close of a consultation, 50 ballots a second to 2,000 watchers is 100,000
socket writes a second. Here the first event after a quiet window goes out at once; those that follow
within the window replace each other, and the last one goes out when the window ends. Runs on the event
loop of one process (each process of a Redis deployment coalesces its own events).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.orm import Session

from agora.realtime.outbox import OutgoingEvent

WINDOW_S = 0.5  # at most two participation events a second per consultation and per process

Send = Callable[[OutgoingEvent], Awaitable[None]]
Recount = Callable[[Session, str], dict[str, Any]]  # (a read session, the room) → the payload as it is now
_RECOUNTS: dict[str, Recount] = {}


def counted_when_sent(event_name: str) -> Callable[[Recount], Recount]:
    """Registers how to compute a coalesced event's payload when it leaves (after every commit it stands
    for): the count is then that of the committed rows, whatever order concurrent transactions took."""

    def register(recount: Recount) -> Recount:
        _RECOUNTS[event_name] = recount
        return recount

    return register


def recount(db: Session, event: OutgoingEvent) -> OutgoingEvent:
    found = _RECOUNTS.get(event.name)
    return OutgoingEvent(event.room, event.name, found(db, event.room), event.coalesce) if found else event


class Coalescer:
    """One send in flight per (room, event name): a send recounts and then writes to every socket of the
    room, which can outlast the window when thousands watch. Two overlapping sends could leave in either
    order, and a watcher would see the count go down; so sends of one key take turns on a lock, and what
    arrives meanwhile waits (the latest wins) for the send under way to finish."""

    def __init__(self, send: Send, window: float = WINDOW_S) -> None:
        self._send = send
        self._window = window
        self._last_sent: dict[tuple[str, str], float] = {}
        self._waiting: dict[tuple[str, str], OutgoingEvent] = {}
        self._turns: dict[tuple[str, str], asyncio.Lock] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def offer(self, event: OutgoingEvent) -> None:
        key = (event.room, event.name)
        if key in self._waiting:  # a send is already due: it will carry this one
            self._waiting[key] = event
            return
        now = asyncio.get_running_loop().time()
        due = self._last_sent.get(key, float("-inf")) + self._window
        if now >= due and not self._turn(key).locked():
            async with self._turn(key):
                await self._send_now(key, event)
            return
        self._waiting[key] = event
        task = asyncio.get_running_loop().create_task(self._send_at(key, max(due - now, 0.0)))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def flush_room(self, room: str) -> None:
        """Sends what waits for `room` now, so that an event that is not coalesced never overtakes it."""
        for key in [key for key in self._waiting if key[0] == room]:
            async with self._turn(key):  # after the send under way, if any
                event = self._waiting.pop(key, None)
                if event is not None:
                    await self._send_now(key, event)

    def _turn(self, key: tuple[str, str]) -> asyncio.Lock:
        return self._turns.setdefault(key, asyncio.Lock())

    async def _send_at(self, key: tuple[str, str], delay: float) -> None:
        await asyncio.sleep(delay)
        async with self._turn(key):
            event = self._waiting.pop(key, None)  # the latest offered while this waited
            if event is not None:  # None: flush_room sent it meanwhile
                await self._send_now(key, event)

    async def _send_now(self, key: tuple[str, str], event: OutgoingEvent) -> None:
        now = asyncio.get_running_loop().time()
        self._forget_quiet_rooms(now)
        self._last_sent[key] = now
        await self._send(event)

    def _forget_quiet_rooms(self, now: float) -> None:
        if len(self._last_sent) > 1000:
            quiet = [key for key, at in self._last_sent.items()
                     if now - at >= self._window and key not in self._waiting]
            for key in quiet:
                del self._last_sent[key]
                turn = self._turns.get(key)
                if turn is not None and not turn.locked():
                    del self._turns[key]
