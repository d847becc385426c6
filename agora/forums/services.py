"""Forums: the domain operations (spaces, threads, replies, quotes, edits with history, subscriptions).

Reading is open to every signed-in person: the forums are the members' own space (seeds: "not
controlled by the executive alone"). A hidden thread keeps its page with the moderation notice;
nobody can reply to it. Events for the thread's room leave after the commit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import Select, and_, bindparam, func, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, joinedload

from agora import audit
from agora.db import read_columns, utcnow
from agora.deliberation import search, text
from agora.deliberation.errors import Refused, not_found, sign_in_first
from agora.deliberation.fanout import notify_many
from agora.deliberation.scope import SECTORS
from agora.forums import events
from agora.forums.models import (
    ForumPost,
    ForumPostRevision,
    ForumSpace,
    ForumThread,
    SpaceKind,
    SpaceSubscription,
    ThreadSubscription,
    space_name,
)
from agora.i18n import gettext as _
from agora.moderation import services as moderation
from agora.moderation.models import ModerationState
from agora.people.models import COLLEGE_KEYS, CollegeKey, Person, Region
from agora.permissions import Permission, Principal, allowed
from agora.settings import LANGUAGES

POSTS_PER_PAGE = 50
THREADS_PER_PAGE = 30
DOC_TYPE = "thread"
RESERVED_SLUGS = frozenset({"threads", "posts", "spaces", "new"})
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$")


def _person(principal: Principal) -> Person:
    if principal.person is None or not principal.person.active:
        raise sign_in_first()
    return principal.person


def _text_refused(error: text.TextError) -> Refused:
    return Refused(422, "invalid", error.message, error.field)


def thread_url(thread_id: str) -> str:
    return f"/forums/threads/{thread_id}"


def post_url(post: ForumPost) -> str:
    page = (post.number - 1) // POSTS_PER_PAGE + 1
    return f"{thread_url(post.thread_id)}?page={page}#post-{post.number}"


# --- read rules -------------------------------------------------------------------------------------

def may_read_forums(principal: Principal) -> bool:
    return principal.person is not None and principal.person.active


def may_read_thread(principal: Principal, thread: ForumThread) -> bool:
    """The page's rule: signed in; a held thread only for its author and moderators."""
    if not may_read_forums(principal):
        return False
    return thread.moderation != ModerationState.HELD or moderation.may_see(principal, thread)


def access_space(db: Session, principal: Principal, slug: str) -> ForumSpace:
    if principal.person is None:
        raise sign_in_first()
    space = db.execute(select(ForumSpace).where(ForumSpace.slug == slug[:64])).scalar_one_or_none()
    if space is None or not may_read_forums(principal) or (not space.active and not allowed(
            principal, Permission.FORUMS_MANAGE)):
        raise not_found()
    return space


def access_thread(db: Session, principal: Principal, thread_id: str, *, for_update: bool = False) -> ForumThread:
    _check_thread_id(principal, thread_id)
    thread = db.execute(_thread_by_id(for_update), {"thread_id": thread_id}).scalar_one_or_none()
    if thread is None or not may_read_thread(principal, thread):
        raise not_found()
    return thread


def _check_thread_id(principal: Principal, thread_id: str) -> None:
    if principal.person is None:
        raise sign_in_first()
    if not thread_id or len(thread_id) > 32:
        raise not_found()


@cache
def _thread_by_id(for_update: bool) -> Select[tuple[ForumThread]]:
    statement = select(ForumThread).where(ForumThread.id == bindparam("thread_id"))
    return statement.with_for_update() if for_update else statement


def access_post(db: Session, principal: Principal, post_id: str) -> tuple[ForumThread, ForumPost]:
    post = db.execute(select(ForumPost).where(ForumPost.id == post_id).options(joinedload(ForumPost.author))
                      ).scalar_one_or_none() if post_id and len(post_id) <= 32 else None
    if post is None:
        raise not_found()
    thread = access_thread(db, principal, post.thread_id)
    if not moderation.may_see(principal, thread) or not moderation.may_see(principal, post):
        raise not_found()
    return thread, post


