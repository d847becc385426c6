"""Accounts: passwords, server-side sessions, API tokens, one-time links, sign-in throttling.

Secrets handed to people (cookie values, tokens, link tokens) are random; only their SHA-256 is
stored, so a copy of the database does not let anyone sign in.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Select, bindparam, delete, func, select
from sqlalchemy.orm import Session

from agora import audit
from agora.accounts.models import ApiToken, LinkPurpose, OneTimeLink, SigninAttempt, WebSession
from agora.db import LoadedColumns, read_columns, utcnow
from agora.people.models import Person, Role, RoleGrant

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """A hash of a random password: verifying against it costs as much as a real check, so an unknown
    email takes as long as a wrong password. Made on first use, not at import."""
    return _hasher.hash(secrets.token_urlsafe(16))

MIN_PASSWORD_LENGTH = 10


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _dummy_hash(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def normalise_email(email: str) -> str:
    return email.strip().lower()


def get_person_by_email(db: Session, email: str) -> Person | None:
    return db.execute(select(Person).where(Person.email == normalise_email(email))).scalar_one_or_none()


# --- sign-in throttling -----------------------------------------------------------------------

def too_many_attempts(db: Session, email: str, client_ip: str, *, limit: int, window_seconds: int) -> bool:
    since = utcnow() - timedelta(seconds=window_seconds)
    failures = select(func.count()).select_from(SigninAttempt).where(
        SigninAttempt.at >= since, SigninAttempt.succeeded.is_(False)
    )
    by_email = db.execute(failures.where(SigninAttempt.email == normalise_email(email))).scalar_one()
    by_ip = db.execute(failures.where(SigninAttempt.client_ip == client_ip)).scalar_one()
    # One address may serve a whole office behind NAT: allow it more than one account gets.
    return by_email >= limit or by_ip >= limit * 5


def record_attempt(db: Session, email: str, client_ip: str, succeeded: bool) -> None:
    db.add(SigninAttempt(email=normalise_email(email)[:254], client_ip=client_ip, succeeded=succeeded))


# --- sessions ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class NewSession:
    cookie_value: str
    record: WebSession


def start_session(db: Session, person: Person, days: int) -> NewSession:
    value = secrets.token_urlsafe(32)
    record = WebSession(id_hash=sha256(value), person_id=person.id, expires_at=utcnow() + timedelta(days=days))
    db.add(record)
    return NewSession(value, record)


def find_session(db: Session, cookie_value: str) -> tuple[WebSession, Person] | None:
    row = db.execute(
        select(WebSession, Person)
        .join(Person, Person.id == WebSession.person_id)
        .where(WebSession.id_hash == sha256(cookie_value))
    ).first()
    if row is None:
        return None
    session, person = row
    if session.expires_at <= utcnow() or not person.active:
        return None
    return session, person


def _cut_sockets(db: Session, id_hashes: list[str]) -> None:
    """The live connections opened with these sessions (or tokens) are closed once the change commits."""
    from agora.realtime import outbox, rooms

    for id_hash in id_hashes:
        outbox.queue(db, rooms.session(id_hash), rooms.SESSION_ENDED, {})


def end_session(db: Session, id_hash: str) -> None:
    db.execute(delete(WebSession).where(WebSession.id_hash == id_hash))
    _cut_sockets(db, [id_hash])


def end_all_sessions(db: Session, person_id: str, keep: str | None = None) -> None:
    condition = WebSession.person_id == person_id
    if keep is not None:
        condition = condition & (WebSession.id_hash != keep)
    ended = list(db.execute(select(WebSession.id_hash).where(condition)).scalars())
    db.execute(delete(WebSession).where(condition))
    _cut_sockets(db, ended)


def cut_token_sockets(db: Session, person_id: str) -> None:
    """On deactivation: the live connections opened with this person's API tokens are closed too."""
    _cut_sockets(db, list(db.execute(select(ApiToken.token_hash).where(ApiToken.person_id == person_id)).scalars()))


def live_credentials(db: Session, id_hashes: list[str]) -> set[str]:
    """Those of these session hashes and token hashes that still sign someone in (unexpired session or
    unrevoked token, of an active person)."""
    if not id_hashes:
        return set()
    sessions = db.execute(
        select(WebSession.id_hash).join(Person, Person.id == WebSession.person_id)
        .where(WebSession.id_hash.in_(id_hashes), WebSession.expires_at > utcnow(), Person.active.is_(True))
    ).scalars()
    tokens = db.execute(
        select(ApiToken.token_hash).join(Person, Person.id == ApiToken.person_id)
        .where(ApiToken.token_hash.in_(id_hashes), ApiToken.revoked_at.is_(None), Person.active.is_(True))
    ).scalars()
    return {*sessions, *tokens}


