"""Proposals: the domain operations. They take a Session, never commit and never see a request.

`Refused` carries the HTTP status, a stable code and a translated message; views and the API turn
it into a form error or a JSON error. Events for the proposal's room are queued on the session and
leave only after the commit.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from agora import audit
from agora.db import new_id, utcnow
from agora.deliberation import search, text
from agora.deliberation.errors import Refused, not_found, sign_in_first
from agora.deliberation.fanout import admin_ids, notify_many
from agora.deliberation.scope import Scope, ScopeKind
from agora.i18n import gettext as _
from agora.moderation import services as moderation
from agora.moderation.models import ModerationState
from agora.people.models import Person
from agora.permissions import Permission, Principal, allowed
from agora.proposals import events, phases
from agora.proposals.listing import DOC_TYPE
from agora.proposals.models import (
    Amendment,
    AmendmentStatus,
    BoardDecision,
    CommentSupport,
    Proposal,
    ProposalComment,
    ProposalEvent,
    ProposalFollower,
    ProposalSettings,
    ProposalStatus,
    ProposalSupport,
    ProposalTranslation,
    ProposalVersion,
    Stance,
    ThresholdMode,
)
from agora.settings import LANGUAGES

COMMENTS_PAGE_SIZE = 30
MAX_DEPTH = 4  # replies deeper than this attach to the deepest allowed level
SETTINGS_ID = 1


def _person(principal: Principal) -> Person:
    if principal.person is None or not principal.person.active:
        raise sign_in_first()
    return principal.person


def _text_refused(error: text.TextError) -> Refused:
    return Refused(422, "invalid", error.message, error.field)


def _language(value: str) -> str:
    if value not in LANGUAGES:
        raise Refused(422, "invalid", _("Choose French, Dutch or German."), "language")
    return value


def url_of(proposal_id: str) -> str:
    return f"/proposals/{proposal_id}"


def record_event(db: Session, proposal: Proposal, kind: str, actor_id: str | None, **data: Any) -> None:
    db.add(ProposalEvent(proposal_id=proposal.id, kind=kind, actor_id=actor_id, data=data, at=utcnow()))


# --- settings ---------------------------------------------------------------------------------------

def get_settings(db: Session) -> ProposalSettings:
    found = db.get(ProposalSettings, SETTINGS_ID)
    if found is not None:
        return found
    return ProposalSettings(id=SETTINGS_ID, threshold_mode=ThresholdMode.ABSOLUTE, threshold_absolute=100,
                            threshold_share=Decimal("0.01"))


def save_settings(db: Session, principal: Principal, mode: str, absolute: str, share_percent: str) -> ProposalSettings:
    if not allowed(principal, Permission.PROPOSALS_CONFIGURE):
        raise not_found()
    try:
        chosen = ThresholdMode(mode)
    except ValueError:
        raise Refused(422, "invalid", _("Choose how the threshold is set."), "mode") from None
    number = int(absolute) if absolute.strip().isdigit() else -1
    if not 1 <= number <= 1_000_000:
        raise Refused(422, "invalid", _("The number of supports must be a whole number between 1 and 1,000,000."),
                      "absolute")
    try:
        percent = Decimal(share_percent.replace(",", ".").strip())
    except InvalidOperation:
        percent = Decimal(-1)
    if not percent.is_finite() or not Decimal("0.001") <= percent <= 100:
        raise Refused(422, "invalid", _("The share must be a percentage between 0.001 and 100."), "share")
    row = db.get(ProposalSettings, SETTINGS_ID)
    if row is None:
        row = ProposalSettings(id=SETTINGS_ID)
        db.add(row)
    row.threshold_mode, row.threshold_absolute = chosen, number
    row.threshold_share = (percent / 100).quantize(Decimal("0.00001"))
    db.flush()
    audit.record(db, "proposals.settings", actor_id=principal.id, target_type="proposal_settings",
                 mode=chosen.value, absolute=number, share=str(row.threshold_share))
    return row


def active_members_in_scope(db: Session, proposal: Proposal) -> int:
    statement = select(func.count()).select_from(Person).where(Person.active.is_(True))
    if proposal.scope_kind == ScopeKind.REGION and proposal.region_id:
        statement = statement.where(Person.region_id == proposal.region_id)
    elif proposal.scope_kind == ScopeKind.COLLEGE and proposal.college:
        statement = statement.where(Person.voting_college == proposal.college)
    # The register knows no trade sectors: a sector's proposal counts the whole cooperative.
    return int(db.execute(statement).scalar_one())


def threshold_for(db: Session, proposal: Proposal) -> int:
    config = get_settings(db)
    if config.threshold_mode == ThresholdMode.ABSOLUTE:
        return max(1, config.threshold_absolute)
    return max(1, math.ceil(Decimal(active_members_in_scope(db, proposal)) * config.threshold_share))


# --- reads ------------------------------------------------------------------------------------------

def similar(db: Session, title: str, body: str = "", *, exclude: str | None = None, limit: int = 5) -> list[Proposal]:
    """Public proposals sharing words with a title being written (words of 4+ letters: skips most small words)."""
    words = " ".join(search.words(f"{title} {body[:500]}", minimum=4)[: search.MAX_QUERY_WORDS])
    if not words:
        return []
    scores = search.scores(DOC_TYPE, words, minimum=4).subquery()
    statement = (select(Proposal).join(scores, scores.c.doc_id == Proposal.id)
                 .where(Proposal.moderation == ModerationState.VISIBLE, Proposal.status != ProposalStatus.DRAFT,
                        scores.c.score >= 3)
                 .order_by(scores.c.score.desc(), Proposal.supports_count.desc()).limit(limit))
    if exclude:
        statement = statement.where(Proposal.id != exclude)
    return list(db.execute(statement).scalars())


def active_for_home(db: Session, limit: int = 5) -> list[Proposal]:
    return list(db.execute(
        select(Proposal).where(Proposal.moderation == ModerationState.VISIBLE,
                               Proposal.status.in_(list(phases.COLLECTING)))
        .order_by(Proposal.supports_count.desc(), Proposal.published_at.desc()).limit(limit)
    ).scalars())


def has_supported(db: Session, proposal_id: str, person_id: str | None) -> bool:
    if person_id is None:
        return False
    return db.get(ProposalSupport, (proposal_id, person_id)) is not None


def is_following(db: Session, proposal_id: str, person_id: str | None) -> bool:
    if person_id is None:
        return False
    return db.get(ProposalFollower, (proposal_id, person_id)) is not None


def translations_of(db: Session, proposal: Proposal) -> list[ProposalTranslation]:
    return list(db.execute(select(ProposalTranslation).where(ProposalTranslation.proposal_id == proposal.id)
                           .options(joinedload(ProposalTranslation.author))
                           .order_by(ProposalTranslation.language)).scalars())


def versions_of(db: Session, proposal: Proposal) -> list[ProposalVersion]:
    return list(db.execute(select(ProposalVersion).where(ProposalVersion.proposal_id == proposal.id)
                           .order_by(ProposalVersion.number)).scalars())


@dataclass(frozen=True)
class TimelineEntry:
    event: ProposalEvent
    actor_name: str | None


def timeline(db: Session, proposal: Proposal) -> list[TimelineEntry]:
    rows = db.execute(
        select(ProposalEvent, Person.name).outerjoin(Person, Person.id == ProposalEvent.actor_id)
        .where(ProposalEvent.proposal_id == proposal.id).order_by(ProposalEvent.at, ProposalEvent.id)
    ).all()
    return [TimelineEntry(event, name) for event, name in rows]


def amendments_of(db: Session, proposal: Proposal) -> list[Amendment]:
    return list(db.execute(select(Amendment).where(Amendment.proposal_id == proposal.id)
                           .options(joinedload(Amendment.author))
                           .order_by(Amendment.created_at.desc())).scalars())


# --- comments (reads) -----------------------------------------------------------------------------

@dataclass
class CommentNode:
    comment: ProposalComment
    children: list[CommentNode] = field(default_factory=list)


@dataclass(frozen=True)
class CommentsPage:
    roots: list[CommentNode]
    total_roots: int
    page: int
    supported: set[str]
    strongest: dict[str, list[ProposalComment]]


def _visible_comments(principal: Principal) -> Any:
    if moderation.is_moderator(principal):
        return ProposalComment.moderation.in_([ModerationState.VISIBLE, ModerationState.HIDDEN, ModerationState.HELD])
    own_held = and_(ProposalComment.moderation == ModerationState.HELD, ProposalComment.author_id == principal.id)
    return or_(ProposalComment.moderation.in_([ModerationState.VISIBLE, ModerationState.HIDDEN]), own_held)


def comments_page(db: Session, principal: Principal, proposal: Proposal, page: int) -> CommentsPage:
    """Top-level comments of one page with all their replies, in a constant number of queries.

    Hidden comments stay in the tree (their text replaced by a notice) so that replies keep their place;
    held comments are shown to their author and to moderators only.
    """
    visible = _visible_comments(principal)
    total_roots = db.execute(select(func.count()).select_from(ProposalComment).where(
        ProposalComment.proposal_id == proposal.id, ProposalComment.parent_id.is_(None), visible)).scalar_one()
    root_ids = list(db.execute(
        select(ProposalComment.id).where(ProposalComment.proposal_id == proposal.id,
                                         ProposalComment.parent_id.is_(None), visible)
        .order_by(ProposalComment.created_at, ProposalComment.id)
        .limit(COMMENTS_PAGE_SIZE).offset((max(page, 1) - 1) * COMMENTS_PAGE_SIZE)
    ).scalars())
    comments = list(db.execute(
        select(ProposalComment).where(ProposalComment.root_id.in_(root_ids), visible)
        .options(joinedload(ProposalComment.author)).order_by(ProposalComment.created_at, ProposalComment.id)
    ).scalars()) if root_ids else []
    nodes = {c.id: CommentNode(c) for c in comments}
    roots: list[CommentNode] = []
    for node in nodes.values():
        parent = nodes.get(node.comment.parent_id) if node.comment.parent_id else None
        if node.comment.parent_id is None:
            roots.append(node)
        elif parent is not None:
            parent.children.append(node)
    order = {rid: n for n, rid in enumerate(root_ids)}
    roots.sort(key=lambda node: order.get(node.comment.id, 0))
    supported: set[str] = set()
    if principal.id and comments:
        supported = set(db.execute(select(CommentSupport.comment_id).where(
            CommentSupport.person_id == principal.id,
            CommentSupport.comment_id.in_([c.id for c in comments]))).scalars())
    return CommentsPage(roots, total_roots, max(page, 1), supported, strongest_arguments(db, proposal))


def strongest_arguments(db: Session, proposal: Proposal, per_side: int = 3) -> dict[str, list[ProposalComment]]:
    """The most supported visible comments for and against (ties: the oldest first)."""
    rows = list(db.execute(
        select(ProposalComment).where(ProposalComment.proposal_id == proposal.id,
                                      ProposalComment.moderation == ModerationState.VISIBLE,
                                      ProposalComment.stance.in_([Stance.FOR, Stance.AGAINST]),
                                      ProposalComment.supports_count > 0)
        .options(joinedload(ProposalComment.author))
        .order_by(ProposalComment.supports_count.desc(), ProposalComment.created_at)
        .limit(per_side * 20)
    ).scalars())
    return {"for": [c for c in rows if c.stance == Stance.FOR][:per_side],
            "against": [c for c in rows if c.stance == Stance.AGAINST][:per_side]}


def comment_with_author(db: Session, comment_id: str) -> ProposalComment | None:
    return db.execute(select(ProposalComment).where(ProposalComment.id == comment_id)
                      .options(joinedload(ProposalComment.author))).scalar_one_or_none()


# --- writes: creating, editing, publishing ------------------------------------------------------------

@dataclass(frozen=True)
class Draft:
    """What the proposal form (or the API) sends, checked for shape."""

    title: str
    body: text.Rich
    language: str
    scope: Scope
    theme: str | None


def check_draft(title: str, body: str, language: str, scope: Scope, theme: str | None) -> Draft:
    errors: list[text.TextError] = []
    clean_title, clean_body = "", None
    try:
        clean_title = text.title(title)
    except text.TextError as error:
        errors.append(error)
    try:
        clean_body = text.rich(body)
    except text.TextError as error:
        errors.append(error)
    if errors:
        raise _text_refused(errors[0])
    assert clean_body is not None
    return Draft(clean_title, clean_body, _language(language), scope, theme)


def _apply_scope(proposal: Proposal, draft: Draft) -> None:
    proposal.scope_kind = draft.scope.kind
    proposal.region_id = draft.scope.region_id
    proposal.college = draft.scope.college
    proposal.sector = draft.scope.sector
    proposal.theme = draft.theme


def create(db: Session, principal: Principal, draft: Draft, *, publish_now: bool,
           source_thread_id: str | None = None) -> Proposal:
    person = _person(principal)
    state = moderation.before_post(db, principal)  # refuses a flood before anything is written
    now = utcnow()
    proposal = Proposal(author_id=person.id, status=ProposalStatus.DRAFT, language=draft.language, title=draft.title,
                        body_md=draft.body.markdown, body_html=draft.body.html, source_thread_id=source_thread_id,
                        created_at=now, listed_at=now)
    _apply_scope(proposal, draft)
    try:
        with db.begin_nested():
            db.add(proposal)
    except IntegrityError:
        raise Refused(409, "already_proposed", _("This thread has already become a proposal.")) from None
    db.add(ProposalFollower(proposal_id=proposal.id, person_id=person.id))
    record_event(db, proposal, "created", person.id)
    if publish_now:
        _publish(db, principal, proposal, state)
    db.flush()
    return proposal


def edit_draft(db: Session, principal: Principal, proposal: Proposal, draft: Draft) -> None:
    if proposal.author_id != principal.id:
        raise Refused(403, "not_author", _("Only the author can change this proposal."))
    if not phases.text_editable(proposal.status):
        raise Refused(409, "not_editable", _(
            "A published proposal is changed through amendments, so that its supporters see what changed."))
    proposal.title, proposal.body_md, proposal.body_html = draft.title, draft.body.markdown, draft.body.html
    proposal.language = draft.language
    _apply_scope(proposal, draft)
    db.flush()


def publish(db: Session, principal: Principal, proposal: Proposal) -> None:
    if proposal.author_id != principal.id:
        raise Refused(403, "not_author", _("Only the author can publish this proposal."))
    if proposal.status != ProposalStatus.DRAFT:
        raise Refused(409, "conflict", _("This proposal is already published."))
    state = moderation.before_post(db, principal)
    _publish(db, principal, proposal, state)


def _publish(db: Session, principal: Principal, proposal: Proposal, state: ModerationState) -> None:
    now = utcnow()
    proposal.status = ProposalStatus.PUBLISHED
    proposal.published_at = proposal.listed_at = now
    proposal.moderation = state
    proposal.support_threshold = threshold_for(db, proposal)
    db.add(ProposalVersion(proposal_id=proposal.id, number=1, title=proposal.title, body_md=proposal.body_md,
                           body_html=proposal.body_html, author_id=proposal.author_id, created_at=now))
    record_event(db, proposal, "published", principal.id, threshold=proposal.support_threshold,
                 held=state == ModerationState.HELD)
    db.flush()
    reindex(db, proposal)
    audit.record(db, "proposal.publish", actor_id=principal.id, target_type="proposal", target_id=proposal.id)


def reindex(db: Session, proposal: Proposal) -> None:
    if proposal.status == ProposalStatus.DRAFT:
        search.remove_document(db, DOC_TYPE, proposal.id)
        return
    fields: list[tuple[str, int]] = [(proposal.title, 3), (proposal.body_md, 1)]
    for translation in db.execute(select(ProposalTranslation.title, ProposalTranslation.body_md).where(
            ProposalTranslation.proposal_id == proposal.id,
            ProposalTranslation.moderation == ModerationState.VISIBLE)):
        fields += [(translation.title, 3), (translation.body_md, 1)]
    search.index_document(db, DOC_TYPE, proposal.id, fields)


def withdraw(db: Session, principal: Principal, proposal: Proposal, reason: str) -> None:
    if proposal.author_id != principal.id:
        raise Refused(403, "not_author", _("Only the author can withdraw this proposal."))
    if not phases.can_move(proposal.status, ProposalStatus.WITHDRAWN):
        raise Refused(409, "conflict", _("This proposal can no longer be withdrawn: it is already in the hands "
                                         "of the cooperative's bodies."))
    try:
        why = text.reason(reason, required=False)
    except text.TextError as error:
        raise _text_refused(error) from None
    was_public = phases.is_public(proposal.status)
    proposal.status = ProposalStatus.WITHDRAWN
    record_event(db, proposal, "withdrawn", principal.id, reason=why)
    db.flush()
    if was_public:
        followers = _followers(db, proposal.id)
        notify_many(db, followers, "proposal_withdrawn", {"title": proposal.title}, url_of(proposal.id),
                    exclude=[principal.id])
        events.status_changed(db, proposal)
    audit.record(db, "proposal.withdraw", actor_id=principal.id, target_type="proposal", target_id=proposal.id)


# --- supports and followers ---------------------------------------------------------------------

def _followers(db: Session, proposal_id: str) -> list[str]:
    return list(db.execute(select(ProposalFollower.person_id).where(ProposalFollower.proposal_id == proposal_id))
                .scalars())


def _supporters(db: Session, proposal_id: str) -> list[str]:
    return list(db.execute(select(ProposalSupport.person_id).where(ProposalSupport.proposal_id == proposal_id))
                .scalars())


def _check_supportable(principal: Principal, proposal: Proposal) -> Person:
    person = _person(principal)
    if proposal.moderation != ModerationState.VISIBLE:
        raise Refused(409, "not_supportable", _("This proposal cannot be supported while it is under moderation."))
    if proposal.status == ProposalStatus.WITHDRAWN:
        raise Refused(409, "withdrawn", _("This proposal was withdrawn: it can no longer be supported."))
    if proposal.status == ProposalStatus.DRAFT:
        raise Refused(409, "draft", _("This proposal is still a draft: publish it first."))
    if not phases.collects_supports(proposal.status):
        raise Refused(409, "closed", _("This proposal no longer collects supports: it has moved on to the "
                                       "cooperative's bodies."))
    return person


def _recount_supports(db: Session, proposal: Proposal) -> int:
    count = db.execute(select(func.count()).select_from(ProposalSupport)
                       .where(ProposalSupport.proposal_id == proposal.id)).scalar_one()
    proposal.supports_count = count
    return int(count)


def support(db: Session, principal: Principal, proposal: Proposal) -> tuple[int, bool]:
    """(supports now, whether this call added one). Idempotent: a second support changes nothing.

    Call with the proposal loaded `for_update`: supports of one proposal are counted one at a time,
    so exactly one of them crosses the threshold.
    """
    person = _check_supportable(principal, proposal)
    try:
        with db.begin_nested():
            db.add(ProposalSupport(proposal_id=proposal.id, person_id=person.id))
    except IntegrityError:
        return proposal.supports_count, False
    count = _recount_supports(db, proposal)
    if (proposal.status == ProposalStatus.PUBLISHED and proposal.support_threshold is not None
            and count >= proposal.support_threshold):
        _threshold_reached(db, proposal)
    db.flush()
    events.supports_changed(db, proposal)
    return count, True


def unsupport(db: Session, principal: Principal, proposal: Proposal) -> int:
    """Withdraws one's support (idempotent). The threshold, once reached, stays reached: it is a dated fact."""
    person = _check_supportable(principal, proposal)
    existing = db.get(ProposalSupport, (proposal.id, person.id))
    if existing is None:
        return proposal.supports_count
    db.delete(existing)
    db.flush()
    count = _recount_supports(db, proposal)
    db.flush()
    events.supports_changed(db, proposal)
    return count


