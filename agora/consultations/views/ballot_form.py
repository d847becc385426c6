"""The ballot as an HTML form that works without JavaScript, read back into the API's answers.

Fields, per question `ref`: `answer-ref` (a radio for yes/no and single choice, checkboxes for a
multiple choice), `rank-ref-key` (a select per option for a ranking), `amount-ref-key` (a number
per option for a budget), and `abstain-ref` (a checkbox for the types whose answer is not one radio).
The shape problems a form can have are reported here; whether the answers fit the questions is then
checked by `voting.check_answers`, like any API ballot.
"""

from __future__ import annotations

from typing import Any

from agora.consultations.models import Consultation, Question
from agora.consultations.tally import ABSTAIN
from agora.i18n import gettext as _
from agora.web.endpoint import Ctx


def _ranking(ctx: Ctx, question: Question) -> tuple[Any, str | None]:
    ranks: dict[int, str] = {}
    for option in question.options:
        text = ctx.field(f"rank-{question.ref}-{option.key}")
        if not text:
            continue
        if not text.isdigit() or not 1 <= int(text) <= len(question.options):
            return None, _("Choose ranks between 1 and %(count)s.") % {"count": len(question.options)}
        if int(text) in ranks:
            return None, _("Two options have the same rank: give each rank once.")
        ranks[int(text)] = option.key
    if not ranks:
        return None, None
    if sorted(ranks) != list(range(1, len(ranks) + 1)):
        return None, _("Use the ranks 1, 2, 3… without leaving one out.")
    return [ranks[rank] for rank in sorted(ranks)], None


def _budget(ctx: Ctx, question: Question) -> tuple[Any, str | None]:
    amounts: dict[str, int] = {}
    for option in question.options:
        text = ctx.field(f"amount-{question.ref}-{option.key}")
        if not text:
            continue
        if not text.isdigit():
            return None, _("Give whole amounts, 0 or more.")
        amounts[option.key] = int(text)
    return (amounts or None), None


def _answer(ctx: Ctx, question: Question) -> tuple[Any, str | None]:
    ref = question.ref
    if question.type in ("yes_no", "single_choice"):
        return ctx.field(f"answer-{ref}") or None, None
    abstain = ctx.field(f"abstain-{ref}") == "1"
    if question.type == "multiple_choice":
        answer, error = (ctx.fields(f"answer-{ref}") or None), None
    elif question.type == "ranking":
        answer, error = _ranking(ctx, question)
    else:
        answer, error = _budget(ctx, question)
    if error:
        return None, error
    if abstain and answer:
        return None, _("Either abstain or answer, not both.")
    return (ABSTAIN if abstain else answer), None


def read(ctx: Ctx, consultation: Consultation) -> tuple[dict[str, Any], dict[str, str]]:
    """(answers, errors by question ref); an unanswered question is left out (and reported later)."""
    answers: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for question in consultation.questions:
        answer, error = _answer(ctx, question)
        if error:
            problems[question.ref] = error
        elif answer is not None:
            answers[question.ref] = answer
    return answers, problems


def values(answers: dict[str, Any] | None) -> dict[str, Any]:
    """What the form shows as already chosen, by field, from a set of answers (to re-fill it)."""
    shown: dict[str, Any] = {}
    for ref, answer in (answers or {}).items():
        if answer == ABSTAIN:
            shown[f"abstain-{ref}"] = True
            shown[f"answer-{ref}"] = ABSTAIN
        elif isinstance(answer, str):
            shown[f"answer-{ref}"] = answer
        elif isinstance(answer, list):
            shown[f"answer-{ref}"] = list(answer)
            for rank, key in enumerate(answer, start=1):
                shown[f"rank-{ref}-{key}"] = str(rank)
        elif isinstance(answer, dict):
            for key, amount in answer.items():
                shown[f"amount-{ref}-{key}"] = str(amount)
    return shown


def submitted_values(ctx: Ctx, consultation: Consultation) -> dict[str, Any]:
    """The form's fields as sent, to show them again next to an error."""
    shown: dict[str, Any] = {}
    for q in consultation.questions:
        shown[f"answer-{q.ref}"] = ctx.fields(f"answer-{q.ref}") if q.type == "multiple_choice" \
            else ctx.field(f"answer-{q.ref}")
        shown[f"abstain-{q.ref}"] = ctx.field(f"abstain-{q.ref}") == "1"
        for option in q.options:
            shown[f"rank-{q.ref}-{option.key}"] = ctx.field(f"rank-{q.ref}-{option.key}")
            shown[f"amount-{q.ref}-{option.key}"] = ctx.field(f"amount-{q.ref}-{option.key}")
    return shown
