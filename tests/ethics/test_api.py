"""The OpenAPI document covers every ethics route and every workflow step."""

from __future__ import annotations

from typing import Any

from agora.ethics_committee.actions import ACTIONS
from agora.ethics_committee.api import routes


def test_openapi_documents_every_ethics_operation(client: Any) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for route in routes:
        templates = [route.path.replace("{action}", action) for action in ACTIONS] if "{action}" in route.path \
            else [route.path]
        for path in templates:
            for method in route.methods - {"HEAD"}:
                assert method.lower() in paths[path], (method, path)
    assert set(paths["/ethics/referrals"]["post"]["responses"]["201"]["content"]["application/json"]["schema"][
        "required"]) == {"id", "url"}
    assert paths["/ethics/referrals/{referral_id}/vote"]["post"]["requestBody"]["content"]["application/json"][
        "schema"]["properties"]["choice"]["enum"] == ["for", "against", "abstain"]
