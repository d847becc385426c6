"""General Assemblies with their agenda, local meetings run by relays, registrations, attendance,
the room's indicative positions, notes, linked proposals and addenda."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agora.db import Base, enum_column, new_id, utcnow
from agora.people.models import CollegeKey, Region


class DecisionType(enum.StrEnum):
    ORDINARY = "ordinary"
    EXTRAORDINARY = "extraordinary"
    INFORMATION = "information"  # information only: no position is asked


class MeetingKind(enum.StrEnum):
    PRE_ASSEMBLY = "pre_assembly"
    QUARTERLY = "quarterly"
    COLLEGE = "college"  # a gathering of one college


class MeetingStatus(enum.StrEnum):
    PLANNED = "planned"
    RUNNING = "running"
    SUBMITTED = "submitted"  # the report is locked; corrections are addenda


class RegistrationStatus(enum.StrEnum):
    REGISTERED = "registered"
    WAITING = "waiting"
    CANCELLED = "cancelled"


class PositionMode(enum.StrEnum):
    PHONES = "phones"  # attendees vote from their phones, one per checked-in person
    COUNTS = "counts"  # the relay enters the room's counts per college


class NoteKind(enum.StrEnum):
    QUESTION = "question"
    AMENDMENT = "amendment"


CHOICES = ("for", "against", "abstain")


class Assembly(Base):
    __tablename__ = "assemblies"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    titles: Mapped[dict[str, str]] = mapped_column(JSON)
    convocations: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # plain text by language
    starts_at: Mapped[datetime] = mapped_column(index=True)
    places: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[str | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def title(self, language: str) -> str:
        return self.titles.get(language) or next(iter(self.titles.values()), "")


class AgendaItem(Base):
    __tablename__ = "agenda_items"
    __table_args__ = (UniqueConstraint("assembly_id", "ref"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    assembly_id: Mapped[str] = mapped_column(ForeignKey("assemblies.id", ondelete="CASCADE"), index=True)
    ref: Mapped[str] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(default=0)
    decision_type: Mapped[DecisionType] = mapped_column(enum_column(DecisionType), default=DecisionType.ORDINARY)
    titles: Mapped[dict[str, str]] = mapped_column(JSON)
    texts: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)

    def title(self, language: str) -> str:
        return self.titles.get(language) or next(iter(self.titles.values()), "")

    def text(self, language: str) -> str:
        return self.texts.get(language) or next(iter(self.texts.values()), "")


class AssemblyDocument(Base):
    __tablename__ = "assembly_documents"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    assembly_id: Mapped[str] = mapped_column(ForeignKey("assemblies.id", ondelete="CASCADE"), index=True)
    file_id: Mapped[str] = mapped_column(ForeignKey("stored_files.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Meeting(Base):
    __tablename__ = "meetings"
    __table_args__ = (Index("ix_meetings_region_starts", "region_id", "starts_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    kind: Mapped[MeetingKind] = mapped_column(enum_column(MeetingKind))
    assembly_id: Mapped[str | None] = mapped_column(ForeignKey("assemblies.id"), index=True)
    region_id: Mapped[str] = mapped_column(ForeignKey("regions.id"))
    college: Mapped[CollegeKey | None] = mapped_column(enum_column(CollegeKey))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    address: Mapped[str] = mapped_column(String(300), default="")
    online_url: Mapped[str] = mapped_column(String(500), default="")
    languages: Mapped[str] = mapped_column(String(16), default="fr")  # "fr,nl"
    capacity: Mapped[int | None]
    waiting_list: Mapped[bool] = mapped_column(default=True)
    quorum: Mapped[int | None]  # attendees needed for the meeting's quorum, shown in the room
    publish_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    status: Mapped[MeetingStatus] = mapped_column(enum_column(MeetingStatus), default=MeetingStatus.PLANNED)
    current_item_id: Mapped[str | None] = mapped_column(String(32))
    minutes_md: Mapped[str] = mapped_column(Text, default="")
    minutes_html: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[str | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    submitted_by_id: Mapped[str | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    reminded_at: Mapped[datetime | None]

    region: Mapped[Region] = relationship(lazy="raise")

    @property
    def language_list(self) -> list[str]:
        return [code for code in self.languages.split(",") if code]


class MeetingItem(Base):
    """One point of a meeting's agenda: an AG agenda item, or a local topic."""

    __tablename__ = "meeting_items"
    __table_args__ = (UniqueConstraint("meeting_id", "ref"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    meeting_id: Mapped[str] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    ref: Mapped[str] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(default=0)
    agenda_item_id: Mapped[str | None] = mapped_column(ForeignKey("agenda_items.id"))
    titles: Mapped[dict[str, str]] = mapped_column(JSON)
    decision_type: Mapped[DecisionType] = mapped_column(enum_column(DecisionType), default=DecisionType.ORDINARY)
    mode: Mapped[PositionMode] = mapped_column(enum_column(PositionMode), default=PositionMode.PHONES)

    def title(self, language: str) -> str:
        return self.titles.get(language) or next(iter(self.titles.values()), "")

    @property
    def asks_position(self) -> bool:
        return self.decision_type != DecisionType.INFORMATION


class Registration(Base):
    __tablename__ = "meeting_registrations"

    meeting_id: Mapped[str] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True, index=True)
    status: Mapped[RegistrationStatus] = mapped_column(enum_column(RegistrationStatus))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)  # the waiting list's order
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class Attendance(Base):
    """A checked-in attendee: a person of the register, or a walk-in named at the door."""

    __tablename__ = "meeting_attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "person_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    meeting_id: Mapped[str] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[str | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(200))
    college: Mapped[CollegeKey] = mapped_column(enum_column(CollegeKey))
    walk_in: Mapped[bool] = mapped_column(default=False)
    checked_in_at: Mapped[datetime] = mapped_column(default=utcnow)


