"""The JSON shape of a consultation in the API (what `GET /api/v1/consultations/{id}` returns)."""

from __future__ import annotations

from typing import Any

from agora.consultations import rules
from agora.consultations.models import Consultation, Question
from agora.consultations.results import exact


def _number(text: str) -> float:
    return float(exact(text))


def question_json(question: Question) -> dict[str, Any]:
    data: dict[str, Any] = {
        "ref": question.ref,
        "type": question.type,
        "decision_type": question.decision_type,
        "title": question.titles,
    }
    if question.type == "yes_no":
        data["options"] = [{"key": "yes"}, {"key": "no"}]
    else:
        data["options"] = [{"key": o.key, "label": o.labels} for o in question.options]
    if question.type == "multiple_choice":
        data["max_choices"] = question.max_choices
    if question.type == "budget":
        data["budget_total"] = question.budget_total
    return data


def consultation_json(consultation: Consultation, *, manager: bool) -> dict[str, Any]:
    c = consultation
    data: dict[str, Any] = {
        "id": c.id,
        "status": c.status.value,
        "url": f"/consultations/{c.id}",
        "title": c.titles,
        "description": c.descriptions,
        "binding": c.binding,
        "eligibility": {"colleges": c.eligible_colleges, "regions": c.eligible_regions},
        "weighting": {"mode": c.weighting_mode, "weights": {k: _number(v) for k, v in c.weights.items()}},
        "quorum": {"mode": c.quorum_mode, **{k: _number(v) for k, v in c.quorum.items()}},
        "majority": {k: _number(v) for k, v in c.majority.items()},
        "allow_change": c.allow_change,
        "opens_at": c.opens_at.isoformat(),
        "closes_at": c.closes_at.isoformat(),
        "opened_at": c.opened_at.isoformat() if c.opened_at else None,
        "closed_at": c.closed_at.isoformat() if c.closed_at else None,
        "approved": c.approved_by is not None,
        "electorate": c.electorate,
        "second_call_of": c.second_call_of,
        "questions": [question_json(q) for q in c.questions],
        "results_sha256": c.results_sha256 if rules.results_published(c) else None,
    }
    if manager:
        data["created_by"] = c.created_by
        data["approved_by"] = c.approved_by
        data["missing_for_opening"] = [m.code for m in rules.missing_for_opening(c)] if rules.editable(c) else []
    return data
