"""During and after the meeting: check-in, the current item, the room's positions, notes, new
proposals, minutes, the submitted (locked) report and its dated addenda. Never commits.

Every act that changes what the room's screens show queues one `meeting_state` event.
Once the report is submitted nothing of the meeting changes; corrections are addenda.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agora import audit
from agora.db import utcnow
from agora.deliberation import text
from agora.deliberation.errors import Refused, sign_in_first
from agora.deliberation.scope import Scope, ScopeKind
from agora.i18n import gettext as _
from agora.meetings import events
from agora.meetings.models import (
    CHOICES,
    Addendum,
    Attendance,
    Meeting,
    MeetingItem,
    MeetingNote,
    MeetingProposal,
    MeetingStatus,
    NoteKind,
    PhoneVote,
    PositionMode,
    RoomCount,
    counts_dict,
)
from agora.meetings.services import items_of, may_run
from agora.people.labels import college_names
from agora.people.models import COLLEGE_KEYS, CollegeKey, Person, Region
from agora.permissions import Principal
from agora.proposals import services as proposals
from agora.proposals.models import Proposal
from agora.settings import LANGUAGES

NOTE_MAX = 2_000


def _locked() -> Refused:
    return Refused(409, "report_submitted", _(
        "The report of this meeting was submitted: it is locked. Add a dated addendum to correct it."))


def _runner(principal: Principal, meeting: Meeting) -> Person:
    if principal.person is None:
        raise sign_in_first()
    if not may_run(principal, meeting):
        raise Refused(403, "outside_region", _("Only the relays of this meeting's region can do this."))
    return principal.person


def _open(principal: Principal, meeting: Meeting) -> Person:
    person = _runner(principal, meeting)
    if meeting.status == MeetingStatus.SUBMITTED:
        raise _locked()
    return person


# --- attendance ------------------------------------------------------------------------------

def attendance_count(db: Session, meeting_id: str) -> int:
    return int(db.execute(select(func.count()).select_from(Attendance)
                          .where(Attendance.meeting_id == meeting_id)).scalar_one())


def attendance_by_college(db: Session, meeting_id: str) -> dict[str, int]:
    rows = db.execute(select(Attendance.college, func.count()).where(Attendance.meeting_id == meeting_id)
                      .group_by(Attendance.college)).all()
    found = {college.value: int(count) for college, count in rows}
    return {key: found.get(key, 0) for key in COLLEGE_KEYS}


def attendees(db: Session, meeting_id: str) -> list[Attendance]:
    return list(db.execute(select(Attendance).where(Attendance.meeting_id == meeting_id)
                           .order_by(Attendance.checked_in_at, Attendance.name)).scalars())


def attendance_of(db: Session, meeting_id: str, person_id: str | None) -> Attendance | None:
    if person_id is None:
        return None
    return db.execute(select(Attendance).where(Attendance.meeting_id == meeting_id,
                                               Attendance.person_id == person_id)).scalar_one_or_none()


def check_in(db: Session, principal: Principal, meeting: Meeting, *, person_id: str = "", name: str = "",
             college: str = "") -> Attendance:
    """A person of the register (by id, idempotent), or a walk-in named at the door with their college."""
    relay = _open(principal, meeting)
    if person_id:
        person = db.get(Person, person_id) if len(person_id) <= 32 else None
        if person is None or not person.active:
            raise Refused(422, "invalid", _("This person is not in the register."), "person")
        existing = attendance_of(db, meeting.id, person.id)
        if existing is not None:
            return existing
        row = Attendance(meeting_id=meeting.id, person_id=person.id, name=person.name,
                         college=person.voting_college or CollegeKey.MEMBERS)
    else:
        try:
            clean = text.title(name, "name", minimum=2)
        except text.TextError as error:
            raise Refused(422, "invalid", error.message, "name") from None
        if college not in COLLEGE_KEYS:
            raise Refused(422, "invalid", _("Choose the walk-in's college."), "college")
        row = Attendance(meeting_id=meeting.id, name=clean, college=CollegeKey(college), walk_in=True)
    try:
        with db.begin_nested():
            db.add(row)
    except IntegrityError:  # checked in at the same moment from another screen
        found = attendance_of(db, meeting.id, person_id)
        assert found is not None
        return found
    if meeting.status == MeetingStatus.PLANNED:
        meeting.status = MeetingStatus.RUNNING
    db.flush()
    audit.record(db, "meeting.check_in", actor_id=relay.id, target_type="meeting", target_id=meeting.id,
                 attendance=row.id, walk_in=row.walk_in)
    events.state_changed(db, meeting.id)
    return row


# --- the agenda and positions -----------------------------------------------------------------

def set_current(db: Session, principal: Principal, meeting: Meeting, item: MeetingItem | None) -> None:
    relay = _open(principal, meeting)
    meeting.current_item_id = item.id if item is not None else None
    if meeting.status == MeetingStatus.PLANNED:
        meeting.status = MeetingStatus.RUNNING
    db.flush()
    audit.record(db, "meeting.current_item", actor_id=relay.id, target_type="meeting", target_id=meeting.id,
                 item=item.ref if item else None)
    events.state_changed(db, meeting.id)


def _position_item(meeting: Meeting, item: MeetingItem) -> None:
    if meeting.status == MeetingStatus.SUBMITTED:
        raise _locked()
    if not item.asks_position:
        raise Refused(409, "information_only", _("This item is for information only: no position is asked."))


def vote(db: Session, principal: Principal, meeting: Meeting, item: MeetingItem, choice: str) -> None:
    """An attendee's indicative vote from their phone: one per checked-in person, changeable during the item."""
    if principal.person is None:
        raise sign_in_first()
    _position_item(meeting, item)
    if choice not in CHOICES:
        raise Refused(422, "invalid", _("Choose for, against or abstain."), "choice")
    attendance = attendance_of(db, meeting.id, principal.person.id)
    if attendance is None:
        raise Refused(403, "not_checked_in", _("Only checked-in attendees can vote; ask the relay to check you in."))
    if meeting.current_item_id != item.id:
        raise Refused(409, "not_current", _("The room is not on this item at the moment."))
    if item.mode != PositionMode.PHONES:
        raise Refused(409, "counted_by_relay", _("The relay is entering the room's counts for this item."))
    existing = db.get(PhoneVote, (item.id, attendance.id))
    if existing is None:
        db.add(PhoneVote(item_id=item.id, attendance_id=attendance.id, college=attendance.college, choice=choice))
    else:
        existing.choice, existing.at = choice, utcnow()
    db.flush()
    events.state_changed(db, meeting.id)


