"""The email digest: once a period, each person with unread notifications not yet mailed gets one email.

Only when SMTP is configured (AGORA_SMTP_HOST …); the period is AGORA_DIGEST_HOURS (24 by default).
Sent by the background task of the app (`running`, started in the app's lifespan) or by
`agora digest send` (agora/notifications/cli.py); both go through `run`.

- One process at a time: a run first claims the `digest_runs` row (id 1) in a write transaction that
  locks it (`FOR UPDATE`; SQLite serialises writers anyway) and leaves a lease on it, renewed while it
  runs and released at the end. Another worker, or the command line, finds the lease and does nothing;
  the period is checked under the same lock, so the digests of a period are sent once.
- Each person's digest is marked (`notifications.mailed_at`) in its own transaction right after the server
  accepted it: a crash mid-run sends again at most the one digest in flight, and loses none.
- The person's language, absolute links (AGORA_BASE_URL); the person can turn it off (`people.email_digest`).
- Nothing here raises into the caller for a mail problem: an unreachable server ends the run, the
  notifications stay unmailed, and the next period tries again.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import importlib.util
import logging
import pkgutil
import threading
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

import anyio.to_thread
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import agora
from agora import i18n, mail
from agora.db import Database, new_id, utcnow
from agora.i18n import gettext as _
from agora.i18n import ngettext
from agora.i18n.formatting import format_datetime
from agora.notifications.models import DigestRun, Notification
from agora.notifications.texts import text_of
from agora.people.models import Person
from agora.settings import Settings

log = logging.getLogger("agora.digest")

RUN_ID = 1
LEASE = timedelta(minutes=10)  # a crashed run blocks the next one for at most this long
TICK_SECONDS = 60.0  # how often each process looks whether a period is over (one small read)
MAX_LISTED = 50  # the newest ones; the rest are counted, with a link to the notifications page
MARK_CHUNK = 500


@dataclass
class Report:
    status: str  # "done", "smtp_down", "not_due", "busy", "no_smtp", "stopped"
    sent: int = 0
    refused: int = 0  # the server refused that one message; it is tried again next period


def period(settings: Settings) -> timedelta:
    return timedelta(hours=settings.digest_hours)


# --- the run guard -----------------------------------------------------------------------------------

def is_due(database: Database, settings: Settings, now: datetime) -> bool:
    """A cheap read (every tick of every process); `claim` decides for good under the row lock."""
    with database.session(write=False) as db:
        row = db.get(DigestRun, RUN_ID)
    return _due(row, period(settings), now)


def _due(row: DigestRun | None, every: timedelta | None, now: datetime) -> bool:
    if row is None:
        return True
    if row.lease_until is not None and row.lease_until > now:
        return False
    return every is None or row.last_started_at is None or row.last_started_at + every <= now


def claim(database: Database, now: datetime, every: timedelta | None) -> str | None:
    """Takes the run when no other process holds it and, unless `every` is None, the last run started a
    period ago or more. Returns the lease's owner token, or None."""
    owner = new_id()
    db = database.session(write=True)
    try:
        row = db.execute(select(DigestRun).where(DigestRun.id == RUN_ID).with_for_update()).scalar_one_or_none()
        if row is None:
            row = DigestRun(id=RUN_ID)
            db.add(row)
            try:
                db.flush()
            except IntegrityError:  # another process created it at the same moment: it runs, we don't
                db.rollback()
                return None
        if not _due(row, every, now):
            db.rollback()
            return None
        row.lease_owner, row.lease_until, row.last_started_at = owner, now + LEASE, now
        db.commit()
        return owner
    except BaseException:
        db.rollback()
        raise
    finally:
        db.close()


def _renew(database: Database, owner: str) -> bool:
    with database.transaction() as db:
        result = db.execute(update(DigestRun).where(DigestRun.id == RUN_ID, DigestRun.lease_owner == owner)
                            .values(lease_until=utcnow() + LEASE))
        return bool(result.rowcount)  # type: ignore[attr-defined]


def _release(database: Database, owner: str) -> None:
    with database.transaction() as db:
        db.execute(update(DigestRun).where(DigestRun.id == RUN_ID, DigestRun.lease_owner == owner)
                   .values(lease_owner=None, lease_until=None, last_finished_at=utcnow()))


# --- what is sent -------------------------------------------------------------------------------------

@cache
def load_texts() -> None:
    """Every feature registers its notification texts in `agora.<feature>.texts` when imported: the
    command line imports no views, so the digest imports them all itself."""
    for module in pkgutil.iter_modules(agora.__path__):
        name = f"agora.{module.name}.texts"
        if module.ispkg and importlib.util.find_spec(name) is not None:
            importlib.import_module(name)


def absolute(settings: Settings, url: str) -> str:
    if url.startswith(("https://", "http://")):
        return url
    if url.startswith("/") and not url.startswith("//"):
        return settings.base_url + url
    return settings.base_url + "/notifications"


def pending_people(db: Session) -> list[str]:
    return list(db.execute(
        select(Notification.person_id).join(Person, Person.id == Notification.person_id)
        .where(Notification.mailed_at.is_(None), Notification.read_at.is_(None),
               Person.active.is_(True), Person.email_digest.is_(True))
        .distinct().order_by(Notification.person_id)
    ).scalars())


def pending_for(db: Session, person_id: str) -> list[Notification]:
    return list(db.execute(
        select(Notification).where(Notification.person_id == person_id, Notification.mailed_at.is_(None),
                                   Notification.read_at.is_(None))
        .order_by(Notification.created_at.desc(), Notification.id)
    ).scalars())