def _threshold_reached(db: Session, proposal: Proposal) -> None:
    proposal.status = ProposalStatus.THRESHOLD_REACHED
    proposal.threshold_reached_at = utcnow()
    record_event(db, proposal, "threshold_reached", None, supports=proposal.supports_count,
                 threshold=proposal.support_threshold)
    db.flush()
    audience = [proposal.author_id, *_followers(db, proposal.id), *admin_ids(db)]
    notify_many(db, audience, "proposal_threshold", {"title": proposal.title, "threshold": proposal.support_threshold},
                url_of(proposal.id))
    audit.record(db, "proposal.threshold_reached", target_type="proposal", target_id=proposal.id,
                 supports=proposal.supports_count)


def follow(db: Session, principal: Principal, proposal: Proposal, on: bool) -> None:
    person = _person(principal)
    existing = db.get(ProposalFollower, (proposal.id, person.id))
    if on and existing is None:
        try:
            with db.begin_nested():
                db.add(ProposalFollower(proposal_id=proposal.id, person_id=person.id))
        except IntegrityError:
            pass
    elif not on and existing is not None:
        db.delete(existing)
        db.flush()


# --- the path to the board ------------------------------------------------------------------------

def put_on_agenda(db: Session, principal: Principal, proposal: Proposal, note: str) -> None:
    _advance(db, principal, proposal, ProposalStatus.ON_AGENDA, note)