def vote_of(db: Session, meeting: Meeting, person_id: str | None) -> str | None:
    """This person's vote on the current item, if they gave one."""
    attendance = attendance_of(db, meeting.id, person_id)
    if attendance is None or meeting.current_item_id is None:
        return None
    found = db.get(PhoneVote, (meeting.current_item_id, attendance.id))
    return found.choice if found is not None else None


def _count(value: Any, where: str) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    elif value in (None, ""):
        value = 0
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise Refused(422, "invalid", _("%(field)s must be a whole number, 0 or more.") % {"field": where}, where)
    return value


def set_counts(db: Session, principal: Principal, meeting: Meeting, item: MeetingItem,
               by_college: Mapping[str, Mapping[str, Any]]) -> None:
    """The room's counts per college, entered by the relay; never more than the attendance."""
    relay = _open(principal, meeting)
    _position_item(meeting, item)
    unknown = sorted(set(by_college) - set(COLLEGE_KEYS))
    if unknown:
        raise Refused(422, "invalid", _("Unknown college: %(college)s.") % {"college": unknown[0][:32]}, "by_college")
    present = attendance_by_college(db, meeting.id)
    parsed: dict[str, dict[str, int]] = {}
    for college, counts in by_college.items():
        if not isinstance(counts, Mapping) or set(counts) - set(CHOICES):
            raise Refused(422, "invalid", _("Give counts for, against and abstain."), college)
        parsed[college] = {choice: _count(counts.get(choice), f"{college}.{choice}") for choice in CHOICES}
        if sum(parsed[college].values()) > present[college]:
            raise Refused(422, "exceeds_attendance", _(
                "The counts of %(college)s (%(total)s) exceed the attendees of that college checked in "
                "(%(present)s).") % {"college": college_names()[college], "total": sum(parsed[college].values()),
                                      "present": present[college]}, college)
    db.execute(RoomCount.__table__.delete().where(RoomCount.item_id == item.id))
    for college, counts in parsed.items():
        db.add(RoomCount(item_id=item.id, college=CollegeKey(college), for_count=counts["for"],
                         against_count=counts["against"], abstain_count=counts["abstain"]))
    item.mode = PositionMode.COUNTS
    db.flush()
    audit.record(db, "meeting.counts", actor_id=relay.id, target_type="meeting", target_id=meeting.id,
                 item=item.ref, by_college=parsed)
    events.state_changed(db, meeting.id)


