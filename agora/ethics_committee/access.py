"""Who may see a referral: its referrer, and committee members who have not recused themselves.

`may_read` is the one rule; `access_referral` fetches, authorises *and* writes the access log, so no
page, file, API answer or socket room can forget either. Anyone else — administrators, moderators and
the board included — gets the same "not found" as for a referral that does not exist.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from agora import audit
from agora.deliberation.errors import Refused, not_found
from agora.ethics_committee.models import AccessLog, Attachment, CommitteeMember, Recusal, Referral
from agora.permissions import Principal
from agora.realtime.server import room_rule


def membership(db: Session, person_id: str | None) -> CommitteeMember | None:
    if person_id is None:
        return None
    return db.execute(select(CommitteeMember).where(CommitteeMember.person_id == person_id)).scalar_one_or_none()


def is_recused(db: Session, referral_id: str, person_id: str | None) -> bool:
    return person_id is not None and db.execute(select(Recusal.id).where(
        Recusal.referral_id == referral_id, Recusal.person_id == person_id)).first() is not None


def is_member_on(db: Session, principal: Principal, referral: Referral) -> bool:
    """A committee member who may work on this referral (not recused)."""
    return membership(db, principal.id) is not None and not is_recused(db, referral.id, principal.id)


def may_read(db: Session, principal: Principal, referral: Referral) -> bool:
    if principal.person is None or not principal.person.active:
        return False
    return referral.referrer_id == principal.id or is_member_on(db, principal, referral)


def log_access(db: Session, referral: Referral, person_id: str | None, action: str) -> None:
    """Who did what goes to the chair's access log; the audit log keeps a chained pointer to that row,
    with no name, subject or text, so that readers of the audit log learn nothing about the referral."""
    row = AccessLog(referral_id=referral.id, person_id=person_id, action=action)
    db.add(row)
    db.flush()
    audit.record(db, f"ethics.{action}", target_type="ethics_referral", target_id=referral.id, access=row.id)


def _fetch(db: Session, referral_id: str, for_update: bool) -> Referral | None:
    if not referral_id or len(referral_id) > 32:
        return None
    statement = select(Referral).where(Referral.id == referral_id)
    if for_update:
        statement = statement.with_for_update()
    return db.execute(statement).scalar_one_or_none()


def access_referral(db: Session, principal: Principal, referral_id: str, *, action: str = "referral.read",
                    for_update: bool = False) -> Referral:
    referral = _fetch(db, referral_id, for_update)
    if referral is None or not may_read(db, principal, referral):
        raise not_found()
    log_access(db, referral, principal.id, action)
    return referral


def access_attachment(db: Session, principal: Principal, referral_id: str, attachment_id: str) -> Attachment:
    referral = _fetch(db, referral_id, False)
    attachment = db.get(Attachment, attachment_id) if attachment_id and len(attachment_id) <= 32 else None
    if (referral is None or attachment is None or attachment.referral_id != referral.id
            or not may_read(db, principal, referral)):
        raise not_found()
    if attachment.committee_only and not is_member_on(db, principal, referral):
        raise not_found()
    log_access(db, referral, principal.id, "attachment.read")
    return attachment


@room_rule("ethics_referral")
def may_join_room(db: Session, principal: Principal, referral_id: str) -> bool:
    referral = _fetch(db, referral_id, False)
    if referral is None or not may_read(db, principal, referral):
        return False
    _log_room_join(db, referral.id, principal.id)
    return True


def _log_room_join(db: Session, referral_id: str, person_id: str | None) -> None:
    """Joining the room is a read too. Room rules run in a read-only session, so the log is written in a
    short write transaction of its own (committed before the person is let in)."""
    with Session(db.get_bind().execution_options(agora_write=True)) as writer:
        referral = writer.get(Referral, referral_id)
        if referral is not None:
            log_access(writer, referral, person_id, "room.joined")
            writer.commit()


def refuse_unless_member(db: Session, principal: Principal, referral: Referral) -> CommitteeMember:
    from agora.i18n import gettext as _

    member = membership(db, principal.id)
    if member is None or is_recused(db, referral.id, principal.id):
        raise Refused(403, "not_committee", _("Only committee members who are not recused can do this."))
    return member


def acting_chair(db: Session, referral: Referral) -> str | None:
    """The chair, or when the chair is recused from this referral, the longest-serving member who is not."""
    recused = select(Recusal.person_id).where(Recusal.referral_id == referral.id)
    return db.execute(select(CommitteeMember.person_id).where(CommitteeMember.person_id.not_in(recused))
                      .order_by(CommitteeMember.is_chair.desc(), CommitteeMember.appointed_at, CommitteeMember.id)
                      .limit(1)).scalar_one_or_none()


def refuse_unless_chair(db: Session, principal: Principal, referral: Referral) -> CommitteeMember:
    from agora.i18n import gettext as _

    member = refuse_unless_member(db, principal, referral)
    if acting_chair(db, referral) != principal.id:
        raise Refused(403, "not_chair", _("Only the chair of the committee can do this."))
    return member
