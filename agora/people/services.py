"""The member register: reads and the acts of the secretariat on people, roles, regions, colleges."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from agora import audit
from agora.db import read_columns
from agora.i18n import gettext as _
from agora.notifications.services import notify
from agora.people.models import COLLEGE_KEYS, College, CollegeKey, Person, Region, Role, RoleGrant, region_name

PAGE_SIZE = 50


class RegisterError(ValueError):
    """A change the register refuses; the message is in the reader's language."""


@dataclass(frozen=True)
class PeopleFilter:
    query: str = ""
    region: str = ""
    college: str = ""
    role: str = ""
    active: str = "1"  # "1" active, "0" deactivated, "" all
    page: int = 1


def _filtered(statement: Select, f: PeopleFilter) -> Select:
    if f.query:
        like = f"%{f.query.lower()}%"
        statement = statement.where(or_(func.lower(Person.name).like(like), Person.email.like(like),
                                        Person.external_id == f.query))
    if f.region:
        statement = statement.join(Region, Region.id == Person.region_id).where(Region.slug == f.region)
    if f.college in COLLEGE_KEYS:
        statement = statement.where(Person.voting_college == CollegeKey(f.college))
    if f.role in {r.value for r in Role}:
        statement = statement.where(Person.id.in_(select(RoleGrant.person_id).where(RoleGrant.role == Role(f.role))))
    if f.active in ("0", "1"):
        statement = statement.where(Person.active.is_(f.active == "1"))
    return statement


def search_people(db: Session, f: PeopleFilter) -> tuple[list[Person], int]:
    total = db.execute(_filtered(select(func.count(Person.id)), f)).scalar_one()
    rows = db.execute(
        _filtered(select(Person), f).order_by(Person.name, Person.id)
        .limit(PAGE_SIZE).offset((max(f.page, 1) - 1) * PAGE_SIZE)
    ).scalars().all()
    return list(rows), total


def list_regions(db: Session, *, active_only: bool = False) -> list[Region]:
    statement = select(Region).order_by(Region.slug)
    if active_only:
        statement = statement.where(Region.active.is_(True))
    return list(db.execute(statement).scalars())


# Built once: the proposals list draws its region filter from it on every view.
_REGION_CHOICES = select(Region.slug, Region.names).order_by(Region.slug)


def region_choices(db: Session, language: str) -> list[tuple[str, str]]:
    """(short name, name in `language`) of every region, by short name: what a region filter offers."""
    return [(slug, region_name(names, slug, language)) for slug, names in read_columns(db, _REGION_CHOICES).all()]


def region_by_slug(db: Session, slug: str) -> Region | None:
    return db.execute(select(Region).where(Region.slug == slug)).scalar_one_or_none()


def list_colleges(db: Session) -> list[College]:
    return list(db.execute(select(College).order_by(College.position)).scalars())


def roles_of(db: Session, person_id: str) -> list[RoleGrant]:
    return list(db.execute(select(RoleGrant).where(RoleGrant.person_id == person_id)
                           .order_by(RoleGrant.role, RoleGrant.scope)).scalars())


def parse_role(text: str) -> tuple[Role, str]:
    """`admin`, `relay:liege`… as the command line and the admin form write them."""
    name, _sep, scope = text.partition(":")
    try:
        role = Role(name)
    except ValueError:
        raise RegisterError(_("Unknown role: %(role)s.") % {"role": text}) from None
    if (role == Role.RELAY) != bool(scope):
        raise RegisterError(_("A relay role names its region (relay:REGION); other roles take none."))
    return role, scope


