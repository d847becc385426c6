"""Creating accounts by hand (`agora create-user`, demo data, tests)."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from agora import audit
from agora.accounts import services as accounts
from agora.people import services as register
from agora.people.models import Person

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AccountError(ValueError):
    pass


def create_user(db: Session, email: str, name: str, roles: list[str], password: str | None, *,
                language: str = "fr", region: str | None = None, voting_college: str | None = None,
                shares: int = 0, categories: str = "", external_id: str | None = None) -> Person:
    email = accounts.normalise_email(email)
    if not EMAIL.match(email):
        raise AccountError(f"not an email address: {email!r}")
    if not name.strip():
        raise AccountError("the name must not be empty")
    if accounts.get_person_by_email(db, email) is not None:
        raise AccountError(f"an account with the email {email!r} already exists")
    if password is not None and len(password) < accounts.MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {accounts.MIN_PASSWORD_LENGTH} characters")
    try:
        parsed_roles = [register.parse_role(text) for text in roles]
    except register.RegisterError as error:
        raise AccountError(str(error)) from None
    region_row = None
    if region:
        region_row = register.region_by_slug(db, region)
        if region_row is None:
            raise AccountError(f"unknown region: {region!r}")
    person = Person(email=email, name=name.strip(), language=language, region_id=region_row.id if region_row else None,
                    voting_college=voting_college, shares=shares, categories=categories, external_id=external_id,
                    password_hash=accounts.hash_password(password) if password else None)
    db.add(person)
    db.flush()
    audit.record(db, "person.create", target_type="person", target_id=person.id)
    for role, scope in parsed_roles:
        try:
            register.grant_role(db, person, role, scope, actor_id=None)
        except register.RegisterError as error:
            raise AccountError(str(error)) from None
    return person
