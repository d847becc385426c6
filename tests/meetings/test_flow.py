"""The whole flow through the API: assembly → meeting → registration → check-in → positions →
report submitted (locked, addenda) → synthesis; and the bad input of the issue, with nothing recorded."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from agora import i18n
from agora.audit import AuditEntry
from agora.meetings.models import Attendance, Meeting, PhoneVote, Registration, RoomCount
from agora.proposals.models import Proposal
from tests.meetings.support import assembly, caller, meeting, meeting_body


def _count(database, model) -> int:
    with database.transaction() as db:
        return int(db.execute(select(func.count()).select_from(model)).scalar_one())


def test_a_meeting_from_creation_to_submitted_report(client, database):
    admin = caller(database, ["admin"])
    relay = caller(database, ["relay:liege"], region="liege")
    alice = caller(database, region="liege", voting_college="members")
    bob = caller(database, region="liege", voting_college="clients")
    ag = assembly(client, admin)
    made = meeting(client, relay, assembly_id=ag["id"])
    mid = made["id"]
    assert [i["ref"] for i in made["items"]] == ["r1", "r2", "r3", "local-1"]

    for person in (alice, bob):
        answer = client.post(f"/api/v1/meetings/{mid}/registration", headers=person.headers)
        assert answer.json()["status"] == "registered"
    listing = client.get(f"/api/v1/meetings/{mid}/registrations", headers=relay.headers).json()
    assert {r["person_id"] for r in listing["registrations"]} == {alice.id, bob.id}
    assert client.get(f"/api/v1/meetings/{mid}/registrations", headers=alice.headers).status_code == 404

    for person in (alice, bob):
        answer = client.post(f"/api/v1/meetings/{mid}/checkins", json={"person": person.id}, headers=relay.headers)
        assert answer.status_code == 201, answer.text
    walk_in = client.post(f"/api/v1/meetings/{mid}/checkins", json={"name": "Zoé", "college": "members"},
                          headers=relay.headers)
    assert walk_in.json()["attendance"] == 3

    assert client.post(f"/api/v1/meetings/{mid}/current", json={"item": "r1"}, headers=relay.headers).status_code == 200
    assert client.post(f"/api/v1/meetings/{mid}/items/r1/vote", json={"choice": "for"},
                       headers=alice.headers).status_code == 200
    voted = client.post(f"/api/v1/meetings/{mid}/items/r1/vote", json={"choice": "against"}, headers=bob.headers)
    assert voted.json()["counts"] == {"for": 1, "against": 1, "abstain": 0}
    assert voted.json()["by_college"] == {"members": {"for": 1, "against": 0, "abstain": 0},
                                          "clients": {"for": 0, "against": 1, "abstain": 0}}
    # Changing one's mind replaces the vote: still one per person.
    again = client.post(f"/api/v1/meetings/{mid}/items/r1/vote", json={"choice": "abstain"}, headers=alice.headers)
    assert again.json()["counts"] == {"for": 0, "against": 1, "abstain": 1}

    counted = client.put(f"/api/v1/meetings/{mid}/items/r2/counts", headers=relay.headers, json={
        "by_college": {"members": {"for": 2, "against": 0, "abstain": 0}, "clients": {"for": 0, "against": 0,
                                                                                     "abstain": 1}}})
    assert counted.status_code == 200, counted.text
    assert counted.json()["counts"] == {"for": 2, "against": 0, "abstain": 1}
    note = client.post(f"/api/v1/meetings/{mid}/notes", headers=relay.headers,
                       json={"kind": "question", "text": "Pourquoi ce budget ?", "item": "r1"})
    assert note.status_code == 201
    proposal = client.post(f"/api/v1/meetings/{mid}/proposals", headers=relay.headers,
                           json={"title": "Un local partagé à Liège", "body": "Ouvrir un local.", "language": "fr"})
    assert proposal.status_code == 201, proposal.text
    with database.transaction() as db:
        made_proposal = db.get(Proposal, proposal.json()["id"])
        assert made_proposal is not None and made_proposal.status.value == "published"
    assert client.put(f"/api/v1/meetings/{mid}/minutes", json={"minutes": "# PV\n<script>x</script>**ok**"},
                      headers=relay.headers).json()["minutes_html"].count("<script") == 0

    submitted = client.post(f"/api/v1/meetings/{mid}/submit", headers=relay.headers)
    assert submitted.json()["status"] == "submitted"
    # Locked: no check-in, no count, no vote, no note after submission; nothing recorded.
    before = (_count(database, Attendance), _count(database, RoomCount), _count(database, PhoneVote))
    late = client.post(f"/api/v1/meetings/{mid}/checkins", json={"name": "Late", "college": "members"},
                       headers=relay.headers)
    assert late.status_code == 409 and late.json()["error"]["code"] == "report_submitted"
    assert client.put(f"/api/v1/meetings/{mid}/items/r1/counts", headers=relay.headers,
                      json={"by_college": {}}).status_code == 409
    assert client.post(f"/api/v1/meetings/{mid}/items/r1/vote", json={"choice": "for"},
                       headers=bob.headers).status_code == 409
    assert client.put(f"/api/v1/meetings/{mid}/minutes", json={"minutes": "changed"},
                      headers=relay.headers).status_code == 409
    assert (_count(database, Attendance), _count(database, RoomCount), _count(database, PhoneVote)) == before
    addendum = client.post(f"/api/v1/meetings/{mid}/addenda", json={"text": "Correction : 3 présents."},
                           headers=relay.headers)
    assert addendum.status_code == 201
    detail = client.get(f"/api/v1/meetings/{mid}", headers=alice.headers).json()
    assert len(detail["addenda"]) == 1 and "Correction" in detail["addenda"][0]["text_html"]
    assert detail["positions"]["r1"]["counts"] == {"for": 0, "against": 1, "abstain": 1}


def test_a_relay_outside_their_region_records_nothing(client, database):
    relay = caller(database, ["relay:liege"], region="liege")
    before = _count(database, Meeting)
    answer = client.post("/api/v1/meetings", json=meeting_body("eupen"), headers=relay.headers,
                         params={}, )
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "outside_region"
    assert "liege" in answer.json()["error"]["message"]
    assert _count(database, Meeting) == before
    own = meeting(client, relay)
    other_relay = caller(database, ["relay:eupen"], region="eupen")
    refused = client.post(f"/api/v1/meetings/{own['id']}/checkins", json={"name": "X y", "college": "members"},
                          headers=other_relay.headers)
    assert refused.status_code == 404
    assert _count(database, Attendance) == 0


@pytest.mark.parametrize("body", [{}, "not an object", None], ids=["empty", "not an object", "no body"])
def test_creating_a_meeting_checks_the_permission_before_the_body(client, database, body):
    """A member without the right is told 403 whatever the body: a 400/422 would say "you may, fix the body"."""
    member = caller(database, [], region="liege")
    sent = {} if body is None else {"json": body}
    refused = client.post("/api/v1/meetings", headers=member.headers, **sent)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden", refused.text
    relay = caller(database, ["relay:liege"], region="liege")
    assert client.post("/api/v1/meetings", headers=relay.headers, **sent).status_code in (400, 422)
    assert _count(database, Meeting) == 0


def test_a_meeting_ending_before_it_starts_is_refused(client, database):
    relay = caller(database, ["relay:liege"], region="liege")
    body = meeting_body()
    body["ends_at"], body["starts_at"] = body["starts_at"], body["ends_at"]
    answer = client.post("/api/v1/meetings", json=body, headers={**relay.headers, "Accept-Language": "fr"})
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "ends_at"
    with i18n.language("fr"):  # the caller's language (the catalogue's French once the pending file is applied)
        assert answer.json()["error"]["message"] == i18n.gettext("The meeting must end after it starts.")
    assert _count(database, Meeting) == 0


def test_counts_exceeding_the_attendance_are_refused(client, database):
    relay = caller(database, ["relay:liege"], region="liege")
    mid = meeting(client, relay)["id"]
    client.post(f"/api/v1/meetings/{mid}/checkins", json={"name": "Ann Walk", "college": "members"},
                headers=relay.headers)
    audit_before = _count(database, AuditEntry)
    answer = client.put(f"/api/v1/meetings/{mid}/items/local-1/counts", headers=relay.headers,
                        json={"by_college": {"members": {"for": 1, "against": 1, "abstain": 0}}})
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "exceeds_attendance"
    message = answer.json()["error"]["message"]
    assert "(2)" in message and "(1)" in message
    assert "members" not in message  # the college by its name in the reader's language, not its key
    assert _count(database, RoomCount) == 0 and _count(database, AuditEntry) == audit_before
    negative = client.put(f"/api/v1/meetings/{mid}/items/local-1/counts", headers=relay.headers,
                          json={"by_college": {"members": {"for": -1}}})
    assert negative.status_code == 422


def test_capacity_waiting_list_and_moving_up(client, database):
    relay = caller(database, ["relay:liege"], region="liege")
    first, second, third = (caller(database, region="liege") for _ in range(3))
    mid = meeting(client, relay, capacity=1)["id"]
    path = f"/api/v1/meetings/{mid}/registration"
    assert client.post(path, headers=first.headers).json()["status"] == "registered"
    assert client.post(path, headers=second.headers).json()["status"] == "waiting"
    assert client.post(path, headers=third.headers).json()["status"] == "waiting"
    assert client.post(path, headers=second.headers).json()["status"] == "waiting"  # idempotent, keeps its place
    cancelled = client.delete(path, headers=first.headers).json()
    assert cancelled["moved_up"] == second.id
    assert client.get(f"/api/v1/meetings/{mid}", headers=second.headers).json()["my_registration"] == "registered"
    assert client.get(f"/api/v1/meetings/{mid}", headers=third.headers).json()["my_registration"] == "waiting"
    from agora.notifications.models import Notification

    with database.transaction() as db:
        told = list(db.execute(select(Notification.person_id, Notification.kind)).all())
    assert told == [(second.id, "meeting_moved_up")]  # only the one who moved up


def test_registration_beyond_capacity_without_waiting_list(client, database):
    relay = caller(database, ["relay:liege"], region="liege")
    first, second = caller(database), caller(database)
    mid = meeting(client, relay, capacity=1, waiting_list=False)["id"]
    path = f"/api/v1/meetings/{mid}/registration"
    assert client.post(path, headers=first.headers).status_code == 200
    refused = client.post(path, headers={**second.headers, "Accept-Language": "nl"})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "full"
    with database.transaction() as db:
        assert db.execute(select(func.count()).select_from(Registration)).scalar_one() == 1


def test_a_vote_needs_a_checked_in_attendee_on_the_current_item(client, database):
    relay = caller(database, ["relay:liege"], region="liege")
    outsider = caller(database, region="liege")
    mid = meeting(client, relay)["id"]
    client.post(f"/api/v1/meetings/{mid}/current", json={"item": "local-1"}, headers=relay.headers)
    answer = client.post(f"/api/v1/meetings/{mid}/items/local-1/vote", json={"choice": "for"}, headers=outsider.headers)
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "not_checked_in"
    assert _count(database, PhoneVote) == 0


def test_scheduled_publication_hides_the_meeting_until_then(client, database):
    from datetime import timedelta

    from agora.db import utcnow

    relay = caller(database, ["relay:liege"], region="liege")
    member = caller(database, region="liege")
    later = (utcnow() + timedelta(hours=5)).isoformat()
    mid = meeting(client, relay, publish_at=later)["id"]
    assert client.get(f"/api/v1/meetings/{mid}", headers=member.headers).status_code == 404
    assert client.get(f"/api/v1/meetings/{mid}", headers=relay.headers).status_code == 200
    assert mid not in [m["id"] for m in client.get("/api/v1/meetings", headers=member.headers).json()["meetings"]]


def test_every_meeting_api_route_is_in_the_openapi_document(client):
    from agora.meetings.api import routes

    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for route in routes:
        for method in route.methods - {"HEAD"}:
            assert method.lower() in paths.get(route.path, {}), f"{method} {route.path} is not declared"


def test_an_attendee_cannot_act_as_relay_and_an_admin_can_anywhere(client, database):
    admin = caller(database, ["admin"])
    relay = caller(database, ["relay:liege"], region="liege")
    member = caller(database, region="liege")
    mid = meeting(client, relay)["id"]
    for method, path, body in (("POST", "checkins", {"name": "Xa Yb", "college": "members"}),
                               ("POST", "current", {"item": "local-1"}), ("POST", "submit", None),
                               ("GET", "registrations", None)):
        answer = client.request(method, f"/api/v1/meetings/{mid}/{path}", json=body, headers=member.headers)
        assert answer.status_code == 404, (path, answer.text)
    assert client.post("/api/v1/meetings", json=meeting_body("eupen"), headers=admin.headers).status_code == 201
    assert client.post(f"/api/v1/meetings/{mid}/checkins", json={"name": "Xa Yb", "college": "members"},
                       headers=admin.headers).status_code == 201
    assert client.post("/api/v1/assemblies", json={}, headers=relay.headers).status_code == 403


def test_an_addendum_needs_a_submitted_report_and_a_text(client, database):
    relay = caller(database, ["relay:liege"], region="liege")
    mid = meeting(client, relay)["id"]
    early = client.post(f"/api/v1/meetings/{mid}/addenda", json={"text": "Trop tôt"}, headers=relay.headers)
    assert early.status_code == 409 and early.json()["error"]["code"] == "not_submitted"
    nobody = client.post(f"/api/v1/meetings/{mid}/submit", headers=relay.headers)
    assert nobody.status_code == 409 and nobody.json()["error"]["code"] == "no_attendance"
    client.post(f"/api/v1/meetings/{mid}/checkins", json={"name": "Ann Walk", "college": "partners"},
                headers=relay.headers)
    assert client.post(f"/api/v1/meetings/{mid}/submit", headers=relay.headers).status_code == 200
    empty = client.post(f"/api/v1/meetings/{mid}/addenda", json={"text": "  "}, headers=relay.headers)
    assert empty.status_code == 422
    again = client.post(f"/api/v1/meetings/{mid}/submit", headers=relay.headers)
    assert again.status_code == 409 and again.json()["error"]["code"] == "report_submitted"
    late = client.post(f"/api/v1/meetings/{mid}/registration", headers=caller(database).headers)
    assert late.status_code == 409 and late.json()["error"]["code"] == "meeting_over"