class PhoneVote(Base):
    """One indicative vote per checked-in person and item (not a ballot: positions are advisory)."""

    __tablename__ = "meeting_votes"

    item_id: Mapped[str] = mapped_column(ForeignKey("meeting_items.id", ondelete="CASCADE"), primary_key=True)
    attendance_id: Mapped[str] = mapped_column(ForeignKey("meeting_attendance.id", ondelete="CASCADE"),
                                               primary_key=True)
    college: Mapped[CollegeKey] = mapped_column(enum_column(CollegeKey))
    choice: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class RoomCount(Base):
    """The room's counts for one item and college, entered by the relay."""

    __tablename__ = "meeting_counts"

    item_id: Mapped[str] = mapped_column(ForeignKey("meeting_items.id", ondelete="CASCADE"), primary_key=True)
    college: Mapped[CollegeKey] = mapped_column(enum_column(CollegeKey), primary_key=True)
    for_count: Mapped[int] = mapped_column(default=0)
    against_count: Mapped[int] = mapped_column(default=0)
    abstain_count: Mapped[int] = mapped_column(default=0)


class MeetingNote(Base):
    """A question raised or an amendment suggested in the room."""

    __tablename__ = "meeting_notes"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    meeting_id: Mapped[str] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[str | None] = mapped_column(ForeignKey("meeting_items.id", ondelete="SET NULL"))
    kind: Mapped[NoteKind] = mapped_column(enum_column(NoteKind))
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(2))
    author_id: Mapped[str | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MeetingProposal(Base):
    __tablename__ = "meeting_proposals"

    meeting_id: Mapped[str] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True)
    proposal_id: Mapped[str] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Addendum(Base):
    """A dated correction to a submitted (locked) meeting report."""

    __tablename__ = "meeting_addenda"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    meeting_id: Mapped[str] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    text_md: Mapped[str] = mapped_column(Text)
    text_html: Mapped[str] = mapped_column(Text)
    author_id: Mapped[str | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def counts_dict(row: RoomCount) -> dict[str, Any]:
    return {"for": row.for_count, "against": row.against_count, "abstain": row.abstain_count}
