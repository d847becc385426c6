"""What the proposal pages share: turning a refusal into an answer, the page's full context."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.responses import Response

from agora.deliberation.errors import Refused
from agora.deliberation.scope import COLLEGE_LABELS, SECTORS, THEMES, scope_label
from agora.forums.models import ForumThread
from agora.moderation.services import is_moderator
from agora.permissions import Permission, allowed
from agora.proposals import access, phases, services
from agora.proposals.models import Proposal, ProposalStatus
from agora.proposals.views.supports_chart import supports_picture
from agora.settings import LANGUAGES
from agora.web.endpoint import Ctx, Problem


def problem(refused: Refused) -> Problem:
    return Problem(refused.status, refused.code, refused.message)


def page_number(text: str) -> int:
    return int(text) if text.isdigit() and 0 < int(text) < 100_000 else 1


def choices() -> dict[str, Any]:
    """The labels of sectors, themes and colleges, translated once for the page (not once per row)."""
    return {"sectors": _translated(SECTORS), "themes": _translated(THEMES),
            "college_labels": _translated(COLLEGE_LABELS)}


def _translated(labels: dict[str, Any]) -> dict[str, str]:
    return {key: str(label) for key, label in labels.items()}


def label_of_scope(ctx: Ctx, proposal: Proposal) -> str:
    return scope_label(proposal.scope_kind, proposal.region, proposal.college, proposal.sector, ctx.language)


def shown_text(ctx: Ctx, proposal: Proposal, translations: list[Any]) -> dict[str, Any]:
    """Which text the reader sees: the one they chose, else their language when translated, else the original."""
    by_language = {t.language: t for t in translations if t.is_visible or t.author_id == ctx.principal.id
                   or is_moderator(ctx.principal)}
    asked = ctx.request.query_params.get("lang", "")
    wanted = asked if asked in LANGUAGES else ctx.language
    translation = by_language.get(wanted) if wanted != proposal.language else None
    if translation is not None:
        return {"title": translation.title, "body_html": translation.body_html, "language": translation.language,
                "translation": translation, "outdated": translation.based_on_version < proposal.version}
    return {"title": proposal.title, "body_html": proposal.body_html, "language": proposal.language,
            "translation": None, "outdated": False}


def render_proposal(ctx: Ctx, proposal: Proposal, *, status: int = 200, error: str | None = None,
                    error_field: str = "", form: dict[str, str] | None = None) -> Response:
    db, principal = ctx.db, ctx.principal
    translations = services.translations_of(db, proposal)
    see_text = access.may_see_text(principal, proposal)
    cpage = page_number(ctx.request.query_params.get("cpage", "1"))
    comments = services.comments_page(db, principal, proposal, cpage) if see_text else None
    thread = None
    if proposal.source_thread_id:
        thread = db.execute(select(ForumThread.id, ForumThread.title).where(
            ForumThread.id == proposal.source_thread_id)).first()
    amendments = services.amendments_of(db, proposal) if see_text else []
    return ctx.render(
        "proposals/detail.html", status=status, proposal=proposal, shown=shown_text(ctx, proposal, translations),
        translations=translations, see_text=see_text, scope=label_of_scope(ctx, proposal),
        supported=services.has_supported(db, proposal.id, principal.id),
        following=services.is_following(db, proposal.id, principal.id),
        timeline=services.timeline(db, proposal), amendments=amendments,
        comments=comments, comments_page_size=services.COMMENTS_PAGE_SIZE, thread=thread,
        is_author=proposal.author_id == principal.id, is_moderator=is_moderator(principal),
        can_advance=allowed(principal, Permission.PROPOSALS_ADVANCE),
        can_answer=allowed(principal, Permission.PROPOSALS_ANSWER),
        collecting=phases.collects_supports(proposal.status), accepts_comments=phases.accepts_comments(proposal.status),
        accepts_amendments=phases.accepts_amendments(proposal.status), lifecycle=phases.LIFECYCLE,
        statuses=ProposalStatus, languages=LANGUAGES, error=error, error_field=error_field, form=form or {},
        supports_picture=supports_picture(db, proposal), **choices(),
    )
