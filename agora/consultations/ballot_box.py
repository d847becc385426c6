"""Casting ballots with group commit: ballots that arrive together are written by one writer, in one
transaction, and each is acknowledged only after that transaction's durable commit.

A ballot is checked in its own request (`prepare`: open, eligible, answers valid, in the voter's
language), then handed to the process's `GroupCommit`, which queues it. The first waiting request
becomes the writer: it takes every ballot queued (at most one per voter and consultation), writes
them in one transaction and commits (one fsync for the batch on SQLite, `synchronous=FULL`; one WAL
flush on PostgreSQL), then wakes each request with its own outcome and hands the writer's role to
the next waiting request, if any. No thread of its own, no timer: a lone ballot is written at once,
and ballots pile up only while a commit is in progress — which is exactly when waiting costs nothing.

In the batch's transaction (`write_batch`), each ballot is decided on its own:
- the consultations' state is re-read under a shared row lock (PostgreSQL; SQLite's write
  transaction serialises writers): a close waits for the batch, and a batch behind a close sees it;
- the register rows go in with `ON CONFLICT DO NOTHING … RETURNING`: the database says which voters
  had no row yet (a second ballot of the same voter, even from another process, is refused by the
  primary key, never by an earlier read); the others are "already voted" (or, when the consultation
  allows it, their ballot is changed), and do not fail the batch;
- the new ballots go into the box in a random order (`secrets`): neither the order of the rows nor
  any timestamp links a register row to a ballot row (DESIGN.md "Ballot secrecy");
- one audit entry per register row, chained (`audit.record_many`).
Should the batch fail as a whole (a row no check foresaw, a deadlock between two processes), each
ballot is written again alone, so one bad ballot never costs the others theirs.

Durability: a request waits for the outcome of the batch holding its ballot, which exists only
once `commit()` has returned; a crash before that loses ballots nobody was told were counted.
"""

from __future__ import annotations

import logging
import secrets
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, Insert, Select, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import ReturningInsert, ReturningUpdate

from agora import audit
from agora.consultations import errors, events
from agora.consultations.models import Ballot, Consultation, Status, VoterRecord
from agora.consultations.voting import (
    Cast,
    admissible,
    change_key,
    new_tracking_code,
    not_open_problem,
)
from agora.db import Database, utcnow
from agora.i18n import gettext as _
from agora.people.models import Person

log = logging.getLogger("agora.consultations")

MAX_BATCH = 256
RETRY_ALONE_SQLSTATES = frozenset({"40P01", "40001"})  # PostgreSQL: deadlock, serialization failure


@dataclass(frozen=True)
class Prepared:
    """A ballot checked in its request, ready to be written."""

    consultation_id: str
    person_id: str
    college: str
    region_id: str | None
    answers: dict[str, Any]
    change_key: str | None
    tracking_code: str
    ballot_id: str

    @property
    def voter(self) -> tuple[str, str]:
        return self.consultation_id, self.person_id


@dataclass(frozen=True)
class Outcome:
    """What the writer decided for one ballot: `cast`, `changed`, `already_voted`, `not_open` (with the
    status read under the lock), `not_found` or `earlier_missing`. The caller turns a refusal into a
    message in its own reader's language."""

    kind: str
    tracking_code: str = ""
    status: Status | None = None


# --- in the request ------------------------------------------------------------------------------

def prepare(db: Session, consultation: Consultation, person: Person, answers: Any, *, secret_key: str,
            now: datetime | None = None) -> Prepared:
    """Every check that needs no lock, in the voter's language: open (read again under the lock when
    written), eligible (the electorate is frozen at opening), answers valid and in canonical form."""
    now = now or utcnow()
    elector, clean = admissible(db, consultation, consultation.status, consultation.closes_at, person, answers, now)
    key = change_key(secret_key, consultation.id, person.id) if consultation.allow_change else None
    return Prepared(consultation.id, person.id, elector.college, elector.region_id, clean, key,
                    new_tracking_code(), secrets.token_hex(16))


def cast(database: Database, db: Session, consultation: Consultation, person: Person, answers: Any, *,
         secret_key: str) -> Cast:
    """Checks the ballot, has it written by the group commit and returns once it is durably stored
    (or raises `Refused`). `db` is the request's own session: it only reads, its transaction is ended
    before the wait (a request waiting for the writer holds no connection: 200 of them must not take
    the one the writer needs), and it carries the participation event, sent once the request's unit
    of work has ended. `consultation` and `person` are expired by then (read nothing from them)."""
    prepared = prepare(db, consultation, person, answers, secret_key=secret_key)
    db.rollback()  # the reads are over: the connection goes back to the pool, for the writer among others
    cast = acknowledged(writer(database).submit(prepared))
    if not cast.changed:  # a changed ballot changes no count
        events.participation_changed(db, prepared.consultation_id)
    return cast


