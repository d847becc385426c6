"""Memoised fragments (agora.web.fragments) show every change and stay per reader.

A proposal's card and a forum post are drawn once per content: their key must hold everything they
show. Each test draws a fragment, changes one thing it shows by another path (a service, another
reader, plain SQL as another process would), and checks the page shows the change; and the
templates are checked to read nothing that is not in the key.
"""

from __future__ import annotations

import re

from sqlalchemy import update

from agora.forums.models import ForumPost
from agora.forums.services import ShownPost
from agora.moderation import services as moderation
from agora.people.models import Person, Region
from agora.proposals.cards import ProposalCard
from agora.proposals.models import Proposal
from agora.proposals.views.filter_form import ShownFilters
from agora.settings import PROJECT_ROOT
from tests.conftest import sign_in
from tests.deliberation_support import (
    client_for,
    make_proposal,
    make_space,
    make_thread,
    people,
    principal_of,
    reply_as,
    support_as,
    tr,
)

TEMPLATES = PROJECT_ROOT / "templates"


def _sql(database, statement):
    with database.transaction() as db:
        db.execute(statement)


# --- proposal cards --------------------------------------------------------------------------------

def test_a_card_shows_every_change_to_what_it_shows(client, database):
    alice, bob = people(database, [], [])
    proposal_id = make_proposal(database, alice, title="Un local partagé", scope=("region", "liege"))
    sign_in(client, bob.email)
    before = client.get("/proposals").text
    assert "Un local partagé" in before and tr("by %(name)s", name=alice.name) in before

    support_as(database, proposal_id, bob)
    assert "1 soutien" in client.get("/proposals").text
    _sql(database, update(Proposal).where(Proposal.id == proposal_id).values(title="Un local plus grand"))
    assert "Un local plus grand" in client.get("/proposals").text
    _sql(database, update(Person).where(Person.id == alice.id).values(name="Alice Renommée"))
    assert tr("by %(name)s", name="Alice Renommée") in client.get("/proposals").text
    _sql(database, update(Region).where(Region.slug == "liege").values(names={"fr": "Liège-Verviers"}))
    assert "Liège-Verviers" in client.get("/proposals").text
    assert "Un local plus grand" not in before


def test_a_card_follows_the_readers_language(client, database):
    alice, = people(database, [])
    make_proposal(database, alice, title="Un potager")
    sign_in(client, alice.email)
    french = client.get("/proposals", headers={"Accept-Language": "fr"}).text
    client.post("/language", data={"language": "nl", "next": "/proposals",
                                   "csrf_token": re.search(r'name="csrf-token" content="([0-9a-f]+)"',
                                                           french).group(1)})
    dutch = client.get("/proposals").text
    assert tr("by %(name)s", "fr", name=alice.name) in french
    assert tr("by %(name)s", "nl", name=alice.name) in dutch
    assert tr("by %(name)s", "nl", name=alice.name) != tr("by %(name)s", "fr", name=alice.name)


def test_the_card_template_reads_only_the_cards_fields():
    used = set(re.findall(r"\bp\.(\w+)", (TEMPLATES / "proposals" / "card.html").read_text()))
    assert used <= set(ProposalCard._fields), used


# --- the proposals list's filter form ---------------------------------------------------------------

def test_the_filter_form_shows_every_value_and_region_change(client, database):
    alice, = people(database, [])
    sign_in(client, alice.email)
    plain = client.get("/proposals").text
    assert '<option value="liege">' in plain and " selected" not in plain.split('id="sort"')[0]
    shown = client.get("/proposals?q=potager&status=answered&region=liege&college=clients&sector=arts"
                       "&theme=work&sort=supported&mine=1").text
    for chosen in ('value="potager"', '<option value="answered" selected>', '<option value="liege" selected>',
                   '<option value="clients" selected>', '<option value="arts" selected>',
                   '<option value="work" selected>', '<option value="supported" selected>',
                   'name="mine" value="1" checked'):
        assert chosen in shown, chosen
    assert '<option value="relevance" selected>' in client.get("/proposals?q=potager").text
    _sql(database, update(Region).where(Region.slug == "liege").values(names={"fr": "Liège-Verviers"}))
    assert '<option value="liege">Liège-Verviers</option>' in client.get("/proposals").text
    with database.transaction() as db:
        db.add(Region(slug="zz-nouvelle", names={"fr": "Nouvelle région", "nl": "Nieuwe regio"}, languages="fr"))
    french = client.get("/proposals").text
    assert '<option value="zz-nouvelle">Nouvelle région</option>' in french
    client.post("/language", data={"language": "nl", "next": "/proposals",
                                   "csrf_token": re.search(r'name="csrf-token" content="([0-9a-f]+)"',
                                                           french).group(1)})
    dutch = client.get("/proposals").text
    assert '<option value="zz-nouvelle">Nieuwe regio</option>' in dutch
    assert tr("All regions", "nl") in dutch and tr("All regions", "nl") != tr("All regions", "fr")


