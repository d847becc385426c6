"""Casting a ballot: one transaction writes the register row (who) and the ballot row (what), or
neither.

A second counted ballot is made impossible by the database, not by a prior check: the register's
primary key (consultation, person) refuses a second row, even between two concurrent requests; the
loser's IntegrityError means "already voted". When the consultation allows changing one's vote, the
ballot is then found by its change key, HMAC(server secret, consultation, person), and its answers
replaced. The tracking code is kept on a change: every answer the voter ever received carries the
code that, after the close, shows their final ballot (a retried or doubled request cannot leave the
voter holding a code that no longer exists).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from agora import audit
from agora.consultations import electorate, errors, events, results
from agora.consultations.models import Ballot, Consultation, Question, Status, VoterRecord
from agora.consultations.tally import ABSTAIN, QuestionSpec, validate_answer
from agora.db import utcnow
from agora.i18n import gettext as _
from agora.people.models import Person

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I, O, 0, 1
# base32 writes 5 random bits a character with its own 32 characters; each maps to one of ours
_FROM_BASE32 = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", CODE_ALPHABET)


def new_tracking_code() -> str:
    raw = base64.b32encode(secrets.token_bytes(10)).decode().translate(_FROM_BASE32)  # 80 bits, 16 characters
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


def change_key(secret_key: str, consultation_id: str, person_id: str) -> str:
    message = f"agora:ballot-change:{consultation_id}:{person_id}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


def answer_problem(ref: str, code: str, spec: QuestionSpec) -> errors.Refused:
    messages = {
        "missing": _("Question %(ref)s is not answered: every question needs an answer (abstaining is one)."),
        "wrong_type": _("The answer to question %(ref)s does not have the form this question expects."),
        "unknown_option": _("The answer to question %(ref)s names an option that does not exist."),
        "empty_choice": _("The answer to question %(ref)s chooses nothing: choose at least one option, or abstain."),
        "too_many_choices": _("Question %(ref)s allows at most %(max)s choices."),
        "ranking_repeats": _("The answer to question %(ref)s names the same option more than once."),
        "budget_negative": _("The amounts given for question %(ref)s must not be negative."),
        "budget_sum": _("The amounts given for question %(ref)s must add up to exactly %(total)s."),
    }
    message = messages.get(code, messages["wrong_type"]) % {
        "ref": ref, "max": spec.max_choices, "total": spec.budget_total}
    return errors.Refused(422, "invalid_answer", message, question=ref, reason=code)


def check_answers(consultation: Consultation, answers: Any) -> dict[str, Any]:
    """The answers, checked against every question and put in a canonical order."""
    return check_against(results.specs(consultation), answers)


def check_against(specs: Sequence[QuestionSpec], answers: Any) -> dict[str, Any]:
    if not isinstance(answers, Mapping):
        raise errors.Refused(422, "invalid_answer", _("answers must be an object with one answer per question."))
    known = {spec.ref for spec in specs}
    for ref in answers:
        if ref not in known:
            raise errors.Refused(422, "invalid_answer", _("There is no question %(ref)s in this consultation.")
                                 % {"ref": str(ref)[:40]}, question=str(ref)[:40], reason="unknown_question")
    clean: dict[str, Any] = {}
    for spec in specs:
        answer = _whole_amounts(spec, answers.get(spec.ref))
        code = validate_answer(spec, answer)
        if code is not None:
            raise answer_problem(spec.ref, code, spec)
        clean[spec.ref] = _canonical(spec, answer)
    return clean


def _whole_amounts(spec: QuestionSpec, answer: Any) -> Any:
    """JSON does not tell 60 from 60.0: a budget amount with no fractional part is that whole number
    (amounts are counted as exact integers; 60.5 stays a wrong form)."""
    if spec.type != "budget" or not isinstance(answer, Mapping):
        return answer
    return {option: int(amount) if isinstance(amount, float) and amount.is_integer() else amount
            for option, amount in answer.items()}


def _canonical(spec: QuestionSpec, answer: Any) -> Any:
    """Option order carries no meaning in a multiple choice or a budget; a fixed order keeps ballots
    from being told apart (or "signed") by the order someone clicked in."""
    if answer == ABSTAIN or spec.type in ("yes_no", "single_choice", "ranking"):
        return list(answer) if isinstance(answer, list | tuple) else answer
    if spec.type == "multiple_choice":
        return [option for option in spec.options if option in answer]
    return {option: answer.get(option, 0) for option in spec.options}


@dataclass(frozen=True)
class Cast:
    tracking_code: str
    changed: bool


def not_open_problem(status: Status) -> errors.Refused:
    if status == Status.DRAFT:
        return errors.Refused(409, "not_open", _("This consultation is not open yet."))
    return errors.Refused(409, "not_open", _("This consultation is closed: ballots are no longer accepted."))


class _SpecsCache:
    """The questions of consultations as the ballot checks need them, kept by this process.

    Questions and options change only while a consultation is a draft (`rules.editable`), and no
    consultation goes back to draft: once it has left draft, its questions are fixed for good and
    may be kept. Drafts are never kept. Loading them for every ballot was the largest single cost of
    casting (bench/README.md). Bounded: the least recently used go first.
    """

    SIZE = 64

    def __init__(self) -> None:
        self._kept: OrderedDict[str, tuple[QuestionSpec, ...]] = OrderedDict()
        self._lock = threading.Lock()

    def specs(self, db: Session, consultation_id: str, status: Status) -> tuple[QuestionSpec, ...]:
        """`status`: the consultation's status as read in this transaction."""
        if status != Status.DRAFT:
            with self._lock:
                kept = self._kept.get(consultation_id)
                if kept is not None:
                    self._kept.move_to_end(consultation_id)
                    return kept
        specs = tuple(results.specs_of(_questions(db, consultation_id)))
        if status != Status.DRAFT:
            with self._lock:
                self._kept[consultation_id] = specs
                while len(self._kept) > self.SIZE:
                    self._kept.popitem(last=False)
        return specs

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()


