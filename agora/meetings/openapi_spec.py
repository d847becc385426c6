"""The meetings' part of the OpenAPI document (schemas beside the routes in `api.py`)."""

from __future__ import annotations

from typing import Any

from agora.api import openapi
from agora.api.openapi import Operation
from agora.consultations.openapi_spec import TEXTS

TAG = "meetings"
COUNTS = {"type": "object", "properties": {k: {"type": "integer", "minimum": 0} for k in ("for", "against", "abstain")}}
ITEM_IN = {"type": "object", "required": ["title"], "properties": {
    "ref": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,32}$", "description": "default r1, r2…"},
    "decision_type": {"enum": ["ordinary", "extraordinary", "information"], "default": "ordinary"},
    "title": TEXTS, "text": TEXTS}}
ASSEMBLY_IN = {"type": "object", "required": ["title", "starts_at", "items"], "properties": {
    "title": TEXTS, "convocation": TEXTS, "places": {"type": "string"},
    "starts_at": {"type": "string", "format": "date-time", "description": "without an offset: Europe/Brussels"},
    "items": {"type": "array", "items": ITEM_IN, "minItems": 1, "maxItems": 40}}}
ASSEMBLY = {"type": "object", "required": ["id", "title", "starts_at"], "properties": {
    "id": {"type": "string"}, "title": TEXTS, "starts_at": {"type": "string"}, "places": {"type": "string"},
    "convocation": TEXTS, "url": {"type": "string"}, "items": {"type": "array", "items": ITEM_IN},
    "documents": {"type": "array", "items": {"type": "object"}}}}
MEETING_IN = {"type": "object", "required": ["kind", "region", "title", "starts_at", "ends_at"], "properties": {
    "kind": {"enum": ["pre_assembly", "quarterly", "college"]},
    "region": {"type": "string", "description": "a region slug; relays: their own region only (else 403)"},
    "assembly": {"type": "string", "description": "pre_assembly: the assembly whose agenda items are copied"},
    "college": {"enum": ["members", "permanents", "clients", "partners"], "description": "college gatherings"},
    "title": {"type": "string"}, "description": {"type": "string"},
    "starts_at": {"type": "string", "format": "date-time"},
    "ends_at": {"type": "string", "format": "date-time", "description": "after starts_at (else 422)"},
    "address": {"type": "string"}, "online_url": {"type": "string", "description": "address, link or both"},
    "languages": {"type": "array", "items": {"enum": ["fr", "nl", "de"]}},
    "capacity": {"type": ["integer", "null"], "minimum": 1}, "waiting_list": {"type": "boolean", "default": True},
    "quorum": {"type": ["integer", "null"], "minimum": 1},
    "publish_at": {"type": "string", "format": "date-time", "description": "scheduled publication; default now"},
    "local_topics": {"type": "array", "items": {"type": "string"}}}}
POSITION = {"type": "object", "properties": {"mode": {"enum": ["phones", "counts"]}, "counts": COUNTS,
                                             "by_college": {"type": "object", "additionalProperties": COUNTS},
                                             "total": {"type": "integer"}}}
MEETING = {"type": "object", "required": ["id", "kind", "status", "region", "starts_at", "ends_at"], "properties": {
    **{k: v for k, v in MEETING_IN["properties"].items() if k not in ("local_topics",)},
    "id": {"type": "string"}, "status": {"enum": ["planned", "running", "submitted"]},
    "registered": {"type": "integer"}, "my_registration": {"enum": ["registered", "waiting", None]},
    "items": {"type": "array"}, "current_item": {"type": ["string", "null"]}, "attendance": {"type": "integer"},
    "positions": {"type": "object", "additionalProperties": POSITION}, "addenda": {"type": "array"},
    "proposals": {"type": "array"}, "url": {"type": "string"}, "ics": {"type": "string"}}}
SYNTHESIS = {"type": "object", "required": ["assembly", "items", "reported", "not_reported"], "properties": {
    "assembly": {"type": "string"}, "attendance": {"type": "object"},
    "items": {"type": "array", "items": {"type": "object", "properties": {
        "ref": {"type": "string"}, "total": COUNTS, "by_region": {"type": "object", "additionalProperties": COUNTS},
        "by_college": {"type": "object", "additionalProperties": COUNTS},
        "local_meetings": {"type": "array"}, "questions": {"type": "array"}, "amendments": {"type": "array"}}}},
    "reported": {"type": "array"}, "not_reported": {"type": "array"}},
    "description": "advisory local positions only; never added into a consultation's binding results"}
