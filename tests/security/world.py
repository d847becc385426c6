"""A small world for the security suite: one person per role, and objects owned by `owner` (a member of
Brussels) that every other role meets as "someone else's": a proposal with a comment and an amendment,
a forum space with a thread and a reply, an open consultation, an API token, one-time links.

Sessions are opened the way sign-in opens them (accounts.start_session), a fresh one per request, so a
route that ends the session it was called with (sign-out) cannot spoil the next request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from agora.accounts import services as accounts
from agora.accounts.models import LinkPurpose
from agora.db import Database
from agora.web.endpoint import ANON_COOKIE, csrf_token_for
from tests.conftest import TEST_SECRET
from tests.deliberation_support import (
    Someone,
    _password_hash,
    make_proposal,
    make_space,
    make_thread,
    principal_of,
    reply_as,
)
from tests.factories import person

# The roles of the matrix: each a list of role grants for the factory (None: nobody signed in).
ROLES: dict[str, list[str] | None] = {
    "anonymous": None,
    "member": [],  # a member like the owner, who owns none of the objects
    "owner": [],  # the author of every object of the world
    "moderator": ["moderator"],
    "relay": ["relay:brussels"],  # the relay of the objects' region (meetings)
    "relay_other_region": ["relay:liege"],  # the objects live in Brussels
    "board": ["board_member"],
    "admin": ["admin"],
}
SIGNED_IN = frozenset(ROLES) - {"anonymous"}


@dataclass
class World:
    database: Database
    people: dict[str, Someone]
    tokens: dict[str, str]  # role -> API token
    params: dict[str, str]  # path parameter -> value
    extra: dict[str, Any] = field(default_factory=dict)

    def session(self, role: str) -> tuple[dict[str, str], str]:
        """(cookies, CSRF token) of a fresh session of `role` (an anonymous cookie for `anonymous`)."""
        if role == "anonymous":
            anon = "anonymous-browser"
            return {ANON_COOKIE: anon}, csrf_token_for(TEST_SECRET, f"anon:{anon}")
        with self.database.transaction() as db:
            new = accounts.start_session(db, db.get(accounts.Person, self.people[role].id), days=1)
        return {"agora_session": new.cookie_value}, csrf_token_for(TEST_SECRET, new.record.id_hash)


def _people(database: Database) -> tuple[dict[str, Someone], dict[str, str]]:
    made: dict[str, Someone] = {}
    tokens: dict[str, str] = {}
    with database.transaction() as db:
        for role, grants in ROLES.items():
            if grants is None:
                continue
            p = person(db, roles=grants, password=None, region="brussels")
            made[role] = Someone(p.id, p.email, p.name)
            tokens[role] = accounts.create_token(db, p, "matrix")
        victim = person(db, roles=["ethics_member"], password=None, region="brussels")
        victim.password_hash = _password_hash()  # the one account the matrix signs in with
        made["victim"] = Someone(victim.id, victim.email, victim.name)
        owner = db.get(accounts.Person, made["owner"].id)
        accounts.create_token(db, owner, "to revoke")  # the `{token_id}` of the world, kept apart
        second_admin = person(db, roles=["admin"], password=None)
        made["second_admin"] = Someone(second_admin.id, second_admin.email, second_admin.name)
        tokens["second_admin"] = accounts.create_token(db, second_admin, "matrix")
    return made, tokens


def _deliberation(database: Database, owner: Someone) -> dict[str, str]:
    from agora.proposals import access, services

    proposal_id = make_proposal(database, owner, scope=("region", "brussels"))
    draft_id = make_proposal(database, owner, title="Un brouillon", publish=False)
    with database.transaction() as db:
        principal = principal_of(db, owner.id)
        proposal = access.access_proposal(db, principal, proposal_id, for_update=True)
        comment = services.add_comment(db, principal, proposal, "Je suis pour, évidemment.", "for")
        amendment = services.propose_amendment(db, principal, proposal, "Un potager partagé à Liège",
                                               "Créons un **grand** potager partagé.", "Plus grand.")
        comment_id, amendment_id = comment.id, amendment.id
    make_space(database, slug="general")
    thread_id = make_thread(database, owner)
    post_id = reply_as(database, owner, thread_id, "Une réponse de la personne qui possède tout.")
    return {"proposal_id": proposal_id, "comment_id": comment_id, "amendment_id": amendment_id,
            "thread_id": thread_id, "post_id": post_id, "slug": "general", "draft_id": draft_id}


def _consultation(client: Any, tokens: dict[str, str]) -> str:
    from tests.consultations.support import definition

    def headers(role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[role]}"}

    created = client.post("/api/v1/consultations", json=definition(), headers=headers("admin"))
    assert created.status_code == 201, created.text
    cid = created.json()["id"]
    for step, role in (("approve", "second_admin"), ("open", "admin")):
        answer = client.post(f"/api/v1/consultations/{cid}/{step}", headers=headers(role))
        assert answer.status_code == 200, answer.text
    return str(cid)


def _meetings(world: World, client: Any) -> None:
    """An assembly (by the admin) with a document, and a pre-assembly meeting in Brussels (by its relay)."""
    from tests.meetings.support import assembly, meeting

    admin = type("Caller", (), {"headers": {"Authorization": f"Bearer {world.tokens['admin']}"}})()
    relay = type("Caller", (), {"headers": {"Authorization": f"Bearer {world.tokens['relay']}"}})()
    assembly_id = assembly(client, admin)["id"]
    world.params["assembly_id"] = assembly_id
    world.params["meeting_id"] = meeting(client, relay, region="brussels", assembly_id=assembly_id)["id"]
    world.params["ref"] = "r1"
    world.params["region_slug"] = "brussels"
    client.cookies.clear()
    cookies, token = world.session("admin")
    client.cookies.update(cookies)
    uploaded = client.post(f"/assemblies/{assembly_id}/documents", data={"csrf_token": token, "title": "Comptes"},
                           files={"document": ("comptes.pdf", PDF, "application/pdf")}, follow_redirects=False)
    assert uploaded.status_code == 303, uploaded.text[-500:]
    client.cookies.clear()
    with world.database.session(write=False) as db:
        from sqlalchemy import select

        from agora.meetings.models import AssemblyDocument

        world.params["document_id"] = db.execute(select(AssemblyDocument.id)).scalar_one()


PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")


def _links(database: Database, victim: Someone) -> dict[str, str]:
    with database.transaction() as db:
        target = db.get(accounts.Person, victim.id)
        return {purpose.value: accounts.create_link(db, target, purpose, timedelta(days=1))
                for purpose in (LinkPurpose.INVITATION, LinkPurpose.RESET)}


def build(database: Database, client: Any) -> World:
    people, tokens = _people(database)
    params = _deliberation(database, people["owner"])
    params["consultation_id"] = _consultation(client, tokens)
    params["person_id"] = people["victim"].id
    links = _links(database, people["victim"])
    with database.session(write=False) as db:
        from sqlalchemy import select

        from agora.accounts.models import ApiToken
        from agora.people.models import RoleGrant

        params["token_id"] = db.execute(select(ApiToken.id).where(ApiToken.person_id == people["owner"].id,
                                                                  ApiToken.label == "to revoke")).scalar_one()
        params["grant_id"] = str(db.execute(select(RoleGrant.id).where(RoleGrant.person_id == people["victim"].id)
                                            ).scalar_one())
    params["victim_email"] = people["victim"].email
    params["path"] = "favicon.svg"
    world = World(database, people, tokens, params, extra={"links": links})
    _meetings(world, client)
    return world


def fill(template: str, world: World, renames: dict[str, str] | None = None) -> str:
    """`template` with every `{name}` replaced by the world's value (or by that of `renames[name]`)."""
    for name, source in (renames or {}).items():
        template = template.replace("{" + name + "}", world.params[source])
    for name, value in world.params.items():
        template = template.replace("{" + name + "}", value)
    return template


def path_for(template: str, world: World, renames: dict[str, str] | None = None) -> str:
    """The route's path with every `{name}` filled from the world (`{token}`: the link of the route)."""
    path = fill(template, world, renames)
    if "{token}" in path:
        purpose = "reset" if path.startswith("/reset/") else "invitation"
        path = path.replace("{token}", world.extra["links"][purpose])
    assert "{" not in path, f"the security world has no value for a parameter of {template}: add it to world.py"
    return path
