"""One proposal's page and the acts on it: publish, withdraw, support, follow, agenda, board, answer."""

from __future__ import annotations

from collections.abc import Callable

from starlette.responses import Response

from agora.deliberation.errors import Refused
from agora.proposals import access, services
from agora.proposals.models import Proposal
from agora.proposals.views.common import problem, render_proposal
from agora.web.endpoint import Ctx, page


def _proposal(ctx: Ctx, *, for_update: bool = False) -> Proposal:
    try:
        return access.access_proposal(ctx.db, ctx.principal, ctx.path_param("proposal_id"), for_update=for_update)
    except Refused as refused:
        raise problem(refused) from None


@page
def detail(ctx: Ctx) -> Response:
    return render_proposal(ctx, _proposal(ctx))


def act(ctx: Ctx, operation: Callable[[Proposal], object], *, form_fields: tuple[str, ...] = (),
        anchor: str = "") -> Response:
    """Runs one act; on a refusal, shows the page again with the message and what was typed."""
    proposal = _proposal(ctx, for_update=True)
    try:
        operation(proposal)
    except Refused as refused:
        if refused.status in (401, 404):
            raise problem(refused) from None
        form = {name: ctx.field(name) for name in form_fields}
        return render_proposal(ctx, proposal, status=refused.status, error=refused.message,
                               error_field=refused.field, form=form)
    return ctx.redirect(services.url_of(proposal.id) + anchor)


@page
def publish(ctx: Ctx) -> Response:
    return act(ctx, lambda p: services.publish(ctx.db, ctx.principal, p))


@page
def withdraw(ctx: Ctx) -> Response:
    return act(ctx, lambda p: services.withdraw(ctx.db, ctx.principal, p, ctx.field("reason")),
               form_fields=("reason",))


@page
def support(ctx: Ctx) -> Response:
    return act(ctx, lambda p: services.support(ctx.db, ctx.principal, p), anchor="#supports")


@page
def unsupport(ctx: Ctx) -> Response:
    return act(ctx, lambda p: services.unsupport(ctx.db, ctx.principal, p), anchor="#supports")


@page
def follow(ctx: Ctx) -> Response:
    return act(ctx, lambda p: services.follow(ctx.db, ctx.principal, p, ctx.field("on") != "0"))


@page
def agenda(ctx: Ctx) -> Response:
    return act(ctx, lambda p: services.put_on_agenda(ctx.db, ctx.principal, p, ctx.field("note")),
               form_fields=("note",), anchor="#timeline")


@page
def send_to_board(ctx: Ctx) -> Response:
    return act(ctx, lambda p: services.send_to_board(ctx.db, ctx.principal, p, ctx.field("note")),
               form_fields=("note",), anchor="#timeline")


@page
def answer(ctx: Ctx) -> Response:
    return act(ctx, lambda p: services.answer(ctx.db, ctx.principal, p, ctx.field("decision"),
                                              ctx.field("justification")),
               form_fields=("decision", "justification"), anchor="#answer")


