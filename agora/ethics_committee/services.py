"""The committee's operations on referrals: each checks, then writes, logs and queues its event.

Never commits, never sees a request. Refusals are `Refused` with a translated message.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from agora.deliberation.errors import Refused
from agora.ethics_committee import access, events, workflow
from agora.ethics_committee.models import (
    Attachment,
    Ballot,
    Choice,
    CommitteeMember,
    Entry,
    EntryKind,
    EthicsSettings,
    Opinion,
    Recusal,
    Referral,
    ReferralKind,
    ReferralStatus,
)
from agora.files import services as files
from agora.i18n import gettext as _
from agora.notifications.services import notify
from agora.people.models import Person, Role
from agora.permissions import Principal
from agora.settings import LANGUAGES

S = ReferralStatus
MAX_ATTACHMENT_BYTES = 5 * files.MEGABYTE
ATTACHMENT_TYPES = (files.PDF, files.PNG, files.JPEG, files.TEXT)
SUBJECT_MAX, TEXT_MAX = 200, 20_000


def url_of(referral_id: str) -> str:
    return f"/ethics/referrals/{referral_id}"


# --- reading -------------------------------------------------------------------------------------

def settings_of(db: Session) -> EthicsSettings:
    row = db.get(EthicsSettings, 1)
    if row is None:
        row = EthicsSettings(id=1, acknowledge_days=10)
        db.add(row)
        db.flush()
    return row


def is_overdue(referral: Referral, now: datetime | None = None) -> bool:
    now = now or datetime.now(referral.acknowledge_by.tzinfo)
    return referral.status == S.RECEIVED and now > referral.acknowledge_by


def members(db: Session) -> list[CommitteeMember]:
    from sqlalchemy.orm import joinedload

    return list(db.execute(select(CommitteeMember).options(joinedload(CommitteeMember.person))
                           .order_by(CommitteeMember.appointed_at)).scalars())


def eligible_voters(db: Session, referral: Referral) -> list[str]:
    recused = select(Recusal.person_id).where(Recusal.referral_id == referral.id)
    return list(db.execute(select(CommitteeMember.person_id).join(Person, Person.id == CommitteeMember.person_id)
                           .where(Person.active.is_(True), CommitteeMember.person_id.not_in(recused))).scalars())


def referrals_for(db: Session, principal: Principal) -> list[Referral]:
    """What this person may see: their own referrals, and the committee's when a member (not recused)."""
    if principal.id is None:
        return []
    statement = select(Referral).order_by(Referral.created_at.desc())
    if access.membership(db, principal.id) is None:
        statement = statement.where(Referral.referrer_id == principal.id)
    else:
        recused = select(Recusal.referral_id).where(Recusal.person_id == principal.id)
        statement = statement.where((Referral.id.not_in(recused)) | (Referral.referrer_id == principal.id))
    return list(db.execute(statement.limit(200)).scalars())


def opinion_of(db: Session, referral: Referral) -> Opinion | None:
    return db.execute(select(Opinion).where(Opinion.referral_id == referral.id)).scalar_one_or_none()


def entries_of(db: Session, principal: Principal, referral: Referral) -> list[Entry]:
    from sqlalchemy.orm import joinedload

    statement = select(Entry).where(Entry.referral_id == referral.id).options(joinedload(Entry.author))
    if not access.is_member_on(db, principal, referral):
        statement = statement.where(Entry.kind == EntryKind.MESSAGE)
    return list(db.execute(statement.order_by(Entry.created_at, Entry.id)).scalars())


def attachments_of(db: Session, principal: Principal, referral: Referral) -> list[Attachment]:
    statement = select(Attachment).where(Attachment.referral_id == referral.id)
    if not access.is_member_on(db, principal, referral):
        statement = statement.where(Attachment.committee_only.is_(False))
    return list(db.execute(statement.order_by(Attachment.created_at)).scalars())


def ballots_of(db: Session, referral: Referral) -> dict[str, Choice]:
    ballots = db.execute(select(Ballot).where(Ballot.referral_id == referral.id)).scalars()
    return {b.person_id: b.choice for b in ballots}


# --- writing helpers -------------------------------------------------------------------------------