def send_to_board(db: Session, principal: Principal, proposal: Proposal, note: str) -> None:
    _advance(db, principal, proposal, ProposalStatus.SENT_TO_BOARD, note)


def _advance(db: Session, principal: Principal, proposal: Proposal, target: ProposalStatus, note: str) -> None:
    if not allowed(principal, Permission.PROPOSALS_ADVANCE):
        raise not_found()
    if proposal.moderation != ModerationState.VISIBLE:
        raise Refused(409, "moderated", _("A proposal under moderation cannot move on."))
    if not phases.can_move(proposal.status, target):
        raise Refused(409, "conflict", _("This step is not possible from the proposal's current status."))
    try:
        clean = text.reason(note, "note", required=True, maximum=500)
    except text.TextError as error:
        raise _text_refused(error) from None
    proposal.status = target
    if target == ProposalStatus.ON_AGENDA:
        proposal.agenda_note = clean
    else:
        proposal.board_note = clean
    record_event(db, proposal, target.value, principal.id, note=clean)
    db.flush()
    notify_many(db, [proposal.author_id, *_followers(db, proposal.id)], f"proposal_{target.value}",
                {"title": proposal.title, "note": clean}, url_of(proposal.id), exclude=[principal.id])
    events.status_changed(db, proposal)
    audit.record(db, f"proposal.{target.value}", actor_id=principal.id, target_type="proposal",
                 target_id=proposal.id, note=clean)


