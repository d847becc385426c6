"""Schemathesis against `/api/v1/openapi.json`: generated requests for every declared operation, with an
admin's token (so that the deepest code is reached); no 5xx, and every answer fits its declared schema
(status, content type, body). AGORA_FUZZ_EXAMPLES sets the examples per operation (`make soak`: many)."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.consultations.support import caller

EXAMPLES = int(os.environ.get("AGORA_FUZZ_EXAMPLES", "5"))


@pytest.fixture
def admin_token(database):
    return caller(database, roles=["admin"]).token


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _fuzz(operation, token: str, ran: list[int]) -> None:
    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case) -> None:
        ran.append(case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS).status_code)

    run()


def test_api_answers_within_its_schema(app, admin_token):
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20, "the OpenAPI document lost its operations"
    failures: list[str] = []
    ran: list[int] = []
    for operation in operations:
        try:
            _fuzz(operation, admin_token, ran)
        except Exception as error:  # every operation is fuzzed; all failures are reported together
            failures.append(f"{operation.method.upper()} {operation.path}: {str(error)[:1500]}")
    assert not failures, "\n\n".join(failures)
    assert len(ran) >= len(operations) * min(EXAMPLES, 2)
    print(f"fuzz cases run: {len(ran)} over {len(operations)} operations")
