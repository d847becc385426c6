"""Moderation state shared by every kind of user content, flags, the public log and the settings."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from agora.db import Base, enum_column, new_id, utcnow


class ModerationState(enum.StrEnum):
    VISIBLE = "visible"
    HIDDEN = "hidden"  # by a moderator, with a reason; the author and moderators still see it
    HELD = "held"  # a new account's post waiting for review; only its author and moderators see it


class Moderated:
    """Columns every moderated content table carries."""

    moderation: Mapped[ModerationState] = mapped_column(enum_column(ModerationState), default=ModerationState.VISIBLE,
                                                        index=True)
    moderation_reason: Mapped[str] = mapped_column(Text, default="")
    moderated_at: Mapped[datetime | None]

    @property
    def is_visible(self) -> bool:
        return self.moderation == ModerationState.VISIBLE

    @property
    def is_hidden(self) -> bool:
        return self.moderation == ModerationState.HIDDEN

    @property
    def is_held(self) -> bool:
        return self.moderation == ModerationState.HELD


class ModerationAct(enum.StrEnum):
    HIDE = "hide"
    RESTORE = "restore"
    APPROVE = "approve"  # a held post is published
    REJECT = "reject"  # a held post is refused (it stays hidden)
    DISMISS = "dismiss"  # the flags on a content are closed without action


class Flag(Base):
    """Someone's report that a content breaks the rules; one per person and content."""

    __tablename__ = "moderation_flags"
    __table_args__ = (UniqueConstraint("target_type", "target_id", "reporter_id"),
                      Index("ix_moderation_flags_open", "resolved_at", "created_at"))

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str] = mapped_column(String(32))
    reporter_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]


class ModerationAction(Base):
    """One entry of the public moderation log: what, when, why, and the role of who acted."""

    __tablename__ = "moderation_actions"
    __table_args__ = (Index("ix_moderation_actions_target", "target_type", "target_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str] = mapped_column(String(32))
    act: Mapped[ModerationAct] = mapped_column(enum_column(ModerationAct))
    reason: Mapped[str] = mapped_column(Text)
    actor_id: Mapped[str | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    actor_role: Mapped[str] = mapped_column(String(32))  # "moderator" or "admin": the log names the role
    url: Mapped[str] = mapped_column(String(500), default="")


class ModerationSettings(Base):
    """One row, edited by the secretariat: hold-for-review and rate limits."""

    __tablename__ = "moderation_settings"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    hold_first_posts: Mapped[int] = mapped_column(default=0)  # 0: off; n: an account's first n posts wait
    rate_limit_posts: Mapped[int] = mapped_column(default=10)  # at most this many posts…
    rate_limit_minutes: Mapped[int] = mapped_column(default=5)  # …in this many minutes
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
