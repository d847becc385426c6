"""Helpers for the consultation tests: people with API tokens, a complete consultation definition,
and short paths through the API (create, approve, open, vote, close)."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from agora.accounts import services as accounts
from agora.db import utcnow
from tests.factories import HOSTILE, person

T3 = {"fr": "Affectation du résultat", "nl": "Bestemming van het resultaat", "de": "Verwendung des Ergebnisses"}


def texts(name: str) -> dict[str, str]:
    return {"fr": f"{name} (fr) {HOSTILE}", "nl": f"{name} (nl)", "de": f"{name} (de)"}


def option(key: str) -> dict[str, Any]:
    return {"key": key, "label": texts(f"option {key}")}


QUESTIONS = [
    {"ref": "q1", "type": "yes_no", "decision_type": "ordinary", "title": texts("q1")},
    {
        "ref": "q2",
        "type": "single_choice",
        "decision_type": "ordinary",
        "title": texts("q2"),
        "options": [option("a"), option("b")],
    },
    {
        "ref": "q3",
        "type": "multiple_choice",
        "max_choices": 2,
        "title": texts("q3"),
        "options": [option("a"), option("b"), option("c")],
    },
    {"ref": "q4", "type": "ranking", "title": texts("q4"), "options": [option("a"), option("b"), option("c")]},
    {"ref": "q5", "type": "budget", "budget_total": 100, "title": texts("q5"), "options": [option("a"), option("b")]},
]
ANSWERS = {"q1": "yes", "q2": "b", "q3": ["a", "c"], "q4": ["c", "a", "b"], "q5": {"a": 60, "b": 40}}


def definition(**overrides: Any) -> dict[str, Any]:
    now = utcnow()
    data: dict[str, Any] = {
        "title": dict(T3),
        "description": {"fr": "Description <b>en</b> français"},
        "binding": True,
        "eligibility": {"colleges": ["members", "permanents", "clients", "partners"], "regions": None},
        "weighting": {
            "mode": "colleges",
            "weights": {"members": 0.55, "permanents": 0.25, "clients": 0.10, "partners": 0.10},
        },
        "quorum": {"mode": "global", "ordinary": 0.15, "extraordinary": 0.20},
        "allow_change": True,
        "opens_at": (now + timedelta(hours=1)).isoformat(),
        "closes_at": (now + timedelta(days=7)).isoformat(),
        "questions": copy.deepcopy(QUESTIONS),
    }
    data.update(overrides)
    return data


@dataclass(frozen=True)
class Caller:
    id: str
    email: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def caller(database: Any, roles: list[str] | None = None, *, password: str | None = None, **fields: Any) -> Caller:
    """A person with an API token (and a password only when asked: hashing one takes time)."""
    with database.transaction() as db:
        p = person(db, roles=roles, password=password, **fields)
        return Caller(p.id, p.email, accounts.create_token(db, p, "test"))


def callers(database: Any, count: int, **fields: Any) -> list[Caller]:
    return [caller(database, **fields) for _ in range(count)]


def create(client: Any, admin: Caller, **overrides: Any) -> dict[str, Any]:
    response = client.post("/api/v1/consultations", json=definition(**overrides), headers=admin.headers)
    assert response.status_code == 201, response.text
    return response.json()


def opened(client: Any, admin: Caller, approver: Caller | None = None, **overrides: Any) -> str:
    """A consultation created by `admin`, approved by `approver` (if given) and opened by hand."""
    consultation = create(client, admin, **overrides)
    cid = consultation["id"]
    if approver is not None:
        assert client.post(f"/api/v1/consultations/{cid}/approve", headers=approver.headers).status_code == 200
    response = client.post(f"/api/v1/consultations/{cid}/open", headers=admin.headers)
    assert response.status_code == 200, response.text
    return cid


def vote(client: Any, cid: str, voter: Caller, answers: dict[str, Any] | None = None) -> Any:
    return client.post(
        f"/api/v1/consultations/{cid}/ballot", json={"answers": answers or ANSWERS}, headers=voter.headers
    )


def close(client: Any, cid: str, admin: Caller) -> None:
    response = client.post(f"/api/v1/consultations/{cid}/close", headers=admin.headers)
    assert response.status_code == 200, response.text
