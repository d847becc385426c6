"""`services.lock_for_ballot`: a ballot re-reads the consultation's state under the lock but reuses the
questions this transaction already loaded while the consultation was open (bench/README.md: loading
them twice was the largest single cost of a ballot) — and never a stale copy."""

from __future__ import annotations

from sqlalchemy import event

from agora.consultations import errors, lifecycle, services, voting
from agora.consultations.models import Status
from agora.db import utcnow
from agora.people.models import Person
from tests.consultations.support import ANSWERS, caller, opened


def _statements(database):
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(database.engine, "before_cursor_execute", count)
    return seen, lambda: event.remove(database.engine, "before_cursor_execute", count)


def test_an_open_consultation_loaded_in_the_transaction_is_reused(client, database, settings):
    admin, other = caller(database, roles=["admin"]), caller(database, roles=["admin"])
    cid = opened(client, admin, other)
    db = database.session(write=True)
    try:
        loaded = services.get(db, cid)
        seen, stop = _statements(database)
        try:
            locked = services.lock_for_ballot(db, cid)
        finally:
            stop()
        assert locked is loaded
        assert len(seen) == 1 and "consultation_questions" not in seen[0]  # the state only, not the questions
    finally:
        db.rollback()
        db.close()


def test_a_copy_loaded_before_the_close_is_not_trusted(client, database, settings):
    admin, other = caller(database, roles=["admin"]), caller(database, roles=["admin"])
    voter = caller(database)
    cid = opened(client, admin, other)
    db = database.session(write=True)
    try:
        stale = services.get(db, cid)
        assert stale is not None and stale.status == Status.OPEN
        db.commit()  # the copy stays in the session (expire_on_commit=False), still saying "open"
        with database.transaction() as closer:
            lifecycle.close_now(closer, cid, admin.id, utcnow())
        locked = services.lock_for_ballot(db, cid)
        assert locked is not None and locked.status == Status.CLOSED
        try:
            voting.cast(db, cid, db.get(Person, voter.id), ANSWERS, secret_key=settings.secret_key)
        except errors.Refused as refused:
            assert (refused.status, refused.code) == (409, "not_open")
        else:
            raise AssertionError("a ballot was accepted after the close")
    finally:
        db.rollback()
        db.close()
