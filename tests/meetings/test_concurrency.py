"""Registrations arriving together (threads against the real database, SQLite or PostgreSQL): the
capacity holds, everyone else is on the waiting list, and cancellations move exactly one person up."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from agora.meetings import registrations, services
from agora.meetings.models import Registration, RegistrationStatus
from agora.people.models import Person
from agora.web.endpoint import load_principal
from tests.meetings.support import caller, meeting

pytestmark = pytest.mark.timeout(180)
PEOPLE = 24
CAPACITY = 5


def _register(database, meeting_id: str, person_id: str) -> str:
    with database.transaction() as db:
        principal = load_principal(db, db.get(Person, person_id))
        found = services.access_meeting(db, principal, meeting_id, for_update=True)
        return registrations.register(db, principal, found).value


def test_the_capacity_holds_when_everyone_registers_at_once(client, database):
    relay = caller(database, ["relay:liege"], region="liege")
    mid = meeting(client, relay, capacity=CAPACITY)["id"]
    people = [caller(database).id for _ in range(PEOPLE)]
    barrier = threading.Barrier(PEOPLE)

    def job(person_id: str) -> str:
        barrier.wait(timeout=60)
        return _register(database, mid, person_id)

    with ThreadPoolExecutor(max_workers=PEOPLE) as pool:
        outcomes = Counter(pool.map(job, people))
    assert outcomes == {"registered": CAPACITY, "waiting": PEOPLE - CAPACITY}
    with database.session(write=False) as db:
        counted = dict(db.execute(select(Registration.status, func.count()).where(Registration.meeting_id == mid)
                                  .group_by(Registration.status)).all())
    assert counted == {RegistrationStatus.REGISTERED: CAPACITY, RegistrationStatus.WAITING: PEOPLE - CAPACITY}