def answer(db: Session, principal: Principal, proposal: Proposal, decision: str, justification: str) -> set[str]:
    """The board's answer; the author, followers and supporters are told. Returns who was told."""
    if not allowed(principal, Permission.PROPOSALS_ANSWER):
        raise not_found()
    if proposal.status != ProposalStatus.SENT_TO_BOARD:
        raise Refused(409, "conflict", _("Only a proposal sent to the board can be answered."))
    try:
        chosen = BoardDecision(decision)
    except ValueError:
        raise Refused(422, "invalid", _("Choose the board's decision."), "decision") from None
    try:
        rich = text.rich(justification, "justification")
    except text.TextError as error:
        raise _text_refused(error) from None
    proposal.status = ProposalStatus.ANSWERED
    proposal.decision, proposal.decision_md, proposal.decision_html = chosen, rich.markdown, rich.html
    proposal.answered_at = utcnow()
    record_event(db, proposal, "answered", principal.id, decision=chosen.value)
    db.flush()
    audience = {p for p in [proposal.author_id, *_followers(db, proposal.id), *_supporters(db, proposal.id)]
                if p and p != principal.id}
    notify_many(db, audience, "proposal_answered", {"title": proposal.title, "decision": chosen.value},
                url_of(proposal.id))
    events.status_changed(db, proposal)
    audit.record(db, "proposal.answer", actor_id=principal.id, target_type="proposal", target_id=proposal.id,
                 decision=chosen.value)
    return audience


