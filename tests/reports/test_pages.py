"""The pages: building and submitting a draft through forms, the board's desk and its answer, the
public list of answered reports with its filters, the navigation links."""

from __future__ import annotations

import re
from datetime import timedelta

from agora.db import utcnow
from agora.people.models import Person
from agora.reports.models import Report
from tests.conftest import csrf_of, sign_in
from tests.consultations.support import caller
from tests.reports.support import cast, submitted

PASSWORD = "correct horse battery"


def _post(client, path, data, page):
    return client.post(path, data={**data, "csrf_token": csrf_of(client, page)}, follow_redirects=False)


def test_an_administrator_builds_edits_and_submits_through_the_pages(client, database):
    c = cast(client, database)
    admin = caller(database, roles=["admin"], password=PASSWORD)
    sign_in(client, admin.email)
    assert 'href="/reports/desk"' in client.get("/").text
    results = client.get(f"/consultations/{c.consultation}/results").text
    assert f'href="/reports/new?kind=consultation&amp;source={c.consultation}" id="build-report"' in results
    form = client.get(f"/reports/new?kind=consultation&source={c.consultation}").text
    assert f'value="{c.consultation}"' in form
    response = _post(client, "/reports/new", {"kind": "consultation", "source": c.consultation, "language": "nl"},
                     "/reports/new")
    assert response.status_code == 303, response.text
    url = response.headers["location"]
    rid = url.rsplit("/", 1)[1]
    # Submitting without a summary is refused in place.
    refused = _post(client, f"{url}/submit", {}, url)
    assert refused.status_code == 422 and 'id="form-error"' in refused.text
    assert re.search(r'id="summary-nl"[^>]*aria-describedby="form-error"', refused.text)
    saved = _post(client, f"{url}/edit", {"summary_nl": "Samenvatting", "summary_fr": "",
                                          "recommendations_nl": "Eerste\nTweede", "recommendations_fr": "Premier"},
                  url)
    assert saved.status_code == 303
    with database.transaction() as db:
        report = db.get(Report, rid)
        assert report.summary == {"nl": "Samenvatting"} and report.language == "nl"
        assert report.recommendations == [{"fr": "Premier", "nl": "Eerste"}, {"nl": "Tweede"}]
    assert _post(client, f"{url}/submit", {}, url).status_code == 303
    page = client.get(url)
    assert 'id="draft-form"' not in page.text and 'data-status="submitted"' in page.text
    with database.transaction() as db:
        assert db.get(Report, rid).sha256 in page.text
    # An unknown source is named in the form, nothing is built.
    missing = _post(client, "/reports/new", {"kind": "consultation", "source": "nothing"}, "/reports/new")
    assert missing.status_code == 404 and 'id="form-error"' in missing.text


