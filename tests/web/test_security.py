"""CSRF, Origin checks, security headers, body limits and error answers."""

from __future__ import annotations

from tests.conftest import csrf_of, sign_in
from tests.factories import person


def _signed_in(client, database):
    with database.transaction() as db:
        email = person(db).email
    sign_in(client, email)


def test_form_without_csrf_token_is_refused(client, database):
    _signed_in(client, database)
    response = client.post("/language", data={"language": "nl"}, follow_redirects=False)
    assert response.status_code == 403
    assert client.get("/").text.count('<html lang="fr">') == 1


def test_csrf_token_of_another_session_is_refused(app, client, database):
    from starlette.testclient import TestClient

    _signed_in(client, database)
    with TestClient(app, base_url="http://testserver") as other:
        foreign = csrf_of(other)
    response = client.post("/language", data={"language": "nl", "csrf_token": foreign}, follow_redirects=False)
    assert response.status_code == 403


def test_cross_site_origin_is_refused_even_with_a_token(client, database):
    _signed_in(client, database)
    token = csrf_of(client)
    response = client.post("/language", data={"language": "nl", "csrf_token": token},
                           headers={"Origin": "https://evil.example"}, follow_redirects=False)
    assert response.status_code == 403
    ok = client.post("/language", data={"language": "nl", "csrf_token": token},
                     headers={"Origin": "http://testserver"}, follow_redirects=False)
    assert ok.status_code == 303


def test_htmx_requests_use_the_header_token(client, database):
    _signed_in(client, database)
    token = csrf_of(client)
    response = client.post("/language", data={"language": "de"}, headers={"X-CSRF-Token": token, "HX-Request": "true"},
                           follow_redirects=False)
    assert response.status_code == 303


def test_security_headers_on_pages_and_errors(client):
    for path in ("/", "/does-not-exist"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["referrer-policy"] == "same-origin"
        assert headers["x-content-type-options"] == "nosniff"


def test_no_page_loads_anything_from_another_host(client):
    import re

    page = client.get("/signin").text
    assert not re.search(r'<(script|link)[^>]+(src|href)="(https?:)?//', page)


def test_oversized_body_is_refused_in_the_callers_language(client):
    response = client.post("/signin", content=b"x" * (3 * 1024 * 1024),
                           headers={"Content-Type": "application/x-www-form-urlencoded", "Accept-Language": "nl"})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert "groot" in response.json()["error"]["message"]


def test_unknown_page_is_a_translated_404(client):
    response = client.get("/nowhere", headers={"Accept-Language": "de-DE,de"})
    assert response.status_code == 404
    assert '<html lang="de">' in response.text


def test_unknown_api_route_is_json(client):
    response = client.get("/api/v1/nowhere")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_unknown_language_is_refused_clearly(client):
    token = csrf_of(client)
    response = client.post("/language", data={"language": "en", "csrf_token": token}, follow_redirects=False)
    assert response.status_code == 422


def test_open_redirect_is_impossible(client, database):
    with database.transaction() as db:
        email = person(db).email
    token = csrf_of(client, "/signin")
    response = client.post("/signin", data={"email": email, "password": "correct horse battery", "csrf_token": token,
                                            "next": "//evil.example/x"}, follow_redirects=False)
    assert response.headers["location"] == "/"