# --- spaces -----------------------------------------------------------------------------------------

def list_spaces(db: Session, principal: Principal) -> list[ForumSpace]:
    statement = select(ForumSpace).order_by(ForumSpace.kind, ForumSpace.position, ForumSpace.slug)
    if not allowed(principal, Permission.FORUMS_MANAGE):
        statement = statement.where(ForumSpace.active.is_(True))
    return list(db.execute(statement).scalars())


def save_space(db: Session, principal: Principal, space: ForumSpace | None, *, slug: str, kind: str,
               names: dict[str, str], descriptions: dict[str, str], region: str, college: str, sector: str,
               active: bool) -> ForumSpace:
    if not allowed(principal, Permission.FORUMS_MANAGE):
        raise not_found()
    slug = slug.strip().lower()
    if not SLUG.match(slug) or slug in RESERVED_SLUGS:
        raise Refused(422, "invalid", _("A space's short name uses 3 to 64 lowercase letters, digits and hyphens."),
                      "slug")
    try:
        chosen = SpaceKind(kind)
    except ValueError:
        raise Refused(422, "invalid_scope", _("Unknown scope: %(scope)s.") % {"scope": kind or "—"}, "kind") from None
    clean_names = {code: " ".join(value.split())[:100] for code, value in names.items()
                   if code in LANGUAGES and value.strip()}
    if not clean_names:
        raise Refused(422, "invalid", _("Give the space a name in at least one language."), "name_fr")
    clean_descriptions = {code: value.strip()[:500] for code, value in descriptions.items()
                          if code in LANGUAGES and value.strip()}
    region_row = None
    if chosen == SpaceKind.REGION:
        region_row = db.execute(select(Region).where(Region.slug == region)).scalar_one_or_none()
        if region_row is None:
            raise Refused(422, "invalid_scope", _("Unknown region: %(region)s.") % {"region": region or "—"}, "region")
    if chosen == SpaceKind.COLLEGE and college not in COLLEGE_KEYS:
        raise Refused(422, "invalid_scope", _("Unknown college: %(college)s.") % {"college": college or "—"},
                      "college")
    if chosen == SpaceKind.SECTOR and sector not in SECTORS:
        raise Refused(422, "invalid_scope", _("Unknown trade sector: %(sector)s.") % {"sector": sector or "—"},
                      "sector")
    clash = db.execute(select(ForumSpace).where(ForumSpace.slug == slug)).scalar_one_or_none()
    if clash is not None and clash is not space:
        raise Refused(409, "taken", _("Another space already uses the short name %(slug)s.") % {"slug": slug}, "slug")
    if space is None:
        space = ForumSpace(slug=slug, kind=chosen, names=clean_names)
        db.add(space)
    space.slug, space.kind, space.names, space.descriptions, space.active = (slug, chosen, clean_names,
                                                                             clean_descriptions, active)
    space.region_id = region_row.id if region_row else None
    space.college = CollegeKey(college) if chosen == SpaceKind.COLLEGE else None
    space.sector = sector if chosen == SpaceKind.SECTOR else None
    db.flush()
    audit.record(db, "forum.space.save", actor_id=principal.id, target_type="forum_space", target_id=space.id,
                 slug=slug)
    return space


@dataclass(frozen=True)
class ThreadRow:
    thread: ForumThread
    last_author: str | None


def threads_of(db: Session, principal: Principal, space: ForumSpace, page: int) -> tuple[list[ForumThread], int]:
    """One page of a space's threads, most recently active first (3 queries whatever the page size)."""
    seen = _visible(principal, ForumThread)
    total = db.execute(select(func.count()).select_from(ForumThread).where(ForumThread.space_id == space.id, seen)
                       ).scalar_one()
    rows = db.execute(select(ForumThread).where(ForumThread.space_id == space.id, seen)
                      .options(joinedload(ForumThread.author))
                      .order_by(ForumThread.last_post_at.desc(), ForumThread.id)
                      .limit(THREADS_PER_PAGE).offset((max(page, 1) - 1) * THREADS_PER_PAGE)).scalars().all()
    return list(rows), int(total)


