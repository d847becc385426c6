"""In-app notifications, one row per person and event; and the guard of the email digest runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from agora.db import Base, new_id, utcnow


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_person_unread", "person_id", "read_at"),
        # The digest looks for rows neither read nor mailed: one contiguous range of this index.
        Index("ix_notifications_unmailed", "mailed_at", "read_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    url: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    mailed_at: Mapped[datetime | None]  # when an email digest listed it; never listed twice


class DigestRun(Base):
    """One row (id 1): when digests were last sent, and which process holds the run now (a lease).

    A process claims the run in a write transaction that locks this row, so that several workers
    (or a worker and `agora digest send`) never send the same digests at the same time."""

    __tablename__ = "digest_runs"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_started_at: Mapped[datetime | None]
    last_finished_at: Mapped[datetime | None]
    lease_owner: Mapped[str | None] = mapped_column(String(32))
    lease_until: Mapped[datetime | None]
