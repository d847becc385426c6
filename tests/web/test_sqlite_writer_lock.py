"""SQLite's writers of one process queue on a lock and take over at once when the previous write
transaction ends, however it ends (commit, rollback, a session closed unfinished), instead of
sleeping in SQLite's polling busy handler (bench/README.md, ballots_sqlite). Readers never wait."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text

pytestmark = pytest.mark.sqlite


def _second_writer(database, started: list[float]) -> threading.Thread:
    def write() -> None:
        with database.transaction() as db:
            db.execute(text("SELECT 1"))
            started.append(time.monotonic())

    thread = threading.Thread(target=write)
    thread.start()
    return thread


@pytest.mark.parametrize("ending", ["commit", "rollback", "close"])
def test_the_next_writer_starts_as_soon_as_the_first_ends(database, ending):
    first = database.session(write=True)
    first.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: holds the write lock
    started: list[float] = []
    waiting = _second_writer(database, started)
    time.sleep(0.3)
    assert started == []  # still waiting for the first writer
    ended = time.monotonic()
    getattr(first, ending)()
    waiting.join(timeout=10)
    first.close()
    assert len(started) == 1
    assert started[0] - ended < 0.1  # handed over, not polled (SQLite's handler sleeps up to 100 ms a try)


def test_a_reader_does_not_wait_for_a_writer(database):
    writer = database.session(write=True)
    writer.execute(text("SELECT 1"))
    try:
        reader = database.session(write=False)
        began = time.monotonic()
        assert reader.execute(text("SELECT count(*) FROM people")).scalar_one() >= 0
        reader.close()
        assert time.monotonic() - began < 1
    finally:
        writer.rollback()
        writer.close()


def test_a_failed_write_transaction_frees_the_lock(database):
    with pytest.raises(RuntimeError), database.transaction() as db:
        db.execute(text("SELECT 1"))
        raise RuntimeError("the unit of work failed")
    started: list[float] = []
    _second_writer(database, started).join(timeout=10)
    assert len(started) == 1
