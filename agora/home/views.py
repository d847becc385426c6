"""The home page: what is happening for me. Each part adds its own panel as it lands."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from agora.web.endpoint import Ctx, page


@page
def home(ctx: Ctx) -> Response:
    return ctx.render("home/index.html", **_proposals_panel(ctx), **_consultations_panel(ctx),
                      **_meetings_panel(ctx))


def _meetings_panel(ctx: Ctx) -> dict[str, Any]:
    from agora.meetings.services import upcoming_in_region

    return {"region_meetings": upcoming_in_region(ctx.db, ctx.person) if ctx.person is not None else []}


def _consultations_panel(ctx: Ctx) -> dict[str, Any]:
    from agora.consultations.views.common import home_panel

    return {"consultations": home_panel(ctx) if ctx.person is not None else []}


def _proposals_panel(ctx: Ctx) -> dict[str, Any]:
    from agora.proposals.services import active_for_home

    return {"active_proposals": active_for_home(ctx.db) if ctx.person is not None else []}


routes = [Route("/", home, methods=["GET"])]