def _changed(db: Session, referral: Referral, actor_id: str | None, action: str) -> None:
    access.log_access(db, referral, actor_id, action)
    events.referral_changed(db, referral)


def _move(db: Session, referral: Referral, target: ReferralStatus, actor_id: str | None, action: str) -> None:
    workflow.ensure_move(referral.status, target)
    referral.status = target
    _changed(db, referral, actor_id, action)


def _text(value: str, field: str, message: str, limit: int = TEXT_MAX) -> str:
    value = (value or "").strip()
    if not value:
        raise Refused(422, "missing", message, field)
    if len(value) > limit:
        raise Refused(422, "too_long", _("This text is too long (at most %(limit)s characters).") % {"limit": limit},
                      field)
    return value


def _tell_committee(db: Session, referral: Referral, kind: str, person_id: str | None) -> None:
    if person_id is not None and person_id != referral.referrer_id:
        notify(db, person_id, kind, {}, url_of(referral.id))


def _tell_referrer(db: Session, referral: Referral, kind: str) -> None:
    # The notification names no subject: notifications can be seen in digests and on shared screens.
    notify(db, referral.referrer_id, kind, {}, url_of(referral.id))


# --- submitting ------------------------------------------------------------------------------------

def may_refer(db: Session, principal: Principal) -> bool:
    person = principal.person
    if person is None or not person.active:
        return False
    return (person.is_shareholder or "permanents" in person.category_list
            or principal.has_role(Role.BOARD_MEMBER) or principal.has_role(Role.DELEGATED_ADMINISTRATOR)
            or access.membership(db, person.id) is not None)


def _kind_for(db: Session, principal: Principal, wanted: str) -> ReferralKind:
    if wanted == ReferralKind.SELF:
        if access.membership(db, principal.id) is None:
            raise Refused(403, "not_committee", _("Only the committee can refer a question to itself."), "kind")
        return ReferralKind.SELF
    if wanted == ReferralKind.BOARD:
        if not (principal.has_role(Role.BOARD_MEMBER) or principal.has_role(Role.DELEGATED_ADMINISTRATOR)):
            raise Refused(403, "not_board", _("Only the board or the delegated administrator can refer on behalf "
                                              "of the board."), "kind")
        return ReferralKind.BOARD
    if wanted not in ("", ReferralKind.COOPERATOR):
        raise Refused(422, "invalid_kind", _("Choose who is referring the question."), "kind")
    return ReferralKind.COOPERATOR


def submit(db: Session, principal: Principal, *, subject: str, question: str, context: str = "",
           language: str = "", kind: str = "", upload: UploadFile | None = None) -> Referral:
    if not may_refer(db, principal):
        raise Refused(403, "not_allowed", _("Only cooperators, permanents, the board and the committee can refer "
                                            "a question to the ethics committee."))
    referral_kind = _kind_for(db, principal, kind)
    subject = _text(subject, "subject", _("Give the referral a subject."), SUBJECT_MAX)
    question = _text(question, "question", _("Write the question you are asking the committee."))
    context = (context or "").strip()
    if len(context) > TEXT_MAX:
        raise Refused(422, "too_long", _("This text is too long (at most %(limit)s characters).")
                      % {"limit": TEXT_MAX}, "context")
    if language not in LANGUAGES:
        raise Refused(422, "invalid_language", _("Choose French, Dutch or German."), "language")
    days = settings_of(db).acknowledge_days
    now = datetime.now().astimezone()
    referral = Referral(kind=referral_kind, referrer_id=principal.id, subject=subject, question=question,
                        context=context, language=language, status=S.RECEIVED,
                        acknowledge_by=now + timedelta(days=days))
    db.add(referral)
    db.flush()
    if upload is not None and upload.filename:
        attach(db, principal, referral, upload)
    _changed(db, referral, principal.id, "referral.submitted")
    _tell_committee(db, referral, "ethics_new_referral", access.acting_chair(db, referral))
    return referral


# --- the workflow ----------------------------------------------------------------------------------

def acknowledge(db: Session, principal: Principal, referral: Referral) -> None:
    access.refuse_unless_chair(db, principal, referral)
    _move(db, referral, S.ACKNOWLEDGED, principal.id, "referral.acknowledged")
    referral.acknowledged_at = datetime.now().astimezone()
    _tell_referrer(db, referral, "ethics_acknowledged")