# --- translations -----------------------------------------------------------------------------------

def save_translation(db: Session, principal: Principal, proposal: Proposal, language: str, title: str,
                     body: str) -> ProposalTranslation:
    person = _person(principal)
    language = _language(language)
    if language == proposal.language:
        raise Refused(422, "original_language", _("This is the language the proposal was written in."), "language")
    if not phases.accepts_translations(proposal.status) or proposal.moderation != ModerationState.VISIBLE:
        raise Refused(409, "closed", _("This proposal can no longer be translated."))
    if proposal.status == ProposalStatus.DRAFT and proposal.author_id != person.id:
        raise not_found()
    try:
        clean_title, rich = text.title(title), text.rich(body)
    except text.TextError as error:
        raise _text_refused(error) from None
    existing = db.execute(select(ProposalTranslation).where(ProposalTranslation.proposal_id == proposal.id,
                                                            ProposalTranslation.language == language)
                          ).scalar_one_or_none()
    state = moderation.before_post(db, principal)
    if (existing is not None and existing.moderation != ModerationState.VISIBLE
            and not moderation.is_moderator(principal)):
        raise Refused(409, "moderated", _("This translation is under moderation and cannot be changed now."))
    if existing is None:
        existing = ProposalTranslation(proposal_id=proposal.id, language=language, author_id=person.id,
                                       moderation=state)
        db.add(existing)
    existing.title, existing.body_md, existing.body_html = clean_title, rich.markdown, rich.html
    existing.author_id = person.id
    existing.based_on_version = proposal.version
    db.flush()
    record_event(db, proposal, "translated", person.id, language=language)
    reindex(db, proposal)
    return existing


