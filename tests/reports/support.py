"""Helpers for the report tests: a closed consultation with ballots, the people around a report, and
an independent canonical serialisation of a report (written here from DESIGN.md, not imported)."""

from __future__ import annotations

import hashlib
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.consultations.support import Caller, caller, close, opened, vote

YES = {"q1": "yes", "q2": "a", "q3": ["a"], "q4": ["a", "b", "c"], "q5": {"a": 100, "b": 0}}
ANSWERS_NO = {"q1": "no", "q2": "b", "q3": ["b", "c"], "q4": ["b", "c", "a"], "q5": {"a": 30, "b": 70}}


@dataclass(frozen=True)
class Cast:
    admin: Caller
    board: Caller
    member: Caller
    voters: list[Caller]
    consultation: str


def cast(client: Any, database: Any, voters: int = 3) -> Cast:
    """A binding consultation, opened, voted in by `voters` people (2 yes, the rest no), and closed."""
    admin, other = caller(database, roles=["admin"]), caller(database, roles=["admin"])
    board, member = caller(database, roles=["board_member"]), caller(database)
    people = [caller(database, voting_college="members" if i % 2 == 0 else "permanents") for i in range(voters)]
    cid = opened(client, admin, other)
    for index, voter in enumerate(people):
        response = vote(client, cid, voter, YES if index < 2 else ANSWERS_NO)
        assert response.status_code == 200, response.text
    close(client, cid, admin)
    return Cast(admin, board, member, people, cid)


def canonical_sha256(report: dict[str, Any]) -> str:
    """DESIGN.md: without integrity, status and board_response; sorted keys; `,` and `:`; UTF-8, non-ASCII kept."""
    body = {k: v for k, v in report.items() if k not in ("integrity", "status", "board_response")}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def build(client: Any, who: Caller, kind: str, source: str, **extra: Any) -> Any:
    return client.post("/api/v1/reports", json={"kind": kind, "source": source, **extra}, headers=who.headers)


def built(client: Any, who: Caller, kind: str, source: str, **extra: Any) -> str:
    response = build(client, who, kind, source, **extra)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def submitted(client: Any, who: Caller, kind: str, source: str) -> str:
    rid = built(client, who, kind, source, summary={"fr": "Synthèse pour le CA", "nl": "Samenvatting"},
                recommendations=[{"fr": "Recommandation une"}, {"fr": "Deux", "de": "Zwei"}])
    response = client.post(f"/api/v1/reports/{rid}/submit", headers=who.headers)
    assert response.status_code == 200, response.text
    return rid


def pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def pdf_info(data: bytes, tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "info.pdf"
    path.write_bytes(data)
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return {k.strip(): v.strip() for k, _sep, v in (line.partition(":") for line in info.splitlines())}
