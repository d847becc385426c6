"""The meeting pages through HTTP: forms with their errors, the relay's view, the attendees' view,
the synthesis page, documents, .ics files and the region feed."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from agora.db import utcnow
from agora.meetings.models import Meeting
from tests.conftest import post_form, sign_in
from tests.factories import HOSTILE, person
from tests.meetings.support import assembly, caller, meeting


def _person(database, roles=None, **fields):
    with database.transaction() as db:
        made = person(db, roles=roles or [], **fields)
        return made.id, made.email


def _local(moment) -> str:
    from agora.i18n.formatting import to_brussels

    return to_brussels(moment).strftime("%Y-%m-%dT%H:%M")


def test_a_relay_runs_a_meeting_through_the_pages(client, database):
    _relay_id, relay_email = _person(database, ["relay:liege"], region="liege")
    sign_in(client, relay_email)
    start = utcnow() + timedelta(days=2)
    form = {"kind": "quarterly", "region": "liege", "title": "Info trimestrielle", "starts_at": _local(start),
            "ends_at": _local(start - timedelta(hours=1)), "address": "Rue Tête 1", "languages": "fr",
            "waiting_list": "1", "local_topics": "Le nouveau bureau"}
    refused = post_form(client, "/meetings/new", form, from_page="/meetings/new")
    assert refused.status_code == 422
    assert 'id="ends_at" name="ends_at" type="datetime-local"' in refused.text and 'aria-invalid="true"' in refused.text
    assert "Info trimestrielle" in refused.text  # what was typed is kept
    with database.transaction() as db:
        assert db.execute(select(func.count()).select_from(Meeting)).scalar_one() == 0
    fixed = {**form, "ends_at": _local(start + timedelta(hours=2))}
    outside = post_form(client, "/meetings/new", {**fixed, "region": "eupen"}, from_page="/meetings/new")
    assert outside.status_code == 403
    made = post_form(client, "/meetings/new", {**form, "ends_at": _local(start + timedelta(hours=2))},
                     from_page="/meetings/new")
    assert made.status_code == 303, made.text
    run_path = made.headers["location"]
    mid = run_path.split("/")[2]
    page = client.get(run_path)
    assert page.status_code == 200 and "Le nouveau bureau" in page.text
    assert post_form(client, f"/meetings/{mid}/checkin", {"name": HOSTILE, "college": "members"},
                     from_page=run_path).status_code == 303
    page = client.get(run_path)
    assert HOSTILE not in page.text and "&lt;script&gt;" in page.text
    assert post_form(client, f"/meetings/{mid}/current", {"item": "local-1"}, from_page=run_path).status_code == 303
    too_many = post_form(client, f"/meetings/{mid}/counts", {"item": "local-1", "members-for": "2"}, from_page=run_path)
    assert too_many.status_code == 422 and 'role="alert"' in too_many.text
    assert post_form(client, f"/meetings/{mid}/counts", {"item": "local-1", "members-for": "1"},
                     from_page=run_path).status_code == 303
    page = client.get(f"/meetings/{mid}/projector")
    assert re.search(r'data-choice="for">1<', page.text)
    assert post_form(client, f"/meetings/{mid}/submit", {}, from_page=run_path).status_code == 303
    late = post_form(client, f"/meetings/{mid}/checkin", {"name": "En retard", "college": "members"},
                     from_page=run_path)
    assert late.status_code == 409
    added = post_form(client, f"/meetings/{mid}/addenda", {"text": "Correction datée"}, from_page=run_path)
    assert added.status_code == 303
    detail = client.get(f"/meetings/{mid}")
    assert "Correction datée" in detail.text
    csv_export = client.get(f"/meetings/{mid}/registrations.csv")
    assert csv_export.status_code == 200 and csv_export.text.startswith("name,email,college,status")


def test_members_register_from_the_page_and_see_the_meeting_at_home(client, database):
    relay = caller(database, ["relay:liege"], region="liege")
    mid = meeting(client, relay, capacity=1, waiting_list=False)["id"]
    _first_id, first_email = _person(database, region="liege")
    sign_in(client, first_email)
    home = client.get("/")
    assert f'href="/meetings/{mid}"' in home.text
    assert post_form(client, f"/meetings/{mid}/register", {}, from_page=f"/meetings/{mid}").status_code == 303
    assert 'id="my-registration"' in client.get(f"/meetings/{mid}").text
    client.cookies.clear()
    _second_id, second_email = _person(database, region="liege")
    sign_in(client, second_email)
    full = post_form(client, f"/meetings/{mid}/register", {}, from_page=f"/meetings/{mid}")
    assert full.status_code == 409 and 'id="form-error"' in full.text
    listing = client.get("/meetings?region=liege&view=calendar")
    assert listing.status_code == 200 and f'href="/meetings/{mid}"' in listing.text


def test_ics_and_region_feed(client, database):
    relay = caller(database, ["relay:liege"], region="liege")
    long_title = "Réunion; avec, des virgules\net une très longue ligne " + "é" * 80
    mid = meeting(client, relay, title=long_title)["id"]
    _member_id, email = _person(database, region="liege")
    assert client.get(f"/meetings/{mid}.ics", follow_redirects=False).status_code == 303  # to sign in
    sign_in(client, email)
    ics = client.get(f"/meetings/{mid}.ics")
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    raw = ics.content
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and raw.endswith(b"END:VCALENDAR\r\n")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    unfolded = raw.decode().replace("\r\n ", "")
    assert "SUMMARY:Réunion\\; avec\\, des virgules\\net une très longue ligne" in unfolded
    assert f"UID:meeting-{mid}@agora" in unfolded
    client.cookies.clear()
    feed = client.get("/meetings/regions/liege.ics")
    assert feed.status_code == 200 and feed.text.count("BEGIN:VEVENT") == 1
    assert client.get("/meetings/regions/eupen.ics").text.count("BEGIN:VEVENT") == 0
    assert client.get("/meetings/regions/nowhere.ics").status_code == 404


def test_assembly_pages_documents_and_synthesis(client, database):
    admin = caller(database, ["admin"])
    ag = assembly(client, admin)
    _admin_id, admin_email = _person(database, ["admin"])
    sign_in(client, admin_email)
    page = f"/assemblies/{ag['id']}"
    assert "AG 2027" in client.get(page).text
    wrong = client.post(f"{page}/documents", data={"csrf_token": _csrf(client, page), "title": "Comptes"},
                        files={"document": ("comptes.pdf", b"not a pdf", "application/pdf")}, follow_redirects=False)
    assert wrong.status_code == 422 and "PDF" in wrong.text
    good = client.post(f"{page}/documents", data={"csrf_token": _csrf(client, page), "title": "Comptes"},
                       files={"document": ("../../comptes.pdf", b"%PDF-1.4 fake", "application/pdf")},
                       follow_redirects=False)
    assert good.status_code == 303
    link = re.search(r'href="(/assemblies/[0-9a-f]+/documents/[0-9a-f]+)"', client.get(page).text)
    assert link
    download = client.get(link.group(1))
    assert download.content == b"%PDF-1.4 fake" and "attachment" in download.headers["content-disposition"]
    assert download.headers["x-content-type-options"] == "nosniff"
    synthesis = client.get(f"{page}/synthesis")
    assert synthesis.status_code == 200 and 'id="not-reported"' in synthesis.text
    form = post_form(client, "/assemblies/new", {"title_fr": "", "starts_at": ""}, from_page="/assemblies/new")
    assert form.status_code == 422
    client.cookies.clear()
    _member_id, member_email = _person(database)
    sign_in(client, member_email)
    assert client.get(f"{page}/synthesis").status_code == 404
    assert client.get("/assemblies/new").status_code == 404


def _csrf(client, path: str) -> str:
    from tests.conftest import csrf_of

    return csrf_of(client, path)


def test_the_relay_finds_someone_of_the_register_to_check_in(client, database):
    relay = caller(database, ["relay:liege"], region="liege")
    mid = meeting(client, relay)["id"]
    _relay_id, relay_email = _person(database, ["relay:liege"], region="liege")
    found_id, _email = _person(database, name="Bérénice Walkowiak")
    sign_in(client, relay_email)
    fragment = client.get(f"/meetings/{mid}/people?q=walkow",
                          headers={"HX-Request": "true", "HX-Target": "people-found"})
    assert fragment.status_code == 200 and "Bérénice Walkowiak" in fragment.text
    assert "<html" not in fragment.text  # only the block
    assert f'value="{found_id}"' in fragment.text
    whole = client.get(f"/meetings/{mid}/people?q=walkow")  # without JavaScript: the whole run page
    assert whole.status_code == 200 and "<html" in whole.text and "Bérénice Walkowiak" in whole.text
    assert post_form(client, f"/meetings/{mid}/checkin", {"person": found_id},
                     from_page=f"/meetings/{mid}/run").status_code == 303
    assert 'id="attendance-count">1<' in client.get(f"/meetings/{mid}/run").text
    assert client.get("/meetings/new").status_code == 200
    client.cookies.clear()
    _member_id, member_email = _person(database, region="liege")
    sign_in(client, member_email)
    assert client.get(f"/meetings/{mid}/people?q=walkow").status_code == 404
    assert client.get(f"/meetings/{mid}/run").status_code == 404
    assert client.get("/meetings/new").status_code == 404


def test_the_create_link_is_offered_to_relays_and_admins_only(client, database):
    _admin_id, admin_email = _person(database, ["admin"])
    _member_id, member_email = _person(database)
    sign_in(client, admin_email)
    assert 'href="/meetings/new"' in client.get("/meetings").text
    client.cookies.clear()
    sign_in(client, member_email)
    assert 'href="/meetings/new"' not in client.get("/meetings").text
