"""The consultations' part of the OpenAPI document (schemas beside the routes in `api.py`)."""

from __future__ import annotations

from typing import Any

from agora.api import openapi
from agora.api.openapi import Operation

TAG = "consultations"
TEXTS = {"type": "object", "description": "texts by language", "properties": {
    code: {"type": "string"} for code in ("fr", "nl", "de")}, "additionalProperties": False}
COLLEGE_MAP = {"type": "object", "properties": {c: {"type": "number", "minimum": 0} for c in
                                                ("members", "permanents", "clients", "partners")}}
OPTION = {"oneOf": [{"type": "string", "description": "an option key (no labels)"},
                    {"type": "object", "required": ["key"], "properties": {"key": {"type": "string"}, "label": TEXTS}}]}
QUESTION = {
    "type": "object", "required": ["ref", "type"],
    "properties": {
        "ref": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,32}$"},
        "type": {"enum": ["yes_no", "single_choice", "multiple_choice", "ranking", "budget"]},
        "decision_type": {"enum": ["ordinary", "extraordinary"], "default": "ordinary"},
        "title": {**TEXTS, "description": "may be left out of a draft; needed to open (in fr, nl and de if binding)"},
        "options": {"type": "array", "items": OPTION, "minItems": 2,
                    "description": "not for yes_no (its options are yes, no and abstain); 2 or more otherwise"},
        "max_choices": {"type": "integer", "minimum": 1, "description": "multiple_choice only"},
        "budget_total": {"type": "integer", "minimum": 1, "description": "budget only"},
    },
}
DEFINITION = {
    "type": "object", "required": ["title", "opens_at", "closes_at", "questions"],
    "properties": {
        "title": TEXTS, "description": TEXTS, "binding": {"type": "boolean", "default": False},
        "eligibility": {"type": "object", "properties": {
            "colleges": {"type": ["array", "null"], "items": {"type": "string"}},
            "regions": {"type": ["array", "null"], "items": {"type": "string"}, "description": "region slugs"}}},
        "weighting": {"type": "object", "properties": {
            "mode": {"enum": ["colleges", "one_person_one_vote"]},
            "weights": {**COLLEGE_MAP, "description": "≥ 0, summing to exactly 1; default: the colleges' weights"}}},
        "quorum": {"type": "object", "properties": {
            "mode": {"enum": ["global", "per_college", "weighted"],
                     "description": "weighted needs the colleges weighting"},
            "ordinary": {"type": "number", "minimum": 0, "maximum": 1},
            "extraordinary": {"type": "number", "minimum": 0, "maximum": 1}}},
        "allow_change": {"type": "boolean", "default": False},
        "opens_at": {"type": "string", "format": "date-time", "description": "without an offset: Europe/Brussels"},
        "closes_at": {"type": "string", "format": "date-time", "description": "after opens_at"},
        "questions": {"type": "array", "items": QUESTION, "minItems": 1},
    },
}
CONSULTATION = {
    "type": "object", "required": ["id", "status", "electorate", "questions"],
    "properties": {
        "id": {"type": "string"}, "status": {"enum": ["draft", "open", "closed"]}, "url": {"type": "string"},
        "electorate": {"type": ["object", "null"], "description": "frozen at opening: eligible, by_college, by_region"},
        "approved": {"type": "boolean"},
        "missing_for_opening": {"type": "array", "items": {"type": "string"}, "description": "administrators only"},
        **{key: DEFINITION["properties"][key] for key in ("title", "binding", "eligibility", "weighting", "quorum",
                                                          "allow_change", "opens_at", "closes_at")},
        "questions": {"type": "array", "items": QUESTION},
    },
}
QUESTION_RESULT = {
    "type": "object", "required": ["type", "decision_type", "counts", "by_college", "quorum", "outcome", "explanation"],
    "properties": {
        "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
        "by_college": {"type": "object"},
        "weighted_shares": {"type": "object"}, "weighted_points": {"type": "object"},
        "weighted_allocation": {"type": "object"},
        "winner": {"type": ["string", "null"]}, "order": {"type": "array", "items": {"type": "string"}},
        "quorum": {"type": "object", "required": ["mode", "required", "achieved", "reached"]},
        "outcome": {"enum": ["adopted", "rejected", "chosen", "tie", "ranked", "allocated", "no_quorum"]},
        "explanation": {"type": "string", "description": "in the caller's language"},
    },
}
RESULTS = {
    "type": "object", "required": ["consultation", "voters", "eligible", "questions", "sha256"],
    "description": "sha256: SHA-256 of this object without `sha256` and without each question's `explanation`, "
                   "serialised with sorted keys, separators `,` and `:`, UTF-8 with non-ASCII kept as is. "
                   "`binding` is present (false) only for an advisory consultation.",
    "properties": {
        "consultation": {"type": "string"}, "voters": {"type": "integer"}, "eligible": {"type": "integer"},
        "binding": {"const": False},
        "questions": {"type": "object", "additionalProperties": QUESTION_RESULT}, "sha256": {"type": "string"},
    },
}
PARTICIPATION = {"type": "object", "required": ["voters", "eligible", "by_college"], "properties": {
    "voters": {"type": "integer"}, "eligible": {"type": "integer"}, "by_college": {"type": "object"}}}
