"""A black-box contract test of ../shared/API.md "Consultations" and DESIGN.md "Tally rules".

Independent of the implementation and of `tests/consultations/support.py`: requests are written as
API.md writes them, and every expected figure is computed here from DESIGN.md's formulas with exact
fractions (`reference_*`), and for the main electorate also by hand (`HAND_*`), so that a mistake in
the reference would show too.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime, timedelta, timezone
from fractions import Fraction as F
from typing import Any

import pytest

from agora.accounts.services import create_token
from agora.cli import main as agora_main
from tests.conftest import TEST_SECRET
from tests.factories import person

API = "/api/v1/consultations"
COLLEGES = ("members", "permanents", "clients", "partners")
WEIGHTS = {"members": F("0.55"), "permanents": F("0.25"), "clients": F("0.10"), "partners": F("0.10")}
WEIGHTS_JSON = {"members": 0.55, "permanents": 0.25, "clients": 0.10, "partners": 0.10}
EXACT = 1e-9
BRUSSELS_WINTER = timezone(timedelta(hours=1))


# --- people and requests ------------------------------------------------------------------------------

def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make_person(database: Any, name: str, *, roles: tuple[str, ...] = (), college: str | None = "members",
                shares: int = 1, language: str = "fr") -> dict[str, str]:
    """A person of the register with an API token; returns the request headers."""
    with database.transaction() as db:
        someone = person(db, roles=list(roles), password=None, email=f"{name}@contract.example",
                         voting_college=college, categories=college or "", shares=shares, language=language)
        return bearer(create_token(db, someone))


def make_admins(database: Any) -> tuple[dict[str, str], dict[str, str]]:
    """Two administrators outside every electorate (no voting college)."""
    return (make_person(database, "admin1", roles=("admin",), college=None, shares=0),
            make_person(database, "admin2", roles=("admin",), college=None, shares=0))


def moment(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).astimezone(BRUSSELS_WINTER).isoformat(timespec="seconds")


def assert_error(response: Any, status: int) -> dict[str, Any]:
    """API.md: errors are JSON {"error": {"code": "...", "message": "..."}} with the right status."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"].strip()
    return error


def post(client: Any, path: str, headers: dict[str, str], body: Any = None) -> Any:
    return client.post(path, json=body, headers=headers) if body is not None else client.post(path, headers=headers)


# --- consultations as API.md writes them ----------------------------------------------------------------

def example_body() -> dict[str, Any]:
    """API.md's example, word for word, except: dates that let it open now, and option keys where the
    example elides the options with "..." (a single option "..." is not a key nor two options)."""
    return {
        "title": {"fr": "Affectation du résultat 2026", "nl": "Bestemming van het resultaat 2026"},
        "description": {"fr": "..."},
        "binding": True,
        "eligibility": {"colleges": ["members", "permanents", "clients", "partners"], "regions": None},
        "weighting": {"mode": "colleges",
                      "weights": {"members": 0.55, "permanents": 0.25, "clients": 0.10, "partners": 0.10}},
        "quorum": {"mode": "global", "ordinary": 0.15, "extraordinary": 0.20},
        "allow_change": True,
        "opens_at": moment(timedelta(hours=1)),
        "closes_at": moment(timedelta(days=14)),
        "questions": [
            {"ref": "q1", "type": "yes_no", "decision_type": "ordinary", "title": {"fr": "..."}},
            {"ref": "q2", "type": "single_choice", "decision_type": "ordinary", "title": {"fr": "..."},
             "options": [{"key": "a", "label": {"fr": "..."}}, {"key": "b", "label": {"fr": "..."}}]},
            {"ref": "q3", "type": "multiple_choice", "max_choices": 2, "options": ["a", "b", "c"]},
            {"ref": "q4", "type": "ranking", "options": ["a", "b", "c"]},
            {"ref": "q5", "type": "budget", "budget_total": 100, "options": ["a", "b"]},
        ],
    }


def three(text: str) -> dict[str, str]:
    return {"fr": f"{text} (fr)", "nl": f"{text} (nl)", "de": f"{text} (de)"}


def options(*keys: str) -> list[dict[str, Any]]:
    return [{"key": key, "label": three(f"option {key}")} for key in keys]


# The main consultation: the five types of API.md, and an extraordinary yes/no question.
QUESTIONS: list[dict[str, Any]] = [
    {"ref": "q1", "type": "yes_no", "decision_type": "ordinary", "title": three("q1")},
    {"ref": "q2", "type": "single_choice", "decision_type": "ordinary", "title": three("q2"),
     "options": options("a", "b", "c")},
    {"ref": "q3", "type": "multiple_choice", "max_choices": 2, "title": three("q3"), "options": options("a", "b", "c")},
    {"ref": "q4", "type": "ranking", "title": three("q4"), "options": options("a", "b", "c")},
    {"ref": "q5", "type": "budget", "budget_total": 100, "title": three("q5"), "options": options("a", "b")},
    {"ref": "q6", "type": "yes_no", "decision_type": "extraordinary", "title": three("q6")},
]


def full_body(questions: list[dict[str, Any]] = QUESTIONS, **overrides: Any) -> dict[str, Any]:
    body = example_body()
    body["title"] = three("Affectation du résultat 2026")
    body["description"] = three("description")
    body["questions"] = copy.deepcopy(questions)
    body.update(overrides)
    return body


def question_options(question: dict[str, Any]) -> tuple[str, ...]:
    if question["type"] == "yes_no":
        return ("yes", "no")
    return tuple(o if isinstance(o, str) else o["key"] for o in question["options"])


def decision_type(question: dict[str, Any]) -> str:
    return question.get("decision_type", "ordinary")


# --- the reference: DESIGN.md "Tally rules", written out ---------------------------------------------------

def contribution(question: dict[str, Any], answer: Any) -> dict[str, int] | None:
    """What a ballot adds to each option; None for an abstention (not in the majority base)."""
    if answer == "abstain":
        return None
    kind = question["type"]
    if kind in ("yes_no", "single_choice"):
        return {answer: 1}
    if kind == "multiple_choice":
        return dict.fromkeys(answer, 1)
    if kind == "ranking":  # the r-th of m options gets m - r points, unranked ones 0
        m = len(question_options(question))
        return {option: m - r for r, option in enumerate(answer, start=1)}
    return dict(answer)  # budget: the amounts