question_specs = _SpecsCache()


def _questions(db: Session, consultation_id: str) -> list[Question]:
    return list(db.execute(
        select(Question).where(Question.consultation_id == consultation_id)
        .options(selectinload(Question.options)).order_by(Question.position)
        .execution_options(populate_existing=True)  # a draft edited in this very transaction
    ).scalars())


@dataclass(frozen=True)
class _Locked:
    consultation: Consultation
    status: Status
    closes_at: datetime


def admissible(db: Session, consultation: Consultation, status: Status, closes_at: datetime, person: Person,
               answers: Any, now: datetime) -> tuple[electorate.ElectorRow, dict[str, Any]]:
    """The checks every ballot passes, in the voter's language: the consultation is open, the person is in
    its electorate (frozen at opening), the answers are valid; returns the elector and the canonical answers."""
    if status != Status.OPEN or now >= closes_at:
        raise not_open_problem(status)
    elector = electorate.elector(db, consultation.id, person.id)
    if elector is None:
        reason, message = electorate.reason_not_eligible(db, consultation, person)
        raise errors.Refused(403, "not_eligible", message, reason=reason)
    return elector, check_against(question_specs.specs(db, consultation.id, status), answers)


def _lock_for_ballot(db: Session, consultation_id: str) -> _Locked | None:
    """The consultation's state re-read under a shared row lock (PostgreSQL; on SQLite the write
    transaction already serialises writers): a close waits for the ballots in flight, and the
    ballots behind it see it closed. The state read here decides, whatever copy the session holds;
    the copy itself (loaded by the handler, with or without its questions) is left as it is."""
    row = db.execute(
        select(Consultation.status, Consultation.closes_at).where(Consultation.id == consultation_id)
        .with_for_update(read=True)
    ).one_or_none()
    if row is None:
        return None
    consultation = db.get(Consultation, consultation_id)  # the handler's copy: no query
    return _Locked(consultation, row.status, row.closes_at) if consultation is not None else None