def _visible(principal: Principal, model: Any) -> Any:
    return _visibility(model, moderation.is_moderator(principal), principal.id or "")


def _visibility(model: Any, moderator: bool, reader: Any) -> Any:
    """Visible and hidden items show (hidden as a notice); held ones only to their author (`reader`: their
    id, or a bound parameter for it) and moderators."""
    if moderator:
        return true()
    return (model.moderation != ModerationState.HELD) | (model.author_id == reader)


# --- threads and posts ------------------------------------------------------------------------------

class PostAuthor(NamedTuple):
    name: str


class ShownPost(NamedTuple):
    """A post as a thread page shows it, read as plain columns (50 ORM posts and their authors cost a
    third of the page: bench/README.md, page_thread). The attribute names are ForumPost's. A named
    tuple, not a frozen dataclass: made from a row without a `__setattr__` per field, and hashed as a tuple
    as the key of its HTML (agora.forums.fragments)."""

    id: str
    number: int
    author_id: str
    author: PostAuthor
    quote_of_id: str | None
    body_html: str
    created_at: datetime
    edit_count: int
    moderation: ModerationState
    moderated_at: datetime | None
    moderation_reason: str


@dataclass(frozen=True)
class ThreadPage:
    posts: list[ShownPost]
    quotes: dict[str, ShownPost]
    page: int
    pages: int


_SHOWN_POST = (ForumPost.id, ForumPost.number, ForumPost.author_id, Person.name, ForumPost.quote_of_id,
               ForumPost.body_html, ForumPost.created_at, ForumPost.edit_count, ForumPost.moderation,
               ForumPost.moderated_at, ForumPost.moderation_reason)


@cache
def _page_and_quoted(moderator: bool) -> Select[Any]:
    """A page's posts (those numbered in its range that the reader may see, marked `on_page`) and the posts
    they quote, wherever they are, in one query. Built once for readers and once for moderators: a thread
    page is the most read page of the forums."""
    def on_page(post: Any) -> Any:
        return and_(post.thread_id == bindparam("thread_id"), post.number >= bindparam("first"),
                    post.number < bindparam("after"), _visibility(post, moderator, bindparam("reader_id")))

    quoting = aliased(ForumPost)
    quoted = select(quoting.quote_of_id).where(on_page(quoting), quoting.quote_of_id.is_not(None))
    return (select(*_SHOWN_POST, on_page(ForumPost).label("on_page")).join(Person, Person.id == ForumPost.author_id)
            .where(or_(on_page(ForumPost), ForumPost.id.in_(quoted))).order_by(ForumPost.number))


def _read_page(db: Session, moderator: bool, values: dict[str, Any]) -> tuple[list[ShownPost], dict[str, ShownPost]]:
    posts: list[ShownPost] = []
    everyone: dict[str, ShownPost] = {}
    for pid, number, author_id, name, quote_of, html, created, edits, state, at, reason, on_page \
            in read_columns(db, _page_and_quoted(moderator), values).all():
        post = ShownPost(pid, number, author_id, PostAuthor(name), quote_of, html, created, edits, state, at, reason)
        everyone[pid] = post
        if on_page:
            posts.append(post)
    quotes = {p.quote_of_id: everyone[p.quote_of_id] for p in posts if p.quote_of_id in everyone}
    return posts, quotes