def decide_admissibility(db: Session, principal: Principal, referral: Referral, admissible: str,
                         reason: str) -> None:
    access.refuse_unless_chair(db, principal, referral)
    if admissible not in ("yes", "no"):
        raise Refused(422, "invalid_decision", _("Choose whether the referral is admissible."), "admissible")
    target = S.ADMISSIBLE if admissible == "yes" else S.NOT_ADMISSIBLE
    workflow.ensure_move(referral.status, target)
    if target == S.NOT_ADMISSIBLE:
        reason = _text(reason, "reason", _("Give the reason sent to the referrer."))
    referral.decision_reason = (reason or "").strip()[:TEXT_MAX]
    _move(db, referral, target, principal.id, f"referral.{target.value}")
    _tell_referrer(db, referral, "ethics_admissibility")


def assign_rapporteur(db: Session, principal: Principal, referral: Referral, person_id: str) -> None:
    access.refuse_unless_chair(db, principal, referral)
    workflow.ensure_in(referral.status, workflow.OPEN - {S.RECEIVED, S.ACKNOWLEDGED})
    if person_id not in eligible_voters(db, referral):
        raise Refused(422, "invalid_rapporteur", _("The rapporteur must be a committee member who is not recused."),
                      "rapporteur")
    referral.rapporteur_id = person_id
    _changed(db, referral, principal.id, "referral.rapporteur")


def start_examination(db: Session, principal: Principal, referral: Referral) -> None:
    access.refuse_unless_chair(db, principal, referral)
    workflow.ensure_move(referral.status, S.UNDER_EXAMINATION)
    if referral.rapporteur_id is None:
        raise Refused(409, "no_rapporteur", _("Appoint a rapporteur before the examination starts."), "rapporteur")
    _move(db, referral, S.UNDER_EXAMINATION, principal.id, "referral.examination")


def add_note(db: Session, principal: Principal, referral: Referral, body: str) -> Entry:
    access.refuse_unless_member(db, principal, referral)
    workflow.ensure_in(referral.status, workflow.OPEN - {S.RECEIVED})
    entry = Entry(referral_id=referral.id, kind=EntryKind.NOTE, author_id=principal.id,
                  body=_text(body, "body", _("Write the note.")))
    db.add(entry)
    _changed(db, referral, principal.id, "note.added")
    return entry


def schedule_hearing(db: Session, principal: Principal, referral: Referral, when: str, body: str) -> Entry:
    access.refuse_unless_member(db, principal, referral)
    workflow.ensure_in(referral.status, workflow.EXAMINING)
    try:
        at = datetime.fromisoformat(when)
    except ValueError:
        raise Refused(422, "invalid_date", _("Give the date and time of the hearing."), "when") from None
    if at.tzinfo is None:
        from zoneinfo import ZoneInfo

        at = at.replace(tzinfo=ZoneInfo("Europe/Brussels"))
    entry = Entry(referral_id=referral.id, kind=EntryKind.HEARING, author_id=principal.id, scheduled_at=at,
                  body=_text(body, "body", _("Say who is heard and why.")))
    db.add(entry)
    _changed(db, referral, principal.id, "hearing.scheduled")
    return entry


def send_message(db: Session, principal: Principal, referral: Referral, body: str) -> Entry:
    from_referrer = referral.referrer_id == principal.id
    if not from_referrer:
        access.refuse_unless_member(db, principal, referral)
    workflow.ensure_in(referral.status, workflow.OPEN | {S.PUBLISHED})
    entry = Entry(referral_id=referral.id, kind=EntryKind.MESSAGE, author_id=principal.id,
                  body=_text(body, "body", _("Write the message.")))
    db.add(entry)
    _changed(db, referral, principal.id, "message.sent")
    if not from_referrer:
        _tell_referrer(db, referral, "ethics_message")
    else:
        _tell_committee(db, referral, "ethics_referrer_message",
                        referral.rapporteur_id or access.acting_chair(db, referral))
    return entry


