"""The outbox on a real session and database: an event leaves only with the work it announces."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from agora.notifications.models import Notification
from agora.notifications.services import notify
from agora.realtime import outbox
from tests.realtime.conftest import people


def names(events: list[outbox.OutgoingEvent]) -> list[str]:
    return [event.name for event in events]


@pytest.fixture
def alice_id(database):
    return people(database, [])[0].id


def test_rolled_back_notification_leaves_nothing(database, alice_id):
    db = database.session(write=True)
    try:
        notify(db, alice_id, "role_granted", {"role": "moderator", "scope": ""})
        db.rollback()
        assert outbox.take(db) == []
        stored = db.execute(select(func.count()).select_from(Notification)).scalar_one()
        assert stored == 0

        notify(db, alice_id, "role_granted", {"role": "moderator", "scope": ""})
        db.commit()
        assert outbox.take(db) == [outbox.OutgoingEvent(f"person:{alice_id}", "notification", {"unread": 1})]
        assert outbox.take(db) == []  # each event leaves once
    finally:
        db.close()


def test_nothing_leaves_before_commit(database):
    db = database.session(write=True)
    try:
        outbox.queue(db, "person:x", "early", {})
        assert outbox.take(db) == []
        db.commit()
        assert names(outbox.take(db)) == ["early"]
    finally:
        db.close()


def test_queued_before_any_query_then_rolled_back(database):
    """A rollback with no transaction fires no event: the queue must not keep it for the next commit."""
    db = database.session(write=True)
    try:
        outbox.queue(db, "person:x", "rolled_back", {})
        db.rollback()
        outbox.queue(db, "person:x", "committed", {})
        db.commit()
        assert names(outbox.take(db)) == ["committed"]
    finally:
        db.close()


def test_closed_without_commit(database, alice_id):
    db = database.session(write=True)
    notify(db, alice_id, "role_granted", {"role": "moderator", "scope": ""})
    db.close()
    assert outbox.take(db) == []
    db.close()


def test_savepoints(database, alice_id):
    db = database.session(write=True)
    try:
        outbox.queue(db, "r", "outer", {})
        savepoint = db.begin_nested()
        notify(db, alice_id, "role_granted", {"role": "moderator", "scope": ""})
        savepoint.rollback()
        with db.begin_nested():
            outbox.queue(db, "r", "released", {})
        assert outbox.take(db) == []  # released, but the outer transaction has not committed
        db.commit()
        assert names(outbox.take(db)) == ["outer", "released"]
    finally:
        db.close()


def test_a_rollback_after_a_commit_keeps_what_was_committed(database):
    """A handler may commit part of its work (a failed sign-in attempt) and then answer an error."""
    db = database.session(write=True)
    try:
        outbox.queue(db, "r", "committed", {})
        db.commit()
        outbox.queue(db, "r", "rolled_back", {})
        db.rollback()
        assert names(outbox.take(db)) == ["committed"]
    finally:
        db.close()