def compose(settings: Settings, person: Person, notes: Sequence[Notification]) -> tuple[str, str]:
    """The subject and the plain-text body, in the person's language."""
    with i18n.language(person.language):
        count = len(notes)
        subject = ngettext("%(num)s new notification on agora", "%(num)s new notifications on agora",
                           count) % {"num": count}
        lines = [_("Hello %(name)s,") % {"name": person.name}, "",
                 ngettext("You have %(num)s unread notification on agora:",
                          "You have %(num)s unread notifications on agora:", count) % {"num": count}, ""]
        for note in notes[:MAX_LISTED]:
            lines += [f"* {format_datetime(note.created_at, 'short')}", f"  {text_of(note)}",
                      f"  {absolute(settings, note.url)}", ""]
        rest = count - MAX_LISTED
        if rest > 0:
            lines += [ngettext("And %(num)s older notification.", "And %(num)s older notifications.",
                               rest) % {"num": rest}, ""]
        lines += [_("All your notifications: %(url)s") % {"url": absolute(settings, "/notifications")}, "",
                  "-- ",
                  _("You receive this summary because you have unread notifications on agora. To stop "
                    "receiving it, untick the box on your account page: %(url)s")
                  % {"url": absolute(settings, "/account")}]
    return subject, "\n".join(lines) + "\n"


def _mark(database: Database, ids: Sequence[str], now: datetime) -> None:
    with database.transaction() as db:
        for start in range(0, len(ids), MARK_CHUNK):
            db.execute(update(Notification).where(Notification.id.in_(ids[start:start + MARK_CHUNK]),
                                                  Notification.mailed_at.is_(None)).values(mailed_at=now))


def send_all(settings: Settings, database: Database, owner: str, stop: threading.Event | None = None) -> Report:
    """Sends the pending digests under a lease already claimed by `owner`."""
    assert settings.smtp is not None
    load_texts()
    with database.session(write=False) as db:
        people = pending_people(db)
    report = Report("done")
    renewed = time.monotonic()
    with mail.Connection(settings.smtp) as connection:
        for person_id in people:
            if stop is not None and stop.is_set():
                report.status = "stopped"
                break
            if time.monotonic() - renewed > LEASE.total_seconds() / 3:
                if not _renew(database, owner):
                    log.warning("the digest run lost its lease; another process carries on")
                    report.status = "stopped"
                    break
                renewed = time.monotonic()
            try:
                with database.session(write=False) as db:
                    person = db.get(Person, person_id)
                    notes = pending_for(db, person_id)
                    if person is None or not person.active or not person.email_digest or not notes:
                        continue
                    subject, body = compose(settings, person, notes)
                    to, language, ids = person.email, person.language, [note.id for note in notes]
                accepted = connection.send(to, subject, body, {"Auto-Submitted": "auto-generated",
                                                               "Content-Language": language})
            except mail.MailUnavailable as error:
                log.warning("mail server unavailable (%s): the digests wait for the next period", error)
                report.status = "smtp_down"
                break
            except Exception:  # one person's broken digest must not stop the others
                log.exception("could not prepare the digest of person %s", person_id)
                report.refused += 1
                continue
            if not accepted:
                report.refused += 1
                continue
            try:
                _mark(database, ids, utcnow())
            except Exception:  # sent but not marked: sent again next period, never lost
                log.exception("a digest was sent but could not be marked as sent (person %s)", person_id)
            report.sent += 1
    return report


def run(settings: Settings, database: Database, *, force: bool = False,
        stop: threading.Event | None = None) -> Report:
    """Sends the digests if SMTP is set and (unless `force`) a period has passed since the last run."""
    if settings.smtp is None:
        return Report("no_smtp")
    now = utcnow()
    every = None if force else period(settings)
    if not force and not is_due(database, settings, now):
        return Report("not_due")
    owner = claim(database, now, every)
    if owner is None:
        return Report("busy" if _leased(database, now) else "not_due")
    try:
        report = send_all(settings, database, owner, stop)
    finally:
        _release(database, owner)
    log.info("email digests: %s sent, %s refused (%s)", report.sent, report.refused, report.status)
    return report


def _leased(database: Database, now: datetime) -> bool:
    with database.session(write=False) as db:
        row = db.get(DigestRun, RUN_ID)
    return row is not None and row.lease_until is not None and row.lease_until > now


# --- the background task -------------------------------------------------------------------------------

async def _loop(settings: Settings, database: Database, interval: float, stop: threading.Event,
                wakeup: asyncio.Event) -> None:
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wakeup.wait(), interval)
        if stop.is_set():
            return
        try:
            # In a worker thread: SMTP and the database never block the event loop.
            await anyio.to_thread.run_sync(lambda: run(settings, database, stop=stop))
        except Exception:
            log.exception("email digest tick failed")


@contextlib.asynccontextmanager
async def running(settings: Settings, database: Database, interval: float | None = None) -> AsyncIterator[None]:
    """The app's background task; nothing at all when SMTP is not configured."""
    if settings.smtp is None:
        yield
        return
    stop, wakeup = threading.Event(), asyncio.Event()
    task = asyncio.create_task(_loop(settings, database, TICK_SECONDS if interval is None else interval,
                                     stop, wakeup))
    try:
        yield
    finally:
        # Not task.cancel(): a run in its worker thread would go on after the app closed the database.
        # The run stops before its next person (at most one message in flight), then the task returns.
        stop.set()
        wakeup.set()
        await task
