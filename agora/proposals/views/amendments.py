"""The text's life: amendments (propose, update, accept, decline, withdraw), versions with their
differences, and translations beside the original."""

from __future__ import annotations

from starlette.responses import Response

from agora.deliberation.diff import changed, word_diff
from agora.deliberation.errors import Refused
from agora.i18n import LANGUAGE_NAMES
from agora.i18n import gettext as _
from agora.moderation.services import is_moderator, may_see
from agora.proposals import access, phases, services
from agora.proposals.models import Amendment, Proposal
from agora.proposals.views.common import problem
from agora.proposals.views.detail import _proposal
from agora.settings import LANGUAGES
from agora.web.endpoint import Ctx, not_found, page


def _amendment(ctx: Ctx, proposal: Proposal) -> Amendment:
    try:
        amendment = access.access_amendment(ctx.db, ctx.principal, proposal, ctx.path_param("amendment_id"))
    except Refused as refused:
        raise problem(refused) from None
    if not access.may_see_text(ctx.principal, proposal):
        raise not_found()
    return amendment


def _base_text(ctx: Ctx, proposal: Proposal, number: int) -> tuple[str, str]:
    for version in services.versions_of(ctx.db, proposal):
        if version.number == number:
            return version.title, version.body_md
    return proposal.title, proposal.body_md


def render_amendment(ctx: Ctx, proposal: Proposal, amendment: Amendment, *, status: int = 200,
                     error: str | None = None, form: dict[str, str] | None = None) -> Response:
    visible = may_see(ctx.principal, amendment)
    base_title, base_body = _base_text(ctx, proposal, amendment.base_version)
    names = services.people_names(ctx.db, [amendment.author_id])
    return ctx.render(
        "proposals/amendment.html", status=status, proposal=proposal, amendment=amendment, visible=visible,
        author_name=names.get(amendment.author_id, ""), title_diff=word_diff(base_title, amendment.title),
        body_diff=word_diff(base_body, amendment.body_md), outdated=amendment.base_version != proposal.version,
        is_author=proposal.author_id == ctx.principal.id, is_amendment_author=amendment.author_id == ctx.principal.id,
        open=phases.amendment_open(amendment.status) and phases.accepts_amendments(proposal.status),
        is_moderator=is_moderator(ctx.principal), error=error, form=form or {},
    )


def render_amend_form(ctx: Ctx, proposal: Proposal, *, form: dict[str, str], amendment: Amendment | None = None,
                      status: int = 200, error: str | None = None, error_field: str = "") -> Response:
    return ctx.render("proposals/amend_form.html", status=status, proposal=proposal, amendment=amendment, form=form,
                      error=error, error_field=error_field,
                      preview=word_diff(proposal.body_md, form.get("body", "")) if form.get("body") else [])


@page
def amend(ctx: Ctx) -> Response:
    """GET: the form to propose an amendment, with the current text to start from. POST: propose it."""
    proposal = _proposal(ctx, for_update=ctx.request.method == "POST")
    if not access.may_see_text(ctx.principal, proposal):
        raise not_found()
    if ctx.request.method == "GET":
        form = {"title": proposal.title, "body": proposal.body_md, "explanation": ""}
        return render_amend_form(ctx, proposal, form=form)
    form = {name: ctx.field(name) for name in ("title", "body", "explanation")}
    try:
        amendment = services.propose_amendment(ctx.db, ctx.principal, proposal, form["title"], form["body"],
                                               form["explanation"])
    except Refused as refused:
        if refused.status in (401, 404):
            raise problem(refused) from None
        return render_amend_form(ctx, proposal, form=form, status=refused.status, error=refused.message,
                                 error_field=refused.field)
    return ctx.redirect(f"{services.url_of(proposal.id)}/amendments/{amendment.id}")


@page
def amendment_detail(ctx: Ctx) -> Response:
    proposal = _proposal(ctx)
    return render_amendment(ctx, proposal, _amendment(ctx, proposal))


