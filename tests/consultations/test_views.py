"""The consultation pages, through HTTP, without JavaScript: preparing, previewing, approving,
opening, voting, participation, results with their charts, tracking codes, the home page panel."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import PASSWORD, csrf_of, sign_in
from tests.consultations.support import ANSWERS, Caller, caller, close, create, opened, vote
from tests.factories import HOSTILE

API = "/api/v1/consultations"


@pytest.fixture
def admins(database) -> tuple[Caller, Caller]:
    return (caller(database, roles=["admin"], password=PASSWORD),
            caller(database, roles=["admin"], password=PASSWORD))


def _form(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title_fr": f"Budget participatif {HOSTILE}", "title_nl": "Participatief budget", "title_de": "Bürgerhaushalt",
        "description_fr": "Première partie.\n\nSeconde partie.", "binding": "1", "allow_change": "1",
        "opens_at": "2030-03-01T09:00", "closes_at": "2030-03-15T18:00", "weighting_mode": "colleges",
        "weight_members": "0.55", "weight_permanents": "0.25", "weight_clients": "0.10", "weight_partners": "0.10",
        "quorum_mode": "global", "quorum_ordinary": "0.15", "quorum_extraordinary": "0.20",
        "question_count": "2",
        "q0_ref": "q1", "q0_type": "yes_no", "q0_decision_type": "extraordinary",
        "q0_title_fr": "D'accord ?", "q0_title_nl": "Akkoord?", "q0_title_de": "Einverstanden?", "q0_option_count": "0",
        "q1_ref": "", "q1_type": "budget", "q1_decision_type": "ordinary", "q1_budget_total": "100",
        "q1_title_fr": "Répartissez", "q1_title_nl": "Verdeel", "q1_title_de": "Verteilen", "q1_option_count": "3",
        "q1_o0_key": "bikes", "q1_o0_fr": "Vélos", "q1_o0_nl": "Fietsen", "q1_o0_de": "Fahrräder",
        "q1_o1_key": "", "q1_o1_fr": "Arbres", "q1_o1_nl": "Bomen", "q1_o1_de": "Bäume",
        "q1_o2_key": "", "q1_o2_fr": "", "q1_o2_nl": "", "q1_o2_de": "",
        "action": "save",
    }
    data.update(changes)
    return data


def _post(client, path: str, data: dict[str, Any]):
    return client.post(path, data={**data, "csrf_token": csrf_of(client, "/")}, follow_redirects=False)


# --- preparing -------------------------------------------------------------------------------------

def test_an_admin_prepares_a_consultation_with_the_form(client, admins):
    admin, _other = admins
    sign_in(client, admin.email)
    assert client.get("/consultations/new").status_code == 200
    response = _post(client, "/consultations/new", _form())
    assert response.status_code == 303, response.text
    cid = response.headers["location"].rsplit("/", 1)[1]
    body = client.get(f"{API}/{cid}", headers=admin.headers).json()
    assert body["status"] == "draft" and body["binding"] is True and body["allow_change"] is True
    assert body["opens_at"] == "2030-03-01T08:00:00+00:00"  # Brussels time, stored in UTC
    assert [(q["ref"], q["type"], q["decision_type"]) for q in body["questions"]] == [
        ("q1", "yes_no", "extraordinary"), ("q2", "budget", "ordinary")]
    assert body["questions"][1]["budget_total"] == 100
    assert body["questions"][1]["options"] == [
        {"key": "bikes", "label": {"fr": "Vélos", "nl": "Fietsen", "de": "Fahrräder"}},
        {"key": "o2", "label": {"fr": "Arbres", "nl": "Bomen", "de": "Bäume"}}]
    page = client.get(f"/consultations/{cid}")
    assert "&lt;script&gt;" in page.text and "<script>alert" not in page.text


def test_form_errors_keep_what_was_typed(client, admins):
    admin, _other = admins
    sign_in(client, admin.email)
    response = _post(client, "/consultations/new", _form(weight_partners="0.05"))
    assert response.status_code == 422
    assert 'role="alert"' in response.text and "0.95" in response.text
    assert 'value="0.05"' in response.text and "Fietsen" in response.text
    assert client.get(API, headers=admin.headers).json()["consultations"] == []


def test_add_question_and_more_options_without_javascript(client, admins):
    admin, _other = admins
    sign_in(client, admin.email)
    response = _post(client, "/consultations/new", _form(action="add_question"))
    assert response.status_code == 200
    assert 'name="question_count" value="3"' in response.text and 'name="q2_ref"' in response.text
    response = _post(client, "/consultations/new", _form(action="add_options"))
    assert 'name="q1_option_count" value="5"' in response.text
    assert client.get(API, headers=admin.headers).json()["consultations"] == []


def test_editing_a_draft_and_locking_once_open(client, admins):
    admin, other = admins
    cid = create(client, admin)["id"]
    sign_in(client, admin.email)
    page = client.get(f"/consultations/{cid}/edit")
    assert page.status_code == 200 and re.search(r'name="q3_o2_key"[^>]*value="c"', page.text)
    response = _post(client, f"/consultations/{cid}/edit", _form(title_fr="Nouveau titre"))
    assert response.status_code == 303
    assert client.get(f"{API}/{cid}", headers=admin.headers).json()["title"]["fr"] == "Nouveau titre"
    client.post(f"{API}/{cid}/approve", headers=other.headers)
    client.post(f"{API}/{cid}/open", headers=admin.headers)
    assert client.get(f"/consultations/{cid}/edit").status_code == 409
    assert _post(client, f"/consultations/{cid}/edit", _form()).status_code == 409


def test_preview_shows_the_voters_page_in_each_language(client, admins):
    admin, _other = admins
    cid = create(client, admin)["id"]
    sign_in(client, admin.email)
    page = client.get(f"/consultations/{cid}/preview?lang=nl")
    assert page.status_code == 200
    assert '<html lang="nl">' in page.text and "q2 (nl)" in page.text and "option b (nl)" in page.text
    assert 'name="answer-q1"' in page.text and 'name="rank-q4-c"' in page.text and 'name="amount-q5-a"' in page.text
    assert "action=" not in page.text.split('id="ballot"')[0].rsplit("<form", 1)[1]  # nothing can be sent
    assert "disabled" in page.text.split('id="ballot"')[1]


def test_approving_and_opening_from_the_page(client, admins):
    admin, other = admins
    cid = create(client, admin, title={"fr": "Seulement en français"})["id"]
    sign_in(client, admin.email)
    page = client.get(f"/consultations/{cid}")
    assert f'action="/consultations/{cid}/approve"' not in page.text  # not for its creator
    response = _post(client, f"/consultations/{cid}/open", {})
    assert response.status_code == 409 and "(nl)" in response.text and "(de)" in response.text
    client.cookies.clear()
    sign_in(client, other.email)
    assert f'action="/consultations/{cid}/approve"' in client.get(f"/consultations/{cid}").text
    assert _post(client, f"/consultations/{cid}/approve", {}).status_code == 303
    assert client.get(f"{API}/{cid}", headers=admin.headers).json()["approved"] is True


def test_drafts_are_for_the_secretariat(client, database, admins):
    admin, _other = admins
    cid = create(client, admin)["id"]
    member = caller(database, password=PASSWORD)
    assert client.get(f"/consultations/{cid}", follow_redirects=False).status_code == 303  # sign in first
    sign_in(client, member.email)
    assert client.get(f"/consultations/{cid}").status_code == 404
    assert client.get("/consultations/new").status_code == 404
    assert cid not in client.get("/consultations").text


# --- voting ----------------------------------------------------------------------------------------

BALLOT = {"answer-q1": "yes", "answer-q2": "b", "answer-q3": ["a", "c"], "rank-q4-c": "1", "rank-q4-a": "2",
          "rank-q4-b": "3", "amount-q5-a": "60", "amount-q5-b": "40"}


def test_a_voter_votes_without_javascript_and_gets_a_tracking_code(client, database, admins):
    admin, other = admins
    voter = caller(database, password=PASSWORD)
    cid = opened(client, admin, other, allow_change=True)
    sign_in(client, voter.email)
    page = client.get(f"/consultations/{cid}")
    assert 'method="post"' in page.text and f'data-live-room="consultation:{cid}"' in page.text
    response = _post(client, f"/consultations/{cid}/ballot", BALLOT)
    assert response.status_code == 200
    code = re.search(r'tracking-code-large">([A-Z0-9-]+)<', response.text).group(1)
    close(client, cid, admin)
    listed = client.get(f"{API}/{cid}/tracking-codes", headers=voter.headers).json()["tracking_codes"]
    assert listed == [{"tracking_code": code, "answers": ANSWERS}]


def test_a_voter_changes_their_ballot_and_keeps_their_code(client, database, admins):
    admin, other = admins
    voter = caller(database, password=PASSWORD)
    cid = opened(client, admin, other, allow_change=True)
    sign_in(client, voter.email)
    first = _post(client, f"/consultations/{cid}/ballot", BALLOT)
    code = re.search(r'tracking-code-large">([A-Z0-9-]+)<', first.text).group(1)
    page = client.get(f"/consultations/{cid}")
    assert code in page.text and 'value="b" checked' in page.text  # the ballot, filled in again
    second = _post(client, f"/consultations/{cid}/ballot", {**BALLOT, "answer-q1": "no"})
    assert second.status_code == 200 and code in second.text
    close(client, cid, admin)
    results = client.get(f"{API}/{cid}/results", headers=voter.headers).json()
    assert results["questions"]["q1"]["counts"] == {"yes": 0, "no": 1, "abstain": 0}


def test_a_final_ballot_cannot_be_cast_twice_from_the_page(client, database, admins):
    admin, other = admins
    voter = caller(database, password=PASSWORD)
    cid = opened(client, admin, other, allow_change=False)
    sign_in(client, voter.email)
    assert _post(client, f"/consultations/{cid}/ballot", BALLOT).status_code == 200
    page = client.get(f"/consultations/{cid}")
    assert 'id="ballot"' not in page.text
    assert _post(client, f"/consultations/{cid}/ballot", BALLOT).status_code == 409


@pytest.mark.parametrize(("change", "ref"), [
    ({"answer-q1": ""}, "q1"),
    ({"rank-q4-c": "1", "rank-q4-a": "3", "rank-q4-b": ""}, "q4"),
    ({"rank-q4-a": "1"}, "q4"),
    ({"abstain-q3": "1"}, "q3"),
    ({"amount-q5-b": "39"}, "q5"),
    ({"answer-q3": ["a", "b", "c"]}, "q3"),
])
def test_ballot_form_errors_are_shown_next_to_the_question(client, database, admins, change, ref):
    admin, other = admins
    voter = caller(database, password=PASSWORD)
    cid = opened(client, admin, other)
    sign_in(client, voter.email)
    response = _post(client, f"/consultations/{cid}/ballot", {**BALLOT, **change})
    assert response.status_code == 422
    assert f'id="error-{ref}"' in response.text
    assert 'value="60"' in response.text  # what was typed stays
    assert client.get(f"{API}/{cid}/participation", headers=voter.headers).json()["voters"] == 0


def test_an_ineligible_person_sees_why(client, database, admins):
    admin, other = admins
    outsider = caller(database, password=PASSWORD, shares=0)
    cid = opened(client, admin, other)
    sign_in(client, outsider.email)
    page = client.get(f"/consultations/{cid}")
    assert page.status_code == 200 and 'id="ballot"' not in page.text
    assert 'class="notice"' in page.text
    assert _post(client, f"/consultations/{cid}/ballot", BALLOT).status_code == 403


def test_participation_is_shown_per_college(client, database, admins):
    admin, other = admins
    voters = [caller(database, password=PASSWORD), caller(database)]
    cid = opened(client, admin, other)
    vote(client, cid, voters[1])
    sign_in(client, voters[0].email)
    page = client.get(f"/consultations/{cid}").text
    assert '<span data-count="voters">1</span>' in page
    assert 'data-college="members" data-eligible="4"' in page
    assert '<script src="/static/js/consultation.js" defer></script>' in page


# --- after the close -------------------------------------------------------------------------------

def test_results_page_has_accessible_charts_and_explanations(client, database, admins):
    admin, other = admins
    voter = caller(database, password=PASSWORD)
    cid = opened(client, admin, other)
    vote(client, cid, voter)
    close(client, cid, admin)
    sign_in(client, voter.email)
    page = client.get(f"/consultations/{cid}/results")
    assert page.status_code == 200
    html = page.text
    svgs = re.findall(r"<svg[^>]*>", html)
    assert svgs and all('role="img"' in svg and "aria-labelledby" in svg for svg in svgs)
    assert html.count("<svg") == html.count("<title id=") == html.count('class="chart-table"')
    assert html.count('class="explanation"') == 5
    assert client.get(f"{API}/{cid}/results", headers=voter.headers).json()["sha256"] in html
    csv = client.get(f"/consultations/{cid}/results.csv")
    assert csv.status_code == 200 and csv.text.startswith("question,type,")


def test_tracking_code_search(client, database, admins):
    admin, other = admins
    voters = [caller(database, password=PASSWORD), caller(database)]
    cid = opened(client, admin, other)
    code = vote(client, cid, voters[0]).json()["tracking_code"]
    other_code = vote(client, cid, voters[1]).json()["tracking_code"]
    close(client, cid, admin)
    sign_in(client, voters[0].email)
    page = client.get(f"/consultations/{cid}/tracking-codes?code={code.lower().replace('-', '')}")
    assert page.status_code == 200 and code in page.text and other_code not in page.text
    everything = client.get(f"/consultations/{cid}/tracking-codes").text
    assert code in everything and other_code in everything


def test_second_call_from_the_results_page(client, database, admins):
    admin, other = admins
    for _ in range(8):
        caller(database)
    cid = opened(client, admin, other, quorum={"mode": "global", "ordinary": 0.9, "extraordinary": 0.9})
    close(client, cid, admin)
    sign_in(client, admin.email)
    page = client.get(f"/consultations/{cid}/results").text
    assert f'action="/consultations/{cid}/second-call"' in page
    response = _post(client, f"/consultations/{cid}/second-call", {})
    assert response.status_code == 303 and response.headers["location"].endswith("/edit")
    assert client.get(response.headers["location"]).status_code == 200


def test_home_page_lists_open_consultations_i_may_vote_in(client, database, admins):
    admin, other = admins
    member = caller(database, password=PASSWORD, shares=0)
    advisory = opened(client, admin, title={"fr": "Consultation ouverte à tous"}, binding=False)
    binding = opened(client, admin, other, title={"fr": "Réservée aux coopérateurs", "nl": "n", "de": "d"})
    sign_in(client, member.email)
    home = client.get("/").text
    assert f"/consultations/{advisory}" in home and f"/consultations/{binding}" not in home
    vote(client, advisory, member)
    assert "Consultation ouverte à tous" in client.get("/").text
