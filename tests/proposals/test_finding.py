"""Finding proposals: full-text search (accents, prefixes, translations), filters, sorting, pagination
in a constant number of queries, and similar proposals suggested while writing."""

from __future__ import annotations

import re

import pytest

from agora.deliberation import search
from agora.permissions import ANONYMOUS
from agora.proposals import cards, listing
from tests.conftest import sign_in
from tests.deliberation_support import count_queries, make_proposal, people, principal_of, support_as

TITLE_RE = re.compile(r'<h2 class="card-title"><a href="/proposals/(\w+)"')


def _ids(html):
    return TITLE_RE.findall(html)


def test_words_are_normalised():
    assert search.words("Élection des DÉLÉGUÉS, l'été 2026!") == ["election", "des", "delegues", "ete", "2026"]
    assert search.words("Straße Ökologie") == ["strasse", "okologie"]


def test_search_accents_prefixes_translations_and_every_word(client, database):
    alice, translator = people(database, [], [])
    velo = make_proposal(database, alice, title="Vélos électriques partagés", body="Une flotte de vélos.")
    potager = make_proposal(database, alice, title="Potager collectif", body="Des légumes pour la cantine.")
    make_proposal(database, alice, title="Brouillon secret sur les vélos", publish=False)
    from agora.proposals import access
    from agora.proposals import services as proposals

    with database.transaction() as db:
        principal = principal_of(db, translator.id)
        proposal = access.access_proposal(db, principal, potager)
        proposals.save_translation(db, principal, proposal, "nl", "Gemeenschappelijke moestuin", "Groenten.")
    sign_in(client, alice.email)
    assert _ids(client.get("/proposals?q=velo").text) == [velo]  # accents folded, drafts never listed
    assert _ids(client.get("/proposals?q=ELECTR").text) == [velo]  # prefix, any case
    assert _ids(client.get("/proposals?q=moestuin").text) == [potager]  # translations are searched
    assert _ids(client.get("/proposals?q=legumes cantine").text) == [potager]
    assert _ids(client.get("/proposals?q=legumes velos").text) == []  # every word must match
    assert client.get("/proposals?q=%25%27%22").status_code == 200  # punctuation alone: no crash
    assert client.get("/proposals?q=" + "x" * 500).status_code == 200


def test_filters_and_sorting(client, database):
    alice, *supporters = people(database, [], [], [], [])
    regional = make_proposal(database, alice, title="Antenne à Liège", scope=("region", "liege"), theme="services")
    college = make_proposal(database, alice, title="Pour les clients", scope=("college", "clients"))
    sector = make_proposal(database, alice, title="Pour les artistes", scope=("sector", "arts"), theme="work")
    everyone = make_proposal(database, alice, title="Pour tous")
    for who in supporters:
        support_as(database, sector, who)
    support_as(database, college, supporters[0])
    from agora.proposals import access
    from agora.proposals import services as proposals

    with database.transaction() as db:
        principal = principal_of(db, supporters[0].id)
        target = access.access_proposal(db, principal, regional)
        for text in ("Un", "Deux"):
            proposals.add_comment(db, principal, target, text, "neutral")
    sign_in(client, alice.email)
    assert _ids(client.get("/proposals?region=liege").text) == [regional]
    assert _ids(client.get("/proposals?college=clients").text) == [college]
    assert _ids(client.get("/proposals?sector=arts").text) == [sector]
    assert _ids(client.get("/proposals?theme=work").text) == [sector]
    assert set(_ids(client.get("/proposals?scope=cooperative").text)) == {everyone}
    assert _ids(client.get("/proposals?sort=supported").text)[:2] == [sector, college]
    assert _ids(client.get("/proposals?sort=discussed").text)[0] == regional
    assert _ids(client.get("/proposals?sort=recent").text)[0] == everyone
    assert _ids(client.get("/proposals?status=threshold_reached").text) == []
    # htmx asks for the results block only
    fragment = client.get("/proposals?region=liege", headers={"HX-Request": "true", "HX-Target": "results"})
    assert "<html" not in fragment.text and _ids(fragment.text) == [regional]


