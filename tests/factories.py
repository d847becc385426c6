"""Factories with hostile defaults: every text field carries markup that must never run."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy.orm import Session

from agora.people.accounts_admin import create_user
from agora.people.models import Person

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
_counter = itertools.count(1)


def person(db: Session, *, roles: list[str] | None = None,
           password: str | None = "correct horse battery",  # noqa: S107 -- the test accounts' shared password
           name: str | None = None, email: str | None = None, **fields: Any) -> Person:
    n = next(_counter)
    defaults: dict[str, Any] = {"language": "fr", "region": "brussels", "voting_college": "members",
                                "shares": 1, "categories": "members"}
    defaults.update(fields)
    return create_user(db, email or f"person{n}@example.org", name or f"Person {n} {HOSTILE}", roles or [],
                       password, **defaults)
