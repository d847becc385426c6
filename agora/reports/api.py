"""`/api/v1/reports`: exactly as ../shared/API.md "Reports", plus what agora adds (the list, editing a
draft, refreshing its figures, corrections), every operation declared in the OpenAPI document."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from agora.api.common import json_object, require_person
from agora.reports import access, downloads, services
from agora.reports import openapi_spec as spec
from agora.reports.document import document
from agora.reports.models import Report
from agora.web.endpoint import Ctx, api


def _summary(report: Report) -> dict[str, object]:
    hashed = report.frozen or report.content
    return {"id": report.id, "kind": report.kind, "status": report.status.value, "version": report.version,
            "title": hashed.get("title", {}), "sha256": report.sha256, "url": services.url_of(report.id),
            "submitted_at": report.submitted_at.isoformat() if report.submitted_at else None,
            "answered_at": report.answered_at.isoformat() if report.answered_at else None,
            "decision": report.decision.value if report.decision else None}


@api
def listing(ctx: Ctx) -> Response:
    require_person(ctx)
    q = ctx.request.query_params
    found = services.answered_reports(ctx.db, services.parse_filter(q.get("kind", ""), q.get("region", ""),
                                                                    q.get("from", ""), q.get("to", "")))
    return ctx.respond_json({"reports": [_summary(r) for r in found]})


@api
def create(ctx: Ctx) -> Response:
    require_person(ctx)
    body = json_object(ctx)
    report = services.create(ctx.db, ctx.principal, body.get("kind"), body.get("source"), body.get("language"),
                             body.get("summary"), body.get("recommendations"))
    return ctx.respond_json({"id": report.id, "status": report.status.value, "url": services.url_of(report.id)}, 201)


@api
def detail(ctx: Ctx) -> Response:
    require_person(ctx)
    return ctx.respond_json(document(access.report(ctx)))


@api
def pdf(ctx: Ctx) -> Response:
    require_person(ctx)
    return downloads.pdf_response(ctx, access.report(ctx))


@api
def csv(ctx: Ctx) -> Response:
    require_person(ctx)
    return downloads.csv_response(access.report(ctx))


@api
def update(ctx: Ctx) -> Response:
    require_person(ctx)
    report = access.report(ctx, for_update=True)
    body = json_object(ctx)
    services.update_texts(ctx.db, ctx.principal, report, body.get("summary", report.summary),
                          body.get("recommendations", report.recommendations))
    return ctx.respond_json(document(report))


def _act(ctx: Ctx, act: str) -> Response:
    require_person(ctx)
    report = access.report(ctx, for_update=True)
    if act == "refresh":
        services.refresh(ctx.db, ctx.principal, report)
    elif act == "submit":
        services.submit(ctx.db, ctx.principal, report)
    elif act == "acknowledge":
        services.acknowledge(ctx.db, ctx.principal, report)
    else:
        body = json_object(ctx)
        services.answer(ctx.db, ctx.principal, report, body.get("decision"), body.get("text"))
    return ctx.respond_json(document(report))


@api
def refresh(ctx: Ctx) -> Response:
    return _act(ctx, "refresh")


@api
def submit(ctx: Ctx) -> Response:
    return _act(ctx, "submit")


@api
def acknowledge(ctx: Ctx) -> Response:
    return _act(ctx, "acknowledge")


@api
def answer(ctx: Ctx) -> Response:
    return _act(ctx, "answer")


@api
def correct(ctx: Ctx) -> Response:
    require_person(ctx)
    following = services.correct(ctx.db, ctx.principal, access.report(ctx, for_update=True))
    return ctx.respond_json({"id": following.id, "status": following.status.value, "version": following.version,
                             "url": services.url_of(following.id)}, 201)


BASE = "/reports/{report_id}"
routes: list[BaseRoute] = [
    Route("/reports", listing, methods=["GET"]),
    Route("/reports", create, methods=["POST"]),
    Route(f"{BASE}.pdf", pdf, methods=["GET"]),
    Route(f"{BASE}.csv", csv, methods=["GET"]),
    Route(BASE, detail, methods=["GET"]),
    Route(BASE, update, methods=["PATCH"]),
    Route(f"{BASE}/refresh", refresh, methods=["POST"]),
    Route(f"{BASE}/submit", submit, methods=["POST"]),
    Route(f"{BASE}/acknowledge", acknowledge, methods=["POST"]),
    Route(f"{BASE}/answer", answer, methods=["POST"]),
    Route(f"{BASE}/correct", correct, methods=["POST"]),
]
spec.declare_all()
