"""Sign-in, sessions, sign-out, password change, throttling, invitations and resets over HTTP."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from agora.accounts import services as accounts
from agora.accounts.models import LinkPurpose, OneTimeLink, WebSession
from agora.audit import AuditEntry
from agora.db import utcnow
from tests.conftest import PASSWORD, csrf_of, post_form, sign_in
from tests.factories import person


def _make(database, **fields):
    with database.transaction() as db:
        p = person(db, **fields)
        return p.id, p.email


def _session_count(database, person_id):
    with database.session(write=False) as db:
        return db.execute(select(func.count()).select_from(WebSession)
                          .where(WebSession.person_id == person_id)).scalar_one()


def test_sign_in_sets_a_server_side_session_with_safe_cookie_flags(client, database):
    person_id, email = _make(database)
    response = sign_in(client, email)
    cookie = response.headers["set-cookie"]
    assert "agora_session=" in cookie
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert _session_count(database, person_id) == 1
    assert client.get("/account").status_code == 200


def test_session_id_rotates_at_sign_in(client, database):
    person_id, email = _make(database)
    sign_in(client, email)
    first = client.cookies.get("agora_session")
    sign_in(client, email)
    second = client.cookies.get("agora_session")
    assert first != second
    # The old session is gone, not merely superseded.
    assert _session_count(database, person_id) == 1


def test_wrong_password_is_refused_in_the_persons_language(client, database):
    _person_id, email = _make(database)
    token = csrf_of(client, "/signin")
    response = client.post("/signin", data={"email": email, "password": "wrong password!", "csrf_token": token},
                           headers={"Accept-Language": "nl-BE,nl;q=0.9"})
    assert response.status_code == 401
    assert '<html lang="nl">' in response.text
    assert client.get("/account", follow_redirects=False).status_code == 303


def test_unknown_email_gives_the_same_answer_as_a_wrong_password(client, database):
    _make(database)
    a = post_form(client, "/signin", {"email": "nobody@example.org", "password": "whatever123"}, from_page="/signin")
    assert a.status_code == 401


def test_sign_out_ends_the_session_on_the_server(client, database):
    person_id, email = _make(database)
    sign_in(client, email)
    stolen = client.cookies.get("agora_session")
    response = post_form(client, "/signout", {})
    assert response.status_code == 303
    assert _session_count(database, person_id) == 0
    client.cookies.set("agora_session", stolen)
    assert client.get("/account", follow_redirects=False).status_code == 303


def test_password_change_ends_other_sessions_but_keeps_this_one(app, client, database):
    from starlette.testclient import TestClient

    person_id, email = _make(database)
    with TestClient(app, base_url="http://testserver") as other:
        sign_in(other, email)
        sign_in(client, email)
        assert _session_count(database, person_id) == 2
        response = post_form(client, "/account/password",
                             {"current": PASSWORD, "password": "a brand new secret",
                              "confirmation": "a brand new secret"},
                             from_page="/account")
        assert response.status_code == 200
        assert client.get("/account").status_code == 200
        assert other.get("/account", follow_redirects=False).status_code == 303
    assert _session_count(database, person_id) == 1


def test_password_change_with_a_short_password_is_refused_and_changes_nothing(client, database):
    _person_id, email = _make(database)
    sign_in(client, email)
    response = post_form(client, "/account/password",
                         {"current": PASSWORD, "password": "short", "confirmation": "short"}, from_page="/account")
    assert response.status_code == 422
    post_form(client, "/signout", {})
    sign_in(client, email)  # the old password still works


def test_deactivation_ends_sessions(client, database):
    person_id, email = _make(database)
    sign_in(client, email)
    with database.transaction() as db:
        from agora.people.models import Person
        from agora.people.services import set_active

        set_active(db, db.get(Person, person_id), False, actor_id=None)
    assert client.get("/account", follow_redirects=False).status_code == 303


def test_sign_in_is_throttled_after_repeated_failures(client, database):
    _person_id, email = _make(database)
    for _ in range(10):
        post_form(client, "/signin", {"email": email, "password": "not the password"}, from_page="/signin")
    response = post_form(client, "/signin", {"email": email, "password": PASSWORD}, from_page="/signin")
    assert response.status_code == 429
    with database.session(write=False) as db:
        assert db.execute(select(AuditEntry).where(AuditEntry.action == "signin.throttled")).first() is not None


def test_sign_in_is_audited(client, database):
    person_id, email = _make(database)
    sign_in(client, email)
    with database.session(write=False) as db:
        entry = db.execute(select(AuditEntry).where(AuditEntry.action == "signin")).scalar_one()
    assert entry.actor_id == person_id


def _link(database, person_id, purpose, lifetime=timedelta(days=1)):
    with database.transaction() as db:
        from agora.people.models import Person

        return accounts.create_link(db, db.get(Person, person_id), purpose, lifetime)


def test_invitation_sets_the_password_once(client, database):
    person_id, _email = _make(database, password=None)
    token = _link(database, person_id, LinkPurpose.INVITATION)
    page = client.get(f"/invitation/{token}")
    assert page.status_code == 200
    token_field = re.search(r'name="csrf-token" content="([0-9a-f]+)"', page.text).group(1)
    response = client.post(f"/invitation/{token}", data={"password": "my new password",
                                                         "confirmation": "my new password",
                                                         "csrf_token": token_field}, follow_redirects=False)
    assert response.status_code == 303
    assert client.get("/account").status_code == 200
    assert client.get(f"/invitation/{token}").status_code == 410


def test_expired_invitation_is_refused_clearly(client, database):
    person_id, _email = _make(database, password=None)
    token = _link(database, person_id, LinkPurpose.INVITATION, lifetime=timedelta(seconds=-1))
    response = client.get(f"/invitation/{token}", headers={"Accept-Language": "de"})
    assert response.status_code == 410
    assert '<html lang="de">' in response.text
    with database.session(write=False) as db:
        link = db.execute(select(OneTimeLink)).scalar_one()
        assert link.used_at is None and link.expires_at < utcnow()


def test_forgot_password_answers_the_same_for_unknown_addresses(client, database):
    _person_id, email = _make(database)
    known = post_form(client, "/forgot", {"email": email}, from_page="/forgot")
    unknown = post_form(client, "/forgot", {"email": "nobody@example.org"}, from_page="/forgot")
    assert known.status_code == unknown.status_code == 200
    with database.session(write=False) as db:
        assert db.execute(select(func.count()).select_from(OneTimeLink)).scalar_one() == 1


def test_reset_link_sets_a_new_password(client, database):
    person_id, email = _make(database)
    token = _link(database, person_id, LinkPurpose.RESET)
    csrf = csrf_of(client, f"/reset/{token}")
    response = client.post(f"/reset/{token}", data={"password": "another long one", "confirmation": "another long one",
                                                    "csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303
    post_form(client, "/signout", {})
    sign_in(client, email, "another long one")


def test_reset_link_cannot_be_used_as_an_invitation(client, database):
    person_id, _email = _make(database)
    token = _link(database, person_id, LinkPurpose.RESET)
    assert client.get(f"/invitation/{token}").status_code == 404


def test_under_https_the_session_cookie_is_secure_and_host_prefixed(settings, database):
    from dataclasses import replace

    from starlette.testclient import TestClient

    from agora.app import create_app

    secure = replace(settings, base_url="https://testserver")
    _person_id, email = _make(database)
    with TestClient(create_app(secure, database), base_url="https://testserver") as https_client:
        response = sign_in(https_client, email)
        cookie = next(c for c in response.headers.get_list("set-cookie") if "agora_session" in c)
        assert cookie.startswith("__Host-agora_session=")
        assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie
        assert https_client.get("/account").status_code == 200
