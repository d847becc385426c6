"""Opening and closing on time, with no outside scheduler, in two ways that share one code path:

- lazily: every read or write of a consultation first settles a transition that is due (see
  `access.consultation`), in its own short transaction;
- actively: a background task started with the app (`run`) looks every few seconds for
  consultations due to open or close, so that results are counted at the close even if nobody looks.

A transition runs under the consultation's row lock and re-checks that it is still due, so several
processes (or a tick and a request) never open or close twice. The close is atomic: a ballot either
committed before it (the close waits for ballots in flight) or finds the consultation closed, or past
`closes_at`, and is refused with 409.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime

import anyio.to_thread

from agora.consultations import lifecycle, rules, services
from agora.db import Database, utcnow
from agora.realtime import outbox
from agora.realtime.outbox import OutgoingEvent

log = logging.getLogger("agora.consultations")
TICK_SECONDS = 5.0


def settle(database: Database, consultation_id: str, now: datetime | None = None) -> list[OutgoingEvent]:
    """Opens or closes one consultation if due; returns the events to emit once committed."""
    now = now or utcnow()
    db = database.session(write=True)
    try:
        consultation = services.get(db, consultation_id)
        if consultation is not None and rules.closing_due(consultation, now):
            lifecycle.close_now(db, consultation_id, None, now, scheduled=True)
        elif consultation is not None and rules.opening_due(consultation, now):
            lifecycle.open_now(db, consultation_id, None, now, scheduled=True)
        db.commit()
        return outbox.take(db)
    except BaseException:
        db.rollback()
        raise
    finally:
        db.close()


def settle_due(database: Database, now: datetime | None = None) -> list[OutgoingEvent]:
    now = now or utcnow()
    with database.session(write=False) as db:
        due = services.due_ids(db, now)
    events: list[OutgoingEvent] = []
    for consultation_id in due:
        try:
            events += settle(database, consultation_id, now)
        except Exception:  # one broken consultation must not stop the others
            log.exception("could not open or close consultation %s", consultation_id)
    return events


async def run(database: Database, realtime: object, interval: float | None = None) -> None:
    """The background task of one process (cancelled when the app stops)."""
    while True:
        await asyncio.sleep(TICK_SECONDS if interval is None else interval)
        try:
            events = await anyio.to_thread.run_sync(settle_due, database)
            if events:
                await realtime.emit_all(events)  # type: ignore[attr-defined]
        except Exception:
            log.exception("consultation scheduler tick failed")


@contextlib.asynccontextmanager
async def running(database: Database, realtime: object):  # type: ignore[no-untyped-def]
    task = asyncio.create_task(run(database, realtime))
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
