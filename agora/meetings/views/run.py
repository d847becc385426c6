"""The relay's pages: creating a meeting, running it (check-in, agenda, counts, notes, proposals,
minutes, submission, addenda) and exporting the registrations."""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import func, or_, select
from starlette.responses import Response

from agora.deliberation.errors import Refused, not_found
from agora.meetings import inputs, registrations, room, services
from agora.meetings.models import CHOICES, Meeting
from agora.meetings.views.common import (
    FormValues,
    act,
    current_counts_picture,
    labels,
    load,
    problem,
    room_context,
)
from agora.people.models import COLLEGE_KEYS, Person, Region
from agora.settings import LANGUAGES
from agora.web.endpoint import Ctx, page

FORM_FIELDS = ("kind", "region", "assembly", "college", "title", "description", "starts_at", "ends_at", "address",
               "online_url", "capacity", "quorum", "publish_at", "local_topics")
COUNT_FIELDS = ("item", *(f"{college}-{choice}" for college in COLLEGE_KEYS for choice in CHOICES))  # shown again


def _manageable_regions(ctx: Ctx) -> list[Region]:
    statement = select(Region).where(Region.active.is_(True)).order_by(Region.slug)
    if not services.is_admin(ctx.principal):
        statement = statement.where(Region.slug.in_(sorted(ctx.principal.relay_regions())))
    return list(ctx.db.execute(statement).scalars())


def _render_form(ctx: Ctx, form: dict[str, Any], *, status: int = 200, error: str = "",
                 error_field: str = "") -> Response:
    return ctx.render("meetings/form.html", status=status, form=FormValues(form), error=error, error_field=error_field,
                      regions=_manageable_regions(ctx), assemblies=services.list_assemblies(ctx.db),
                      languages=LANGUAGES, colleges=COLLEGE_KEYS, **labels())


@page
def new_meeting(ctx: Ctx) -> Response:
    if ctx.person is None or not services.may_create_meetings(ctx.principal):
        raise problem(not_found())
    if ctx.request.method == "GET":
        regions = _manageable_regions(ctx)
        return _render_form(ctx, {"kind": "pre_assembly", "region": regions[0].slug if regions else "",
                                  "languages": [ctx.language], "waiting_list": True})
    form: dict[str, Any] = {name: ctx.field(name) for name in FORM_FIELDS}
    form["languages"] = ctx.fields("languages")
    form["waiting_list"] = ctx.field("waiting_list") == "1"
    try:
        meeting = services.create_meeting(ctx.db, ctx.principal, inputs.meeting_input(
            {**form, "waiting_list": "1" if form["waiting_list"] else "0", "languages": form["languages"] or None}))
    except Refused as refused:
        return _render_form(ctx, form, status=refused.status, error=refused.message, error_field=refused.field)
    return ctx.redirect(f"/meetings/{meeting.id}/run")


def render_run(ctx: Ctx, meeting: Meeting, *, status: int = 200, error: str = "", error_field: str = "",
               form: dict[str, str] | None = None) -> Response:
    context = _run_context(ctx, meeting)
    context.update(error=error, error_field=error_field, form=FormValues(form or {}), found_people=[], query="",
                   counts_picture=current_counts_picture(context))
    return ctx.render("meetings/run.html", status=status, **context)


@page
def run(ctx: Ctx) -> Response:
    return render_run(ctx, load(ctx, run=True))


def _act(ctx: Ctx, operation: Any, anchor: str, fields: tuple[str, ...] = ()) -> Response:
    meeting = load(ctx, run=True, for_update=True)
    return act(ctx, meeting, lambda: operation(meeting), back=f"/meetings/{meeting.id}/run#{anchor}",
               render=lambda **kw: render_run(ctx, meeting, form={f: ctx.field(f) for f in fields}, **kw))


def _item(ctx: Ctx, meeting: Meeting, name: str = "item") -> Any:
    ref = ctx.field(name)
    return services.item_by_ref(ctx.db, meeting, ref) if ref else None


