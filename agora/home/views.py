"""The home page: what is happening for me. Each part adds its own panel as it lands."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from agora.web.endpoint import Ctx, page


@page
def home(ctx: Ctx) -> Response:
    return ctx.render("home/index.html")


routes = [Route("/", home, methods=["GET"])]
