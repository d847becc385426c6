"""The ballot box's group commit (agora/consultations/ballot_box.py): ballots written together, each
decided on its own, each acknowledged only once committed; on SQLite, and on PostgreSQL when
AGORA_TEST_DATABASE_URL is set."""

from __future__ import annotations

import secrets
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import event, func, select

from agora import audit
from agora.consultations import ballot_box
from agora.consultations.ballot_box import GroupCommit, Outcome, Prepared
from agora.consultations.models import Ballot, VoterRecord
from agora.consultations.voting import change_key, new_tracking_code
from agora.people.models import CollegeKey
from tests.consultations.support import ANSWERS, caller, opened

pytestmark = pytest.mark.timeout(120)


def _prepared(cid: str, person_id: str, *, key: str | None = None, answers: dict | None = None) -> Prepared:
    return Prepared(cid, person_id, CollegeKey.MEMBERS.value, None, dict(answers or ANSWERS), key,
                    new_tracking_code(), secrets.token_hex(16))


def _box(database, cid: str) -> tuple[set[str], int]:
    """(the tracking codes in the box, the register's rows) of a consultation."""
    with database.session(write=False) as db:
        codes = set(db.execute(select(Ballot.tracking_code).where(Ballot.consultation_id == cid)).scalars())
        register = db.execute(select(func.count()).select_from(VoterRecord)
                              .where(VoterRecord.consultation_id == cid)).scalar_one()
    return codes, register


def _statements(database):
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(database.engine, "before_cursor_execute", count)
    return seen, lambda: event.remove(database.engine, "before_cursor_execute", count)


def _write(database, batch: list[Prepared]) -> list[Outcome]:
    with database.transaction() as db:
        return ballot_box.write_batch(db, batch)


@pytest.fixture
def world(client, database):
    admin, approver = caller(database, roles=["admin"]), caller(database, roles=["admin"])
    voters = [caller(database) for _ in range(5)]
    cid = opened(client, admin, approver, allow_change=False)
    return cid, voters


def test_one_refused_ballot_does_not_fail_the_others_in_its_batch(database, world):
    cid, voters = world
    first = _write(database, [_prepared(cid, voters[0].id)])
    assert first[0].kind == "cast"
    batch = [_prepared(cid, voters[1].id), _prepared(cid, voters[0].id), _prepared(cid, voters[2].id)]
    outcomes = _write(database, batch)
    assert [o.kind for o in outcomes] == ["cast", "already_voted", "cast"]
    codes, register = _box(database, cid)
    assert codes == {first[0].tracking_code, batch[0].tracking_code, batch[2].tracking_code}
    assert register == 3
    with database.session(write=False) as db:
        assert audit.verify(db).ok


def test_a_changed_ballot_in_a_batch_keeps_its_code_and_the_others_are_cast(client, database):
    admin, approver = caller(database, roles=["admin"]), caller(database, roles=["admin"])
    changer, newcomer = caller(database), caller(database)
    cid = opened(client, admin, approver, allow_change=True)
    key = change_key("secret", cid, changer.id)
    earlier = _write(database, [_prepared(cid, changer.id, key=key)])[0]
    again = _prepared(cid, changer.id, key=key, answers={**ANSWERS, "q1": "no"})
    outcomes = _write(database, [again, _prepared(cid, newcomer.id, key=change_key("secret", cid, newcomer.id))])
    assert (outcomes[0].kind, outcomes[0].tracking_code) == ("changed", earlier.tracking_code)
    assert outcomes[1].kind == "cast"
    with database.session(write=False) as db:
        stored = db.execute(select(Ballot.answers).where(Ballot.tracking_code == earlier.tracking_code)).scalar_one()
    assert stored["q1"] == "no"


def test_a_batch_costs_the_same_statements_whatever_its_size(database, world):
    cid, voters = world
    counts = []
    for batch in ([_prepared(cid, voters[0].id)], [_prepared(cid, v.id) for v in voters[1:]]):
        seen, stop = _statements(database)
        try:
            assert {o.kind for o in _write(database, batch)} == {"cast"}
        finally:
            stop()
        counts.append(len([s for s in seen if not s.upper().startswith(("BEGIN", "COMMIT", "SELECT 1"))]))
    # the state locked, the register, the box, the audit head read, the entries, the head moved
    assert counts == [6, 6]


def test_a_batch_that_fails_as_a_whole_is_written_ballot_by_ballot(database, world):
    cid, voters = world
    ghost = _prepared(cid, "no-such-person")  # refused by the register's foreign key: the batch fails
    good = [_prepared(cid, voters[0].id), _prepared(cid, voters[1].id)]
    results = GroupCommit(database)._write([good[0], ghost, good[1]])
    assert [r.kind for r in results if isinstance(r, Outcome)] == ["cast", "cast"]
    assert not isinstance(results[1], Outcome)  # that one request answers with its error
    codes, register = _box(database, cid)
    assert codes == {good[0].tracking_code, good[1].tracking_code} and register == 2


