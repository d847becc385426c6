"""The reports API as ../shared/API.md "Reports": building, the schema, the hash, the workflow and who
may do what, bad input, and the notification of participants."""

from __future__ import annotations

import json
from pathlib import Path

from jsonschema import Draft202012Validator
from sqlalchemy import delete, func, select

from agora.audit import AuditEntry, verify
from agora.consultations.models import Consultation
from agora.notifications.models import Notification
from agora.reports import services
from agora.reports.models import Report
from tests.consultations.support import caller, opened, vote
from tests.deliberation_support import principal_of
from tests.reports.support import ANSWERS_NO, canonical_sha256, cast, submitted

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "agora" / "reports" / "report-schema.json").read_text())
API = "/api/v1/reports"


def valid(report: dict) -> dict:
    errors = [e.message for e in Draft202012Validator(SCHEMA).iter_errors(report)]
    assert errors == [], errors
    return report


def test_a_closed_consultation_becomes_a_valid_draft_with_its_figures(client, database):
    c = cast(client, database, voters=3)
    response = client.post(API, json={"kind": "consultation", "source": c.consultation}, headers=c.admin.headers)
    assert response.status_code == 201, response.text
    rid = response.json()["id"]
    report = valid(client.get(f"{API}/{rid}", headers=c.admin.headers).json())
    assert report["status"] == "draft" and report["kind"] == "consultation" and report["board_response"] is None
    assert report["participation"]["voters"] == 3 and report["electorate"]["eligible"] >= 3
    assert report["participation"]["by_college"]["members"] == 2
    assert report["participation"]["by_college"]["permanents"] == 1
    results = client.get(f"/api/v1/consultations/{c.consultation}/results", headers=c.admin.headers).json()
    q1 = report["items"][0]
    assert q1["ref"] == "q1" and q1["remote"]["counts"] == results["questions"]["q1"]["counts"]
    assert q1["remote"]["counts"]["yes"] == 2 and q1["remote"]["counts"]["no"] == 1
    assert q1["remote"]["outcome"] == results["questions"]["q1"]["outcome"]
    assert q1["remote"]["explanation"]
    assert report["sources"][0]["results_sha256"] == results["sha256"]
    assert report["integrity"]["sha256"] == canonical_sha256(report)


def test_submission_freezes_the_report_with_the_hash_of_its_canonical_json(client, database):
    c = cast(client, database)
    rid = submitted(client, c.admin, "consultation", c.consultation)
    report = valid(client.get(f"{API}/{rid}", headers=c.board.headers).json())
    assert report["status"] == "submitted" and report["board_response"]["status"] == "pending"
    assert report["submitted_by"]["role"] == "admin" and report["submitted_at"]
    assert report["summary"] == {"fr": "Synthèse pour le CA", "nl": "Samenvatting"}
    assert report["recommendations"] == [{"fr": "Recommandation une"}, {"fr": "Deux", "de": "Zwei"}]
    assert report["integrity"]["sha256"] == canonical_sha256(report)
    with database.transaction() as db:
        assert db.get(Report, rid).sha256 == report["integrity"]["sha256"]
    # Editing a submitted report is refused and changes nothing.
    response = client.patch(f"{API}/{rid}", json={"summary": {"fr": "autre"}}, headers=c.admin.headers)
    assert response.status_code == 409 and response.json()["error"]["code"] == "frozen"
    assert client.post(f"{API}/{rid}/refresh", headers=c.admin.headers).status_code == 409
    assert client.post(f"{API}/{rid}/submit", headers=c.admin.headers).status_code == 409
    again = client.get(f"{API}/{rid}", headers=c.board.headers).json()
    assert again["summary"] == report["summary"] and again["integrity"] == report["integrity"]


def test_the_board_acknowledges_then_answers_and_the_hash_does_not_move(client, database):
    c = cast(client, database)
    rid = submitted(client, c.admin, "consultation", c.consultation)
    before = client.get(f"{API}/{rid}", headers=c.board.headers).json()["integrity"]["sha256"]
    acknowledged = client.post(f"{API}/{rid}/acknowledge", headers=c.board.headers)
    assert acknowledged.status_code == 200 and acknowledged.json()["status"] == "acknowledged"
    assert client.post(f"{API}/{rid}/acknowledge", headers=c.board.headers).status_code == 409
    answer = {"decision": "partly_accepted", "text": {"nl": "Gedeeltelijk aanvaard.", "fr": "Accepté en partie."}}
    answered = client.post(f"{API}/{rid}/answer", json=answer, headers=c.board.headers)
    assert answered.status_code == 200, answered.text
    report = valid(answered.json())
    assert report["status"] == "answered" and report["board_response"]["decision"] == "partly_accepted"
    assert report["board_response"]["text"] == {"fr": "Accepté en partie.", "nl": "Gedeeltelijk aanvaard."}
    assert report["integrity"]["sha256"] == before == canonical_sha256(report)
    assert client.post(f"{API}/{rid}/answer", json=answer, headers=c.board.headers).status_code == 409
    # Now public: any member reads it and finds it in the list.
    assert client.get(f"{API}/{rid}", headers=c.member.headers).status_code == 200
    listed = client.get(API, headers=c.member.headers).json()["reports"]
    assert [r["id"] for r in listed] == [rid]


