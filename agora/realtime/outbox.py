"""Events leave after commit: `queue()` during the unit of work, `take()` once it has committed.

A rollback drops the outbox with the session, so nobody is told about something that did not happen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

_KEY = "agora_outbox"


@dataclass(frozen=True)
class OutgoingEvent:
    room: str
    name: str
    payload: dict[str, Any]


def queue(db: Session, room: str, name: str, payload: dict[str, Any]) -> None:
    db.info.setdefault(_KEY, []).append(OutgoingEvent(room, name, payload))


def take(db: Session) -> list[OutgoingEvent]:
    return db.info.pop(_KEY, [])


@event.listens_for(Session, "after_rollback")
def _drop_on_rollback(db: Session) -> None:
    db.info.pop(_KEY, None)