def empty_counts() -> dict[str, int]:
    return dict.fromkeys(CHOICES, 0)


def positions(db: Session, meeting_id: str) -> dict[str, dict[str, Any]]:
    """Per item ref: mode, counts, by_college (only colleges with a position), total. Two queries."""
    items = items_of(db, meeting_id)
    by_id = {item.id: item for item in items}
    result: dict[str, dict[str, Any]] = {
        item.ref: {"mode": item.mode.value, "counts": empty_counts(), "by_college": {}, "total": 0}
        for item in items if item.asks_position}
    ids = [item.id for item in items if item.asks_position]
    votes = db.execute(select(PhoneVote.item_id, PhoneVote.college, PhoneVote.choice, func.count())
                       .where(PhoneVote.item_id.in_(ids))
                       .group_by(PhoneVote.item_id, PhoneVote.college, PhoneVote.choice)).all() if ids else []
    counted = list(db.execute(select(RoomCount).where(RoomCount.item_id.in_(ids))).scalars()) if ids else []
    per_item: dict[str, dict[str, dict[str, int]]] = defaultdict(dict)
    for item_id, college, choice, count in votes:
        if by_id[item_id].mode == PositionMode.PHONES:
            per_item[item_id].setdefault(college.value, empty_counts())[choice] += int(count)
    for row in counted:
        if by_id[row.item_id].mode == PositionMode.COUNTS:
            per_item[row.item_id][row.college.value] = counts_dict(row)
    for item_id, colleges in per_item.items():
        entry = result[by_id[item_id].ref]
        entry["by_college"] = {key: colleges[key] for key in COLLEGE_KEYS if key in colleges}
        for counts in colleges.values():
            for choice in CHOICES:
                entry["counts"][choice] += counts[choice]
        entry["total"] = sum(entry["counts"].values())
    return result


def live_state(db: Session, meeting_id: str) -> events.MeetingState:
    meeting = db.get(Meeting, meeting_id)
    assert meeting is not None
    current = db.get(MeetingItem, meeting.current_item_id) if meeting.current_item_id else None
    return events.MeetingState(meeting.id, meeting.status.value, current.ref if current else None,
                               dict(current.titles) if current else {}, attendance_count(db, meeting.id),
                               meeting.quorum, positions(db, meeting.id))


# --- notes, proposals, minutes --------------------------------------------------------------------

def add_note(db: Session, principal: Principal, meeting: Meeting, kind: str, body: str, language: str,
             item: MeetingItem | None) -> MeetingNote:
    relay = _open(principal, meeting)
    try:
        note_kind = NoteKind(kind)
    except ValueError:
        raise Refused(422, "invalid", _("Choose a question or an amendment."), "kind") from None
    value = body.replace("\x00", "").strip()
    if not value:
        raise Refused(422, "invalid", _("The text must not be empty."), "text")
    if len(value) > NOTE_MAX:
        raise Refused(422, "invalid", _("The text is too long (%(length)s characters; at most %(max)s).")
                      % {"length": len(value), "max": NOTE_MAX}, "text")
    note = MeetingNote(meeting_id=meeting.id, item_id=item.id if item else None, kind=note_kind, text=value,
                       language=language if language in LANGUAGES else meeting.language_list[0], author_id=relay.id)
    db.add(note)
    db.flush()
    audit.record(db, "meeting.note", actor_id=relay.id, target_type="meeting", target_id=meeting.id,
                 kind=note_kind.value)
    return note


