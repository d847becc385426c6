"""The lifecycle of DESIGN.md, through the pages: draft → published → threshold reached → on the agenda →
sent to the board → answered; withdrawn; every change dated on the timeline; who may do what."""

from __future__ import annotations

from agora.proposals.models import BoardDecision, Proposal, ProposalStatus
from tests.conftest import sign_in
from tests.deliberation_support import (
    client_for,
    err,
    form_error,
    make_proposal,
    people,
    post,
    row,
    set_threshold,
    support_as,
    tr,
)


def _create(client, **fields):
    data = {"title": "Un fonds de solidarité", "body": "Un fonds pour les coups durs.", "language": "fr",
            "scope": "cooperative", "region": "", "college": "", "sector": "", "theme": "solidarity",
            "action": "publish", **fields}
    return post(client, "/proposals/new", data, from_page="/proposals/new")


def test_draft_is_private_until_published(app, client, database):
    alice, bob = people(database, [], [])
    sign_in(client, alice.email)
    response = _create(client, action="draft")
    assert response.status_code == 303
    url = response.headers["location"]
    assert row(database, Proposal, url.rsplit("/", 1)[1]).status == ProposalStatus.DRAFT

    with client_for(app, bob) as other:
        assert other.get(url).status_code == 404
        assert "Un fonds de solidarité" not in other.get("/proposals").text
    assert "Un fonds de solidarité" in client.get("/proposals?mine=1").text

    edited = post(client, f"{url}/edit", {"title": "Un fonds de solidarité mutuelle", "body": "Texte revu.",
                                          "language": "fr", "scope": "cooperative", "region": "", "college": "",
                                          "sector": "", "theme": "", "action": "draft"}, from_page=f"{url}/edit")
    assert edited.status_code == 303
    assert post(client, f"{url}/publish", {}, from_page=url).status_code == 303
    published = row(database, Proposal, url.rsplit("/", 1)[1])
    assert published.status == ProposalStatus.PUBLISHED and published.title == "Un fonds de solidarité mutuelle"
    assert published.published_at is not None
    with client_for(app, bob) as other:
        assert "Un fonds de solidarité mutuelle" in other.get(url).text
    # Once published, the text changes through amendments only.
    again = client.get(f"{url}/edit")
    assert again.status_code == 409 and err(
        "A published proposal is changed through amendments, so that its supporters see what changed.") in again.text


def test_whole_path_to_the_board_with_a_dated_timeline(app, client, database):
    set_threshold(database, absolute=2)
    alice, bob, carol, admin = people(database, [], [], [], ["admin"])
    proposal_id = make_proposal(database, alice)
    url = f"/proposals/{proposal_id}"

    for supporter in (bob, carol):
        with client_for(app, supporter) as other:
            assert post(other, f"{url}/support", {}, from_page=url).status_code == 303
    assert row(database, Proposal, proposal_id).status == ProposalStatus.THRESHOLD_REACHED

    sign_in(client, admin.email)
    refused = post(client, f"{url}/board", {"note": "Rapport 12"}, from_page=url)
    assert refused.status_code == 409  # not on an agenda yet
    assert post(client, f"{url}/agenda", {"note": "AG du 14 juin"}, from_page=url).status_code == 303
    assert post(client, f"{url}/board", {"note": "Rapport au CA n° 12"}, from_page=url).status_code == 303
    assert post(client, f"{url}/answer", {"decision": "accepted", "justification": "x"}, from_page=url
                ).status_code == 303  # admins hold every permission; board members too (below)

    proposal = row(database, Proposal, proposal_id)
    assert proposal.status == ProposalStatus.ANSWERED and proposal.decision == BoardDecision.ACCEPTED
    page = client.get(url).text
    for expected in (tr("Published; threshold set at %(threshold)s supports", threshold=2),
                     tr("Threshold reached (%(supports)s supports)", supports=2),
                     tr("Put on the agenda: %(note)s", note="AG du 14 juin"),
                     tr("Sent to the board: %(note)s", note="Rapport au CA n° 12"),
                     tr("Answered by the board: %(decision)s", decision=tr("Accepted"))):
        assert expected in page, expected
    assert page.count('<time datetime=') >= 6


