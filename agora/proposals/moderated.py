"""The kinds of proposal content moderation handles, and what follows a change of their state."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from agora.deliberation.text import plain_excerpt
from agora.i18n import gettext as _
from agora.moderation.models import ModerationState
from agora.moderation.registry import ContentKind, register
from agora.permissions import Principal
from agora.proposals import access, events, services
from agora.proposals.models import Amendment, Proposal, ProposalComment, ProposalTranslation


def _proposal_of(db: Session, item: Any) -> Proposal | None:
    return db.get(Proposal, item.proposal_id)


def _read_via_proposal(db: Session, principal: Principal, item: Any) -> bool:
    proposal = _proposal_of(db, item)
    return (proposal is not None and access.may_read(principal, proposal)
            and access.may_see_text(principal, proposal))


def _proposal_changed(db: Session, proposal: Proposal, previous: ModerationState) -> None:
    kind = {ModerationState.HIDDEN: "hidden", ModerationState.VISIBLE: "restored"}.get(proposal.moderation)
    if previous == ModerationState.HELD and proposal.moderation == ModerationState.VISIBLE:
        kind = "approved"
    if kind:
        services.record_event(db, proposal, kind, None, reason=proposal.moderation_reason)
    events.status_changed(db, proposal)


def _comment_changed(db: Session, comment: ProposalComment, previous: ModerationState) -> None:
    proposal = _proposal_of(db, comment)
    if proposal is None:
        return
    if previous == ModerationState.HELD and comment.moderation == ModerationState.VISIBLE:
        services.comment_published(db, proposal, comment)
    else:
        services.recount_comments(db, proposal)


def _translation_changed(db: Session, translation: ProposalTranslation, previous: ModerationState) -> None:
    proposal = _proposal_of(db, translation)
    if proposal is not None:
        services.reindex(db, proposal)


def _noop(db: Session, item: Any, previous: ModerationState) -> None:
    return None


register(ContentKind(
    name="proposal", model=Proposal, label=lambda: _("proposal"),
    url=lambda db, p: services.url_of(p.id),
    may_read=lambda db, principal, p: access.may_read(principal, p),
    excerpt=lambda p: p.title, changed=_proposal_changed,
))
register(ContentKind(
    name="proposal_comment", model=ProposalComment, label=lambda: _("comment on a proposal"),
    url=lambda db, c: f"{services.url_of(c.proposal_id)}#comment-{c.id}",
    may_read=_read_via_proposal, excerpt=lambda c: plain_excerpt(c.body_md), changed=_comment_changed,
))
register(ContentKind(
    name="amendment", model=Amendment, label=lambda: _("amendment"),
    url=lambda db, a: f"{services.url_of(a.proposal_id)}/amendments/{a.id}",
    may_read=_read_via_proposal, excerpt=lambda a: plain_excerpt(a.explanation_md or a.body_md), changed=_noop,
))
register(ContentKind(
    name="proposal_translation", model=ProposalTranslation, label=lambda: _("translation of a proposal"),
    url=lambda db, t: f"{services.url_of(t.proposal_id)}?lang={t.language}",
    may_read=_read_via_proposal, excerpt=lambda t: t.title, changed=_translation_changed,
))