def test_participants_are_notified_when_the_board_answers(client, database):
    c = cast(client, database, voters=4)
    rid = submitted(client, c.admin, "consultation", c.consultation)
    answer = {"decision": "accepted", "text": {"fr": "Le CA suit l'avis des membres."}}
    assert client.post(f"{API}/{rid}/answer", json=answer, headers=c.board.headers).status_code == 200
    with database.transaction() as db:
        told = set(db.execute(select(Notification.person_id).where(Notification.kind == "report_answered")).scalars())
        urls = set(db.execute(select(Notification.url).where(Notification.kind == "report_answered")).scalars())
    assert told == {v.id for v in c.voters} | {c.admin.id}
    assert c.member.id not in told and c.board.id not in told
    assert urls == {f"/reports/{rid}"}
    with database.transaction() as db:
        acts = [(e.action, e.actor_id) for e in db.execute(
            select(AuditEntry).where(AuditEntry.target_id == rid).order_by(AuditEntry.seq)).scalars()]
        assert verify(db).ok  # the chain still holds
    assert acts == [("report.create", c.admin.id), ("report.submit", c.admin.id), ("report.answer", c.board.id)]


def test_who_may_do_what(client, database):
    c = cast(client, database)
    relay = caller(database, roles=["relay:brussels"])
    for who in (c.member, c.board, relay):
        response = client.post(API, json={"kind": "consultation", "source": c.consultation}, headers=who.headers)
        assert response.status_code == 403, (who, response.text)
    rid = submitted(client, c.admin, "consultation", c.consultation)
    draft = client.post(API, json={"kind": "consultation", "source": c.consultation}, headers=c.admin.headers).json()
    # A draft is the author's and the administrators'; a submitted report is the board's too.
    assert client.get(f"{API}/{draft['id']}", headers=c.board.headers).status_code == 404
    assert client.get(f"{API}/{rid}", headers=c.member.headers).status_code == 404
    assert client.get(f"{API}/{rid}.pdf", headers=c.member.headers).status_code == 404
    assert client.get(f"{API}/{rid}.csv", headers=c.member.headers).status_code == 404
    assert client.get(f"{API}/{rid}").status_code == 401
    # Only the board acknowledges and answers: an administrator who sees it gets 403, a member 404.
    answer = {"decision": "accepted", "text": {"fr": "oui"}}
    assert client.post(f"{API}/{rid}/acknowledge", headers=c.admin.headers).status_code == 403
    assert client.post(f"{API}/{rid}/answer", json=answer, headers=c.admin.headers).status_code == 403
    assert client.post(f"{API}/{rid}/answer", json=answer, headers=c.member.headers).status_code == 404
    # The board does not edit or submit.
    assert client.post(f"{API}/{draft['id']}/submit", headers=c.board.headers).status_code == 404
    with database.transaction() as db:
        assert db.get(Report, rid).status.value == "submitted"


def test_bad_input_is_refused_with_a_message_and_nothing_changes(client, database):
    c = cast(client, database)
    rid = submitted(client, c.admin, "consultation", c.consultation)
    for body, field in [
        ({"decision": "maybe", "text": {"fr": "?"}}, "decision"),
        ({"decision": "accepted", "text": {}}, "text"),
        ({"decision": "accepted", "text": {"en": "yes"}}, "text"),
        ({"decision": "accepted", "text": "oui"}, "text"),
    ]:
        response = client.post(f"{API}/{rid}/answer", json=body, headers={**c.board.headers, "Accept-Language": "nl"})
        assert response.status_code == 422, response.text
        assert response.json()["error"]["field"] == field and response.json()["error"]["message"]
    with database.transaction() as db:
        report = db.get(Report, rid)
        assert report.status.value == "submitted" and report.decision is None and report.answer == {}
    unknown_kind = client.post(API, json={"kind": "novel", "source": c.consultation}, headers=c.admin.headers)
    assert unknown_kind.status_code == 422
    missing = client.post(API, json={"kind": "consultation", "source": "nope"}, headers=c.admin.headers)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "source_not_found"
    with database.transaction() as db:
        assert db.execute(select(func.count()).select_from(Report)).scalar_one() == 1


