"""`/api/v1/assemblies` and `/api/v1/meetings`: assemblies, meetings, registrations, check-in,
positions, notes, proposals, the report and the synthesis; declared in OpenAPI (openapi_spec.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from agora.api.common import json_object, require_person
from agora.deliberation.errors import Refused, not_found
from agora.i18n import gettext as _
from agora.meetings import inputs, registrations, room, services
from agora.meetings import openapi_spec as spec
from agora.meetings.serialize import assembly_json, meeting_json, synthesis_json
from agora.meetings.synthesis import build as build_synthesis
from agora.web.endpoint import Ctx, Problem, api


def _guard(call: Callable[[], Response]) -> Response:
    try:
        return call()
    except Refused as refused:
        detail = {"field": refused.field} if refused.field else None
        raise Problem(refused.status, refused.code, refused.message, detail=detail) from None


def _meeting(ctx: Ctx, *, run: bool = False, for_update: bool = False) -> Any:
    require_person(ctx)
    return services.access_meeting(ctx.db, ctx.principal, ctx.path_param("meeting_id"), run=run,
                                   for_update=for_update)


def _assembly(ctx: Ctx) -> Any:
    require_person(ctx)
    return services.get_assembly(ctx.db, ctx.principal, ctx.path_param("assembly_id"))


def _meeting_response(ctx: Ctx, meeting: Any, status: int = 200) -> Response:
    return ctx.respond_json(meeting_json(ctx.db, ctx.principal, meeting), status)


@api
def assemblies(ctx: Ctx) -> Response:
    require_person(ctx)
    return ctx.respond_json({"assemblies": [assembly_json(ctx.db, a, agenda=False)
                                            for a in services.list_assemblies(ctx.db)]})


@api
def create_assembly(ctx: Ctx) -> Response:
    require_person(ctx)

    def run() -> Response:
        if not services.is_admin(ctx.principal):  # before looking at the body
            raise Refused(403, "forbidden", _("Only the secretariat prepares a General Assembly."))
        assembly = services.create_assembly(ctx.db, ctx.principal, inputs.assembly_input(json_object(ctx)))
        return ctx.respond_json(assembly_json(ctx.db, assembly), 201)
    return _guard(run)


@api
def assembly(ctx: Ctx) -> Response:
    return _guard(lambda: ctx.respond_json(assembly_json(ctx.db, _assembly(ctx))))


@api
def synthesis(ctx: Ctx) -> Response:
    def run() -> Response:
        found = _assembly(ctx)
        if not services.may_see_synthesis(ctx.principal):
            raise not_found()
        return ctx.respond_json(synthesis_json(build_synthesis(ctx.db, found)))
    return _guard(run)


@api
def meetings(ctx: Ctx) -> Response:
    require_person(ctx)
    query = ctx.request.query_params
    found = services.upcoming(ctx.db, ctx.principal, region_slug=query.get("region", ""), kind=query.get("kind", ""))
    return ctx.respond_json({"meetings": [meeting_json(ctx.db, ctx.principal, m, brief=True) for m in found]})


@api
def create_meeting(ctx: Ctx) -> Response:
    require_person(ctx)

    def run() -> Response:
        if not services.may_create_meetings(ctx.principal):  # before looking at the body
            raise Refused(403, "forbidden", _("Only the relays and the secretariat organise meetings."))
        meeting = services.create_meeting(ctx.db, ctx.principal, inputs.meeting_input(json_object(ctx)))
        return _meeting_response(ctx, meeting, 201)
    return _guard(run)


@api
def meeting(ctx: Ctx) -> Response:
    return _guard(lambda: _meeting_response(ctx, _meeting(ctx)))


@api
def register(ctx: Ctx) -> Response:
    def run() -> Response:
        found = _meeting(ctx, for_update=True)
        status = registrations.register(ctx.db, ctx.principal, found)
        registered = registrations.registered_count(ctx.db, found.id)
        return ctx.respond_json({"status": status.value, "registered": registered})
    return _guard(run)


@api
def cancel(ctx: Ctx) -> Response:
    def run() -> Response:
        found = _meeting(ctx, for_update=True)
        moved = registrations.cancel(ctx.db, ctx.principal, found)
        return ctx.respond_json({"status": "cancelled", "moved_up": moved.id if moved else None})
    return _guard(run)


@api
def registration_list(ctx: Ctx) -> Response:
    def run() -> Response:
        found = _meeting(ctx, run=True)
        return ctx.respond_json({"registrations": [row.__dict__ for row in registrations.listing(ctx.db, found.id)]})
    return _guard(run)


@api
def check_in(ctx: Ctx) -> Response:
    def run() -> Response:
        found = _meeting(ctx, run=True, for_update=True)
        body = json_object(ctx)
        row = room.check_in(ctx.db, ctx.principal, found, person_id=str(body.get("person") or ""),
                            name=str(body.get("name") or ""), college=str(body.get("college") or ""))
        return ctx.respond_json({"id": row.id, "name": row.name, "college": row.college.value,
                                 "walk_in": row.walk_in, "attendance": room.attendance_count(ctx.db, found.id)}, 201)
    return _guard(run)


@api
def current(ctx: Ctx) -> Response:
    def run() -> Response:
        found = _meeting(ctx, run=True, for_update=True)
        ref = json_object(ctx).get("item")
        item = services.item_by_ref(ctx.db, found, ref) if isinstance(ref, str) and ref else None
        room.set_current(ctx.db, ctx.principal, found, item)
        return _meeting_response(ctx, found)
    return _guard(run)


@api
def vote(ctx: Ctx) -> Response:
    def run() -> Response:
        found = _meeting(ctx, for_update=True)
        item = services.item_by_ref(ctx.db, found, ctx.path_param("ref"))
        room.vote(ctx.db, ctx.principal, found, item, str(json_object(ctx).get("choice") or ""))
        return ctx.respond_json(room.positions(ctx.db, found.id)[item.ref])
    return _guard(run)


@api
def counts(ctx: Ctx) -> Response:
    def run() -> Response:
        found = _meeting(ctx, run=True, for_update=True)
        item = services.item_by_ref(ctx.db, found, ctx.path_param("ref"))
        by_college = json_object(ctx).get("by_college")
        if not isinstance(by_college, dict):
            raise Refused(422, "invalid", _("Give counts for, against and abstain."), "by_college")
        room.set_counts(ctx.db, ctx.principal, found, item, by_college)
        return ctx.respond_json(room.positions(ctx.db, found.id)[item.ref])
    return _guard(run)


@api
def positions(ctx: Ctx) -> Response:
    return _guard(lambda: ctx.respond_json({"positions": room.positions(ctx.db, _meeting(ctx).id)}))


@api
def note(ctx: Ctx) -> Response:
    def run() -> Response:
        found = _meeting(ctx, run=True, for_update=True)
        body = json_object(ctx)
        ref = body.get("item")
        item = services.item_by_ref(ctx.db, found, ref) if isinstance(ref, str) and ref else None
        added = room.add_note(ctx.db, ctx.principal, found, str(body.get("kind") or ""), str(body.get("text") or ""),
                              str(body.get("language") or ctx.language), item)
        return ctx.respond_json({"id": added.id, "kind": added.kind.value, "item": ref or None}, 201)
    return _guard(run)


@api
def proposal(ctx: Ctx) -> Response:
    def run() -> Response:
        found = _meeting(ctx, run=True, for_update=True)
        body = json_object(ctx)
        made = room.add_proposal(ctx.db, ctx.principal, found, str(body.get("title") or ""),
                                 str(body.get("body") or ""), str(body.get("language") or ctx.language))
        return ctx.respond_json({"id": made.id, "url": f"/proposals/{made.id}"}, 201)
    return _guard(run)


@api
def minutes(ctx: Ctx) -> Response:
    def run() -> Response:
        found = _meeting(ctx, run=True, for_update=True)
        room.save_minutes(ctx.db, ctx.principal, found, str(json_object(ctx).get("minutes") or ""))
        return _meeting_response(ctx, found)
    return _guard(run)


@api
def submit(ctx: Ctx) -> Response:
    def run() -> Response:
        found = _meeting(ctx, run=True, for_update=True)
        room.submit(ctx.db, ctx.principal, found)
        return _meeting_response(ctx, found)
    return _guard(run)


@api
def addendum(ctx: Ctx) -> Response:
    def run() -> Response:
        found = _meeting(ctx, run=True, for_update=True)
        added = room.add_addendum(ctx.db, ctx.principal, found, str(json_object(ctx).get("text") or ""))
        return ctx.respond_json({"id": added.id, "created_at": added.created_at.isoformat()}, 201)
    return _guard(run)


A = "/assemblies/{assembly_id}"
M = "/meetings/{meeting_id}"
routes: list[BaseRoute] = [
    Route("/assemblies", assemblies, methods=["GET"]),
    Route("/assemblies", create_assembly, methods=["POST"]),
    Route(A, assembly, methods=["GET"]),
    Route(f"{A}/synthesis", synthesis, methods=["GET"]),
    Route("/meetings", meetings, methods=["GET"]),
    Route("/meetings", create_meeting, methods=["POST"]),
    Route(M, meeting, methods=["GET"]),
    Route(f"{M}/registration", register, methods=["POST"]),
    Route(f"{M}/registration", cancel, methods=["DELETE"]),
    Route(f"{M}/registrations", registration_list, methods=["GET"]),
    Route(f"{M}/checkins", check_in, methods=["POST"]),
    Route(f"{M}/current", current, methods=["POST"]),
    Route(f"{M}/positions", positions, methods=["GET"]),
    Route(f"{M}/items/{{ref}}/vote", vote, methods=["POST"]),
    Route(f"{M}/items/{{ref}}/counts", counts, methods=["PUT"]),
    Route(f"{M}/notes", note, methods=["POST"]),
    Route(f"{M}/proposals", proposal, methods=["POST"]),
    Route(f"{M}/minutes", minutes, methods=["PUT"]),
    Route(f"{M}/submit", submit, methods=["POST"]),
    Route(f"{M}/addenda", addendum, methods=["POST"]),
]
spec.declare_all()
