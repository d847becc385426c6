"""Notifications: stored for the person, announced live in their own room after commit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from agora.db import utcnow
from agora.notifications.models import Notification
from agora.realtime import outbox, rooms


def notify(db: Session, person_id: str, kind: str, data: dict[str, Any], url: str = "") -> Notification:
    from agora.web.endpoint import unread_count

    note = Notification(person_id=person_id, kind=kind, data=data, url=url)
    db.add(note)
    db.flush()
    # The payload names no content: the page fetches the text in the reader's language.
    outbox.queue(db, rooms.person(person_id), "notification", {"unread": unread_count(db, person_id)})
    return note


def list_for(db: Session, person_id: str, limit: int = 50) -> list[Notification]:
    return list(db.execute(
        select(Notification).where(Notification.person_id == person_id)
        .order_by(Notification.created_at.desc()).limit(limit)
    ).scalars())


def mark_all_read(db: Session, person_id: str) -> None:
    db.execute(update(Notification).where(Notification.person_id == person_id, Notification.read_at.is_(None))
               .values(read_at=utcnow()))
    outbox.queue(db, rooms.person(person_id), "notification", {"unread": 0})
