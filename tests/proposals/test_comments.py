"""Threaded comments with a stance, comment supports, and the strongest arguments on each side."""

from __future__ import annotations

import re

from agora.proposals.models import Proposal, ProposalComment, Stance
from tests.conftest import sign_in
from tests.deliberation_support import client_for, err, make_proposal, notifications_of, people, post, row, tr


def _comment(client, proposal_id, body, stance="neutral", parent=""):
    url = f"/proposals/{proposal_id}"
    return post(client, f"{url}/comments", {"body": body, "stance": stance, "parent": parent}, from_page=url)


def _comment_id(response):
    return response.headers["location"].rsplit("#comment-", 1)[1]


def test_threaded_comments_with_stance(app, client, database):
    alice, bob, carol = people(database, [], [], [])
    proposal_id = make_proposal(database, alice)
    sign_in(client, bob.email)
    top = _comment_id(_comment(client, proposal_id, "Excellente idée", "for"))
    with client_for(app, carol) as other:
        reply = _comment_id(_comment(other, proposal_id, "Mais qui arrose ?", "against", parent=top))
        deeper = _comment_id(_comment(other, proposal_id, "Moi, le lundi", "neutral", parent=reply))
    page = client.get(f"/proposals/{proposal_id}").text
    # replies sit inside their parent's list
    top_block = page[page.index(f'id="comment-{top}"'):]
    replies_of_top = top_block[top_block.index(f'id="replies-{top}"'):]
    assert replies_of_top.index(f'id="comment-{reply}"') < replies_of_top.index(f'id="comment-{deeper}"')
    assert tr("For") in page and tr("Against") in page
    with database.session(write=False) as db:
        rows = {c.id: c for c in db.query(ProposalComment).all()}
    assert rows[reply].parent_id == top and rows[deeper].parent_id == reply
    assert rows[deeper].root_id == top and rows[reply].stance == Stance.AGAINST
    assert row(database, Proposal, proposal_id).comments_count == 3
    # the author hears about comments; the parent's author about replies
    assert [k for k, _d, _u in notifications_of(database, alice.id)].count("proposal_comment") == 3
    assert [k for k, _d, _u in notifications_of(database, bob.id)].count("proposal_comment") == 1


def test_strongest_arguments_are_the_most_supported_per_side(app, client, database):
    alice, *others = people(database, [], [], [], [], [])
    proposal_id = make_proposal(database, alice)
    ids = {}
    with client_for(app, others[0]) as writer:
        for key, stance, body in [("weak_for", "for", "Argument pour faible"),
                                  ("strong_for", "for", "Argument pour fort"),
                                  ("against", "against", "Argument contre"),
                                  ("neutral", "neutral", "Question neutre")]:
            ids[key] = _comment_id(_comment(writer, proposal_id, body, stance))
        own = post(writer, f"/proposals/comments/{ids['strong_for']}/support", {"on": "1"},
                   from_page=f"/proposals/{proposal_id}")
        assert own.status_code == 409 and err("You cannot support your own comment.") in own.text
    for supporter, liked in [(others[1], ["strong_for", "against", "neutral"]), (others[2], ["strong_for"]),
                             (others[3], ["weak_for", "strong_for"])]:
        with client_for(app, supporter) as reader:
            for key in liked:
                assert post(reader, f"/proposals/comments/{ids[key]}/support", {"on": "1"},
                            from_page=f"/proposals/{proposal_id}").status_code == 303
            post(reader, f"/proposals/comments/{ids[liked[0]]}/support", {"on": "1"},
                 from_page=f"/proposals/{proposal_id}")  # twice: still one
    assert row(database, ProposalComment, ids["strong_for"]).supports_count == 3
    assert row(database, ProposalComment, ids["weak_for"]).supports_count == 1
    sign_in(client, alice.email)
    page = client.get(f"/proposals/{proposal_id}").text
    section = page[page.index('id="arguments-title"'):page.index('id="comments-title"')]
    for_column, against_column = section.split("<h3>")[1], section.split("<h3>")[2]
    assert for_column.index("Argument pour fort") < for_column.index("Argument pour faible")
    assert "Argument contre" in against_column and "Question neutre" not in section

    with client_for(app, others[2]) as reader:
        post(reader, f"/proposals/comments/{ids['strong_for']}/support", {"on": "0"},
             from_page=f"/proposals/{proposal_id}")
    assert row(database, ProposalComment, ids["strong_for"]).supports_count == 2


def test_bad_comments_are_refused_and_kept_in_the_form(app, client, database):
    alice, bob, moderator = people(database, [], [], ["moderator"])
    proposal_id = make_proposal(database, alice)
    sign_in(client, bob.email)
    empty = _comment(client, proposal_id, "   ", "for")
    assert empty.status_code == 422 and err("The text must not be empty.") in empty.text
    long_text = "Très long " * 600
    too_long = _comment(client, proposal_id, long_text, "against")
    assert too_long.status_code == 422
    assert err("The text is too long (%(length)s characters; at most %(max)s).", length=len(long_text.strip()),
               max=5000) in too_long.text
    assert long_text.strip()[:200] in too_long.text  # what was typed is back in the form
    assert re.search(r'value="against"\s+checked', too_long.text)
    wrong = _comment(client, proposal_id, "Texte", "peut-être")
    assert wrong.status_code == 422 and err("Choose for, against or neutral.") in wrong.text
    missing_parent = _comment(client, proposal_id, "Réponse", "for", parent="0" * 32)
    assert missing_parent.status_code == 404

    hidden = _comment_id(_comment(client, proposal_id, "Message à masquer"))
    with client_for(app, moderator) as mod:
        post(mod, "/moderation/act", {"type": "proposal_comment", "id": hidden, "act": "hide", "reason": "Insultant"},
             from_page="/moderation")
    reply = _comment(client, proposal_id, "Je réponds quand même", parent=hidden)
    assert reply.status_code == 409
    assert err("This comment is under moderation: it cannot be replied to.") in reply.text
    assert "Je réponds quand même" in reply.text
    assert row(database, Proposal, proposal_id).comments_count == 0  # the hidden one no longer counts


def test_comment_fragment_follows_the_page_rule(app, client, database):
    alice, bob = people(database, [], [])
    draft = make_proposal(database, alice, publish=False)
    published = make_proposal(database, alice, title="Publiée")
    sign_in(client, alice.email)
    visible = _comment_id(_comment(client, published, "Bonjour tout le monde"))
    with client_for(app, bob) as other:
        fragment = other.get(f"/proposals/comments/{visible}/fragment")
        assert fragment.status_code == 200 and "Bonjour tout le monde" in fragment.text
        assert "<html" not in fragment.text
    assert draft  # comments are closed on drafts:
    closed = _comment(client, draft, "Sur un brouillon")
    assert closed.status_code == 409
