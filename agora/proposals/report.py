"""The proposal's report to the board (kind `proposal`, see `agora.reports.builders`): the proposal
and its translations, its supports, the strongest arguments for and against (the most supported
comments with a stance), and the amendments suggested."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from agora.i18n import gettext as _
from agora.moderation.models import ModerationState
from agora.people.models import Region
from agora.permissions import Principal
from agora.proposals import services
from agora.proposals.models import Amendment, AmendmentStatus, Proposal, ProposalComment, ProposalStatus
from agora.reports import rules as report_rules
from agora.reports.builders import SourceNotFound, SourceNotReady, report_builder
from agora.settings import LANGUAGES

ARGUMENTS_PER_SIDE = 5


def _may_build(principal: Principal, db: Session, source_id: str) -> bool:
    return report_rules.is_admin(principal)


def _participants(db: Session, source_id: str) -> list[str]:
    proposal = db.get(Proposal, source_id)
    if proposal is None:
        raise SourceNotFound(source_id)
    return [proposal.author_id, *services._supporters(db, source_id)]


def _texts(proposal: Proposal, db: Session, attribute: str) -> dict[str, str]:
    found = {proposal.language: getattr(proposal, attribute)} if proposal.language in LANGUAGES else {}
    for translation in services.translations_of(db, proposal):
        if translation.moderation == ModerationState.VISIBLE and translation.language in LANGUAGES:
            found.setdefault(translation.language, getattr(translation, attribute))
    return found or {"fr": getattr(proposal, attribute)}


def _statement(comment: ProposalComment, proposal_id: str) -> dict[str, Any]:
    return {"text": comment.body_md, "source": f"/proposals/{proposal_id}#comment-{comment.id}",
            "supports": comment.supports_count}


def _amendments(db: Session, proposal: Proposal) -> list[dict[str, Any]]:
    rows = db.execute(select(Amendment).where(Amendment.proposal_id == proposal.id,
                                              Amendment.moderation == ModerationState.VISIBLE,
                                              Amendment.status != AmendmentStatus.WITHDRAWN)
                      .order_by(Amendment.created_at)).scalars()
    return [{"text": f"{a.title}\n\n{a.explanation_md}".strip(), "status": a.status.value,
             "source": f"/proposals/{proposal.id}/amendments/{a.id}"} for a in rows]


def _follows(db: Session, source_id: str, status: ProposalStatus) -> Proposal | None:
    proposal = db.get(Proposal, source_id)
    if proposal is None or proposal.status != status or proposal.moderation != ModerationState.VISIBLE:
        return None
    return proposal


def _on_submitted(db: Session, principal: Principal, source_id: str) -> None:
    """A proposal on the agenda moves to "sent to the board" when its report is submitted."""
    proposal = _follows(db, source_id, ProposalStatus.ON_AGENDA)
    if proposal is not None:
        services.send_to_board(db, principal, proposal, _("Sent to the board in a report."))


def _on_answered(db: Session, principal: Principal, source_id: str, decision: str,
                 text: dict[str, str]) -> set[str]:
    """A proposal sent to the board takes the board's answer to its report (in the proposal's language
    when the board wrote one). Returns the people the proposal told (the report does not tell them again)."""
    proposal = _follows(db, source_id, ProposalStatus.SENT_TO_BOARD)
    if proposal is None:
        return set()
    return services.answer(db, principal, proposal, decision, text.get(proposal.language) or next(iter(text.values())))


@report_builder("proposal", may_build=_may_build, participants=_participants, on_submitted=_on_submitted,
                on_answered=_on_answered)
def build(db: Session, source_id: str, language: str) -> dict[str, Any]:
    proposal = db.get(Proposal, source_id)
    if proposal is None or proposal.status == ProposalStatus.DRAFT:
        raise SourceNotFound(source_id)
    if proposal.moderation != ModerationState.VISIBLE:
        raise SourceNotReady(_("This proposal is under moderation: it cannot be reported to the board now."))
    if proposal.status == ProposalStatus.WITHDRAWN:
        raise SourceNotReady(_("This proposal was withdrawn: there is nothing to report to the board."))
    title = _texts(proposal, db, "title")
    region = db.get(Region, proposal.region_id) if proposal.region_id else None
    source: dict[str, Any] = {"type": "proposal", "id": proposal.id, "url": f"/proposals/{proposal.id}"}
    if region is not None:
        source["region"] = region.slug
    strongest = services.strongest_arguments(db, proposal, per_side=ARGUMENTS_PER_SIDE)
    return {
        "title": title,
        "sources": [source],
        "items": [{
            "ref": "proposal",
            "title": title,
            "question_type": "agenda_item",
            "options": [],
            "arguments": {side: [_statement(c, proposal.id) for c in strongest[side]] for side in ("for", "against")},
            "amendments_suggested": _amendments(db, proposal),
        }],
        "proposals": [{"id": proposal.id, "title": title, "supports": proposal.supports_count,
                       "status": proposal.status.value, "url": f"/proposals/{proposal.id}",
                       "body": _texts(proposal, db, "body_md"), "language": proposal.language,
                       "comments": proposal.comments_count}],
    }
