"""The referral's workflow through the API and the pages: steps in order, refusals, deadlines, recusal,
the committee vote, anonymised publication and the audit trail."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from agora import audit
from agora.audit import AuditEntry
from agora.ethics_committee import services
from agora.ethics_committee.models import Opinion, Referral, ReferralStatus
from agora.notifications.models import Notification
from tests.deliberation_support import tr
from tests.ethics.conftest import Cast, advance, submit


def step(client: Any, cast: Cast, role: str, referral_id: str, action: str, **body: Any) -> Any:
    return client.post(f"/api/v1/ethics/referrals/{referral_id}/{action}", headers=cast.api(role), json=body)


def status_of(cast: Cast, referral_id: str) -> str:
    with cast.database.transaction() as db:
        referral = db.get(Referral, referral_id)
        assert referral is not None
        return referral.status.value


def test_submission_follows_the_contract(cast: Cast, client: Any) -> None:
    response = client.post("/api/v1/ethics/referrals", headers=cast.api("referrer"),
                           json={"subject": "Selling to arms makers?", "question": "May a member…", "language": "nl"})
    assert response.status_code == 201
    created = response.json()
    assert set(created) == {"id", "url"} and created["url"] == f"/ethics/referrals/{created['id']}"
    detail = client.get(f"/api/v1/ethics/referrals/{created['id']}", headers=cast.api("referrer")).json()
    assert detail["status"] == "received" and detail["language"] == "nl" and detail["kind"] == "cooperator"
    cast.use(client, "referrer")
    assert client.get(created["url"]).status_code == 200


def test_bad_submissions_are_refused_with_a_message_and_nothing_written(cast: Cast, client: Any) -> None:
    bad = [({"subject": "", "question": "q", "language": "fr"}, 422, "missing"),
           ({"subject": "s", "question": " ", "language": "fr"}, 422, "missing"),
           ({"subject": "s", "question": "q", "language": "en"}, 422, "invalid_language"),
           ({"subject": "s" * 201, "question": "q", "language": "fr"}, 422, "too_long"),
           ({"subject": "s", "question": "q", "language": "fr", "kind": "self"}, 403, "not_committee"),
           ({"subject": "s", "question": "q", "language": "fr", "kind": "board"}, 403, "not_board")]
    for body, status, code in bad:
        response = client.post("/api/v1/ethics/referrals", headers=cast.api("referrer"), json=body)
        assert response.status_code == status, body
        assert response.json()["error"]["code"] == code
    assert client.post("/api/v1/ethics/referrals", json={"subject": "s"}).status_code == 401
    with cast.database.transaction() as db:
        assert db.execute(select(Referral)).first() is None
    # in French, the form shows the message next to the field
    response = cast.post(client, "referrer", "/ethics/referrals/new", {"subject": "", "question": "q",
                                                                       "language": "fr"})
    assert response.status_code == 422
    assert tr("Give the referral a subject.") in response.text and 'aria-invalid="true"' in response.text


def test_the_board_and_the_committee_refer_too(cast: Cast, client: Any) -> None:
    for role, kind in (("board", "board"), ("chair", "self")):
        response = client.post("/api/v1/ethics/referrals", headers=cast.api(role),
                               json={"subject": "s", "question": "q", "language": "fr", "kind": kind})
        assert response.status_code == 201
        assert client.get(response.json()["url"].replace("/ethics", "/api/v1/ethics"),
                          headers=cast.api(role)).json()["kind"] == kind


def test_the_whole_workflow_through_the_api(cast: Cast, client: Any, referral_id: str) -> None:
    ok = [("chair", "acknowledge", {}), ("chair", "admissibility", {"admissible": "yes"}),
          ("chair", "rapporteur", {"rapporteur": cast.ids["rapporteur"]}), ("chair", "examine", {}),
          ("member", "note", {"body": "Deliberation note"}),
          ("member", "hearing", {"when": "2026-12-03T10:00", "body": "Hear the referrer"}),
          ("member", "message", {"body": "Could you tell us more?"}), ("referrer", "message", {"body": "Yes."}),
          ("rapporteur", "draft", {"text": "The opinion", "recommendations": ["Do A", "Avoid B"]}),
          ("chair", "open-vote", {}), ("chair", "vote", {"choice": "for"}), ("member", "vote", {"choice": "for"}),
          ("rapporteur", "vote", {"choice": "against"}), ("chair", "close-vote", {}), ("chair", "send", {}),
          ("rapporteur", "summary", {"title": "Arms trade", "summary": "Anonymised", "recommendations": ["Do A"],
                                     "language": "fr"}),
          ("chair", "approve-summary", {}), ("chair", "publish", {})]
    for role, action, body in ok:
        response = step(client, cast, role, referral_id, action, **body)
        assert response.status_code == 200, (action, response.text)
    final = response.json()
    assert final["status"] == "published"
    assert final["opinion"]["vote"]["counts"] == {"for": 2, "against": 1, "abstain": 0}
    assert final["opinion"]["vote"]["eligible"] == 3 and final["opinion"]["vote"]["adopted"] is True
    with cast.database.transaction() as db:
        kinds = [n.kind for n in db.execute(select(Notification).where(
            Notification.person_id == cast.ids["referrer"])).scalars()]
    assert {"ethics_acknowledged", "ethics_admissibility", "ethics_message", "ethics_opinion_sent",
            "ethics_published"} <= set(kinds)
    with cast.database.transaction() as db:
        told = {(n.person_id, n.kind) for n in db.execute(select(Notification).where(
            Notification.kind.in_(["ethics_new_referral", "ethics_referrer_message"]))).scalars()}
    assert told == {(cast.ids["chair"], "ethics_new_referral"), (cast.ids["rapporteur"], "ethics_referrer_message")}
    referrer_view = client.get(f"/api/v1/ethics/referrals/{referral_id}", headers=cast.api("referrer")).json()
    assert [(m["kind"], m["from"], m["author"]) for m in referrer_view["messages"]] == [
        ("message", "committee", None), ("message", "referrer", None)]
    assert referrer_view["rapporteur"] is None
    assert referrer_view["opinion"]["text"] == "The opinion"


def test_steps_out_of_order_are_refused_with_409_and_change_nothing(cast: Cast, client: Any,
                                                                    referral_id: str) -> None:
    for action in ("admissibility", "examine", "open-vote", "close-vote", "send", "publish"):
        response = step(client, cast, "chair", referral_id, action, admissible="yes")
        assert response.status_code == 409, action
        assert response.json()["error"]["code"] == "out_of_order"
        assert status_of(cast, referral_id) == "received"
    advance(cast, referral_id, "admissible")
    response = step(client, cast, "chair", referral_id, "examine")
    assert response.status_code == 409 and response.json()["error"]["code"] == "no_rapporteur"
    advance(cast, referral_id, "votes", start="rapporteur")
    response = step(client, cast, "chair", referral_id, "send")
    assert response.status_code == 409, "the opinion cannot be sent before the vote is closed"
    assert step(client, cast, "chair", referral_id, "close-vote").status_code == 200
    vote_after = step(client, cast, "member", referral_id, "vote", choice="against")
    assert vote_after.status_code == 409 and vote_after.json()["error"]["code"] == "vote_closed"
    assert step(client, cast, "chair", referral_id, "send").status_code == 200
    assert step(client, cast, "rapporteur", referral_id, "summary", title="T", summary="S",
                recommendations=["R"], language="fr").status_code == 200
    not_approved = step(client, cast, "chair", referral_id, "publish")
    assert not_approved.status_code == 409 and not_approved.json()["error"]["code"] == "not_approved"
    assert not_approved.json()["error"]["message"] == tr(  # in the token holder's language
        "The chair has not approved the anonymised summary yet: it cannot be published.")
    assert status_of(cast, referral_id) == "sent"
    # only the chair acknowledges, decides and publishes; only the rapporteur or the chair drafts
    assert step(client, cast, "member", referral_id, "approve-summary").status_code == 403
    assert step(client, cast, "member", referral_id, "summary", title="T", summary="S",
                language="fr").status_code == 403


def test_not_admissible_needs_a_reason_sent_to_the_referrer(cast: Cast, client: Any, referral_id: str) -> None:
    advance(cast, referral_id, "acknowledge")
    refused = step(client, cast, "chair", referral_id, "admissibility", admissible="no", reason=" ")
    assert refused.status_code == 422 and status_of(cast, referral_id) == "acknowledged"
    assert step(client, cast, "chair", referral_id, "admissibility", admissible="no",
                reason="Outside our remit").status_code == 200
    seen = client.get(f"/api/v1/ethics/referrals/{referral_id}", headers=cast.api("referrer")).json()
    assert seen["status"] == "not_admissible" and seen["decision_reason"] == "Outside our remit"


def test_acknowledgement_deadline_is_configurable_and_overdue_is_shown(cast: Cast, client: Any) -> None:
    response = cast.post(client, "admin", "/ethics/committee/settings", {"acknowledge_days": "3"})
    assert response.status_code == 303
    assert cast.post(client, "admin", "/ethics/committee/settings", {"acknowledge_days": "0"}).status_code == 422
    assert cast.post(client, "member", "/ethics/committee/settings", {"acknowledge_days": "5"}).status_code == 404
    referral_id = submit(cast)
    with cast.database.transaction() as db:
        referral = db.get(Referral, referral_id)
        assert referral is not None
        assert abs((referral.acknowledge_by - referral.created_at) - timedelta(days=3)) < timedelta(minutes=1)
        assert not services.is_overdue(referral)
        referral.acknowledge_by = referral.created_at - timedelta(days=1)
    assert client.get(f"/api/v1/ethics/referrals/{referral_id}", headers=cast.api("chair")).json()["overdue"] is True
    cast.use(client, "chair")
    assert 'class="overdue"' in client.get("/ethics").text
    advance(cast, referral_id, "acknowledge")
    assert client.get(f"/api/v1/ethics/referrals/{referral_id}", headers=cast.api("chair")).json()["overdue"] is False


def test_recusal_hides_the_referral_and_shrinks_the_quorum(cast: Cast, client: Any) -> None:
    referral_id = submit(cast)
    advance(cast, referral_id, "open")
    assert step(client, cast, "recused_member", referral_id, "vote", choice="against").status_code == 200
    assert step(client, cast, "recused_member", referral_id, "recuse", reason="A relative").status_code == 200
    # recused: the referral no longer exists for them, acting included
    assert client.get(f"/api/v1/ethics/referrals/{referral_id}", headers=cast.api("recused_member")).status_code == 404
    assert step(client, cast, "recused_member", referral_id, "vote", choice="for").status_code == 404
    assert step(client, cast, "chair", referral_id, "vote", choice="for").status_code == 200
    with cast.database.transaction() as db:
        referral = db.get(Referral, referral_id)
        assert referral is not None
        result = services.tally(db, referral)
    assert result["eligible"] == 3 and result["voters"] == 1 and result["quorum_reached"] is False
    assert result["counts"]["against"] == 0, "a recused member's ballot does not count"
    closed = step(client, cast, "chair", referral_id, "close-vote").json()
    assert closed["status"] == "draft_opinion", "no quorum: back to the draft"


def test_the_vote_needs_more_for_than_against(cast: Cast, client: Any) -> None:
    referral_id = submit(cast)
    advance(cast, referral_id, "open")
    for role, choice in (("chair", "for"), ("member", "against"), ("rapporteur", "abstain")):
        assert step(client, cast, role, referral_id, "vote", choice=choice).status_code == 200
    assert step(client, cast, "member", referral_id, "vote", choice="maybe").status_code == 422
    closed = step(client, cast, "chair", referral_id, "close-vote").json()
    assert closed["status"] == "draft_opinion"
    with cast.database.transaction() as db:
        opinion = db.execute(select(Opinion).where(Opinion.referral_id == referral_id)).scalar_one()
        assert opinion.votes["quorum_reached"] is True and opinion.votes["adopted"] is False
        assert len(opinion.votes["rounds"]) == 1 and opinion.adopted_at is None
    # a second round after the draft is revised
    assert step(client, cast, "chair", referral_id, "open-vote").status_code == 200
    for role in ("chair", "member"):
        assert step(client, cast, role, referral_id, "vote", choice="for").status_code == 200
    # two of the four members not recused: no majority of them took part
    assert step(client, cast, "chair", referral_id, "close-vote").json()["status"] == "draft_opinion"
    assert step(client, cast, "chair", referral_id, "open-vote").status_code == 200
    for role in ("chair", "member", "rapporteur"):
        assert step(client, cast, role, referral_id, "vote", choice="for").status_code == 200
    assert step(client, cast, "chair", referral_id, "close-vote").json()["status"] == "adopted"


def test_attachments_are_checked(cast: Cast, client: Any, referral_id: str) -> None:
    url = f"/ethics/referrals/{referral_id}/attach"
    bad_type = cast.post(client, "referrer", url, files={"attachment": ("run.exe", b"MZ\x00\x00binary", "text/plain")})
    assert bad_type.status_code == 422 and "PDF" in bad_type.text
    too_big = cast.post(client, "referrer", url,
                        files={"attachment": ("big.txt", b"a" * (services.MAX_ATTACHMENT_BYTES + 1), "text/plain")})
    assert too_big.status_code == 422
    good = cast.post(client, "referrer", url, files={"attachment": ("note.pdf", b"%PDF-1.4 hello", "application/pdf")})
    assert good.status_code == 303
    files = client.get(f"/api/v1/ethics/referrals/{referral_id}", headers=cast.api("referrer")).json()["attachments"]
    assert [f["filename"] for f in files] == ["note.pdf"]
    cast.use(client, "referrer")
    download = client.get(files[0]["url"])
    assert download.headers["content-disposition"].startswith("attachment")
    assert download.headers["x-content-type-options"] == "nosniff"


def test_the_audit_trail_records_every_read_and_change_without_content(cast: Cast, client: Any,
                                                                        referral_id: str) -> None:
    advance(cast, referral_id, "publish")
    cast.use(client, "member")
    client.get(f"/ethics/referrals/{referral_id}")
    with cast.database.transaction() as db:
        entries = list(db.execute(select(AuditEntry).where(AuditEntry.target_id == referral_id)).scalars())
        assert audit.verify(db).ok
    actions = [e.action for e in entries]
    for expected in ("ethics.referral.submitted", "ethics.member.recused", "ethics.referral.acknowledged",
                     "ethics.vote.cast", "ethics.vote.closed.adopted", "ethics.summary.published",
                     "ethics.referral.read"):
        assert expected in actions, expected
    text = json.dumps([[e.action, e.actor_id, e.data] for e in entries])
    for secret in ("Zebra", "Quokka", "Narwhal", "Okapi", "Axolotl", "Secretname", cast.ids["referrer"],
                   cast.ids["member"]):
        assert secret not in text, secret
    # the chair sees who read what
    cast.use(client, "chair")
    log = client.get(f"/ethics/referrals/{referral_id}/access-log")
    assert "Member Secretname" in log.text and "referral.read" in log.text


def test_the_committee_page_shows_representation(cast: Cast, client: Any) -> None:
    cast.use(client, "cooperator")
    page = client.get("/ethics")
    assert 'id="representation-ok"' in page.text
    with cast.database.transaction() as db:
        from agora.ethics_committee.models import CommitteeMember

        partners = db.execute(select(CommitteeMember).where(CommitteeMember.category == "partners")).scalar_one()
        member_id = partners.id
    assert cast.post(client, "admin", "/ethics/committee/remove", {"member": member_id}).status_code == 303
    cast.use(client, "cooperator")
    page = client.get("/ethics")
    assert 'id="representation-warning"' in page.text
    again = cast.post(client, "admin", "/ethics/committee/appoint", {"email": "nobody@example.org",
                                                                     "category": "partners"})
    assert again.status_code == 422
    assert cast.post(client, "cooperator", "/ethics/committee/appoint", {"email": "x@example.org",
                                                                         "category": "partners"}).status_code == 404


def test_status_enum_has_a_label_and_a_transition_row() -> None:
    from agora.ethics_committee import workflow

    assert set(workflow.TRANSITIONS) == set(ReferralStatus) == set(workflow.STATUS_LABELS)


def test_user_text_is_escaped_everywhere(cast: Cast, client: Any) -> None:
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    referral_id = submit(cast, subject=f"Subject {hostile}", question=f"Question {hostile}")
    cast.act("member", lambda db, p, r: services.send_message(db, p, r, f"Message {hostile}"), referral_id)
    for role in ("referrer", "chair"):
        cast.use(client, role)
        for path in (f"/ethics/referrals/{referral_id}", "/ethics"):
            page = client.get(path).text
            assert "<script>alert" not in page and "<img src=x" not in page, (role, path)
            assert "&lt;script&gt;alert" in page


def test_when_the_chair_is_recused_the_longest_serving_member_chairs(cast: Cast, client: Any) -> None:
    from agora.ethics_committee import access

    referral_id = submit(cast)
    assert step(client, cast, "chair", referral_id, "recuse", reason="I know the referrer").status_code == 200
    with cast.database.transaction() as db:
        referral = db.get(Referral, referral_id)
        assert referral is not None
        acting = access.acting_chair(db, referral)
    roles = {person_id: role for role, person_id in cast.ids.items()}
    assert acting is not None and roles[acting] in {"member", "recused_member", "rapporteur"}
    for role in {"member", "recused_member", "rapporteur"} - {roles[acting]}:
        assert step(client, cast, role, referral_id, "acknowledge").status_code == 403
    assert step(client, cast, roles[acting], referral_id, "acknowledge").status_code == 200
    assert step(client, cast, "chair", referral_id, "acknowledge").status_code == 404


def test_a_client_without_shares_is_told_who_may_refer(cast: Cast, client: Any) -> None:
    from agora.people.models import Person

    with cast.database.transaction() as db:
        someone = db.get(Person, cast.ids["other_cooperator"])
        assert someone is not None
        someone.shares, someone.categories = 0, "clients"
    cast.use(client, "other_cooperator")
    page = client.get("/ethics/referrals/new")
    assert 'id="may-not-refer"' in page.text and 'name="question"' not in page.text
    refused = client.post("/api/v1/ethics/referrals", headers=cast.api("other_cooperator"),
                          json={"subject": "s", "question": "q", "language": "fr"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_allowed"
