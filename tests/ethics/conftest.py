"""A committee covering the four categories, a chair, and one person for every role of the matrix."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from agora.accounts import services as accounts
from agora.db import Database
from agora.ethics_committee import committee, services
from agora.ethics_committee.models import Referral
from agora.people.models import Person
from agora.permissions import Principal
from agora.web.endpoint import load_principal
from tests.factories import person

CSRF_RE = re.compile(r'name="csrf-token" content="([0-9a-f]+)"')

# role in the matrix → roles granted
ROLES: dict[str, list[str]] = {
    "referrer": [], "cooperator": [], "other_cooperator": [], "member": ["ethics_member"],
    "recused_member": ["ethics_member"], "chair": ["ethics_member"], "rapporteur": ["ethics_member"],
    "moderator": ["moderator"], "admin": ["admin"], "board": ["board_member"], "relay": ["relay:brussels"],
}
CATEGORIES = {"chair": "members", "member": "permanents", "recused_member": "clients", "rapporteur": "partners"}


def principal_of(db: Session, person_id: str) -> Principal:
    return load_principal(db, db.get(Person, person_id))  # type: ignore[arg-type]


@dataclass
class Cast:
    database: Database
    ids: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)

    def act(self, role: str, operation: Any, referral_id: str | None = None) -> Any:
        """Runs a service call as `role` in its own committed transaction."""
        with self.database.transaction() as db:
            principal = principal_of(db, self.ids[role])
            if referral_id is None:
                return operation(db, principal)
            referral = db.get(Referral, referral_id)
            return operation(db, principal, referral)

    def api(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"} if role in self.tokens else {}

    def use(self, client: TestClient, role: str) -> None:
        client.cookies.clear()
        if role in self.cookies:
            client.cookies.set("agora_session", self.cookies[role])

    def post(self, client: TestClient, role: str, path: str, data: dict[str, Any] | None = None,
             files: Any = None) -> Any:
        self.use(client, role)
        page = client.get("/")
        token = CSRF_RE.search(page.text)
        assert token
        return client.post(path, data={**(data or {}), "csrf_token": token.group(1)}, files=files,
                           follow_redirects=False)


@pytest.fixture
def cast(database: Database) -> Cast:
    made = Cast(database)
    with database.transaction() as db:
        admin_id = None
        for role, roles in ROLES.items():
            someone = person(db, roles=roles, password=None, name=f"{role.replace('_', ' ').title()} Secretname")
            made.ids[role] = someone.id
            made.tokens[role] = accounts.create_token(db, someone, "tests")
            made.cookies[role] = accounts.start_session(db, someone, days=1).cookie_value
            if role == "admin":
                admin_id = someone.id
        assert admin_id
        admin = principal_of(db, admin_id)
        for role, category in CATEGORIES.items():
            member = committee.appoint(db, admin, db.get(Person, made.ids[role]).email, category)  # type: ignore[union-attr]
            if role == "chair":
                committee.make_chair(db, admin, member.id)
    return made


def submit(cast: Cast, role: str = "referrer", **fields: str) -> str:
    values = {"subject": "Confidential subject Zebra", "question": "Confidential question Quokka",
              "context": "Confidential context Narwhal", "language": "fr", **fields}
    return cast.act(role, lambda db, p: services.submit(db, p, **values)).id  # type: ignore[no-any-return]


STEPS = ["acknowledge", "admissible", "rapporteur", "examine", "draft", "open", "votes", "close", "send",
         "summary", "approve", "publish"]


def advance(cast: Cast, referral_id: str, until: str, start: str = STEPS[0]) -> None:
    """Takes a referral through the workflow from step `start` up to and including step `until`."""
    chair = "chair"
    acts: dict[str, list[tuple[str, Any]]] = {
        "acknowledge": [(chair, lambda db, p, r: services.acknowledge(db, p, r))],
        "admissible": [(chair, lambda db, p, r: services.decide_admissibility(db, p, r, "yes", ""))],
        "rapporteur": [(chair, lambda db, p, r: services.assign_rapporteur(db, p, r, cast.ids["rapporteur"]))],
        "examine": [(chair, lambda db, p, r: services.start_examination(db, p, r))],
        "draft": [("rapporteur", lambda db, p, r: services.save_draft(
            db, p, r, "Confidential opinion Okapi", ["Confidential recommendation Axolotl"]))],
        "open": [(chair, lambda db, p, r: services.open_vote(db, p, r))],
        "votes": [(role, lambda db, p, r: services.cast(db, p, r, "for"))
                  for role in ("chair", "member", "rapporteur")],
        "close": [(chair, lambda db, p, r: services.close_vote(db, p, r))],
        "send": [(chair, lambda db, p, r: services.send_opinion(db, p, r))],
        "summary": [("rapporteur", lambda db, p, r: services.write_summary(
            db, p, r, title="Public title Pelican", summary="Public summary Heron",
            recommendations=["Public recommendation Ibis"], language="fr"))],
        "approve": [(chair, lambda db, p, r: services.approve_summary(db, p, r))],
        "publish": [(chair, lambda db, p, r: services.publish(db, p, r))],
    }
    for step in STEPS[STEPS.index(start): STEPS.index(until) + 1]:
        for role, act in acts[step]:
            cast.act(role, act, referral_id)


@pytest.fixture
def referral_id(cast: Cast) -> Iterator[str]:
    ident = submit(cast)
    cast.act("recused_member", lambda db, p, r: services.recuse(db, p, r, "my cousin"), ident)
    yield ident