def test_the_filter_form_template_reads_only_the_shown_filters():
    used = set(re.findall(r"\bshown\.(\w+)", (TEMPLATES / "proposals" / "filters.html").read_text()))
    assert used <= set(ShownFilters._fields), used - set(ShownFilters._fields)
    assert "filters." not in (TEMPLATES / "proposals" / "filters.html").read_text()


# --- forum posts -----------------------------------------------------------------------------------

def _thread_with_a_quote(database):
    alice, bob, moderator = people(database, [], [], ["moderator"])
    make_space(database)
    thread_id = make_thread(database, alice, body="Le local est trop petit.")
    first = reply_as(database, bob, thread_id, "Un premier avis")
    quoting = reply_as(database, alice, thread_id, "Je réponds", quote=first)
    return alice, bob, moderator, thread_id, first, quoting


def test_a_post_shows_every_change_to_what_it_shows(app, client, database):
    alice, bob, moderator, thread_id, first, _quoting = _thread_with_a_quote(database)
    sign_in(client, alice.email)
    page = f"/forums/threads/{thread_id}"
    assert "Un premier avis" in client.get(page).text

    _sql(database, update(ForumPost).where(ForumPost.id == first).values(
        body_html="<p>Un avis corrigé</p>", edit_count=1))
    html = client.get(page).text
    assert html.count("Un avis corrigé") == 2  # the post and its quote
    assert tr("edited %(num)s time", num=1).split(" ")[0] in html
    _sql(database, update(Person).where(Person.id == bob.id).values(name="Bob Renommé"))
    html = client.get(page).text
    assert "<strong>Bob Renommé</strong>" in html and tr("%(name)s wrote (#%(number)s):", name="Bob Renommé",
                                                          number=2) in html
    with database.transaction() as db:
        moderation.act(db, principal_of(db, moderator.id), "forum_post", first, "hide", "Hors sujet")
    html = client.get(page).text
    assert "Hors sujet" in html and tr("This post was hidden by moderation.") in html
    assert "Un avis corrigé" not in html


def test_what_a_post_offers_stays_per_reader(app, client, database):
    alice, bob, moderator, thread_id, first, _quoting = _thread_with_a_quote(database)
    page = f"/forums/threads/{thread_id}"
    edit_first = f"/forums/posts/{first}/edit"
    hide_first = f"id={first}&amp;act=hide"
    with client_for(app, bob) as author, client_for(app, alice) as other, client_for(app, moderator) as mod:
        assert edit_first in author.get(page).text
        seen_by_other = other.get(page).text
        assert edit_first not in seen_by_other and hide_first not in seen_by_other
        assert f"/moderation/flag?type=forum_post&amp;id={first}" in seen_by_other
        assert hide_first in mod.get(page).text
        assert edit_first in author.get(page).text and hide_first not in author.get(page).text
    anonymous = client.get(page)
    assert edit_first not in anonymous.text


def test_the_post_template_reads_only_what_the_key_holds():
    text = (TEMPLATES / "forums" / "post.html").read_text() + (TEMPLATES / "moderation" / "macros.html").read_text()
    used = set(re.findall(r"\b(?:post|q|item)\.(\w+)", text))
    assert used <= set(ShownPost._fields), used - set(ShownPost._fields)  # a shown post is its own key
    assert set(re.findall(r"\.author\.(\w+)", text)) == {"name"}


def test_the_memo_keeps_within_its_size_and_drops_the_oldest():
    from agora.web.fragments import FragmentMemo

    memo = FragmentMemo(max_chars=100)
    drawn = []

    def draw(text):
        drawn.append(text)
        return text

    for n in range(10):
        memo.get(n, lambda n=n: draw(f"<p>{n:05d}</p>"))  # 12 characters, charged 24
    assert len(memo) == 4  # 4 × 24 = 96 ≤ 100
    assert memo.get(9, lambda: draw("again")) == "<p>00009</p>" and "again" not in drawn
    assert memo.get(0, lambda: draw("<p>redrawn</p>")) == "<p>redrawn</p>"  # dropped, drawn again
    assert "&lt;" not in memo.get("x", lambda: "<b>html</b>")  # kept as HTML (Markup), not escaped again
