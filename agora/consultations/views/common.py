"""What several consultation pages show: names of colleges, the voter's situation, the admin panel."""

from __future__ import annotations

from typing import Any

from agora.consultations import electorate, lifecycle, rules, services, voting
from agora.consultations.models import Consultation, Status, pick_language
from agora.consultations.views import ballot_form
from agora.db import utcnow
from agora.i18n import gettext as _
from agora.people.labels import college_names
from agora.people.services import region_choices
from agora.web.endpoint import Ctx


def type_names() -> dict[str, str]:
    return {"yes_no": _("Yes / no"), "single_choice": _("Single choice"), "multiple_choice": _("Multiple choice"),
            "ranking": _("Ranking"), "budget": _("Budget allocation")}


def status_names() -> dict[str, str]:
    return {"draft": _("Draft"), "open": _("Open"), "closed": _("Closed")}


def base_context(ctx: Ctx, consultation: Consultation) -> dict[str, Any]:
    return {
        "c": consultation,
        "lang": ctx.language,
        "lang_of": lambda texts: pick_language(texts, ctx.language),
        "colleges": college_names(),
        "types": type_names(),
        "statuses": status_names(),
        "manager": rules.may_manage(ctx.principal),
        "regions": dict(region_choices(ctx.db, ctx.language)),
    }


def voter_situation(ctx: Ctx, consultation: Consultation) -> dict[str, Any]:
    """May this person vote, have they, and what does their ballot form show?"""
    person = ctx.person
    situation: dict[str, Any] = {"eligible": False, "reason": None, "voted": False, "own_code": None,
                                 "values": {}, "accepting": rules.accepts_ballots(consultation, utcnow())}
    if person is None or consultation.status == Status.DRAFT:
        return situation
    if electorate.elector(ctx.db, consultation.id, person.id) is None:
        situation["reason"] = electorate.reason_not_eligible(ctx.db, consultation, person)[1]
        return situation
    situation["eligible"] = True
    situation["voted"] = voting.has_voted(ctx.db, consultation.id, person.id)
    if situation["voted"]:
        own = voting.own_ballot(ctx.db, consultation, person.id, ctx.settings.secret_key)
        if own is not None:
            situation["own_code"] = own.tracking_code
            situation["values"] = ballot_form.values(own.answers)
    return situation


def admin_panel(ctx: Ctx, consultation: Consultation) -> dict[str, Any]:
    if not rules.may_manage(ctx.principal):
        return {}
    missing = rules.missing_for_opening(consultation) if rules.editable(consultation) else []
    no_quorum = [ref for ref, result in (consultation.results or {}).get("questions", {}).items()
                 if result["outcome"] == "no_quorum"]
    return {
        "missing_text": lifecycle.describe(missing, consultation.binding) if missing else "",
        "may_approve": rules.editable(consultation) and consultation.created_by != ctx.principal.id,
        "no_quorum": no_quorum,
    }


def home_panel(ctx: Ctx) -> list[dict[str, Any]]:
    """The open consultations the signed-in person may vote in, for the home page."""
    assert ctx.person is not None
    found = services.open_for(ctx.db, ctx.person.id, utcnow())
    return [{"url": f"/consultations/{c.id}", "title": c.title(ctx.language),
             "language": pick_language(c.titles, ctx.language), "closes_at": c.closes_at,
             "voted": voting.has_voted(ctx.db, c.id, ctx.person.id)} for c in found]
