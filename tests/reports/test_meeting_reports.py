"""The meetings' builders (agora/meetings/report.py) through the reports workflow: a relay's meeting
report and the secretariat's pre-assembly synthesis are valid against report-schema.json, hashed, and
their local positions reach the CSV and the PDF."""

from __future__ import annotations

import csv
import io
import re

from agora.i18n import language
from agora.reports import render
from agora.reports.document import validate
from agora.web import templating
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


def _participation_sentence(doc: dict, reader: str) -> str:
    with language(reader):
        html = templating.render("reports/_document.html", {**render.helpers(doc, reader), "regions": {}})
    section = re.search(r'<section aria-labelledby="participation-title">(.*?)</section>', html, re.S).group(1)
    return " ".join(re.sub(r"<[^>]+>", " ", section).split())


def test_a_meetings_report_says_who_took_part_and_a_consultation_who_voted():
    """People take part in a meeting; they vote in a consultation. The board reads which, in its language."""
    doc = {"kind": "pre_assembly_synthesis", "language": "fr", "title": {"fr": "Synthèse"}, "items": [],
           "status": "draft", "version": 1, "integrity": {"sha256": "0" * 64},
           "electorate": {"eligible": 2500, "by_college": {"members": 2000, "permanents": 100, "clients": 300,
                                                           "partners": 100}, "by_region": {}},
           "participation": {"voters": 216, "rate": 0.0864, "by_college": {"members": 144, "permanents": 24,
                                                                            "clients": 36, "partners": 12},
                             "by_region": {}}}
    assert "216 personnes ont participé (8,6 % des 2 500 ayants droit)." in _participation_sentence(doc, "fr")
    assert "216 personen hebben deelgenomen (8,6% van de 2.500 stemgerechtigden)." in _participation_sentence(
        doc, "nl")
    german = _participation_sentence(doc, "de")
    assert "216 Personen haben teilgenommen (8,6 % der 2.500 Stimmberechtigten)." in german
    assert "Anwesende" in german and "abgestimmt" not in german and "Abstimmende" not in german

    one = {**doc, "participation": {**doc["participation"], "voters": 1, "rate": 0.0004}}
    assert "1 personne a participé (" in _participation_sentence(one, "fr")
    nobody_registered = {**doc, "electorate": {**doc["electorate"], "eligible": 0}}
    assert "216 Personen haben teilgenommen." in _participation_sentence(nobody_registered, "de")

    french = _participation_sentence({**doc, "kind": "consultation"}, "fr")
    assert "216 des 2 500 ayants droit ont voté (8,6 %)." in french and "participé" not in french
