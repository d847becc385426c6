"""Small named predicates: who may do what with a consultation, and which state allows what.

draft  → editable, approvable; opens by hand (admin) or at `opens_at` once approved
open   → locked; ballots accepted while now < closes_at; closes by hand or at `closes_at`
closed → results, CSV and tracking codes published; second call for questions without quorum
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from agora.consultations.models import Consultation, Status
from agora.permissions import Permission, Principal, allowed
from agora.settings import LANGUAGES


def may_manage(principal: Principal) -> bool:
    return allowed(principal, Permission.CONSULTATIONS_MANAGE)


def may_read(principal: Principal, consultation: Consultation) -> bool:
    """Drafts are the secretariat's; open and closed consultations are for every signed-in person."""
    if consultation.status == Status.DRAFT:
        return may_manage(principal)
    return principal.signed_in


def editable(consultation: Consultation) -> bool:
    return consultation.status == Status.DRAFT


def accepts_ballots(consultation: Consultation, now: datetime) -> bool:
    return consultation.status == Status.OPEN and now < consultation.closes_at


def results_published(consultation: Consultation) -> bool:
    return consultation.status == Status.CLOSED and consultation.results is not None


@dataclass(frozen=True)
class Missing:
    """One thing a binding consultation lacks before it may open."""

    kind: str  # "title", "question", "option" or "approval"
    languages: tuple[str, ...] = ()
    ref: str = ""
    key: str = ""

    @property
    def code(self) -> str:
        parts = [self.kind, self.ref, self.key, ",".join(self.languages)]
        return ":".join(part for part in parts if part)


def _lacking(texts: dict[str, str] | None) -> tuple[str, ...]:
    return tuple(code for code in LANGUAGES if not (texts or {}).get(code, "").strip())


def missing_for_opening(consultation: Consultation) -> list[Missing]:
    """For a binding consultation: every text in fr, nl and de, and approval by a second admin.

    An advisory consultation opens as it is, provided every question has a title in some language
    (a draft may lack them)."""
    if not consultation.binding:
        return [Missing("question", LANGUAGES, ref=question.ref)
                for question in consultation.questions if _lacking(question.titles) == LANGUAGES]
    missing: list[Missing] = []
    if lacking := _lacking(consultation.titles):
        missing.append(Missing("title", lacking))
    for question in consultation.questions:
        if lacking := _lacking(question.titles):
            missing.append(Missing("question", lacking, ref=question.ref))
        for option in question.options:
            if lacking := _lacking(option.labels):
                missing.append(Missing("option", lacking, ref=question.ref, key=option.key))
    if consultation.approved_by is None:
        missing.append(Missing("approval"))
    return missing


def opening_due(consultation: Consultation, now: datetime) -> bool:
    """The scheduler opens an approved draft at its opening time (never after its closing time).

    Approval is required for scheduled opening even when advisory: it is the secretariat's "go"."""
    return (
        consultation.status == Status.DRAFT
        and consultation.approved_by is not None
        and consultation.opens_at <= now < consultation.closes_at
        and not missing_for_opening(consultation)
    )


def closing_due(consultation: Consultation, now: datetime) -> bool:
    return consultation.status == Status.OPEN and now >= consultation.closes_at


def transition_due(consultation: Consultation, now: datetime) -> bool:
    return closing_due(consultation, now) or opening_due(consultation, now)
