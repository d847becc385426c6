"""Domain operations on reports: build, edit, submit, acknowledge, answer, correct; and the lists.

Each `do`-style function takes a session, checks the rules, writes, records the audit entry and never
commits (the handler's transaction does). The builders (`agora.reports.builders`) know the sources;
this module knows only their contract.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from agora import audit, i18n
from agora.db import utcnow
from agora.deliberation.fanout import notify_many
from agora.i18n import gettext as _
from agora.people.models import Person, Role
from agora.permissions import Principal
from agora.reports import builders, document, errors, rules
from agora.reports.builders import Builder, SourceNotFound, SourceNotReady
from agora.reports.models import Decision, Report, ReportRegion, ReportStatus
from agora.settings import LANGUAGES

SUMMARY_MAX = 20_000
RECOMMENDATION_MAX = 4_000
RECOMMENDATIONS_MAX = 30
ANSWER_MAX = 20_000
KINDS = ("consultation", "pre_assembly_synthesis", "meeting", "proposal", "ethics_opinion")
NOTIFICATION = "report_answered"


def url_of(report_id: str) -> str:
    return f"/reports/{report_id}"


# --- reading ----------------------------------------------------------------------------------------

def get(db: Session, report_id: str, *, for_update: bool = False) -> Report | None:
    """`for_update`: the row locked until the end of the transaction (PostgreSQL; SQLite serialises
    writers anyway), so that two board members, or a double click, never answer or correct twice."""
    if not report_id or len(report_id) > 32:
        return None
    if for_update:
        return db.execute(select(Report).where(Report.id == report_id).with_for_update()).scalar_one_or_none()
    return db.get(Report, report_id)


def versions_of(db: Session, report: Report) -> list[Report]:
    """Every version of the same report (the chain of corrections), oldest first."""
    chain = [report]
    seen = {report.id}
    current = report
    while current.previous_id and current.previous_id not in seen:
        previous = db.get(Report, current.previous_id)
        if previous is None:
            break
        chain.insert(0, previous)
        seen.add(previous.id)
        current = previous
    current = report
    while current.superseded_by and current.superseded_by not in seen:
        following = db.get(Report, current.superseded_by)
        if following is None:
            break
        chain.append(following)
        seen.add(following.id)
        current = following
    return chain


@dataclass(frozen=True)
class Desk:
    awaiting_acknowledgement: list[Report]
    awaiting_answer: list[Report]
    answered: list[Report]
    drafts: list[Report]


def desk(db: Session, principal: Principal, answered_limit: int = 20) -> Desk:
    """What waits for the board, oldest first; drafts are the administrators' (a relay's own only).
    A relay sees only the reports they built."""
    def own(query: Any) -> Any:
        return query if rules.sees_whole_desk(principal) else query.where(Report.created_by == principal.id)

    waiting = list(db.execute(own(
        select(Report).where(Report.status.in_([ReportStatus.SUBMITTED, ReportStatus.ACKNOWLEDGED]),
                             Report.superseded_by.is_(None))
        .order_by(Report.submitted_at, Report.id))).scalars())
    answered = list(db.execute(own(select(Report).where(Report.status == ReportStatus.ANSWERED)
                                   .order_by(Report.answered_at.desc()).limit(answered_limit))).scalars())
    drafts_query = select(Report).where(Report.status == ReportStatus.DRAFT).order_by(Report.created_at.desc())
    if not rules.is_admin(principal):
        drafts_query = drafts_query.where(Report.created_by == principal.id)
    return Desk([r for r in waiting if r.status == ReportStatus.SUBMITTED],
                [r for r in waiting if r.status == ReportStatus.ACKNOWLEDGED],
                answered, list(db.execute(drafts_query).scalars()))


@dataclass(frozen=True)
class PublicFilter:
    kind: str | None = None
    region: str | None = None
    since: date | None = None
    until: date | None = None


def parse_filter(kind: str, region: str, since: str, until: str) -> PublicFilter:
    def day(text: str) -> date | None:
        try:
            return date.fromisoformat(text) if text else None
        except ValueError:
            return None

    return PublicFilter(kind if kind in KINDS else None, region or None, day(since), day(until))


def answered_reports(db: Session, f: PublicFilter, limit: int = 100) -> list[Report]:
    """What the board did with the members' positions: answered reports, newest answer first."""
    query = select(Report).where(Report.status == ReportStatus.ANSWERED)
    if f.kind:
        query = query.where(Report.kind == f.kind)
    if f.region:
        query = query.where(Report.id.in_(select(ReportRegion.report_id).where(ReportRegion.region == f.region)))
    if f.since:
        query = query.where(Report.answered_at >= datetime.combine(f.since, time.min, tzinfo=i18n_zone()))
    if f.until:
        end = datetime.combine(f.until + timedelta(days=1), time.min, tzinfo=i18n_zone())
        query = query.where(Report.answered_at < end)
    return list(db.execute(query.order_by(Report.answered_at.desc(), Report.id).limit(limit)).scalars())


