"""The consultation's report to the board (kind `consultation`, see `agora.reports.builders`).

Everything comes from what the close froze: the electorate (frozen at opening), the results and
their arithmetic (frozen at the close, with their own hash, named in the report's sources). A
consultation that is not closed is refused (`SourceNotReady`): no figure leaves before the close.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agora import i18n
from agora.consultations import results, rules, services
from agora.consultations.electorate import NO_REGION
from agora.consultations.models import Consultation, Question, VoterRecord
from agora.i18n import gettext as _
from agora.people.models import Region
from agora.permissions import Principal
from agora.reports import rules as report_rules
from agora.reports.builders import SourceNotFound, SourceNotReady, report_builder
from agora.settings import LANGUAGES

COLLEGES = ("members", "permanents", "clients", "partners")
FIXED_OPTIONS = {"yes_no": ("yes", "no")}


def _may_build(principal: Principal, db: Session, source_id: str) -> bool:
    return report_rules.is_admin(principal)


def _participants(db: Session, source_id: str) -> list[str]:
    return list(db.execute(select(VoterRecord.person_id).where(VoterRecord.consultation_id == source_id)).scalars())


def texts(value: dict[str, str] | None, fallback: str, language: str) -> dict[str, str]:
    """A translated object for the schema: known languages, non-empty; else the fallback."""
    found = {code: text for code, text in (value or {}).items() if code in LANGUAGES and text}
    return found or {language: fallback}


def _word(message: str) -> dict[str, str]:
    translated = {}
    for code in LANGUAGES:
        with i18n.language(code):
            translated[code] = _(message)
    return translated


def _options(question: Question, language: str) -> list[dict[str, Any]]:
    if question.type == "yes_no":
        listed = [{"key": "yes", "label": _word("yes")}, {"key": "no", "label": _word("no")}]
    else:
        listed = [{"key": o.key, "label": texts(o.labels, o.key, language)} for o in question.options]
    return [*listed, {"key": "abstain", "label": _word("abstain")}]


def _remote(consultation: Consultation, question: Question, language: str) -> dict[str, Any]:
    assert consultation.results is not None and consultation.arithmetic is not None
    result = consultation.results["questions"][question.ref]
    labels = {o.key: o.label(language) for o in question.options}
    remote: dict[str, Any] = {
        "counts": result["counts"],
        "by_college": {c: result["by_college"][c] for c in COLLEGES if c in result["by_college"]},
        "quorum": result["quorum"],
        "outcome": result["outcome"],
        "explanation": results.explanation(result, consultation.arithmetic[question.ref], labels),
    }
    for key in ("weighted_shares", "weighted_points", "weighted_allocation", "winner", "order"):
        if key in result:
            remote[key] = result[key]
    return remote


def _item(consultation: Consultation, question: Question, language: str) -> dict[str, Any]:
    return {
        "ref": question.ref,
        "title": texts(question.titles, question.ref, language),
        "decision_type": question.decision_type,
        "question_type": question.type,
        "options": _options(question, language),
        "remote": _remote(consultation, question, language),
    }


def _participation(db: Session, consultation: Consultation) -> dict[str, Any]:
    electorate = consultation.electorate or {"eligible": 0}
    by_college = dict.fromkeys(COLLEGES, 0)
    for college, count in db.execute(
        select(VoterRecord.college, func.count()).where(VoterRecord.consultation_id == consultation.id)
        .group_by(VoterRecord.college)
    ):
        by_college[college] = count
    slugs = dict(db.execute(select(Region.id, Region.slug)).all())
    by_region: dict[str, int] = {}
    for region_id, count in db.execute(
        select(VoterRecord.region_id, func.count()).where(VoterRecord.consultation_id == consultation.id)
        .group_by(VoterRecord.region_id)
    ):
        slug = slugs.get(region_id, NO_REGION) if region_id else NO_REGION
        by_region[slug] = by_region.get(slug, 0) + count
    voters = sum(by_college.values())
    eligible = electorate["eligible"]
    return {"voters": voters, "rate": voters / eligible if eligible else 0.0, "by_college": by_college,
            "by_region": dict(sorted(by_region.items()))}


@report_builder("consultation", may_build=_may_build, participants=_participants)
def build(db: Session, source_id: str, language: str) -> dict[str, Any]:
    consultation = services.get(db, source_id)
    if consultation is None:
        raise SourceNotFound(source_id)
    if not rules.results_published(consultation):
        raise SourceNotReady(_("This consultation is not closed: its results, and so its report, wait for the close."))
    electorate = consultation.electorate or {"eligible": 0, "by_college": {}, "by_region": {}}
    return {
        "title": texts(consultation.titles, consultation.id, language),
        "sources": [{"type": "consultation", "id": consultation.id, "url": f"/consultations/{consultation.id}",
                     "binding": consultation.binding, "results_sha256": consultation.results_sha256}],
        "electorate": {
            "eligible": electorate["eligible"],
            "frozen_at": consultation.opened_at.isoformat(timespec="seconds") if consultation.opened_at else None,
            "by_college": {c: n for c, n in electorate.get("by_college", {}).items() if c in COLLEGES},
            "by_region": electorate.get("by_region", {}),
        } if consultation.opened_at else {"eligible": electorate["eligible"], "by_college": {}},
        "participation": _participation(db, consultation),
        "weighting": {"mode": consultation.weighting_mode,
                      "weights": {c: float(results.exact(w)) for c, w in consultation.weights.items()}},
        "items": [_item(consultation, q, language) for q in consultation.questions],
    }