# --- amendments -------------------------------------------------------------------------------------

def _amendment_texts(title: str, body: str, explanation: str) -> tuple[str, text.Rich, text.Rich | None]:
    try:
        clean_title = text.title(title)
        rich = text.rich(body)
        why = text.rich(explanation, "explanation", maximum=text.COMMENT_MAX) if explanation.strip() else None
    except text.TextError as error:
        raise _text_refused(error) from None
    return clean_title, rich, why


def propose_amendment(db: Session, principal: Principal, proposal: Proposal, title: str, body: str,
                      explanation: str) -> Amendment:
    person = _person(principal)
    if proposal.moderation != ModerationState.VISIBLE or not phases.accepts_amendments(proposal.status):
        raise Refused(409, "closed", _("This proposal no longer accepts amendments."))
    clean_title, rich, why = _amendment_texts(title, body, explanation)
    if clean_title == proposal.title and rich.markdown == proposal.body_md:
        raise Refused(422, "unchanged", _("The amendment changes nothing in the text."), "body")
    state = moderation.before_post(db, principal)
    amendment = Amendment(proposal_id=proposal.id, author_id=person.id, base_version=proposal.version,
                          title=clean_title, body_md=rich.markdown, body_html=rich.html,
                          explanation_md=why.markdown if why else "", explanation_html=why.html if why else "",
                          moderation=state)
    db.add(amendment)
    db.flush()
    record_event(db, proposal, "amendment_proposed", person.id, amendment=amendment.id)
    if state == ModerationState.VISIBLE and proposal.author_id != person.id:
        notify_many(db, [proposal.author_id], "proposal_amendment", {"title": proposal.title},
                    f"{url_of(proposal.id)}/amendments/{amendment.id}")
    return amendment


