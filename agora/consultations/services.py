"""Preparing consultations: create, edit (drafts only), approve, second call, and reads.

Opening and closing are in `lifecycle`, casting ballots in `voting`. These functions take a Session,
never commit and never see a request.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, delete, inspect, or_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.util import identity_key

from agora import audit
from agora.consultations import errors
from agora.consultations.definition import Defaults, Definition, QuestionDef
from agora.consultations.models import Consultation, Option, Question, Status
from agora.consultations.rules import editable
from agora.db import LoadedColumns, read_columns
from agora.i18n import gettext as _
from agora.people.models import College, Person, Region
from agora.settings import Settings


def defaults(db: Session, settings: Settings) -> Defaults:
    weights = {college.key.value: Decimal(college.weight).normalize() for college in
               db.execute(select(College)).scalars()}
    slugs = frozenset(db.execute(select(Region.slug)).scalars())
    return Defaults(weights=weights, quorum=dict(settings.default_quorum), region_slugs=slugs)


def _decimal(value: Fraction) -> str:
    return str(Decimal(value.numerator) / Decimal(value.denominator))


def _questions(consultation_id: str, definitions: tuple[QuestionDef, ...]) -> list[Question]:
    return [
        Question(consultation_id=consultation_id, ref=q.ref, type=q.type, decision_type=q.decision_type,
                 titles=q.titles, max_choices=q.max_choices, budget_total=q.budget_total, position=position,
                 options=[Option(key=o.key, labels=o.labels, position=i) for i, o in enumerate(q.options)])
        for position, q in enumerate(definitions)
    ]


def _apply(consultation: Consultation, d: Definition) -> None:
    consultation.titles = d.titles
    consultation.descriptions = d.descriptions
    consultation.binding = d.binding
    consultation.eligible_colleges = d.colleges
    consultation.eligible_regions = d.regions
    consultation.weighting_mode = d.weighting_mode
    consultation.weights = {college: str(weight) for college, weight in d.weights.items()}
    consultation.quorum_mode = d.quorum_mode
    consultation.quorum = {kind: str(q) for kind, q in d.quorum.items()}
    consultation.allow_change = d.allow_change
    consultation.opens_at = d.opens_at
    consultation.closes_at = d.closes_at


def create(db: Session, d: Definition, actor: Person, settings: Settings,
           second_call_of: str | None = None) -> Consultation:
    majority = {"ordinary": "0.5", "extraordinary": _decimal(settings.extraordinary_majority)}
    consultation = Consultation(created_by=actor.id, status=Status.DRAFT, second_call_of=second_call_of,
                                majority=majority)
    _apply(consultation, d)
    db.add(consultation)
    db.flush()
    for question in _questions(consultation.id, d.questions):
        db.add(question)
    db.flush()
    audit.record(db, "consultation.create", actor_id=actor.id, target_type="consultation", target_id=consultation.id)
    return get(db, consultation.id, refresh=True) or consultation


def update(db: Session, consultation: Consultation, d: Definition, actor: Person) -> Consultation:
    """Replaces a draft's definition; its approval, given to the old texts, lapses."""
    if not editable(consultation):
        raise errors.locked()
    _apply(consultation, d)
    consultation.approved_by = None
    consultation.approved_at = None
    _forget_questions(db, consultation)
    db.execute(delete(Question).where(Question.consultation_id == consultation.id))
    db.flush()
    for question in _questions(consultation.id, d.questions):
        db.add(question)
    db.flush()
    audit.record(db, "consultation.update", actor_id=actor.id, target_type="consultation", target_id=consultation.id)
    return get(db, consultation.id, refresh=True) or consultation


def _forget_questions(db: Session, consultation: Consultation) -> None:
    """The old questions leave the session before their rows are deleted (the options go by cascade)."""
    loaded = inspect(consultation).attrs.questions.loaded_value
    if isinstance(loaded, list):
        for question in loaded:
            options = inspect(question).attrs.options.loaded_value
            for option in options if isinstance(options, list) else ():
                db.expunge(option)
            db.expunge(question)
    db.expire(consultation, ["questions"])


def approve(db: Session, consultation: Consultation, actor: Person, now: datetime) -> None:
    if not editable(consultation):
        raise errors.locked()
    if consultation.created_by == actor.id:
        raise errors.Refused(403, "approver_is_creator", _(
            "Another administrator than the one who prepared this consultation must approve its texts."
        ))
    consultation.approved_by = actor.id
    consultation.approved_at = now
    audit.record(db, "consultation.approve", actor_id=actor.id, target_type="consultation", target_id=consultation.id)


