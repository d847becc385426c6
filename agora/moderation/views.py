"""Moderation pages: report (flag), the moderators' queue, acting with a reason, the public log, settings."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from agora.deliberation.errors import Refused
from agora.i18n import gettext as _
from agora.moderation import registry, services, texts  # noqa: F401  (notification texts)
from agora.moderation.models import ModerationAct
from agora.moderation.texts import kind_label
from agora.permissions import Permission, allowed
from agora.web.endpoint import Ctx, Problem, not_found, page


def _problem(refused: Refused) -> Problem:
    return Problem(refused.status, refused.code, refused.message)


def _target_fields(ctx: Ctx) -> tuple[str, str]:
    if ctx.request.method == "POST":
        return ctx.field("type")[:32], ctx.field("id")[:32]
    q = ctx.request.query_params
    return q.get("type", "")[:32], q.get("id", "")[:32]


def _visible_target(ctx: Ctx, kind_name: str, target_id: str) -> tuple[registry.ContentKind, object]:
    found = registry.load(ctx.db, kind_name, target_id)
    if found is None:
        raise not_found()
    kind, item = found
    if not kind.may_read(ctx.db, ctx.principal, item) or not services.may_see(ctx.principal, item):
        raise not_found()
    return kind, item


@page
def flag(ctx: Ctx) -> Response:
    if ctx.person is None:
        raise Problem(401, "unauthenticated", _("Sign in to see this page."))
    kind_name, target_id = _target_fields(ctx)
    kind, item = _visible_target(ctx, kind_name, target_id)
    reason, error, status, done = "", None, 200, ctx.request.query_params.get("done", "")
    if ctx.request.method == "POST":
        reason = ctx.field("reason")
        try:
            created = services.flag(ctx.db, ctx.principal, kind_name, target_id, reason)
            done = "new" if created else "again"
            return ctx.redirect(f"/moderation/flag?type={kind_name}&id={target_id}&done={done}")
        except Refused as refused:
            if refused.status in (401, 404):
                raise _problem(refused) from None
            error, status = refused.message, refused.status
    return ctx.render("moderation/flag.html", status=status, kind=kind, item=item, url=kind.url(ctx.db, item),
                      excerpt=kind.excerpt(item), reason=reason, error=error, done=done)


@page
def act(ctx: Ctx) -> Response:
    if not services.is_moderator(ctx.principal):
        raise not_found()
    kind_name, target_id = _target_fields(ctx)
    kind, item = _visible_target(ctx, kind_name, target_id)
    chosen = ctx.field("act") if ctx.request.method == "POST" else ctx.request.query_params.get("act", "")
    if chosen not in {a.value for a in ModerationAct}:
        raise not_found()
    reason, error, status = ctx.field("reason"), None, 200
    if ctx.request.method == "POST":
        try:
            services.act(ctx.db, ctx.principal, kind_name, target_id, chosen, reason)
            return ctx.redirect(ctx.field("next") if ctx.field("next") == "/moderation" else kind.url(ctx.db, item))
        except Refused as refused:
            if refused.status == 404:
                raise _problem(refused) from None
            error, status = refused.message, refused.status
    return ctx.render("moderation/act.html", status=status, kind=kind, item=item, act=chosen, reason=reason,
                      error=error, url=kind.url(ctx.db, item), excerpt=kind.excerpt(item),
                      next=ctx.request.query_params.get("next", ctx.field("next")))


@page
def queue(ctx: Ctx) -> Response:
    if not services.is_moderator(ctx.principal):
        raise not_found()
    flagged, held = services.queue(ctx.db)
    return ctx.render("moderation/queue.html", flagged=flagged, held=held,
                      can_configure=allowed(ctx.principal, Permission.MODERATION_CONFIGURE))


@page
def log(ctx: Ctx) -> Response:
    """Public: what was moderated, when, why and by which role (never who, never the content)."""
    page_text = ctx.request.query_params.get("page", "1")
    page_number = int(page_text) if page_text.isdigit() and 0 < int(page_text) < 100_000 else 1
    entries, total = services.log_page(ctx.db, page_number)
    return ctx.render("moderation/log.html", entries=entries, total=total, page=page_number,
                      page_size=services.LOG_PAGE_SIZE, kind_label=kind_label)


@page
def settings(ctx: Ctx) -> Response:
    if not allowed(ctx.principal, Permission.MODERATION_CONFIGURE):
        raise not_found()
    current = services.get_settings(ctx.db)
    form = {"hold_first_posts": str(current.hold_first_posts), "rate_limit_posts": str(current.rate_limit_posts),
            "rate_limit_minutes": str(current.rate_limit_minutes)}
    error, error_field, status = None, "", 200
    if ctx.request.method == "POST":
        form = {name: ctx.field(name) for name in form}
        numbers = {name: int(value) if value.isdigit() and len(value) < 7 else -1 for name, value in form.items()}
        try:
            services.save_settings(ctx.db, numbers["hold_first_posts"], numbers["rate_limit_posts"],
                                   numbers["rate_limit_minutes"], actor_id=ctx.principal.id)
            return ctx.redirect("/moderation/settings?saved=1")
        except Refused as refused:
            error, error_field, status = refused.message, refused.field, refused.status
    return ctx.render("moderation/settings.html", status=status, form=form, error=error, error_field=error_field,
                      saved=ctx.request.query_params.get("saved") == "1")


routes = [
    Route("/moderation", queue, methods=["GET"]),
    Route("/moderation/flag", flag, methods=["GET", "POST"]),
    Route("/moderation/act", act, methods=["GET", "POST"]),
    Route("/moderation/log", log, methods=["GET"]),
    Route("/moderation/settings", settings, methods=["GET", "POST"]),
]