def test_board_member_answers_with_a_justification(app, client, database):
    set_threshold(database, absolute=1)
    alice, bob, admin, board = people(database, [], [], ["admin"], ["board_member"])
    proposal_id = make_proposal(database, alice)
    url = f"/proposals/{proposal_id}"
    with client_for(app, bob) as other:
        post(other, f"{url}/support", {}, from_page=url)
        assert post(other, f"{url}/agenda", {"note": "x"}, from_page=url).status_code == 404  # not allowed
    with client_for(app, admin) as secretariat:
        post(secretariat, f"{url}/agenda", {"note": "Consultation de décembre"}, from_page=url)
        post(secretariat, f"{url}/board", {"note": "Rapport 3"}, from_page=url)

    sign_in(client, board.email)
    missing = post(client, f"{url}/answer", {"decision": "partly_accepted", "justification": ""}, from_page=url)
    assert missing.status_code == 422 and form_error(missing.text)
    unknown = post(client, f"{url}/answer", {"decision": "maybe", "justification": "Texte"}, from_page=url)
    assert unknown.status_code == 422 and "Texte" in unknown.text  # what was typed is kept
    done = post(client, f"{url}/answer", {"decision": "partly_accepted",
                                          "justification": "Oui pour le fonds, **non** pour le montant."},
                from_page=url)
    assert done.status_code == 303
    page = client.get(url).text
    assert tr("Partly accepted") in page and "<strong>non</strong>" in page
    proposal = row(database, Proposal, proposal_id)
    assert proposal.decision == BoardDecision.PARTLY_ACCEPTED and proposal.answered_at is not None


def test_withdrawal_by_the_author_only_and_not_once_on_the_agenda(app, client, database):
    set_threshold(database, absolute=1)
    alice, bob, admin = people(database, [], [], ["admin"])
    first = make_proposal(database, alice, title="Première idée")
    second = make_proposal(database, alice, title="Deuxième idée")
    with client_for(app, bob) as other:
        assert post(other, f"/proposals/{first}/withdraw", {}, from_page=f"/proposals/{first}").status_code == 403
        post(other, f"/proposals/{second}/support", {}, from_page=f"/proposals/{second}")
    with client_for(app, admin) as secretariat:
        post(secretariat, f"/proposals/{second}/agenda", {"note": "AG"}, from_page=f"/proposals/{second}")

    sign_in(client, alice.email)
    done = post(client, f"/proposals/{first}/withdraw", {"reason": "Doublon"}, from_page=f"/proposals/{first}")
    assert done.status_code == 303
    assert row(database, Proposal, first).status == ProposalStatus.WITHDRAWN
    assert tr("Withdrawn by its author: %(reason)s", reason="Doublon") in client.get(f"/proposals/{first}").text
    assert "Première idée" not in client.get("/proposals").text  # the list leaves withdrawn ones out…
    assert "Première idée" in client.get("/proposals?status=withdrawn").text  # …unless asked for
    late = post(client, f"/proposals/{second}/withdraw", {}, from_page=f"/proposals/{second}")
    assert late.status_code == 409 and err("This proposal can no longer be withdrawn: it is already in the hands "
                                           "of the cooperative's bodies.") in late.text
    assert row(database, Proposal, second).status == ProposalStatus.ON_AGENDA


def test_signed_out_visitors_are_sent_to_sign_in(client, database):
    (alice,) = people(database, [])
    proposal_id = make_proposal(database, alice)
    for path in ("/proposals", f"/proposals/{proposal_id}", "/proposals/new", "/forums"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/signin"), path


def test_home_page_lists_proposals_collecting_supports(client, database):
    alice, bob = people(database, [], [])
    collecting = make_proposal(database, alice, title="Une idée qui rassemble")
    make_proposal(database, alice, title="Encore un brouillon", publish=False)
    support_as(database, collecting, bob)
    sign_in(client, bob.email)
    home = client.get("/").text
    panel = home[home.index('id="proposals-title"'):]
    assert f'href="/proposals/{collecting}"' in panel and "Encore un brouillon" not in panel
    assert tr("No proposal is collecting supports right now.") not in panel
