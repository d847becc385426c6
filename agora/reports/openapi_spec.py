"""The reports' part of the OpenAPI document (schemas beside the routes in `api.py`)."""

from __future__ import annotations

import json
from typing import Any

from agora.api import openapi
from agora.api.openapi import Operation
from agora.reports.document import SCHEMA_PATH

TAG = "reports"
TEXTS = {"type": "object", "description": "text by language", "minProperties": 1,
         "properties": {code: {"type": "string"} for code in ("fr", "nl", "de")}, "additionalProperties": False}
KINDS = ["consultation", "pre_assembly_synthesis", "meeting", "proposal", "ethics_opinion"]
CREATE = {"type": "object", "required": ["kind", "source"], "properties": {
    "kind": {"enum": KINDS}, "source": {"type": "string", "description": "the source's id; an assembly's id "
                                                                          "for pre_assembly_synthesis"},
    "language": {"enum": ["fr", "nl", "de"], "description": "the report's language; default: the author's"},
    "summary": TEXTS, "recommendations": {"type": "array", "items": TEXTS}}}
EDIT = {"type": "object", "properties": {"summary": TEXTS, "recommendations": {"type": "array", "items": TEXTS}}}
ANSWER = {"type": "object", "required": ["decision", "text"], "properties": {
    "decision": {"enum": ["accepted", "rejected", "partly_accepted", "postponed"]}, "text": TEXTS}}
CREATED = {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}, "status": {"type": "string"},
                                                               "url": {"type": "string"}}}
SUMMARY = {"type": "object", "properties": {k: {} for k in ("id", "kind", "status", "version", "title", "sha256", "url",
                                                            "submitted_at", "answered_at", "decision")}}


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """The schema with its `#/$defs/...` references replaced by their content (none is recursive): inside
    the OpenAPI document, such a reference would point at the document's root."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {key: _inline(value, defs) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline(value, defs) for value in node]
    return node


def _report_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    defs = schema.pop("$defs", {})
    schema.pop("$schema", None)
    schema.pop("$id", None)
    inlined: dict[str, Any] = _inline(schema, defs)
    return inlined


def declare_all() -> None:
    report = _report_schema()
    base = "/reports/{report_id}"
    for op in [
        Operation("GET", "/reports", "Answered reports, newest answer first; filters kind, region (slug), "
                  "from and to (dates of the answer, YYYY-MM-DD)", TAG,
                  responses={200: {"type": "object", "properties": {"reports": {"type": "array", "items": SUMMARY}}}}),
        Operation("POST", "/reports", "Build a draft report from a source (admins; relays for their region's "
                  "meetings). An open consultation → 409; an unknown source → 404", TAG, request=CREATE,
                  responses={201: CREATED}),
        Operation("GET", base, "The report as JSON valid against report-schema.json; integrity.sha256 is the "
                  "SHA-256 of its canonical JSON (without integrity, status and board_response; sorted keys, "
                  "separators , and :, UTF-8)", TAG, responses={200: report}),
        Operation("GET", f"{base}.pdf", "The same report as PDF (application/pdf), the hash on every page", TAG),
        Operation("GET", f"{base}.csv", "The same report as CSV: one row per item × option × college "
                  "(text/csv)", TAG),
        Operation("PATCH", base, "Edit a draft's summary and recommendations (1 to 3 languages); "
                  "a submitted report → 409", TAG, request=EDIT, responses={200: report}),
        Operation("POST", f"{base}/refresh", "Build a draft's figures again from its source; "
                  "a deleted source → 409", TAG, responses={200: report}),
        Operation("POST", f"{base}/submit", "Freeze the report and record its hash; later changes → 409", TAG,
                  responses={200: report}),
        Operation("POST", f"{base}/acknowledge", "The board acknowledges a submitted report (board members)", TAG,
                  responses={200: report}),
        Operation("POST", f"{base}/answer", "The board answers (board members): decision and justification; "
                  "a decision outside the list → 422. Participants in the source are notified", TAG,
                  request=ANSWER, responses={200: report}),
        Operation("POST", f"{base}/correct", "A correction: a new draft version whose "
                  "integrity.previous_version_sha256 is this version's hash", TAG, responses={201: CREATED}),
    ]:
        openapi.declare(op)