def reference_values(question: dict[str, Any], ballots: list[tuple[str, dict[str, Any]]],
                     weighting: str) -> dict[str, F]:
    keys = question_options(question)
    sums = {c: dict.fromkeys(keys, 0) for c in COLLEGES}
    valid = dict.fromkeys(COLLEGES, 0)
    for college, answers in ballots:
        given = contribution(question, answers[question["ref"]])
        if given is None:
            continue
        valid[college] += 1
        for key, amount in given.items():
            sums[college][key] += amount
    if weighting == "colleges":
        active = [c for c in COLLEGES if valid[c] > 0]
        weight = sum(WEIGHTS[c] for c in active)
        return {k: sum(WEIGHTS[c] * F(sums[c][k], valid[c]) for c in active) / weight for k in keys}
    total = sum(valid.values())
    return {k: F(sum(sums[c][k] for c in COLLEGES), total) for k in keys}


def reference_quorum(mode: str, required: F, voters: dict[str, int], eligible: dict[str, int]) -> tuple[F, bool]:
    counted = [c for c in COLLEGES if eligible[c] > 0]
    if mode == "global":
        achieved = F(sum(voters.values()), sum(eligible.values()))
        return achieved, achieved >= required
    if mode == "per_college":
        ratios = [F(voters[c], eligible[c]) for c in counted]
        return min(ratios), all(r >= required for r in ratios)
    achieved = sum(WEIGHTS[c] * F(voters[c], eligible[c]) for c in counted) / sum(WEIGHTS[c] for c in counted)
    return achieved, achieved >= required


def reference_outcome(question: dict[str, Any], values: dict[str, F], reached: bool) -> dict[str, Any]:
    if not reached:
        return {"outcome": "no_quorum"}
    kind = question["type"]
    if kind == "yes_no":
        # ordinary: the yes share exceeds 1/2 (a tie is rejected); extraordinary: it reaches 3/4
        ordinary = decision_type(question) == "ordinary"
        adopted = values["yes"] > F(1, 2) if ordinary else values["yes"] >= F(3, 4)
        return {"outcome": "adopted" if adopted else "rejected"}
    if kind == "single_choice":
        top = max(values.values())
        first = [k for k, v in values.items() if v == top]
        return {"outcome": "chosen", "winner": first[0]} if len(first) == 1 else {"outcome": "tie"}
    order = sorted(values, key=lambda k: (-values[k], k))
    return {"outcome": "allocated" if kind == "budget" else "ranked", "order": order}


def close_to(got: Any, expected: F) -> bool:
    return isinstance(got, float) and abs(got - float(expected)) <= EXACT


# --- the main electorate and its ballots ------------------------------------------------------------------

# name: (voting college, shares). x0 holds no share: outside binding electorates, inside advisory ones.
PEOPLE = {
    "m1": ("members", 1), "m2": ("members", 3), "m3": ("members", 1), "m4": ("members", 1), "m5": ("members", 1),
    "p1": ("permanents", 1), "p2": ("permanents", 1),
    "c1": ("clients", 1), "c2": ("clients", 1), "c3": ("clients", 1), "c4": ("clients", 1),
    "r1": ("partners", 1), "r2": ("partners", 1),
    "x0": ("members", 0),
}
ABSTAIN_ALL = dict.fromkeys(("q1", "q2", "q3", "q4", "q5", "q6"), "abstain")
BALLOTS: dict[str, dict[str, Any]] = {
    "m1": {"q1": "yes", "q2": "a", "q3": ["a", "b"], "q4": ["a", "b", "c"], "q5": {"a": 100, "b": 0}, "q6": "yes"},
    "m2": {"q1": "yes", "q2": "a", "q3": ["a"], "q4": ["b", "a", "c"], "q5": {"a": 50, "b": 50}, "q6": "yes"},
    "m3": {"q1": "yes", "q2": "b", "q3": ["c", "b"], "q4": ["a", "c"], "q5": {"b": 30, "a": 70}, "q6": "yes"},
    "m4": {"q1": "no", "q2": "c", "q3": "abstain", "q4": "abstain", "q5": {"a": 0, "b": 100}, "q6": "no"},
    "p1": {"q1": "no", "q2": "b", "q3": ["c"], "q4": ["c", "b", "a"], "q5": {"b": 100}, "q6": "yes"},
    "c1": dict(ABSTAIN_ALL),
    "c2": {**ABSTAIN_ALL, "q2": "c", "q5": {"a": 20, "b": 80}},
    "r1": dict(ABSTAIN_ALL),
}
# m2 votes this first, then changes to BALLOTS["m2"]: only the second may count.
M2_FIRST = {"q1": "no", "q2": "c", "q3": ["b", "c"], "q4": ["c", "b", "a"], "q5": {"a": 0, "b": 100}, "q6": "no"}

# By hand, for the colleges weighting (0.55/0.25/0.10/0.10): see the derivation in each comment.
HAND_WEIGHTED = {
    # members 3 yes/1 no, permanents 0/1, clients and partners abstain (inactive): (.55·3/4)/(.55+.25)
    "q1": {"yes": F(33, 64), "no": F(31, 64)},
    # members a 2/4, b 1/4, c 1/4; permanents b 1/1; clients c 1/1 (c1 abstains); Σw = .9
    "q2": {"a": F(11, 36), "b": F(31, 72), "c": F(19, 72)},
    # members a 2/3, b 2/3, c 1/3 (m4 abstains); permanents c 1/1; Σw = .8
    "q3": {"a": F(11, 24), "b": F(11, 24), "c": F(13, 24)},
    # points (m=3: 2, 1, 0): members a 5/3, b 3/3, c 1/3; permanents a 0, b 1, c 2; Σw = .8
    "q4": {"a": F(55, 48), "b": F(1), "c": F(41, 48)},
    # means: members a 55, b 45; permanents a 0, b 100; clients a 20, b 80; Σw = .9
    "q5": {"a": F(215, 6), "b": F(385, 6)},
    # members 3/4 yes, permanents 1/1 yes: (.55·3/4 + .25)/.8
    "q6": {"yes": F(53, 64), "no": F(11, 64)},
}
HAND_ONE_PERSON_ONE_VOTE = {
    "q1": {"yes": F(3, 5), "no": F(2, 5)},
    "q2": {"a": F(1, 3), "b": F(1, 3), "c": F(1, 3)},  # 2, 2, 2 of 6: a tie
    "q3": {"a": F(1, 2), "b": F(1, 2), "c": F(1, 2)},
    "q4": {"a": F(5, 4), "b": F(1), "c": F(3, 4)},
    "q5": {"a": F(40), "b": F(60)},
    "q6": {"yes": F(4, 5), "no": F(1, 5)},
}
HAND_COUNTS = {  # ballots choosing each option (yes/no, single and multiple choice)
    "q1": {"yes": 3, "no": 2, "abstain": 3},
    "q2": {"a": 2, "b": 2, "c": 2, "abstain": 2},
    "q3": {"a": 2, "b": 2, "c": 2, "abstain": 4},
    "q6": {"yes": 4, "no": 1, "abstain": 3},
}
HAND_Q1_BY_COLLEGE = {"members": {"yes": 3, "no": 1, "abstain": 0}, "permanents": {"yes": 0, "no": 1, "abstain": 0},
                      "clients": {"yes": 0, "no": 0, "abstain": 2}, "partners": {"yes": 0, "no": 0, "abstain": 1}}