# --- API tokens --------------------------------------------------------------------------------

TOKEN_PREFIX = "agora_"  # noqa: S105 -- the public prefix that marks an agora API token, not a secret


def create_token(db: Session, person: Person, label: str = "", *, actor_id: str | None = None) -> str:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.add(ApiToken(person_id=person.id, token_hash=sha256(token), label=label[:100]))
    audit.record(db, "token.create", actor_id=actor_id or person.id, target_type="person", target_id=person.id)
    return token


def find_token(db: Session, token: str) -> Person | None:
    row = db.execute(
        select(Person)
        .join(ApiToken, ApiToken.person_id == Person.id)
        .where(ApiToken.token_hash == sha256(token), ApiToken.revoked_at.is_(None), Person.active.is_(True))
    ).scalar_one_or_none()
    return row


def find_token_with_roles(db: Session, token: str) -> tuple[Person, frozenset[tuple[Role, str]]] | None:
    """`find_token` and the person's role grants in one query (one row per grant, or one with none):
    an API call is authenticated with a single round trip. The person is read as columns and attached
    to the session (`agora.db.LoadedColumns`), not loaded by the ORM."""
    rows = read_columns(db, _token_with_roles(), {"token_hash": sha256(token)}).all()
    if not rows:
        return None
    person = _TOKEN_HOLDER.attach(db, rows[0])
    return person, frozenset((row.role, row.scope) for row in rows if row.role is not None)


_TOKEN_HOLDER = LoadedColumns(Person, "person_")


@cache
def _token_with_roles() -> Select[Any]:
    """Built once (on first use, when every model is mapped): every API call runs it, and building it
    cost as much as running it (bench/README.md, ballots_sqlite)."""
    people, tokens, grants = Person.__table__, ApiToken.__table__, RoleGrant.__table__
    return (select(*_TOKEN_HOLDER.columns, grants.c.role, grants.c.scope)
            .join_from(people, tokens, tokens.c.person_id == people.c.id)
            .outerjoin(grants, grants.c.person_id == people.c.id)
            .where(tokens.c.token_hash == bindparam("token_hash"), tokens.c.revoked_at.is_(None),
                   people.c.active.is_(True)))


def list_tokens(db: Session, person_id: str) -> list[ApiToken]:
    return list(db.execute(
        select(ApiToken).where(ApiToken.person_id == person_id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc())
    ).scalars())


def revoke_token(db: Session, person_id: str, token_id: str) -> bool:
    token = db.get(ApiToken, token_id)
    if token is None or token.person_id != person_id or token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    _cut_sockets(db, [token.token_hash])
    audit.record(db, "token.revoke", actor_id=person_id, target_type="person", target_id=person_id)
    return True


# --- invitations and password resets ------------------------------------------------------------

def create_link(db: Session, person: Person, purpose: LinkPurpose, lifetime: timedelta) -> str:
    token = secrets.token_urlsafe(32)
    db.add(OneTimeLink(token_hash=sha256(token), person_id=person.id, purpose=purpose,
                       expires_at=utcnow() + lifetime))
    return token


class LinkProblem(Exception):
    """The link is unknown, used or expired; `reason` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def check_link(db: Session, token: str, purpose: LinkPurpose) -> tuple[OneTimeLink, Person]:
    link = db.get(OneTimeLink, sha256(token))
    if link is None or link.purpose != purpose:
        raise LinkProblem("unknown")
    if link.used_at is not None:
        raise LinkProblem("used")
    if link.expires_at <= utcnow():
        raise LinkProblem("expired")
    person = db.get(Person, link.person_id)
    if person is None or not person.active:
        raise LinkProblem("unknown")
    return link, person


def use_link(db: Session, link: OneTimeLink, person: Person, password: str) -> None:
    link.used_at = utcnow()
    set_password(db, person, password, actor_id=person.id)


def set_password(db: Session, person: Person, password: str, *, actor_id: str | None,
                 keep_session: str | None = None) -> None:
    person.password_hash = hash_password(password)
    # A changed password ends every other session: a stolen cookie dies with the old password.
    end_all_sessions(db, person.id, keep=keep_session)
    audit.record(db, "password.set", actor_id=actor_id, target_type="person", target_id=person.id)


def session_expiry_is_near(session: WebSession, now: datetime) -> bool:
    return session.expires_at - now < timedelta(days=1)
