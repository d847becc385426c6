"""Objects owned by someone else, where a route answers the same to everyone but must only act for the
owner (the matrix cannot see the difference): revoking a token, editing a post, deciding an amendment."""

from __future__ import annotations

from sqlalchemy import select

from agora.accounts.models import ApiToken
from agora.forums.models import ForumPost
from tests.security.access_rules import RULES
from tests.security.matrix import call
from tests.security.routing import Endpoint
from tests.security.world import ROLES


def test_only_the_owner_revokes_their_token(client, world):
    endpoint = Endpoint("POST", "/account/tokens/{token_id}/revoke", "")
    for role in ROLES:
        if role in ("owner", "anonymous"):
            continue
        call(client, world, endpoint, role, RULES[endpoint.key])
        with world.database.session(write=False) as db:
            assert db.get(ApiToken, world.params["token_id"]).revoked_at is None, f"{role} revoked the owner's token"
    call(client, world, endpoint, "owner", RULES[endpoint.key])
    with world.database.session(write=False) as db:
        assert db.get(ApiToken, world.params["token_id"]).revoked_at is not None


def test_nobody_else_edits_the_owners_post(client, world):
    from tests.security.access_rules import Rule

    endpoint = Endpoint("POST", "/forums/posts/{post_id}/edit", "")
    with world.database.session(write=False) as db:
        before = db.execute(select(ForumPost.body_md).where(ForumPost.id == world.params["post_id"])).scalar_one()
    for role in ROLES:
        if role != "owner":
            call(client, world, endpoint, role, Rule(frozenset(), form={"body": f"Réécrit par {role}"}))
    with world.database.session(write=False) as db:
        after = db.execute(select(ForumPost.body_md).where(ForumPost.id == world.params["post_id"])).scalar_one()
    assert after == before