@page
def check_in(ctx: Ctx) -> Response:
    return _act(ctx, lambda m: room.check_in(ctx.db, ctx.principal, m, person_id=ctx.field("person"),
                                             name=ctx.field("name"), college=ctx.field("college")),
                "attendance", ("name", "college"))


@page
def current(ctx: Ctx) -> Response:
    return _act(ctx, lambda m: room.set_current(ctx.db, ctx.principal, m, _item(ctx, m)), "agenda")


@page
def counts(ctx: Ctx) -> Response:
    def operation(meeting: Meeting) -> None:
        item = services.item_by_ref(ctx.db, meeting, ctx.field("item"))
        by_college = {college: {choice: ctx.field(f"{college}-{choice}") for choice in CHOICES}
                      for college in COLLEGE_KEYS
                      if any(ctx.field(f"{college}-{choice}") for choice in CHOICES)}
        room.set_counts(ctx.db, ctx.principal, meeting, item, by_college)
    return _act(ctx, operation, "agenda", COUNT_FIELDS)


@page
def note(ctx: Ctx) -> Response:
    return _act(ctx, lambda m: room.add_note(ctx.db, ctx.principal, m, ctx.field("kind"), ctx.field("text"),
                                             ctx.field("language"), _item(ctx, m)), "notes", ("text",))


@page
def proposal(ctx: Ctx) -> Response:
    return _act(ctx, lambda m: room.add_proposal(ctx.db, ctx.principal, m, ctx.field("title"), ctx.field("body"),
                                                 ctx.field("language")), "proposals", ("title", "body"))


@page
def minutes(ctx: Ctx) -> Response:
    return _act(ctx, lambda m: room.save_minutes(ctx.db, ctx.principal, m, ctx.field("minutes")), "minutes",
                ("minutes",))


@page
def submit(ctx: Ctx) -> Response:
    return _act(ctx, lambda m: room.submit(ctx.db, ctx.principal, m), "report")


@page
def addendum(ctx: Ctx) -> Response:
    return _act(ctx, lambda m: room.add_addendum(ctx.db, ctx.principal, m, ctx.field("text")), "report", ("text",))


@page
def registrations_csv(ctx: Ctx) -> Response:
    meeting = load(ctx, run=True)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "email", "college", "status", "registered_at"])
    for row in registrations.listing(ctx.db, meeting.id):
        writer.writerow([_cell(row.name), row.email, row.college, row.status, row.created_at])
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="meeting-{meeting.id}-registrations.csv"'})


def _cell(value: str) -> str:
    """No formula injection when the list is opened in a spreadsheet."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@page
def search_people(ctx: Ctx) -> Response:
    """People of the register to check in (the relay types a name or an email)."""
    meeting = load(ctx, run=True)
    query = ctx.request.query_params.get("q", "").strip()
    found: list[Person] = []
    if len(query) >= 2:
        pattern = f"%{query.lower()}%"
        found = list(ctx.db.execute(select(Person).where(
            Person.active.is_(True), or_(func.lower(Person.name).like(pattern), func.lower(Person.email).like(pattern)))
            .order_by(Person.name).limit(20)).scalars())
    context = _run_context(ctx, meeting)  # the whole page when asked without htmx
    return ctx.render("meetings/run.html", found_people=found, query=query, htmx_block="people_found",
                      counts_picture=current_counts_picture(context), **context)


def _run_context(ctx: Ctx, meeting: Meeting) -> dict[str, Any]:
    return {"error": "", "error_field": "", "form": FormValues(), "attendees": room.attendees(ctx.db, meeting.id),
            "registrations": registrations.listing(ctx.db, meeting.id), "notes": room.notes_of(ctx.db, meeting.id),
            "proposals": room.proposals_of(ctx.db, meeting.id), "addenda": room.addenda_of(ctx.db, meeting.id),
            "present_by_college": room.attendance_by_college(ctx.db, meeting.id), "colleges": COLLEGE_KEYS,
            "choices": CHOICES, "languages": LANGUAGES, **room_context(ctx, meeting)}
