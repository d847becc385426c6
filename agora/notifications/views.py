"""The notifications page; the header counter is updated live through the person's room."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from agora.i18n import gettext as _
from agora.notifications import services
from agora.notifications.texts import text_of
from agora.web.endpoint import Ctx, Problem, page


@page
def notifications(ctx: Ctx) -> Response:
    if ctx.person is None:
        raise Problem(401, "unauthenticated", _("Sign in to see this page."))
    items = [(note, text_of(note)) for note in services.list_for(ctx.db, ctx.person.id)]
    return ctx.render("notifications/list.html", items=items)


@page
def mark_read(ctx: Ctx) -> Response:
    if ctx.person is None:
        raise Problem(401, "unauthenticated", _("Sign in to see this page."))
    services.mark_all_read(ctx.db, ctx.person.id)
    return ctx.redirect("/notifications")


routes = [
    Route("/notifications", notifications, methods=["GET"]),
    Route("/notifications/read", mark_read, methods=["POST"]),
]