ABSTENTIONS = {"q4": 4, "q5": 2}

# Voters 4/5 members, 1/2 permanents, 2/4 clients, 1/2 partners: 8 of 13 (binding) or of 14 (advisory).
VARIANTS: dict[str, dict[str, Any]] = {
    # global 8/13 = .615: the ordinary quorum (.15) is reached, the extraordinary one (.65) is not
    "colleges_global": {"binding": True, "weighting": {"mode": "colleges", "weights": WEIGHTS_JSON},
                        "quorum": {"mode": "global", "ordinary": 0.15, "extraordinary": 0.65},
                        "achieved": F(8, 13), "reached": {"ordinary": True, "extraordinary": False}},
    # the other way round: the ordinary quorum (.62) is not reached, the extraordinary one (.6) is
    "colleges_global_ordinary_lacking": {
        "binding": True, "weighting": {"mode": "colleges", "weights": WEIGHTS_JSON},
        "quorum": {"mode": "global", "ordinary": 0.62, "extraordinary": 0.6},
        "achieved": F(8, 13), "reached": {"ordinary": False, "extraordinary": True}},
    # per college: the lowest ratio is 1/2 (permanents, clients, partners): reaches .5, not .51
    "colleges_per_college": {"binding": True, "weighting": {"mode": "colleges", "weights": WEIGHTS_JSON},
                             "quorum": {"mode": "per_college", "ordinary": 0.5, "extraordinary": 0.51},
                             "achieved": F(1, 2), "reached": {"ordinary": True, "extraordinary": False}},
    # weighted: .55·4/5 + .25·1/2 + .10·2/4 + .10·1/2 = .665 exactly: reaches .665, not .67
    "colleges_weighted": {"binding": True, "weighting": {"mode": "colleges", "weights": WEIGHTS_JSON},
                          "quorum": {"mode": "weighted", "ordinary": 0.665, "extraordinary": 0.67},
                          "achieved": F(133, 200), "reached": {"ordinary": True, "extraordinary": False}},
    "one_person_one_vote": {"binding": True, "weighting": {"mode": "one_person_one_vote"},
                            "quorum": {"mode": "global", "ordinary": 0.15, "extraordinary": 0.20},
                            "achieved": F(8, 13), "reached": {"ordinary": True, "extraordinary": True}},
    # advisory: x0 (no share) is eligible too: 8/14
    "advisory": {"binding": False, "weighting": {"mode": "colleges", "weights": WEIGHTS_JSON},
                 "quorum": {"mode": "global", "ordinary": 0.15, "extraordinary": 0.20},
                 "achieved": F(8, 14), "reached": {"ordinary": True, "extraordinary": True}},
}

QUESTION_KEYS = {
    "yes_no": {"type", "decision_type", "counts", "by_college", "weighted_shares", "quorum", "outcome",
               "explanation"},
    "single_choice": {"type", "decision_type", "counts", "by_college", "weighted_shares", "winner", "quorum",
                      "outcome", "explanation"},
    "multiple_choice": {"type", "decision_type", "counts", "by_college", "weighted_shares", "order", "quorum",
                        "outcome", "explanation"},
    "ranking": {"type", "decision_type", "counts", "by_college", "weighted_points", "order", "quorum", "outcome",
                "explanation"},
    "budget": {"type", "decision_type", "counts", "by_college", "weighted_allocation", "quorum", "outcome",
               "explanation"},
}
VALUE_KEY = {"yes_no": "weighted_shares", "single_choice": "weighted_shares", "multiple_choice": "weighted_shares",
             "ranking": "weighted_points", "budget": "weighted_allocation"}


def normal(question: dict[str, Any], answer: Any) -> Any:
    """An answer up to what carries no meaning: the order of a multiple choice, a budget's zeros."""
    if answer == "abstain" or question["type"] in ("yes_no", "single_choice", "ranking"):
        return answer
    if question["type"] == "multiple_choice":
        return sorted(answer)
    return {key: answer.get(key, 0) for key in question_options(question)}


