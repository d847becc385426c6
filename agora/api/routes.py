"""`/api/v1`: the routes of every feature's API, the OpenAPI document and `/me`."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from agora.api import openapi
from agora.api.common import person_json, require_person
from agora.consultations.api import routes as consultation_routes
from agora.ethics_committee.api import routes as ethics_routes
from agora.meetings.api import routes as meeting_routes
from agora.proposals.api import routes as proposal_routes
from agora.reports.api import routes as report_routes
from agora.web.endpoint import Ctx, api


@api
def openapi_document(ctx: Ctx) -> Response:
    return ctx.respond_json(openapi.document(ctx.settings.base_url))


@api
def me(ctx: Ctx) -> Response:
    person = require_person(ctx)
    return ctx.respond_json(person_json(ctx, person))


openapi.declare(openapi.Operation("GET", "/me", "The person the token belongs to, with roles", "people"))

routes: list[BaseRoute] = [
    Route("/openapi.json", openapi_document, methods=["GET"]),
    Route("/me", me, methods=["GET"]),
    *consultation_routes,
    *proposal_routes,
    *meeting_routes,
    *ethics_routes,
    *report_routes,
]
