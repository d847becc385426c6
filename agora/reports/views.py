"""The reports' pages: the public list of answered reports, the board's desk, building a report, and
the report itself (with its draft form, the board's actions and the downloads)."""

from __future__ import annotations

from datetime import timedelta

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from agora.db import utcnow
from agora.reports import access, downloads, render, rules, services
from agora.reports import texts as notification_texts
from agora.reports.document import document
from agora.reports.errors import Refused
from agora.reports.models import Report
from agora.settings import LANGUAGES
from agora.web.endpoint import Ctx, not_found, page


def _signed_in(ctx: Ctx) -> None:
    if ctx.person is None:
        from agora.web.endpoint import Problem

        raise Problem(401, "unauthenticated", "")


@page
def public_list(ctx: Ctx) -> Response:
    _signed_in(ctx)
    q = ctx.request.query_params
    f = services.parse_filter(q.get("kind", ""), q.get("region", ""), q.get("from", ""), q.get("to", ""))
    return ctx.render("reports/index.html", reports=services.answered_reports(ctx.db, f), f=f, L=render.labels(),
                      regions=render.region_names(ctx.db, ctx.language), kinds=services.KINDS,
                      title_of=lambda r: render.pick((r.frozen or r.content).get("title"), ctx.language, r.language),
                      answer_of=lambda r: render.pick(r.answer, ctx.language, r.language))


@page
def desk(ctx: Ctx) -> Response:
    _signed_in(ctx)
    if not rules.sees_desk(ctx.principal):
        raise not_found()
    now = utcnow()
    return ctx.render("reports/desk.html", desk=services.desk(ctx.db, ctx.principal), L=render.labels(),
                      on_board=rules.on_board(ctx.principal), may_start=_may_start(ctx),
                      waited=lambda since: max(now - since, timedelta(0)).days if since else 0,
                      title_of=lambda r: render.pick((r.frozen or r.content).get("title"), ctx.language, r.language))


def _may_start(ctx: Ctx) -> bool:
    return rules.is_admin(ctx.principal) or bool(ctx.principal.relay_regions())


@page
def new(ctx: Ctx) -> Response:
    _signed_in(ctx)
    if not _may_start(ctx):
        raise not_found()
    query = ctx.request.query_params
    kind, source = ctx.field("kind", query.get("kind", "")), ctx.field("source", query.get("source", ""))
    if ctx.request.method == "POST":
        try:
            report = services.create(ctx.db, ctx.principal, kind, source, ctx.field("language") or None)
        except Refused as refused:
            return ctx.render("reports/new.html", status=refused.status, error=refused.message, kind=kind,
                              error_at=refused.detail.get("field", "source"), source=source, L=render.labels(),
                              kinds=services.KINDS)
        return ctx.redirect(services.url_of(report.id))
    return ctx.render("reports/new.html", error=None, kind=kind, source=source, L=render.labels(),
                      kinds=services.KINDS)


def _show(ctx: Ctx, report: Report, status: int = 200, error: str | None = None, error_at: str = "",
          kept: dict[str, str] | None = None) -> Response:
    """`error_at` ("answer.decision", "submit.summary", ...) puts the error next to the field it is about;
    `kept` is what the person wrote in the board's answer form, given back with the error."""
    return ctx.render("reports/show.html", status=status, error=error, error_at=error_at, kept=kept or {},
                      **downloads.context(ctx, report),
                      may_edit=rules.editable(report) and rules.may_edit(ctx.principal, report),
                      may_correct=rules.correctable(report) and rules.may_edit(ctx.principal, report),
                      on_board=rules.on_board(ctx.principal), acknowledgeable=rules.acknowledgeable(report),
                      answerable=rules.answerable(report), languages=LANGUAGES, decisions=rules.DECISIONS)


@page
def show(ctx: Ctx) -> Response:
    _signed_in(ctx)
    return _show(ctx, access.report(ctx))


def _texts(ctx: Ctx, prefix: str) -> dict[str, str]:
    return {code: ctx.field(f"{prefix}_{code}") for code in LANGUAGES if ctx.field(f"{prefix}_{code}")}


def _recommendations(ctx: Ctx) -> list[dict[str, str]]:
    lines = {code: [line.strip() for line in ctx.field(f"recommendations_{code}").splitlines() if line.strip()]
             for code in LANGUAGES}
    count = max((len(v) for v in lines.values()), default=0)
    return [{code: lines[code][i] for code in LANGUAGES if i < len(lines[code])} for i in range(count)]


def _act(ctx: Ctx, act: str) -> Response:
    _signed_in(ctx)
    report = access.report(ctx, for_update=True)
    try:
        if act == "edit":
            services.update_texts(ctx.db, ctx.principal, report, _texts(ctx, "summary"), _recommendations(ctx))
        elif act == "refresh":
            services.refresh(ctx.db, ctx.principal, report)
        elif act == "submit":
            services.submit(ctx.db, ctx.principal, report)
        elif act == "acknowledge":
            services.acknowledge(ctx.db, ctx.principal, report)
        elif act == "answer":
            services.answer(ctx.db, ctx.principal, report, ctx.field("decision"), _texts(ctx, "answer"))
        else:
            report = services.correct(ctx.db, ctx.principal, report)
    except Refused as refused:
        ctx.db.rollback()
        field = refused.detail.get("field")
        kept = {name: ctx.field(name) for name in ["decision", *(f"answer_{code}" for code in LANGUAGES)]}
        return _show(ctx, access.report(ctx), refused.status, refused.message, f"{act}.{field}" if field else "",
                     kept if act == "answer" else None)
    return ctx.redirect(services.url_of(report.id))


@page
def edit(ctx: Ctx) -> Response:
    return _act(ctx, "edit")


@page
def refresh(ctx: Ctx) -> Response:
    return _act(ctx, "refresh")


@page
def submit(ctx: Ctx) -> Response:
    return _act(ctx, "submit")


@page
def acknowledge(ctx: Ctx) -> Response:
    return _act(ctx, "acknowledge")


@page
def answer(ctx: Ctx) -> Response:
    return _act(ctx, "answer")


@page
def correct(ctx: Ctx) -> Response:
    return _act(ctx, "correct")


@page
def pdf(ctx: Ctx) -> Response:
    _signed_in(ctx)
    return downloads.pdf_response(ctx, access.report(ctx))


@page
def csv(ctx: Ctx) -> Response:
    _signed_in(ctx)
    return downloads.csv_response(access.report(ctx))


@page
def json_document(ctx: Ctx) -> Response:
    _signed_in(ctx)
    report = access.report(ctx)
    return ctx.respond_json(document(report))


assert notification_texts  # imported for its registration of the notification text
BASE = "/reports/{report_id}"
routes: list[BaseRoute] = [
    Route("/reports", public_list, methods=["GET"]),
    Route("/reports/desk", desk, methods=["GET"]),
    Route("/reports/new", new, methods=["GET", "POST"]),
    Route(f"{BASE}.pdf", pdf, methods=["GET"]),
    Route(f"{BASE}.csv", csv, methods=["GET"]),
    Route(f"{BASE}.json", json_document, methods=["GET"]),
    Route(BASE, show, methods=["GET"]),
    *(Route(f"{BASE}/{name}", handler, methods=["POST"]) for name, handler in
      (("edit", edit), ("refresh", refresh), ("submit", submit), ("acknowledge", acknowledge), ("answer", answer),
       ("correct", correct))),
]
