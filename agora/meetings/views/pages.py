"""Meetings seen by members: the list with filters and a calendar view, one meeting's page,
registering and cancelling, the attendees' live view (phones) and the projector."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from starlette.responses import Response

from agora.deliberation.errors import sign_in_first
from agora.i18n.formatting import to_brussels
from agora.meetings import registrations, room, services
from agora.meetings.views.common import act, current_counts_picture, labels, load, problem, room_context
from agora.people.models import Region
from agora.web.endpoint import Ctx, page


def _regions(ctx: Ctx) -> list[Region]:
    return list(ctx.db.execute(select(Region).where(Region.active.is_(True)).order_by(Region.slug)).scalars())


@page
def listing(ctx: Ctx) -> Response:
    if ctx.person is None:
        raise problem(sign_in_first())
    query = ctx.request.query_params
    region, kind, view = query.get("region", ""), query.get("kind", ""), query.get("view", "list")
    found = services.upcoming(ctx.db, ctx.principal, region_slug=region, kind=kind)
    by_month: dict[str, list[Any]] = defaultdict(list)
    for meeting in found:
        by_month[to_brussels(meeting.starts_at).strftime("%Y-%m")].append(meeting)
    may_create = services.may_create_meetings(ctx.principal)
    return ctx.render("meetings/list.html", meetings=found, by_month=dict(by_month), regions=_regions(ctx),
                      region=region, kind=kind, view="calendar" if view == "calendar" else "list",
                      may_create=may_create, runs=services.run_by(ctx.db, ctx.principal) if may_create else [],
                      lang=ctx.language, **labels())


def render_detail(ctx: Ctx, meeting: Any, *, status: int = 200, error: str = "", error_field: str = "") -> Response:
    assembly = services.get_assembly(ctx.db, ctx.principal, meeting.assembly_id) if meeting.assembly_id else None
    return ctx.render("meetings/detail.html", status=status, error=error, error_field=error_field, assembly=assembly,
                      addenda=room.addenda_of(ctx.db, meeting.id), proposals=room.proposals_of(ctx.db, meeting.id),
                      **room_context(ctx, meeting))


@page
def detail(ctx: Ctx) -> Response:
    return render_detail(ctx, load(ctx))


@page
def register(ctx: Ctx) -> Response:
    meeting = load(ctx, for_update=True)
    return act(ctx, meeting, lambda: registrations.register(ctx.db, ctx.principal, meeting),
               back=f"/meetings/{meeting.id}#registration",
               render=lambda **kw: render_detail(ctx, meeting, **kw))


@page
def cancel(ctx: Ctx) -> Response:
    meeting = load(ctx, for_update=True)
    return act(ctx, meeting, lambda: registrations.cancel(ctx.db, ctx.principal, meeting),
               back=f"/meetings/{meeting.id}#registration",
               render=lambda **kw: render_detail(ctx, meeting, **kw))


def render_live(ctx: Ctx, meeting: Any, *, projector: bool = False, status: int = 200, error: str = "",
                error_field: str = "") -> Response:
    context = room_context(ctx, meeting)
    return ctx.render("meetings/live.html", status=status, error=error, error_field=error_field, projector=projector,
                      my_vote=room.vote_of(ctx.db, meeting, ctx.principal.id),
                      counts_picture=current_counts_picture(context), **context)


@page
def live(ctx: Ctx) -> Response:
    return render_live(ctx, load(ctx))


@page
def projector(ctx: Ctx) -> Response:
    return render_live(ctx, load(ctx), projector=True)


@page
def vote(ctx: Ctx) -> Response:
    meeting = load(ctx, for_update=True)

    def operation() -> None:
        item = services.item_by_ref(ctx.db, meeting, ctx.field("item"))
        room.vote(ctx.db, ctx.principal, meeting, item, ctx.field("choice"))
    return act(ctx, meeting, operation, back=f"/meetings/{meeting.id}/live",
               render=lambda **kw: render_live(ctx, meeting, **kw))
