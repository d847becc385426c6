"""Who is signed in, in one query: the session, the person, their roles, their region's languages and
their unread notifications.

Every signed-in page needs all five before its handler runs or while its header is drawn; asked one by
one they were four round trips and a fifth at render time (bench/README.md, page_proposals). One row
comes back per role grant (or one row with no grant); the unread count is a correlated subquery on
`ix_notifications_person_unread`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from agora.accounts.models import WebSession
from agora.accounts.services import sha256
from agora.db import LoadedColumns, read_columns, utcnow
from agora.notifications.models import Notification
from agora.people.models import Person, Region, RoleGrant
from agora.permissions import Principal


@dataclass(frozen=True)
class SignedIn:
    principal: Principal
    session_hash: str
    region_language: str | None  # the default language of the person's region, if any
    unread: int  # unread notifications when the request began


_PERSON = LoadedColumns(Person, "person_")


def _signed_in_statement() -> Any:
    people, sessions, regions, grants = Person.__table__, WebSession.__table__, Region.__table__, RoleGrant.__table__
    unread = (select(func.count()).select_from(Notification.__table__)
              .where(Notification.__table__.c.person_id == people.c.id, Notification.__table__.c.read_at.is_(None))
              .correlate(people).scalar_subquery().label("unread"))
    # Plain columns, not entities: nothing changes the session here, and the person is attached to the
    # session from its columns (`LoadedColumns`): loaded by the ORM, each cost a fifth of the query's time.
    return (select(sessions.c.id_hash, sessions.c.expires_at, *_PERSON.columns, regions.c.languages, unread,
                   grants.c.role, grants.c.scope)
            .join_from(sessions, people, people.c.id == sessions.c.person_id)
            .outerjoin(regions, regions.c.id == people.c.region_id)
            .outerjoin(grants, grants.c.person_id == people.c.id)
            .where(sessions.c.id_hash == bindparam("id_hash")))


@cache
def _signed_in() -> Any:
    """Built once (on first use, when every model is mapped): every signed-in request runs it, and
    building it cost more than running it."""
    return _signed_in_statement()


def find_signed_in(db: Session, cookie_value: str) -> SignedIn | None:
    """The signed-in context of a session cookie; None when the session is unknown, expired or its
    person deactivated (the same rules as `accounts.find_session`)."""
    rows = read_columns(db, _signed_in(), {"id_hash": sha256(cookie_value)}).all()
    if not rows:
        return None
    first = rows[0]
    if first.expires_at <= utcnow() or not first.person_active:
        return None
    roles = frozenset((row.role, row.scope) for row in rows if row.role is not None)
    region_language = first.languages.split(",")[0] if first.languages else None  # Region.default_language
    return SignedIn(Principal(_PERSON.attach(db, first), roles), first.id_hash, region_language, int(first.unread))