def run_tally(monkeypatch: Any, capsys: Any, settings: Any, cid: str) -> tuple[int, str]:
    """`agora consultation tally ID --json` against the test database."""
    monkeypatch.setenv("AGORA_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("AGORA_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("AGORA_VAR_DIR", str(settings.var_dir))
    monkeypatch.setenv("AGORA_BASE_URL", "http://testserver")
    for name in ("AGORA_SMTP_HOST", "AGORA_REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    capsys.readouterr()
    status = agora_main(["consultation", "tally", cid, "--json"])
    return status, capsys.readouterr().out


# --- creating and opening ------------------------------------------------------------------------------------

def test_the_example_body_creates_a_draft_and_open_names_what_is_missing(client, database):
    admin, other = make_admins(database)
    response = client.post(API, json=example_body(), headers=admin)
    assert response.status_code == 201, response.text
    created = response.json()
    assert isinstance(created["id"], str) and created["id"] and created["status"] == "draft"
    cid = created["id"]
    assert client.get(f"{API}/{cid}", headers=admin).json()["status"] == "draft"

    before_approval = assert_error(post(client, f"{API}/{cid}/open", admin), 409)["message"]
    assert_error(post(client, f"{API}/{cid}/approve", admin), 403)  # not by its creator
    assert post(client, f"{API}/{cid}/approve", other).status_code == 200
    after_approval = assert_error(post(client, f"{API}/{cid}/open", admin), 409)["message"]
    # Every question lacks texts (q1, q2: Dutch and German; q3-q5: everything), and so do the options.
    for message in (before_approval, after_approval):
        for ref in ("q1", "q2", "q3", "q4", "q5"):
            assert ref in message, message
    assert len(after_approval) < len(before_approval)  # the approval is no longer missing
    assert client.get(f"{API}/{cid}", headers=admin).json()["status"] == "draft"


def test_the_example_body_as_advisory_opens_once_every_question_has_a_title(client, database):
    """An advisory consultation opens as it is; still, a question nobody can read (no title in any
    language, as q3-q5 of the example) is named, as for a binding one."""
    admin, _other = make_admins(database)
    body = example_body()
    body["binding"] = False
    cid = client.post(API, json=body, headers=admin).json()["id"]
    message = assert_error(post(client, f"{API}/{cid}/open", admin), 409)["message"]
    assert all(ref in message for ref in ("q3", "q4", "q5")) and "q1" not in message and "q2" not in message
    for question in body["questions"]:
        question.setdefault("title", {"fr": "..."})
    cid = client.post(API, json=body, headers=admin).json()["id"]
    response = post(client, f"{API}/{cid}/open", admin)  # no approval, no translations needed
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "open"


def test_open_names_exactly_the_one_text_that_is_missing(client, database):
    admin, other = make_admins(database)

    def refusal(body: dict[str, Any]) -> str:
        cid = client.post(API, json=body, headers=admin).json()["id"]
        assert post(client, f"{API}/{cid}/approve", other).status_code == 200
        return assert_error(post(client, f"{API}/{cid}/open", admin), 409)["message"]

    # One option's label, in German: the message names its question, and which option.
    by_option = {}
    for index, key in ((2, "c"), (0, "a")):
        body = full_body()
        del body["questions"][3]["options"][index]["label"]["de"]  # q4
        by_option[key] = refusal(body)
        assert "q4" in by_option[key] and not re.search(r"q[12356]", by_option[key]), by_option[key]
    assert by_option["a"] != by_option["c"]
    # Only the consultation's title, in one language: the message says which.
    by_language = {}
    for language in ("nl", "de"):
        body = full_body()
        del body["title"][language]
        by_language[language] = refusal(body)
        assert not re.search(r"q\d", by_language[language]), by_language[language]
    assert by_language["nl"] != by_language["de"]


def test_a_complete_binding_consultation_opens_once_approved_by_another_admin(client, database):
    admin, other = make_admins(database)
    make_person(database, "m1")
    cid = client.post(API, json=full_body(), headers=admin).json()["id"]
    assert_error(post(client, f"{API}/{cid}/open", admin), 409)  # not approved
    assert_error(post(client, f"{API}/{cid}/approve", admin), 403)
    assert post(client, f"{API}/{cid}/approve", other).status_code == 200
    response = post(client, f"{API}/{cid}/open", admin)
    assert response.status_code == 200 and response.json()["status"] == "open"
    detail = client.get(f"{API}/{cid}", headers=other).json()
    assert detail["status"] == "open" and detail["electorate"]["eligible"] == 1


# --- the definition's 422s, error shapes and languages ------------------------------------------------------

BAD_DEFINITIONS = {
    "weights_not_summing_to_1": {"weighting": {"mode": "colleges", "weights": {
        "members": 0.55, "permanents": 0.25, "clients": 0.10, "partners": 0.05}}},
    "weights_over_1": {"weighting": {"mode": "colleges", "weights": {
        "members": 0.55, "permanents": 0.25, "clients": 0.10, "partners": 0.15}}},
    "negative_weight": {"weighting": {"mode": "colleges", "weights": {
        "members": 0.65, "permanents": -0.10, "clients": 0.35, "partners": 0.10}}},
    "one_person_one_vote_weights_not_summing_to_1": {"weighting": {"mode": "one_person_one_vote", "weights": {
        "members": 0.5, "permanents": 0.25, "clients": 0.10, "partners": 0.10}}},
    "weighted_quorum_with_one_person_one_vote": {
        "weighting": {"mode": "one_person_one_vote"},
        "quorum": {"mode": "weighted", "ordinary": 0.15, "extraordinary": 0.20}},
}


@pytest.mark.parametrize("case", sorted(BAD_DEFINITIONS))
def test_bad_definitions_are_422(client, database, case):
    admin, _other = make_admins(database)
    response = client.post(API, json=full_body(**BAD_DEFINITIONS[case]), headers=admin)
    assert_error(response, 422)
    assert client.get(API, headers=admin).json()["consultations"] == []  # nothing written


def test_weights_summing_to_1_and_the_weighted_quorum_with_colleges_are_accepted(client, database):
    admin, _other = make_admins(database)
    for overrides in ({"weighting": {"mode": "colleges", "weights": {"members": 0.7, "permanents": 0.3}}},
                      {"quorum": {"mode": "weighted", "ordinary": 0.15, "extraordinary": 0.20}},
                      {"weighting": {"mode": "one_person_one_vote"}}):
        response = client.post(API, json=full_body(**overrides), headers=admin)
        assert response.status_code == 201, (overrides, response.text)


def test_error_messages_are_in_the_callers_language(client, database):
    admin, _other = make_admins(database)
    bad = full_body(**BAD_DEFINITIONS["weights_not_summing_to_1"])
    messages = {}
    for language in ("fr", "nl", "de"):
        response = client.post(API, json=bad, headers={**admin, "Accept-Language": language})
        messages[language] = assert_error(response, 422)["message"]
    assert len(set(messages.values())) == 3, messages
    unauthenticated = {}
    for language in ("nl", "de"):
        response = client.get(API, headers={"Authorization": "Bearer wrong", "Accept-Language": language})
        unauthenticated[language] = assert_error(response, 401)["message"]
    assert unauthenticated["nl"] != unauthenticated["de"]


def test_unknown_consultations_and_malformed_requests(client, database):
    admin, _other = make_admins(database)
    voter = make_person(database, "m1")
    assert_error(client.get(f"{API}/0123456789abcdef0123456789abcdef", headers=admin), 404)
    assert_error(client.post(API, json=["not", "an", "object"], headers=admin), 422)
    cid = advisory_open(client, admin)
    assert_error(post(client, f"{API}/{cid}/ballot", voter, {"ballot": BALLOTS["m1"]}), 422)  # no "answers"
    assert_error(post(client, f"{API}/{cid}/ballot", voter, {"answers": {**BALLOTS["m1"], "q9": "yes"}}), 422)


def test_authentication_and_permissions(client, database):
    admin, other = make_admins(database)
    member = make_person(database, "m1")
    assert_error(client.post(API, json=full_body()), 401)
    assert_error(client.post(API, json=full_body(), headers=bearer("not-a-token")), 401)
    assert_error(client.post(API, json=full_body(), headers=member), 403)  # (admin)
    cid = client.post(API, json=full_body(), headers=admin).json()["id"]
    assert_error(client.get(f"{API}/{cid}"), 401)
    assert_error(client.get(f"{API}/{cid}/participation", headers=bearer("not-a-token")), 401)
    post(client, f"{API}/{cid}/approve", other)
    assert post(client, f"{API}/{cid}/open", admin).status_code == 200
    assert_error(post(client, f"{API}/{cid}/close", member), 403)  # (admin)
    assert_error(client.post(f"{API}/{cid}/ballot", json={"answers": BALLOTS["m1"]}), 401)


def test_once_open_nothing_changes(client, database):
    admin, other = make_admins(database)
    voter = make_person(database, "m1")
    cid = client.post(API, json=full_body(), headers=admin).json()["id"]
    post(client, f"{API}/{cid}/approve", other)
    assert post(client, f"{API}/{cid}/open", admin).status_code == 200
    changed = full_body(title=three("Another title"))
    assert_error(client.put(f"{API}/{cid}", json=changed, headers=admin), 409)
    assert_error(post(client, f"{API}/{cid}/approve", other), 409)
    assert_error(post(client, f"{API}/{cid}/open", admin), 409)
    assert client.get(f"{API}/{cid}", headers=admin).json()["title"] == three("Affectation du résultat 2026")
    assert post(client, f"{API}/{cid}/ballot", voter, {"answers": BALLOTS["m1"]}).status_code == 200
    assert post(client, f"{API}/{cid}/close", admin).status_code == 200
    assert_error(client.put(f"{API}/{cid}", json=changed, headers=admin), 409)
    assert_error(post(client, f"{API}/{cid}/close", admin), 409)
    assert_error(post(client, f"{API}/{cid}/open", admin), 409)


# --- ballots ---------------------------------------------------------------------------------------------

def advisory_open(client: Any, admin: dict[str, str], **overrides: Any) -> str:
    response = client.post(API, json=full_body(binding=False, **overrides), headers=admin)
    assert response.status_code == 201, response.text
    cid = response.json()["id"]
    response = post(client, f"{API}/{cid}/open", admin)
    assert response.status_code == 200, response.text
    return cid


BAD_ANSWERS = [  # (question, answer) that do not fit
    ("q1", "maybe"), ("q1", ["yes"]), ("q1", {"yes": 1}),
    ("q2", "z"), ("q2", ["a"]),
    ("q3", ["a", "b", "c"]), ("q3", ["a", "z"]), ("q3", "a"),
    ("q4", ["a", "a", "b"]), ("q4", ["a", "z"]), ("q4", "a"),
    ("q5", {"a": 60, "b": 39}), ("q5", {"a": 60, "b": 41}), ("q5", {"a": 60, "z": 40}), ("q5", ["a", "b"]),
    ("q5", {"a": 110, "b": -10}), ("q5", {"a": 60.5, "b": 39.5}),
    ("q6", "abstention"),
]


def test_ballot_shapes_and_abstain_as_a_whole_answer_for_every_type(client, database):
    admin, _other = make_admins(database)
    voter = make_person(database, "m1", shares=0)  # advisory: no share needed
    cid = advisory_open(client, admin)
    for ref, answer in BAD_ANSWERS:
        response = post(client, f"{API}/{cid}/ballot", voter, {"answers": {**BALLOTS["m1"], ref: answer}})
        error = assert_error(response, 422)
        assert ref in error["message"], (ref, answer, error)
    for ref in ("q1", "q5"):  # every question must be answered
        answers = {k: v for k, v in BALLOTS["m1"].items() if k != ref}
        assert ref in assert_error(post(client, f"{API}/{cid}/ballot", voter, {"answers": answers}), 422)["message"]
    assert client.get(f"{API}/{cid}/participation", headers=admin).json()["voters"] == 0
    # Each type as API.md writes it, and "abstain" as the whole answer for every type.
    response = post(client, f"{API}/{cid}/ballot", voter, {"answers": ABSTAIN_ALL})
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"tracking_code"} and isinstance(response.json()["tracking_code"], str)
    code = response.json()["tracking_code"]
    # A change (allow_change); JSON does not tell 60 from 60.0.
    response = post(client, f"{API}/{cid}/ballot", voter, {"answers": {**BALLOTS["m1"], "q5": {"a": 60.0, "b": 40.0}}})
    assert response.status_code == 200, response.text
    assert client.get(f"{API}/{cid}/participation", headers=admin).json()["voters"] == 1
    assert post(client, f"{API}/{cid}/close", admin).status_code == 200
    results = client.get(f"{API}/{cid}/results", headers=voter).json()["questions"]
    assert results["q1"]["counts"] == {"yes": 1, "no": 0, "abstain": 0}
    assert results["q5"]["weighted_allocation"] == {"a": 60.0, "b": 40.0}
    listed = client.get(f"{API}/{cid}/tracking-codes", headers=voter).json()["tracking_codes"]
    assert [entry["tracking_code"] for entry in listed] == [code]
    assert listed[0]["answers"]["q5"] == {"a": 60, "b": 40}


def test_a_second_ballot_is_409_without_allow_change(client, database):
    admin, _other = make_admins(database)
    voter = make_person(database, "m1")
    cid = advisory_open(client, admin, allow_change=False)
    first = post(client, f"{API}/{cid}/ballot", voter, {"answers": BALLOTS["m1"]})
    assert first.status_code == 200
    assert_error(post(client, f"{API}/{cid}/ballot", voter, {"answers": BALLOTS["m4"]}), 409)
    assert post(client, f"{API}/{cid}/close", admin).status_code == 200
    result = client.get(f"{API}/{cid}/results", headers=voter).json()["questions"]["q1"]
    assert result["counts"] == {"yes": 1, "no": 0, "abstain": 0}  # the first ballot stands
    listed = client.get(f"{API}/{cid}/tracking-codes", headers=voter).json()["tracking_codes"]
    assert [entry["tracking_code"] for entry in listed] == [first.json()["tracking_code"]]


def test_ballots_outside_the_opening_are_409_and_the_ineligible_get_403(client, database):
    admin, other = make_admins(database)
    voter = make_person(database, "m1")
    no_share = make_person(database, "x0", shares=0)
    cid = client.post(API, json=full_body(), headers=admin).json()["id"]
    assert_error(post(client, f"{API}/{cid}/ballot", voter, {"answers": BALLOTS["m1"]}), 409)  # a draft
    post(client, f"{API}/{cid}/approve", other)
    assert post(client, f"{API}/{cid}/open", admin).status_code == 200
    assert_error(post(client, f"{API}/{cid}/ballot", no_share, {"answers": BALLOTS["m1"]}), 403)  # binding
    late = make_person(database, "m9")  # joined after the electorate was frozen
    assert_error(post(client, f"{API}/{cid}/ballot", late, {"answers": BALLOTS["m1"]}), 403)
    assert post(client, f"{API}/{cid}/close", admin).status_code == 200
    assert_error(post(client, f"{API}/{cid}/ballot", voter, {"answers": BALLOTS["m1"]}), 409)  # closed


# --- the whole life of a consultation, and its numbers ------------------------------------------------------

def eligible_by_college(binding: bool) -> dict[str, int]:
    counts = dict.fromkeys(COLLEGES, 0)
    for college, shares in PEOPLE.values():
        if shares >= 1 or not binding:
            counts[college] += 1
    return counts


def voters_by_college() -> dict[str, int]:
    counts = dict.fromkeys(COLLEGES, 0)
    for name in BALLOTS:
        counts[PEOPLE[name][0]] += 1
    return counts


def participation_expected(voted: set[str], eligible: dict[str, int]) -> dict[str, Any]:
    by_college = {c: {"voters": sum(1 for n in voted if PEOPLE[n][0] == c), "eligible": eligible[c]}
                  for c in COLLEGES}
    return {"voters": len(voted), "eligible": sum(eligible.values()), "by_college": by_college}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_a_consultation_from_draft_to_verified_results(client, database, settings, monkeypatch, capsys, variant):
    setup = VARIANTS[variant]
    binding = setup["binding"]
    weighting = setup["weighting"]["mode"]
    admin, other = make_admins(database)
    people = {name: make_person(database, name, college=college, shares=shares)
              for name, (college, shares) in PEOPLE.items()}

    body = full_body(binding=binding, weighting=setup["weighting"], quorum=setup["quorum"])
    response = client.post(API, json=body, headers=admin)
    assert response.status_code == 201, response.text
    cid = response.json()["id"]
    assert response.json()["status"] == "draft"
    for path in ("results", "tracking-codes"):  # a draft: 409 for everyone, admins included
        assert_error(client.get(f"{API}/{cid}/{path}", headers=admin), 409)
    assert post(client, f"{API}/{cid}/approve", other).status_code == 200
    response = post(client, f"{API}/{cid}/open", admin)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "open"

    eligible = eligible_by_college(binding)
    detail = client.get(f"{API}/{cid}", headers=people["m5"]).json()
    assert detail["status"] == "open"
    assert detail["electorate"]["eligible"] == sum(eligible.values())
    assert detail["electorate"]["by_college"] == eligible

    # Participation is live and nothing else is, before the close.
    voted: set[str] = set()
    participation = client.get(f"{API}/{cid}/participation", headers=people["m5"]).json()
    assert participation == participation_expected(voted, eligible)
    codes: dict[str, str] = {}
    first = post(client, f"{API}/{cid}/ballot", people["m2"], {"answers": M2_FIRST})
    assert first.status_code == 200, first.text
    voted.add("m2")
    for name, answers in BALLOTS.items():
        response = post(client, f"{API}/{cid}/ballot", people[name], {"answers": answers})
        assert response.status_code == 200, (name, response.text)
        assert set(response.json()) == {"tracking_code"}
        codes[name] = response.json()["tracking_code"]
        voted.add(name)
        participation = client.get(f"{API}/{cid}/participation", headers=people["m5"]).json()
        assert participation == participation_expected(voted, eligible), name
    if binding:
        assert_error(post(client, f"{API}/{cid}/ballot", people["x0"], {"answers": ABSTAIN_ALL}), 403)
    for who in (admin, people["m1"]):
        assert_error(client.get(f"{API}/{cid}/results", headers=who), 409)
        assert_error(client.get(f"{API}/{cid}/tracking-codes", headers=who), 409)
    status, _out = run_tally(monkeypatch, capsys, settings, cid)
    assert status != 0  # nothing to recount before the close

    response = post(client, f"{API}/{cid}/close", admin)
    assert response.status_code == 200 and response.json()["status"] == "closed"
    assert_error(post(client, f"{API}/{cid}/ballot", people["m5"], {"answers": ABSTAIN_ALL}), 409)
    assert client.get(f"{API}/{cid}/participation", headers=admin).json() == participation_expected(voted, eligible)

    response = client.get(f"{API}/{cid}/results", headers=people["m5"])
    assert response.status_code == 200, response.text
    results = response.json()
    expected_top = {"consultation", "voters", "eligible", "questions", "sha256"}
    assert set(results) == (expected_top if binding else expected_top | {"binding"})
    assert results["consultation"] == cid
    assert results["voters"] == len(BALLOTS) == 8
    assert results["eligible"] == sum(eligible.values()) == (13 if binding else 14)
    assert re.fullmatch(r"[0-9a-f]{64}", results["sha256"])
    if not binding:
        assert results["binding"] is False
    assert list(results["questions"]) == [q["ref"] for q in QUESTIONS]

    ballots = [(PEOPLE[name][0], answers) for name, answers in BALLOTS.items()]
    voters = voters_by_college()
    hand = HAND_WEIGHTED if weighting == "colleges" else HAND_ONE_PERSON_ONE_VOTE
    for question in QUESTIONS:
        ref, kind = question["ref"], question["type"]
        result = results["questions"][ref]
        assert set(result) == QUESTION_KEYS[kind] or set(result) == QUESTION_KEYS[kind] | {"order"}, (ref, set(result))
        assert result["type"] == kind and result["decision_type"] == decision_type(question)
        keys = question_options(question)

        # counts and by_college: every option and "abstain", integers
        assert set(result["counts"]) == {*keys, "abstain"}, ref
        assert all(type(v) is int for v in result["counts"].values()), ref
        assert set(result["by_college"]) == set(COLLEGES), ref
        for college in COLLEGES:
            assert set(result["by_college"][college]) == {*keys, "abstain"}, (ref, college)
        if ref in HAND_COUNTS:
            assert result["counts"] == HAND_COUNTS[ref], ref
            for college in COLLEGES:
                in_college = [a[ref] for c, a in ballots if c == college]
                for key in keys:
                    chosen = sum(1 for a in in_college if a != "abstain" and (a == key or (isinstance(a, list)
                                                                                          and key in a)))
                    assert result["by_college"][college][key] == chosen, (ref, college, key)
                assert result["by_college"][college]["abstain"] == in_college.count("abstain"), (ref, college)
        else:
            assert result["counts"]["abstain"] == ABSTENTIONS[ref], ref
        if ref == "q1":
            assert result["by_college"] == HAND_Q1_BY_COLLEGE

        # the weighted figure: by hand, and by DESIGN.md's formula
        values = result[VALUE_KEY[kind]]
        assert set(values) == set(keys), ref
        reference = reference_values(question, ballots, weighting)
        assert reference == hand[ref], ref  # the reference agrees with the hand computation
        for key in keys:
            assert close_to(values[key], reference[key]), (ref, key, values[key], float(reference[key]))

        # the quorum of the question's decision type
        kind_of_decision = decision_type(question)
        required = F(str(setup["quorum"][kind_of_decision]))
        achieved, reached = reference_quorum(setup["quorum"]["mode"], required, voters, eligible)
        assert achieved == setup["achieved"] and reached == setup["reached"][kind_of_decision]
        quorum = result["quorum"]
        assert set(quorum) == {"mode", "required", "achieved", "reached"}, ref
        assert quorum["mode"] == setup["quorum"]["mode"]
        assert close_to(quorum["required"], required) and close_to(quorum["achieved"], achieved), (ref, quorum)
        assert quorum["reached"] is reached, (ref, quorum)

        # the outcome, and winner or order where API.md documents them
        expected = reference_outcome(question, reference, reached)
        assert result["outcome"] == expected["outcome"], (ref, result["outcome"], expected)
        if kind == "single_choice":
            assert result["winner"] == expected.get("winner"), ref
        if kind in ("multiple_choice", "ranking"):
            assert result["order"] == sorted(keys, key=lambda k: (-reference[k], k)), ref
        assert isinstance(result["explanation"], str) and result["explanation"].strip(), ref

    # The outcomes the variants were built for (independent of the reference's outcome rules).
    outcomes = {ref: r["outcome"] for ref, r in results["questions"].items()}
    ordinary_outcomes = {"q1": "adopted", "q2": "chosen" if weighting == "colleges" else "tie", "q3": "ranked",
                         "q4": "ranked", "q5": "allocated"}
    if not setup["reached"]["ordinary"]:
        ordinary_outcomes = dict.fromkeys(ordinary_outcomes, "no_quorum")
    assert outcomes == {**ordinary_outcomes, "q6": "adopted" if setup["reached"]["extraordinary"] else "no_quorum"}
    if outcomes["q2"] == "chosen":
        assert results["questions"]["q2"]["winner"] == "b"  # raw counts 2-2-2; the weights decide
    if weighting == "colleges":
        assert results["questions"]["q3"]["order"] == ["c", "a", "b"]
    else:
        assert results["questions"]["q3"]["order"] == ["a", "b", "c"]
    assert results["questions"]["q4"]["order"] == ["a", "b", "c"]

    # Tracking codes: every voter's code with their (final) answers, sorted by code.
    response = client.get(f"{API}/{cid}/tracking-codes", headers=people["m5"])
    assert response.status_code == 200, response.text
    listed = response.json()["tracking_codes"]
    listed_codes = [entry["tracking_code"] for entry in listed]
    assert listed_codes == sorted(listed_codes)
    assert sorted(listed_codes) == sorted(codes.values())
    by_code = {entry["tracking_code"]: entry["answers"] for entry in listed}
    for name, code in codes.items():
        got = by_code[code]
        assert set(got) == set(BALLOTS[name]), name
        for question in QUESTIONS:
            ref = question["ref"]
            assert normal(question, got[ref]) == normal(question, BALLOTS[name][ref]), (name, ref)

    # The command line recounts the same results from the raw ballots.
    status, out = run_tally(monkeypatch, capsys, settings, cid)
    assert status == 0, out
    recounted = json.loads(out)
    published = copy.deepcopy(results)
    for result in published["questions"].values():
        del result["explanation"]
    assert recounted == published


# --- the majority thresholds and ties, exactly -------------------------------------------------------------

EDGE_QUESTIONS = [
    {"ref": "t1", "type": "yes_no", "decision_type": "ordinary", "title": three("t1")},
    {"ref": "t2", "type": "yes_no", "decision_type": "extraordinary", "title": three("t2")},
    {"ref": "t3", "type": "yes_no", "decision_type": "ordinary", "title": three("t3")},
    {"ref": "t4", "type": "single_choice", "decision_type": "ordinary", "title": three("t4"),
     "options": options("a", "b")},
    {"ref": "t5", "type": "yes_no", "decision_type": "extraordinary", "title": three("t5")},
    # options listed out of key order: ties in `order` are broken by option key, not by position
    {"ref": "t6", "type": "multiple_choice", "title": three("t6"), "options": options("b", "a", "c")},
    {"ref": "t7", "type": "ranking", "title": three("t7"), "options": options("y", "x")},
]
EDGE_PEOPLE = {"e1": "members", "e2": "members", "e3": "members", "e4": "members", "e5": "clients", "e6": "partners"}
EDGE_BALLOTS = {
    "e1": {"t1": "yes", "t2": "yes", "t3": "abstain", "t4": "abstain", "t5": "yes", "t6": ["a", "b"], "t7": ["x", "y"]},
    "e2": {"t1": "yes", "t2": "yes", "t3": "abstain", "t4": "abstain", "t5": "yes", "t6": ["b", "a"], "t7": ["y", "x"]},
    "e3": {"t1": "no", "t2": "yes", "t3": "abstain", "t4": "abstain", "t5": "yes", "t6": ["a", "b"], "t7": "abstain"},
    "e4": {"t1": "no", "t2": "no", "t3": "abstain", "t4": "abstain", "t5": "no", "t6": ["b", "a"], "t7": "abstain"},
    "e5": {"t1": "abstain", "t2": "abstain", "t3": "yes", "t4": "a", "t5": "no", "t6": "abstain", "t7": "abstain"},
    "e6": {"t1": "abstain", "t2": "abstain", "t3": "no", "t4": "b", "t5": "abstain", "t6": ["c"], "t7": "abstain"},
}
EDGE_EXPECTED = {
    # weighted and one person, one vote agree on t1-t4 (one college per question, or equal weights)
    "t1": ({"yes": F(1, 2), "no": F(1, 2)}, "rejected"),  # a tie is rejected
    "t2": ({"yes": F(3, 4), "no": F(1, 4)}, "adopted"),  # an extraordinary majority is reached at 3/4
    "t3": ({"yes": F(1, 2), "no": F(1, 2)}, "rejected"),  # clients yes, partners no, both weigh .10
    "t4": ({"a": F(1, 2), "b": F(1, 2)}, "tie"),
}
EDGE_T5 = {"colleges": F(33, 52), "one_person_one_vote": F(3, 5)}  # .55·3/4 / (.55 + .10); 3 of 5
EDGE_T6 = {"colleges": {"b": F(11, 13), "a": F(11, 13), "c": F(2, 13)},  # members a, b: 1; partners c: 1
           "one_person_one_vote": {"b": F(4, 5), "a": F(4, 5), "c": F(1, 5)}}
EDGE_T7 = {"y": F(1, 2), "x": F(1, 2)}  # one point each from e1 and e2 (m = 2)


@pytest.mark.parametrize("weighting", ["colleges", "one_person_one_vote"])
def test_majorities_and_ties(client, database, weighting):
    admin, other = make_admins(database)
    people = {name: make_person(database, name, college=college) for name, college in EDGE_PEOPLE.items()}
    body = full_body(EDGE_QUESTIONS, weighting={"mode": weighting},
                     quorum={"mode": "per_college", "ordinary": 1, "extraordinary": 1})
    response = client.post(API, json=body, headers=admin)
    assert response.status_code == 201, response.text
    cid = response.json()["id"]
    post(client, f"{API}/{cid}/approve", other)
    assert post(client, f"{API}/{cid}/open", admin).status_code == 200
    for name, answers in EDGE_BALLOTS.items():
        assert post(client, f"{API}/{cid}/ballot", people[name], {"answers": answers}).status_code == 200
    assert post(client, f"{API}/{cid}/close", admin).status_code == 200
    results = client.get(f"{API}/{cid}/results", headers=admin).json()["questions"]
    ballots = [(EDGE_PEOPLE[name], answers) for name, answers in EDGE_BALLOTS.items()]
    for question in EDGE_QUESTIONS[5:]:
        ref = question["ref"]
        expected = EDGE_T6[weighting] if ref == "t6" else EDGE_T7
        assert reference_values(question, ballots, weighting) == expected
        values = results[ref]["weighted_shares" if ref == "t6" else "weighted_points"]
        assert all(close_to(values[key], value) for key, value in expected.items()), (ref, values)
        assert results[ref]["outcome"] == "ranked"
    assert results["t6"]["order"] == ["a", "b", "c"]  # a and b tie: by key, though b is listed first
    assert results["t7"]["order"] == ["x", "y"]
    for question in EDGE_QUESTIONS[:5]:
        ref = question["ref"]
        result = results[ref]
        # per college: every college with eligible voters (not permanents: none) voted fully: 1 ≥ 1
        assert result["quorum"] == {"mode": "per_college", "required": 1.0, "achieved": 1.0, "reached": True}
        if ref in EDGE_EXPECTED:
            shares, outcome = EDGE_EXPECTED[ref]
        else:  # t5: below 3/4
            shares, outcome = {"yes": EDGE_T5[weighting], "no": 1 - EDGE_T5[weighting]}, "rejected"
        assert reference_values(question, ballots, weighting) == shares, ref
        for key, share in shares.items():
            assert close_to(result["weighted_shares"][key], share), (ref, key, result["weighted_shares"])
        assert result["outcome"] == outcome, (ref, result)
    assert results["t4"]["winner"] is None


def test_the_weighted_quorum_counts_only_colleges_with_eligible_voters(client, database):
    """Σ_c w_c · voters_c/eligible_c ÷ Σ_{c with eligible} w_c, with eligibility restricted to two
    colleges: (.55 · 1/2 + .10 · 2/2) / (.55 + .10) = 15/26 ≈ .577."""
    admin, other = make_admins(database)
    people = {name: make_person(database, name, college=college)
              for name, college in (("m1", "members"), ("m2", "members"), ("c1", "clients"), ("c2", "clients"),
                                    ("p1", "permanents"))}
    body = full_body(eligibility={"colleges": ["members", "clients"], "regions": None},
                     quorum={"mode": "weighted", "ordinary": 0.57, "extraordinary": 0.58})
    cid = client.post(API, json=body, headers=admin).json()["id"]
    post(client, f"{API}/{cid}/approve", other)
    assert post(client, f"{API}/{cid}/open", admin).status_code == 200
    participation = client.get(f"{API}/{cid}/participation", headers=admin).json()
    assert participation["eligible"] == 4 and participation["by_college"]["permanents"] == {"voters": 0, "eligible": 0}
    assert_error(post(client, f"{API}/{cid}/ballot", people["p1"], {"answers": BALLOTS["m1"]}), 403)
    for name in ("m1", "c1", "c2"):
        assert post(client, f"{API}/{cid}/ballot", people[name], {"answers": BALLOTS["m1"]}).status_code == 200
    assert post(client, f"{API}/{cid}/close", admin).status_code == 200
    results = client.get(f"{API}/{cid}/results", headers=admin).json()
    achieved, _reached = reference_quorum("weighted", F(0), {"members": 1, "permanents": 0, "clients": 2,
                                                             "partners": 0},
                                          {"members": 2, "permanents": 0, "clients": 2, "partners": 0})
    assert achieved == F(15, 26)
    assert results["voters"] == 3 and results["eligible"] == 4
    for ref, result in results["questions"].items():
        quorum = result["quorum"]
        assert quorum["mode"] == "weighted" and close_to(quorum["achieved"], F(15, 26)), (ref, quorum)
        assert quorum["reached"] is (ref != "q6"), (ref, quorum)  # .57 reached; q6 (extraordinary) .58 not
        assert (result["outcome"] == "no_quorum") is (ref == "q6"), (ref, result["outcome"])