def attach(db: Session, principal: Principal, referral: Referral, upload: UploadFile | None) -> Attachment:
    is_referrer = referral.referrer_id == principal.id
    if not is_referrer:
        access.refuse_unless_member(db, principal, referral)
    workflow.ensure_in(referral.status, workflow.OPEN)
    try:
        stored = files.accept(db, upload, allowed=ATTACHMENT_TYPES, max_bytes=MAX_ATTACHMENT_BYTES,
                              uploaded_by=principal.id)
    except files.UploadRejected as rejected:
        raise Refused(422, rejected.code, rejected.message, "attachment") from None
    attachment = Attachment(referral_id=referral.id, file_id=stored.id, committee_only=not is_referrer,
                            added_by_id=principal.id, filename=stored.filename, size=stored.size)
    db.add(attachment)
    db.flush()
    _changed(db, referral, principal.id, "attachment.added")
    return attachment


def recuse(db: Session, principal: Principal, referral: Referral, reason: str) -> None:
    access.refuse_unless_member(db, principal, referral)
    workflow.ensure_in(referral.status, workflow.OPEN)
    db.add(Recusal(referral_id=referral.id, person_id=principal.id, reason=(reason or "").strip()[:2000]))
    db.execute(delete(Ballot).where(Ballot.referral_id == referral.id, Ballot.person_id == principal.id))
    if referral.rapporteur_id == principal.id:
        referral.rapporteur_id = None
    db.flush()
    _changed(db, referral, principal.id, "member.recused")


# --- the opinion -----------------------------------------------------------------------------------

def _may_write_opinion(db: Session, principal: Principal, referral: Referral) -> None:
    member = access.refuse_unless_member(db, principal, referral)
    if referral.rapporteur_id != principal.id and not member.is_chair:
        raise Refused(403, "not_rapporteur", _("Only the rapporteur or the chair can write the opinion."))


def _recommendations(lines: list[str] | str) -> list[str]:
    if isinstance(lines, str):
        lines = lines.splitlines()
    cleaned = [line.strip()[:2000] for line in lines if line.strip()]
    return cleaned[:30]


def save_draft(db: Session, principal: Principal, referral: Referral, text: str,
               recommendations: list[str] | str) -> Opinion:
    _may_write_opinion(db, principal, referral)
    workflow.ensure_in(referral.status, workflow.EXAMINING)
    text = _text(text, "text", _("Write the draft opinion."))
    opinion = opinion_of(db, referral) or Opinion(referral_id=referral.id, language=referral.language)
    opinion.text, opinion.recommendations = text, _recommendations(recommendations)
    db.add(opinion)
    db.flush()
    if referral.status == S.UNDER_EXAMINATION:
        _move(db, referral, S.DRAFT_OPINION, principal.id, "opinion.drafted")
    else:
        _changed(db, referral, principal.id, "opinion.edited")
    return opinion


def open_vote(db: Session, principal: Principal, referral: Referral) -> None:
    access.refuse_unless_chair(db, principal, referral)
    workflow.ensure_move(referral.status, S.VOTING)
    db.execute(delete(Ballot).where(Ballot.referral_id == referral.id))  # a new round
    _move(db, referral, S.VOTING, principal.id, "vote.opened")


def cast(db: Session, principal: Principal, referral: Referral, choice: str) -> None:
    access.refuse_unless_member(db, principal, referral)
    if referral.status != S.VOTING:
        raise Refused(409, "vote_closed", _("The committee vote is not open."))
    if choice not in set(Choice):
        raise Refused(422, "invalid_choice", _("Choose for, against or abstain."), "choice")
    ballot = db.execute(select(Ballot).where(Ballot.referral_id == referral.id,
                                             Ballot.person_id == principal.id)).scalar_one_or_none()
    if ballot is None:
        try:
            with db.begin_nested():
                db.add(Ballot(referral_id=referral.id, person_id=principal.id, choice=Choice(choice)))
        except IntegrityError:
            raise Refused(409, "already_voted", _("Your vote was already recorded.")) from None
    else:
        ballot.choice = Choice(choice)
    _changed(db, referral, principal.id, "vote.cast")


