"""People, regions, colleges and roles: the member register."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Numeric, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agora.db import Base, enum_column, new_id, utcnow


class CollegeKey(enum.StrEnum):
    MEMBERS = "members"
    PERMANENTS = "permanents"
    CLIENTS = "clients"
    PARTNERS = "partners"


COLLEGE_KEYS = tuple(college.value for college in CollegeKey)
DEFAULT_WEIGHTS = {"members": Decimal("0.55"), "permanents": Decimal("0.25"),
                   "clients": Decimal("0.10"), "partners": Decimal("0.10")}


class Role(enum.StrEnum):
    ADMIN = "admin"
    MODERATOR = "moderator"
    RELAY = "relay"
    ETHICS_MEMBER = "ethics_member"
    BOARD_MEMBER = "board_member"
    DELEGATED_ADMINISTRATOR = "delegated_administrator"


def region_name(names: dict[str, str], slug: str, language: str) -> str:
    """A region's name in a language, else in French, else its short name."""
    return names.get(language) or names.get("fr") or slug


class Region(Base):
    __tablename__ = "regions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    names: Mapped[dict[str, str]] = mapped_column(JSON)
    languages: Mapped[str] = mapped_column(String(16))  # e.g. "fr,nl"; the first is the default
    active: Mapped[bool] = mapped_column(default=True)

    def name(self, language: str) -> str:
        return region_name(self.names, self.slug, language)

    @property
    def default_language(self) -> str:
        return self.languages.split(",")[0]


class College(Base):
    __tablename__ = "colleges"

    key: Mapped[CollegeKey] = mapped_column(enum_column(CollegeKey), primary_key=True)
    weight: Mapped[Decimal] = mapped_column(Numeric(6, 4))
    position: Mapped[int] = mapped_column(default=0)


class Person(Base):
    __tablename__ = "people"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(2), default="fr")
    region_id: Mapped[str | None] = mapped_column(ForeignKey("regions.id"), index=True)
    voting_college: Mapped[CollegeKey | None] = mapped_column(enum_column(CollegeKey), index=True)
    categories: Mapped[str] = mapped_column(String(64), default="")  # "members|clients", sorted
    shares: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True, index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # The email digest of unread notifications (agora/notifications/digest.py); the person can turn it off.
    email_digest: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    region: Mapped[Region | None] = relationship(lazy="raise")
    roles: Mapped[list[RoleGrant]] = relationship(
        back_populates="person", lazy="raise", cascade="all, delete-orphan"
    )

    @property
    def category_list(self) -> list[str]:
        return [c for c in self.categories.split("|") if c]

    @property
    def is_shareholder(self) -> bool:
        return self.shares >= 1


class RoleGrant(Base):
    """One role held by one person; `scope` is the region slug for relays, '' otherwise."""

    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("person_id", "role", "scope"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role))
    scope: Mapped[str] = mapped_column(String(64), default="")
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)

    person: Mapped[Person] = relationship(back_populates="roles", lazy="raise")

    @property
    def label(self) -> str:
        return f"{self.role.value}:{self.scope}" if self.scope else self.role.value
