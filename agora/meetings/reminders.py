"""Reminders the day before: every registered person of a meeting starting within the next
REMIND_BEFORE gets one notification, once (the meeting's `reminded_at`, set under its row lock, so
the command line and the app's background task never remind twice).

Run by `agora meetings remind` (e.g. from cron) and by a background task of the app (`running`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import anyio.to_thread
from sqlalchemy import select

from agora.db import Database, utcnow
from agora.deliberation.fanout import notify_many
from agora.meetings.models import Meeting, MeetingStatus, Registration, RegistrationStatus
from agora.realtime import outbox
from agora.realtime.outbox import OutgoingEvent

log = logging.getLogger("agora.meetings")
REMIND_BEFORE = timedelta(hours=24)
TICK_SECONDS = 15 * 60.0


def remind_due(database: Database, now: datetime | None = None) -> tuple[int, int, list[OutgoingEvent]]:
    """(meetings reminded, people notified, events to emit)."""
    now = now or utcnow()
    db = database.session(write=True)
    try:
        due = list(db.execute(select(Meeting).where(
            Meeting.reminded_at.is_(None), Meeting.status != MeetingStatus.SUBMITTED,
            Meeting.starts_at > now, Meeting.starts_at <= now + REMIND_BEFORE, Meeting.publish_at <= now)
            .with_for_update()).scalars())
        people = 0
        for meeting in due:
            registered = db.execute(select(Registration.person_id).where(
                Registration.meeting_id == meeting.id, Registration.status == RegistrationStatus.REGISTERED)).scalars()
            people += notify_many(db, registered, "meeting_reminder",
                                  {"title": meeting.title, "starts_at": meeting.starts_at.isoformat()},
                                  f"/meetings/{meeting.id}")
            meeting.reminded_at = now
        db.commit()
        return len(due), people, outbox.take(db)
    except BaseException:
        db.rollback()
        raise
    finally:
        db.close()


async def run(database: Database, realtime: object, interval: float = TICK_SECONDS) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            _meetings, _people, events = await anyio.to_thread.run_sync(remind_due, database)
            if events:
                await realtime.emit_all(events)  # type: ignore[attr-defined]
        except Exception:
            log.exception("meeting reminders tick failed")


@contextlib.asynccontextmanager
async def running(database: Database, realtime: object) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(run(database, realtime))
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