def update_amendment(db: Session, principal: Principal, proposal: Proposal, amendment: Amendment, title: str,
                     body: str, explanation: str) -> None:
    """The amendment's author rewrites it, on the current text (which brings an outdated one up to date)."""
    if amendment.author_id != principal.id:
        raise Refused(403, "not_author", _("Only the author of the amendment can change it."))
    if amendment.status != AmendmentStatus.PENDING or not phases.accepts_amendments(proposal.status):
        raise Refused(409, "closed", _("This amendment has already been decided."))
    clean_title, rich, why = _amendment_texts(title, body, explanation)
    amendment.title, amendment.body_md, amendment.body_html = clean_title, rich.markdown, rich.html
    amendment.explanation_md = why.markdown if why else ""
    amendment.explanation_html = why.html if why else ""
    amendment.base_version = proposal.version
    db.flush()


def decide_amendment(db: Session, principal: Principal, proposal: Proposal, amendment: Amendment, accept: bool,
                     reason: str) -> None:
    if proposal.author_id != principal.id:
        raise Refused(403, "not_author", _("Only the author of the proposal decides on its amendments."))
    if amendment.status != AmendmentStatus.PENDING:
        raise Refused(409, "closed", _("This amendment has already been decided."))
    if amendment.moderation != ModerationState.VISIBLE or proposal.moderation != ModerationState.VISIBLE:
        raise Refused(409, "moderated", _("Content under moderation cannot be decided on."))
    if not phases.accepts_amendments(proposal.status):
        raise Refused(409, "closed", _("This proposal no longer accepts amendments."))
    try:
        why = text.reason(reason, required=not accept)
    except text.TextError as error:
        raise _text_refused(error) from None
    if accept and amendment.base_version != proposal.version:
        raise Refused(409, "outdated", _(
            "The text has changed since this amendment was written. Its author must first update it."))
    now = utcnow()
    amendment.status = AmendmentStatus.ACCEPTED if accept else AmendmentStatus.DECLINED
    amendment.decision_reason, amendment.decided_at = why, now
    if accept:
        proposal.version += 1
        proposal.title, proposal.body_md, proposal.body_html = amendment.title, amendment.body_md, amendment.body_html
        db.add(ProposalVersion(proposal_id=proposal.id, number=proposal.version, title=amendment.title,
                               body_md=amendment.body_md, body_html=amendment.body_html,
                               author_id=amendment.author_id, amendment_id=amendment.id, created_at=now))
        record_event(db, proposal, "amended", principal.id, amendment=amendment.id, version=proposal.version,
                     reason=why)
    else:
        record_event(db, proposal, "amendment_declined", principal.id, amendment=amendment.id, reason=why)
    db.flush()
    if accept:
        reindex(db, proposal)
        events.text_changed(db, proposal)
    notify_many(db, [amendment.author_id], "amendment_accepted" if accept else "amendment_declined",
                {"title": proposal.title, "reason": why}, f"{url_of(proposal.id)}/amendments/{amendment.id}",
                exclude=[principal.id])


