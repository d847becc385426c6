"""SegmentRouter: a Starlette router that tries only the routes a request's first path segment can match.

Starlette's `Router` tries every route in order, one regular expression each. agora has about 130 page
routes before the `/api/v1` mount, so an API ballot ran 138 matches, a tenth of the CPU the profile saw
(bench/README.md, "Routing by first segment"). A route whose path begins with a literal segment
(`/proposals/...`, `/api/v1`) can only match a request whose path begins with that segment; a route
whose first segment holds a parameter (`/{slug}`) could match anything. So the router keeps, for each
literal first segment, the routes that could match it, in their original order, and hands the request
to a plain `Router` over that short list: first match, 405 on a partial match and the trailing-slash
redirect behave exactly as before (adding or removing a trailing slash never changes the first
segment, as `/` is never redirected). `url_path_for` still sees every route.
"""

from __future__ import annotations

from typing import Any, NamedTuple

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


class _Index(NamedTuple):
    key: tuple[Any, ...]  # what it was built from: the routes (by identity) and the router's settings
    by_segment: dict[str, Router]
    unfixed: Router  # for a first segment no route names: the routes that begin with a parameter


class SegmentRouter(Router):
    def __init__(self, routes: Any = None, **kwargs: Any) -> None:
        super().__init__(routes, **kwargs)
        self._index = self._build(self._key(self.routes), list(self.routes))

    def _key(self, routes: list[BaseRoute]) -> tuple[Any, ...]:
        return (tuple(map(id, routes)), self.redirect_slashes, self.default)

    def _build(self, key: tuple[Any, ...], routes: list[BaseRoute]) -> _Index:
        segments = [(route, literal_first_segment(route)) for route in routes]

        def narrowed(segment: str | None) -> Router:
            chosen = [route for route, first in segments if first in (segment, None)]
            return Router(chosen, redirect_slashes=self.redirect_slashes, default=self.default)

        fixed = {first for _route, first in segments} - {None}
        return _Index(key, {segment: narrowed(segment) for segment in fixed}, narrowed(None))

    def _current(self) -> _Index:
        """The index, built again when the routes or settings changed since (tests insert routes). Built
        from a copy and published in one assignment: a thread never sees half of one."""
        routes = list(self.routes)
        key = self._key(routes)
        index = self._index
        if index.key != key:
            index = self._index = self._build(key, routes)
        return index

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan" or "\n" in (path := get_route_path(scope)):
            # a route's `$` also matches before a final newline (`/about%0A`): every route is tried
            await super().app(scope, receive, send)
            return
        scope.setdefault("router", self)  # url_for resolves against every route, not the short list
        index = self._current()
        await index.by_segment.get(first_segment(path), index.unfixed).app(scope, receive, send)
