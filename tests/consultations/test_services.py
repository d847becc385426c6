"""Services below the API: definitions, electorate, opening and closing on time, results, the CLI."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select, update

from agora import audit, cli
from agora.consultations import errors, lifecycle, results, schedule, services, voting
from agora.consultations.definition import DefinitionError, parse
from agora.consultations.models import Ballot, Consultation, Status
from agora.db import utcnow
from agora.people.models import Person
from tests.consultations.support import ANSWERS, caller, callers, close, create, definition, opened, vote
from tests.factories import person

API = "/api/v1/consultations"


def _defaults(database, settings):
    with database.session(write=False) as db:
        return services.defaults(db, settings)


# --- definitions ------------------------------------------------------------------------------------

def test_weights_stay_exact_decimals(database, settings):
    d = parse(definition(weighting={"mode": "colleges", "weights": {"members": 0.7, "permanents": 0.1,
                                                                    "clients": 0.1, "partners": 0.1}}),
              _defaults(database, settings))
    assert d.weights == {"members": Decimal("0.7"), "permanents": Decimal("0.1"), "clients": Decimal("0.1"),
                         "partners": Decimal("0.1")}  # 0.7 + 0.1 + 0.1 + 0.1 == 1 exactly, unlike floats


def test_weights_as_strings_and_missing_colleges_weigh_zero(database, settings):
    d = parse(definition(weighting={"mode": "colleges", "weights": {"members": "0.75", "permanents": "0.25"}}),
              _defaults(database, settings))
    assert d.weights["clients"] == 0 and d.weights["members"] == Decimal("0.75")


def test_local_times_are_brussels_times(database, settings):
    d = parse(definition(opens_at="2026-12-01T09:00", closes_at="2026-12-15T18:00"), _defaults(database, settings))
    assert d.opens_at.utcoffset() == timedelta(hours=1)  # winter time in Brussels
    assert d.opens_at.isoformat() == "2026-12-01T09:00:00+01:00"


def test_option_strings_are_keys(database, settings):
    data = definition()
    data["questions"][1]["options"] = ["a", "b"]
    d = parse(data, _defaults(database, settings))
    assert [o.key for o in d.questions[1].options] == ["a", "b"] and d.questions[1].options[0].labels == {}


def test_yes_no_questions_take_no_options(database, settings):
    data = definition()
    data["questions"][0]["options"] = ["yes", "no"]
    with pytest.raises(DefinitionError) as caught:
        parse(data, _defaults(database, settings))
    assert caught.value.field == "questions[0].options"


# --- electorate -------------------------------------------------------------------------------------

def _create(database, settings, admin_id: str, **overrides: Any) -> str:
    with database.transaction() as db:
        admin = db.get(Person, admin_id)
        return services.create(db, parse(definition(**overrides), services.defaults(db, settings)), admin,
                               settings).id


def test_binding_electorate_is_active_shareholders_in_their_voting_college(database, settings):
    with database.transaction() as db:
        admin = person(db, roles=["admin"], password=None)
        person(db, password=None, shares=0)
        person(db, password=None, voting_college="clients", categories="clients|members")
        gone = person(db, password=None)
        gone.active = False
        person(db, password=None, voting_college=None, categories="")
        admin_id = admin.id
    cid = _create(database, settings, admin_id, binding=True)
    with database.transaction() as db:
        consultation = services.get(db, cid)
        consultation.approved_by = consultation.created_by  # approval is checked by the API; here, the freeze
        lifecycle.open_now(db, cid, admin_id, utcnow())
    with database.session(write=False) as db:
        electorate = services.get(db, cid).electorate
    assert electorate["eligible"] == 2
    assert electorate["by_college"] == {"members": 1, "permanents": 0, "clients": 1, "partners": 0}


def test_advisory_electorate_includes_people_without_shares_and_respects_restrictions(database, settings):
    with database.transaction() as db:
        admin = person(db, roles=["admin"], password=None)
        person(db, password=None, shares=0, region="liege")
        person(db, password=None, shares=0, region="eupen")
        person(db, password=None, shares=0, region="liege", voting_college="partners", categories="partners")
        admin_id = admin.id
    cid = _create(database, settings, admin_id, binding=False,
                  eligibility={"colleges": ["members"], "regions": ["liege", "eupen"]})
    with database.transaction() as db:
        lifecycle.open_now(db, cid, admin_id, utcnow())
        electorate = services.get(db, cid).electorate
    assert electorate["eligible"] == 2 and electorate["by_region"] == {"eupen": 1, "liege": 1}


def test_the_electorate_stays_frozen(client, database):
    admin, other = caller(database, roles=["admin"]), caller(database, roles=["admin"])
    newcomer = caller(database, shares=0)
    cid = opened(client, admin, other)
    with database.transaction() as db:
        db.get(Person, newcomer.id).shares = 3  # becomes a shareholder after the opening
    assert vote(client, cid, newcomer).status_code == 403
    assert client.get(f"{API}/{cid}", headers=admin.headers).json()["electorate"]["eligible"] == 2


# --- opening and closing on time ----------------------------------------------------------------------

def _approved(client, database, **overrides) -> tuple[str, Any]:
    admin, other = caller(database, roles=["admin"]), caller(database, roles=["admin"])
    cid = create(client, admin, **overrides)["id"]
    assert client.post(f"{API}/{cid}/approve", headers=other.headers).status_code == 200
    return cid, admin


def _status(database, cid: str) -> Consultation:
    with database.session(write=False) as db:
        return services.get(db, cid)


def test_scheduler_opens_and_closes_on_time(client, database):
    now = utcnow()
    cid, _admin = _approved(client, database, opens_at=(now + timedelta(seconds=30)).isoformat(),
                            closes_at=(now + timedelta(minutes=5)).isoformat())
    assert schedule.settle_due(database, now + timedelta(seconds=29)) == []
    assert _status(database, cid).status == Status.DRAFT
    events = schedule.settle_due(database, now + timedelta(seconds=30))
    assert _status(database, cid).status == Status.OPEN
    assert [(e.room, e.name, e.payload) for e in events] == [(f"consultation:{cid}", "consultation_status",
                                                              {"status": "open"})]
    schedule.settle_due(database, now + timedelta(minutes=5) - timedelta(microseconds=1))
    assert _status(database, cid).status == Status.OPEN
    schedule.settle_due(database, now + timedelta(minutes=5))
    closed = _status(database, cid)
    assert closed.status == Status.CLOSED and closed.results_sha256 and closed.closed_at == closed.closes_at


def test_an_unapproved_draft_does_not_open_by_itself(client, database):
    admin = caller(database, roles=["admin"])
    cid = create(client, admin, opens_at=(utcnow() - timedelta(minutes=1)).isoformat())["id"]
    schedule.settle_due(database)
    assert client.get(f"{API}/{cid}", headers=admin.headers).json()["status"] == "draft"


def test_an_approved_binding_draft_missing_translations_does_not_open_by_itself(client, database):
    cid, admin = _approved(client, database, title={"fr": "Seulement en français"},
                           opens_at=(utcnow() - timedelta(minutes=1)).isoformat())
    schedule.settle_due(database)
    assert client.get(f"{API}/{cid}", headers=admin.headers).json()["status"] == "draft"


def test_reading_a_consultation_opens_and_closes_it_when_due(client, database):
    cid, admin = _approved(client, database, opens_at=(utcnow() - timedelta(minutes=1)).isoformat())
    voter = caller(database)
    assert client.get(f"{API}/{cid}", headers=admin.headers).json()["status"] == "open"  # lazily opened
    assert vote(client, cid, voter).status_code == 200
    with database.transaction() as db:
        db.execute(update(Consultation).where(Consultation.id == cid).values(closes_at=utcnow()))
    response = vote(client, cid, voter)  # the write path closes it first, then refuses
    assert response.status_code == 409 and response.json()["error"]["code"] == "not_open"
    body = client.get(f"{API}/{cid}", headers=admin.headers).json()
    assert body["status"] == "closed" and body["results_sha256"]
    assert client.get(f"{API}/{cid}/results", headers=voter.headers).json()["voters"] == 1


def test_a_ballot_at_or_after_closes_at_is_refused_even_before_the_close(client, database, settings):
    cid, _admin = _approved(client, database)
    voter = caller(database)
    with database.transaction() as db:
        lifecycle.open_now(db, cid, None, utcnow())
        closes_at = services.get(db, cid).closes_at
    with database.transaction() as db, pytest.raises(errors.Refused) as caught:
        voting.cast(db, cid, db.get(Person, voter.id), ANSWERS, secret_key=settings.secret_key, now=closes_at)
    assert caught.value.status == 409
    assert _status(database, cid).status == Status.OPEN  # the scheduler closes it; the ballot was refused anyway


@pytest.fixture
def fast_ticks(monkeypatch):
    monkeypatch.setattr(schedule, "TICK_SECONDS", 0.1)


def _wait_for(predicate, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_the_background_task_opens_and_closes_without_any_request(fast_ticks, client, database):
    now = utcnow()
    cid, _admin = _approved(client, database, opens_at=(now + timedelta(seconds=1)).isoformat(),
                            closes_at=(now + timedelta(seconds=2.5)).isoformat())
    assert _wait_for(lambda: _status(database, cid).status == Status.OPEN)
    assert utcnow() >= now + timedelta(seconds=1)
    assert _wait_for(lambda: _status(database, cid).status == Status.CLOSED)
    assert _status(database, cid).results is not None


def test_two_closes_never_count_twice(client, database):
    cid, admin = _approved(client, database)
    client.post(f"{API}/{cid}/open", headers=admin.headers)
    with database.transaction() as db:
        lifecycle.close_now(db, cid, None, utcnow())
    with database.transaction() as db:  # a scheduler arriving late skips it
        lifecycle.close_now(db, cid, None, utcnow() + timedelta(days=30), scheduled=True)
    with database.session(write=False) as db:
        actions = [e.action for e in db.execute(select(audit.AuditEntry)).scalars()]
    assert actions.count("consultation.close") == 1


# --- results ------------------------------------------------------------------------------------------

def test_results_are_frozen_with_their_sha256(client, database):
    admin, other = caller(database, roles=["admin"]), caller(database, roles=["admin"])
    voters = callers(database, 3)
    cid = opened(client, admin, other)
    for voter in voters:
        vote(client, cid, voter)
    close(client, cid, admin)
    with database.session(write=False) as db:
        consultation = services.get(db, cid)
        assert results.digest(consultation.results) == consultation.results_sha256
        recount, _arithmetic = results.count(db, consultation)
    assert recount == consultation.results


def _run_cli(monkeypatch, capsys, settings, *argv: str) -> tuple[int, str, str]:
    monkeypatch.setenv("AGORA_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("AGORA_SECRET_KEY", settings.secret_key)
    monkeypatch.setenv("AGORA_VAR_DIR", str(settings.var_dir))
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_tally_cli_agrees_with_the_api(client, database, settings, monkeypatch, capsys):
    admin, other = caller(database, roles=["admin"]), caller(database, roles=["admin"])
    voters = [*callers(database, 4), caller(database, voting_college="clients", categories="clients")]
    cid = opened(client, admin, other)
    for n, voter in enumerate(voters):
        vote(client, cid, voter, {**ANSWERS, "q1": "yes" if n % 3 else "no", "q4": ["a", "b", "c"][: 1 + n % 3]})
    close(client, cid, admin)
    api = client.get(f"{API}/{cid}/results", headers=admin.headers).json()
    status, out, _err = _run_cli(monkeypatch, capsys, settings, "consultation", "tally", cid, "--json")
    assert status == 0
    recount = json.loads(out)
    for result in api["questions"].values():
        result.pop("explanation")
    assert recount == api
    status, out, _err = _run_cli(monkeypatch, capsys, settings, "consultation", "tally", cid)
    assert status == 0 and api["sha256"] in out


def test_tally_cli_fails_on_a_tampered_ballot(client, database, settings, monkeypatch, capsys):
    admin, other = caller(database, roles=["admin"]), caller(database, roles=["admin"])
    voter = caller(database)
    cid = opened(client, admin, other)
    vote(client, cid, voter)
    close(client, cid, admin)
    with database.transaction() as db:
        ballot = db.execute(select(Ballot).where(Ballot.consultation_id == cid)).scalar_one()
        ballot.answers = {**ballot.answers, "q1": "no"}
    status, _out, err = _run_cli(monkeypatch, capsys, settings, "consultation", "tally", cid)
    assert status == 1 and "does not agree" in err


def test_tally_cli_refuses_a_consultation_that_is_not_closed(client, database, settings, monkeypatch, capsys):
    admin, other = caller(database, roles=["admin"]), caller(database, roles=["admin"])
    cid = opened(client, admin, other)
    status, out, err = _run_cli(monkeypatch, capsys, settings, "consultation", "tally", cid)
    assert status == 2 and "not closed" in err and out == ""
    status, _out, err = _run_cli(monkeypatch, capsys, settings, "consultation", "tally", "nope")
    assert status == 2 and "no consultation" in err


# --- editing and second call --------------------------------------------------------------------------

def test_update_replaces_questions_and_options(client, database):
    admin = caller(database, roles=["admin"])
    cid = create(client, admin)["id"]
    data = definition()
    data["questions"] = [data["questions"][1], {"ref": "new", "type": "yes_no", "title": {"nl": "Nieuw?"}}]
    data["questions"][0]["options"].append({"key": "c", "label": {"fr": "C"}})
    body = client.put(f"{API}/{cid}", json=data, headers=admin.headers).json()
    assert [q["ref"] for q in body["questions"]] == ["q2", "new"]
    assert [o["key"] for o in body["questions"][0]["options"]] == ["a", "b", "c"]


def test_second_call_needs_a_question_without_quorum(client, database):
    admin, other = caller(database, roles=["admin"]), caller(database, roles=["admin"])
    voter = caller(database)
    cid = opened(client, admin, other)
    vote(client, cid, voter)
    close(client, cid, admin)
    response = client.post(f"{API}/{cid}/second-call", headers=admin.headers)
    assert response.status_code == 409 and response.json()["error"]["code"] == "quorum_reached"
