"""SegmentRouter: a Starlette router that tries only the routes a request's first path segment can match.

Starlette's `Router` tries every route in order, one regular expression each. agora has about 130 page
routes before the `/api/v1` mount, so an API ballot ran some 180 matches, about 0.25 ms of the
request's CPU (bench/README.md, "Routing by first segment"). A route whose path begins with a literal
segment (`/proposals/...`, `/api/v1`) can only match a request whose path begins with that segment; a
route whose first segment holds a parameter (`/{slug}`) could match anything. So the router keeps, for
each literal first segment, the routes that could match it, in their original order, and hands the
request to a plain `Router` over that short list: first match, 405 on a partial match and the
trailing-slash redirect behave exactly as before (adding or removing a trailing slash never changes
the first segment, as `/` is never redirected). `url_path_for` still sees every route.
"""

from __future__ import annotations

from typing import Any

from starlette.routing import BaseRoute, Router, get_route_path
from starlette.types import Receive, Scope, Send


def first_segment(path: str) -> str:
    """`/api/v1/me` -> `api`; `/` -> ``."""
    return path.lstrip("/").split("/", 1)[0]


def literal_first_segment(route: BaseRoute) -> str | None:
    """The first segment every path this route matches begins with, or None when it is not fixed."""
    path = getattr(route, "path", None)
    if not isinstance(path, str) or not path.startswith("/"):
        return None
    segment = first_segment(path)
    if "{" in segment or (segment == "" and path != "/"):
        return None  # a parameter, or a mount at the root
    return segment


class SegmentRouter(Router):
    def __init__(self, routes: Any = None, **kwargs: Any) -> None:
        super().__init__(routes, **kwargs)
        self._index()

    def _index(self) -> None:
        fixed = {literal_first_segment(route) for route in self.routes} - {None}
        self._by_segment = {segment: self._narrowed(segment) for segment in fixed}
        self._unfixed = self._narrowed(None)
        self._indexed = len(self.routes)

    def _narrowed(self, segment: str | None) -> Router:
        routes = [route for route in self.routes if literal_first_segment(route) in (segment, None)]
        return Router(routes, redirect_slashes=self.redirect_slashes, default=self.default)

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await super().app(scope, receive, send)
            return
        if len(self.routes) != self._indexed:  # a route added after construction (`add_route`)
            self._index()
        scope.setdefault("router", self)  # url_for resolves against every route, not the short list
        segment = first_segment(get_route_path(scope))
        await self._by_segment.get(segment, self._unfixed).app(scope, receive, send)