def i18n_zone() -> ZoneInfo:
    return ZoneInfo("Europe/Brussels")  # dates in filters are the members' calendar days


def people_names(db: Session, ids: list[str | None]) -> dict[str, str]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return dict(db.execute(select(Person.id, Person.name).where(Person.id.in_(wanted))).all())


# --- checking what people send ---------------------------------------------------------------------

def translated(value: Any, field: str, *, required: bool, maximum: int) -> dict[str, str]:
    """A text by language ({"fr": "...", ...}): known languages only, empty ones dropped."""
    if value is None:
        value = {}
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise errors.invalid(field, _("Give the text as an object of texts by language, e.g. {\"fr\": \"...\"}."))
    unknown = sorted(set(value) - set(LANGUAGES))
    if unknown:
        raise errors.invalid(field, _("Texts may be in French (fr), Dutch (nl) or German (de) only."))
    texts = {code: value[code].strip() for code in LANGUAGES if value.get(code, "").strip()}
    if required and not texts:
        raise errors.invalid(field, _("Write this text in at least one language."))
    if any(len(text) > maximum for text in texts.values()):
        raise errors.invalid(field, _("This text is too long (at most %(max)s characters).") % {"max": maximum})
    return texts


def recommendations_of(value: Any) -> list[dict[str, str]]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > RECOMMENDATIONS_MAX:
        raise errors.invalid("recommendations", _("Recommendations are a list of at most %(max)s texts by language.")
                             % {"max": RECOMMENDATIONS_MAX})
    found = [translated(v, "recommendations", required=False, maximum=RECOMMENDATION_MAX) for v in value]
    return [r for r in found if r]


def builder_of(kind: Any) -> Builder:
    found = builders.builder_for(kind) if isinstance(kind, str) and kind in KINDS else None
    if found is None:
        raise errors.invalid("kind", _("Reports of this kind cannot be built here."))
    return found


# --- building -----------------------------------------------------------------------------------------

def _built(db: Session, builder: Builder, source_id: str, language: str, *, creating: bool) -> dict[str, Any]:
    try:
        with i18n.language(language):
            content = builder.build(db, source_id, language)
    except SourceNotFound:
        if creating:
            raise errors.Refused(404, "source_not_found", _(
                "The source of this report does not exist, or it was deleted.")) from None
        raise errors.Refused(409, "source_deleted", _(
            "The source of this report no longer exists: the report was left as it was.")) from None
    except SourceNotReady as why:
        raise errors.Refused(409, "source_not_ready", str(why)) from None
    return content


