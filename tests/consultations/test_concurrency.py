"""Concurrent submissions through threads against the real database (SQLite, or PostgreSQL when
AGORA_TEST_DATABASE_URL is set): exactly one counted ballot per voter, none lost, and a close that is
atomic with respect to the ballots in flight."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import func, select

from agora.consultations import errors, lifecycle, services, voting
from agora.consultations.models import Ballot, VoterRecord
from agora.db import utcnow
from agora.people.models import Person
from tests.consultations.support import ANSWERS, caller, close, opened

API = "/api/v1/consultations"
THREADS = 200

pytestmark = pytest.mark.timeout(180)


def _cast(database, settings, cid: str, person_id: str, answers: dict[str, Any]) -> tuple[int, str]:
    try:
        with database.transaction() as db:
            cast = voting.cast(db, cid, db.get(Person, person_id), answers, secret_key=settings.secret_key)
        return 200, cast.tracking_code
    except errors.Refused as refused:
        return refused.status, refused.code


def _all_at_once(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Runs every job in its own thread, released together by a barrier."""
    barrier = threading.Barrier(len(jobs))

    def run(job: Callable[[], Any]) -> Any:
        barrier.wait(timeout=60)
        return job()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(run, jobs))


def _box(database, cid: str) -> tuple[int, int]:
    with database.session(write=False) as db:
        ballots = db.execute(select(func.count()).select_from(Ballot).where(Ballot.consultation_id == cid)).scalar_one()
        register = db.execute(select(func.count()).select_from(VoterRecord)
                              .where(VoterRecord.consultation_id == cid)).scalar_one()
    return ballots, register


@pytest.fixture
def admins(database):
    return caller(database, roles=["admin"]), caller(database, roles=["admin"])


def test_same_voter_200_times_at_once_without_changes(client, database, settings, admins):
    admin, other = admins
    voter = caller(database)
    cid = opened(client, admin, other, allow_change=False)
    outcomes = _all_at_once([lambda: _cast(database, settings, cid, voter.id, ANSWERS)] * THREADS)
    statuses = Counter(status for status, _code in outcomes)
    assert statuses == {200: 1, 409: THREADS - 1}
    assert {code for status, code in outcomes if status == 409} == {"already_voted"}
    assert _box(database, cid) == (1, 1)


def test_same_voter_200_times_at_once_with_changes(client, database, settings, admins):
    admin, other = admins
    voter = caller(database)
    cid = opened(client, admin, other, allow_change=True)
    jobs = [lambda n=n: _cast(database, settings, cid, voter.id, {**ANSWERS, "q1": "yes" if n % 2 else "no"})
            for n in range(THREADS)]
    outcomes = _all_at_once(jobs)
    assert Counter(status for status, _code in outcomes) == {200: THREADS}
    assert len({code for _status, code in outcomes}) == 1  # every answer carries the one valid code
    assert _box(database, cid) == (1, 1)
    close(client, cid, admin)
    counts = client.get(f"{API}/{cid}/results", headers=voter.headers).json()["questions"]["q1"]["counts"]
    assert counts["yes"] + counts["no"] == 1


def test_200_voters_at_once(client, database, settings, admins):
    admin, other = admins
    voters = [caller(database) for _ in range(THREADS)]
    cid = opened(client, admin, other)
    outcomes = _all_at_once([lambda v=v: _cast(database, settings, cid, v.id, ANSWERS) for v in voters])
    assert Counter(status for status, _code in outcomes) == {200: THREADS}
    assert len({code for _status, code in outcomes}) == THREADS
    assert _box(database, cid) == (THREADS, THREADS)
    close(client, cid, admin)
    body = client.get(f"{API}/{cid}/results", headers=admin.headers).json()
    assert body["voters"] == THREADS and body["questions"]["q1"]["counts"]["yes"] == THREADS


def test_200_voters_at_once_through_http(client, database, admins):
    admin, other = admins
    voters = [caller(database) for _ in range(THREADS)]
    cid = opened(client, admin, other)

    def post(voter):
        return client.post(f"{API}/{cid}/ballot", json={"answers": ANSWERS}, headers=voter.headers).status_code

    assert Counter(_all_at_once([lambda v=v: post(v) for v in voters])) == {200: THREADS}
    assert client.get(f"{API}/{cid}/participation", headers=admin.headers).json()["voters"] == THREADS


def test_the_close_is_atomic_for_ballots_in_flight(client, database, settings, admins):
    admin, other = admins
    voters = [caller(database) for _ in range(THREADS)]
    cid = opened(client, admin, other)

    def close_now():
        with database.transaction() as db:
            lifecycle.close_now(db, cid, admin.id, utcnow())
        return "closed", ""

    jobs: list[Callable[[], Any]] = [lambda v=v: _cast(database, settings, cid, v.id, ANSWERS) for v in voters]
    jobs.insert(THREADS // 2, close_now)
    outcomes = _all_at_once(jobs)
    accepted = sum(1 for status, _code in outcomes if status == 200)
    refused = [code for status, code in outcomes if status not in (200, "closed")]
    assert set(refused) <= {"not_open"} and accepted + len(refused) == THREADS
    with database.session(write=False) as db:
        consultation = services.get(db, cid)
        assert consultation.results["voters"] == accepted  # every accepted ballot counted, no refused one
    assert _box(database, cid) == (accepted, accepted)
