"""Forum pages: spaces, threads, replies with quotes, edits with history, subscriptions, live fragments."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from agora.deliberation.errors import Refused
from agora.deliberation.scope import COLLEGE_LABELS, SECTORS
from agora.forums import fragments, moderated, services, texts  # noqa: F401  (moderation kinds, notification texts)
from agora.forums.models import ForumPost, ForumSpace, ForumThread, SpaceKind, SpaceSubscription
from agora.i18n import gettext as _
from agora.moderation.models import ModerationState
from agora.moderation.services import is_moderator, may_see
from agora.people import services as register
from agora.people.models import COLLEGE_KEYS
from agora.permissions import Permission, allowed
from agora.settings import LANGUAGES
from agora.web.endpoint import Ctx, Problem, not_found, page


def _problem(refused: Refused) -> Problem:
    return Problem(refused.status, refused.code, refused.message)


def _page_number(text: str) -> int:
    return int(text) if text.isdigit() and 0 < int(text) < 100_000 else 1


def _signed_in(ctx: Ctx) -> None:
    if ctx.person is None:
        raise Problem(401, "unauthenticated", _("Sign in to see this page."))


# --- spaces -----------------------------------------------------------------------------------------

@page
def forums(ctx: Ctx) -> Response:
    _signed_in(ctx)
    spaces = services.list_spaces(ctx.db, ctx.principal)
    regions = {r.id: r for r in register.list_regions(ctx.db)}
    grouped = {kind: [s for s in spaces if s.kind == kind] for kind in SpaceKind}
    return ctx.render("forums/index.html", grouped=grouped, regions=regions,
                      can_manage=allowed(ctx.principal, Permission.FORUMS_MANAGE))


def _space_form(ctx: Ctx, space: ForumSpace | None) -> dict[str, str]:
    if ctx.request.method == "POST":
        names = ("slug", "kind", "region", "college", "sector", "active",
                 *[f"name_{c}" for c in LANGUAGES], *[f"description_{c}" for c in LANGUAGES])
        return {name: ctx.field(name) for name in names}
    form = {"slug": "", "kind": "theme", "region": "", "college": "", "sector": "", "active": "1"}
    if space is not None:
        region = ctx.db.get(register.Region, space.region_id) if space.region_id else None
        form.update(slug=space.slug, kind=space.kind.value, region=region.slug if region else "",
                    college=space.college.value if space.college else "", sector=space.sector or "",
                    active="1" if space.active else "")
    for code in LANGUAGES:
        form[f"name_{code}"] = space.names.get(code, "") if space else ""
        form[f"description_{code}"] = space.descriptions.get(code, "") if space else ""
    return form


@page
def space_form(ctx: Ctx) -> Response:
    if not allowed(ctx.principal, Permission.FORUMS_MANAGE):
        raise not_found()
    slug = ctx.request.path_params.get("slug")
    space = None
    if slug:
        try:
            space = services.access_space(ctx.db, ctx.principal, slug)
        except Refused as refused:
            raise _problem(refused) from None
    form = _space_form(ctx, space)
    error, error_field, status = None, "", 200
    if ctx.request.method == "POST":
        try:
            saved = services.save_space(
                ctx.db, ctx.principal, space, slug=form["slug"], kind=form["kind"],
                names={c: form[f"name_{c}"] for c in LANGUAGES},
                descriptions={c: form[f"description_{c}"] for c in LANGUAGES}, region=form["region"],
                college=form["college"], sector=form["sector"], active=form["active"] == "1")
            return ctx.redirect(f"/forums/{saved.slug}")
        except Refused as refused:
            error, error_field, status = refused.message, refused.field, refused.status
    return ctx.render("forums/space_form.html", status=status, space=space, form=form, error=error,
                      error_field=error_field, kinds=SpaceKind, regions=register.list_regions(ctx.db),
                      colleges=COLLEGE_KEYS, college_labels=COLLEGE_LABELS, sectors=SECTORS, languages=LANGUAGES)


@page
def space(ctx: Ctx) -> Response:
    try:
        found = services.access_space(ctx.db, ctx.principal, ctx.path_param("slug"))
    except Refused as refused:
        raise _problem(refused) from None
    page_number = _page_number(ctx.request.query_params.get("page", "1"))
    threads, total = services.threads_of(ctx.db, ctx.principal, found, page_number)
    return ctx.render("forums/space.html", space=found, threads=threads, total=total, page=page_number,
                      page_size=services.THREADS_PER_PAGE,
                      subscribed=services.is_subscribed(ctx.db, SpaceSubscription, (found.id, ctx.principal.id)),
                      can_manage=allowed(ctx.principal, Permission.FORUMS_MANAGE))


@page
def subscribe_space(ctx: Ctx) -> Response:
    try:
        found = services.access_space(ctx.db, ctx.principal, ctx.path_param("slug"))
        services.subscribe_space(ctx.db, ctx.principal, found, ctx.field("on") != "0")
    except Refused as refused:
        raise _problem(refused) from None
    return ctx.redirect(f"/forums/{found.slug}")


@page
def new_thread(ctx: Ctx) -> Response:
    try:
        found = services.access_space(ctx.db, ctx.principal, ctx.path_param("slug"))
    except Refused as refused:
        raise _problem(refused) from None
    form = {"title": ctx.field("title"), "body": ctx.field("body"), "language": ctx.field("language") or ctx.language}
    error, error_field, status = None, "", 200
    if ctx.request.method == "POST":
        try:
            thread = services.start_thread(ctx.db, ctx.principal, found, form["title"], form["body"], form["language"])
            return ctx.redirect(services.thread_url(thread.id))
        except Refused as refused:
            if refused.status in (401, 404):
                raise _problem(refused) from None
            error, error_field, status = refused.message, refused.field, refused.status
    return ctx.render("forums/thread_form.html", status=status, space=found, form=form, error=error,
                      error_field=error_field, languages=LANGUAGES)


# --- threads ----------------------------------------------------------------------------------------

def render_thread(ctx: Ctx, thread: ForumThread, around: services.Surroundings, *, status: int = 200,
                  error: str | None = None, error_field: str = "", form: dict[str, str] | None = None) -> Response:
    db, principal = ctx.db, ctx.principal
    see_thread = may_see(principal, thread)
    requested = _page_number(ctx.request.query_params.get("page", "1"))
    posts = services.posts_page(db, principal, thread, requested) if see_thread else None
    form = dict(form or {})
    quote_id = form.get("quote") or ctx.request.query_params.get("quote", "")
    quoted = None
    if quote_id and see_thread:
        candidate = db.get(ForumPost, quote_id) if len(quote_id) <= 32 else None
        if candidate is not None and candidate.thread_id == thread.id and candidate.is_visible:
            quoted = candidate
            form["quote"] = candidate.id
    accepts_replies = thread.moderation == ModerationState.VISIBLE and not thread.locked
    posts_html = fragments.post_drawer(thread, posts.quotes if posts else {}, accepts_replies, principal,
                                      {"user": ctx.person, "allowed": lambda p: allowed(principal, p)})
    return ctx.render(
        "forums/thread.html", status=status, thread=thread, around=around,
        see_thread=see_thread, posts=posts, posts_html=posts_html, quoted=quoted, form=form, error=error,
        error_field=error_field,
        is_moderator=is_moderator(principal),
        quoted_author=services.people_name(db, quoted.author_id) if quoted else "",
    )


def _thread(ctx: Ctx, *, for_update: bool = False) -> ForumThread:
    try:
        return services.access_thread(ctx.db, ctx.principal, ctx.path_param("thread_id"), for_update=for_update)
    except Refused as refused:
        raise _problem(refused) from None


@page
def thread(ctx: Ctx) -> Response:
    return render_thread(ctx, *_thread_page(ctx, ctx.path_param("thread_id")))


def _thread_page(ctx: Ctx, thread_id: str) -> tuple[ForumThread, services.Surroundings]:
    try:
        return services.thread_page(ctx.db, ctx.principal, thread_id, ctx.language)
    except Refused as refused:
        raise _problem(refused) from None


@page
def reply(ctx: Ctx) -> Response:
    found = _thread(ctx, for_update=True)
    form = {"body": ctx.field("body"), "quote": ctx.field("quote")}
    try:
        post = services.reply(ctx.db, ctx.principal, found, form["body"], form["quote"])
    except Refused as refused:
        if refused.status in (401, 404):
            raise _problem(refused) from None
        if refused.field == "quote":
            form["quote"] = ""
        return render_thread(ctx, *_thread_page(ctx, found.id), status=refused.status, error=refused.message,
                             error_field=refused.field, form=form)
    return ctx.redirect(services.post_url(post))


@page
def subscribe_thread(ctx: Ctx) -> Response:
    found = _thread(ctx)
    try:
        services.subscribe_thread(ctx.db, ctx.principal, found, ctx.field("on") != "0")
    except Refused as refused:
        raise _problem(refused) from None
    return ctx.redirect(services.thread_url(found.id))


# --- posts ------------------------------------------------------------------------------------------

def _post(ctx: Ctx) -> tuple[ForumThread, ForumPost]:
    try:
        return services.access_post(ctx.db, ctx.principal, ctx.path_param("post_id"))
    except Refused as refused:
        raise _problem(refused) from None


@page
def post_link(ctx: Ctx) -> Response:
    _thread_row, post = _post(ctx)
    return ctx.redirect(services.post_url(post))


@page
def post_fragment(ctx: Ctx) -> Response:
    """One post as the thread shows it, for live updates (the thread page's read rule applies)."""
    thread_row, post = _post(ctx)
    quoted = services.post_with_author(ctx.db, post.quote_of_id) if post.quote_of_id else None
    quotes = {quoted.id: quoted} if quoted is not None else {}
    return ctx.render("forums/post_fragment.html", post=post, thread=thread_row, quotes=quotes,
                      accepts_replies=thread_row.is_visible and not thread_row.locked)


@page
def edit_post(ctx: Ctx) -> Response:
    thread_row, post = _post(ctx)
    if post.author_id != ctx.principal.id:
        raise Problem(403, "not_author", _("You can only edit your own posts."))
    form = {"body": ctx.field("body") if ctx.request.method == "POST" else post.body_md}
    error, error_field, status = None, "", 200
    if ctx.request.method == "POST":
        try:
            services.edit_post(ctx.db, ctx.principal, thread_row, post, form["body"])
            return ctx.redirect(services.post_url(post))
        except Refused as refused:
            error, error_field, status = refused.message, refused.field, refused.status
    return ctx.render("forums/post_edit.html", status=status, thread=thread_row, post=post, form=form, error=error,
                      error_field=error_field)


@page
def post_history(ctx: Ctx) -> Response:
    thread_row, post = _post(ctx)
    return ctx.render("forums/post_history.html", thread=thread_row, post=post,
                      revisions=services.revisions_of(ctx.db, post))


routes = [
    Route("/forums", forums, methods=["GET"]),
    Route("/forums/spaces/new", space_form, methods=["GET", "POST"]),
    Route("/forums/threads/{thread_id}", thread, methods=["GET"]),
    Route("/forums/threads/{thread_id}/reply", reply, methods=["POST"]),
    Route("/forums/threads/{thread_id}/subscribe", subscribe_thread, methods=["POST"]),
    Route("/forums/posts/{post_id}", post_link, methods=["GET"]),
    Route("/forums/posts/{post_id}/fragment", post_fragment, methods=["GET"]),
    Route("/forums/posts/{post_id}/edit", edit_post, methods=["GET", "POST"]),
    Route("/forums/posts/{post_id}/history", post_history, methods=["GET"]),
    Route("/forums/{slug}", space, methods=["GET"]),
    Route("/forums/{slug}/edit", space_form, methods=["GET", "POST"]),
    Route("/forums/{slug}/new", new_thread, methods=["GET", "POST"]),
    Route("/forums/{slug}/subscribe", subscribe_space, methods=["POST"]),
]
