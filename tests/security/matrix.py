"""Running one request of the authorisation matrix and reading its answer as allowed or denied."""

from __future__ import annotations

from typing import Any

from tests.security.access_rules import Rule
from tests.security.routing import Endpoint
from tests.security.world import World, fill, path_for


def call(client: Any, world: World, endpoint: Endpoint, role: str, rule: Rule, *,
         csrf: bool = True, headers: dict[str, str] | None = None) -> Any:
    """`endpoint` as `role` would call it: API routes with the role's bearer token, pages with a fresh
    session cookie and (unless `csrf=False`) a valid CSRF token, so that a refusal is the route's own."""
    path = path_for(endpoint.path, world, rule.renames)
    if rule.query:
        path += "?" + fill(rule.query, world)
    form = {name: fill(value, world) for name, value in rule.form.items()}
    client.cookies.clear()
    if endpoint.is_api:
        auth = {"Authorization": f"Bearer {world.tokens[role]}"} if role != "anonymous" else {}
        body = {"json": form} if endpoint.changes_state else {}
        return client.request(endpoint.method, path, headers={**auth, **(headers or {})}, follow_redirects=False,
                              **body)
    cookies, token = world.session(role)
    client.cookies.update(cookies)
    if endpoint.changes_state:
        data = {"csrf_token": token, **form} if csrf else form
        return client.request(endpoint.method, path, data=data, headers=headers, follow_redirects=False)
    return client.request(endpoint.method, path, headers=headers, follow_redirects=False)


def verdict(response: Any) -> str:
    """"allowed", "denied" or "error" (a 5xx: never acceptable)."""
    status = response.status_code
    if status >= 500:
        return "error"
    if status in (401, 403, 404):
        return "denied"
    if status in (302, 303, 307) and response.headers.get("location", "").startswith("/signin"):
        return "denied"
    return "allowed"