def test_a_statement_is_built_once_per_shape_and_reads_each_request_s_values(client, database):
    alice, bob = people(database, [], [])
    liege = make_proposal(database, alice, title="Antenne à Liège", scope=("region", "liege"), theme="work")
    namur = make_proposal(database, bob, title="Antenne à Namur", scope=("region", "namur"), theme="services")
    for region, expected in (("liege", [liege]), ("namur", [namur]), ("hainaut", [])):
        assert listing.listed_page(cards._shown, ANONYMOUS, listing.ProposalFilter(region=region))[0] is \
            listing.listed_page(cards._shown, ANONYMOUS, listing.ProposalFilter(region="liege"))[0]
        sign_in(client, alice.email)
        assert _ids(client.get(f"/proposals?region={region}").text) == expected
        assert [p["id"] for p in client.get(f"/api/v1/proposals?region={region}").json()["items"]] == expected
    assert _ids(client.get("/proposals?theme=services").text) == [namur]
    assert _ids(client.get("/proposals?theme=work&region=namur").text) == []
    assert _ids(client.get("/proposals?mine=1").text) == [liege]  # the author is a parameter too
    sign_in(client, bob.email)
    assert _ids(client.get("/proposals?mine=1").text) == [namur]
    two = client.get("/proposals?region=liege&page=2&per_page=20").text  # the page is a parameter too
    assert _ids(two) == [] and re.search(r"<p>1 (proposal found|proposition trouvée)</p>", two)
    searched = client.get("/proposals?q=antenne").text  # the number found comes with the page's rows
    assert len(_ids(searched)) == 2 and re.search(r"<p>2 (proposals found|propositions trouvées)</p>", searched)
    assert re.search(r"<p>1 (proposal found|proposition trouvée)</p>", client.get("/proposals?q=antenne+namur").text)


@pytest.mark.parametrize("sort", ["recent", "supported", "discussed", "relevance"])
def test_a_page_costs_the_same_number_of_queries_whatever_its_size(client, database, sort):
    authors = people(database, [], [], [], [])
    sign_in(client, authors[0].email)
    query = "&q=cantine" if sort == "relevance" else ""

    def cost():
        client.get(f"/proposals?sort={sort}{query}")  # warm caches (templates, translations)
        with count_queries(database) as statements:
            response = client.get(f"/proposals?sort={sort}{query}")
        assert response.status_code == 200
        return len(statements), len(_ids(response.text))

    for n in range(3):
        make_proposal(database, authors[n % 4], title=f"Cantine numéro {n}")
    small, shown_small = cost()
    for n in range(3, 25):
        make_proposal(database, authors[n % 4], title=f"Cantine numéro {n}", scope=("region", "namur"))
    large, shown_large = cost()
    assert (shown_small, shown_large) == (3, listing.PAGE_SIZE)
    assert small == large, f"{small} queries for 3 proposals, {large} for {listing.PAGE_SIZE}"
    assert client.get(f"/proposals?sort={sort}{query}&page=2").status_code == 200
    assert len(_ids(client.get(f"/proposals?sort={sort}{query}&page=2").text)) == 25 - listing.PAGE_SIZE


def test_similar_proposals_are_suggested_while_writing(client, database):
    alice, bob = people(database, [], [])
    existing = make_proposal(database, alice, title="Organiser un covoiturage entre coopérateurs")
    make_proposal(database, alice, title="Un fonds de solidarité")
    sign_in(client, bob.email)
    fragment = client.get("/proposals/similar", params={"title": "Covoiturage pour les coopérateurs de Namur"},
                          headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and f"/proposals/{existing}" in fragment.text
    assert "fonds" not in fragment.text
    assert "<html" not in fragment.text
    nothing = client.get("/proposals/similar", params={"title": "Rien à voir ici"})
    assert "/proposals/" not in nothing.text
    # the form without JavaScript shows them too when it comes back with an error
    refused = client.post("/proposals/new", data={
        "title": "Covoiturage coopérateurs", "body": "", "language": "fr", "scope": "cooperative", "action": "publish",
        "csrf_token": re.search(r'name="csrf-token" content="(\w+)"', client.get("/proposals/new").text).group(1)})
    assert refused.status_code == 422 and f"/proposals/{existing}" in refused.text
