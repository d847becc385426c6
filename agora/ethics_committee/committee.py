"""Appointing the committee (admins): members with their stakeholder category, a chair, the deadlines."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agora import audit
from agora.deliberation.errors import Refused
from agora.ethics_committee.models import CommitteeMember
from agora.ethics_committee.services import settings_of
from agora.i18n import gettext as _
from agora.people import services as people
from agora.people.models import COLLEGE_KEYS, CollegeKey, Person, Role
from agora.permissions import Permission, Principal, allowed


def _ensure_admin(principal: Principal) -> str:
    if principal.id is None or not allowed(principal, Permission.ETHICS_APPOINT):
        raise Refused(403, "forbidden", _("Only administrators appoint the ethics committee."))
    return principal.id


def appoint(db: Session, principal: Principal, email: str, category: str) -> CommitteeMember:
    actor = _ensure_admin(principal)
    person = db.execute(select(Person).where(func.lower(Person.email) == (email or "").strip().lower())
                        ).scalar_one_or_none()
    if person is None or not person.active:
        raise Refused(422, "unknown_person", _("No active person has this email address."), "email")
    if category not in COLLEGE_KEYS:
        raise Refused(422, "invalid_category", _("Choose the stakeholder category the member represents."),
                      "category")
    if db.execute(select(CommitteeMember.id).where(CommitteeMember.person_id == person.id)).first():
        raise Refused(409, "already_member", _("This person is already a member of the committee."), "email")
    member = CommitteeMember(person_id=person.id, category=CollegeKey(category), appointed_by_id=actor)
    db.add(member)
    people.grant_role(db, person, Role.ETHICS_MEMBER, "", actor_id=actor)
    db.flush()
    audit.record(db, "ethics.member.appointed", actor_id=actor, target_type="person", target_id=person.id,
                 category=category)
    return member


def remove(db: Session, principal: Principal, member_id: str) -> None:
    actor = _ensure_admin(principal)
    member = db.get(CommitteeMember, member_id) if member_id and len(member_id) <= 32 else None
    if member is None:
        raise Refused(404, "not_found", _("This member does not exist."))
    for grant in people.roles_of(db, member.person_id):
        if grant.role == Role.ETHICS_MEMBER:
            people.revoke_role(db, db.get(Person, member.person_id), grant.id, actor_id=actor)  # type: ignore[arg-type]
    db.delete(member)
    audit.record(db, "ethics.member.removed", actor_id=actor, target_type="person", target_id=member.person_id)


def make_chair(db: Session, principal: Principal, member_id: str) -> None:
    actor = _ensure_admin(principal)
    member = db.get(CommitteeMember, member_id) if member_id and len(member_id) <= 32 else None
    if member is None:
        raise Refused(404, "not_found", _("This member does not exist."))
    for other in db.execute(select(CommitteeMember).where(CommitteeMember.is_chair.is_(True))).scalars():
        other.is_chair = False
    db.flush()
    member.is_chair = True
    audit.record(db, "ethics.chair.appointed", actor_id=actor, target_type="person", target_id=member.person_id)


def set_acknowledge_days(db: Session, principal: Principal, days: str) -> None:
    actor = _ensure_admin(principal)
    if not days.isdigit() or not 1 <= int(days) <= 90:
        raise Refused(422, "invalid_days", _("Give a number of days between 1 and 90."), "acknowledge_days")
    settings_of(db).acknowledge_days = int(days)
    audit.record(db, "ethics.settings.changed", actor_id=actor, target_type="ethics_settings", target_id="1",
                 acknowledge_days=int(days))
