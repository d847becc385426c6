"""SegmentRouter answers every request exactly as Starlette's Router over the same routes would."""

from __future__ import annotations

import itertools

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route, Router
from starlette.testclient import TestClient

from agora.app import routes as agora_routes
from agora.web.routing import SegmentRouter, literal_first_segment


def _named(name: str):
    def endpoint(request: Request) -> PlainTextResponse:
        return PlainTextResponse(f"{name} {dict(request.path_params)} {request.url_for('things')}")
    return endpoint


def _table() -> list:
    """The cases that matter: a parameter as first segment between literal routes (order decides), a
    method-only match (405), trailing slashes, a mount with its own routes, the root."""
    return [
        Route("/", _named("home")),
        Route("/{slug}/feed", _named("slug-feed")),  # before the literal routes that would match /things/feed
        Route("/things", _named("things"), name="things"),
        Route("/things/{thing_id}", _named("thing"), methods=["GET"]),
        Route("/things/{thing_id}/feed", _named("thing-feed")),
        Route("/things/{thing_id}", _named("thing-post"), methods=["POST"]),
        Route("/meetings/{meeting_id}.ics", _named("ics")),
        Route("/slashed/", _named("slashed")),
        Mount("/api/v1", app=SegmentRouter([
            Route("/things/{thing_id}", _named("api-thing"), methods=["GET", "PUT"]),
            Route("/me", _named("api-me")),
        ])),
        Route("/{page}", _named("page"), methods=["GET"]),
    ]


PATHS = ["/", "/things", "/things/", "/things/7", "/things/7/", "/things/7/feed", "/things/feed", "/x/feed",
         "/meetings/3.ics", "/meetings/3", "/slashed", "/slashed/", "/api/v1/me", "/api/v1/me/", "/api/v1/things/5",
         "/api/v1", "/api/v1/nothing", "/nothing/at/all", "/about", "/about/", "//double",
         "/things%0A", "/%0A", "/about%0A", "/api/v1/me%0A"]  # a route's `$` matches before a final newline
METHODS = ["GET", "POST", "PUT", "DELETE"]


def _answers(router: Router) -> list[tuple[str, str, int, str, str | None]]:
    app = Starlette()
    app.router = router
    client = TestClient(app, follow_redirects=False)
    return [(method, path, (r := client.request(method, path)).status_code, r.text, r.headers.get("location"))
            for method, path in itertools.product(METHODS, PATHS)]


def test_every_answer_is_the_one_starlette_gives():
    ours, theirs = _answers(SegmentRouter(_table())), _answers(Router(_table()))
    assert ours == theirs
    statuses = {status for _m, _p, status, _t, _l in ours}
    assert {200, 404, 405, 307} <= statuses  # the table does exercise each outcome
    assert ("GET", "/things/feed", 200, "slug-feed {'slug': 'things'} http://testserver/things", None) in ours


def test_routes_and_settings_changed_later_are_followed():
    router = SegmentRouter(_table())
    app = Starlette()
    app.router = router
    client = TestClient(app, follow_redirects=False)
    router.routes.insert(0, Route("/things", _named("inserted")))
    assert client.get("/things").text.startswith("inserted")
    router.routes[0] = Route("/elsewhere", _named("replaced"))  # same length
    assert client.get("/elsewhere").text.startswith("replaced")
    assert client.get("/things").text.startswith("things")

    slashed = SegmentRouter([Route("/things", _named("things"), name="things"), Route("/x/", _named("x"))])
    app = Starlette()
    app.router = slashed
    client = TestClient(app, follow_redirects=False)
    assert client.get("/x").status_code == 307
    slashed.redirect_slashes = False
    assert client.get("/x").status_code == 404


@pytest.mark.parametrize(("path", "segment"), [
    ("/", ""), ("/proposals", "proposals"), ("/api/v1", "api"), ("/meetings/{id}.ics", "meetings"),
    ("/{slug}", None), ("/x{y}/z", None), ("", None),
])
def test_literal_first_segment(path, segment):
    route = Mount(path, routes=[]) if path in ("/api/v1", "") else Route(path, _named("r"))
    assert literal_first_segment(route) == segment


def test_every_agora_route_begins_with_a_literal_segment():
    """The index only helps if routes begin with literal segments (a `/{slug}` route would be tried for
    every request, still correctly)."""
    routes = agora_routes()
    assert sum(literal_first_segment(route) is None for route in routes) == 0
    api = next(route for route in routes if getattr(route, "path", "") == "/api/v1")
    assert isinstance(api.app, SegmentRouter)