def create(db: Session, principal: Principal, kind: Any, source_id: Any, language: Any = None,
           summary: Any = None, recommendations: Any = None) -> Report:
    person = principal.person
    assert person is not None
    builder = builder_of(kind)
    if not isinstance(source_id, str) or not source_id or len(source_id) > 64:
        raise errors.invalid("source", _("Name the source of the report by its id."))
    if language is not None and language not in LANGUAGES:
        raise errors.invalid("language", _("The report's language must be fr, nl or de."))
    if not builder.may_build(principal, db, source_id):
        raise errors.may_not_build()
    chosen = language or (person.language if person.language in LANGUAGES else "fr")
    texts = translated(summary, "summary", required=False, maximum=SUMMARY_MAX)
    recs = recommendations_of(recommendations)
    content = _built(db, builder, source_id, chosen, creating=True)
    report = Report(kind=builder.kind, source_id=source_id, language=chosen, content=content, summary=texts,
                    recommendations=recs, created_by=person.id, built_at=utcnow())
    db.add(report)
    db.flush()
    document.document(report)  # a builder that breaks the schema fails here, before anything is kept
    audit.record(db, "report.create", actor_id=person.id, target_type="report", target_id=report.id,
                 kind=report.kind, source=source_id)
    return report


def _check_edit(principal: Principal, report: Report) -> None:
    if not rules.may_edit(principal, report):
        raise errors.Refused(403, "forbidden", _("Only the report's author or an administrator can change it."))
    if not rules.editable(report):
        raise errors.frozen()


def update_texts(db: Session, principal: Principal, report: Report, summary: Any, recommendations: Any) -> None:
    _check_edit(principal, report)
    report.summary = translated(summary, "summary", required=False, maximum=SUMMARY_MAX)
    report.recommendations = recommendations_of(recommendations)
    db.flush()
    audit.record(db, "report.edit", actor_id=principal.id, target_type="report", target_id=report.id)


def refresh(db: Session, principal: Principal, report: Report) -> None:
    """Builds the draft's figures again from its source, as it is now."""
    _check_edit(principal, report)
    report.content = _built(db, builder_of(report.kind), report.source_id, report.language, creating=False)
    report.built_at = utcnow()
    db.flush()
    audit.record(db, "report.refresh", actor_id=principal.id, target_type="report", target_id=report.id)


def _role_of(principal: Principal) -> str:
    for role in (Role.ADMIN, Role.RELAY, Role.BOARD_MEMBER, Role.DELEGATED_ADMINISTRATOR, Role.ETHICS_MEMBER):
        if principal.has_role(role):
            return role.value
    return "member"


def submit(db: Session, principal: Principal, report: Report) -> None:
    """Freezes the report with the figures of this moment; the hash is recorded and shown from now on."""
    _check_edit(principal, report)
    if not report.summary:
        raise errors.invalid("summary", _("Write a summary, in at least one language, before submitting."))
    builder = builder_of(report.kind)
    report.content = _built(db, builder, report.source_id, report.language, creating=False)
    report.built_at = report.submitted_at = utcnow()
    report.submitted_by = principal.id
    report.status = ReportStatus.SUBMITTED
    _supersede_previous(db, report)
    person = principal.person
    assert person is not None
    document.freeze(report, {"name": person.name, "role": _role_of(principal)})
    db.execute(delete(ReportRegion).where(ReportRegion.report_id == report.id))
    db.add_all(ReportRegion(report_id=report.id, region=r) for r in sorted(document.regions_of(report.frozen or {})))
    db.flush()
    if builder.on_submitted is not None and report.version == 1:
        builder.on_submitted(db, principal, report.source_id)
    audit.record(db, "report.submit", actor_id=principal.id, target_type="report", target_id=report.id,
                 sha256=report.sha256, version=report.version)


def _supersede_previous(db: Session, report: Report) -> None:
    """A submitted correction takes the version it corrects off the board's desk."""
    if report.previous_id is None:
        return
    previous = db.execute(select(Report).where(Report.id == report.previous_id).with_for_update()).scalar_one()
    if previous.superseded_by not in (None, report.id):
        raise errors.wrong_status(_("Only the latest submitted version of a report can be corrected."))
    previous.superseded_by = report.id


