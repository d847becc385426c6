"""The API contract of ../shared/API.md "Consultations": every status code, the exact JSON keys."""

from __future__ import annotations

import copy
import hashlib
import json

import pytest

from agora import i18n
from agora.people.models import Person
from tests.consultations.support import (
    ANSWERS,
    QUESTIONS,
    T3,
    Caller,
    caller,
    callers,
    close,
    create,
    definition,
    opened,
    texts,
    vote,
)

API = "/api/v1/consultations"


@pytest.fixture
def admins(database) -> tuple[Caller, Caller]:
    return caller(database, roles=["admin"]), caller(database, roles=["admin"])


# --- creating -------------------------------------------------------------------------------------

def test_create_returns_201_with_a_draft(client, admins):
    admin, _other = admins
    body = create(client, admin)
    assert body["status"] == "draft"
    assert len(body["id"]) == 32 and body["electorate"] is None
    assert body["weighting"] == {"mode": "colleges", "weights": {"members": 0.55, "permanents": 0.25,
                                                                  "clients": 0.1, "partners": 0.1}}
    assert body["quorum"] == {"mode": "global", "ordinary": 0.15, "extraordinary": 0.2}
    assert [q["ref"] for q in body["questions"]] == ["q1", "q2", "q3", "q4", "q5"]
    assert body["questions"][0]["options"] == [{"key": "yes"}, {"key": "no"}]
    assert body["questions"][2]["max_choices"] == 2 and body["questions"][4]["budget_total"] == 100


def test_omitted_weighting_and_quorum_take_the_defaults(client, admins):
    admin, _other = admins
    data = definition()
    del data["weighting"], data["quorum"]
    response = client.post(API, json=data, headers=admin.headers)
    assert response.status_code == 201
    body = response.json()
    assert body["weighting"]["weights"] == {"members": 0.55, "permanents": 0.25, "clients": 0.1, "partners": 0.1}
    assert body["quorum"] == {"mode": "global", "ordinary": 0.15, "extraordinary": 0.2}


def test_create_needs_an_admin_and_a_token(client, database):
    member = caller(database)
    assert client.post(API, json=definition(), headers=member.headers).status_code == 403
    response = client.post(API, json=definition(), headers={"Authorization": "Bearer wrong"})
    assert response.status_code == 401 and response.json()["error"]["code"] == "unauthenticated"


def _questions(*changes):
    questions = copy.deepcopy(QUESTIONS)
    for index, key, value in changes:
        if value is None:
            questions[index].pop(key, None)
        else:
            questions[index][key] = value
    return questions


