"""The consultation pages: the secretariat's (prepare, preview, approve, open, close, second call)
and everyone's (read, vote, follow participation, results, CSV, tracking codes)."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from agora.consultations.views import manage, voter

BASE = "/consultations/{consultation_id}"
routes: list[BaseRoute] = [
    Route("/consultations", voter.index, methods=["GET"]),
    Route("/consultations/new", manage.new, methods=["GET", "POST"]),
    Route(BASE, voter.show, methods=["GET"]),
    Route(f"{BASE}/ballot", voter.ballot, methods=["POST"]),
    Route(f"{BASE}/results", voter.results, methods=["GET"]),
    Route(f"{BASE}/results.csv", voter.results_csv, methods=["GET"]),
    Route(f"{BASE}/tracking-codes", voter.tracking_codes, methods=["GET"]),
    Route(f"{BASE}/edit", manage.edit, methods=["GET", "POST"]),
    Route(f"{BASE}/preview", manage.preview, methods=["GET"]),
    Route(f"{BASE}/approve", manage.approve, methods=["POST"]),
    Route(f"{BASE}/open", manage.open_, methods=["POST"]),
    Route(f"{BASE}/close", manage.close, methods=["POST"]),
    Route(f"{BASE}/second-call", manage.second_call, methods=["POST"]),
]
