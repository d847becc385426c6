"""Forums through the pages: spaces, threads and replies, quotes, edits with history, subscriptions,
bad input, and a thread that becomes a proposal (linked both ways)."""

from __future__ import annotations

import re

from sqlalchemy import select

from agora.forums.models import ForumPost, ForumPostRevision, ForumSpace, ForumThread, SpaceKind
from agora.proposals.models import Proposal
from tests.conftest import sign_in
from tests.deliberation_support import (
    client_for,
    count_queries,
    err,
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


def _space_form(**fields):
    data = {"slug": "liege", "kind": "region", "region": "liege", "college": "", "sector": "", "active": "1",
            "name_fr": "Liège", "name_nl": "Luik", "name_de": "", "description_fr": "Les membres de Liège",
            "description_nl": "", "description_de": ""}
    data.update(fields)
    return data


def test_spaces_by_theme_region_college_and_sector(app, client, database):
    admin, member = people(database, ["admin"], [])
    with client_for(app, member) as other:
        assert other.get("/forums/spaces/new").status_code == 404
        assert post(other, "/forums/spaces/new", _space_form(), from_page="/forums").status_code == 404
    sign_in(client, admin.email)
    for fields in (_space_form(), _space_form(slug="clients", kind="college", college="clients", name_fr="Clients"),
                   _space_form(slug="artistes", kind="sector", sector="arts", name_fr="Artistes"),
                   _space_form(slug="ecologie", kind="theme", name_fr="Écologie")):
        assert post(client, "/forums/spaces/new", fields, from_page="/forums/spaces/new").status_code == 303, fields
    with database.session(write=False) as db:
        kinds = {s.slug: s.kind for s in db.execute(select(ForumSpace)).scalars()}
    assert kinds == {"liege": SpaceKind.REGION, "clients": SpaceKind.COLLEGE, "artistes": SpaceKind.SECTOR,
                     "ecologie": SpaceKind.THEME}
    for fields, message in [
        (_space_form(slug="x y"), "A space's short name uses 3 to 64 lowercase letters, digits and hyphens."),
        (_space_form(slug="nowhere", region="atlantis"), "Unknown region: %(region)s."),
        (_space_form(slug="badsector", kind="sector", sector="piracy"), "Unknown trade sector: %(sector)s."),
        (_space_form(slug="liege"), "Another space already uses the short name %(slug)s."),
        (_space_form(slug="noname", name_fr="", name_nl=""), "Give the space a name in at least one language."),
    ]:
        refused = post(client, "/forums/spaces/new", fields, from_page="/forums/spaces/new")
        assert refused.status_code in (409, 422), fields
        value = {"region": "atlantis", "sector": "piracy", "slug": "liege"}
        assert err(message, **{k: v for k, v in value.items() if f"%({k})s" in message}) in refused.text
        assert 'value="Les membres de Liège"' not in refused.text  # (a textarea: the text is its content)
        assert "Les membres de Liège" in refused.text
    with client_for(app, member) as other:
        listing = other.get("/forums").text
        assert "Luik" not in listing and "Liège" in listing  # the reader's language (fr), with fallback
        assert tr("Trade sectors") in listing


def test_thread_reply_quote_and_pages(app, client, database):
    alice, bob = people(database, [], [])
    make_space(database)
    moderation_settings(database, rate_limit_posts=100)
    sign_in(client, alice.email)
    started = post(client, "/forums/general/new", {"title": "Le local de Namur", "body": "Il est **trop petit**.",
                                                   "language": "fr"}, from_page="/forums/general/new")
    assert started.status_code == 303
    thread_url = started.headers["location"]
    thread_id = thread_url.rsplit("/", 1)[1]
    first = row(database, ForumThread, thread_id)
    assert first.posts_count == 1 and first.post_seq == 1

    with client_for(app, bob) as other:
        opening = next(p for p in _posts(database, thread_id) if p.number == 1)
        quoted_page = other.get(f"{thread_url}?quote={opening.id}").text
        assert 'name="quote"' in quoted_page and "trop petit" in quoted_page
        answer = post(other, f"{thread_url}/reply", {"body": "Cherchons plus grand.", "quote": opening.id},
                      from_page=thread_url)
        assert answer.status_code == 303 and answer.headers["location"].endswith("#post-2")
    page = client.get(thread_url).text
    assert tr("%(name)s wrote (#%(number)s):", name=alice.name, number=1) in page
    assert "Cherchons plus grand." in page and page.index("<strong>trop petit</strong>") < page.index("Cherchons")
    assert row(database, ForumThread, thread_id).posts_count == 2

    for n in range(3, 53):
        reply_as(database, bob, thread_id, f"Message numéro {n}")
    second_page = client.get(f"{thread_url}?page=2").text
    assert 'id="post-51"' in second_page and 'id="post-52"' in second_page and 'id="post-50"' not in second_page
    assert tr("Page %(page)s of %(pages)s", page=2, pages=2) in second_page
    link = client.get(f"/forums/posts/{_post(database, thread_id, 52).id}", follow_redirects=False)
    assert link.headers["location"].endswith("?page=2#post-52")
    reply_as(database, alice, thread_id, "Je reviens au début", quote=opening.id)  # quotes a post of page 1
    second_page = client.get(f"{thread_url}?page=2").text
    assert tr("%(name)s wrote (#%(number)s):", name=alice.name, number=1) in second_page
    assert "<strong>trop petit</strong>" in second_page and 'id="post-1"' not in second_page  # a quote, not a post
    assert 'id="post-53"' not in client.get(thread_url).text


def _posts(database, thread_id):
    with database.session(write=False) as db:
        return list(db.execute(select(ForumPost).where(ForumPost.thread_id == thread_id)
                               .order_by(ForumPost.number)).scalars())


def _post(database, thread_id, number):
    return next(p for p in _posts(database, thread_id) if p.number == number)


def test_a_thread_page_costs_the_same_number_of_queries_whatever_its_length(client, database):
    alice, bob, carol = people(database, [], [], [])
    make_space(database)
    moderation_settings(database, rate_limit_posts=100)
    short_id = make_thread(database, alice, title="Court")
    long_id = make_thread(database, alice, title="Long")
    reply_as(database, bob, short_id, "Un")
    for n in range(40):
        reply_as(database, (bob, carol)[n % 2], long_id, f"Réponse {n}",
                 quote=_post(database, long_id, 1).id if n % 3 == 0 else "")
    sign_in(client, alice.email)

    def cost(thread_id):
        client.get(f"/forums/threads/{thread_id}")
        with count_queries(database) as statements:
            assert client.get(f"/forums/threads/{thread_id}").status_code == 200
        return len(statements)

    assert cost(short_id) + 1 >= cost(long_id)  # +1: the page with quotes loads the quoted posts once


def test_editing_keeps_a_public_history_and_only_the_author_edits(app, client, database):
    alice, bob = people(database, [], [])
    make_space(database)
    thread_id = make_thread(database, alice, body="Première version")
    post_id = _post(database, thread_id, 1).id
    with client_for(app, bob) as other:
        refused = post(other, f"/forums/posts/{post_id}/edit", {"body": "Piraté"}, from_page="/forums")
        assert refused.status_code == 403 and err("You can only edit your own posts.") in refused.text
    sign_in(client, alice.email)
    empty = post(client, f"/forums/posts/{post_id}/edit", {"body": "  "}, from_page=f"/forums/posts/{post_id}/edit")
    assert empty.status_code == 422 and err("The text must not be empty.") in empty.text
    assert post(client, f"/forums/posts/{post_id}/edit", {"body": "Deuxième version"},
                from_page=f"/forums/posts/{post_id}/edit").status_code == 303
    assert post(client, f"/forums/posts/{post_id}/edit", {"body": "Troisième version"},
                from_page=f"/forums/posts/{post_id}/edit").status_code == 303
    edited = row(database, ForumPost, post_id)
    assert edited.body_md == "Troisième version" and edited.edit_count == 2 and edited.edited_at is not None
    with database.session(write=False) as db:
        history = [r.body_md for r in db.execute(select(ForumPostRevision).where(
            ForumPostRevision.post_id == post_id).order_by(ForumPostRevision.replaced_at)).scalars()]
    assert history == ["Première version", "Deuxième version"]
    with client_for(app, bob) as other:
        page = other.get(f"/forums/posts/{post_id}/history").text
        assert page.index("Troisième") < page.index("Deuxième") < page.index("Première")
        assert f"/forums/posts/{post_id}/history" in other.get(f"/forums/threads/{thread_id}").text


def test_bad_replies_keep_what_was_typed(app, client, database):
    alice, bob, moderator = people(database, [], [], ["moderator"])
    make_space(database)
    thread_id = make_thread(database, alice)
    url = f"/forums/threads/{thread_id}"
    sign_in(client, bob.email)
    empty = post(client, f"{url}/reply", {"body": ""}, from_page=url)
    assert empty.status_code == 422 and err("The text must not be empty.") in empty.text
    huge = "Beaucoup trop long. " * 1200
    too_long = post(client, f"{url}/reply", {"body": huge}, from_page=url)
    assert too_long.status_code == 422 and huge.strip()[:300] in too_long.text
    with client_for(app, moderator) as mod:
        post(mod, "/moderation/act", {"type": "forum_thread", "id": thread_id, "act": "hide", "reason": "Spam"},
             from_page="/moderation")
    hidden = post(client, f"{url}/reply", {"body": "Ma réponse réfléchie"}, from_page="/forums")
    assert hidden.status_code == 409
    assert err("This thread was hidden by moderation: it no longer accepts replies.") in hidden.text
    assert "Ma réponse réfléchie" in hidden.text  # shown back, to copy elsewhere: nothing typed is lost
    assert len(_posts(database, thread_id)) == 1


def test_subscriptions_bring_in_app_notifications(app, client, database):
    alice, bob, carol, dave = people(database, [], [], [], [])
    make_space(database)
    sign_in(client, carol.email)
    assert post(client, "/forums/general/subscribe", {"on": "1"}, from_page="/forums/general").status_code == 303
    thread_id = make_thread(database, alice, title="Nouvelles du local")
    kinds = [(k, u) for k, _d, u in notifications_of(database, carol.id)]
    assert kinds == [("forum_thread", f"/forums/threads/{thread_id}")]
    with client_for(app, dave) as other:
        post(other, f"/forums/threads/{thread_id}/subscribe", {"on": "1"}, from_page=f"/forums/threads/{thread_id}")
    reply_id = reply_as(database, bob, thread_id, "Du nouveau !")
    for who in (alice, dave):  # the author follows their thread from the start
        assert [k for k, _d, _u in notifications_of(database, who.id)] == ["forum_reply"], who
    assert "forum_reply" not in [k for k, _d, _u in notifications_of(database, bob.id)]  # not about one's own post
    assert notifications_of(database, dave.id)[0][2].endswith("#post-2")
    with client_for(app, dave) as other:
        post(other, f"/forums/threads/{thread_id}/subscribe", {"on": "0"}, from_page=f"/forums/threads/{thread_id}")
    reply_as(database, bob, thread_id, "Encore du nouveau")
    assert len(notifications_of(database, dave.id)) == 1
    assert reply_id
    page = client.get("/notifications").text
    assert err("New thread “%(title)s” in the space “%(space)s”.", title="Nouvelles du local", space="Général") in page


def test_a_thread_becomes_a_proposal_linked_both_ways(app, client, database):
    alice, bob = people(database, [], [])
    make_space(database)
    thread_id = make_thread(database, alice, title="Un atelier de réparation", body="Réparons nos outils ensemble.")
    sign_in(client, bob.email)
    form = client.get(f"/proposals/new?thread={thread_id}").text
    assert 'value="Un atelier de réparation"' in form and "Réparons nos outils ensemble." in form
    assert f'name="thread" value="{thread_id}"' in form
    created = post(client, "/proposals/new", {"title": "Un atelier de réparation", "body": "Réparons nos outils.",
                                              "language": "fr", "scope": "cooperative", "thread": thread_id,
                                              "action": "publish"}, from_page="/proposals/new")
    assert created.status_code == 303
    proposal_url = created.headers["location"]
    proposal = row(database, Proposal, proposal_url.rsplit("/", 1)[1])
    assert proposal.source_thread_id == thread_id
    assert f"/forums/threads/{thread_id}" in client.get(proposal_url).text
    assert f'href="{proposal_url}"' in client.get(f"/forums/threads/{thread_id}").text
    again = client.get(f"/proposals/new?thread={thread_id}")
    assert again.status_code == 409 and err("This thread has already become a proposal.") in again.text
    twice = post(client, "/proposals/new", {"title": "Encore", "body": "Encore.", "language": "fr",
                                            "scope": "cooperative", "thread": thread_id, "action": "publish"},
                 from_page="/proposals/new")
    assert twice.status_code == 409 and 'value="Encore"' in twice.text
    assert re.search(r"Turn this thread into a proposal|" + re.escape(tr("Turn this thread into a proposal")),
                     client.get(f"/forums/threads/{thread_id}").text) is None


def test_a_thread_page_shows_its_space_author_following_and_proposal_to_each_reader(app, client, database):
    alice, bob = people(database, [], [])
    make_space(database)
    thread_id = make_thread(database, alice, title="Un atelier vélo")
    page = f"/forums/threads/{thread_id}"
    sign_in(client, bob.email)
    seen = client.get(page).text
    assert '<a href="/forums/general">← Général</a>' in seen
    assert tr("Started by %(name)s", name=alice.name) in seen
    assert tr("Follow this thread") in seen and tr("Stop following this thread") not in seen
    post(client, f"{page}/subscribe", {"on": "1"}, from_page=page)
    assert tr("Stop following this thread") in client.get(page).text
    draft = post(client, "/proposals/new", {"title": "Un atelier vélo", "body": "Réparons.", "language": "fr",
                                            "scope": "cooperative", "thread": thread_id, "action": "save"},
                 from_page="/proposals/new")
    assert draft.status_code == 303
    with client_for(app, alice) as author:
        shown = author.get(page).text
        assert tr("Stop following this thread") in shown  # an author follows their thread from the start
        assert tr("This thread became a proposal:") in shown and tr("its author has not published it yet.") in shown
        assert draft.headers["location"] not in shown
        post(author, "/language", {"language": "nl", "next": page}, from_page=page)
        assert '<a href="/forums/general">← Algemeen</a>' in author.get(page).text
    assert tr("This thread became a proposal:") in client.get(page).text
