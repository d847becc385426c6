"""Where a proposal or a forum space belongs: the whole cooperative, a region, a college or a trade sector.

Trade sectors and themes are lists kept in code (their labels are translated with the interface);
regions and colleges come from the member register.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from agora.i18n import gettext as _
from agora.i18n import lazy_gettext
from agora.people.models import COLLEGE_KEYS, CollegeKey, Region


class ScopeKind(enum.StrEnum):
    COOPERATIVE = "cooperative"
    REGION = "region"
    COLLEGE = "college"
    SECTOR = "sector"


SECTORS = {
    "arts": lazy_gettext("Arts and culture"),
    "audiovisual": lazy_gettext("Audiovisual and events"),
    "construction": lazy_gettext("Construction and renovation"),
    "crafts": lazy_gettext("Crafts and making"),
    "digital": lazy_gettext("Digital and IT"),
    "education": lazy_gettext("Training and education"),
    "consulting": lazy_gettext("Consulting and services"),
    "food": lazy_gettext("Food and catering"),
    "care": lazy_gettext("Health and care"),
    "transport": lazy_gettext("Transport and logistics"),
}

THEMES = {
    "governance": lazy_gettext("Governance and democracy"),
    "work": lazy_gettext("Work and income"),
    "solidarity": lazy_gettext("Solidarity and mutual aid"),
    "services": lazy_gettext("Services to members"),
    "training": lazy_gettext("Training"),
    "environment": lazy_gettext("Environment"),
    "tools": lazy_gettext("Tools and platforms"),
    "communication": lazy_gettext("Communication"),
    "other": lazy_gettext("Other"),
}

COLLEGE_LABELS = {
    "members": lazy_gettext("Members (entrepreneur-employees)"),
    "permanents": lazy_gettext("Permanent staff"),
    "clients": lazy_gettext("Clients"),
    "partners": lazy_gettext("Partners"),
}


class ScopeError(ValueError):
    """An unknown scope; the message is in the reader's language."""


@dataclass(frozen=True)
class Scope:
    kind: ScopeKind = ScopeKind.COOPERATIVE
    region: Region | None = None
    college: CollegeKey | None = None
    sector: str | None = None

    @property
    def region_id(self) -> str | None:
        return self.region.id if self.region else None


def parse_scope(db: Session, kind: str, value: str | None) -> Scope:
    """`kind` is one of ScopeKind; `value` a region slug, a college key or a sector key."""
    value = (value or "").strip()
    if kind in ("", ScopeKind.COOPERATIVE.value):
        return Scope()
    if kind == ScopeKind.REGION.value:
        region = db.execute(select(Region).where(Region.slug == value)).scalar_one_or_none() if value else None
        if region is None:
            raise ScopeError(_("Unknown region: %(region)s.") % {"region": value or "—"})
        return Scope(ScopeKind.REGION, region=region)
    if kind == ScopeKind.COLLEGE.value:
        if value not in COLLEGE_KEYS:
            raise ScopeError(_("Unknown college: %(college)s.") % {"college": value or "—"})
        return Scope(ScopeKind.COLLEGE, college=CollegeKey(value))
    if kind == ScopeKind.SECTOR.value:
        if value not in SECTORS:
            raise ScopeError(_("Unknown trade sector: %(sector)s.") % {"sector": value or "—"})
        return Scope(ScopeKind.SECTOR, sector=value)
    raise ScopeError(_("Unknown scope: %(scope)s.") % {"scope": kind})


def parse_theme(value: str) -> str | None:
    value = value.strip()
    if not value:
        return None
    if value not in THEMES:
        raise ScopeError(_("Unknown theme: %(theme)s.") % {"theme": value})
    return value


def scope_label(kind: ScopeKind, region: Region | None, college: CollegeKey | str | None, sector: str | None,
                language: str) -> str:
    if kind == ScopeKind.REGION and region is not None:
        return _("Region: %(region)s") % {"region": region.name(language)}
    if kind == ScopeKind.COLLEGE and college:
        return _("College: %(college)s") % {"college": str(COLLEGE_LABELS.get(str(college), college))}
    if kind == ScopeKind.SECTOR and sector:
        return _("Trade sector: %(sector)s") % {"sector": str(SECTORS.get(sector, sector))}
    return _("The whole cooperative")
