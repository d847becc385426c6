"""Forum spaces, threads, posts (with their edit history) and subscriptions."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agora.db import Base, enum_column, new_id, utcnow
from agora.moderation.models import Moderated
from agora.people.models import CollegeKey, Person


class SpaceKind(enum.StrEnum):
    THEME = "theme"
    REGION = "region"
    COLLEGE = "college"
    SECTOR = "sector"


def space_name(names: dict[str, str], slug: str, language: str) -> str:
    """A space's name in a language, else in French, else in any language, else its short name."""
    return names.get(language) or names.get("fr") or next(iter(names.values()), slug)


class ForumSpace(Base):
    __tablename__ = "forum_spaces"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[SpaceKind] = mapped_column(enum_column(SpaceKind), index=True)
    names: Mapped[dict[str, str]] = mapped_column(JSON)
    descriptions: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    region_id: Mapped[str | None] = mapped_column(ForeignKey("regions.id"))
    college: Mapped[CollegeKey | None] = mapped_column(enum_column(CollegeKey))
    sector: Mapped[str | None] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    threads_count: Mapped[int] = mapped_column(default=0)
    last_post_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def name(self, language: str) -> str:
        return space_name(self.names, self.slug, language)

    def description(self, language: str) -> str:
        return self.descriptions.get(language) or self.descriptions.get("fr") or ""


class ForumThread(Moderated, Base):
    __tablename__ = "forum_threads"
    __table_args__ = (Index("ix_forum_threads_space_activity", "space_id", "last_post_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    space_id: Mapped[str] = mapped_column(ForeignKey("forum_spaces.id", ondelete="CASCADE"))
    author_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(2))
    post_seq: Mapped[int] = mapped_column(default=0)  # the number given to the last post
    posts_count: Mapped[int] = mapped_column(default=0)  # visible posts
    locked: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_post_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[Person] = relationship(lazy="raise")
    space: Mapped[ForumSpace] = relationship(lazy="raise")


class ForumPost(Moderated, Base):
    __tablename__ = "forum_posts"
    __table_args__ = (UniqueConstraint("thread_id", "number"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    thread_id: Mapped[str] = mapped_column(ForeignKey("forum_threads.id", ondelete="CASCADE"))
    number: Mapped[int]  # 1 is the opening post
    author_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    quote_of_id: Mapped[str | None] = mapped_column(ForeignKey("forum_posts.id", ondelete="SET NULL"))
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    edited_at: Mapped[datetime | None]
    edit_count: Mapped[int] = mapped_column(default=0)

    author: Mapped[Person] = relationship(lazy="raise")


class ForumPostRevision(Base):
    """A text a post had before an edit: the edit history is public to whoever reads the thread."""

    __tablename__ = "forum_post_revisions"
    __table_args__ = (Index("ix_forum_post_revisions_post", "post_id", "replaced_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    post_id: Mapped[str] = mapped_column(ForeignKey("forum_posts.id", ondelete="CASCADE"))
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    written_at: Mapped[datetime]
    replaced_at: Mapped[datetime] = mapped_column(default=utcnow)


class ThreadSubscription(Base):
    __tablename__ = "forum_thread_subscriptions"

    thread_id: Mapped[str] = mapped_column(ForeignKey("forum_threads.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SpaceSubscription(Base):
    __tablename__ = "forum_space_subscriptions"

    space_id: Mapped[str] = mapped_column(ForeignKey("forum_spaces.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
