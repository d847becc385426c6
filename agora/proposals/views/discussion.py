"""Comments (threaded, with a stance), their supports and the fragment a live update fetches."""

from __future__ import annotations

from starlette.responses import Response

from agora.deliberation.errors import Refused
from agora.moderation.services import is_moderator, may_see
from agora.proposals import access, phases, services
from agora.proposals.models import Proposal
from agora.proposals.views.common import problem
from agora.proposals.views.detail import act
from agora.web.endpoint import Ctx, not_found, page


@page
def add_comment(ctx: Ctx) -> Response:
    created: list[str] = []

    def operation(proposal: Proposal) -> None:
        comment = services.add_comment(ctx.db, ctx.principal, proposal, ctx.field("body"), ctx.field("stance"),
                                       ctx.field("parent"))
        created.append(comment.id)

    response = act(ctx, operation, form_fields=("body", "stance", "parent"))
    if created and response.status_code == 303:
        response.headers["location"] = f"{response.headers['location']}#comment-{created[0]}"
    return response


@page
def support_comment(ctx: Ctx) -> Response:
    try:
        proposal, comment = access.access_comment(ctx.db, ctx.principal, ctx.path_param("comment_id"))
    except Refused as refused:
        raise problem(refused) from None
    if not may_see(ctx.principal, comment):
        raise not_found()
    try:
        services.support_comment(ctx.db, ctx.principal, proposal, comment, ctx.field("on") != "0")
    except Refused as refused:
        raise problem(refused) from None
    return ctx.redirect(f"{services.url_of(proposal.id)}#comment-{comment.id}")


@page
def comment_fragment(ctx: Ctx) -> Response:
    """One comment as the page shows it, for the live update (same read rule as the page)."""
    try:
        proposal, comment = access.access_comment(ctx.db, ctx.principal, ctx.path_param("comment_id"))
    except Refused as refused:
        raise problem(refused) from None
    full = services.comment_with_author(ctx.db, comment.id)
    if full is None or not may_see(ctx.principal, full):
        raise not_found()
    node = services.CommentNode(full)
    return ctx.render("proposals/comment_fragment.html", node=node, proposal=proposal, supported=set(),
                      accepts_comments=phases.accepts_comments(proposal.status),
                      is_moderator=is_moderator(ctx.principal))
