"""API basics: bearer tokens, JSON errors in the caller's language, the OpenAPI document."""

from __future__ import annotations

from agora.accounts import services as accounts
from tests.conftest import post_form, sign_in
from tests.factories import person


def _token(database, **fields):
    with database.transaction() as db:
        p = person(db, **fields)
        return p, accounts.create_token(db, p, "test")


def test_me_with_a_token(client, database):
    p, token = _token(database, roles=["relay:liege"], language="nl")
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    body = response.json()
    assert body["email"] == p.email and body["roles"] == ["relay:liege"] and body["language"] == "nl"


def test_wrong_token_is_a_json_401(client):
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_revoked_token_stops_working(client, database):
    p, token = _token(database)
    with database.transaction() as db:
        token_row = accounts.list_tokens(db, p.id)[0]
        assert accounts.revoke_token(db, p.id, token_row.id)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_api_messages_follow_accept_language_then_the_token_holder(client, database):
    _p, token = _token(database, language="de")
    response = client.post("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 405
    unauth = client.get("/api/v1/me", headers={"Authorization": "Bearer x", "Accept-Language": "nl"})
    assert unauth.json()["error"]["message"] != client.get("/api/v1/me", headers={
        "Authorization": "Bearer x", "Accept-Language": "fr"}).json()["error"]["message"]


def test_tokens_from_the_account_page(client, database):
    with database.transaction() as db:
        email = person(db).email
    sign_in(client, email)
    page = post_form(client, "/account/tokens", {"label": "my script"}, from_page="/account")
    assert page.status_code == 200
    import re

    token = re.search(r'<code class="token">([^<]+)</code>', page.text).group(1)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_openapi_document_lists_the_api(client):
    document = client.get("/api/v1/openapi.json").json()
    assert document["openapi"].startswith("3.")
    assert "/me" in document["paths"]


def test_an_api_write_without_any_credentials_is_a_401_not_a_csrf_refusal(client):
    response = client.post("/api/v1/consultations", json={"title": {"fr": "x"}})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_an_api_write_with_a_session_cookie_still_needs_the_csrf_token(client, database):
    with database.transaction() as db:
        email = person(db, roles=["admin"]).email
    sign_in(client, email)
    response = client.post("/api/v1/consultations", json={"title": {"fr": "x"}})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"
