"""`.ics` of one meeting (whoever may read it) and a public calendar feed per region (published
meetings only: what a calendar application subscribes to, without a session)."""

from __future__ import annotations

from sqlalchemy import select
from starlette.responses import Response

from agora.db import utcnow
from agora.deliberation.errors import not_found
from agora.meetings import ical, services
from agora.meetings.views.common import load, problem
from agora.people.models import Region
from agora.web.endpoint import Ctx, page

MEDIA_TYPE = "text/calendar; charset=utf-8"


@page
def meeting_ics(ctx: Ctx) -> Response:
    meeting = load(ctx)
    text = ical.calendar([meeting], ctx.settings.base_url, meeting.title, utcnow())
    return Response(text, media_type=MEDIA_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="meeting-{meeting.id}.ics"'})


@page
def region_feed(ctx: Ctx) -> Response:
    slug = ctx.path_param("slug")
    region = ctx.db.execute(select(Region).where(Region.slug == slug, Region.active.is_(True))).scalar_one_or_none()
    if region is None:
        raise problem(not_found())
    meetings = services.for_region_feed(ctx.db, region)
    text = ical.calendar(meetings, ctx.settings.base_url, f"agora · {region.name(ctx.language)}", utcnow())
    return Response(text, media_type=MEDIA_TYPE, headers={"Cache-Control": "public, max-age=900"})
