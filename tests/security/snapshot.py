"""The whole database as comparable data: every row of every table, to prove a request changed nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from agora.db import Base, Database

# Tables a request may touch without changing anything a person did or sees. Keep this list short.
BOOKKEEPING = {
    "web_sessions": "the matrix opens a fresh session for every request",
    "signin_attempts": "the throttle counts attempts, refused ones included",
}


def snapshot(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    with database.session(write=False) as db:
        return {
            table.name: sorted(tuple(map(repr, row)) for row in db.execute(select(table)).all())
            for table in Base.metadata.sorted_tables if table.name not in BOOKKEEPING
        }


def difference(before: dict[str, list[Any]], after: dict[str, list[Any]]) -> list[str]:
    return [f"{name}: {len(before[name])} -> {len(after[name])} rows, or rows changed"
            for name in before if before[name] != after[name]]
