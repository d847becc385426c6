"""The list of proposals (search, filters, sorting, pages), writing one, similar ones, the threshold settings."""

from __future__ import annotations

from starlette.responses import Response

from agora.deliberation.errors import Refused
from agora.deliberation.scope import ScopeError, parse_scope, parse_theme
from agora.forums import services as forums
from agora.i18n import gettext as _
from agora.people import services as register
from agora.people.models import COLLEGE_KEYS
from agora.permissions import Permission, allowed
from agora.proposals import access, cards, listing, services
from agora.proposals.models import ProposalStatus, ThresholdMode
from agora.proposals.views import filter_form
from agora.proposals.views.common import choices, page_number, problem
from agora.settings import LANGUAGES
from agora.web.endpoint import Ctx, Problem, page


def _signed_in(ctx: Ctx) -> None:
    if ctx.person is None:
        raise Problem(401, "unauthenticated", _("Sign in to see this page."))


@page
def proposals(ctx: Ctx) -> Response:
    _signed_in(ctx)
    q = ctx.request.query_params
    filters = listing.ProposalFilter(
        query=q.get("q", "").strip()[:200], status=q.get("status", ""), scope=q.get("scope", ""),
        region=q.get("region", "")[:64], college=q.get("college", ""), sector=q.get("sector", "")[:32],
        theme=q.get("theme", "")[:32], sort=q.get("sort", ""), mine=q.get("mine", "") == "1",
        page=page_number(q.get("page", "1")), per_page=page_number(q.get("per_page", str(listing.PAGE_SIZE))),
    )
    found, total = cards.list_cards(ctx.db, ctx.principal, filters, ctx.language)
    return ctx.render("proposals/list.html", proposals=found, cards_html=cards.cards_html, total=total, filters=filters,
                      regions=register.region_choices(ctx.db, ctx.language), filter_form=filter_form.filter_form,
                      page_size=filters.page_size, default_page_size=listing.PAGE_SIZE, htmx_block="results",
                      can_configure=allowed(ctx.principal, Permission.PROPOSALS_CONFIGURE))


def _form_values(ctx: Ctx) -> dict[str, str]:
    return {name: ctx.field(name) for name in ("title", "body", "language", "scope", "region", "college", "sector",
                                               "theme", "thread")}


def render_form(ctx: Ctx, *, form: dict[str, str], proposal_id: str | None = None, error: str | None = None,
                error_field: str = "", status: int = 200) -> Response:
    similar = services.similar(ctx.db, form.get("title", ""), form.get("body", ""), exclude=proposal_id) \
        if form.get("title") else []
    return ctx.render("proposals/form.html", status=status, form=form, proposal_id=proposal_id, error=error,
                      error_field=error_field, similar=similar, regions=register.list_regions(ctx.db, active_only=True),
                      colleges=COLLEGE_KEYS, languages=LANGUAGES, **choices())


def _draft_from(ctx: Ctx, form: dict[str, str]) -> services.Draft:
    try:
        value = {"region": form["region"], "college": form["college"], "sector": form["sector"]}.get(form["scope"], "")
        scope = parse_scope(ctx.db, form["scope"], value)
        theme = parse_theme(form["theme"])
    except ScopeError as error:
        raise Refused(422, "invalid_scope", str(error), "scope") from None
    return services.check_draft(form["title"], form["body"], form["language"] or ctx.language, scope, theme)


@page
def new_proposal(ctx: Ctx) -> Response:
    _signed_in(ctx)
    if ctx.request.method == "GET":
        form = {"title": "", "body": "", "language": ctx.language, "scope": "cooperative", "region": "",
                "college": "", "sector": "", "theme": "", "thread": ""}
        thread_id = ctx.request.query_params.get("thread", "")
        if thread_id:
            try:
                thread, opening = forums.thread_as_proposal(ctx.db, ctx.principal, thread_id)
            except Refused as refused:
                raise problem(refused) from None
            form.update(title=thread.title, body=opening.body_md if opening else "", language=thread.language,
                        thread=thread.id)
        return render_form(ctx, form=form)
    form = _form_values(ctx)
    try:
        draft = _draft_from(ctx, form)
        source = None
        if form["thread"]:
            thread, _opening = forums.thread_as_proposal(ctx.db, ctx.principal, form["thread"])
            source = thread.id
        proposal = services.create(ctx.db, ctx.principal, draft, publish_now=ctx.field("action") == "publish",
                                   source_thread_id=source)
        if source:
            forums.linked_to_proposal(ctx.db, ctx.principal, source, proposal.id)
    except Refused as refused:
        if refused.status in (401, 404):
            raise problem(refused) from None
        return render_form(ctx, form=form, error=refused.message, error_field=refused.field, status=refused.status)
    return ctx.redirect(services.url_of(proposal.id))


@page
def edit_proposal(ctx: Ctx) -> Response:
    try:
        proposal = access.access_proposal(ctx.db, ctx.principal, ctx.path_param("proposal_id"))
    except Refused as refused:
        raise problem(refused) from None
    if proposal.author_id != ctx.principal.id or proposal.status != ProposalStatus.DRAFT:
        raise Problem(409, "not_editable", _(
            "A published proposal is changed through amendments, so that its supporters see what changed."))
    if ctx.request.method == "GET":
        form = {"title": proposal.title, "body": proposal.body_md, "language": proposal.language,
                "scope": proposal.scope_kind.value, "region": proposal.region.slug if proposal.region else "",
                "college": proposal.college.value if proposal.college else "", "sector": proposal.sector or "",
                "theme": proposal.theme or "", "thread": ""}
        return render_form(ctx, form=form, proposal_id=proposal.id)
    form = _form_values(ctx)
    try:
        services.edit_draft(ctx.db, ctx.principal, proposal, _draft_from(ctx, form))
        if ctx.field("action") == "publish":
            services.publish(ctx.db, ctx.principal, proposal)
    except Refused as refused:
        return render_form(ctx, form=form, proposal_id=proposal.id, error=refused.message,
                           error_field=refused.field, status=refused.status)
    return ctx.redirect(services.url_of(proposal.id))


@page
def similar(ctx: Ctx) -> Response:
    _signed_in(ctx)
    q = ctx.request.query_params
    found = services.similar(ctx.db, q.get("title", "")[:200], q.get("body", "")[:2000],
                             exclude=q.get("exclude") or None)
    return ctx.render("proposals/similar.html", similar=found)


@page
def settings(ctx: Ctx) -> Response:
    if not allowed(ctx.principal, Permission.PROPOSALS_CONFIGURE):
        raise Problem(404, "not_found", _("This page does not exist, or you are not allowed to see it."))
    current = services.get_settings(ctx.db)
    form = {"mode": current.threshold_mode.value, "absolute": str(current.threshold_absolute),
            "share": f"{(current.threshold_share * 100).normalize():f}"}
    if ctx.request.method == "POST":
        form = {"mode": ctx.field("mode"), "absolute": ctx.field("absolute"), "share": ctx.field("share")}
        try:
            services.save_settings(ctx.db, ctx.principal, form["mode"], form["absolute"], form["share"])
            return ctx.redirect("/proposals/settings?saved=1")
        except Refused as refused:
            return ctx.render("proposals/settings.html", status=refused.status, form=form, error=refused.message,
                              error_field=refused.field, modes=ThresholdMode, saved=False)
    return ctx.render("proposals/settings.html", form=form, error=None, error_field="", modes=ThresholdMode,
                      saved=ctx.request.query_params.get("saved") == "1")