BALLOT = {"type": "object", "required": ["answers"], "properties": {"answers": {
    "type": "object", "description": "one answer per question: an option key or \"abstain\" (yes_no, single_choice); "
                                     "a list of keys (multiple_choice, ranking, best first); {key: whole amount} "
                                     "summing to budget_total (budget); \"abstain\" for any type"}}}
TRACKING = {"type": "object", "properties": {"consultation": {"type": "string"}, "tracking_codes": {
    "type": "array", "items": {"type": "object", "properties": {"tracking_code": {"type": "string"},
                                                               "answers": {"type": "object"}}}}}}


def _op(method: str, path: str, summary: str, request: dict[str, Any] | None = None,
        responses: dict[int, dict[str, Any]] | None = None) -> Operation:
    return Operation(method, path, summary, TAG, request=request, responses=responses or {200: CONSULTATION})


def declare_all() -> None:
    base = "/consultations/{consultation_id}"
    for operation in (
        _op("GET", "/consultations", "Consultations the caller may read (drafts for administrators)",
            responses={200: {"type": "object", "properties": {"consultations": {"type": "array"}}}}),
        _op("POST", "/consultations", "Create a draft (administrators); 422 names the problem",
            DEFINITION, {201: CONSULTATION}),
        _op("GET", base, "A consultation, its status and frozen electorate"),
        _op("PUT", base, "Replace a draft's definition (administrators); its approval lapses; 409 once open",
            DEFINITION),
        _op("POST", f"{base}/approve", "Approve the texts (an administrator other than the creator)"),
        _op("POST", f"{base}/open", "Open now (administrators); 409 naming what a binding consultation lacks"),
        _op("POST", f"{base}/close", "Close now and count (administrators)"),
        _op("POST", f"{base}/second-call", "A new draft with the questions that lacked quorum (administrators)",
            responses={201: CONSULTATION}),
        _op("POST", f"{base}/ballot", "Cast or (when allowed) replace one's ballot; 409 not open or already "
            "voted, 403 not eligible, 422 naming the question",
            BALLOT, {200: {"type": "object", "required": ["tracking_code"],
                           "properties": {"tracking_code": {"type": "string"}}}}),
        _op("GET", f"{base}/participation", "Live participation, in total and per college",
            responses={200: PARTICIPATION}),
        _op("GET", f"{base}/results", "Results after the close; 409 before, for everyone", responses={200: RESULTS}),
        _op("GET", f"{base}/results.csv", "Results as CSV (one row per question and option); 409 before the close",
            responses={200: {"type": "string", "description": "text/csv"}}),
        _op("GET", f"{base}/tracking-codes", "Every tracking code with its answers, sorted by code; 409 before "
            "the close", responses={200: TRACKING}),
    ):
        openapi.declare(operation)
