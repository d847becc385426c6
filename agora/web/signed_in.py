"""Who is signed in, in one query: the session, the person, their roles, their region's languages and
their unread notifications.

Every signed-in page needs all five before its handler runs or while its header is drawn; asked one by
one they were four round trips and a fifth at render time (bench/README.md, page_proposals). One row
comes back per role grant (or one row with no grant); the unread count is a correlated subquery on
`ix_notifications_person_unread`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from agora.accounts.models import WebSession
from agora.accounts.services import sha256
from agora.db import utcnow
from agora.notifications.models import Notification
from agora.people.models import Person, Region, RoleGrant
from agora.permissions import Principal


@dataclass(frozen=True)
class SignedIn:
    principal: Principal
    session_hash: str
    region_language: str | None  # the default language of the person's region, if any
    unread: int  # unread notifications when the request began


def _signed_in_statement() -> Any:
    unread = (select(func.count()).select_from(Notification)
              .where(Notification.person_id == Person.id, Notification.read_at.is_(None))
              .correlate(Person).scalar_subquery())
    # The session as two columns, not an entity: nothing changes it here, and loading it as an object cost
    # a fifth of the query's time.
    return (select(WebSession.id_hash, WebSession.expires_at, Person, Region.languages, unread, RoleGrant.role,
                   RoleGrant.scope)
            .join(Person, Person.id == WebSession.person_id)
            .outerjoin(Region, Region.id == Person.region_id)
            .outerjoin(RoleGrant, RoleGrant.person_id == Person.id)
            .where(WebSession.id_hash == bindparam("id_hash")))


# Built once: every signed-in request runs it, and building it cost more than running it.
_SIGNED_IN = _signed_in_statement()


def find_signed_in(db: Session, cookie_value: str) -> SignedIn | None:
    """The signed-in context of a session cookie; None when the session is unknown, expired or its
    person deactivated (the same rules as `accounts.find_session`)."""
    rows = db.execute(_SIGNED_IN, {"id_hash": sha256(cookie_value)}).all()
    if not rows:
        return None
    id_hash, expires_at, person, region_languages, unread, _role, _scope = rows[0]
    if expires_at <= utcnow() or not person.active:
        return None
    roles = frozenset((role, scope) for *_rest, role, scope in rows if role is not None)
    region_language = region_languages.split(",")[0] if region_languages else None  # Region.default_language
    return SignedIn(Principal(person, roles), id_hash, region_language, int(unread))
