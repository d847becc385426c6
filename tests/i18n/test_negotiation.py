"""Language negotiation (DESIGN.md) and Babel formatting per locale."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from agora import i18n
from agora.i18n import formatting
from tests.conftest import csrf_of, sign_in
from tests.factories import person


@pytest.mark.parametrize(("chosen", "header", "region", "expected"), [
    ("de", "nl", "fr", "de"),                 # the person's choice wins
    (None, "en-GB,nl;q=0.8,fr;q=0.5", "fr", "nl"),  # else the best supported language of the request
    (None, "en-GB", "de", "de"),              # else the region's language
    (None, "", None, "fr"),                   # else French
    ("xx", "fr;q=0, de;q=0.1", None, "de"),   # q=0 means "not this one"; an unknown choice is ignored
])
def test_negotiate(chosen, header, region, expected):
    assert i18n.negotiate(chosen, header, region) == expected


def test_region_language_applies_to_a_person_without_a_choice_on_record(client, database):
    # A signed-in person's language is always on record; the region is for people without one.
    assert i18n.negotiate(None, None, "nl") == "nl"


def test_person_language_beats_accept_language(client, database):
    with database.transaction() as db:
        email = person(db, language="de").email
    sign_in(client, email)
    page = client.get("/", headers={"Accept-Language": "nl"})
    assert '<html lang="de">' in page.text


def test_language_switch_is_remembered_for_signed_out_visitors(client):
    token = csrf_of(client)
    response = client.post("/language", data={"language": "nl", "csrf_token": token, "next": "/signin"},
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/signin"
    assert '<html lang="nl">' in client.get("/signin").text


def test_language_switch_is_stored_for_a_signed_in_person(client, database):
    with database.transaction() as db:
        p = person(db, language="fr")
        email, person_id = p.email, p.id
    sign_in(client, email)
    client.post("/language", data={"language": "de", "csrf_token": csrf_of(client)})
    with database.session(write=False) as db:
        from agora.people.models import Person

        assert db.get(Person, person_id).language == "de"


def test_formatting_follows_the_locale_and_brussels_time():
    moment = datetime(2026, 12, 15, 17, 0, tzinfo=UTC)  # 18:00 in Brussels
    with i18n.language("fr"):
        assert "18:00" in formatting.format_datetime(moment)
        assert formatting.format_percent(0.6125) == "61,2\xa0%" or formatting.format_percent(0.6125).startswith("61,")
        assert formatting.format_number(72000) in ("72\u202f000", "72\xa0000", "72.000")
    with i18n.language("nl"):
        assert formatting.format_number(72000) == "72.000"
        assert formatting.format_date(moment) == "15 december 2026"
    with i18n.language("de"):
        assert formatting.format_date(moment) == "15. Dezember 2026"


def test_formatting_remembers_per_language_and_zone():
    """Formatted values are cached (agora.i18n.formatting): the same value asked in another language,
    or an instant that is another day in Brussels, is never answered from another entry."""
    late = datetime(2026, 12, 15, 23, 30, tzinfo=UTC)  # already 16 December in Brussels
    answers = {}
    for _round in range(2):
        for language in ("fr", "nl", "de"):
            with i18n.language(language):
                answers.setdefault(language, set()).add((formatting.format_date(late), formatting.format_number(1500)))
    assert {language: len(seen) for language, seen in answers.items()} == {"fr": 1, "nl": 1, "de": 1}
    with i18n.language("nl"):
        assert formatting.format_date(late) == "16 december 2026"
        assert formatting.format_date(late.date()) == "15 december 2026"
        assert formatting.format_number(1500) == "1.500" and formatting.format_number(1500.5) == "1.500,5"
    with i18n.language("de"):
        assert formatting.format_date(late) == "16. Dezember 2026"
