"""Helpers for the meeting tests: an assembly and meetings through the API, people with tokens."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from agora.db import utcnow
from tests.consultations.support import Caller, caller
from tests.factories import HOSTILE

__all__ = ["ITEMS", "Caller", "assembly", "caller", "meeting", "meeting_body"]

ITEMS = [
    {"ref": "r1", "decision_type": "ordinary",
     "title": {"fr": f"Approbation des comptes {HOSTILE}", "nl": "Goedkeuring van de jaarrekening",
               "de": "Genehmigung des Jahresabschlusses"}, "text": {"fr": "Texte", "nl": "Tekst", "de": "Text"}},
    {"ref": "r2", "decision_type": "extraordinary",
     "title": {"fr": "Modification des statuts", "nl": "Statutenwijziging", "de": "Satzungsänderung"}},
    {"ref": "r3", "decision_type": "information",
     "title": {"fr": "Rapport d'activité", "nl": "Activiteitenverslag", "de": "Tätigkeitsbericht"}},
]


def assembly(client: Any, admin: Caller, **overrides: Any) -> dict[str, Any]:
    body = {"title": {"fr": "AG 2027", "nl": "AV 2027", "de": "GV 2027"},
            "starts_at": (utcnow() + timedelta(days=30)).isoformat(), "places": "Bruxelles",
            "convocation": {"fr": "Vous êtes convoqués."}, "items": ITEMS, **overrides}
    response = client.post("/api/v1/assemblies", json=body, headers=admin.headers)
    assert response.status_code == 201, response.text
    return response.json()


def meeting_body(region: str = "liege", assembly_id: str | None = None, **overrides: Any) -> dict[str, Any]:
    start = utcnow() + timedelta(days=1, hours=2)
    body: dict[str, Any] = {
        "kind": "pre_assembly" if assembly_id else "quarterly", "assembly": assembly_id, "region": region,
        "title": f"Pré-AG {region} {HOSTILE}", "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(), "address": "Rue Tête 1", "languages": ["fr"],
        "local_topics": ["Local : le bureau"],
    }
    body.update(overrides)
    return body


def meeting(client: Any, relay: Caller, region: str = "liege", assembly_id: str | None = None,
            **overrides: Any) -> dict[str, Any]:
    response = client.post("/api/v1/meetings", json=meeting_body(region, assembly_id, **overrides),
                           headers=relay.headers)
    assert response.status_code == 201, response.text
    return response.json()
