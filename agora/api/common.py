"""Helpers shared by the API modules."""

from __future__ import annotations

from typing import Any

from agora.i18n import gettext as _
from agora.people.models import Person, Region
from agora.web.endpoint import Ctx, Problem


def require_person(ctx: Ctx) -> Person:
    if ctx.person is None:
        raise Problem(401, "unauthenticated", _("The API token is missing, revoked or wrong."))
    return ctx.person


def json_object(ctx: Ctx) -> dict[str, Any]:
    if not isinstance(ctx.json, dict):
        raise Problem(422, "invalid_body", _("The request body must be a JSON object."))
    return ctx.json


def person_json(ctx: Ctx, person: Person) -> dict[str, Any]:
    region = ctx.db.get(Region, person.region_id) if person.region_id else None
    return {
        "id": person.id,
        "name": person.name,
        "email": person.email,
        "language": person.language,
        "region": region.slug if region else None,
        "voting_college": person.voting_college.value if person.voting_college else None,
        "categories": person.category_list,
        "shares": person.shares,
        "active": person.active,
        "roles": sorted(f"{role.value}:{scope}" if scope else role.value for role, scope in ctx.principal.roles)
        if ctx.principal.person is person else None,
    }
