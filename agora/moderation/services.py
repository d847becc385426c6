"""Moderation acts: flag, hide, restore, approve or reject a held post; rate limits; hold-for-review.

Every act is dated, carries its reason, lands in the public log (with the actor's role, not their
name) and in the audit log, closes the open flags on the content, and tells its author.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agora import audit
from agora.db import utcnow
from agora.deliberation import text
from agora.deliberation.errors import Refused, not_found, sign_in_first
from agora.i18n import gettext as _
from agora.moderation import registry
from agora.moderation.models import Flag, ModerationAct, ModerationAction, ModerationSettings, ModerationState
from agora.notifications.services import notify
from agora.people.models import Role
from agora.permissions import Permission, Principal, allowed
from agora.web import ratelimit

log = logging.getLogger("agora.moderation")

LOG_PAGE_SIZE = 50
SETTINGS_ID = 1




# --- who --------------------------------------------------------------------------------------------

def is_moderator(principal: Principal) -> bool:
    return allowed(principal, Permission.MODERATION_ACT)


def actor_role(principal: Principal) -> str:
    return Role.MODERATOR.value if principal.has_role(Role.MODERATOR) else Role.ADMIN.value


def may_see(principal: Principal, item: Any) -> bool:
    """A content's own rule, on top of its page's: hidden or held content only for its author and moderators."""
    if item.moderation == ModerationState.VISIBLE:
        return True
    return principal.id is not None and (principal.id == item.author_id or is_moderator(principal))


# --- settings -------------------------------------------------------------------------------------

def get_settings(db: Session) -> ModerationSettings:
    found = db.get(ModerationSettings, SETTINGS_ID)
    return found if found is not None else ModerationSettings(id=SETTINGS_ID, hold_first_posts=0,
                                                               rate_limit_posts=10, rate_limit_minutes=5)


def save_settings(db: Session, hold_first_posts: int, rate_limit_posts: int, rate_limit_minutes: int, *,
                  actor_id: str | None) -> ModerationSettings:
    if not 0 <= hold_first_posts <= 100:
        raise Refused(422, "invalid", _("The number of held posts must be between 0 and 100."),
                              "hold_first_posts")
    if not 1 <= rate_limit_posts <= 1000:
        raise Refused(422, "invalid", _("The number of posts must be between 1 and 1000."), "rate_limit_posts")
    if not 1 <= rate_limit_minutes <= 1440:
        raise Refused(422, "invalid", _("The period must be between 1 and 1440 minutes."),
                              "rate_limit_minutes")
    row = db.get(ModerationSettings, SETTINGS_ID)
    if row is None:
        row = ModerationSettings(id=SETTINGS_ID)
        db.add(row)
    row.hold_first_posts, row.rate_limit_posts, row.rate_limit_minutes = (hold_first_posts, rate_limit_posts,
                                                                          rate_limit_minutes)
    db.flush()
    audit.record(db, "moderation.settings", actor_id=actor_id, target_type="moderation_settings",
                 hold_first_posts=hold_first_posts, rate_limit_posts=rate_limit_posts,
                 rate_limit_minutes=rate_limit_minutes)
    return row


# --- before someone posts -------------------------------------------------------------------------

def before_post(db: Session, principal: Principal) -> ModerationState:
    """Refuses a flood (429) and tells whether the new post is published or held for review."""
    if principal.person is None:
        raise sign_in_first()
    if is_moderator(principal):
        return ModerationState.VISIBLE
    config = get_settings(db)
    since = utcnow() - timedelta(minutes=config.rate_limit_minutes)
    if registry.posts_since(db, principal.person.id, since) >= config.rate_limit_posts:
        log.warning("rate limit: post refused for account %s (%s in %s min)", principal.person.id,
                    config.rate_limit_posts, config.rate_limit_minutes)
        raise Refused(429, "rate_limited", _(
            "You have posted a lot in a short time. Please wait a few minutes before posting again; "
            "your text is kept below."))
    if not ratelimit.allow("post", None):  # per client address (the account's limit is just above)
        raise Refused(429, "rate_limited", ratelimit.message())
    if config.hold_first_posts > 0 and registry.approved_posts(db, principal.person.id,
                                                               config.hold_first_posts) < config.hold_first_posts:
        return ModerationState.HELD
    return ModerationState.VISIBLE


# --- flags ------------------------------------------------------------------------------------------

def _target(db: Session, principal: Principal, kind_name: str, target_id: str) -> tuple[registry.ContentKind, Any]:
    found = registry.load(db, kind_name, target_id)
    if found is None:
        raise not_found()
    kind, item = found
    if not kind.may_read(db, principal, item) or not may_see(principal, item):
        raise not_found()
    return kind, item


def flag(db: Session, principal: Principal, kind_name: str, target_id: str, reason: str) -> bool:
    """True when the flag is new, False when this person had already flagged this content."""
    if principal.person is None:
        raise sign_in_first()
    _kind, item = _target(db, principal, kind_name, target_id)
    if item.author_id == principal.person.id:
        raise Refused(409, "own_content", _("You cannot flag what you wrote yourself."))
    try:
        why = text.reason(reason)
    except text.TextError as error:
        raise Refused(422, "invalid", error.message, error.field) from None
    try:
        with db.begin_nested():
            db.add(Flag(target_type=kind_name, target_id=item.id, reporter_id=principal.person.id, reason=why))
    except IntegrityError:
        return False
    return True


def flagged_by(db: Session, person_id: str | None, kind_name: str, ids: list[str]) -> set[str]:
    if person_id is None or not ids:
        return set()
    return set(db.execute(select(Flag.target_id).where(Flag.reporter_id == person_id, Flag.target_type == kind_name,
                                                       Flag.target_id.in_(ids))).scalars())


# --- acts -------------------------------------------------------------------------------------------

ALLOWED_FROM = {
    ModerationAct.HIDE: {ModerationState.VISIBLE, ModerationState.HELD},
    ModerationAct.RESTORE: {ModerationState.HIDDEN},
    ModerationAct.APPROVE: {ModerationState.HELD},
    ModerationAct.REJECT: {ModerationState.HELD},
    ModerationAct.DISMISS: {ModerationState.VISIBLE, ModerationState.HIDDEN, ModerationState.HELD},
}
RESULT = {
    ModerationAct.HIDE: ModerationState.HIDDEN,
    ModerationAct.RESTORE: ModerationState.VISIBLE,
    ModerationAct.APPROVE: ModerationState.VISIBLE,
    ModerationAct.REJECT: ModerationState.HIDDEN,
}


def act(db: Session, principal: Principal, kind_name: str, target_id: str, act_name: str,
        reason: str) -> ModerationAction:
    if not is_moderator(principal):
        raise not_found()
    kind, item = _target(db, principal, kind_name, target_id)
    try:
        chosen = ModerationAct(act_name)
    except ValueError:
        raise Refused(422, "invalid", _("Unknown moderation action.")) from None
    try:
        why = text.reason(reason, required=chosen != ModerationAct.APPROVE)
    except text.TextError as error:
        raise Refused(422, "invalid", error.message, error.field) from None
    previous = item.moderation
    if previous not in ALLOWED_FROM[chosen]:
        raise Refused(409, "conflict", _("This content has changed in the meantime; nothing was done."))
    now = utcnow()
    if chosen in RESULT:
        item.moderation = RESULT[chosen]
        item.moderation_reason = why
        item.moderated_at = now
    db.execute(update(Flag).where(Flag.target_type == kind_name, Flag.target_id == item.id, Flag.resolved_at.is_(None))
               .values(resolved_at=now))
    url = kind.url(db, item)
    entry = ModerationAction(target_type=kind_name, target_id=item.id, act=chosen, reason=why, at=now,
                             actor_id=principal.id, actor_role=actor_role(principal), url=url)
    db.add(entry)
    db.flush()
    audit.record(db, f"moderation.{chosen.value}", actor_id=principal.id, target_type=kind_name, target_id=item.id,
                 reason=why)
    if chosen != ModerationAct.DISMISS and item.author_id and item.author_id != principal.id:
        notify(db, item.author_id, f"moderation_{chosen.value}", {"what": kind_name, "reason": why}, url=url)
    if kind.changed is not None and item.moderation != previous:
        kind.changed(db, item, previous)
    return entry


# --- what moderators look at ---------------------------------------------------------------------

@dataclass(frozen=True)
class QueueItem:
    kind: registry.ContentKind
    item: Any
    url: str
    excerpt: str
    flags: int
    reasons: list[str]


def queue(db: Session, limit: int = 100) -> tuple[list[QueueItem], list[QueueItem]]:
    """(flagged contents, most flagged first; held posts, oldest first)."""
    open_flags = db.execute(
        select(Flag.target_type, Flag.target_id, func.count(), func.min(Flag.created_at))
        .where(Flag.resolved_at.is_(None)).group_by(Flag.target_type, Flag.target_id)
        .order_by(func.count().desc(), func.min(Flag.created_at)).limit(limit)
    ).all()
    reasons: dict[tuple[str, str], list[str]] = {}
    if open_flags:
        for kind_name, target_id, why in db.execute(
            select(Flag.target_type, Flag.target_id, Flag.reason).where(
                Flag.resolved_at.is_(None), Flag.target_id.in_([row[1] for row in open_flags]))
            .order_by(Flag.created_at)
        ):
            reasons.setdefault((kind_name, target_id), []).append(why)
    by_kind: dict[str, list[str]] = {}
    for kind_name, target_id, _count, _first in open_flags:
        by_kind.setdefault(kind_name, []).append(target_id)
    loaded: dict[tuple[str, str], Any] = {}
    for kind_name, ids in by_kind.items():
        kind = registry.get(kind_name)
        if kind is None:
            continue
        for item in db.execute(select(kind.model).where(kind.model.id.in_(ids))).scalars():
            loaded[(kind_name, item.id)] = item
    flagged = []
    for kind_name, target_id, count, _first in open_flags:
        item = loaded.get((kind_name, target_id))
        kind = registry.get(kind_name)
        if item is not None and kind is not None:
            flagged.append(QueueItem(kind, item, kind.url(db, item), kind.excerpt(item), count,
                                     reasons.get((kind_name, target_id), [])))
    held = []
    for kind in registry.kinds():
        for item in db.execute(select(kind.model).where(kind.model.moderation == ModerationState.HELD)
                               .order_by(kind.model.created_at).limit(limit)).scalars():
            held.append(QueueItem(kind, item, kind.url(db, item), kind.excerpt(item), 0, []))
    held.sort(key=lambda entry: entry.item.created_at)
    return flagged, held[:limit]


def log_page(db: Session, page: int) -> tuple[list[ModerationAction], int]:
    total = db.execute(select(func.count()).select_from(ModerationAction)).scalar_one()
    rows = db.execute(select(ModerationAction).order_by(ModerationAction.at.desc(), ModerationAction.id)
                      .limit(LOG_PAGE_SIZE).offset((max(page, 1) - 1) * LOG_PAGE_SIZE)).scalars().all()
    return list(rows), total