def grant_role(db: Session, person: Person, role: Role, scope: str, *, actor_id: str | None) -> bool:
    region = region_by_slug(db, scope) if scope else None
    if scope and region is None:
        raise RegisterError(_("Unknown region: %(region)s.") % {"region": scope})
    exists = db.execute(select(RoleGrant.id).where(RoleGrant.person_id == person.id, RoleGrant.role == role,
                                                   RoleGrant.scope == scope)).first()
    if exists:
        return False
    db.add(RoleGrant(person_id=person.id, role=role, scope=scope))
    audit.record(db, "role.grant", actor_id=actor_id, target_type="person", target_id=person.id,
                 role=role.value, scope=scope)
    if actor_id and actor_id != person.id:
        notify(db, person.id, "role_granted", {"role": role.value, "scope": scope,
                                               "region_names": region.names if region else {}}, url="/account")
    return True


def revoke_role(db: Session, person: Person, grant_id: int, *, actor_id: str | None) -> bool:
    grant = db.get(RoleGrant, grant_id)
    if grant is None or grant.person_id != person.id:
        return False
    role, scope = grant.role, grant.scope
    region = region_by_slug(db, scope) if scope else None
    db.delete(grant)
    audit.record(db, "role.revoke", actor_id=actor_id, target_type="person", target_id=person.id,
                 role=role.value, scope=scope)
    if actor_id and actor_id != person.id:
        notify(db, person.id, "role_removed", {"role": role.value, "scope": scope,
                                               "region_names": region.names if region else {}}, url="/account")
    return True


def set_active(db: Session, person: Person, active: bool, *, actor_id: str | None) -> None:
    from agora.accounts.services import cut_token_sockets, end_all_sessions

    if person.active == active:
        return
    person.active = active
    if not active:
        end_all_sessions(db, person.id)
        cut_token_sockets(db, person.id)
    audit.record(db, "person.activate" if active else "person.deactivate", actor_id=actor_id,
                 target_type="person", target_id=person.id)


def parse_weights(raw: dict[str, str]) -> dict[str, Decimal]:
    weights: dict[str, Decimal] = {}
    for key in COLLEGE_KEYS:
        try:
            value = Decimal(raw.get(key, "").replace(",", ".").strip())
        except InvalidOperation:
            raise RegisterError(_("The weight of a college must be a number between 0 and 1.")) from None
        if not value.is_finite() or value < 0 or value > 1:
            raise RegisterError(_("The weight of a college must be a number between 0 and 1."))
        weights[key] = value
    if sum(weights.values()) != Decimal(1):
        raise RegisterError(_("The weights must add up to exactly 1 (they add up to %(total)s).")
                            % {"total": str(sum(weights.values()))})
    return weights


def set_weights(db: Session, weights: dict[str, Decimal], *, actor_id: str | None) -> None:
    for college in list_colleges(db):
        college.weight = weights[college.key.value]
    audit.record(db, "colleges.weights", actor_id=actor_id, target_type="colleges",
                 weights={k: str(v) for k, v in weights.items()})


def save_region(db: Session, region: Region | None, slug: str, names: dict[str, str], languages: list[str],
                active: bool, *, actor_id: str | None) -> Region:
    slug = slug.strip().lower()
    if not slug or not slug.replace("-", "").isalnum() or len(slug) > 64:
        raise RegisterError(_("A region's short name uses lowercase letters, digits and hyphens only."))
    if not languages or any(code not in ("fr", "nl", "de") for code in languages):
        raise RegisterError(_("Choose at least one language for the region."))
    if not names.get("fr") and not names.get("nl") and not names.get("de"):
        raise RegisterError(_("Give the region a name in at least one language."))
    clash = region_by_slug(db, slug)
    if clash is not None and clash is not region:
        raise RegisterError(_("Another region already uses the short name %(slug)s.") % {"slug": slug})
    if region is None:
        region = Region(slug=slug, names=names, languages=",".join(languages), active=active)
        db.add(region)
    else:
        region.slug, region.names, region.languages, region.active = slug, names, ",".join(languages), active
    db.flush()
    audit.record(db, "region.save", actor_id=actor_id, target_type="region", target_id=region.id, slug=slug)
    return region
