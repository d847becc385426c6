"""What a signed-in page costs, pinned: the proposals list and a forum thread in a bounded number of SQL
statements (none of them a write), the signed-in context in one of them, and no connection opened per
request when every worker thread is busy (bench/README.md, page_proposals and page_thread)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event

from agora.db import SQLITE_POOL_SIZE
from tests.conftest import sign_in
from tests.deliberation_support import (
    count_queries,
    make_proposal,
    make_space,
    make_thread,
    moderation_settings,
    people,
    reply_as,
)

# BEGIN, the signed-in context, the count, the page, the regions of the filters.
PROPOSALS_LIST_STATEMENTS = 5
# BEGIN, the signed-in context, the thread, its space, its author, the posts, the quoted posts,
# the reader's subscription, the proposal it became.
THREAD_STATEMENTS = 9
ANYIO_WORKER_THREADS = 40  # anyio's default limiter: writing units of work and live events


def _statements_of(client, database, path):
    client.get(path)  # warm: templates, translations
    with count_queries(database) as statements:
        response = client.get(path)
    assert response.status_code == 200
    return statements


def _is_read(statement):
    return statement.lstrip().upper().startswith(("SELECT", "BEGIN", "WITH"))


def test_the_proposals_list_costs_a_fixed_number_of_reads(client, database):
    alice, bob = people(database, [], [])
    moderation_settings(database, rate_limit_posts=100)
    for n in range(60):
        make_proposal(database, (alice, bob)[n % 2], title=f"Proposition {n}", scope=("region", "liege"))
    sign_in(client, alice.email)
    statements = _statements_of(client, database, "/proposals?per_page=50")
    assert len(statements) <= PROPOSALS_LIST_STATEMENTS, "\n".join(statements)
    assert all(_is_read(s) for s in statements), "a GET wrote:\n" + "\n".join(statements)


def test_a_thread_page_costs_a_fixed_number_of_reads(client, database):
    alice, bob = people(database, [], [])
    make_space(database)
    moderation_settings(database, rate_limit_posts=100)
    thread_id = make_thread(database, alice)
    first = reply_as(database, bob, thread_id, "Première réponse")
    for n in range(55):
        reply_as(database, (alice, bob)[n % 2], thread_id, f"Réponse {n}", quote=first if n % 3 == 0 else "")
    sign_in(client, alice.email)
    statements = _statements_of(client, database, f"/forums/threads/{thread_id}")
    assert len(statements) <= THREAD_STATEMENTS, "\n".join(statements)
    assert all(_is_read(s) for s in statements), "a GET wrote:\n" + "\n".join(statements)


def test_the_signed_in_context_is_one_query(client, database):
    """Session, person, roles, region and unread count: one statement, and no other asks for them."""
    alice, = people(database, ["moderator"])
    make_proposal(database, alice)
    sign_in(client, alice.email)
    statements = _statements_of(client, database, "/proposals")
    context = [s for s in statements if any(t in s for t in ("web_sessions", "role_grants", "notifications"))]
    assert len(context) == 1, "\n".join(context)
    assert all(t in context[0] for t in ("web_sessions", "role_grants", "notifications", "regions"))


@pytest.mark.sqlite
def test_busy_worker_threads_reuse_pooled_connections(database):
    """As many units at once as there are worker threads, twice: the second round opens no connection
    (a pool smaller than the threads opened and closed an overflow connection per request)."""
    assert SQLITE_POOL_SIZE >= ANYIO_WORKER_THREADS
    opened: list[int] = []
    event.listen(database.engine, "connect", lambda *_args: opened.append(1))

    def round_of_units():
        barrier = threading.Barrier(ANYIO_WORKER_THREADS)

        def unit():
            with database.session(write=False) as db:
                db.connection()  # checked out
                barrier.wait(timeout=30)

        threads = [threading.Thread(target=unit) for _ in range(ANYIO_WORKER_THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    round_of_units()
    opened.clear()
    round_of_units()
    assert opened == []