def test_an_open_consultation_is_refused_and_its_results_stay_secret(client, database):
    admin, other, voter = caller(database, roles=["admin"]), caller(database, roles=["admin"]), caller(database)
    cid = opened(client, admin, other)
    assert vote(client, cid, voter, ANSWERS_NO).status_code == 200
    response = client.post(API, json={"kind": "consultation", "source": cid},
                           headers={**admin.headers, "Accept-Language": "de"})
    assert response.status_code == 409 and response.json()["error"]["code"] == "source_not_ready"
    assert "no" not in json.dumps(response.json()["error"]).lower().split('"')  # no counts, no option in the answer
    with database.transaction() as db:
        assert db.execute(select(func.count()).select_from(Report)).scalar_one() == 0


def test_a_deleted_source_stops_the_draft_but_keeps_it(client, database):
    c = cast(client, database)
    draft = client.post(API, json={"kind": "consultation", "source": c.consultation, "summary": {"fr": "S"}},
                        headers=c.admin.headers).json()["id"]
    with database.transaction() as db:
        db.execute(delete(Consultation).where(Consultation.id == c.consultation))
    for action in ("refresh", "submit"):
        response = client.post(f"{API}/{draft}/{action}", headers=c.admin.headers)
        assert response.status_code == 409 and response.json()["error"]["code"] == "source_deleted", response.text
    report = valid(client.get(f"{API}/{draft}", headers=c.admin.headers).json())
    assert report["status"] == "draft" and report["items"]


def test_a_correction_is_a_new_version_pointing_to_the_previous_hash(client, database):
    c = cast(client, database)
    rid = submitted(client, c.admin, "consultation", c.consultation)
    first = client.get(f"{API}/{rid}", headers=c.admin.headers).json()
    response = client.post(f"{API}/{rid}/correct", headers=c.admin.headers)
    assert response.status_code == 201 and response.json()["version"] == 2
    second_id = response.json()["id"]
    assert client.patch(f"{API}/{second_id}", json={"summary": {"fr": "Synthèse corrigée"}},
                        headers=c.admin.headers).status_code == 200
    assert client.post(f"{API}/{second_id}/submit", headers=c.admin.headers).status_code == 200
    second = valid(client.get(f"{API}/{second_id}", headers=c.board.headers).json())
    assert second["version"] == 2 and second["integrity"]["previous_version_sha256"] == first["integrity"]["sha256"]
    assert second["integrity"]["sha256"] != first["integrity"]["sha256"]
    assert second["integrity"]["sha256"] == canonical_sha256(second)
    # The corrected version leaves the desk: it can no longer be acknowledged, nor corrected twice.
    assert client.post(f"{API}/{rid}/acknowledge", headers=c.board.headers).status_code == 409
    assert client.post(f"{API}/{rid}/correct", headers=c.admin.headers).status_code == 409


def test_a_version_stays_on_the_board_desk_until_its_correction_is_submitted(client, database):
    c = cast(client, database)
    rid = submitted(client, c.admin, "consultation", c.consultation)

    def on_desk() -> list[str]:
        with database.session(write=False) as db:
            waiting = services.desk(db, principal_of(db, c.board.id))
            return [r.id for r in [*waiting.awaiting_acknowledgement, *waiting.awaiting_answer]]

    draft = client.post(f"{API}/{rid}/correct", headers=c.admin.headers).json()["id"]
    assert on_desk() == [rid]  # the correction is only a draft: the board still has the submitted version
    assert client.get(f"{API}/{rid}", headers=c.board.headers).json()["status"] == "submitted"
    again = client.post(f"{API}/{rid}/correct", headers=c.admin.headers)
    assert again.json()["id"] == draft  # one correction at a time: the draft in progress
    assert client.post(f"{API}/{draft}/submit", headers=c.admin.headers).status_code == 200
    assert on_desk() == [draft]
    assert client.post(f"{API}/{rid}/acknowledge", headers=c.board.headers).status_code == 409
    with database.session(write=False) as db:
        assert db.execute(select(func.count()).select_from(Report).where(Report.previous_id == rid)).scalar_one() == 1


def test_the_operations_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert set(paths["/reports"]) == {"get", "post"}
    assert set(paths["/reports/{report_id}"]) == {"get", "patch"}
    for action in ("submit", "acknowledge", "answer", "correct", "refresh"):
        assert "post" in paths[f"/reports/{{report_id}}/{action}"]
    assert "/reports/{report_id}.pdf" in paths and "/reports/{report_id}.csv" in paths
    report = paths["/reports/{report_id}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert "$ref" not in json.dumps(report)  # self-contained: no reference into a missing $defs
    assert report["properties"]["title"]["propertyNames"] == {"enum": ["fr", "nl", "de"]}
    assert paths["/reports/{report_id}/answer"]["post"]["requestBody"]["content"]["application/json"]["schema"][
        "properties"]["decision"]["enum"] == ["accepted", "rejected", "partly_accepted", "postponed"]