def acknowledged(outcome: Outcome) -> Cast:
    if outcome.kind in ("cast", "changed"):
        return Cast(outcome.tracking_code, changed=outcome.kind == "changed")
    if outcome.kind == "already_voted":
        raise errors.already_voted()
    if outcome.kind == "not_open":
        raise not_open_problem(outcome.status or Status.CLOSED)
    if outcome.kind == "not_found":
        raise errors.Refused(404, "not_found", _("This consultation does not exist."))
    raise errors.Refused(409, "already_voted", _("Your earlier ballot could not be found; nothing was changed."))


# --- the batch's transaction ---------------------------------------------------------------------

@dataclass(frozen=True)
class _State:
    status: Status
    closes_at: datetime


def write_batch(db: Session, batch: Sequence[Prepared]) -> list[Outcome]:
    """Writes a batch (at most one ballot per voter and consultation) in `db`'s write transaction,
    left for the caller to commit. Statements: 1 lock + 1 register + 1 box + 3 audit, whatever the
    batch's size, plus one per changed ballot; each built once per dialect and run on the session's
    connection, without the ORM (bench/README.md, "Casting: the group commit's statements built once,
    entities from columns")."""
    connection = db.connection()
    statements = _statements(connection.dialect.name)
    states = _lock_states(connection, statements, {ballot.consultation_id for ballot in batch})
    now = utcnow()  # read once the lock is held: a close in progress has finished by now
    outcomes: list[Outcome | None] = [_refusal(states.get(ballot.consultation_id), now) for ballot in batch]
    writable = [ballot for ballot, outcome in zip(batch, outcomes, strict=True) if outcome is None]
    registered = _register(connection, statements, writable)
    new: list[Prepared] = []
    acts: list[audit.Act] = []
    for index, ballot in enumerate(batch):
        if outcomes[index] is not None:
            continue
        if ballot.voter in registered:
            new.append(ballot)
            outcomes[index] = Outcome("cast", ballot.tracking_code)
            acts.append(audit.Act("ballot.cast", ballot.person_id, "consultation", ballot.consultation_id))
        else:
            outcomes[index] = _change(connection, statements, ballot)
            if outcomes[index].kind == "changed":  # type: ignore[union-attr]
                acts.append(audit.Act("ballot.change", ballot.person_id, "consultation", ballot.consultation_id))
    _into_the_box(connection, statements, new)
    audit.record_many(db, acts)
    return [outcome for outcome in outcomes if outcome is not None]


@dataclass(frozen=True)
class _Statements:
    """A batch's statements for one dialect (the register's ON CONFLICT is written per dialect)."""

    lock_states: Select[tuple[str, Status, datetime]]
    register: ReturningInsert[tuple[str, str]]
    into_the_box: Insert
    change: ReturningUpdate[tuple[str]]


@cache
def _statements(dialect_name: str) -> _Statements:
    states, register, box = Consultation.__table__, VoterRecord.__table__, Ballot.__table__
    insert_ignoring_conflicts = (postgresql if dialect_name == "postgresql" else sqlite).insert
    return _Statements(
        lock_states=select(states.c.id, states.c.status, states.c.closes_at)
        .where(states.c.id.in_(bindparam("consultation_ids", expanding=True))).with_for_update(read=True),
        register=insert_ignoring_conflicts(register).on_conflict_do_nothing()
        .returning(register.c.consultation_id, register.c.person_id),
        into_the_box=box.insert(),
        change=update(box).where(box.c.consultation_id == bindparam("ballot_consultation_id"),
                                 box.c.change_key == bindparam("ballot_change_key"))
        .values(answers=bindparam("new_answers")).returning(box.c.tracking_code),
    )


def _lock_states(connection: Connection, statements: _Statements, consultation_ids: set[str]) -> dict[str, _State]:
    rows = connection.execute(statements.lock_states, {"consultation_ids": sorted(consultation_ids)}).all()
    return {row.id: _State(row.status, row.closes_at) for row in rows}


def _refusal(state: _State | None, now: datetime) -> Outcome | None:
    if state is None:
        return Outcome("not_found")
    if state.status != Status.OPEN or now >= state.closes_at:
        return Outcome("not_open", status=state.status)
    return None


def _register(connection: Connection, statements: _Statements, ballots: Sequence[Prepared]) -> set[tuple[str, str]]:
    """The register rows of `ballots`; returns the voters who had none (their row is now written).
    Sorted, so that two processes' batches take their row locks in the same order (no deadlock)."""
    if not ballots:
        return set()
    rows = sorted(({"consultation_id": b.consultation_id, "person_id": b.person_id, "college": b.college,
                    "region_id": b.region_id} for b in ballots),
                  key=lambda row: (row["consultation_id"], row["person_id"]))
    return {(row.consultation_id, row.person_id) for row in connection.execute(statements.register, rows)}


def _into_the_box(connection: Connection, statements: _Statements, ballots: Sequence[Prepared]) -> None:
    if not ballots:
        return
    rows = [{"id": b.ballot_id, "consultation_id": b.consultation_id, "college": b.college, "answers": b.answers,
             "tracking_code": b.tracking_code, "change_key": b.change_key} for b in ballots]
    secrets.SystemRandom().shuffle(rows)  # the box's row order says nothing of the batch's order
    connection.execute(statements.into_the_box, rows)


