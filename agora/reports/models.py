"""Reports to the board: one row per version of a report, and the regions each one concerns.

A report is built from a source (`kind`, `source_id`: a consultation, an assembly, a meeting, a
proposal, an ethics opinion; no foreign key, since the kinds live in different tables). `content` is
what the kind's builder computed (see `agora.reports.builders`); the author adds `summary` and
`recommendations`. At submission the whole hashed document is frozen in `frozen` with its `sha256`;
later only the board's part (status, acknowledgement, answer) changes. A correction is a new row
(`version` + 1) whose `previous_id` names the version it corrects.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from agora.db import Base, enum_column, new_id, utcnow


class ReportStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ACKNOWLEDGED = "acknowledged"
    ANSWERED = "answered"


class Decision(enum.StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    PARTLY_ACCEPTED = "partly_accepted"
    POSTPONED = "postponed"


class Report(Base):
    __tablename__ = "reports"
    __table_args__ = (
        Index("ix_reports_status_submitted", "status", "submitted_at"),
        Index("ix_reports_source", "kind", "source_id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(32))
    source_id: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(2))
    status: Mapped[ReportStatus] = mapped_column(enum_column(ReportStatus), default=ReportStatus.DRAFT)
    version: Mapped[int] = mapped_column(default=1)
    previous_id: Mapped[str | None] = mapped_column(ForeignKey("reports.id", ondelete="SET NULL"), index=True)
    previous_sha256: Mapped[str | None] = mapped_column(String(64))
    superseded_by: Mapped[str | None] = mapped_column(String(32))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    summary: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    recommendations: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    built_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None]
    submitted_by: Mapped[str | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    frozen: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the hashed document, from submission on
    sha256: Mapped[str | None] = mapped_column(String(64))
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime | None] = mapped_column(index=True)
    answered_by: Mapped[str | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    decision: Mapped[Decision | None] = mapped_column(enum_column(Decision))
    answer: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)


class ReportRegion(Base):
    """The regions a report concerns (for the public list's filter), taken from its document."""

    __tablename__ = "report_regions"

    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True)
    region: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
