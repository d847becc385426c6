"""Opening (the electorate is frozen) and closing (the results are counted and frozen).

Both take the consultation's row lock first (see `services.lock`), then re-check the state under
the lock: two schedulers, or a scheduler and an administrator, never open or close twice. With
`scheduled=True` a transition that is no longer due is skipped silently; by hand it is refused.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from agora import audit
from agora.consultations import electorate, errors, events, results, rules, services
from agora.consultations.models import Consultation, Status
from agora.consultations.rules import Missing
from agora.i18n import LANGUAGE_NAMES
from agora.i18n import gettext as _


def describe(missing: list[Missing], binding: bool = True) -> str:
    """What a consultation lacks before it opens, as one message naming each thing."""
    items = []
    for item in missing:
        languages = ", ".join(f"{LANGUAGE_NAMES[code]} ({code})" for code in item.languages)
        if item.kind == "title":
            items.append(_("the title in %(languages)s") % {"languages": languages})
        elif item.kind == "question":
            items.append(_("question %(ref)s in %(languages)s") % {"ref": item.ref, "languages": languages})
        elif item.kind == "option":
            items.append(_("option %(key)s of question %(ref)s in %(languages)s")
                         % {"key": item.key, "ref": item.ref, "languages": languages})
        else:
            items.append(_("the approval of the texts by a second administrator"))
    if not binding:
        return _("Every question needs a title before the consultation opens. Missing: %(missing)s.") % {
            "missing": "; ".join(items)}
    return _("A binding consultation opens only when its texts exist in French, Dutch and German and are "
             "approved. Missing: %(missing)s.") % {"missing": "; ".join(items)}


def open_now(db: Session, consultation_id: str, actor_id: str | None, now: datetime, *,
             scheduled: bool = False) -> Consultation | None:
    consultation = services.lock(db, consultation_id, share=False)
    if consultation is None:
        return None
    if scheduled and not rules.opening_due(consultation, now):
        return consultation
    if consultation.status != Status.DRAFT:
        raise errors.Refused(409, "not_draft", _("This consultation has already been opened."))
    if now >= consultation.closes_at:
        raise errors.Refused(409, "closing_time_past", _(
            "The closing time of this consultation has passed: change it before opening."
        ))
    missing = rules.missing_for_opening(consultation)
    if missing:
        raise errors.Refused(409, "missing_for_opening", describe(missing, consultation.binding),
                             missing=[m.code for m in missing])
    consultation.electorate = electorate.freeze(db, consultation)
    consultation.status = Status.OPEN
    consultation.opened_at = now
    audit.record(db, "consultation.open", actor_id=actor_id, target_type="consultation", target_id=consultation.id,
                 scheduled=scheduled, eligible=consultation.electorate["eligible"])
    events.status_changed(db, consultation)
    return consultation


def close_now(db: Session, consultation_id: str, actor_id: str | None, now: datetime, *,
              scheduled: bool = False) -> Consultation | None:
    consultation = services.lock(db, consultation_id, share=False)
    if consultation is None:
        return None
    if scheduled and not rules.closing_due(consultation, now):
        return consultation
    if consultation.status != Status.OPEN:
        raise errors.Refused(409, "not_open", _("Only an open consultation can be closed."))
    consultation.status = Status.CLOSED
    # Ballots are refused from `closes_at` on, whenever the scheduler gets round to closing.
    consultation.closed_at = min(now, consultation.closes_at)
    results.freeze(db, consultation)
    audit.record(db, "consultation.close", actor_id=actor_id, target_type="consultation", target_id=consultation.id,
                 scheduled=scheduled, results_sha256=consultation.results_sha256)
    events.status_changed(db, consultation)
    return consultation