def test_ballots_sent_together_share_commits_and_each_is_acknowledged_once_stored(client, database):
    admin, approver = caller(database, roles=["admin"]), caller(database, roles=["admin"])
    voters = [caller(database) for _ in range(60)]
    cid = opened(client, admin, approver, allow_change=False)
    writer = GroupCommit(database)
    commits = []
    event.listen(database.engine, "commit", lambda _conn: commits.append(1))
    barrier = threading.Barrier(len(voters) + 10)

    def submit(person_id: str) -> Outcome:
        barrier.wait(timeout=60)
        return writer.submit(_prepared(cid, person_id))

    people = [v.id for v in voters] + [voters[0].id] * 10  # the first voter, ten times more
    with ThreadPoolExecutor(max_workers=len(people)) as pool:
        outcomes = list(pool.map(submit, people))
    kinds = Counter(o.kind for o in outcomes)
    assert kinds == {"cast": 60, "already_voted": 10}
    codes, register = _box(database, cid)
    assert codes == {o.tracking_code for o in outcomes if o.kind == "cast"} and register == 60
    assert len(commits) < len(voters)  # written in batches, not one commit per ballot
    with database.session(write=False) as db:
        assert audit.verify(db).ok


def test_a_ballot_through_the_api_costs_three_reads_and_its_share_of_a_batch(client, database, world):
    cid, voters = world
    path = f"/api/v1/consultations/{cid}/ballot"
    assert client.post(path, json={"answers": ANSWERS}, headers=voters[0].headers).status_code == 200  # specs kept
    seen, stop = _statements(database)
    try:
        assert client.post(path, json={"answers": ANSWERS}, headers=voters[1].headers).status_code == 200
    finally:
        stop()
    statements = [s.split()[0].upper() + " " + _table(s) for s in seen
                  if not s.upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SELECT 1")) and not _recount(s)]
    batch = ["SELECT consultations", "INSERT consultation_register", "INSERT ballot_box", "SELECT audit_head",
             "INSERT audit_log", "UPDATE audit_head"]
    reads = ["SELECT people", "SELECT consultations", "SELECT consultation_electors"]  # token, consultation, elector
    assert statements == reads + batch


def _recount(statement: str) -> bool:
    """The participation event's count, made when the coalesced event leaves (after the answer, on its
    own schedule: agora/realtime/coalesce.py), not part of the ballot."""
    return "consultation_register" in statement and "GROUP BY" in statement.upper()


def _table(statement: str) -> str:
    words = statement.replace("\n", " ").replace('"', "").split()
    keyword = {"SELECT": "FROM", "INSERT": "INTO", "UPDATE": "UPDATE"}[words[0].upper()]
    return words[[w.upper() for w in words].index(keyword) + 1]


def test_a_batchs_audit_entries_and_single_entries_mix_in_one_transaction(database):
    """record_many moves the head without the ORM: a record() after it must read the head afresh, even
    with the head's object still held by the session (it reused a sequence number: IntegrityError)."""
    with database.transaction() as db:
        audit.record(db, "test.first", target_type="test", target_id="1")
        held = db.get(audit.AuditHead, 1)  # the session keeps the head's object, as a caller might
        audit.record_many(db, [audit.Act("test.second", None, "test", "2"), audit.Act("test.third", None, "test", "3")])
        audit.record(db, "test.fourth", target_type="test", target_id="4")
        assert held.seq == db.execute(select(audit.AuditHead.seq)).scalar_one()
    with database.session(write=False) as db:
        assert audit.verify(db).ok
        actions = list(db.execute(select(audit.AuditEntry.action).order_by(audit.AuditEntry.seq)).scalars())
    assert actions[-4:] == ["test.first", "test.second", "test.third", "test.fourth"]


def test_record_many_flushes_what_the_session_holds_first(database):
    """It runs on the connection, which does not autoflush: pending ORM work goes first, as
    Session.execute would send it."""
    from agora.people.models import Person

    pending_id = "pending0person0000000000000000ab"
    people = Person.__table__
    with database.transaction() as db:
        db.add(Person(id=pending_id, email="pending@example.org", name="Pending"))
        audit.record_many(db, [audit.Act("test.after_pending", None, "person", pending_id)])
        flushed = db.connection().execute(
            select(func.count()).select_from(people).where(people.c.id == pending_id)
        ).scalar_one()
    assert flushed == 1
