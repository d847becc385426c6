"""The API of API.md "Proposals", exactly: create (201 {id, url}), support (200 {supports}, idempotent),
read (status, supports, translations); plus comments and translations, documented in OpenAPI."""

from __future__ import annotations

from agora.accounts import services as accounts
from agora.people.models import Person
from agora.proposals.models import Proposal, ProposalStatus
from tests.deliberation_support import make_proposal, people, row, set_threshold


def _token(database, who):
    with database.transaction() as db:
        return accounts.create_token(db, db.get(Person, who.id), "tests")


def _auth(token, language="fr"):
    return {"Authorization": f"Bearer {token}", "Accept-Language": language}


def test_create_support_and_read(client, database):
    set_threshold(database, absolute=2)
    alice, bob, carol = people(database, [], [], [])
    alice_token, bob_token, carol_token = (_token(database, p) for p in (alice, bob, carol))
    created = client.post("/api/v1/proposals", headers=_auth(alice_token), json={
        "title": {"fr": "Une crèche coopérative"}, "body": {"fr": "Pour les **parents** de la coopérative."},
        "scope": {"region": None}})
    assert created.status_code == 201, created.text
    body = created.json()
    assert set(body) == {"id", "url"} and body["url"] == f"/proposals/{body['id']}"
    assert row(database, Proposal, body["id"]).status == ProposalStatus.PUBLISHED

    for _ in range(2):
        supported = client.post(f"/api/v1/proposals/{body['id']}/support", headers=_auth(bob_token))
        assert supported.status_code == 200 and supported.json()["supports"] == 1
    assert client.post(f"/api/v1/proposals/{body['id']}/support", headers=_auth(carol_token)).json()["supports"] == 2

    read = client.get(f"/api/v1/proposals/{body['id']}", headers=_auth(carol_token)).json()
    assert read["status"] == "threshold_reached" and read["supports"] == 2 and read["threshold"] == 2
    assert read["title"] == "Une crèche coopérative" and read["language"] == "fr"
    assert read["translations"] == {} and read["scope"]["kind"] == "cooperative"
    assert [e["kind"] for e in read["timeline"]] == ["created", "published", "threshold_reached"]

    withdrawn = client.delete(f"/api/v1/proposals/{body['id']}/support", headers=_auth(carol_token))
    assert withdrawn.status_code == 200 and withdrawn.json()["supports"] == 1


def test_several_languages_become_translations_and_scope_is_checked(client, database):
    (alice,) = people(database, [])
    token = _token(database, alice)
    created = client.post("/api/v1/proposals", headers=_auth(token), json={
        "title": {"nl": "Een coöperatieve crèche", "fr": "Une crèche coopérative"},
        "body": {"nl": "Voor ouders.", "fr": "Pour les parents."}, "scope": {"region": "gent"}, "theme": "services"})
    assert created.status_code == 201
    read = client.get(created.json()["url"].replace("/proposals", "/api/v1/proposals"), headers=_auth(token)).json()
    assert read["language"] == "nl" and read["title"] == "Een coöperatieve crèche"
    assert read["translations"]["fr"]["title"] == "Une crèche coopérative"
    assert read["translations"]["fr"]["translation"] is True and read["scope"]["region"] == "gent"

    for scope, needle in [({"region": "atlantis"}, "atlantis"), ({"planet": "mars"}, "planet"),
                          ({"region": "liege", "college": "members"}, "college"), ({"sector": "piracy"}, "piracy")]:
        refused = client.post("/api/v1/proposals", headers=_auth(token, "nl"), json={
            "title": {"fr": "Titre correct"}, "body": {"fr": "Texte"}, "scope": scope})
        assert refused.status_code == 422, scope
        assert refused.json()["error"]["code"] == "invalid_scope" and needle in refused.json()["error"]["message"]


def test_errors_are_json_in_the_callers_language(client, database):
    alice, bob = people(database, [], [])
    token = _token(database, bob)
    unknown = client.post("/api/v1/proposals", headers=_auth("agora_nope", "nl"), json={"title": {"fr": "x"}})
    assert unknown.status_code == 401 and unknown.json()["error"]["code"] == "unauthenticated"
    for payload in [{"title": "pas un objet", "body": {"fr": "x"}}, {"title": {"en": "Title"}, "body": {"en": "Body"}},
                    {"title": {"fr": ""}, "body": {"fr": "Texte"}}, {"title": {"fr": "Titre"}, "body": {"nl": "Tekst"}},
                    {"title": {"fr": "T" * 201}, "body": {"fr": "Texte"}}, [1, 2]]:
        refused = client.post("/api/v1/proposals", headers=_auth(token), json=payload)
        assert refused.status_code == 422, payload
        assert set(refused.json()["error"]) >= {"code", "message"}
    proposal_id = make_proposal(database, alice)
    withdraw_as(database, alice, proposal_id)
    gone = client.post(f"/api/v1/proposals/{proposal_id}/support", headers=_auth(token, "de"))
    assert gone.status_code == 409 and gone.json()["error"]["code"] == "withdrawn"
    assert client.get("/api/v1/proposals/" + "0" * 32, headers=_auth(token)).status_code == 404
    draft = make_proposal(database, alice, publish=False)
    assert client.get(f"/api/v1/proposals/{draft}", headers=_auth(token)).status_code == 404  # someone else's draft


def withdraw_as(database, author, proposal_id):
    """Withdraws the proposal as its author, through the services (the API has no withdraw operation)."""
    from agora.proposals import access, services
    from tests.deliberation_support import principal_of

    with database.transaction() as db:
        principal = principal_of(db, author.id)
        services.withdraw(db, principal, access.access_proposal(db, principal, proposal_id), "")


def test_comments_and_translations_through_the_api(client, database):
    alice, bob = people(database, [], [])
    token = _token(database, bob)
    proposal_id = make_proposal(database, alice)
    base = f"/api/v1/proposals/{proposal_id}"
    top = client.post(f"{base}/comments", headers=_auth(token), json={"body": "Pour !", "stance": "for"})
    assert top.status_code == 201
    reply = client.post(f"{base}/comments", headers=_auth(token),
                        json={"body": "Précision", "stance": "neutral", "parent": top.json()["id"]})
    assert reply.status_code == 201
    bad = client.post(f"{base}/comments", headers=_auth(token), json={"body": "x", "stance": "bof"})
    assert bad.status_code == 422
    listing = client.get(f"{base}/comments", headers=_auth(token)).json()
    assert [(c["stance"], c["parent"]) for c in listing["items"]] == [("for", None), ("neutral", top.json()["id"])]
    translated = client.post(f"{base}/translations", headers=_auth(token),
                             json={"language": "de", "title": "Ein Gemüsegarten", "body": "Text"})
    assert translated.status_code == 201
    read = client.get(base, headers=_auth(token)).json()
    assert read["translations"]["de"]["translator"]["id"] == bob.id and read["comments"] == 2
    found = client.get("/api/v1/proposals?q=potager", headers=_auth(token)).json()
    assert [p["id"] for p in found["items"]] == [proposal_id] and found["total"] == 1


def test_openapi_documents_the_proposal_operations(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"post", "get"} <= set(paths["/proposals"])
    assert "201" in paths["/proposals"]["post"]["responses"]
    assert {"post", "delete"} <= set(paths["/proposals/{proposal_id}/support"])
    assert "get" in paths["/proposals/{proposal_id}"] and "post" in paths["/proposals/{proposal_id}/comments"]
