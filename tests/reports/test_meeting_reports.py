"""The meetings' builders (agora/meetings/report.py) through the reports workflow: a relay's meeting
report and the secretariat's pre-assembly synthesis are valid against report-schema.json, hashed, and
their local positions reach the CSV and the PDF."""

from __future__ import annotations

import csv
import io

from agora.reports.document import validate
from tests.meetings.test_report import _setup
from tests.reports.support import canonical_sha256, pdf_text

API = "/api/v1/reports"


def _submitted(client, who, kind, source):
    response = client.post(API, json={"kind": kind, "source": source, "summary": {"fr": "Synthèse"}},
                           headers=who.headers)
    assert response.status_code == 201, response.text
    rid = response.json()["id"]
    assert client.post(f"{API}/{rid}/submit", headers=who.headers).status_code == 200
    report = client.get(f"{API}/{rid}", headers=who.headers).json()
    validate(report)
    assert report["integrity"]["sha256"] == canonical_sha256(report)
    return rid, report


def test_meeting_and_synthesis_reports(client, database, tmp_path):
    admin, liege, _eupen, assembly_id, (m1, _m2, m3, _pending) = _setup(client, database)
    # A relay reports their own meeting, not another region's; the synthesis is the secretariat's.
    assert client.post(API, json={"kind": "meeting", "source": m3}, headers=liege.headers).status_code == 403
    assert client.post(API, json={"kind": "pre_assembly_synthesis", "source": assembly_id},
                       headers=liege.headers).status_code == 403
    _rid, meeting = _submitted(client, liege, "meeting", m1)
    assert meeting["kind"] == "meeting" and meeting["submitted_by"]["role"] == "relay"
    rid, synthesis = _submitted(client, admin, "pre_assembly_synthesis", assembly_id)
    r1 = next(item for item in synthesis["items"] if item["ref"] == "r1")
    eupen_row = next(m for m in r1["local_meetings"] if m["meeting_id"] == m3)
    assert eupen_row["counts"] == {"for": 1, "against": 2, "abstain": 0}
    assert "remote" not in r1  # local positions are never mixed into remote results

    rows = list(csv.DictReader(io.StringIO(client.get(f"{API}/{rid}.csv", headers=admin.headers).text)))
    eupen_rows = {(r["option_key"], r["college"]): int(r["count"]) for r in rows
                  if r["item_ref"] == "r1" and r["source"] == f"meeting:{m3}"}
    assert eupen_rows[("against", "partners")] == 2 and eupen_rows[("for", "members")] == 1
    text = pdf_text(client.get(f"{API}/{rid}.pdf", headers=admin.headers).content, tmp_path)
    assert f"SHA-256 {synthesis['integrity']['sha256']}" in text
    assert _on_one_or_two_lines(m3, text) and "Eupen" in text  # the 32-character id wraps in its column


def _on_one_or_two_lines(word: str, text: str) -> bool:
    """Whether `word` is in text extracted with -layout, whole or wrapped once in a narrow column (the
    other cells of its row may then be printed between its two halves)."""
    return word in "".join(text.split()) or any(word[:cut] in text and word[cut:] in text
                                                 for cut in range(8, len(word) - 7))