def posts_page(db: Session, principal: Principal, thread: ForumThread, page: int) -> ThreadPage:
    """Posts numbered in this page's range, with their authors' names and the posts they quote: 1 query."""
    pages = max(1, (thread.post_seq + POSTS_PER_PAGE - 1) // POSTS_PER_PAGE)
    page = min(max(page, 1), pages)
    first = (page - 1) * POSTS_PER_PAGE + 1
    posts, quotes = _read_page(db, moderation.is_moderator(principal),
                               {"thread_id": thread.id, "first": first, "after": first + POSTS_PER_PAGE,
                                "reader_id": principal.id or ""})
    return ThreadPage(posts, quotes, page, pages)


def thread_with_space(db: Session, thread: ForumThread) -> ForumSpace:
    space = db.get(ForumSpace, thread.space_id)
    assert space is not None
    return space


class Surroundings(NamedTuple):
    """What a thread page shows around the thread, read in one query: the link back to its space (short
    name, name in the reader's language), its author's name, whether the reader follows it, and the
    proposal it became ((id, title, published) or None)."""

    space_slug: str
    space_name: str
    author_name: str
    subscribed: bool
    proposal: tuple[str, str, bool] | None


def thread_page(db: Session, principal: Principal, thread_id: str, language: str) -> tuple[ForumThread, Surroundings]:
    """`access_thread` and the thread's `Surroundings` in one query: what a thread page reads before its posts."""
    _check_thread_id(principal, thread_id)
    row = db.execute(_thread_and_surroundings(), {"thread_id": thread_id, "reader_id": principal.id or ""}).first()
    if row is None or not may_read_thread(principal, row[0]):
        raise not_found()
    return row[0], _surroundings_of(row[1:], language)


def _surroundings_of(row: Any, language: str) -> Surroundings:
    from agora.proposals.models import ProposalStatus

    slug, names, author, subscribed, proposal_id, title, status, state = row
    proposal = None if proposal_id is None else (
        proposal_id, title, status != ProposalStatus.DRAFT and state == ModerationState.VISIBLE)
    return Surroundings(slug, space_name(names, slug, language), author or "", bool(subscribed), proposal)


@cache
def _thread_and_surroundings() -> Select[Any]:
    """The thread, then one sub-select a value of its surroundings, each by key (joined, SQLite scanned
    every proposal instead of using the unique index on source_thread_id): they were four queries."""
    from agora.proposals.models import Proposal

    def one(column: Any, *conditions: Any) -> Any:
        return select(column).where(*conditions).scalar_subquery()

    followed = (select(ThreadSubscription.thread_id)
                .where(ThreadSubscription.thread_id == ForumThread.id,
                       ThreadSubscription.person_id == bindparam("reader_id")).exists())
    return select(
        ForumThread, one(ForumSpace.slug, ForumSpace.id == ForumThread.space_id),
        one(ForumSpace.names, ForumSpace.id == ForumThread.space_id),
        one(Person.name, Person.id == ForumThread.author_id), followed,
        *(one(column, Proposal.source_thread_id == ForumThread.id)
          for column in (Proposal.id, Proposal.title, Proposal.status, Proposal.moderation)),
    ).where(ForumThread.id == bindparam("thread_id"))


def post_with_author(db: Session, post_id: str) -> ForumPost | None:
    return db.execute(select(ForumPost).where(ForumPost.id == post_id).options(joinedload(ForumPost.author))
                      ).scalar_one_or_none()


_PERSON_NAME = select(Person.name).where(Person.id == bindparam("person_id"))


def people_name(db: Session, person_id: str) -> str:
    return read_columns(db, _PERSON_NAME, {"person_id": person_id}).scalar_one_or_none() or ""


def opening_post(db: Session, thread: ForumThread) -> ForumPost | None:
    return db.execute(select(ForumPost).where(ForumPost.thread_id == thread.id, ForumPost.number == 1)
                      ).scalar_one_or_none()


def _language(value: str) -> str:
    if value not in LANGUAGES:
        raise Refused(422, "invalid", _("Choose French, Dutch or German."), "language")
    return value


def start_thread(db: Session, principal: Principal, space: ForumSpace, title: str, body: str,
                 language: str) -> ForumThread:
    person = _person(principal)
    if not space.active:
        raise Refused(409, "closed", _("This space is closed to new threads."))
    try:
        clean_title = text.title(title)
        rich = text.rich(body)
    except text.TextError as error:
        raise _text_refused(error) from None
    state = moderation.before_post(db, principal)
    now = utcnow()
    thread = ForumThread(space_id=space.id, author_id=person.id, title=clean_title, language=_language(language),
                         post_seq=1, posts_count=0, created_at=now, last_post_at=now, moderation=state)
    db.add(thread)
    db.flush()
    post = ForumPost(thread_id=thread.id, number=1, author_id=person.id, body_md=rich.markdown, body_html=rich.html,
                     created_at=now, moderation=state)
    db.add(post)
    db.add(ThreadSubscription(thread_id=thread.id, person_id=person.id))
    db.flush()
    if state == ModerationState.VISIBLE:
        thread_published(db, space, thread)
    return thread


def thread_published(db: Session, space: ForumSpace, thread: ForumThread, *, announce: bool = True) -> None:
    _recount(db, thread)
    recount_space(db, space.id)
    search.index_document(db, DOC_TYPE, thread.id, [(thread.title, 3)])
    if not announce:
        return
    subscribers = db.execute(select(SpaceSubscription.person_id).where(SpaceSubscription.space_id == space.id)
                             ).scalars()
    notify_many(db, subscribers, "forum_thread", {"title": thread.title, "space": space.names},
                thread_url(thread.id), exclude=[thread.author_id])


def reply(db: Session, principal: Principal, thread: ForumThread, body: str, quote_of: str = "") -> ForumPost:
    """Call with the thread loaded `for_update`: post numbers are given one at a time."""
    person = _person(principal)
    if thread.moderation == ModerationState.HIDDEN:
        raise Refused(409, "thread_hidden", _("This thread was hidden by moderation: it no longer accepts replies."))
    if thread.moderation == ModerationState.HELD:
        raise Refused(409, "thread_held", _("This thread is waiting for review: it accepts replies once published."))
    if thread.locked:
        raise Refused(409, "thread_locked", _("This thread is closed to replies."))
    try:
        rich = text.rich(body)
    except text.TextError as error:
        raise _text_refused(error) from None
    quoted = None
    if quote_of:
        quoted = db.get(ForumPost, quote_of) if len(quote_of) <= 32 else None
        if quoted is None or quoted.thread_id != thread.id or quoted.moderation != ModerationState.VISIBLE:
            raise Refused(422, "invalid_quote", _("The quoted post is not available any more."), "quote")
    state = moderation.before_post(db, principal)
    thread.post_seq += 1
    post = ForumPost(thread_id=thread.id, number=thread.post_seq, author_id=person.id, body_md=rich.markdown,
                     body_html=rich.html, quote_of_id=quoted.id if quoted else None, moderation=state,
                     created_at=utcnow())
    db.add(post)
    db.flush()
    if state == ModerationState.VISIBLE:
        post_published(db, thread, post)
    return post


def post_published(db: Session, thread: ForumThread, post: ForumPost) -> None:
    """A post became visible (posted, or approved by a moderator): counts, live event, subscribers."""
    thread.last_post_at = max(thread.last_post_at, post.created_at)
    _recount(db, thread)
    recount_space(db, thread.space_id)
    events.post_added(db, thread, post)
    subscribers = list(db.execute(select(ThreadSubscription.person_id).where(
        ThreadSubscription.thread_id == thread.id)).scalars())
    notify_many(db, subscribers, "forum_reply", {"title": thread.title}, post_url(post), exclude=[post.author_id])


def _recount(db: Session, thread: ForumThread) -> None:
    thread.posts_count = db.execute(select(func.count()).select_from(ForumPost).where(
        ForumPost.thread_id == thread.id, ForumPost.moderation == ModerationState.VISIBLE)).scalar_one()
    db.flush()


def recount_space(db: Session, space_id: str) -> None:
    visible = (ForumThread.space_id == space_id) & (ForumThread.moderation == ModerationState.VISIBLE)
    db.execute(update(ForumSpace).where(ForumSpace.id == space_id).values(
        threads_count=select(func.count()).select_from(ForumThread).where(visible).scalar_subquery(),
        last_post_at=select(func.max(ForumThread.last_post_at)).where(visible).scalar_subquery(),
    ).execution_options(synchronize_session=False))


def edit_post(db: Session, principal: Principal, thread: ForumThread, post: ForumPost, body: str) -> None:
    person = _person(principal)
    if post.author_id != person.id:
        raise Refused(403, "not_author", _("You can only edit your own posts."))
    if thread.moderation == ModerationState.HIDDEN or post.moderation == ModerationState.HIDDEN:
        raise Refused(409, "moderated", _("Content hidden by moderation cannot be edited."))
    try:
        rich = text.rich(body)
    except text.TextError as error:
        raise _text_refused(error) from None
    if rich.markdown == post.body_md:
        return
    now = utcnow()
    db.add(ForumPostRevision(post_id=post.id, body_md=post.body_md, body_html=post.body_html,
                             written_at=post.edited_at or post.created_at, replaced_at=now))
    post.body_md, post.body_html = rich.markdown, rich.html
    post.edited_at, post.edit_count = now, post.edit_count + 1
    db.flush()
    if post.moderation == ModerationState.VISIBLE:
        events.post_edited(db, thread, post)


def revisions_of(db: Session, post: ForumPost) -> list[ForumPostRevision]:
    return list(db.execute(select(ForumPostRevision).where(ForumPostRevision.post_id == post.id)
                           .order_by(ForumPostRevision.replaced_at.desc())).scalars())


# --- subscriptions ---------------------------------------------------------------------------------

def subscribe_thread(db: Session, principal: Principal, thread: ForumThread, on: bool) -> None:
    person = _person(principal)
    _toggle(db, ThreadSubscription, (thread.id, person.id), on,
            lambda: ThreadSubscription(thread_id=thread.id, person_id=person.id))


def subscribe_space(db: Session, principal: Principal, space: ForumSpace, on: bool) -> None:
    person = _person(principal)
    _toggle(db, SpaceSubscription, (space.id, person.id), on,
            lambda: SpaceSubscription(space_id=space.id, person_id=person.id))


def _toggle(db: Session, model: Any, key: tuple[str, str], on: bool, make: Any) -> None:
    existing = db.get(model, key)
    if on and existing is None:
        try:
            with db.begin_nested():
                db.add(make())
        except IntegrityError:
            pass
    elif not on and existing is not None:
        db.delete(existing)
        db.flush()


def is_subscribed(db: Session, model: Any, key: tuple[str, str | None]) -> bool:
    return key[1] is not None and db.get(model, key) is not None


# --- a thread becomes a proposal -----------------------------------------------------------------

def thread_as_proposal(db: Session, principal: Principal, thread_id: str) -> tuple[ForumThread, ForumPost | None]:
    """The thread a proposal may start from: readable, visible, and not yet a proposal."""
    from agora.proposals.models import Proposal

    thread = access_thread(db, principal, thread_id)
    if thread.moderation != ModerationState.VISIBLE:
        raise Refused(409, "moderated", _("A thread under moderation cannot become a proposal."))
    if db.execute(select(Proposal.id).where(Proposal.source_thread_id == thread.id)).first() is not None:
        raise Refused(409, "already_proposed", _("This thread has already become a proposal."))
    opening = opening_post(db, thread)
    return thread, opening if opening is not None and opening.moderation == ModerationState.VISIBLE else None


def linked_to_proposal(db: Session, principal: Principal, thread_id: str, proposal_id: str) -> None:
    thread = db.get(ForumThread, thread_id)
    if thread is None:
        return
    audit.record(db, "forum.thread.to_proposal", actor_id=principal.id, target_type="forum_thread",
                 target_id=thread.id, proposal=proposal_id)
    events.became_proposal(db, thread, proposal_id)


