"""The register of opinions: anonymised positions, public to signed-in people, searchable, in three languages,
with their recommendations and the follow-up given to them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from agora import audit
from agora.deliberation.errors import Refused, not_found
from agora.ethics_committee import access
from agora.ethics_committee.models import FollowUp, FollowUpState, Opinion, OpinionTranslation, Referral
from agora.i18n import gettext as _
from agora.people.models import Role
from agora.permissions import Principal
from agora.settings import LANGUAGES


def url_of(opinion_id: str) -> str:
    return f"/ethics/register/{opinion_id}"


@dataclass(frozen=True)
class Shown:
    language: str
    title: str
    summary: str
    recommendations: list[str]
    translated: bool


def may_read_register(principal: Principal) -> bool:
    return principal.person is not None and principal.person.active


def published(db: Session, query: str = "", limit: int = 100) -> list[Opinion]:
    statement = select(Opinion).where(Opinion.published_at.is_not(None))
    words = [w for w in (query or "").lower().split() if w][:8]
    for word in words:
        pattern = f"%{word.replace('%', '').replace('_', '')}%"
        in_translation = select(OpinionTranslation.opinion_id).where(or_(
            func.lower(OpinionTranslation.title).like(pattern), func.lower(OpinionTranslation.summary).like(pattern)))
        statement = statement.where(or_(func.lower(Opinion.public_title).like(pattern),
                                        func.lower(Opinion.public_summary).like(pattern),
                                        Opinion.id.in_(in_translation)))
    return list(db.execute(statement.order_by(Opinion.published_at.desc()).limit(limit)).scalars())


def get_published(db: Session, principal: Principal, opinion_id: str) -> Opinion:
    if not may_read_register(principal):
        raise not_found()
    opinion = db.get(Opinion, opinion_id) if opinion_id and len(opinion_id) <= 32 else None
    if opinion is None or opinion.published_at is None:
        raise not_found()
    return opinion


def translations_of(db: Session, opinion: Opinion) -> dict[str, OpinionTranslation]:
    rows = db.execute(select(OpinionTranslation).where(OpinionTranslation.opinion_id == opinion.id)).scalars()
    return {row.language: row for row in rows}


def shown(opinion: Opinion, translations: dict[str, OpinionTranslation], language: str) -> Shown:
    if language != opinion.language and language in translations:
        t = translations[language]
        return Shown(language, t.title, t.summary, list(t.recommendations), True)
    return Shown(opinion.language, opinion.public_title, opinion.public_summary,
                 list(opinion.public_recommendations), False)


def texts_by_language(db: Session, opinion: Opinion) -> dict[str, Shown]:
    translations = translations_of(db, opinion)
    return {lang: shown(opinion, translations, lang) for lang in [opinion.language, *sorted(translations)]}


def translate(db: Session, principal: Principal, opinion: Opinion, *, language: str, title: str, summary: str,
              recommendations: list[str] | str) -> OpinionTranslation:
    if access.membership(db, principal.id) is None:
        raise Refused(403, "not_committee", _("Only committee members add translations to the register."))
    if language not in LANGUAGES or language == opinion.language:
        raise Refused(422, "invalid_language", _("Choose a language other than the original."), "language")
    title, summary = (title or "").strip()[:200], (summary or "").strip()[:20_000]
    if not title or not summary:
        raise Refused(422, "missing", _("Give the translated title and summary."), "summary")
    lines = recommendations.splitlines() if isinstance(recommendations, str) else recommendations
    recs = [line.strip() for line in lines if line.strip()][:30]
    if len(recs) != len(opinion.public_recommendations):
        raise Refused(422, "recommendations_count",
                      _("Translate every recommendation, one a line (%(count)s in all).")
                      % {"count": len(opinion.public_recommendations)}, "recommendations")
    row = translations_of(db, opinion).get(language) or OpinionTranslation(opinion_id=opinion.id, language=language)
    row.title, row.summary, row.recommendations, row.translated_by_id = title, summary, recs, principal.id
    db.add(row)
    db.flush()
    audit.record(db, "ethics.register.translated", actor_id=principal.id, target_type="ethics_opinion",
                 target_id=opinion.id, language=language)
    return row


def follow_up_role(db: Session, principal: Principal, opinion: Opinion) -> str | None:
    referral = db.get(Referral, opinion.referral_id)
    if referral is not None and referral.referrer_id == principal.id:
        return "referrer"
    if principal.has_role(Role.BOARD_MEMBER) or principal.has_role(Role.DELEGATED_ADMINISTRATOR):
        return "board"
    return None


def add_follow_up(db: Session, principal: Principal, opinion: Opinion, *, recommendation: str, state: str,
                  body: str) -> FollowUp:
    role = follow_up_role(db, principal, opinion)
    if role is None:
        raise Refused(403, "forbidden", _("Only the referrer and the board answer an opinion."))
    index: int | None = None
    if recommendation:
        if not recommendation.isdigit() or int(recommendation) >= len(opinion.public_recommendations):
            raise Refused(422, "invalid_recommendation", _("Choose one of the recommendations."), "recommendation")
        index = int(recommendation)
    if state not in set(FollowUpState):
        raise Refused(422, "invalid_state", _("Say whether the recommendation was applied."), "state")
    body = (body or "").strip()
    if not body or len(body) > 20_000:
        raise Refused(422, "missing", _("Write the answer."), "body")
    follow_up = FollowUp(opinion_id=opinion.id, author_role=role, author_id=principal.id, recommendation=index,
                         state=FollowUpState(state), body=body)
    db.add(follow_up)
    db.flush()
    audit.record(db, "ethics.register.follow_up", actor_id=principal.id if role == "board" else None,
                 target_type="ethics_opinion", target_id=opinion.id, state=state)
    return follow_up


def follow_ups_of(db: Session, opinion: Opinion) -> list[FollowUp]:
    return list(db.execute(select(FollowUp).where(FollowUp.opinion_id == opinion.id)
                           .order_by(FollowUp.created_at)).scalars())
