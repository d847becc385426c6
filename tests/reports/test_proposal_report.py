"""A proposal's report: the proposal, its supports, the most supported arguments for and against,
its amendments; valid against the schema; supporters told of the board's answer."""

from __future__ import annotations

from sqlalchemy import select

from agora.notifications.models import Notification
from agora.proposals import access, services
from agora.proposals.models import Proposal, ProposalStatus
from agora.reports.document import validate
from tests.consultations.support import caller
from tests.deliberation_support import make_proposal, people, principal_of, set_threshold, support_as
from tests.reports.support import canonical_sha256, pdf_text

API = "/api/v1/reports"


def _comment(database, proposal_id, who, body, stance):
    with database.transaction() as db:
        principal = principal_of(db, who.id)
        proposal = access.access_proposal(db, principal, proposal_id)
        return services.add_comment(db, principal, proposal, body, stance).id


def _support_comment(database, proposal_id, comment_id, who):
    with database.transaction() as db:
        principal = principal_of(db, who.id)
        proposal = access.access_proposal(db, principal, proposal_id)
        _p, comment = access.access_comment(db, principal, comment_id)
        services.support_comment(db, principal, proposal, comment, True)


def test_a_proposal_report_carries_supports_and_the_strongest_arguments(client, database, tmp_path):
    author, a, b, c = people(database, [], [], [], [])
    pid = make_proposal(database, author, title="Un potager partagé")
    for who in (a, b, c):
        support_as(database, pid, who)
    strong_for = _comment(database, pid, a, "Bon pour la santé", "for")
    weak_for = _comment(database, pid, b, "Sympa", "for")
    against = _comment(database, pid, c, "Trop cher", "against")
    _comment(database, pid, c, "Je ne sais pas", "neutral")
    for who in (b, c, author):
        _support_comment(database, pid, strong_for, who)
    _support_comment(database, pid, weak_for, a)
    _support_comment(database, pid, against, a)

    admin, board = caller(database, roles=["admin"]), caller(database, roles=["board_member"])
    response = client.post(API, json={"kind": "proposal", "source": pid, "summary": {"fr": "À suivre"}},
                           headers=admin.headers)
    assert response.status_code == 201, response.text
    rid = response.json()["id"]
    assert client.post(f"{API}/{rid}/submit", headers=admin.headers).status_code == 200
    report = client.get(f"{API}/{rid}", headers=board.headers).json()
    validate(report)
    assert report["integrity"]["sha256"] == canonical_sha256(report)
    assert report["proposals"][0]["supports"] == 3 and report["proposals"][0]["title"] == {"fr": "Un potager partagé"}
    arguments = report["items"][0]["arguments"]
    assert [(s["text"], s["supports"]) for s in arguments["for"]] == [("Bon pour la santé", 3), ("Sympa", 1)]
    assert [(s["text"], s["supports"]) for s in arguments["against"]] == [("Trop cher", 1)]
    pdf = client.get(f"{API}/{rid}.pdf", headers=board.headers)
    text = pdf_text(pdf.content, tmp_path)
    assert "Bon pour la santé" in text and "Trop cher" in text and "Un potager partagé" in text
    assert client.get(f"{API}/{rid}.csv", headers=board.headers).text.count("\r\n") == 1  # no options: header only

    answer = {"decision": "postponed", "text": {"fr": "Reporté au budget 2027."}}
    assert client.post(f"{API}/{rid}/answer", json=answer, headers=board.headers).status_code == 200
    with database.transaction() as db:
        told = set(db.execute(select(Notification.person_id).where(Notification.kind == "report_answered")).scalars())
    assert {author.id, a.id, b.id, c.id} <= told


def test_a_draft_proposal_is_not_a_source(client, database):
    (author,) = people(database, [])
    pid = make_proposal(database, author, publish=False)
    admin = caller(database, roles=["admin"])
    response = client.post(API, json={"kind": "proposal", "source": pid}, headers=admin.headers)
    assert response.status_code == 404 and response.json()["error"]["code"] == "source_not_found"


def test_the_proposal_follows_its_report_to_the_board_and_takes_the_answer(client, database):
    set_threshold(database, absolute=1)
    author, supporter = people(database, [], [])
    pid = make_proposal(database, author)
    support_as(database, pid, supporter)
    admin, board = caller(database, roles=["admin"]), caller(database, roles=["board_member"])
    with database.transaction() as db:
        principal = principal_of(db, admin.id)
        services.put_on_agenda(db, principal, access.access_proposal(db, principal, pid), "AG de juin")
    response = client.post(API, json={"kind": "proposal", "source": pid, "summary": {"fr": "À décider"}},
                           headers=admin.headers)
    rid = response.json()["id"]
    assert client.post(f"{API}/{rid}/submit", headers=admin.headers).status_code == 200
    assert client.get(f"/api/v1/proposals/{pid}", headers=admin.headers).json()["status"] == "sent_to_board"
    answer = {"decision": "accepted", "text": {"nl": "Aanvaard.", "fr": "Accepté : le potager sera créé."}}
    assert client.post(f"{API}/{rid}/answer", json=answer, headers=board.headers).status_code == 200
    with database.transaction() as db:
        proposal = db.get(Proposal, pid)
        assert proposal.status == ProposalStatus.ANSWERED and proposal.decision.value == "accepted"
        assert "le potager sera créé" in proposal.decision_md
        told = list(db.execute(select(Notification.person_id).where(
            Notification.kind.in_(["report_answered", "proposal_answered"]))).scalars())
    # one notification per person for one answer (the proposal's), not the proposal's and the report's
    assert sorted(told) == sorted([author.id, supporter.id, admin.id]), told
