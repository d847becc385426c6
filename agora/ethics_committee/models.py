"""The committee, its referrals (saisines) and what happens to them, its opinions and their register."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agora.db import Base, enum_column, new_id, utcnow
from agora.people.models import CollegeKey, Person


class ReferralKind(enum.StrEnum):
    COOPERATOR = "cooperator"  # a cooperator or a permanent seeking guidance
    BOARD = "board"  # the board or the delegated administrator
    SELF = "self"  # the committee itself (autosaisine)


class ReferralStatus(enum.StrEnum):
    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    ADMISSIBLE = "admissible"
    NOT_ADMISSIBLE = "not_admissible"
    UNDER_EXAMINATION = "under_examination"
    DRAFT_OPINION = "draft_opinion"
    VOTING = "voting"
    ADOPTED = "adopted"
    SENT = "sent"
    PUBLISHED = "published"


class EntryKind(enum.StrEnum):
    NOTE = "note"  # confidential deliberation note: committee only
    HEARING = "hearing"  # a hearing scheduled: committee only
    MESSAGE = "message"  # between the committee and the referrer


class Choice(enum.StrEnum):
    FOR = "for"
    AGAINST = "against"
    ABSTAIN = "abstain"


class FollowUpState(enum.StrEnum):
    PENDING = "pending"
    APPLIED = "applied"
    PARTLY_APPLIED = "partly_applied"
    NOT_APPLIED = "not_applied"


class EthicsSettings(Base):
    """One row: the committee's configuration."""

    __tablename__ = "ethics_settings"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    acknowledge_days: Mapped[int] = mapped_column(Integer, default=10)


class CommitteeMember(Base):
    __tablename__ = "ethics_members"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), unique=True)
    category: Mapped[CollegeKey] = mapped_column(enum_column(CollegeKey))
    is_chair: Mapped[bool] = mapped_column(default=False)
    appointed_by_id: Mapped[str | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    appointed_at: Mapped[datetime] = mapped_column(default=utcnow)

    person: Mapped[Person] = relationship(foreign_keys=[person_id], lazy="raise")


class Referral(Base):
    __tablename__ = "ethics_referrals"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    kind: Mapped[ReferralKind] = mapped_column(enum_column(ReferralKind))
    referrer_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    question: Mapped[str] = mapped_column(Text)
    context: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(2))
    status: Mapped[ReferralStatus] = mapped_column(enum_column(ReferralStatus), default=ReferralStatus.RECEIVED,
                                                   index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledge_by: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    decision_reason: Mapped[str] = mapped_column(Text, default="")  # admissibility, sent to the referrer
    rapporteur_id: Mapped[str | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    referrer: Mapped[Person] = relationship(foreign_keys=[referrer_id], lazy="raise")


class Recusal(Base):
    __tablename__ = "ethics_recusals"
    __table_args__ = (UniqueConstraint("referral_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    referral_id: Mapped[str] = mapped_column(ForeignKey("ethics_referrals.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Entry(Base):
    """A note, a hearing or a message on a referral's file."""

    __tablename__ = "ethics_entries"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    referral_id: Mapped[str] = mapped_column(ForeignKey("ethics_referrals.id", ondelete="CASCADE"), index=True)
    kind: Mapped[EntryKind] = mapped_column(enum_column(EntryKind))
    author_id: Mapped[str | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    scheduled_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[Person | None] = relationship(lazy="raise")


class Attachment(Base):
    __tablename__ = "ethics_attachments"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    referral_id: Mapped[str] = mapped_column(ForeignKey("ethics_referrals.id", ondelete="CASCADE"), index=True)
    file_id: Mapped[str] = mapped_column(ForeignKey("stored_files.id", ondelete="CASCADE"))
    committee_only: Mapped[bool] = mapped_column(default=False)  # a committee document, not the referrer's
    added_by_id: Mapped[str | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(160))
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Ballot(Base):
    __tablename__ = "ethics_ballots"
    __table_args__ = (UniqueConstraint("referral_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    referral_id: Mapped[str] = mapped_column(ForeignKey("ethics_referrals.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    choice: Mapped[Choice] = mapped_column(enum_column(Choice))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Opinion(Base):
    """The committee's opinion on a referral: the confidential text, its vote and its public summary."""

    __tablename__ = "ethics_opinions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    referral_id: Mapped[str] = mapped_column(ForeignKey("ethics_referrals.id", ondelete="CASCADE"), unique=True)
    text: Mapped[str] = mapped_column(Text, default="")  # confidential: the referrer and the committee
    recommendations: Mapped[list[str]] = mapped_column(JSON, default=list)
    votes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the recorded result of the vote
    adopted_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    # The anonymised public summary, written by the rapporteur and approved by the chair.
    language: Mapped[str] = mapped_column(String(2), default="fr")
    public_title: Mapped[str] = mapped_column(String(200), default="")
    public_summary: Mapped[str] = mapped_column(Text, default="")
    public_recommendations: Mapped[list[str]] = mapped_column(JSON, default=list)
    summary_approved_by_id: Mapped[str | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    summary_approved_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None] = mapped_column(index=True)


class OpinionTranslation(Base):
    __tablename__ = "ethics_opinion_translations"
    __table_args__ = (UniqueConstraint("opinion_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    opinion_id: Mapped[str] = mapped_column(ForeignKey("ethics_opinions.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(2))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    recommendations: Mapped[list[str]] = mapped_column(JSON, default=list)
    translated_by_id: Mapped[str | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class FollowUp(Base):
    """The referrer's or the board's answer to a published opinion, and whether a recommendation was applied."""

    __tablename__ = "ethics_follow_ups"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    opinion_id: Mapped[str] = mapped_column(ForeignKey("ethics_opinions.id", ondelete="CASCADE"), index=True)
    author_role: Mapped[str] = mapped_column(String(16))  # "referrer" or "board": never a name
    author_id: Mapped[str | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    recommendation: Mapped[int | None]  # index in the public recommendations; None: the opinion as a whole
    state: Mapped[FollowUpState] = mapped_column(enum_column(FollowUpState))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AccessLog(Base):
    """Who read or changed which referral, when: seen by the chair only. The audit log holds a pointer."""

    __tablename__ = "ethics_access_log"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    referral_id: Mapped[str] = mapped_column(ForeignKey("ethics_referrals.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[str | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    person: Mapped[Person | None] = relationship(lazy="raise")
