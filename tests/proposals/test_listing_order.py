"""The list's "most recent" order: an indexed key (listed_at) that the services keep, the plan that uses it on
SQLite and PostgreSQL, and the page size a reader may choose."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from agora.proposals import listing, services
from agora.proposals.models import Proposal
from tests.conftest import sign_in
from tests.deliberation_support import make_proposal, moderation_settings, people, principal_of, row
from tests.proposals.test_finding import _ids


def test_listed_at_is_the_creation_then_the_publication(database):
    alice, = people(database, [])
    draft = make_proposal(database, alice, title="Brouillon", publish=False)
    created = row(database, Proposal, draft)
    assert created.listed_at == created.created_at and created.published_at is None
    with database.transaction() as db:
        proposal = db.get(Proposal, draft)
        services.publish(db, principal_of(db, alice.id), proposal)
    published = row(database, Proposal, draft)
    assert published.listed_at == published.published_at > created.listed_at


def test_recent_order_follows_publication_and_mine_shows_drafts_by_creation(client, database):
    alice, = people(database, [])
    first = make_proposal(database, alice, title="Premier")
    draft = make_proposal(database, alice, title="Brouillon d'abord", publish=False)
    second = make_proposal(database, alice, title="Deuxième")
    sign_in(client, alice.email)
    assert _ids(client.get("/proposals").text) == [second, first]
    assert _ids(client.get("/proposals?mine=1").text) == [second, draft, first]
    with database.transaction() as db:
        services.publish(db, principal_of(db, alice.id), db.get(Proposal, draft))
    assert _ids(client.get("/proposals").text) == [draft, second, first]  # published last: now the most recent


def test_page_size_can_be_chosen_among_the_allowed_ones(client, database):
    alice, = people(database, [])
    moderation_settings(database, rate_limit_posts=100)
    for n in range(listing.PAGE_SIZE + 5):
        make_proposal(database, alice, title=f"Proposition {n}")
    sign_in(client, alice.email)
    assert len(_ids(client.get("/proposals").text)) == listing.PAGE_SIZE
    fifty = client.get("/proposals?per_page=50").text
    assert len(_ids(fifty)) == listing.PAGE_SIZE + 5 and 'rel="next"' not in fifty
    assert len(_ids(client.get("/proposals?per_page=7").text)) == listing.PAGE_SIZE  # not offered: the default
    assert client.get("/proposals?per_page=abc").status_code == 200
    second = client.get("/proposals?page=1&per_page=20").text
    assert 'rel="next"' in second and "per_page" not in second.split('rel="next"')[0].rsplit("href=", 1)[1]
    assert "per_page=50" not in second


def _page_statement(client, database) -> tuple[str, Any]:
    captured: list[tuple[str, Any]] = []

    def before(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        if "ORDER BY proposals.listed_at DESC" in statement:
            captured.append((statement, parameters))

    event.listen(database.engine, "before_cursor_execute", before)
    try:
        assert client.get("/proposals").status_code == 200
    finally:
        event.remove(database.engine, "before_cursor_execute", before)
    assert len(captured) == 1
    return captured[0]


def test_the_page_query_reads_the_index_instead_of_sorting_every_row(client, database):
    alice, = people(database, [])
    moderation_settings(database, rate_limit_posts=100)
    for n in range(30):
        make_proposal(database, alice, title=f"Proposition {n}")
    sign_in(client, alice.email)
    statement, parameters = _page_statement(client, database)
    with database.engine.connect() as conn:
        if database.is_sqlite:
            plan = " | ".join(r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters))
            assert "ix_proposals_listed" in plan and "TEMP B-TREE" not in plan, plan
        else:
            conn.exec_driver_sql("SET enable_sort = off")  # a sort must not be needed at all, whatever the size
            plan = " | ".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + statement, parameters))
            assert "ix_proposals_listed" in plan and "Sort" not in plan, plan
