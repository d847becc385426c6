"""Community moderation: anyone reports, moderators hide or restore with a reason, the author is told,
every act is in the public log (what, when, why, which role); floods are refused; a new account's first
posts can wait for review."""

from __future__ import annotations

from sqlalchemy import select

from agora.audit import AuditEntry
from agora.forums.models import ForumPost, ForumThread
from agora.moderation.models import Flag, ModerationAction, ModerationState
from agora.proposals.models import Proposal
from tests.conftest import sign_in
from tests.deliberation_support import (
    client_for,
    err,
    make_proposal,
    make_space,
    make_thread,
    moderation_settings,
    notifications_of,
    people,
    post,
    reply_as,
    row,
    tr,
)


def _act(client, kind, target, act, reason):
    return post(client, "/moderation/act", {"type": kind, "id": target, "act": act, "reason": reason},
                from_page="/")


def _opening(database, thread_id):
    with database.session(write=False) as db:
        return db.execute(select(ForumPost).where(ForumPost.thread_id == thread_id, ForumPost.number == 1)
                          ).scalar_one()


def test_anyone_reports_once_with_a_reason_and_moderators_see_it(app, client, database):
    alice, bob, carol, moderator = people(database, [], [], [], ["moderator"])
    make_space(database)
    thread_id = make_thread(database, alice, body="Un message douteux")
    post_id = _opening(database, thread_id).id
    sign_in(client, bob.email)
    form = client.get(f"/moderation/flag?type=forum_post&id={post_id}")
    assert form.status_code == 200 and "Un message douteux" in form.text
    empty = post(client, "/moderation/flag", {"type": "forum_post", "id": post_id, "reason": ""}, from_page="/")
    assert empty.status_code == 422 and err("Please give a reason.") in empty.text
    first = post(client, "/moderation/flag", {"type": "forum_post", "id": post_id, "reason": "Publicité"},
                 from_page="/")
    assert first.status_code == 303 and first.headers["location"].endswith("done=new")
    again = post(client, "/moderation/flag", {"type": "forum_post", "id": post_id, "reason": "Encore"}, from_page="/")
    assert again.headers["location"].endswith("done=again")
    with client_for(app, carol) as other:
        post(other, "/moderation/flag", {"type": "forum_post", "id": post_id, "reason": "Hors sujet"}, from_page="/")
    with client_for(app, alice) as author:
        own = post(author, "/moderation/flag", {"type": "forum_post", "id": post_id, "reason": "x"}, from_page="/")
        assert own.status_code == 409 and err("You cannot flag what you wrote yourself.") in own.text
    with database.session(write=False) as db:
        assert db.query(Flag).count() == 2
    assert client.get("/moderation").status_code == 404  # the queue is for moderators
    assert post(client, "/moderation/flag", {"type": "nonsense", "id": post_id, "reason": "x"}, from_page="/"
                ).status_code == 404
    with client_for(app, moderator) as mod:
        queue = mod.get("/moderation").text
        assert "Publicité" in queue and "Hors sujet" in queue and "Un message douteux" in queue


def test_hiding_and_restoring_tell_the_author_and_fill_the_public_log(app, client, database):
    alice, bob, moderator = people(database, [], [], ["moderator"])
    make_space(database)
    thread_id = make_thread(database, alice, body="Propos insultants")
    post_id = _opening(database, thread_id).id
    with client_for(app, bob) as other:
        post(other, "/moderation/flag", {"type": "forum_post", "id": post_id, "reason": "Insulte"}, from_page="/")
        assert _act(other, "forum_post", post_id, "hide", "Non").status_code == 404  # not a moderator

    sign_in(client, moderator.email)
    no_reason = _act(client, "forum_post", post_id, "hide", "")
    assert no_reason.status_code == 422 and err("Please give a reason.") in no_reason.text
    assert _act(client, "forum_post", post_id, "hide", "Insultes envers un membre").status_code == 303
    hidden = row(database, ForumPost, post_id)
    assert hidden.moderation == ModerationState.HIDDEN and hidden.moderation_reason == "Insultes envers un membre"
    with database.session(write=False) as db:
        assert db.execute(select(Flag.resolved_at).where(Flag.target_id == post_id)).scalar_one() is not None
    assert [(k, d["reason"]) for k, d, _u in notifications_of(database, alice.id) if k.startswith("moderation")] == [
        ("moderation_hide", "Insultes envers un membre")]
    stale = _act(client, "forum_post", post_id, "hide", "Encore")
    assert stale.status_code == 409

    with client_for(app, bob) as other:
        page = other.get(f"/forums/threads/{thread_id}").text
        assert "Propos insultants" not in page and "Insultes envers un membre" in page
    with client_for(app, alice) as author:
        assert "Propos insultants" in author.get(f"/forums/threads/{thread_id}").text  # the author still sees it

    assert _act(client, "forum_post", post_id, "restore", "Le contexte montre une citation").status_code == 303
    assert row(database, ForumPost, post_id).moderation == ModerationState.VISIBLE

    client.cookies.clear()  # the log is public, even signed out
    log = client.get("/moderation/log")
    assert log.status_code == 200
    assert "Insultes envers un membre" in log.text and "Le contexte montre une citation" in log.text
    assert tr("a moderator") in log.text and moderator.name not in log.text and "Propos insultants" not in log.text
    with database.session(write=False) as db:
        acts = [(a.act.value, a.actor_role) for a in db.execute(select(ModerationAction)
                                                                 .order_by(ModerationAction.at)).scalars()]
        audited = {e.action for e in db.execute(select(AuditEntry)).scalars()}
    assert acts == [("hide", "moderator"), ("restore", "moderator")]
    assert {"moderation.hide", "moderation.restore"} <= audited


