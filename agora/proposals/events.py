"""Live updates of a proposal, in the room `proposal:<id>` (joinable by whoever may read the page).

Payloads carry counts and ids only, never text: the page fetches a new comment's fragment, rendered
for the reader (their language, their buttons) and checked by the page's own read rule.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, ClassVar

from sqlalchemy.orm import Session

from agora.permissions import Principal
from agora.realtime import outbox, rooms
from agora.realtime.server import room_rule

if TYPE_CHECKING:
    from agora.proposals.models import Proposal, ProposalComment


room = rooms.proposal  # room names live in agora/realtime/rooms.py


@dataclass(frozen=True)
class SupportsChanged:
    name: ClassVar[str] = "proposal_supports"
    proposal: str
    supports: int
    threshold: int | None
    status: str


@dataclass(frozen=True)
class StatusChanged:
    name: ClassVar[str] = "proposal_status"
    proposal: str
    status: str


@dataclass(frozen=True)
class CommentAdded:
    name: ClassVar[str] = "proposal_comment"
    proposal: str
    comment: str
    parent: str | None
    fragment: str


@dataclass(frozen=True)
class TextChanged:
    name: ClassVar[str] = "proposal_text"
    proposal: str
    version: int


def _queue(db: Session, proposal_id: str, event: SupportsChanged | StatusChanged | CommentAdded | TextChanged) -> None:
    outbox.queue(db, room(proposal_id), event.name, asdict(event))


def supports_changed(db: Session, proposal: Proposal) -> None:
    _queue(db, proposal.id, SupportsChanged(proposal.id, proposal.supports_count, proposal.support_threshold,
                                            proposal.status.value))


def status_changed(db: Session, proposal: Proposal) -> None:
    _queue(db, proposal.id, StatusChanged(proposal.id, proposal.status.value))


def comment_added(db: Session, proposal: Proposal, comment: ProposalComment) -> None:
    _queue(db, proposal.id, CommentAdded(proposal.id, comment.id, comment.parent_id,
                                         f"/proposals/comments/{comment.id}/fragment"))


def text_changed(db: Session, proposal: Proposal) -> None:
    _queue(db, proposal.id, TextChanged(proposal.id, proposal.version))


@room_rule("proposal")
def _may_join(db: Session, principal: Principal, proposal_id: str) -> bool:
    from agora.proposals.access import may_read, may_see_text
    from agora.proposals.models import Proposal

    proposal = db.get(Proposal, proposal_id) if len(proposal_id) <= 32 else None
    return proposal is not None and may_read(principal, proposal) and may_see_text(principal, proposal)