OBJECT = {"type": "object"}


def _op(method: str, path: str, summary: str, request: dict[str, Any] | None = None,
        responses: dict[int, dict[str, Any]] | None = None) -> Operation:
    return Operation(method, path, summary, TAG, request=request, responses=responses or {200: MEETING})


def declare_all() -> None:
    a, m = "/assemblies/{assembly_id}", "/meetings/{meeting_id}"
    for operation in (
        _op("GET", "/assemblies", "General Assemblies", responses={200: OBJECT}),
        _op("POST", "/assemblies", "Prepare a General Assembly with its agenda (administrators)", ASSEMBLY_IN,
            {201: ASSEMBLY}),
        _op("GET", a, "An assembly, its agenda items and documents", responses={200: ASSEMBLY}),
        _op("GET", f"{a}/synthesis", "Every submitted local meeting's positions per agenda item, by region and "
            "college, with the meetings not yet reported (administrators, relays, the board)",
            responses={200: SYNTHESIS}),
        _op("GET", "/meetings", "Upcoming published meetings; ?region=slug&kind=", responses={200: OBJECT}),
        _op("POST", "/meetings", "Create a meeting (relays for their region, administrators for any); 403 outside "
            "one's region, 422 naming the field", MEETING_IN, {201: MEETING}),
        _op("GET", m, "A meeting with its agenda, current item, attendance and positions"),
        _op("POST", f"{m}/registration", "Register; 'waiting' when full with a waiting list; 409 when full "
            "without one", responses={200: {"type": "object", "properties": {
                "status": {"enum": ["registered", "waiting"]}, "registered": {"type": "integer"}}}}),
        _op("DELETE", f"{m}/registration", "Cancel one's registration; the first on the waiting list moves up",
            responses={200: OBJECT}),
        _op("GET", f"{m}/registrations", "Registrations and waiting list (the meeting's relays)",
            responses={200: OBJECT}),
        _op("POST", f"{m}/checkins", "Check in a person ({person}) or a walk-in ({name, college}); 409 after "
            "the report was submitted", {"type": "object", "properties": {
                "person": {"type": "string"}, "name": {"type": "string"}, "college": {"type": "string"}}},
            {201: OBJECT}),
        _op("POST", f"{m}/current", "Move the room to an agenda item ({item: ref}, or null)",
            {"type": "object", "properties": {"item": {"type": ["string", "null"]}}}),
        _op("GET", f"{m}/positions", "Live positions per item", responses={200: OBJECT}),
        _op("POST", f"{m}/items/{{ref}}/vote", "An attendee's indicative vote (checked-in, current item)",
            {"type": "object", "required": ["choice"], "properties": {"choice": {"enum": ["for", "against",
                                                                                        "abstain"]}}},
            {200: POSITION}),
        _op("PUT", f"{m}/items/{{ref}}/counts", "The room's counts per college (relays); 422 when they exceed the "
            "attendance", {"type": "object", "required": ["by_college"], "properties": {
                "by_college": {"type": "object", "additionalProperties": COUNTS}}}, {200: POSITION}),
        _op("POST", f"{m}/notes", "Record a question raised or an amendment suggested",
            {"type": "object", "required": ["kind", "text"], "properties": {
                "kind": {"enum": ["question", "amendment"]}, "text": {"type": "string"},
                "item": {"type": "string"}, "language": {"enum": ["fr", "nl", "de"]}}}, {201: OBJECT}),
        _op("POST", f"{m}/proposals", "Record a new proposal: it becomes a real proposal linked to the meeting",
            {"type": "object", "required": ["title", "body"], "properties": {
                "title": {"type": "string"}, "body": {"type": "string"}, "language": {"enum": ["fr", "nl", "de"]}}},
            {201: OBJECT}),
        _op("PUT", f"{m}/minutes", "Save the minutes (Markdown, sanitised)",
            {"type": "object", "properties": {"minutes": {"type": "string"}}}),
        _op("POST", f"{m}/submit", "Submit the meeting report: it is locked afterwards"),
        _op("POST", f"{m}/addenda", "A dated addendum to a submitted report",
            {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}}, {201: OBJECT}),
    ):
        openapi.declare(operation)