BAD = {
    "weights_not_summing_to_one": ({"weighting": {"mode": "colleges", "weights": {
        "members": 0.55, "permanents": 0.25, "clients": 0.10, "partners": 0.05}}}, "weighting.weights", "0.95"),
    "negative_weight": ({"weighting": {"mode": "colleges", "weights": {
        "members": 1.1, "permanents": -0.1}}}, "weighting.weights", "permanents"),
    "weighted_quorum_without_college_weights": ({"weighting": {"mode": "one_person_one_vote"},
                                                 "quorum": {"mode": "weighted"}}, "quorum.mode", ""),
    "closing_before_opening": ({"opens_at": "2026-12-15T18:00:00+01:00", "closes_at": "2026-12-01T09:00:00+01:00"},
                               "closes_at", ""),
    "unknown_college": ({"eligibility": {"colleges": ["members", "sailors"]}}, "eligibility.colleges", "sailors"),
    "unknown_region": ({"eligibility": {"regions": ["atlantis"]}}, "eligibility.regions", "atlantis"),
    "duplicate_refs": ({"questions": _questions((1, "ref", "q1"))}, "questions", "q1"),
    "duplicate_option_keys": ({"questions": _questions((1, "options", [{"key": "a"}, {"key": "a"}]))},
                              "questions[1].options", "a"),
    "choice_without_options": ({"questions": _questions((1, "options", None))}, "questions[1].options", "q2"),
    "budget_total_zero": ({"questions": _questions((4, "budget_total", 0))}, "questions[4].budget_total", "q5"),
    "max_choices_above_options": ({"questions": _questions((2, "max_choices", 4))},
                                  "questions[2].max_choices", "q3"),
    "max_choices_zero": ({"questions": _questions((2, "max_choices", 0))}, "questions[2].max_choices", "q3"),
    "abstain_as_option_key": ({"questions": _questions((1, "options", [{"key": "abstain"}, {"key": "b"}]))},
                              "questions[1].options", "abstain"),
    "unknown_type": ({"questions": _questions((0, "type", "poll"))}, "questions[0].type", "poll"),
    "no_question": ({"questions": []}, "questions", "question"),
    "no_title": ({"title": {}}, "title", "title"),
    "quorum_above_one": ({"quorum": {"mode": "global", "ordinary": 1.5}}, "quorum.ordinary", "ordinary"),
    "missing_closing_time": ({"closes_at": None}, "closes_at", "closes_at"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_definitions_are_422_naming_the_problem(client, database, admins, case):
    admin, _other = admins
    overrides, field, named = BAD[case]
    response = client.post(API, json=definition(**overrides), headers=admin.headers)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid" and error["field"] == field
    assert named in error["message"]
    listing = client.get(API, headers=admin.headers).json()["consultations"]
    assert listing == []  # nothing recorded


def test_messages_follow_the_callers_language(client, admins):
    admin, _other = admins
    data = definition(weighting={"mode": "colleges", "weights": {"members": 0.5}})
    for language in ("fr", "nl", "de"):
        response = client.post(API, json=data, headers={**admin.headers, "Accept-Language": language})
        with i18n.language(language):
            message = i18n.gettext("The weights must add up to exactly 1; they add up to %(total)s.")
        assert response.json()["error"]["message"] == message % {"total": "0.5"}


# --- approving and opening ---------------------------------------------------------------------

def test_approval_needs_another_admin(client, admins, database):
    admin, other = admins
    cid = create(client, admin)["id"]
    response = client.post(f"{API}/{cid}/approve", headers=admin.headers)
    assert response.status_code == 403 and response.json()["error"]["code"] == "approver_is_creator"
    member = caller(database)
    # a draft is not theirs to see
    assert client.post(f"{API}/{cid}/approve", headers=member.headers).status_code == 404
    response = client.post(f"{API}/{cid}/approve", headers=other.headers)
    assert response.status_code == 200 and response.json()["approved"] is True


def test_binding_open_is_409_naming_missing_translations_and_approval(client, admins):
    admin, other = admins
    questions = copy.deepcopy(QUESTIONS)
    questions[1]["title"] = {"fr": "Quelle option ?"}
    questions[2]["options"][0]["label"] = {"fr": "A", "nl": "A"}
    cid = create(client, admin, title={"fr": "Titre", "nl": "Titel"}, questions=questions)["id"]
    response = client.post(f"{API}/{cid}/open", headers=admin.headers)
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "missing_for_opening"
    assert error["missing"] == ["title:de", "question:q2:nl,de", "option:q3:a:de", "approval"]
    for named in ("q2", "q3", "(de)", "(nl)"):
        assert named in error["message"]
    assert client.get(f"{API}/{cid}", headers=admin.headers).json()["status"] == "draft"

    fixed = definition(questions=copy.deepcopy(QUESTIONS))
    assert client.put(f"{API}/{cid}", json=fixed, headers=admin.headers).status_code == 200
    response = client.post(f"{API}/{cid}/open", headers=admin.headers)
    assert response.status_code == 409 and response.json()["error"]["missing"] == ["approval"]
    assert client.post(f"{API}/{cid}/approve", headers=other.headers).status_code == 200
    response = client.post(f"{API}/{cid}/open", headers=admin.headers)
    assert response.status_code == 200 and response.json()["status"] == "open"


def test_editing_withdraws_the_approval(client, admins):
    admin, other = admins
    cid = create(client, admin)["id"]
    client.post(f"{API}/{cid}/approve", headers=other.headers)
    body = client.put(f"{API}/{cid}", json=definition(title=T3), headers=admin.headers).json()
    assert body["approved"] is False and body["missing_for_opening"] == ["approval"]


def test_advisory_opens_by_hand_without_approval_and_freezes_the_electorate(client, database, admins):
    admin, _other = admins
    callers(database, 2, voting_college="clients", shares=0)
    gone = caller(database, voting_college="partners", shares=0)
    with database.transaction() as db:
        db.get(Person, gone.id).active = False
    cid = opened(client, admin, binding=False, title={"fr": "Avis"})
    body = client.get(f"{API}/{cid}", headers=admin.headers).json()
    assert body["status"] == "open" and body["opened_at"]
    # two admins (members) + two clients; the deactivated partner is not eligible
    assert body["electorate"]["eligible"] == 4
    assert body["electorate"]["by_college"] == {"members": 2, "permanents": 0, "clients": 2, "partners": 0}
    assert body["electorate"]["by_region"] == {"brussels": 4}


def test_once_open_nothing_changes(client, admins):
    admin, other = admins
    cid = opened(client, admin, other)
    assert client.put(f"{API}/{cid}", json=definition(), headers=admin.headers).status_code == 409
    assert client.post(f"{API}/{cid}/approve", headers=other.headers).status_code == 409
    response = client.post(f"{API}/{cid}/open", headers=admin.headers)
    assert response.status_code == 409 and response.json()["error"]["code"] == "not_draft"


def test_open_and_close_are_for_admins(client, database, admins):
    admin, other = admins
    cid = opened(client, admin, other)
    member = caller(database)
    assert client.post(f"{API}/{cid}/close", headers=member.headers).status_code == 403
    close(client, cid, admin)
    response = client.post(f"{API}/{cid}/close", headers=admin.headers)
    assert response.status_code == 409 and response.json()["error"]["code"] == "not_open"


def test_unknown_consultation_is_404(client, admins):
    admin, _other = admins
    for path in ("", "/participation", "/results", "/tracking-codes"):
        assert client.get(f"{API}/{'0' * 32}{path}", headers=admin.headers).status_code == 404


# --- voting -----------------------------------------------------------------------------------------

def test_a_ballot_returns_a_tracking_code(client, database, admins):
    admin, other = admins
    voter = caller(database)
    cid = opened(client, admin, other)
    response = vote(client, cid, voter)
    assert response.status_code == 200
    assert set(response.json()) == {"tracking_code"} and len(response.json()["tracking_code"]) == 19


def test_second_ballot_replaces_the_first_when_allowed(client, database, admins):
    admin, other = admins
    voter = caller(database)
    cid = opened(client, admin, other, allow_change=True)
    first = vote(client, cid, voter).json()["tracking_code"]
    second = vote(client, cid, voter, {**ANSWERS, "q1": "no"})
    assert second.status_code == 200 and second.json()["tracking_code"] == first
    assert client.get(f"{API}/{cid}/participation", headers=voter.headers).json()["voters"] == 1
    close(client, cid, admin)
    results = client.get(f"{API}/{cid}/results", headers=voter.headers).json()
    assert results["questions"]["q1"]["counts"] == {"yes": 0, "no": 1, "abstain": 0}


def test_second_ballot_is_409_when_changes_are_not_allowed(client, database, admins):
    admin, other = admins
    voter = caller(database)
    cid = opened(client, admin, other, allow_change=False)
    assert vote(client, cid, voter).status_code == 200
    response = vote(client, cid, voter, {**ANSWERS, "q1": "no"})
    assert response.status_code == 409 and response.json()["error"]["code"] == "already_voted"
    close(client, cid, admin)
    assert client.get(f"{API}/{cid}/results", headers=voter.headers).json()["questions"]["q1"]["counts"]["yes"] == 1


def test_ballot_when_not_open_is_409(client, database, admins):
    admin, other = admins
    voter = caller(database)
    cid = create(client, admin)["id"]
    response = vote(client, cid, voter)  # a draft
    assert response.status_code == 409 and response.json()["error"]["code"] == "not_open"
    client.post(f"{API}/{cid}/approve", headers=other.headers)
    client.post(f"{API}/{cid}/open", headers=admin.headers)
    close(client, cid, admin)
    response = vote(client, cid, voter)
    assert response.status_code == 409 and response.json()["error"]["code"] == "not_open"


def test_ineligible_voters_get_403_with_the_reason(client, database, admins):
    admin, other = admins
    no_share = caller(database, shares=0)
    client_college = caller(database, voting_college="clients", categories="clients")
    elsewhere = caller(database, region="eupen")
    cid = opened(client, admin, other, eligibility={"colleges": ["members"], "regions": ["brussels"]})
    late = caller(database)  # joined after the opening
    for person, reason in ((no_share, "not_shareholder"), (client_college, "college"), (elsewhere, "region"),
                           (late, "not_in_electorate")):
        response = vote(client, cid, person)
        assert response.status_code == 403, response.text
        error = response.json()["error"]
        assert error["code"] == "not_eligible" and error["reason"] == reason and error["message"]


BAD_ANSWERS = {
    "unknown_option": ({"q2": "z"}, "q2", "unknown_option"),
    "too_many_choices": ({"q3": ["a", "b", "c"]}, "q3", "too_many_choices"),
    "budget_not_summing": ({"q5": {"a": 60, "b": 39}}, "q5", "budget_sum"),
    "ranking_with_repeats": ({"q4": ["a", "a", "b"]}, "q4", "ranking_repeats"),
    "missing_question": ({"q1": None}, "q1", "missing"),
    "yes_no_with_a_list": ({"q1": ["yes"]}, "q1", "wrong_type"),
    "unknown_question": ({"q9": "yes"}, "q9", "unknown_question"),
    "negative_amount": ({"q5": {"a": 110, "b": -10}}, "q5", "budget_negative"),
}


@pytest.mark.parametrize("case", sorted(BAD_ANSWERS))
def test_answers_that_do_not_fit_are_422_naming_the_question(client, database, admins, case):
    admin, other = admins
    voter = caller(database)
    cid = opened(client, admin, other)
    change, ref, reason = BAD_ANSWERS[case]
    answers = {k: v for k, v in {**ANSWERS, **change}.items() if v is not None}
    response = vote(client, cid, voter, answers)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_answer" and error["question"] == ref and error["reason"] == reason
    assert ref in error["message"]
    assert client.get(f"{API}/{cid}/participation", headers=voter.headers).json()["voters"] == 0


def test_abstain_is_a_whole_answer_for_every_type(client, database, admins):
    admin, other = admins
    voter = caller(database)
    cid = opened(client, admin, other)
    response = vote(client, cid, voter, {ref: "abstain" for ref in ANSWERS})
    assert response.status_code == 200


def test_participation_shape(client, database, admins):
    admin, other = admins
    voters = [*callers(database, 2), caller(database, voting_college="permanents", categories="permanents")]
    cid = opened(client, admin, other)
    for voter in voters:
        vote(client, cid, voter)
    body = client.get(f"{API}/{cid}/participation", headers=voters[0].headers).json()
    assert body == {"voters": 3, "eligible": 5, "by_college": {
        "members": {"voters": 2, "eligible": 4}, "permanents": {"voters": 1, "eligible": 1},
        "clients": {"voters": 0, "eligible": 0}, "partners": {"voters": 0, "eligible": 0}}}


# --- results ----------------------------------------------------------------------------------------

QUESTION_KEYS = {
    "yes_no": {"type", "decision_type", "counts", "by_college", "weighted_shares", "quorum", "outcome", "explanation"},
    "single_choice": {"type", "decision_type", "counts", "by_college", "weighted_shares", "winner", "quorum",
                      "outcome", "explanation"},
    "multiple_choice": {"type", "decision_type", "counts", "by_college", "weighted_shares", "order", "quorum",
                        "outcome", "explanation"},
    "ranking": {"type", "decision_type", "counts", "by_college", "weighted_points", "order", "quorum", "outcome",
                "explanation"},
    "budget": {"type", "decision_type", "counts", "by_college", "weighted_allocation", "order", "quorum", "outcome",
               "explanation"},
}


def test_results_are_409_before_the_close_for_everyone(client, database, admins):
    admin, other = admins
    voter = caller(database)
    cid = create(client, admin)["id"]
    for person in (admin, voter):  # a draft
        for path in ("results", "results.csv", "tracking-codes"):
            response = client.get(f"{API}/{cid}/{path}", headers=person.headers)
            assert response.status_code == 409 and response.json()["error"]["code"] == "not_closed"
    client.post(f"{API}/{cid}/approve", headers=other.headers)
    client.post(f"{API}/{cid}/open", headers=admin.headers)
    vote(client, cid, voter)
    for person in (admin, other, voter):  # open
        for path in ("results", "results.csv", "tracking-codes"):
            assert client.get(f"{API}/{cid}/{path}", headers=person.headers).status_code == 409


def test_results_after_the_close_have_exactly_the_documented_keys(client, database, admins):
    admin, other = admins
    voters = callers(database, 3)
    cid = opened(client, admin, other)
    for voter in voters:
        assert vote(client, cid, voter).status_code == 200
    close(client, cid, admin)
    body = client.get(f"{API}/{cid}/results", headers=voters[0].headers).json()
    assert set(body) == {"consultation", "voters", "eligible", "questions", "sha256"}  # binding: no "binding" key
    assert body["consultation"] == cid and body["voters"] == 3 and body["eligible"] == 5
    for ref, result in body["questions"].items():
        assert set(result) == QUESTION_KEYS[result["type"]], ref
        assert set(result["quorum"]) == {"mode", "required", "achieved", "reached"}
        assert set(result["by_college"]) == {"members", "permanents", "clients", "partners"}
    q1 = body["questions"]["q1"]
    assert q1["counts"] == {"yes": 3, "no": 0, "abstain": 0}
    assert q1["weighted_shares"] == {"yes": 1.0, "no": 0.0}
    assert q1["quorum"] == {"mode": "global", "required": 0.15, "achieved": 0.6, "reached": True}
    assert q1["outcome"] == "adopted"
    assert body["questions"]["q2"]["winner"] == "b" and body["questions"]["q2"]["outcome"] == "chosen"
    assert body["questions"]["q4"]["order"] == ["c", "a", "b"]
    assert body["questions"]["q4"]["weighted_points"] == {"a": 1.0, "b": 0.0, "c": 2.0}
    assert body["questions"]["q5"]["weighted_allocation"] == {"a": 60.0, "b": 40.0}
    assert body["questions"]["q5"]["outcome"] == "allocated"


def test_the_sha256_is_that_of_the_canonical_results(client, database, admins):
    admin, other = admins
    voter = caller(database)
    cid = opened(client, admin, other)
    vote(client, cid, voter)
    close(client, cid, admin)
    body = client.get(f"{API}/{cid}/results", headers=voter.headers).json()
    digest = body.pop("sha256")
    for result in body["questions"].values():
        result.pop("explanation")
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    assert hashlib.sha256(canonical).hexdigest() == digest
    assert client.get(f"{API}/{cid}", headers=voter.headers).json()["results_sha256"] == digest


def test_advisory_results_say_binding_false(client, database, admins):
    admin, _other = admins
    voter = caller(database, shares=0)
    cid = opened(client, admin, binding=False)
    assert vote(client, cid, voter).status_code == 200
    close(client, cid, admin)
    body = client.get(f"{API}/{cid}/results", headers=voter.headers).json()
    assert body["binding"] is False and body["questions"]["q1"]["outcome"] == "adopted"


def test_explanation_is_in_the_callers_language(client, database, admins):
    admin, other = admins
    voter = caller(database)
    cid = opened(client, admin, other)
    vote(client, cid, voter)
    close(client, cid, admin)
    by_language = {}
    for language in ("fr", "nl", "de"):
        response = client.get(f"{API}/{cid}/results", headers={**voter.headers, "Accept-Language": language})
        by_language[language] = response.json()["questions"]["q1"]["explanation"]
    # Figures follow the caller's locale (the wording follows the catalogues, translated separately).
    assert "15\xa0%" in by_language["fr"] and "15%" in by_language["nl"]  # figures in the locale's format


def test_no_quorum_is_an_outcome(client, database, admins):
    admin, other = admins
    callers(database, 10)
    voter = caller(database)
    cid = opened(client, admin, other, quorum={"mode": "global", "ordinary": 0.5, "extraordinary": 0.5})
    vote(client, cid, voter)
    close(client, cid, admin)
    body = client.get(f"{API}/{cid}/results", headers=voter.headers).json()
    assert {r["outcome"] for r in body["questions"].values()} == {"no_quorum"}
    assert body["questions"]["q2"]["winner"] is None


def test_tracking_codes_after_the_close_sorted_with_answers(client, database, admins):
    admin, other = admins
    voters = callers(database, 4)
    cid = opened(client, admin, other)
    codes = {}
    for n, voter in enumerate(voters):
        answers = {**ANSWERS, "q1": "yes" if n % 2 else "no"}
        codes[vote(client, cid, voter, answers).json()["tracking_code"]] = answers
    close(client, cid, admin)
    body = client.get(f"{API}/{cid}/tracking-codes", headers=voters[0].headers).json()
    assert body["consultation"] == cid
    listed = [item["tracking_code"] for item in body["tracking_codes"]]
    assert listed == sorted(codes)
    for item in body["tracking_codes"]:
        assert set(item) == {"tracking_code", "answers"}
        assert item["answers"] == codes[item["tracking_code"]]


def test_results_csv(client, database, admins):
    admin, other = admins
    voter = caller(database)
    cid = opened(client, admin, other)
    vote(client, cid, voter)
    close(client, cid, admin)
    response = client.get(f"{API}/{cid}/results.csv", headers={**voter.headers, "Accept-Language": "nl"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    lines = response.text.splitlines()
    assert lines[0].startswith("question,type,decision_type,option,label,total,members,permanents,clients,partners")
    assert any(line.startswith("q1,yes_no,ordinary,yes,") and ",adopted," in line for line in lines)
    assert any(line.startswith("q2,single_choice,ordinary,b,option b (nl),1,1,0,0,0,") for line in lines)
    assert len(lines) == 1 + 3 + 3 + 4 + 4 + 3


def test_second_call_copies_the_questions_without_quorum(client, database, admins):
    admin, other = admins
    callers(database, 10)
    voter = caller(database)
    questions = copy.deepcopy(QUESTIONS)
    questions[0]["decision_type"] = "extraordinary"
    cid = opened(client, admin, other, questions=questions,
                 quorum={"mode": "global", "ordinary": 0.05, "extraordinary": 0.5})
    vote(client, cid, voter)
    close(client, cid, admin)
    response = client.post(f"{API}/{cid}/second-call", headers=admin.headers)
    assert response.status_code == 201
    copy_ = response.json()
    assert copy_["status"] == "draft" and copy_["second_call_of"] == cid
    assert [q["ref"] for q in copy_["questions"]] == ["q1"]
    assert copy_["questions"][0]["title"] == texts("q1")
    lowered = definition(questions=copy_["questions"], quorum={"mode": "global", "ordinary": 0.05,
                                                                "extraordinary": 0.05})
    for question in lowered["questions"]:
        question.pop("options")
    assert client.put(f"{API}/{copy_['id']}", json=lowered, headers=admin.headers).status_code == 200


def test_every_operation_is_in_the_openapi_document(client, admins):
    admin, _other = admins
    paths = client.get("/api/v1/openapi.json", headers=admin.headers).json()["paths"]
    base = "/consultations/{consultation_id}"
    expected = {("/consultations", "get"), ("/consultations", "post"), (base, "get"), (base, "put")}
    expected |= {(f"{base}/{action}", "post") for action in ("approve", "open", "close", "second-call", "ballot")}
    expected |= {(f"{base}/{what}", "get") for what in ("participation", "results", "results.csv", "tracking-codes")}
    for path, method in expected:
        assert method in paths.get(path, {}), (path, method)
