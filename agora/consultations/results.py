"""Results: counted from the raw ballots at the close, frozen with the SHA-256 of their canonical JSON.

The canonical results are exactly the API's `/results` answer without `sha256` and without the
per-question `explanation` (which depends on the reader's language): serialised with sorted keys,
`,` and `:` as separators, UTF-8 with non-ASCII kept as is. Anyone holding the JSON can recompute the
hash; `agora consultation tally ID` recomputes it from the ballot box.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from agora.consultations import explain as prose
from agora.consultations.models import Ballot, Consultation, Question
from agora.consultations.tally import YES_NO_OPTIONS, Accumulator, QuestionSpec, Rules, tally
from agora.i18n import current_language, gettext
from agora.i18n.formatting import format_number, format_percent

BATCH = 2000


def exact(text: str) -> Fraction:
    return Fraction(Decimal(text))


def specs(consultation: Consultation) -> list[QuestionSpec]:
    return specs_of(consultation.questions)


def specs_of(questions: Iterable[Question]) -> list[QuestionSpec]:
    return [
        QuestionSpec(
            ref=q.ref, type=q.type, decision_type=q.decision_type,  # type: ignore[arg-type]
            options=YES_NO_OPTIONS if q.type == "yes_no" else tuple(o.key for o in q.options),
            max_choices=q.max_choices, budget_total=q.budget_total,
        )
        for q in questions
    ]


def rules(consultation: Consultation) -> Rules:
    return Rules(
        weighting_mode=consultation.weighting_mode,  # type: ignore[arg-type]
        weights={college: exact(w) for college, w in consultation.weights.items()},
        quorum_mode=consultation.quorum_mode,  # type: ignore[arg-type]
        quorum={kind: exact(q) for kind, q in consultation.quorum.items()},
        majority={kind: exact(m) for kind, m in consultation.majority.items()},
        binding=consultation.binding,
    )


def count(db: Session, consultation: Consultation) -> tuple[dict[str, Any], dict[str, Any]]:
    """(canonical results, arithmetic by question) from the ballot box, as of now."""
    questions = specs(consultation)
    acc = Accumulator(questions)
    rows = db.execute(
        select(Ballot.college, Ballot.answers).where(Ballot.consultation_id == consultation.id)
        .execution_options(yield_per=BATCH)
    )
    for college, answers in rows:
        acc.add(college, answers)
    electorate = consultation.electorate or {"eligible": 0, "by_college": {}}
    counted = tally(questions, rules(consultation), electorate["by_college"], acc)
    arithmetic = {ref: result.pop("arithmetic") for ref, result in counted.items()}
    public: dict[str, Any] = {
        "consultation": consultation.id,
        "voters": sum(acc.voters.values()),
        "eligible": electorate["eligible"],
        "questions": counted,
    }
    if not consultation.binding:
        public["binding"] = False
    # Plain JSON, as the database will give it back (the hash is of what is stored); the natural
    # order of colleges and options is kept for display, the hash sorts the keys anyway.
    return json.loads(json.dumps(public)), json.loads(json.dumps(arithmetic))


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def digest(public: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(public)).hexdigest()


def freeze(db: Session, consultation: Consultation) -> None:
    public, arithmetic = count(db, consultation)
    consultation.results = public
    consultation.arithmetic = arithmetic
    consultation.results_sha256 = digest(public)


def explanation(result: dict[str, Any], arithmetic: dict[str, Any], labels: dict[str, str] | None = None) -> str:
    """In the current language, options named by their labels in that language."""
    return prose.explain({**result, "arithmetic": arithmetic}, gettext, format_percent, format_number, labels)


def published(consultation: Consultation) -> dict[str, Any]:
    """The `/results` answer: the frozen results, an explanation per question and the hash."""
    assert consultation.results is not None and consultation.arithmetic is not None
    public = copy.deepcopy(consultation.results)
    language = current_language()
    labels = {q.ref: {o.key: o.label(language) for o in q.options} for q in consultation.questions}
    for ref, result in public["questions"].items():
        result["explanation"] = explanation(result, consultation.arithmetic[ref], labels.get(ref))
    public["sha256"] = consultation.results_sha256
    return public
