"""Bad input on every state-changing route of the routing table, as someone allowed to call it:
hypothesis-generated forms, invalid UTF-8, wrong content types, truncated multipart bodies, oversized
bodies, unknown languages. Never a 5xx; a refused body changes nothing."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.security.access_rules import RULES
from tests.security.routing import endpoints
from tests.security.snapshot import difference, snapshot
from tests.security.world import ROLES, World, path_for

EXAMPLES = int(os.environ.get("AGORA_FUZZ_EXAMPLES", "3"))
FULL = os.environ.get("AGORA_SOAK") == "1"  # `make soak`: every bad body on every route
UNSAFE = [e for e in endpoints() if e.changes_state and e.key in RULES]  # COVERED_ELSEWHERE: no objects here
FIELDS = ["title", "body", "email", "password", "confirmation", "current", "language", "reason", "label",
          "decision", "role", "region", "stance", "type", "id", "act", "next", "quote", "explanation", "slug",
          "active", "answer-q1", "rank-q4-a", "amount-q5-a", "theme", "scope", "members", "name_fr"]
TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=300)
ODD = st.sampled_from(["", "0", "-1", "1e309", "x" * 5000, "fr", "en", "zz-ZZ", "../../etc"])
FORMS = st.dictionaries(st.sampled_from(FIELDS), st.one_of(TEXT, ODD), max_size=6)


def _caller(key: str) -> str:
    allowed = RULES[key].allowed
    return next((role for role in ("admin", "owner", *ROLES) if role in allowed), "admin")


def _browser(client, world: World, role: str) -> str:
    client.cookies.clear()
    cookies, token = world.session(role)
    client.cookies.update(cookies)
    return token


def test_generated_forms_never_break_a_page(client, world):
    pages = [e for e in UNSAFE if not e.is_api]
    sent: list[int] = []

    def fuzz(endpoint) -> None:
        role = _caller(endpoint.key)
        path = path_for(endpoint.path, world, RULES[endpoint.key].renames)

        @given(form=FORMS)
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def post(form) -> None:
            token = _browser(client, world, role)
            response = client.request(endpoint.method, path, data={**form, "csrf_token": token},
                                      headers={"Accept-Language": "xx, zz;q=0.5"}, follow_redirects=False)
            sent.append(response.status_code)
            assert response.status_code < 500, f"{endpoint.key} as {role} with {form!r}: {response.status_code}"

        post()

    for endpoint in pages:
        fuzz(endpoint)
    assert len(sent) >= len(pages) * min(EXAMPLES, 2)


BAD_BODIES = {
    "invalid UTF-8 form": ("application/x-www-form-urlencoded", b"title=%FF%FE&body=\xff\xfe\xfd"),
    "invalid UTF-8 JSON": ("application/json", b'{"title": "\xff\xfe"}'),
    "broken JSON": ("application/json", b'{"title": '),
    "wrong content type": ("text/xml", b"<title>x</title>"),
    "truncated multipart": ("multipart/form-data; boundary=XyZ",
                            b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\nabc'),
    "multipart without boundary": ("multipart/form-data", b"--\r\n"),
    "invalid UTF-8 multipart field": ("multipart/form-data; boundary=XyZ",
                                      b'--XyZ\r\nContent-Disposition: form-data; name="title"\r\n\r\nCaf\xe9\r\n'
                                      b'--XyZ\r\nContent-Disposition: form-data; name="body"\r\n\r\n\xff\xfe\r\n'
                                      b'--XyZ--\r\n'),
}
HUGE_LINE = b"body=" + b"a" * 1_500_000  # under the body limit: the route's own answer, never a 5xx


def test_bad_bodies_on_every_state_changing_route(client, world):
    problems = []
    kinds = list(BAD_BODIES.items())
    for n, endpoint in enumerate(UNSAFE):
        role = _caller(endpoint.key)
        path = path_for(endpoint.path, world, RULES[endpoint.key].renames)
        before = snapshot(world.database)
        # The default suite gives each route two of the bad bodies in turn (every body meets many routes);
        # `make soak` gives every route all of them.
        chosen = kinds if FULL else [kinds[n % len(kinds)], kinds[(n + 3) % len(kinds)]]
        for label, (content_type, body) in chosen:
            token = _browser(client, world, role)
            headers = {"Content-Type": content_type, "X-CSRF-Token": token}
            if endpoint.is_api:
                client.cookies.clear()
                headers = {"Content-Type": content_type, "Authorization": f"Bearer {world.tokens[role]}"}
            response = client.request(endpoint.method, path, content=body, headers=headers, follow_redirects=False)
            if response.status_code >= 500:
                problems.append(f"{endpoint.key} {label}: {response.status_code}")
            elif response.status_code < 400:
                problems.append(f"{endpoint.key} {label}: accepted ({response.status_code})")
        if difference(before, snapshot(world.database)):
            problems.append(f"{endpoint.key}: a refused body changed the database")
        token = _browser(client, world, role)
        huge = client.request(endpoint.method, path, content=HUGE_LINE, follow_redirects=False,
                              headers={"Content-Type": "application/x-www-form-urlencoded", "X-CSRF-Token": token})
        if huge.status_code >= 500:
            problems.append(f"{endpoint.key} huge line: {huge.status_code}")
    assert not problems, "\n".join(problems)


def test_oversized_body_is_refused_everywhere(client, world):
    big = b"x" * (3 * 1024 * 1024)
    for endpoint in UNSAFE:
        response = client.request(endpoint.method, path_for(endpoint.path, world), content=big,
                                  headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert response.status_code == 413, f"{endpoint.key}: {response.status_code}"