def tally(db: Session, referral: Referral) -> dict[str, Any]:
    """Quorum: a majority of the members not recused took part; adopted: more for than against."""
    eligible = set(eligible_voters(db, referral))
    ballots = {person: choice for person, choice in ballots_of(db, referral).items() if person in eligible}
    counts = {c.value: sum(1 for v in ballots.values() if v == c) for c in Choice}
    voters = len(ballots)
    quorum = voters * 2 > len(eligible)
    adopted = quorum and counts["for"] > counts["against"]
    return {"eligible": len(eligible), "voters": voters, "counts": counts, "quorum_reached": quorum,
            "adopted": adopted}


def close_vote(db: Session, principal: Principal, referral: Referral) -> dict[str, Any]:
    access.refuse_unless_chair(db, principal, referral)
    if referral.status != S.VOTING:
        raise workflow.out_of_order(referral.status, S.ADOPTED)
    result = tally(db, referral)
    opinion = opinion_of(db, referral)
    assert opinion is not None  # a vote opens only on a draft
    rounds = list(opinion.votes.get("rounds", []))
    rounds.append({**result, "closed_at": datetime.now().astimezone().isoformat(timespec="seconds")})
    opinion.votes = {"rounds": rounds, **result}
    if result["adopted"]:
        opinion.adopted_at = datetime.now().astimezone()
        _move(db, referral, S.ADOPTED, principal.id, "vote.closed.adopted")
    else:
        _move(db, referral, S.DRAFT_OPINION, principal.id, "vote.closed.not_adopted")
    return result


def send_opinion(db: Session, principal: Principal, referral: Referral) -> None:
    access.refuse_unless_chair(db, principal, referral)
    workflow.ensure_move(referral.status, S.SENT)
    opinion = opinion_of(db, referral)
    assert opinion is not None
    opinion.sent_at = datetime.now().astimezone()
    _move(db, referral, S.SENT, principal.id, "opinion.sent")
    _tell_referrer(db, referral, "ethics_opinion_sent")


def write_summary(db: Session, principal: Principal, referral: Referral, *, title: str, summary: str,
                  recommendations: list[str] | str, language: str) -> Opinion:
    _may_write_opinion(db, principal, referral)
    if referral.status not in (S.ADOPTED, S.SENT):
        raise Refused(409, "out_of_order", _("The public summary is written once the opinion is adopted."))
    if language not in LANGUAGES:
        raise Refused(422, "invalid_language", _("Choose French, Dutch or German."), "language")
    opinion = opinion_of(db, referral)
    assert opinion is not None
    opinion.public_title = _text(title, "title", _("Give the position a title."), SUBJECT_MAX)
    opinion.public_summary = _text(summary, "summary", _("Write the anonymised summary."))
    opinion.public_recommendations = _recommendations(recommendations)
    opinion.language = language
    opinion.summary_approved_by_id, opinion.summary_approved_at = None, None  # a changed text needs a new approval
    _changed(db, referral, principal.id, "summary.written")
    return opinion


def approve_summary(db: Session, principal: Principal, referral: Referral) -> None:
    access.refuse_unless_chair(db, principal, referral)
    opinion = opinion_of(db, referral)
    if referral.status not in (S.ADOPTED, S.SENT) or opinion is None or not opinion.public_summary:
        raise Refused(409, "no_summary", _("There is no public summary to approve yet."))
    opinion.summary_approved_by_id, opinion.summary_approved_at = principal.id, datetime.now().astimezone()
    _changed(db, referral, principal.id, "summary.approved")


def publish(db: Session, principal: Principal, referral: Referral) -> Opinion:
    access.refuse_unless_chair(db, principal, referral)
    workflow.ensure_move(referral.status, S.PUBLISHED)
    opinion = opinion_of(db, referral)
    if opinion is None or opinion.summary_approved_at is None:
        raise Refused(409, "not_approved", _("The chair has not approved the anonymised summary yet: it cannot "
                                             "be published."))
    opinion.published_at = datetime.now().astimezone()
    _move(db, referral, S.PUBLISHED, principal.id, "summary.published")
    _tell_referrer(db, referral, "ethics_published")
    return opinion


# --- the committee ---------------------------------------------------------------------------------

def count_by_category(db: Session) -> dict[str, int]:
    rows = db.execute(select(CommitteeMember.category, func.count()).group_by(CommitteeMember.category)).all()
    found = {category.value: count for category, count in rows}
    from agora.people.models import COLLEGE_KEYS

    return {key: found.get(key, 0) for key in COLLEGE_KEYS}
