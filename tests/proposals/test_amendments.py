"""Amendments: anyone proposes a new text; the author accepts or declines it with a reason; accepted ones
become versions, and the history shows what changed word by word."""

from __future__ import annotations

import re

from agora.proposals.models import Amendment, AmendmentStatus, Proposal, ProposalVersion
from tests.conftest import sign_in
from tests.deliberation_support import client_for, err, make_proposal, notifications_of, people, post, row, tr

BODY = "Créons un potager partagé derrière le bureau de Liège."


def _amend(client, proposal_id, body, title="Un potager partagé à Liège", explanation="Plus précis"):
    url = f"/proposals/{proposal_id}"
    return post(client, f"{url}/amend", {"title": title, "body": body, "explanation": explanation},
                from_page=f"{url}/amend")


def test_accepted_amendment_becomes_a_version_with_its_differences(app, client, database):
    alice, bob = people(database, [], [])
    proposal_id = make_proposal(database, alice, body=BODY)
    with client_for(app, bob) as other:
        response = _amend(other, proposal_id, BODY.replace("potager partagé", "potager bio partagé"))
        assert response.status_code == 303
        amendment_url = response.headers["location"]
    assert ("proposal_amendment", amendment_url) in [(k, u) for k, _d, u in notifications_of(database, alice.id)]

    sign_in(client, alice.email)
    page = client.get(amendment_url).text
    assert "<ins>bio </ins>" in page or re.search(r"<ins>\s*bio\s*</ins>", page)
    assert post(client, f"{amendment_url}/decide", {"decision": "accept", "reason": ""},
                from_page=amendment_url).status_code == 303

    proposal = row(database, Proposal, proposal_id)
    assert proposal.version == 2 and "potager bio partagé" in proposal.body_md
    with database.session(write=False) as db:
        from sqlalchemy import select

        versions = db.execute(select(ProposalVersion).where(ProposalVersion.proposal_id == proposal_id)
                              .order_by(ProposalVersion.number)).scalars().all()
        assert [(v.number, v.author_id) for v in versions] == [(1, alice.id), (2, bob.id)]
        assert "bio" not in versions[0].body_md  # the first text is kept as it was
    history = client.get(f"/proposals/{proposal_id}/versions").text
    assert re.search(r"<ins>\s*bio\s*</ins>", history)
    assert tr("Version %(number)s", number=2) in history and tr("Version %(number)s", number=1) in history
    assert tr("Text amended (version %(version)s)", version=2) in client.get(f"/proposals/{proposal_id}").text
    assert ("amendment_accepted", amendment_url) in [(k, u) for k, _d, u in notifications_of(database, bob.id)]


def test_declining_needs_a_reason_and_only_the_author_decides(app, client, database):
    alice, bob, carol = people(database, [], [], [])
    proposal_id = make_proposal(database, alice, body=BODY)
    with client_for(app, bob) as other:
        amendment_url = _amend(other, proposal_id, BODY + " Avec des ruches.").headers["location"]
    amendment_id = amendment_url.rsplit("/", 1)[1]
    with client_for(app, carol) as stranger:
        refused = post(stranger, f"{amendment_url}/decide", {"decision": "accept"}, from_page=amendment_url)
        assert refused.status_code == 403
        assert err("Only the author of the proposal decides on its amendments.") in refused.text

    sign_in(client, alice.email)
    no_reason = post(client, f"{amendment_url}/decide", {"decision": "decline", "reason": ""}, from_page=amendment_url)
    assert no_reason.status_code == 422 and err("Please give a reason.") in no_reason.text
    assert row(database, Amendment, amendment_id).status == AmendmentStatus.PENDING
    declined = post(client, f"{amendment_url}/decide",
                    {"decision": "decline", "reason": "Pas de place pour des ruches"}, from_page=amendment_url)
    assert declined.status_code == 303
    amendment = row(database, Amendment, amendment_id)
    assert amendment.status == AmendmentStatus.DECLINED and amendment.decision_reason == "Pas de place pour des ruches"
    assert row(database, Proposal, proposal_id).version == 1
    again = post(client, f"{amendment_url}/decide", {"decision": "accept"}, from_page=amendment_url)
    assert again.status_code == 409
    page = client.get(amendment_url).text
    assert tr("The author's reason: %(reason)s", reason="Pas de place pour des ruches") in page
    reasons = [d.get("reason") for k, d, _u in notifications_of(database, bob.id) if k == "amendment_declined"]
    assert reasons == ["Pas de place pour des ruches"]


def test_an_outdated_amendment_must_be_updated_before_it_is_accepted(app, client, database):
    alice, bob, carol = people(database, [], [], [])
    proposal_id = make_proposal(database, alice, body=BODY)
    with client_for(app, bob) as b:
        first = _amend(b, proposal_id, BODY + " Avec un compost.").headers["location"]
    with client_for(app, carol) as c:
        second = _amend(c, proposal_id, BODY.replace("Liège", "Liège et de Namur")).headers["location"]
    sign_in(client, alice.email)
    post(client, f"{first}/decide", {"decision": "accept"}, from_page=first)
    outdated = post(client, f"{second}/decide", {"decision": "accept"}, from_page=second)
    assert outdated.status_code == 409
    assert err("The text has changed since this amendment was written. "
               "Its author must first update it.") in outdated.text
    assert "compost" in row(database, Proposal, proposal_id).body_md  # the first change was not lost

    with client_for(app, carol) as c:
        current = row(database, Proposal, proposal_id).body_md
        updated = post(c, f"{second}/edit", {"title": "Un potager partagé à Liège",
                                             "body": current.replace("Liège", "Liège et de Namur"), "explanation": ""},
                       from_page=f"{second}/edit")
        assert updated.status_code == 303
    assert post(client, f"{second}/decide", {"decision": "accept"}, from_page=second).status_code == 303
    final = row(database, Proposal, proposal_id)
    assert final.version == 3 and "compost" in final.body_md and "Namur" in final.body_md


def test_amendment_bad_input_keeps_what_was_typed(app, client, database):
    alice, bob = people(database, [], [])
    proposal_id = make_proposal(database, alice, body=BODY)
    sign_in(client, bob.email)
    unchanged = _amend(client, proposal_id, BODY, explanation="Je ne change rien")
    assert unchanged.status_code == 422 and err("The amendment changes nothing in the text.") in unchanged.text
    assert "Je ne change rien" in unchanged.text
    too_long = _amend(client, proposal_id, "x" * 20_001, explanation="Trop long")
    assert too_long.status_code == 422 and "Trop long" in too_long.text
    empty = _amend(client, proposal_id, "   ", explanation="Vide")
    assert empty.status_code == 422 and err("The text must not be empty.") in empty.text and "Vide" in empty.text


def test_amendment_author_can_withdraw_it(app, client, database):
    alice, bob = people(database, [], [])
    proposal_id = make_proposal(database, alice, body=BODY)
    sign_in(client, bob.email)
    url = _amend(client, proposal_id, BODY + " Et des fleurs.").headers["location"]
    assert post(client, f"{url}/decide", {"decision": "withdraw"}, from_page=url).status_code == 303
    assert row(database, Amendment, url.rsplit("/", 1)[1]).status == AmendmentStatus.WITHDRAWN
    with client_for(app, alice) as author:
        late = post(author, f"{url}/decide", {"decision": "accept"}, from_page=url)
        assert late.status_code == 409
