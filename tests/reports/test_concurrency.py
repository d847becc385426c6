"""Two board members answering the same report at the same moment: one answer, one notification per
participant (the row is locked; SQLite serialises writers)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from agora.notifications.models import Notification
from agora.reports import services
from agora.reports.errors import Refused
from tests.consultations.support import caller
from tests.deliberation_support import principal_of
from tests.reports.support import cast, submitted


def _answer(database, rid: str, who: str, decision: str, barrier: threading.Barrier) -> int:
    barrier.wait(timeout=30)
    try:
        with database.transaction() as db:
            report = services.get(db, rid, for_update=True)
            services.answer(db, principal_of(db, who), report, decision, {"fr": decision})
        return 200
    except Refused as refused:
        return refused.status


def test_two_simultaneous_answers_make_one(client, database):
    c = cast(client, database, voters=3)
    second = caller(database, roles=["board_member"])
    rid = submitted(client, c.admin, "consultation", c.consultation)
    barrier = threading.Barrier(2)
    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(lambda args: _answer(database, rid, *args, barrier),
                                 [(c.board.id, "accepted"), (second.id, "rejected")]))
    assert sorted(outcomes) == [200, 409]
    with database.transaction() as db:
        notes = db.execute(select(func.count()).select_from(Notification)
                           .where(Notification.kind == "report_answered")).scalar_one()
    assert notes == len(c.voters) + 1  # the voters and the report's author, once each
