"""The kinds of forum content moderation handles, and what follows a change of their state."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from agora.deliberation import search
from agora.deliberation.text import plain_excerpt
from agora.forums import services
from agora.forums.models import ForumPost, ForumThread
from agora.i18n import gettext as _
from agora.moderation.models import ModerationState
from agora.moderation.registry import ContentKind, register
from agora.permissions import Principal


def _thread_changed(db: Session, thread: ForumThread, previous: ModerationState) -> None:
    opening = services.opening_post(db, thread)
    if previous == ModerationState.HELD and opening is not None and opening.moderation == ModerationState.HELD:
        opening.moderation, opening.moderation_reason = thread.moderation, thread.moderation_reason
        opening.moderated_at = thread.moderated_at
        db.flush()
    space = services.thread_with_space(db, thread)
    if thread.moderation == ModerationState.VISIBLE:
        services.thread_published(db, space, thread, announce=previous == ModerationState.HELD)
    else:
        search.remove_document(db, services.DOC_TYPE, thread.id)
        services.recount_space(db, space.id)


def _post_changed(db: Session, post: ForumPost, previous: ModerationState) -> None:
    thread = db.get(ForumThread, post.thread_id)
    if thread is None:
        return
    if post.number == 1 and thread.moderation == ModerationState.HELD:
        thread.moderation, thread.moderation_reason = post.moderation, post.moderation_reason
        thread.moderated_at = post.moderated_at
        db.flush()
        if post.moderation == ModerationState.VISIBLE:
            services.thread_published(db, services.thread_with_space(db, thread), thread)
        return
    if previous == ModerationState.HELD and post.moderation == ModerationState.VISIBLE:
        services.post_published(db, thread, post)
    else:
        services._recount(db, thread)


def _read_thread(db: Session, principal: Principal, thread: ForumThread) -> bool:
    return services.may_read_thread(principal, thread)


def _read_post(db: Session, principal: Principal, post: ForumPost) -> bool:
    thread = db.get(ForumThread, post.thread_id)
    return thread is not None and services.may_read_thread(principal, thread)


def _excerpt_thread(thread: Any) -> str:
    return str(thread.title)


register(ContentKind(
    name="forum_thread", model=ForumThread, label=lambda: _("forum thread"),
    url=lambda db, t: services.thread_url(t.id), may_read=_read_thread, excerpt=_excerpt_thread,
    counts_as_post=False,  # its opening post counts
    changed=_thread_changed,
))
register(ContentKind(
    name="forum_post", model=ForumPost, label=lambda: _("forum post"),
    url=lambda db, p: services.post_url(p), may_read=_read_post, excerpt=lambda p: plain_excerpt(p.body_md),
    changed=_post_changed,
))
