"""Translations beside the original: anyone adds one, it is marked, readers get their language when it
exists (the original otherwise) and can switch; an amendment makes a translation outdated."""

from __future__ import annotations

from agora.proposals.models import ProposalTranslation
from tests.conftest import sign_in
from tests.deliberation_support import client_for, err, make_proposal, people, post, tr


def test_translation_shown_in_the_readers_language_and_marked(app, client, database):
    alice, = people(database, [])
    (translator,) = people(database, [], language="nl")
    (reader_nl,) = people(database, [], language="nl")
    (reader_de,) = people(database, [], language="de")
    proposal_id = make_proposal(database, alice, title="Des vélos partagés", body="Des vélos pour tous.")
    url = f"/proposals/{proposal_id}"
    with client_for(app, translator) as t:
        response = post(t, f"{url}/translate", {"language": "nl", "title": "Gedeelde fietsen",
                                                "body": "Fietsen voor iedereen."}, from_page=f"{url}/translate")
        assert response.status_code == 303

    with client_for(app, reader_nl) as nl:
        page = nl.get(url).text
        assert "Gedeelde fietsen" in page and 'lang="nl"' in page
        assert tr("Translation into %(language)s by %(name)s. The original is in %(original)s.", "nl",
                  language=tr("Dutch", "nl"), name=translator.name, original=tr("French", "nl")) in page
        original = nl.get(f"{url}?lang=fr").text
        assert "Des vélos partagés" in original and "Gedeelde fietsen" not in original.split("<main")[1].split(
            'class="rich proposal-body"')[1][:200]
    with client_for(app, reader_de) as de:
        page = de.get(url).text  # no German translation: the original, with a way to add one
        assert "Des vélos partagés" in page and tr("Add or improve a translation", "de") in page


def test_translation_becomes_outdated_after_an_amendment(app, client, database):
    alice, bob = people(database, [], [])
    proposal_id = make_proposal(database, alice, body="Des vélos pour tous.")
    url = f"/proposals/{proposal_id}"
    sign_in(client, bob.email)
    post(client, f"{url}/translate", {"language": "de", "title": "Geteilte Fahrräder", "body": "Fahrräder für alle."},
         from_page=f"{url}/translate")
    amendment = post(client, f"{url}/amend", {"title": "Un potager partagé à Liège",
                                              "body": "Des vélos électriques pour tous.", "explanation": ""},
                     from_page=f"{url}/amend").headers["location"]
    with client_for(app, alice) as author:
        post(author, f"{amendment}/decide", {"decision": "accept"}, from_page=amendment)
    page = client.get(f"{url}?lang=de").text
    assert "Geteilte Fahrräder" in page
    assert tr("The original has changed since this translation was made.") in page


def test_bad_translations(app, client, database):
    alice, bob = people(database, [], [])
    proposal_id = make_proposal(database, alice)
    url = f"/proposals/{proposal_id}"
    sign_in(client, bob.email)
    same = post(client, f"{url}/translate", {"language": "fr", "title": "Titre", "body": "Texte"},
                from_page=f"{url}/translate")
    assert same.status_code == 422 and err("This is the language the proposal was written in.") in same.text
    unknown = post(client, f"{url}/translate", {"language": "en", "title": "Title", "body": "Body text"},
                   from_page=f"{url}/translate")
    assert unknown.status_code == 422 and "Body text" in unknown.text
    empty = post(client, f"{url}/translate", {"language": "nl", "title": "", "body": "Tekst"},
                 from_page=f"{url}/translate")
    assert empty.status_code == 422 and err("The title must not be empty.") in empty.text and "Tekst" in empty.text
    with database.session(write=False) as db:
        assert db.query(ProposalTranslation).count() == 0
