"""Live updates of a thread, in the room `thread:<id>` (joinable by whoever may read the thread's page).

Payloads carry ids only: the page fetches the new post's fragment, rendered for the reader and
checked by the same read rule, then inserts it (agora/static/js/deliberation.js).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, ClassVar

from sqlalchemy.orm import Session

from agora.permissions import Principal
from agora.realtime import outbox, rooms
from agora.realtime.server import room_rule

if TYPE_CHECKING:
    from agora.forums.models import ForumPost, ForumThread


room = rooms.thread  # room names live in agora/realtime/rooms.py


@dataclass(frozen=True)
class PostAdded:
    name: ClassVar[str] = "forum_post"
    thread: str
    post: str
    number: int
    fragment: str


@dataclass(frozen=True)
class PostEdited:
    name: ClassVar[str] = "forum_post_edited"
    thread: str
    post: str
    number: int
    fragment: str


@dataclass(frozen=True)
class BecameProposal:
    name: ClassVar[str] = "forum_thread_proposal"
    thread: str
    proposal: str


def post_added(db: Session, thread: ForumThread, post: ForumPost) -> None:
    event = PostAdded(thread.id, post.id, post.number, f"/forums/posts/{post.id}/fragment")
    outbox.queue(db, room(thread.id), event.name, asdict(event))


def post_edited(db: Session, thread: ForumThread, post: ForumPost) -> None:
    event = PostEdited(thread.id, post.id, post.number, f"/forums/posts/{post.id}/fragment")
    outbox.queue(db, room(thread.id), event.name, asdict(event))


def became_proposal(db: Session, thread: ForumThread, proposal_id: str) -> None:
    event = BecameProposal(thread.id, proposal_id)
    outbox.queue(db, room(thread.id), event.name, asdict(event))


@room_rule("thread")
def _may_join(db: Session, principal: Principal, thread_id: str) -> bool:
    from agora.forums.models import ForumThread
    from agora.forums.services import may_read_thread
    from agora.moderation.services import may_see

    thread = db.get(ForumThread, thread_id) if len(thread_id) <= 32 else None
    return thread is not None and may_read_thread(principal, thread) and may_see(principal, thread)