def acknowledge(db: Session, principal: Principal, report: Report) -> None:
    if not rules.on_board(principal):
        raise errors.not_board()
    if not rules.acknowledgeable(report):
        raise errors.wrong_status(_("Only a submitted report, not yet acknowledged or corrected, can be acknowledged."))
    report.status = ReportStatus.ACKNOWLEDGED
    report.acknowledged_at, report.acknowledged_by = utcnow(), principal.id
    db.flush()
    audit.record(db, "report.acknowledge", actor_id=principal.id, target_type="report", target_id=report.id)


def answer(db: Session, principal: Principal, report: Report, decision: Any, text: Any) -> int:
    """Records the board's answer, publishes the report and tells the source's participants.

    Answering a report not yet acknowledged acknowledges it at the same moment. Returns how many
    people were told."""
    if not rules.on_board(principal):
        raise errors.not_board()
    if not rules.answerable(report):
        raise errors.wrong_status(_("This report was already answered, is a draft, or was replaced by a correction."))
    if decision not in rules.DECISIONS:
        raise errors.invalid("decision", _(
            "The decision must be one of: accepted, rejected, partly accepted, postponed."))
    texts = translated(text, "text", required=True, maximum=ANSWER_MAX)
    now = utcnow()
    if report.acknowledged_at is None:
        report.acknowledged_at, report.acknowledged_by = now, principal.id
    report.status = ReportStatus.ANSWERED
    report.decision, report.answer = Decision(decision), texts
    report.answered_at, report.answered_by = now, principal.id
    db.flush()
    builder = builders.builder_for(report.kind)
    already_told: set[str] = set()
    if builder is not None and builder.on_answered is not None:
        already_told = set(builder.on_answered(db, principal, report.source_id, decision, texts))
    told = notify_many(db, [*participants(db, report), report.created_by], NOTIFICATION,
                       {"title": (report.frozen or report.content).get("title", {}), "decision": decision,
                        "kind": report.kind}, url_of(report.id), exclude=[principal.id, *already_told])
    told += len(already_told)  # one notification per person: the source's own, or the report's
    audit.record(db, "report.answer", actor_id=principal.id, target_type="report", target_id=report.id,
                 decision=decision, notified=told)
    return told


def participants(db: Session, report: Report) -> list[str]:
    builder = builders.builder_for(report.kind)
    if builder is None:
        return []
    try:
        return list(builder.participants(db, report.source_id))
    except SourceNotFound:
        return []


def pending_correction(db: Session, report: Report) -> Report | None:
    """The correction of this version still being drafted, if any."""
    return db.execute(select(Report).where(Report.previous_id == report.id, Report.status == ReportStatus.DRAFT)
                      .order_by(Report.created_at).limit(1)).scalar_one_or_none()


def correct(db: Session, principal: Principal, report: Report) -> Report:
    """A correction: a new draft version that points to this one's hash. This version stays on the board's
    desk until the correction is submitted (`submit` then marks it superseded). Correcting again while
    the correction is a draft gives that draft back: one correction at a time."""
    if not rules.may_edit(principal, report):
        raise errors.Refused(403, "forbidden", _("Only the report's author or an administrator can change it."))
    if not rules.correctable(report):
        raise errors.wrong_status(_("Only the latest submitted version of a report can be corrected."))
    drafted = pending_correction(db, report)
    if drafted is not None:
        return drafted
    person = principal.person
    assert person is not None
    content = _built(db, builder_of(report.kind), report.source_id, report.language, creating=False)
    following = Report(kind=report.kind, source_id=report.source_id, language=report.language, content=content,
                       summary=dict(report.summary), recommendations=list(report.recommendations),
                       version=report.version + 1, previous_id=report.id, previous_sha256=report.sha256,
                       created_by=person.id, built_at=utcnow())
    db.add(following)
    db.flush()
    audit.record(db, "report.correct", actor_id=principal.id, target_type="report", target_id=following.id,
                 previous=report.id, previous_sha256=report.sha256)
    return following
