"""Who may read what: fetch *and* authorise in one call, with the same "not found" for both failures.

Proposals are read by signed-in people. A draft is its author's alone. A held proposal (a new
account's, waiting for review) is seen by its author and moderators only. A hidden proposal keeps
its page, where everyone else sees that it was hidden, when and why, but not its text.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from agora.deliberation.errors import not_found, sign_in_first
from agora.moderation.models import ModerationState
from agora.moderation.services import is_moderator
from agora.permissions import Principal
from agora.proposals.models import Amendment, Proposal, ProposalComment, ProposalStatus


def may_read(principal: Principal, proposal: Proposal) -> bool:
    """The page's rule (moderation of the text itself aside)."""
    if principal.person is None or not principal.person.active:
        return False
    if proposal.status == ProposalStatus.DRAFT:
        return proposal.author_id == principal.id
    if proposal.moderation == ModerationState.HELD:
        return proposal.author_id == principal.id or is_moderator(principal)
    return True


def may_see_text(principal: Principal, proposal: Proposal) -> bool:
    return (proposal.moderation != ModerationState.HIDDEN or proposal.author_id == principal.id
            or is_moderator(principal))


def access_proposal(db: Session, principal: Principal, proposal_id: str, *, for_update: bool = False) -> Proposal:
    if principal.person is None:
        raise sign_in_first()
    if not proposal_id or len(proposal_id) > 32:
        raise not_found()
    statement = select(Proposal).where(Proposal.id == proposal_id).options(
        joinedload(Proposal.author), joinedload(Proposal.region))
    if for_update:
        # Supports and status changes of one proposal happen one at a time (the row is locked on
        # PostgreSQL; SQLite write transactions are serialised anyway).
        statement = select(Proposal).where(Proposal.id == proposal_id).with_for_update().options(
            selectinload(Proposal.author), selectinload(Proposal.region))
    proposal = db.execute(statement).unique().scalar_one_or_none()
    if proposal is None or not may_read(principal, proposal):
        raise not_found()
    return proposal


def access_amendment(db: Session, principal: Principal, proposal: Proposal, amendment_id: str) -> Amendment:
    amendment = db.get(Amendment, amendment_id) if amendment_id and len(amendment_id) <= 32 else None
    if amendment is None or amendment.proposal_id != proposal.id:
        raise not_found()
    return amendment


def access_comment(db: Session, principal: Principal, comment_id: str) -> tuple[Proposal, ProposalComment]:
    comment = db.get(ProposalComment, comment_id) if comment_id and len(comment_id) <= 32 else None
    if comment is None:
        raise not_found()
    proposal = access_proposal(db, principal, comment.proposal_id)
    if not may_see_text(principal, proposal):
        raise not_found()
    return proposal, comment