@page
def amendment_edit(ctx: Ctx) -> Response:
    proposal = _proposal(ctx, for_update=ctx.request.method == "POST")
    amendment = _amendment(ctx, proposal)
    if amendment.author_id != ctx.principal.id:
        raise not_found()
    if ctx.request.method == "GET":
        form = {"title": amendment.title, "body": amendment.body_md, "explanation": amendment.explanation_md}
        return render_amend_form(ctx, proposal, form=form, amendment=amendment)
    form = {name: ctx.field(name) for name in ("title", "body", "explanation")}
    try:
        services.update_amendment(ctx.db, ctx.principal, proposal, amendment, form["title"], form["body"],
                                  form["explanation"])
    except Refused as refused:
        return render_amend_form(ctx, proposal, form=form, amendment=amendment, status=refused.status,
                                 error=refused.message, error_field=refused.field)
    return ctx.redirect(f"{services.url_of(proposal.id)}/amendments/{amendment.id}")


@page
def amendment_decide(ctx: Ctx) -> Response:
    proposal = _proposal(ctx, for_update=True)
    amendment = _amendment(ctx, proposal)
    decision = ctx.field("decision")
    try:
        if decision == "withdraw":
            services.withdraw_amendment(ctx.db, ctx.principal, amendment)
        elif decision in ("accept", "decline"):
            services.decide_amendment(ctx.db, ctx.principal, proposal, amendment, decision == "accept",
                                      ctx.field("reason"))
        else:
            raise Refused(422, "invalid", _("Choose to accept or to decline the amendment."))
    except Refused as refused:
        if refused.status in (401, 404):
            raise problem(refused) from None
        return render_amendment(ctx, proposal, amendment, status=refused.status, error=refused.message,
                                form={"reason": ctx.field("reason")})
    return ctx.redirect(f"{services.url_of(proposal.id)}/amendments/{amendment.id}")


@page
def versions(ctx: Ctx) -> Response:
    proposal = _proposal(ctx)
    if not access.may_see_text(ctx.principal, proposal):
        raise not_found()
    history = services.versions_of(ctx.db, proposal)
    names = services.people_names(ctx.db, [v.author_id for v in history])
    steps = []
    for before, after in zip([None, *history[:-1]], history, strict=True):
        title_diff = word_diff(before.title, after.title) if before else []
        body_diff = word_diff(before.body_md, after.body_md) if before else []
        steps.append({"version": after, "author": names.get(after.author_id or "", ""), "title_diff": title_diff,
                      "body_diff": body_diff, "changed": changed(title_diff) or changed(body_diff)})
    return ctx.render("proposals/versions.html", proposal=proposal, steps=list(reversed(steps)))


@page
def translate(ctx: Ctx) -> Response:
    proposal = _proposal(ctx, for_update=ctx.request.method == "POST")
    if not access.may_see_text(ctx.principal, proposal):
        raise not_found()
    language = ctx.field("language") or ctx.request.query_params.get("lang", "")
    if language not in LANGUAGES or language == proposal.language:
        language = next(code for code in LANGUAGES if code != proposal.language)
    existing = {t.language: t for t in services.translations_of(ctx.db, proposal)}
    if ctx.request.method == "GET":
        current = existing.get(language)
        form = {"language": language, "title": current.title if current else "",
                "body": current.body_md if current else ""}
        return _render_translate(ctx, proposal, form)
    form = {name: ctx.field(name) for name in ("language", "title", "body")}
    try:
        services.save_translation(ctx.db, ctx.principal, proposal, form["language"], form["title"], form["body"])
    except Refused as refused:
        if refused.status in (401, 404):
            raise problem(refused) from None
        return _render_translate(ctx, proposal, form, status=refused.status, error=refused.message,
                                 error_field=refused.field)
    return ctx.redirect(f"{services.url_of(proposal.id)}?lang={form['language']}")


def _render_translate(ctx: Ctx, proposal: Proposal, form: dict[str, str], *, status: int = 200,
                      error: str | None = None, error_field: str = "") -> Response:
    targets = [code for code in LANGUAGES if code != proposal.language]
    return ctx.render("proposals/translate.html", status=status, proposal=proposal, form=form, targets=targets,
                      language_names=LANGUAGE_NAMES, error=error, error_field=error_field)
