"""Registration with a capacity and a waiting list that moves up by itself on cancellation.

Call with the meeting loaded `for_update`: registrations of one meeting are decided one at a time
(the row is locked on PostgreSQL; SQLite write transactions are serialised anyway), so the capacity
is never exceeded by two people taking the last seat together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agora import audit
from agora.db import utcnow
from agora.deliberation.errors import Refused, sign_in_first
from agora.i18n import gettext as _
from agora.meetings.models import Meeting, MeetingStatus, Registration, RegistrationStatus
from agora.notifications.services import notify
from agora.people.models import Person
from agora.permissions import Principal


def url_of(meeting_id: str) -> str:
    return f"/meetings/{meeting_id}"


def registered_count(db: Session, meeting_id: str) -> int:
    return int(db.execute(select(func.count()).select_from(Registration).where(
        Registration.meeting_id == meeting_id, Registration.status == RegistrationStatus.REGISTERED)).scalar_one())


def status_of(db: Session, meeting_id: str, person_id: str | None) -> RegistrationStatus | None:
    if person_id is None:
        return None
    row = db.get(Registration, (meeting_id, person_id))
    return row.status if row is not None and row.status != RegistrationStatus.CANCELLED else None


def register(db: Session, principal: Principal, meeting: Meeting) -> RegistrationStatus:
    """REGISTERED or WAITING; a second call keeps the first place (idempotent)."""
    return register_at(db, principal, meeting, utcnow())


def register_at(db: Session, principal: Principal, meeting: Meeting, now: datetime) -> RegistrationStatus:
    person = principal.person
    if person is None or not person.active:
        raise sign_in_first()
    if meeting.status == MeetingStatus.SUBMITTED or meeting.ends_at <= now:
        raise Refused(409, "meeting_over", _("This meeting is over: registrations are closed."))
    existing = db.get(Registration, (meeting.id, person.id))
    if existing is not None and existing.status != RegistrationStatus.CANCELLED:
        return existing.status
    full = meeting.capacity is not None and registered_count(db, meeting.id) >= meeting.capacity
    if full and not meeting.waiting_list:
        raise Refused(409, "full", _("This meeting is full and has no waiting list."))
    status = RegistrationStatus.WAITING if full else RegistrationStatus.REGISTERED
    if existing is None:
        db.add(Registration(meeting_id=meeting.id, person_id=person.id, status=status, created_at=now, changed_at=now))
    else:  # back after a cancellation: at the end of the queue
        existing.status, existing.created_at, existing.changed_at = status, now, now
    db.flush()
    audit.record(db, "meeting.register", actor_id=person.id, target_type="meeting", target_id=meeting.id,
                 status=status.value)
    return status


def cancel(db: Session, principal: Principal, meeting: Meeting) -> Person | None:
    """Cancels one's registration; returns whoever moved up from the waiting list, if anyone."""
    person = principal.person
    if person is None:
        raise sign_in_first()
    existing = db.get(Registration, (meeting.id, person.id))
    if existing is None or existing.status == RegistrationStatus.CANCELLED:
        return None
    had_seat = existing.status == RegistrationStatus.REGISTERED
    existing.status, existing.changed_at = RegistrationStatus.CANCELLED, utcnow()
    db.flush()
    audit.record(db, "meeting.cancel", actor_id=person.id, target_type="meeting", target_id=meeting.id)
    return _move_up(db, meeting) if had_seat else None


def _move_up(db: Session, meeting: Meeting) -> Person | None:
    if meeting.capacity is not None and registered_count(db, meeting.id) >= meeting.capacity:
        return None
    first = db.execute(select(Registration).where(
        Registration.meeting_id == meeting.id, Registration.status == RegistrationStatus.WAITING)
        .order_by(Registration.created_at, Registration.person_id).limit(1)).scalar_one_or_none()
    if first is None:
        return None
    first.status, first.changed_at = RegistrationStatus.REGISTERED, utcnow()
    db.flush()
    notify(db, first.person_id, "meeting_moved_up", {"title": meeting.title}, url_of(meeting.id))
    audit.record(db, "meeting.moved_up", target_type="meeting", target_id=meeting.id, person=first.person_id)
    return db.get(Person, first.person_id)


@dataclass(frozen=True)
class RegistrationRow:
    person_id: str
    name: str
    email: str
    college: str
    status: str
    created_at: str


def listing(db: Session, meeting_id: str) -> list[RegistrationRow]:
    """Registered first, then the waiting list in its order, then cancellations."""
    order = {RegistrationStatus.REGISTERED: 0, RegistrationStatus.WAITING: 1, RegistrationStatus.CANCELLED: 2}
    rows = db.execute(select(Registration, Person).join(Person, Person.id == Registration.person_id)
                      .where(Registration.meeting_id == meeting_id)).all()
    rows.sort(key=lambda pair: (order[pair[0].status], pair[0].created_at))
    return [RegistrationRow(person.id, person.name, person.email,
                            person.voting_college.value if person.voting_college else "",
                            registration.status.value, registration.created_at.isoformat())
            for registration, person in rows]
