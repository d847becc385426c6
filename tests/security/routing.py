"""Every (method, path) the application answers, read from `agora.app.routes()` (mounts included)."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.routing import BaseRoute, Mount, Route

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # the template, `{name}` for parameters, mount prefixes included
    module: str  # where the handler is written, to point the developer at it

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def is_api(self) -> bool:
        return self.path.startswith("/api/")

    @property
    def changes_state(self) -> bool:
        return self.method in UNSAFE


def _walk(routes: list[BaseRoute], prefix: str) -> list[Endpoint]:
    found: list[Endpoint] = []
    for route in routes:
        if isinstance(route, Mount):
            if route.routes:
                found.extend(_walk(list(route.routes), prefix + route.path))
            else:  # a mounted application (static files): one entry, answered for GET
                found.append(Endpoint("GET", prefix + route.path + "/{path}", type(route.app).__module__))
        elif isinstance(route, Route):
            handler = getattr(route.endpoint, "handler", route.endpoint)
            for method in sorted((route.methods or {"GET"}) - {"HEAD"}):
                found.append(Endpoint(method, prefix + route.path, f"{handler.__module__}.{handler.__name__}"))
        else:
            raise AssertionError(f"a route of an unknown kind ({type(route).__name__}) at {prefix}: "
                                 "teach tests/security/routing.py to read it")
    return found


def endpoints() -> list[Endpoint]:
    from agora.app import routes

    return _walk(routes(), "")