def withdraw_amendment(db: Session, principal: Principal, amendment: Amendment) -> None:
    if amendment.author_id != principal.id:
        raise Refused(403, "not_author", _("Only the author of the amendment can withdraw it."))
    if amendment.status != AmendmentStatus.PENDING:
        raise Refused(409, "closed", _("This amendment has already been decided."))
    amendment.status = AmendmentStatus.WITHDRAWN
    amendment.decided_at = utcnow()
    db.flush()


# --- comments (writes) ----------------------------------------------------------------------------

def add_comment(db: Session, principal: Principal, proposal: Proposal, body: str, stance: str,
                parent_id: str = "") -> ProposalComment:
    person = _person(principal)
    if proposal.moderation != ModerationState.VISIBLE:
        raise Refused(409, "moderated", _("This proposal is under moderation: it cannot be commented on now."))
    if not phases.accepts_comments(proposal.status):
        raise Refused(409, "closed", _("This proposal is not open to comments."))
    try:
        chosen = Stance(stance or Stance.NEUTRAL.value)
    except ValueError:
        raise Refused(422, "invalid", _("Choose for, against or neutral."), "stance") from None
    try:
        rich = text.rich(body, maximum=text.COMMENT_MAX)
    except text.TextError as error:
        raise _text_refused(error) from None
    parent = None
    if parent_id:
        parent = db.get(ProposalComment, parent_id) if len(parent_id) <= 32 else None
        if parent is None or parent.proposal_id != proposal.id or not moderation.may_see(principal, parent):
            raise not_found()
        if parent.moderation != ModerationState.VISIBLE:
            raise Refused(409, "moderated", _("This comment is under moderation: it cannot be replied to."))
    state = moderation.before_post(db, principal)
    comment_id = new_id()
    comment = ProposalComment(id=comment_id, proposal_id=proposal.id, author_id=person.id, stance=chosen,
                              body_md=rich.markdown, body_html=rich.html, moderation=state, root_id=comment_id)
    if parent is not None:
        comment.parent_id = parent.id if parent.depth < MAX_DEPTH else parent.parent_id
        comment.root_id = parent.root_id
        comment.depth = min(parent.depth + 1, MAX_DEPTH)
    db.add(comment)
    db.flush()
    if state == ModerationState.VISIBLE:
        comment_published(db, proposal, comment)
    return comment


def comment_published(db: Session, proposal: Proposal, comment: ProposalComment) -> None:
    """A comment became visible (posted, or approved by a moderator): counts, live event, notifications."""
    recount_comments(db, proposal)
    events.comment_added(db, proposal, comment)
    audience = [proposal.author_id]
    if comment.parent_id:
        parent_author = db.execute(select(ProposalComment.author_id).where(
            ProposalComment.id == comment.parent_id)).scalar_one_or_none()
        audience.append(parent_author or "")
    notify_many(db, audience, "proposal_comment", {"title": proposal.title},
                f"{url_of(proposal.id)}#comment-{comment.id}", exclude=[comment.author_id])


def recount_comments(db: Session, proposal: Proposal) -> None:
    db.execute(update(Proposal).where(Proposal.id == proposal.id).values(comments_count=(
        select(func.count()).select_from(ProposalComment).where(
            ProposalComment.proposal_id == proposal.id, ProposalComment.moderation == ModerationState.VISIBLE)
        .scalar_subquery())).execution_options(synchronize_session=False))
    db.refresh(proposal, ["comments_count"])


def support_comment(db: Session, principal: Principal, proposal: Proposal, comment: ProposalComment,
                    on: bool) -> int:
    person = _person(principal)
    if comment.author_id == person.id:
        raise Refused(409, "own_comment", _("You cannot support your own comment."))
    if comment.moderation != ModerationState.VISIBLE or proposal.moderation != ModerationState.VISIBLE:
        raise Refused(409, "moderated", _("This comment is under moderation."))
    existing = db.get(CommentSupport, (comment.id, person.id))
    if on and existing is None:
        try:
            with db.begin_nested():
                db.add(CommentSupport(comment_id=comment.id, person_id=person.id))
        except IntegrityError:
            pass
    elif not on and existing is not None:
        db.delete(existing)
    db.flush()
    comment.supports_count = db.execute(select(func.count()).select_from(CommentSupport)
                                        .where(CommentSupport.comment_id == comment.id)).scalar_one()
    db.flush()
    return comment.supports_count


def people_names(db: Session, ids: Iterable[str | None]) -> dict[str, str]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return {row.id: row.name for row in db.execute(select(Person.id, Person.name).where(Person.id.in_(wanted)))}
