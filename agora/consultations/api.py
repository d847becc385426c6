"""`/api/v1/consultations`: exactly as ../shared/API.md "Consultations", plus what agora adds
(listing, editing a draft, second call, CSV), every operation declared in the OpenAPI document."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from agora.api.common import json_object, require_person
from agora.consultations import access, ballot_box, errors, export, lifecycle, rules, services, voting
from agora.consultations import openapi_spec as spec
from agora.consultations import results as counted
from agora.consultations.definition import DefinitionError, parse
from agora.consultations.models import Consultation
from agora.consultations.serialize import consultation_json
from agora.db import utcnow
from agora.i18n import gettext as _
from agora.permissions import Permission, ensure
from agora.web.endpoint import Ctx, api


def _json(ctx: Ctx, consultation: Consultation, status: int = 200) -> Response:
    return ctx.respond_json(consultation_json(consultation, manager=rules.may_manage(ctx.principal)), status)


def _definition(ctx: Ctx):  # type: ignore[no-untyped-def]
    try:
        return parse(json_object(ctx), services.defaults(ctx.db, ctx.settings))
    except DefinitionError as error:
        raise errors.invalid(error) from None


@api
def listing(ctx: Ctx) -> Response:
    require_person(ctx)
    manager = rules.may_manage(ctx.principal)
    found = services.listing(ctx.db, drafts=manager)
    return ctx.respond_json({"consultations": [
        {"id": c.id, "status": c.status.value, "title": c.titles, "binding": c.binding,
         "opens_at": c.opens_at.isoformat(), "closes_at": c.closes_at.isoformat(), "url": f"/consultations/{c.id}"}
        for c in found
    ]})


@api
def create(ctx: Ctx) -> Response:
    person = require_person(ctx)
    ensure(ctx.principal, Permission.CONSULTATIONS_MANAGE)
    consultation = services.create(ctx.db, _definition(ctx), person, ctx.settings)
    return _json(ctx, consultation, 201)


@api
def detail(ctx: Ctx) -> Response:
    require_person(ctx)
    return _json(ctx, access.consultation(ctx))


@api
def update(ctx: Ctx) -> Response:
    person = require_person(ctx)
    consultation = access.consultation(ctx, manage=True)
    if not rules.editable(consultation):
        raise errors.locked()
    return _json(ctx, services.update(ctx.db, consultation, _definition(ctx), person))


@api
def approve(ctx: Ctx) -> Response:
    person = require_person(ctx)
    consultation = access.consultation(ctx, manage=True)
    services.approve(ctx.db, consultation, person, utcnow())
    return _json(ctx, consultation)


@api
def open_(ctx: Ctx) -> Response:
    person = require_person(ctx)
    consultation = access.consultation(ctx, manage=True)
    opened = lifecycle.open_now(ctx.db, consultation.id, person.id, utcnow())
    assert opened is not None
    return _json(ctx, opened)


@api
def close(ctx: Ctx) -> Response:
    person = require_person(ctx)
    consultation = access.consultation(ctx, manage=True)
    closed = lifecycle.close_now(ctx.db, consultation.id, person.id, utcnow())
    assert closed is not None
    return _json(ctx, closed)


@api
def second_call(ctx: Ctx) -> Response:
    person = require_person(ctx)
    consultation = access.consultation(ctx, manage=True)
    copy = services.second_call(ctx.db, consultation, person, ctx.settings, utcnow())
    return _json(ctx, copy, 201)


@api(write=False)  # this unit only reads: the ballot is written by the group commit (ballot_box)
def ballot(ctx: Ctx) -> Response:
    person = require_person(ctx)
    consultation = access.consultation(ctx, signed_in=True, questions=False)  # cast reads them from a cache
    answers = json_object(ctx).get("answers")
    if answers is None:
        raise errors.Refused(422, "invalid_answer", _("The ballot needs an answers object."))
    cast = ballot_box.cast(ctx.request.app.state.db, ctx.db, consultation, person, answers,
                           secret_key=ctx.settings.secret_key)
    return ctx.respond_json({"tracking_code": cast.tracking_code})


@api
def participation(ctx: Ctx) -> Response:
    require_person(ctx)
    consultation = access.consultation(ctx)
    return ctx.respond_json(voting.participation(ctx.db, consultation))


def _closed(ctx: Ctx) -> Consultation:
    require_person(ctx)
    consultation = access.consultation(ctx, signed_in=True)
    if not rules.results_published(consultation):
        raise errors.not_closed()
    return consultation


@api
def results(ctx: Ctx) -> Response:
    return ctx.respond_json(counted.published(_closed(ctx)))


@api
def results_csv(ctx: Ctx) -> Response:
    consultation = _closed(ctx)
    text = export.results_csv(consultation, ctx.language, yes_no_labels())
    return Response(text, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="consultation-{consultation.id}-results.csv"'})


def yes_no_labels() -> dict[str, str]:
    return {"yes": _("yes"), "no": _("no"), "abstain": _("abstain")}


@api
def tracking_codes(ctx: Ctx) -> Response:
    consultation = _closed(ctx)
    return ctx.respond_json({
        "consultation": consultation.id,
        "tracking_codes": [{"tracking_code": code, "answers": answers}
                           for code, answers in voting.tracking_codes(ctx.db, consultation.id)],
    })


BASE = "/consultations/{consultation_id}"
routes: list[BaseRoute] = [
    Route("/consultations", listing, methods=["GET"]),
    Route("/consultations", create, methods=["POST"]),
    Route(BASE, detail, methods=["GET"]),
    Route(BASE, update, methods=["PUT"]),
    Route(f"{BASE}/approve", approve, methods=["POST"]),
    Route(f"{BASE}/open", open_, methods=["POST"]),
    Route(f"{BASE}/close", close, methods=["POST"]),
    Route(f"{BASE}/second-call", second_call, methods=["POST"]),
    Route(f"{BASE}/ballot", ballot, methods=["POST"]),
    Route(f"{BASE}/participation", participation, methods=["GET"]),
    Route(f"{BASE}/results", results, methods=["GET"]),
    Route(f"{BASE}/results.csv", results_csv, methods=["GET"]),
    Route(f"{BASE}/tracking-codes", tracking_codes, methods=["GET"]),
]
spec.declare_all()
