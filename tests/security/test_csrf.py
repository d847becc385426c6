"""CSRF on every state-changing route of the routing table, and no GET that changes state.

For each POST/PUT/PATCH/DELETE route, called by someone allowed to call it (access_rules.py): without a
token, with the token of another session, and with a valid token from another site's Origin, the answer
is 403 `csrf_failed` and the database is exactly as before. API routes are checked when a session
cookie authenticates them (bearer tokens are never sent by a browser on its own).
"""

from __future__ import annotations

import os

from tests.security.access_rules import RULES
from tests.security.matrix import call
from tests.security.routing import endpoints
from tests.security.snapshot import difference, snapshot
from tests.security.world import ROLES, World, fill, path_for

# The routes of access_rules.RULES (those COVERED_ELSEWHERE have no objects in this world).
UNSAFE = [e for e in endpoints() if e.changes_state and e.key in RULES]
GETS = [e for e in endpoints() if e.method == "GET" and not e.path.startswith("/static") and e.key in RULES]


def _caller(key: str) -> str:
    allowed = RULES[key].allowed
    return next((role for role in ("admin", "owner", *ROLES) if role in allowed), "admin")


def _attempts(client, world: World, endpoint, role: str):
    rule = RULES[endpoint.key]
    yield "no token", call(client, world, endpoint, role, rule, csrf=False)
    _cookies, foreign = world.session("member" if role != "member" else "owner")
    yield "another session's token", _with_token(client, world, endpoint, role, foreign)
    yield "another site's Origin", call(client, world, endpoint, role, rule,
                                        headers={"Origin": "https://evil.example"})
    yield "cross-site fetch", call(client, world, endpoint, role, rule, headers={"Sec-Fetch-Site": "cross-site"})


def _with_token(client, world, endpoint, role, token):
    rule = RULES[endpoint.key]
    client.cookies.clear()
    cookies, _own = world.session(role)
    client.cookies.update(cookies)
    form = {name: fill(value, world) for name, value in rule.form.items()}
    return client.request(endpoint.method, path_for(endpoint.path, world, rule.renames),
                          data={**form, "csrf_token": token}, follow_redirects=False)


def test_every_state_changing_page_refuses_a_forged_request(client, world):
    # A route nobody of the world may call (access_rules.NOBODY) refuses with 403 anyway: not a CSRF proof.
    pages = [e for e in UNSAFE if not e.is_api and RULES[e.key].allowed]
    assert len(pages) >= 45
    problems = []
    for endpoint in pages:
        role = _caller(endpoint.key)
        before = snapshot(world.database)
        for attempt, response in _attempts(client, world, endpoint, role):
            # The matrix proves this role gets through with a valid token: a 403 here is the CSRF check.
            if response.status_code != 403:
                problems.append(f"{endpoint.key} as {role}, {attempt}: {response.status_code}")
        changed = difference(before, snapshot(world.database))
        if changed:
            problems.append(f"{endpoint.key}: a refused request changed {changed}")
    assert not problems, "\n".join(problems)


def test_every_state_changing_api_route_refuses_a_session_cookie_without_a_token(client, world):
    problems = []
    for endpoint in [e for e in UNSAFE if e.is_api]:
        role = _caller(endpoint.key)
        client.cookies.clear()
        cookies, _token = world.session(role)
        client.cookies.update(cookies)
        before = snapshot(world.database)
        response = client.request(endpoint.method, path_for(endpoint.path, world), json={},
                                  follow_redirects=False)
        if response.status_code != 403 or response.json()["error"]["code"] != "csrf_failed":
            problems.append(f"{endpoint.key} as {role} with a cookie and no token: {response.status_code}")
        if difference(before, snapshot(world.database)):
            problems.append(f"{endpoint.key}: a refused request changed the database")
    assert not problems, "\n".join(problems)


def test_no_get_changes_state(client, world):
    """Every GET route leaves every table as it was (BOOKKEEPING in snapshot.py aside): as anonymous, the
    owner and an admin (every role under `make soak`)."""
    problems = []
    roles = ROLES if os.environ.get("AGORA_SOAK") == "1" else ("anonymous", "owner", "admin")
    for endpoint in GETS:
        rule = RULES[endpoint.key]
        for role in roles:
            before = snapshot(world.database)
            response = call(client, world, endpoint, role, rule)
            assert response.status_code < 500, f"{endpoint.key} as {role}: {response.status_code}"
            changed = difference(before, snapshot(world.database))
            if changed:
                problems.append(f"GET {endpoint.path} as {role} changed {changed}")
    assert not problems, "\n".join(problems)
