"""The kinds of content moderation knows about; each feature registers its own next to its models."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agora.moderation.models import ModerationState
from agora.permissions import Principal


@dataclass(frozen=True)
class ContentKind:
    name: str  # "proposal", "forum_post", … (stored in flags and in the log)
    model: type[Any]  # has id, author_id, created_at and the Moderated columns
    label: Callable[[], str]  # "a forum post", in the reader's language
    url: Callable[[Session, Any], str]  # where the content is shown
    may_read: Callable[[Session, Principal, Any], bool]  # the page's read rule, moderation aside
    excerpt: Callable[[Any], str]  # a short plain text for the moderators' queue
    counts_as_post: bool = True  # counts for rate limits and for "an account's first posts"
    changed: Callable[[Session, Any, ModerationState], None] | None = None  # after a state change


_KINDS: dict[str, ContentKind] = {}


def register(kind: ContentKind) -> ContentKind:
    _KINDS[kind.name] = kind
    return kind


def get(name: str) -> ContentKind | None:
    return _KINDS.get(name)


def kinds() -> list[ContentKind]:
    return [_KINDS[name] for name in sorted(_KINDS)]


def load(db: Session, name: str, target_id: str) -> tuple[ContentKind, Any] | None:
    kind = _KINDS.get(name)
    if kind is None or not target_id or len(target_id) > 32:
        return None
    item = db.get(kind.model, target_id)
    return (kind, item) if item is not None else None


def posts_since(db: Session, person_id: str, since: datetime) -> int:
    """How many posts (of every kind that counts) a person wrote since a moment."""
    total = 0
    for kind in kinds():
        if kind.counts_as_post:
            total += db.execute(select(func.count()).select_from(kind.model).where(
                kind.model.author_id == person_id, kind.model.created_at >= since)).scalar_one()
    return total


def approved_posts(db: Session, person_id: str, enough: int) -> int:
    """How many of a person's posts were published (up to `enough`: we only need to know if it is reached)."""
    total = 0
    for kind in kinds():
        if kind.counts_as_post and total < enough:
            total += db.execute(select(func.count()).select_from(
                select(kind.model.id).where(kind.model.author_id == person_id,
                                            kind.model.moderation == ModerationState.VISIBLE)
                .limit(enough).subquery())).scalar_one()
    return total
