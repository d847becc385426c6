"""Remote consultations: the consultation and its questions, the frozen electorate, the register of
who voted, and the ballot box.

Secrecy (DESIGN.md "Ballot secrecy and integrity"): the register (`consultation_register`) says who
voted; the ballot box (`ballot_box`) says what was voted. No column of the ballot box refers to a
person: its id is random, it has no timestamp, and the only link a voter keeps to their ballot is
`change_key`, a keyed hash (server secret, person, consultation) stored only when the consultation
allows changing one's vote. On SQLite both tables are WITHOUT ROWID, so that not even the storage
order follows the order of casting.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agora.db import Base, enum_column, new_id, utcnow


class Status(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class Consultation(Base):
    __tablename__ = "consultations"
    __table_args__ = (Index("ix_consultations_status_schedule", "status", "opens_at", "closes_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    status: Mapped[Status] = mapped_column(enum_column(Status), default=Status.DRAFT)
    titles: Mapped[dict[str, str]] = mapped_column(JSON)
    descriptions: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    binding: Mapped[bool] = mapped_column(default=False)
    # None: no restriction. Colleges by key, regions by slug.
    eligible_colleges: Mapped[list[str] | None] = mapped_column(JSON)
    eligible_regions: Mapped[list[str] | None] = mapped_column(JSON)
    # Exact decimals kept as strings: {"members": "0.55", ...}; thresholds the same way.
    weighting_mode: Mapped[str] = mapped_column(String(32))
    weights: Mapped[dict[str, str]] = mapped_column(JSON)
    quorum_mode: Mapped[str] = mapped_column(String(32))
    quorum: Mapped[dict[str, str]] = mapped_column(JSON)
    majority: Mapped[dict[str, str]] = mapped_column(JSON)
    allow_change: Mapped[bool] = mapped_column(default=False)
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    created_by: Mapped[str] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    approved_by: Mapped[str | None] = mapped_column(ForeignKey("people.id"))
    approved_at: Mapped[datetime | None]
    second_call_of: Mapped[str | None] = mapped_column(ForeignKey("consultations.id"))
    # Frozen at opening: {"eligible": n, "by_college": {...}, "by_region": {slug: n}}.
    electorate: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Frozen at closing: the canonical results (what `results_sha256` covers) and, beside them, the
    # arithmetic the explanations are written from (derived data, in no language).
    results: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    arithmetic: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    results_sha256: Mapped[str | None] = mapped_column(String(64))

    questions: Mapped[list[Question]] = relationship(
        lazy="raise", cascade="all, delete-orphan", passive_deletes=True, order_by="Question.position",
        back_populates="consultation",
    )

    def title(self, language: str) -> str:
        return pick(self.titles, language)

    def description(self, language: str) -> str:
        return pick(self.descriptions, language) if self.descriptions else ""


class Question(Base):
    __tablename__ = "consultation_questions"
    __table_args__ = (UniqueConstraint("consultation_id", "ref"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    consultation_id: Mapped[str] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    ref: Mapped[str] = mapped_column(String(32))
    type: Mapped[str] = mapped_column(String(32))
    decision_type: Mapped[str] = mapped_column(String(32))
    titles: Mapped[dict[str, str]] = mapped_column(JSON)
    max_choices: Mapped[int | None]
    budget_total: Mapped[int | None]
    position: Mapped[int] = mapped_column(default=0)

    consultation: Mapped[Consultation] = relationship(lazy="raise", back_populates="questions")
    options: Mapped[list[Option]] = relationship(
        lazy="raise", cascade="all, delete-orphan", passive_deletes=True, order_by="Option.position",
        back_populates="question",
    )

    def title(self, language: str) -> str:
        return pick(self.titles, language)


class Option(Base):
    __tablename__ = "consultation_options"
    __table_args__ = (UniqueConstraint("question_id", "key"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    question_id: Mapped[str] = mapped_column(ForeignKey("consultation_questions.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(32))
    labels: Mapped[dict[str, str]] = mapped_column(JSON)
    position: Mapped[int] = mapped_column(default=0)

    question: Mapped[Question] = relationship(lazy="raise", back_populates="options")

    def label(self, language: str) -> str:
        return pick(self.labels, language) or self.key


class Elector(Base):
    """The electorate, frozen when the consultation opens: who may vote, and in which college."""

    __tablename__ = "consultation_electors"
    __table_args__ = ({"sqlite_with_rowid": False},)

    consultation_id: Mapped[str] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"),
                                                 primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True,
                                           index=True)
    college: Mapped[str] = mapped_column(String(16))
    region_id: Mapped[str | None] = mapped_column(String(32))


class VoterRecord(Base):
    """The register: who voted (never what). One row per voter and consultation, by constraint."""

    __tablename__ = "consultation_register"
    __table_args__ = ({"sqlite_with_rowid": False},)

    consultation_id: Mapped[str] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"),
                                                 primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True,
                                           index=True)
    college: Mapped[str] = mapped_column(String(16))
    region_id: Mapped[str | None] = mapped_column(String(32))


class Ballot(Base):
    """The ballot box: what was voted (never who). See the module docstring."""

    __tablename__ = "ballot_box"
    __table_args__ = (
        UniqueConstraint("consultation_id", "change_key"),
        {"sqlite_with_rowid": False},
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # secrets.token_hex, never sequential
    consultation_id: Mapped[str] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    college: Mapped[str] = mapped_column(String(16))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    tracking_code: Mapped[str] = mapped_column(String(32), unique=True)
    change_key: Mapped[str | None] = mapped_column(String(64))


def pick_language(texts: dict[str, str] | None, language: str) -> str:
    """The language a text is shown in: `language` if it exists in it, else French, else any."""
    for code in (language, "fr", "nl", "de"):
        if (texts or {}).get(code):
            return code
    return language


def pick(texts: dict[str, str] | None, language: str) -> str:
    """The text in `language`, else in French, else in whichever language it exists."""
    return (texts or {}).get(pick_language(texts, language), "")