def _change(connection: Connection, statements: _Statements, ballot: Prepared) -> Outcome:
    """The voter already has a register row: their ballot is replaced when the consultation allows it
    (found by its change key, keeping its tracking code), else refused."""
    if ballot.change_key is None:
        return Outcome("already_voted")
    code = connection.execute(statements.change, {
        "ballot_consultation_id": ballot.consultation_id, "ballot_change_key": ballot.change_key,
        "new_answers": ballot.answers,
    }).scalar_one_or_none()
    return Outcome("changed", code) if code is not None else Outcome("earlier_missing")


# --- the group commit ----------------------------------------------------------------------------

class _Waiting:
    __slots__ = ("ballot", "error", "lead", "outcome", "wake")

    def __init__(self, ballot: Prepared) -> None:
        self.ballot = ballot
        self.wake = threading.Event()
        self.outcome: Outcome | None = None
        self.error: BaseException | None = None
        self.lead = False

    @property
    def settled(self) -> bool:
        return self.outcome is not None or self.error is not None


class GroupCommit:
    """One per process and database. `submit` returns the ballot's outcome once it is committed."""

    def __init__(self, database: Database, max_batch: int = MAX_BATCH) -> None:
        self._database = database
        self._max_batch = max_batch
        self._lock = threading.Lock()
        self._queue: list[_Waiting] = []
        self._leading = False

    def submit(self, ballot: Prepared) -> Outcome:
        me = _Waiting(ballot)
        with self._lock:
            self._queue.append(me)
            if not self._leading:
                self._leading = me.lead = True
        while not me.settled:
            if me.lead:
                me.lead = False
                self._lead()
                continue
            me.wake.wait()
            me.wake.clear()
        if me.error is not None:
            raise me.error
        assert me.outcome is not None
        return me.outcome

    def _lead(self) -> None:
        """Writes the next batch (the leader's own ballot is first in the queue, so in it), wakes its
        requests, and hands the writer's role to the first request still waiting."""
        with self._lock:
            batch = self._take()
        try:
            results = self._write([waiting.ballot for waiting in batch])
        except BaseException as error:  # every request of the batch must hear of it
            results = [error] * len(batch)
        for waiting, result in zip(batch, results, strict=True):
            if isinstance(result, Outcome):
                waiting.outcome = result
            else:
                waiting.error = result
            waiting.wake.set()
        with self._lock:
            if self._queue:
                self._queue[0].lead = True
                self._queue[0].wake.set()
            else:
                self._leading = False

    def _take(self) -> list[_Waiting]:
        """The queue's first ballots, at most one per voter and consultation (a voter's second ballot
        waits for the next batch, where the register refuses or changes it)."""
        batch: list[_Waiting] = []
        left: list[_Waiting] = []
        voters: set[tuple[str, str]] = set()
        for waiting in self._queue:
            if len(batch) < self._max_batch and waiting.ballot.voter not in voters:
                voters.add(waiting.ballot.voter)
                batch.append(waiting)
            else:
                left.append(waiting)
        self._queue = left
        return batch

    def _write(self, ballots: list[Prepared]) -> list[Outcome | BaseException]:
        try:
            return list(self._commit(ballots))
        except Exception as error:
            if len(ballots) == 1 or not _worth_alone(error):
                return [error] * len(ballots)
            log.warning("a batch of %d ballots failed (%s); writing each alone", len(ballots), type(error).__name__)
            return [self._alone(ballot) for ballot in ballots]

    def _alone(self, ballot: Prepared) -> Outcome | BaseException:
        try:
            return self._commit([ballot])[0]
        except Exception as error:  # this request's own answer
            return error

    def _commit(self, ballots: list[Prepared]) -> list[Outcome]:
        db = self._database.session(write=True)
        try:
            outcomes = write_batch(db, ballots)
            db.commit()  # durable (SQLite synchronous=FULL, PostgreSQL synchronous_commit) before any answer
            return outcomes
        except BaseException:
            db.rollback()
            raise
        finally:
            db.close()


def _worth_alone(error: Exception) -> bool:
    """A row of the batch was refused, or two processes' batches deadlocked: alone, each succeeds or
    fails on its own. Not a locked SQLite file (each request then retries its whole unit)."""
    if isinstance(error, IntegrityError):
        return True
    return isinstance(error, DBAPIError) and getattr(error.orig, "sqlstate", None) in RETRY_ALONE_SQLSTATES


_writers: weakref.WeakKeyDictionary[Database, GroupCommit] = weakref.WeakKeyDictionary()
_writers_lock = threading.Lock()


def writer(database: Database) -> GroupCommit:
    with _writers_lock:
        found = _writers.get(database)
        if found is None:
            found = _writers[database] = GroupCommit(database)
        return found
