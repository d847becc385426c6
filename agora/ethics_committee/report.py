"""The `ethics_opinion` report: an adopted opinion's anonymised summary and recommendations, for the board.

Only what the register publishes goes in — never the question, the notes, the opinion's confidential text
or a name. The source is the referral's id or the opinion's id.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from agora.ethics_committee import access, register
from agora.ethics_committee.models import Opinion, Referral
from agora.i18n import current_language, set_language
from agora.i18n import gettext as _
from agora.people.models import Role
from agora.permissions import Principal
from agora.reports.builders import SourceNotFound, SourceNotReady, report_builder
from agora.settings import LANGUAGES


def _opinion(db: Session, source_id: str) -> Opinion:
    if not source_id or len(source_id) > 32:
        raise SourceNotFound(source_id)
    opinion = db.get(Opinion, source_id) or db.execute(
        select(Opinion).where(Opinion.referral_id == source_id)).scalar_one_or_none()
    if opinion is None:
        if db.get(Referral, source_id) is not None:
            raise SourceNotReady(_("The committee has not adopted an opinion on this referral yet."))
        raise SourceNotFound(source_id)
    return opinion


def _ready(opinion: Opinion) -> None:
    if opinion.adopted_at is None:
        raise SourceNotReady(_("The committee has not adopted this opinion yet."))
    if opinion.published_at is None:
        raise SourceNotReady(_("The anonymised summary of this opinion is not published yet."))


def may_build(principal: Principal, db: Session, source_id: str) -> bool:
    if principal.has_role(Role.ADMIN):
        return True
    member = access.membership(db, principal.id)
    if member is None or not member.is_chair:
        return False
    try:
        opinion = _opinion(db, source_id)
    except (SourceNotFound, SourceNotReady):
        return False
    return not access.is_recused(db, opinion.referral_id, principal.id)


def participants(db: Session, source_id: str) -> Iterable[str]:
    opinion = _opinion(db, source_id)
    referral = db.get(Referral, opinion.referral_id)
    return [referral.referrer_id] if referral is not None else []


def _titles(opinion: Opinion, texts: dict[str, register.Shown]) -> dict[str, str]:
    """The report's title in the three languages, with the position's title in each where translated."""
    before = current_language()
    titles = {}
    try:
        for lang in LANGUAGES:
            set_language(lang)
            shown = texts.get(lang) or texts[opinion.language]
            titles[lang] = _("Opinion of the ethics committee: %(title)s") % {"title": shown.title}
    finally:
        set_language(before)
    return titles


@report_builder("ethics_opinion", may_build=may_build, participants=participants)
def build(db: Session, source_id: str, language: str) -> dict[str, Any]:
    opinion = _opinion(db, source_id)
    _ready(opinion)
    texts = register.texts_by_language(db, opinion)
    count = len(opinion.public_recommendations)
    recommendations = [{lang: shown.recommendations[i] for lang, shown in texts.items()
                        if i < len(shown.recommendations)} for i in range(count)]
    return {
        "title": _titles(opinion, texts),
        "sources": [{"type": "ethics_opinion", "id": opinion.id, "url": register.url_of(opinion.id)}],
        "items": [],
        "ethics_opinions": [{
            "id": opinion.id,
            "summary": {lang: shown.summary for lang, shown in texts.items()},
            "recommendations": recommendations,
        }],
    }
