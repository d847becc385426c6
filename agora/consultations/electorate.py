"""Who may vote: computed from the member register, frozen into `consultation_electors` at opening.

Binding consultations: active shareholders (shares ≥ 1); advisory: every active person; either may be
restricted to colleges and/or regions. A person votes in their voting college. Once frozen, later
changes to the register (a new share, another college) do not change this consultation's electorate,
so that voters ≤ eligible holds in every college.
"""

from __future__ import annotations

from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import Select, bindparam, func, insert, select
from sqlalchemy.orm import Session

from agora.consultations.models import Consultation, Elector
from agora.consultations.tally import COLLEGES
from agora.db import read_columns
from agora.i18n import gettext as _
from agora.people.models import CollegeKey, Person, Region

NO_REGION = "none"
BATCH = 5000


def _eligible(consultation: Consultation) -> Select[Any]:
    statement = select(Person.id, Person.voting_college, Person.region_id).where(
        Person.active.is_(True), Person.voting_college.is_not(None)
    )
    if consultation.binding:
        statement = statement.where(Person.shares >= 1)
    if consultation.eligible_colleges:
        statement = statement.where(Person.voting_college.in_([CollegeKey(c) for c in consultation.eligible_colleges]))
    if consultation.eligible_regions:
        statement = statement.where(
            Person.region_id.in_(select(Region.id).where(Region.slug.in_(consultation.eligible_regions)))
        )
    return statement


def freeze(db: Session, consultation: Consultation) -> dict[str, Any]:
    """Writes the electorate rows and returns the counts stored on the consultation."""
    rows = db.execute(_eligible(consultation).order_by(Person.id)).all()
    for start in range(0, len(rows), BATCH):
        db.execute(insert(Elector), [
            {"consultation_id": consultation.id, "person_id": person_id, "college": college.value,
             "region_id": region_id}
            for person_id, college, region_id in rows[start:start + BATCH]
        ])
    return counts(db, consultation.id)


def counts(db: Session, consultation_id: str) -> dict[str, Any]:
    by_college = dict.fromkeys(COLLEGES, 0)
    for college, count in db.execute(
        select(Elector.college, func.count()).where(Elector.consultation_id == consultation_id)
        .group_by(Elector.college)
    ):
        by_college[college] = count
    slugs = {region_id: slug for region_id, slug in db.execute(select(Region.id, Region.slug))}
    by_region: dict[str, int] = {}
    for region_id, count in db.execute(
        select(Elector.region_id, func.count()).where(Elector.consultation_id == consultation_id)
        .group_by(Elector.region_id)
    ):
        slug = slugs.get(region_id, NO_REGION) if region_id else NO_REGION
        by_region[slug] = by_region.get(slug, 0) + count
    return {"eligible": sum(by_college.values()), "by_college": by_college,
            "by_region": dict(sorted(by_region.items()))}


class ElectorRow(NamedTuple):
    """A person's place in a consultation's frozen electorate."""

    college: str
    region_id: str | None


def elector(db: Session, consultation_id: str, person_id: str) -> ElectorRow | None:
    row = read_columns(db, _elector(), {"consultation_id": consultation_id, "person_id": person_id}).first()
    return ElectorRow(row.college, row.region_id) if row is not None else None


@cache
def _elector() -> Select[tuple[str, str | None]]:
    """Built once: every ballot asks it, as two columns (the ORM's loading of an `Elector` cost twice the
    query; bench/README.md, "Casting: the group commit's statements built once, entities from
    columns")."""
    electors = Elector.__table__
    return select(electors.c.college, electors.c.region_id).where(
        electors.c.consultation_id == bindparam("consultation_id"), electors.c.person_id == bindparam("person_id"))


def would_be_eligible(db: Session, consultation: Consultation, person: Person) -> bool:
    return db.execute(_eligible(consultation).where(Person.id == person.id)).first() is not None


def reason_not_eligible(db: Session, consultation: Consultation, person: Person) -> tuple[str, str]:
    """(code, why) `person` may not vote, in the reader's language (they are known not to be eligible)."""
    if not person.active:
        return "inactive", _("Your account is deactivated.")
    if person.voting_college is None:
        return "no_college", _("The member register gives you no voting college; please ask the secretariat.")
    if consultation.binding and person.shares < 1:
        return "not_shareholder", _(
            "This consultation is binding: only cooperators holding at least one share may vote in it.")
    if consultation.eligible_colleges and person.voting_college.value not in consultation.eligible_colleges:
        return "college", _(
            "This consultation is open to some colleges only, and your voting college is not one of them.")
    if consultation.eligible_regions:
        region = db.get(Region, person.region_id) if person.region_id else None
        if region is None or region.slug not in consultation.eligible_regions:
            return "region", _(
                "This consultation is open to some regions only, and your region is not one of them.")
    return "not_in_electorate", _(
        "The electorate was fixed when the consultation opened, and you were not part of it then.")
