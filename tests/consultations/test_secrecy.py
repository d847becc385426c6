"""Ballot secrecy and integrity (DESIGN.md): register and ballot box apart, nothing in the box that
leads back to a person, and no partial result anywhere before the close, administrators included."""

from __future__ import annotations

import hashlib
import logging
import re
from typing import Any

import pytest
from sqlalchemy import DateTime, inspect, select, text

from agora.app import starlette_app
from agora.audit import AuditEntry
from agora.consultations.models import Ballot, VoterRecord
from agora.consultations.voting import CODE_ALPHABET, change_key, new_tracking_code
from tests.conftest import PASSWORD, sign_in
from tests.consultations.support import ANSWERS, caller, close, opened, vote

API = "/api/v1/consultations"


@pytest.fixture
def admins(database):
    return (caller(database, roles=["admin"], password=PASSWORD), caller(database, roles=["admin"]))


def test_no_column_of_the_ballot_box_refers_to_a_person(database):
    columns = {c["name"]: c for c in inspect(database.engine).get_columns("ballot_box")}
    assert set(columns) == {"id", "consultation_id", "college", "answers", "tracking_code", "change_key"}
    foreign_keys = inspect(database.engine).get_foreign_keys("ballot_box")
    assert [fk["referred_table"] for fk in foreign_keys] == ["consultations"]
    assert not any(isinstance(column.type, DateTime) for column in Ballot.__table__.columns)  # no time at all


def test_the_register_says_who_voted_never_what(database):
    columns = {c["name"] for c in inspect(database.engine).get_columns("consultation_register")}
    assert columns == {"consultation_id", "person_id", "college", "region_id"}
    assert not any(isinstance(column.type, DateTime) for column in VoterRecord.__table__.columns)


@pytest.mark.sqlite
def test_on_sqlite_neither_table_keeps_the_order_of_casting(database):
    with database.session(write=False) as db:
        for table in ("ballot_box", "consultation_register"):
            sql = db.execute(text("SELECT sql FROM sqlite_master WHERE name = :t"), {"t": table}).scalar_one()
            assert "WITHOUT ROWID" in sql, table


def test_ballot_ids_are_random_and_changes_use_a_keyed_hash(client, database, settings, admins):
    admin, other = admins
    voters = [caller(database) for _ in range(3)]
    cid = opened(client, admin, other, allow_change=True)
    for voter in voters:
        vote(client, cid, voter)
    with database.session(write=False) as db:
        ballots = list(db.execute(select(Ballot).where(Ballot.consultation_id == cid)).scalars())
    people = {voter.id for voter in voters}
    for ballot in ballots:
        assert len(ballot.id) == 32 and ballot.id not in people
        assert ballot.change_key not in people
        assert ballot.change_key not in {hashlib.sha256(f"{p}{cid}".encode()).hexdigest() for p in people}
    keys = {change_key(settings.secret_key, cid, voter.id) for voter in voters}
    assert {b.change_key for b in ballots} == keys  # only the server secret links a voter to their ballot
    assert {change_key("another secret" * 3, cid, voter.id) for voter in voters}.isdisjoint(keys)


def test_without_changes_the_box_keeps_no_link_at_all(client, database, admins):
    admin, other = admins
    voter = caller(database)
    cid = opened(client, admin, other, allow_change=False)
    vote(client, cid, voter)
    with database.session(write=False) as db:
        assert db.execute(select(Ballot.change_key).where(Ballot.consultation_id == cid)).scalar_one() is None


def test_the_audit_log_records_who_voted_never_what(client, database, admins):
    admin, other = admins
    voter = caller(database)
    cid = opened(client, admin, other, allow_change=True)
    code = vote(client, cid, voter).json()["tracking_code"]
    vote(client, cid, voter, {**ANSWERS, "q1": "no"})
    with database.session(write=False) as db:
        entries = list(db.execute(select(AuditEntry).where(AuditEntry.action.like("ballot.%"))).scalars())
    assert [(e.action, e.actor_id, e.target_id, e.data) for e in entries] == [
        ("ballot.cast", voter.id, cid, {}), ("ballot.change", voter.id, cid, {})]
    assert all(code not in str(e.data) for e in entries)


def test_nothing_is_logged_about_what_was_voted(client, database, admins, caplog):
    admin, other = admins
    voter = caller(database)
    cid = opened(client, admin, other)
    with caplog.at_level(logging.DEBUG):
        code = vote(client, cid, voter, {**ANSWERS, "q2": "a"}).json()["tracking_code"]
        vote(client, cid, voter, {**ANSWERS, "q9": "zzz-unknown"})
        close(client, cid, admin)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert code not in logged and "answers" not in logged and "zzz-unknown" not in logged


def test_results_exports_and_codes_are_refused_before_the_close_on_pages_too(client, database, admins):
    admin, other = admins
    voter = caller(database)
    cid = opened(client, admin, other)
    vote(client, cid, voter, {**ANSWERS, "q2": "a"})
    sign_in(client, admin.email)
    for path in ("results", "results.csv", "tracking-codes"):
        response = client.get(f"/consultations/{cid}/{path}")
        assert response.status_code == 409, path
        assert "option a" not in response.text
    page = client.get(f"/consultations/{cid}")
    assert page.status_code == 200
    assert f'href="/consultations/{cid}/results"' not in page.text
    detail = client.get(f"{API}/{cid}", headers=admin.headers).json()
    assert detail["results_sha256"] is None and "results" not in detail


def test_live_events_carry_participation_only(client, app, database, admins):
    admin, other = admins
    voters = [caller(database), caller(database, voting_college="clients", categories="clients")]
    sent: list[Any] = []

    async def capture(events):  # after each commit; participation is counted as it is sent (realtime.coalesce)
        from agora.realtime import coalesce

        assert all(e.payload == {} for e in events if e.name == "participation")
        with database.session(write=False) as db:
            sent.extend(coalesce.recount(db, e) for e in events)

    starlette_app(app).state.realtime.emit_all = capture
    cid = opened(client, admin, other)
    for voter in voters:
        vote(client, cid, voter)
    vote(client, cid, voters[0])  # a changed ballot changes no count: nothing is sent
    participation = [e for e in sent if e.name == "participation"]
    assert [e.room for e in participation] == [f"consultation:{cid}"] * 2
    assert [e.payload for e in participation] == [
        {"voters": 1, "by_college": {"members": 1, "permanents": 0, "clients": 0, "partners": 0}},
        {"voters": 2, "by_college": {"members": 1, "permanents": 0, "clients": 1, "partners": 0}},
    ]
    close(client, cid, admin)
    assert sent[-1].name == "consultation_status" and sent[-1].payload == {"status": "closed"}
    assert {e.name for e in sent} == {"participation", "consultation_status"}


def test_tracking_codes_are_80_random_bits_over_the_readable_alphabet():
    """16 characters in 4 groups, none of I, O, 0, 1; every character used, in every position."""
    codes = [new_tracking_code() for _ in range(3000)]
    assert len(set(codes)) == len(codes)
    assert all(re.fullmatch(r"[A-HJ-NP-Z2-9]{4}(-[A-HJ-NP-Z2-9]{4}){3}", code) for code in codes)
    for position in range(19):
        if position % 5 != 4:
            assert {code[position] for code in codes} == set(CODE_ALPHABET)
