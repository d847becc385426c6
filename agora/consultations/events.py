"""Live updates of a consultation, in the room `consultation:<id>`.

Before the close only participation goes out: how many voted, in total and per college. Never a
count per option, never who. The room is joinable by whoever may read the consultation's page.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, ClassVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agora.consultations.models import Consultation, VoterRecord
from agora.consultations.tally import COLLEGES
from agora.permissions import Principal
from agora.realtime import outbox, rooms
from agora.realtime.coalesce import counted_when_sent
from agora.realtime.server import room_rule

room = rooms.consultation  # room names live in agora/realtime/rooms.py


@dataclass(frozen=True)
class Participation:
    name: ClassVar[str] = "participation"
    voters: int
    by_college: dict[str, int]


@dataclass(frozen=True)
class StatusChanged:
    name: ClassVar[str] = "consultation_status"
    status: str


def voters_by_college(db: Session, consultation_id: str) -> dict[str, int]:
    counts = dict.fromkeys(COLLEGES, 0)
    for college, count in db.execute(
        select(VoterRecord.college, func.count()).where(VoterRecord.consultation_id == consultation_id)
        .group_by(VoterRecord.college)
    ):
        counts[college] = count
    return counts


def _queue(db: Session, consultation_id: str, event: StatusChanged) -> None:
    payload: dict[str, Any] = asdict(event)
    outbox.queue(db, room(consultation_id), event.name, payload)


def participation_changed(db: Session, consultation_id: str) -> None:
    """Participation is counted when it is sent, after the commit, at most twice a second per consultation
    (agora.realtime.coalesce): not in the ballot's transaction, which would miss concurrent ballots."""
    outbox.queue(db, room(consultation_id), Participation.name, {}, coalesce=True)


@counted_when_sent(Participation.name)
def participation_now(db: Session, consultation_room: str) -> dict[str, Any]:
    _kind, consultation_id = rooms.parse(consultation_room) or ("", "")
    by_college = voters_by_college(db, consultation_id)
    return asdict(Participation(voters=sum(by_college.values()), by_college=by_college))


def status_changed(db: Session, consultation: Consultation) -> None:
    _queue(db, consultation.id, StatusChanged(status=consultation.status.value))


@room_rule("consultation")
def _may_join(db: Session, principal: Principal, consultation_id: str) -> bool:
    from agora.consultations import rules

    consultation = db.get(Consultation, consultation_id)
    return consultation is not None and rules.may_read(principal, consultation)
