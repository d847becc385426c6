"""Notifying many people at once (followers, subscribers, admins) in a constant number of queries.

The same rows and live events as `agora.notifications.services.notify`, for a whole list of people:
one bulk insert, one grouped count, one event per person's room (after commit, through the outbox).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from agora.db import new_id, utcnow
from agora.notifications.models import Notification
from agora.people.models import Person, Role, RoleGrant
from agora.realtime import outbox, rooms

CHUNK = 500


def notify_many(db: Session, person_ids: Iterable[str | None], kind: str, data: dict[str, Any], url: str = "",
                *, exclude: Iterable[str | None] = ()) -> int:
    skip = {p for p in exclude if p}
    ids = sorted({p for p in person_ids if p} - skip)
    if not ids:
        return 0
    now = utcnow()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        db.execute(insert(Notification), [
            {"id": new_id(), "person_id": person_id, "kind": kind, "data": data, "url": url, "created_at": now}
            for person_id in chunk
        ])
        unread = db.execute(
            select(Notification.person_id, func.count()).where(Notification.person_id.in_(chunk),
                                                              Notification.read_at.is_(None))
            .group_by(Notification.person_id)
        ).all()
        for person_id, count in unread:
            outbox.queue(db, rooms.person(person_id), "notification", {"unread": count})
    return len(ids)


def admin_ids(db: Session) -> list[str]:
    return list(db.execute(
        select(RoleGrant.person_id).join(Person, Person.id == RoleGrant.person_id)
        .where(RoleGrant.role == Role.ADMIN, Person.active.is_(True)).distinct()
    ).scalars())