def test_the_board_answers_from_its_desk_and_members_see_it(client, database):
    c = cast(client, database)
    board = caller(database, roles=["board_member"], password=PASSWORD)
    voter = c.voters[0]
    rid = submitted(client, c.admin, "consultation", c.consultation)
    sign_in(client, board.email)
    desk = client.get("/reports/desk")
    assert desk.status_code == 200
    waiting = re.search(r'id="awaiting-acknowledgement">(.*?)</section>', desk.text, re.S).group(1)
    assert f'data-report="{rid}"' in waiting
    assert _post(client, f"/reports/{rid}/acknowledge", {}, f"/reports/{rid}").status_code == 303
    desk = client.get("/reports/desk")
    assert f'data-report="{rid}"' in re.search(r'id="awaiting-answer">(.*?)</section>', desk.text, re.S).group(1)
    bad = _post(client, f"/reports/{rid}/answer", {"decision": "perhaps", "answer_fr": "?"}, f"/reports/{rid}")
    assert bad.status_code == 422 and 'id="form-error"' in bad.text
    # each refusal is said next to its field, which points at it
    assert re.search(r'<legend>[^<]*</legend>\s*<p class="form-error" role="alert" id="form-error">', bad.text)
    tied = 'name="decision" value="accepted" required aria-invalid="true" aria-describedby="form-error"'
    assert bad.text.count(tied) == 1
    silent = _post(client, f"/reports/{rid}/answer", {"decision": "accepted"}, f"/reports/{rid}")
    assert silent.status_code == 422 and silent.text.count('id="form-error"') == 1
    assert re.search(r'id="answer-fr"[^>]*aria-invalid="true" aria-describedby="form-error"', silent.text)
    assert 'value="accepted" required checked' in silent.text  # what was chosen is given back with the error
    done = _post(client, f"/reports/{rid}/answer", {"decision": "accepted", "answer_de": "Angenommen."},
                 f"/reports/{rid}")
    assert done.status_code == 303
    client.post("/signout", data={"csrf_token": csrf_of(client, "/")})

    with database.transaction() as db:  # the voter was made without a password
        db.get(Person, voter.id).password_hash = db.get(Person, board.id).password_hash
    sign_in(client, voter.email)
    listing = client.get("/reports")
    assert f'data-report="{rid}"' in listing.text
    assert '<p class="content answer-excerpt" lang="de">Angenommen.</p>' in listing.text
    notes = client.get("/notifications").text
    assert f'href="/reports/{rid}"' in notes
    assert client.get(f"/reports/{rid}").status_code == 200
    assert client.get("/reports/desk").status_code == 404  # the desk is the board's


def test_a_relay_sees_only_their_own_reports_on_the_desk(client, database):
    c = cast(client, database)
    rid = submitted(client, c.admin, "consultation", c.consultation)
    relay = caller(database, roles=["relay:liege"], password=PASSWORD)
    sign_in(client, relay.email)
    assert 'href="/reports/desk"' in client.get("/").text
    desk = client.get("/reports/desk")
    assert desk.status_code == 200 and f'data-report="{rid}"' not in desk.text
    assert 'href="/reports/new"' in desk.text
    # Building from a consultation is the secretariat's: the form says so, nothing is built.
    refused = _post(client, "/reports/new", {"kind": "consultation", "source": c.consultation}, "/reports/new")
    assert refused.status_code == 403 and 'id="form-error"' in refused.text
    assert client.get(f"/reports/{rid}").status_code == 404


def test_the_public_list_filters_by_kind_region_and_date(client, database):
    c = cast(client, database)
    rid = submitted(client, c.admin, "consultation", c.consultation)
    answer = {"decision": "rejected", "text": {"fr": "Non."}}
    assert client.post(f"/api/v1/reports/{rid}/answer", json=answer, headers=c.board.headers).status_code == 200
    with database.transaction() as db:
        db.get(Report, rid).answered_at = utcnow() - timedelta(days=10)
    today, ten_days_ago = utcnow().date(), (utcnow() - timedelta(days=10)).date()

    def ids(**params):
        response = client.get("/api/v1/reports", params=params, headers=c.member.headers)
        assert response.status_code == 200
        return [r["id"] for r in response.json()["reports"]]

    assert ids() == [rid]
    assert ids(kind="consultation") == [rid] and ids(kind="proposal") == []
    assert ids(region="brussels") == [rid] and ids(region="eupen") == []  # the voters live in Brussels
    assert ids(**{"from": ten_days_ago.isoformat()}) == [rid] and ids(**{"from": today.isoformat()}) == []
    assert ids(to=(ten_days_ago - timedelta(days=1)).isoformat()) == []
    member = caller(database, password=PASSWORD)
    sign_in(client, member.email)
    page = client.get("/reports", params={"region": "eupen"})
    assert 'id="no-reports"' in page.text and 'href="/reports"' in page.text
    assert f'data-report="{rid}"' in client.get("/reports", params={"kind": "consultation"}).text
    assert 'href="/reports/desk"' not in page.text
