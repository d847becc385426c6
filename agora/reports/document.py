"""The report document: what the builder computed, the author's texts, and the envelope the reports
package owns (schema, id, kind, status, version, dates, board response, integrity), validated against
the project's copy of report-schema.json before it is served.

Until submission the document is assembled from the report's row each time; from submission on, its
hashed part is the frozen copy, so that the figures and the hash can never move.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from agora.reports.canonical import hashed_part, sha256_of
from agora.reports.models import Report, ReportStatus

SCHEMA = "agora.report/1"
SCHEMA_PATH = Path(__file__).with_name("report-schema.json")
# What the reports package owns: a builder's content never sets these.
ENVELOPE = ("schema", "id", "kind", "status", "version", "created_at", "submitted_at", "submitted_by",
            "board_response", "integrity", "language", "summary", "recommendations")
BOARD_STATUS = {ReportStatus.SUBMITTED: "pending", ReportStatus.ACKNOWLEDGED: "acknowledged",
                ReportStatus.ANSWERED: "answered"}


class InvalidDocument(Exception):
    """A report that does not follow report-schema.json: a defect, never shown to the board."""


def timestamp(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat(timespec="seconds") if value else None


@cache
def _validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


def validate(document: dict[str, Any]) -> None:
    errors = sorted(_validator().iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path)
        raise InvalidDocument(f"{len(errors)} schema error(s); first at /{where}: {first.message}")


def hashed_document(report: Report, submitter: dict[str, str] | None = None) -> dict[str, Any]:
    """The part the hash covers, as it is now (drafts) or as it will be frozen (submission)."""
    content = {key: value for key, value in report.content.items() if key not in ENVELOPE}
    return {
        "schema": SCHEMA,
        "id": report.id,
        "kind": report.kind,
        "language": report.language,
        "version": report.version,
        "created_at": timestamp(report.created_at),
        "submitted_at": timestamp(report.submitted_at),
        "submitted_by": submitter,
        **content,
        "summary": dict(report.summary or {}),
        "recommendations": [dict(r) for r in report.recommendations or []],
    }


def board_response(report: Report) -> dict[str, Any] | None:
    if report.status == ReportStatus.DRAFT:
        return None
    response: dict[str, Any] = {
        "status": BOARD_STATUS[report.status],
        "decision": report.decision.value if report.decision else None,
        "answered_at": timestamp(report.answered_at),
        "acknowledged_at": timestamp(report.acknowledged_at),
    }
    if report.answer:
        response["text"] = dict(report.answer)
    return response


def document(report: Report) -> dict[str, Any]:
    """The whole report, valid against report-schema.json (checked: `InvalidDocument` otherwise)."""
    hashed = dict(report.frozen) if report.frozen is not None else hashed_document(report)
    data = {
        **hashed,
        "status": report.status.value,
        "board_response": board_response(report),
        "integrity": {"sha256": report.sha256 or sha256_of(hashed),
                      "previous_version_sha256": report.previous_sha256},
    }
    validate(data)
    return data


def freeze(report: Report, submitter: dict[str, str]) -> None:
    hashed = hashed_part(hashed_document(report, submitter))
    validate({**hashed, "status": ReportStatus.SUBMITTED.value, "integrity": {"sha256": "0" * 64}})
    report.frozen = json.loads(json.dumps(hashed))
    report.sha256 = sha256_of(report.frozen)


NO_REGION = "none"


def regions_of(document: dict[str, Any]) -> set[str]:
    """The regions a report concerns: those with eligible people or voters, its meetings' and its
    sources' regions (a source may name its `region`)."""
    found: set[str] = set()
    for part in ("electorate", "participation"):
        found |= {r for r, n in (document.get(part) or {}).get("by_region", {}).items() if n}
    for item in document.get("items", []):
        found |= {m["region"] for m in item.get("local_meetings", []) if m.get("region")}
    found |= {s["region"] for s in document.get("sources", []) if isinstance(s.get("region"), str)}
    return found - {NO_REGION, ""}