def cast(db: Session, consultation_id: str, person: Person, answers: Any, *, secret_key: str,
         now: datetime | None = None) -> Cast:
    locked = _lock_for_ballot(db, consultation_id)
    if locked is None:
        raise errors.Refused(404, "not_found", _("This consultation does not exist."))
    consultation = locked.consultation
    now = now or utcnow()  # read once the lock is held: a close in progress has finished by now
    elector, clean = admissible(db, consultation, locked.status, locked.closes_at, person, answers, now)
    key = change_key(secret_key, consultation.id, person.id) if consultation.allow_change else None
    try:
        with db.begin_nested():
            db.add(VoterRecord(consultation_id=consultation.id, person_id=person.id, college=elector.college,
                               region_id=elector.region_id))
            db.flush()
    except IntegrityError:
        return _change(db, consultation, person, clean, key)
    code = new_tracking_code()
    db.add(Ballot(id=secrets.token_hex(16), consultation_id=consultation.id, college=elector.college,
                  answers=clean, tracking_code=code, change_key=key))
    db.flush()
    audit.record(db, "ballot.cast", actor_id=person.id, target_type="consultation", target_id=consultation.id)
    events.participation_changed(db, consultation.id)
    return Cast(code, changed=False)


def _change(db: Session, consultation: Consultation, person: Person, clean: dict[str, Any],
            key: str | None) -> Cast:
    if key is None:
        raise errors.already_voted()
    ballot = db.execute(
        select(Ballot).where(Ballot.consultation_id == consultation.id, Ballot.change_key == key).with_for_update()
    ).scalar_one_or_none()
    if ballot is None:  # the register says voted, the box has no ballot: never written apart
        raise errors.Refused(409, "already_voted", _("Your earlier ballot could not be found; nothing was changed."))
    ballot.answers = clean
    db.flush()
    audit.record(db, "ballot.change", actor_id=person.id, target_type="consultation", target_id=consultation.id)
    return Cast(ballot.tracking_code, changed=True)


def has_voted(db: Session, consultation_id: str, person_id: str) -> bool:
    return db.get(VoterRecord, (consultation_id, person_id)) is not None


def own_ballot(db: Session, consultation: Consultation, person_id: str, secret_key: str) -> Ballot | None:
    """The voter's own ballot, which only a consultation allowing changes can find again."""
    if not consultation.allow_change:
        return None
    key = change_key(secret_key, consultation.id, person_id)
    return db.execute(
        select(Ballot).where(Ballot.consultation_id == consultation.id, Ballot.change_key == key)
    ).scalar_one_or_none()


def participation(db: Session, consultation: Consultation) -> dict[str, Any]:
    voters = events.voters_by_college(db, consultation.id)
    frozen = (consultation.electorate or {}).get("by_college", {})
    return {
        "voters": sum(voters.values()),
        "eligible": (consultation.electorate or {}).get("eligible", 0),
        "by_college": {c: {"voters": voters[c], "eligible": frozen.get(c, 0)} for c in voters},
    }


def tracking_codes(db: Session, consultation_id: str) -> list[tuple[str, dict[str, Any]]]:
    return [tuple(row) for row in db.execute(  # type: ignore[misc]
        select(Ballot.tracking_code, Ballot.answers).where(Ballot.consultation_id == consultation_id)
        .order_by(Ballot.tracking_code)
    )]


def tracking_page(db: Session, consultation_id: str, prefix: str, size: int,
                  page: int) -> tuple[list[tuple[str, dict[str, Any]]], int]:
    """One page of the published list, optionally only the codes starting with `prefix`."""
    where = [Ballot.consultation_id == consultation_id]
    if prefix:
        where.append(Ballot.tracking_code.startswith(prefix, autoescape=True))
    total = db.execute(select(func.count()).select_from(Ballot).where(*where)).scalar_one()
    rows = db.execute(select(Ballot.tracking_code, Ballot.answers).where(*where).order_by(Ballot.tracking_code)
                      .limit(size).offset((page - 1) * size)).all()
    return [(code, answers) for code, answers in rows], total
