"""Double submission (Decidim CVE-2023-47634): 50 identical requests at once, through HTTP, store
exactly one thing and never answer 5xx, on SQLite and on PostgreSQL (AGORA_TEST_DATABASE_URL).
tests/consultations/test_concurrency.py covers the services (200 threads); these go through the routes,
the API and the HTML forms, with the CSRF token and the session cookie of one browser."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import func, select

from agora.consultations.models import Ballot, VoterRecord
from agora.proposals.models import Proposal, ProposalSupport
from tests.consultations.support import ANSWERS, caller, opened
from tests.deliberation_support import make_proposal, people
from tests.security.world import World

PARALLEL = 50
pytestmark = pytest.mark.timeout(120)


def _at_once(job, count: int = PARALLEL) -> list[Any]:
    barrier = threading.Barrier(count)

    def run(_n: int) -> Any:
        barrier.wait(timeout=60)
        return job()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def _count(database, statement) -> int:
    with database.session(write=False) as db:
        return db.execute(statement).scalar_one()


def _session(database, person_id: str) -> tuple[dict[str, str], str]:
    return World(database, {"someone": type("P", (), {"id": person_id})()}, {}, {}).session("someone")


def _ballots(database, cid: str) -> tuple[int, int]:
    return (_count(database, select(func.count()).select_from(Ballot).where(Ballot.consultation_id == cid)),
            _count(database, select(func.count()).select_from(VoterRecord).where(VoterRecord.consultation_id == cid)))


def test_50_identical_ballots_through_the_api_store_one(client, database):
    admin, approver, voter = caller(database, roles=["admin"]), caller(database, roles=["admin"]), caller(database)
    cid = opened(client, admin, approver, allow_change=False)
    statuses = Counter(_at_once(lambda: client.post(f"/api/v1/consultations/{cid}/ballot", json={"answers": ANSWERS},
                                                    headers=voter.headers).status_code))
    assert statuses == {200: 1, 409: PARALLEL - 1}
    assert _ballots(database, cid) == (1, 1)


def test_50_identical_ballot_forms_store_one(app, client, database):
    from starlette.testclient import TestClient

    admin, approver, voter = caller(database, roles=["admin"]), caller(database, roles=["admin"]), caller(database)
    cid = opened(client, admin, approver, allow_change=True)
    cookies, token = _session(database, voter.id)
    form = {"csrf_token": token, "answer-q1": "yes", "answer-q2": "b", "answer-q3": ["a", "c"],
            "rank-q4-c": "1", "rank-q4-a": "2", "rank-q4-b": "3", "amount-q5-a": "60", "amount-q5-b": "40"}

    def post() -> int:
        browser = TestClient(app, base_url="http://testserver", cookies=cookies)  # no lifespan: one app, 50 browsers
        return browser.post(f"/consultations/{cid}/ballot", data=form, follow_redirects=False).status_code

    statuses = Counter(_at_once(post))
    assert not [s for s in statuses if s >= 500], statuses
    assert _ballots(database, cid) == (1, 1), f"not exactly one ballot from 50 identical forms: {statuses}"


@pytest.mark.parametrize("channel", ["api", "form"])
def test_50_identical_supports_store_one(app, client, database, channel):
    from starlette.testclient import TestClient

    author, supporter = people(database, [], [], password=None)
    proposal_id = make_proposal(database, author)
    if channel == "api":
        scripted = caller(database)  # another member, with an API token
        supporter_id = scripted.id

        def post() -> int:
            return client.post(f"/api/v1/proposals/{proposal_id}/support", json={},
                               headers=scripted.headers).status_code
    else:
        supporter_id = supporter.id
        cookies, csrf = _session(database, supporter.id)

        def post() -> int:
            browser = TestClient(app, base_url="http://testserver", cookies=cookies)
            return browser.post(f"/proposals/{proposal_id}/support", data={"csrf_token": csrf},
                                follow_redirects=False).status_code

    statuses = Counter(_at_once(post))
    assert not [s for s in statuses if s >= 500], statuses
    assert _count(database, select(func.count()).select_from(ProposalSupport)
                  .where(ProposalSupport.proposal_id == proposal_id, ProposalSupport.person_id == supporter_id)) == 1
    assert _count(database, select(Proposal.supports_count).where(Proposal.id == proposal_id)) == 1