def test_a_hidden_proposal_keeps_its_page_with_the_reason_on_its_timeline(app, client, database):
    alice, bob, admin = people(database, [], [], ["admin"])
    proposal_id = make_proposal(database, alice, title="Titre problématique", body="Texte problématique")
    with client_for(app, admin) as secretariat:
        assert _act(secretariat, "proposal", proposal_id, "hide", "Données personnelles").status_code == 303
    assert row(database, Proposal, proposal_id).moderation == ModerationState.HIDDEN
    sign_in(client, bob.email)
    page = client.get(f"/proposals/{proposal_id}")
    assert page.status_code == 200 and "Texte problématique" not in page.text and "Titre problématique" not in page.text
    assert tr("Hidden by moderation: %(reason)s", reason="Données personnelles") in page.text
    assert "Titre problématique" not in client.get("/proposals").text
    log = client.get("/moderation/log").text
    assert tr("the secretariat") in log  # an admin acted: the log names the role
    with client_for(app, alice) as author:
        assert "Texte problématique" in author.get(f"/proposals/{proposal_id}").text


def test_floods_are_refused_and_the_text_is_kept(app, client, database):
    alice, bob = people(database, [], [])
    make_space(database)
    thread_id = make_thread(database, alice)
    moderation_settings(database, rate_limit_posts=3, rate_limit_minutes=10)
    url = f"/forums/threads/{thread_id}"
    sign_in(client, bob.email)
    for n in range(3):
        assert post(client, f"{url}/reply", {"body": f"Message {n}"}, from_page=url).status_code == 303
    flood = post(client, f"{url}/reply", {"body": "Un quatrième message important"}, from_page=url)
    assert flood.status_code == 429
    assert err("You have posted a lot in a short time. Please wait a few minutes before posting again; "
               "your text is kept below.") in flood.text
    assert "Un quatrième message important" in flood.text
    comment = post(client, f"/proposals/{make_proposal(database, alice)}/comments",
                   {"body": "Et un commentaire", "stance": "for"}, from_page="/proposals")
    assert comment.status_code == 429  # the limit counts every kind of post
    assert row(database, ForumThread, thread_id).posts_count == 4


def test_a_new_accounts_first_posts_wait_for_review(app, client, database):
    alice, newcomer, moderator, reader = people(database, [], [], ["moderator"], [])
    make_space(database)
    thread_id = make_thread(database, alice)
    moderation_settings(database, hold_first_posts=2, rate_limit_posts=50)
    first = reply_as(database, newcomer, thread_id, "Bonjour à tous")
    second = reply_as(database, newcomer, thread_id, "Deuxième message")
    assert row(database, ForumPost, first).moderation == ModerationState.HELD
    with client_for(app, reader) as other:
        page = other.get(f"/forums/threads/{thread_id}").text
        assert "Bonjour à tous" not in page
        assert other.get(f"/forums/posts/{first}/fragment").status_code == 404
    with client_for(app, newcomer) as author:
        page = author.get(f"/forums/threads/{thread_id}").text
        assert "Bonjour à tous" in page
        assert tr("Waiting for review by a moderator: only you and the moderators see it for now.") in page
    assert [k for k, _d, _u in notifications_of(database, alice.id)] == []  # subscribers are not told yet

    sign_in(client, moderator.email)
    assert "Bonjour à tous" in client.get("/moderation").text
    assert _act(client, "forum_post", first, "approve", "").status_code == 303
    assert _act(client, "forum_post", second, "reject", "Publicité").status_code == 303
    assert row(database, ForumPost, first).moderation == ModerationState.VISIBLE
    assert row(database, ForumPost, second).moderation == ModerationState.HIDDEN
    assert [k for k, _d, _u in notifications_of(database, alice.id)] == ["forum_reply"]  # told once published
    kinds = [k for k, _d, _u in notifications_of(database, newcomer.id)]
    assert kinds == ["moderation_approve", "moderation_reject"]
    third = reply_as(database, newcomer, thread_id, "Troisième")
    assert row(database, ForumPost, third).moderation == ModerationState.HELD  # only one approved so far
    _act(client, "forum_post", third, "approve", "")
    fourth = reply_as(database, newcomer, thread_id, "Quatrième")
    assert row(database, ForumPost, fourth).moderation == ModerationState.VISIBLE


def test_settings_are_for_the_secretariat(app, client, database):
    admin, moderator = people(database, ["admin"], ["moderator"])
    with client_for(app, moderator) as mod:
        assert mod.get("/moderation/settings").status_code == 404
    sign_in(client, admin.email)
    bad = post(client, "/moderation/settings", {"hold_first_posts": "2", "rate_limit_posts": "0",
                                                "rate_limit_minutes": "5"}, from_page="/moderation/settings")
    assert bad.status_code == 422 and err("The number of posts must be between 1 and 1000.") in bad.text
    ok = post(client, "/moderation/settings", {"hold_first_posts": "2", "rate_limit_posts": "20",
                                               "rate_limit_minutes": "15"}, from_page="/moderation/settings")
    assert ok.status_code == 303
    from agora.moderation.models import ModerationSettings

    saved = row(database, ModerationSettings, 1)
    assert (saved.hold_first_posts, saved.rate_limit_posts, saved.rate_limit_minutes) == (2, 20, 15)
