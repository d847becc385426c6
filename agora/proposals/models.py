"""Proposals, their versions, timeline, supports, followers, translations, amendments and comments."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agora.db import Base, enum_column, new_id, utcnow
from agora.deliberation.scope import ScopeKind
from agora.moderation.models import Moderated, ModerationState
from agora.people.models import CollegeKey, Person, Region


class ProposalStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"  # collecting supports
    THRESHOLD_REACHED = "threshold_reached"
    ON_AGENDA = "on_agenda"  # of a consultation, a local meeting or a General Assembly
    SENT_TO_BOARD = "sent_to_board"
    ANSWERED = "answered"
    WITHDRAWN = "withdrawn"


class BoardDecision(enum.StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    PARTLY_ACCEPTED = "partly_accepted"
    POSTPONED = "postponed"


class Stance(enum.StrEnum):
    FOR = "for"
    AGAINST = "against"
    NEUTRAL = "neutral"


class AmendmentStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class ThresholdMode(enum.StrEnum):
    ABSOLUTE = "absolute"  # a number of supports
    SHARE = "share"  # a share of the active members in the proposal's scope, frozen at publication


class Proposal(Moderated, Base):
    __tablename__ = "proposals"
    # listed_at is the list's "most recent" key: published_at once published, created_at before (kept by services)
    __table_args__ = (Index("ix_proposals_listing", "moderation", "status", "published_at"),
                      Index("ix_proposals_listed", "moderation", "listed_at", "id"))

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    author_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    status: Mapped[ProposalStatus] = mapped_column(enum_column(ProposalStatus), default=ProposalStatus.DRAFT,
                                                   index=True)
    language: Mapped[str] = mapped_column(String(2))  # the language the author wrote in
    title: Mapped[str] = mapped_column(String(200))
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)  # cleaned by agora.sanitize when written
    version: Mapped[int] = mapped_column(default=1)
    scope_kind: Mapped[ScopeKind] = mapped_column(enum_column(ScopeKind), default=ScopeKind.COOPERATIVE, index=True)
    region_id: Mapped[str | None] = mapped_column(ForeignKey("regions.id"), index=True)
    college: Mapped[CollegeKey | None] = mapped_column(enum_column(CollegeKey), index=True)
    sector: Mapped[str | None] = mapped_column(String(32), index=True)
    theme: Mapped[str | None] = mapped_column(String(32), index=True)
    support_threshold: Mapped[int | None]  # frozen when published
    supports_count: Mapped[int] = mapped_column(default=0, index=True)
    comments_count: Mapped[int] = mapped_column(default=0, index=True)
    source_thread_id: Mapped[str | None] = mapped_column(ForeignKey("forum_threads.id", ondelete="SET NULL"),
                                                         unique=True)
    agenda_note: Mapped[str] = mapped_column(String(500), default="")
    board_note: Mapped[str] = mapped_column(String(500), default="")
    decision: Mapped[BoardDecision | None] = mapped_column(enum_column(BoardDecision))
    decision_md: Mapped[str] = mapped_column(Text, default="")
    decision_html: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    listed_at: Mapped[datetime] = mapped_column(default=utcnow)
    threshold_reached_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]

    author: Mapped[Person] = relationship(lazy="raise")
    region: Mapped[Region | None] = relationship(lazy="raise")


class ProposalCount(Base):
    """How many proposals are in each moderation state and status: the list's "N proposals found"
    without counting them on every view (10,000 proposals cost 0.8 ms of SQLite a page, a third of
    the page; bench/README.md). Kept by database triggers on `proposals` (migration 0010), in the
    transaction of each write whatever makes it (the services, plain SQL, a restore); agora never writes
    it. Derived: left out of backups, rebuilt by the triggers when the proposals are restored."""

    __tablename__ = "proposal_counts"
    __table_args__ = {"info": {"derived": True}}  # noqa: RUF012 - SQLAlchemy reads a plain dict

    moderation: Mapped[ModerationState] = mapped_column(enum_column(ModerationState), primary_key=True)
    status: Mapped[ProposalStatus] = mapped_column(enum_column(ProposalStatus), primary_key=True)
    proposals: Mapped[int]


class ProposalVersion(Base):
    """Each text the proposal has had; version 1 is the published one, later ones come from amendments."""

    __tablename__ = "proposal_versions"
    __table_args__ = (UniqueConstraint("proposal_id", "number"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    proposal_id: Mapped[str] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    author_id: Mapped[str | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    amendment_id: Mapped[str | None] = mapped_column(ForeignKey("proposal_amendments.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProposalEvent(Base):
    """The dated timeline of a proposal: every change of status and every notable act."""

    __tablename__ = "proposal_events"
    __table_args__ = (Index("ix_proposal_events_proposal_at", "proposal_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    proposal_id: Mapped[str] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[str | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ProposalSupport(Base):
    """One support per person and proposal: the primary key is the rule."""

    __tablename__ = "proposal_supports"

    proposal_id: Mapped[str] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProposalFollower(Base):
    __tablename__ = "proposal_followers"

    proposal_id: Mapped[str] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProposalTranslation(Moderated, Base):
    """A translation beside the original, by anyone; marked as such wherever it is shown."""

    __tablename__ = "proposal_translations"
    __table_args__ = (UniqueConstraint("proposal_id", "language"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    proposal_id: Mapped[str] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(2))
    title: Mapped[str] = mapped_column(String(200))
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    author_id: Mapped[str] = mapped_column(ForeignKey("people.id"))  # the translator
    based_on_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    author: Mapped[Person] = relationship(lazy="raise")


class Amendment(Moderated, Base):
    """A proposed new text (title and body) with its explanation; the proposal's author decides."""

    __tablename__ = "proposal_amendments"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    proposal_id: Mapped[str] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    base_version: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    explanation_md: Mapped[str] = mapped_column(Text, default="")
    explanation_html: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[AmendmentStatus] = mapped_column(enum_column(AmendmentStatus), default=AmendmentStatus.PENDING)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    author: Mapped[Person] = relationship(lazy="raise")


class ProposalComment(Moderated, Base):
    """A comment with a stance; replies form a tree (`root_id` is the top comment of the tree)."""

    __tablename__ = "proposal_comments"
    __table_args__ = (Index("ix_proposal_comments_listing", "proposal_id", "parent_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    proposal_id: Mapped[str] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("proposal_comments.id", ondelete="CASCADE"))
    root_id: Mapped[str] = mapped_column(String(32), index=True)
    depth: Mapped[int] = mapped_column(default=0)
    author_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    stance: Mapped[Stance] = mapped_column(enum_column(Stance), default=Stance.NEUTRAL)
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    supports_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    edited_at: Mapped[datetime | None]

    author: Mapped[Person] = relationship(lazy="raise")


class CommentSupport(Base):
    __tablename__ = "proposal_comment_supports"

    comment_id: Mapped[str] = mapped_column(ForeignKey("proposal_comments.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProposalSettings(Base):
    """One row, edited by the secretariat: the support threshold for newly published proposals."""

    __tablename__ = "proposal_settings"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    threshold_mode: Mapped[ThresholdMode] = mapped_column(enum_column(ThresholdMode), default=ThresholdMode.ABSOLUTE)
    threshold_absolute: Mapped[int] = mapped_column(default=100)
    threshold_share: Mapped[Decimal] = mapped_column(Numeric(7, 5), default=Decimal("0.01"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