def second_call(db: Session, consultation: Consultation, actor: Person, settings: Settings,
                now: datetime) -> Consultation:
    """A new draft with the questions that did not reach their quorum, the same rules and texts.

    The administrator then edits it (dates, a lower quorum as the statutes allow) and has it approved."""
    if consultation.status != Status.CLOSED or consultation.results is None:
        raise errors.Refused(409, "not_closed", _("A second call is possible once the consultation has closed."))
    lacking = {ref for ref, result in consultation.results["questions"].items() if result["outcome"] == "no_quorum"}
    if not lacking:
        raise errors.Refused(409, "quorum_reached", _("Every question reached its quorum: no second call is needed."))
    duration = consultation.closes_at - consultation.opens_at
    opens_at = (now + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    copy = Consultation(
        created_by=actor.id, status=Status.DRAFT, second_call_of=consultation.id,
        titles=dict(consultation.titles), descriptions=dict(consultation.descriptions), binding=consultation.binding,
        eligible_colleges=consultation.eligible_colleges, eligible_regions=consultation.eligible_regions,
        weighting_mode=consultation.weighting_mode, weights=dict(consultation.weights),
        quorum_mode=consultation.quorum_mode, quorum=dict(consultation.quorum), majority=dict(consultation.majority),
        allow_change=consultation.allow_change, opens_at=opens_at, closes_at=opens_at + duration,
    )
    db.add(copy)
    db.flush()
    for position, q in enumerate(q for q in consultation.questions if q.ref in lacking):
        db.add(Question(consultation_id=copy.id, ref=q.ref, type=q.type, decision_type=q.decision_type,
                        titles=dict(q.titles), max_choices=q.max_choices, budget_total=q.budget_total,
                        position=position,
                        options=[Option(key=o.key, labels=dict(o.labels), position=o.position) for o in q.options]))
    db.flush()
    audit.record(db, "consultation.second_call", actor_id=actor.id, target_type="consultation", target_id=copy.id,
                 source=consultation.id)
    return get(db, copy.id, refresh=True) or copy


# --- reads ---------------------------------------------------------------------------------------

def _with_questions() -> tuple[object, ...]:
    return (selectinload(Consultation.questions).selectinload(Question.options),)


def get(db: Session, consultation_id: str, *, refresh: bool = False, questions: bool = True) -> Consultation | None:
    """`questions=False`: the consultation's own row only (its questions stay unloaded), read as columns
    and attached to the session (every ballot reads it: `agora.db.LoadedColumns`)."""
    if not questions and not refresh:
        row = read_columns(db, _row_by_id(), {"consultation_id": consultation_id}).first()
        return _ROW.attach(db, row) if row is not None else None
    options = {"populate_existing": True} if refresh else {}
    return db.execute(_by_id(questions), {"consultation_id": consultation_id},
                      execution_options=options).scalar_one_or_none()


_ROW = LoadedColumns(Consultation, "")


@cache
def _row_by_id() -> Select[Any]:
    return select(*_ROW.columns).where(Consultation.__table__.c.id == bindparam("consultation_id"))


@cache
def _by_id(questions: bool) -> Select[tuple[Consultation]]:
    """Built once per variant: every ballot and every consultation page runs one of them, and building
    it cost a third as much as running it (bench/README.md, ballots_sqlite)."""
    statement = select(Consultation).where(Consultation.id == bindparam("consultation_id"))
    return statement.options(*_with_questions()) if questions else statement


def lock(db: Session, consultation_id: str, *, share: bool) -> Consultation | None:
    """The consultation re-read under a row lock (PostgreSQL; SQLite's BEGIN IMMEDIATE already
    serialises writers): a shared lock for each ballot, an exclusive one to open or close, so that
    a close waits for the ballots in flight and the ballots behind it see it closed."""
    statement = (
        select(Consultation).where(Consultation.id == consultation_id)
        .with_for_update(read=share).options(*_with_questions())
        .execution_options(populate_existing=True)
    )
    return db.execute(statement).scalar_one_or_none()


def lock_for_ballot(db: Session, consultation_id: str) -> Consultation | None:
    """`lock(share=True)` for casting a ballot, without loading the questions a second time.

    The status and closing time are always re-read under the shared lock. The questions and options
    of an open consultation never change (`rules.editable`), so when this transaction has already
    loaded the consultation with them while it was open (`access.consultation` does), that copy is
    exact and is returned as it is; otherwise (not loaded, loaded as a draft, or anything differs)
    this is `lock()`. Loading them again was the largest single cost of a ballot (bench/README.md).
    """
    row = db.execute(
        select(Consultation.status, Consultation.closes_at).where(Consultation.id == consultation_id)
        .with_for_update(read=True)
    ).one_or_none()
    if row is None:
        return None
    known = db.identity_map.get(identity_key(Consultation, consultation_id))
    if (isinstance(known, Consultation) and row.status == Status.OPEN and known.status == Status.OPEN
            and known.closes_at == row.closes_at and _questions_loaded(known)):
        return known
    return lock(db, consultation_id, share=True)


def _questions_loaded(consultation: Consultation) -> bool:
    questions = inspect(consultation).attrs.questions.loaded_value
    return isinstance(questions, list) and all(
        isinstance(inspect(question).attrs.options.loaded_value, list) for question in questions)


def listing(db: Session, *, drafts: bool) -> list[Consultation]:
    statement = select(Consultation).order_by(Consultation.opens_at.desc(), Consultation.id)
    if not drafts:
        statement = statement.where(Consultation.status != Status.DRAFT)
    return list(db.execute(statement).scalars())


def open_for(db: Session, person_id: str, now: datetime) -> list[Consultation]:
    """Open consultations in which `person_id` is in the electorate (the home page's panel)."""
    from agora.consultations.models import Elector

    return list(db.execute(
        select(Consultation).join(Elector, Elector.consultation_id == Consultation.id)
        .where(Elector.person_id == person_id, Consultation.status == Status.OPEN, Consultation.closes_at > now)
        .order_by(Consultation.closes_at, Consultation.id)
    ).scalars())


def due_ids(db: Session, now: datetime) -> list[str]:
    """Consultations that may have to open or close now (the scheduler checks each precisely)."""
    return list(db.execute(
        select(Consultation.id).where(or_(
            (Consultation.status == Status.OPEN) & (Consultation.closes_at <= now),
            (Consultation.status == Status.DRAFT) & Consultation.approved_by.is_not(None)
            & (Consultation.opens_at <= now) & (Consultation.closes_at > now),
        ))
    ).scalars())
