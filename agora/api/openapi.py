"""The OpenAPI document, assembled from what each API module declares beside its routes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message"],
                             "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}},
}


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    tag: str
    request: dict[str, Any] | None = None
    responses: dict[int, dict[str, Any]] = field(default_factory=dict)
    auth: bool = True


_OPERATIONS: list[Operation] = []


def declare(operation: Operation) -> None:
    _OPERATIONS.append(operation)


def document(base_url: str) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for op in _OPERATIONS:
        responses: dict[str, Any] = {}
        for status, schema in (op.responses or {200: {"type": "object"}}).items():
            responses[str(status)] = {"description": str(status),
                                      "content": {"application/json": {"schema": schema}}}
        for status in (400, 401, 403, 404, 409, 422):
            responses.setdefault(str(status), {"description": "error",
                                               "content": {"application/json": {"schema": ERROR_SCHEMA}}})
        operation_id = op.path.strip("/").replace("/", "_").replace("{", "").replace("}", "")
        entry: dict[str, Any] = {"summary": op.summary, "tags": [op.tag], "responses": responses,
                                 "operationId": f"{op.method.lower()}_{operation_id}"}
        if op.request is not None:
            entry["requestBody"] = {"required": True, "content": {"application/json": {"schema": op.request}}}
        if not op.auth:
            entry["security"] = []
        paths.setdefault(op.path, {})[op.method.lower()] = entry
    return {
        "openapi": "3.1.0",
        "info": {"title": "agora API", "version": "1",
                 "description": "Errors are JSON {error: {code, message}}; messages follow Accept-Language "
                                "(fr, nl, de), else the token holder's language."},
        "servers": [{"url": f"{base_url}/api/v1"}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": dict(sorted(paths.items())),
    }