def notes_of(db: Session, meeting_id: str) -> list[MeetingNote]:
    return list(db.execute(select(MeetingNote).where(MeetingNote.meeting_id == meeting_id)
                           .order_by(MeetingNote.created_at, MeetingNote.id)).scalars())


def add_proposal(db: Session, principal: Principal, meeting: Meeting, title: str, body: str,
                 language: str) -> Proposal:
    """A new proposal stated in the room becomes a real proposal of the region, published, linked here."""
    _open(principal, meeting)
    draft = proposals.check_draft(title, body, language if language in LANGUAGES else meeting.language_list[0],
                                  Scope(ScopeKind.REGION, region=db.get(Region, meeting.region_id)), None)
    proposal = proposals.create(db, principal, draft, publish_now=True)
    db.add(MeetingProposal(meeting_id=meeting.id, proposal_id=proposal.id))
    proposals.record_event(db, proposal, "from_meeting", principal.id, meeting=meeting.id)
    db.flush()
    audit.record(db, "meeting.proposal", actor_id=principal.id, target_type="meeting", target_id=meeting.id,
                 proposal=proposal.id)
    return proposal


def proposals_of(db: Session, meeting_id: str) -> list[Proposal]:
    return list(db.execute(select(Proposal).join(MeetingProposal, MeetingProposal.proposal_id == Proposal.id)
                           .where(MeetingProposal.meeting_id == meeting_id)
                           .order_by(MeetingProposal.created_at)).scalars())


def save_minutes(db: Session, principal: Principal, meeting: Meeting, markdown: str) -> None:
    relay = _open(principal, meeting)
    value = markdown.replace("\r\n", "\n").replace("\x00", "").strip()
    if len(value) > text.BODY_MAX:
        raise Refused(422, "invalid", _("The text is too long (%(length)s characters; at most %(max)s).")
                      % {"length": len(value), "max": text.BODY_MAX}, "minutes")
    meeting.minutes_md = value
    meeting.minutes_html = text.rich(value, "minutes").html if value else ""
    db.flush()
    audit.record(db, "meeting.minutes", actor_id=relay.id, target_type="meeting", target_id=meeting.id)


def submit(db: Session, principal: Principal, meeting: Meeting) -> None:
    """Locks the meeting's report: attendance, positions, notes and minutes no longer change."""
    relay = _open(principal, meeting)
    if attendance_count(db, meeting.id) == 0:
        raise Refused(409, "no_attendance", _("Check attendees in before submitting the report."))
    meeting.status = MeetingStatus.SUBMITTED
    meeting.submitted_at = utcnow()
    meeting.submitted_by_id = relay.id
    meeting.current_item_id = None
    db.flush()
    audit.record(db, "meeting.submit", actor_id=relay.id, target_type="meeting", target_id=meeting.id,
                 attendance=attendance_count(db, meeting.id))
    events.state_changed(db, meeting.id)


def add_addendum(db: Session, principal: Principal, meeting: Meeting, markdown: str) -> Addendum:
    relay = _runner(principal, meeting)
    if meeting.status != MeetingStatus.SUBMITTED:
        raise Refused(409, "not_submitted", _(
            "The report is not submitted yet: correct it directly; addenda are for submitted reports."))
    try:
        rich = text.rich(markdown, "addendum", maximum=text.BODY_MAX)
    except text.TextError as error:
        raise Refused(422, "invalid", error.message, "addendum") from None
    addendum = Addendum(meeting_id=meeting.id, text_md=rich.markdown, text_html=rich.html, author_id=relay.id)
    db.add(addendum)
    db.flush()
    audit.record(db, "meeting.addendum", actor_id=relay.id, target_type="meeting", target_id=meeting.id,
                 addendum=addendum.id)
    return addendum


def addenda_of(db: Session, meeting_id: str) -> list[Addendum]:
    return list(db.execute(select(Addendum).where(Addendum.meeting_id == meeting_id)
                           .order_by(Addendum.created_at)).scalars())
