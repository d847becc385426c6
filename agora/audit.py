"""The append-only audit log: each entry is chained to the previous one by SHA-256.

`record()` appends inside the caller's transaction, so an act and its audit entry commit together.
`verify()` walks the chain and names the first entry that does not match.
The log says *who did what*; for ballots it records that a person voted, never what.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import JSON, Insert, Select, String, Update, bindparam, insert, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from agora.db import Base, utcnow

GENESIS = "0" * 64


class AuditEntry(Base):
    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor_id: Mapped[str | None] = mapped_column(String(32), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str] = mapped_column(String(32), default="")
    target_id: Mapped[str] = mapped_column(String(64), default="", index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """One row: the last sequence number and hash. Locking it serialises appends."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int]
    hash: Mapped[str] = mapped_column(String(64))


def entry_hash(prev_hash: str, seq: int, at: datetime, actor_id: str | None, action: str,
               target_type: str, target_id: str, data: dict[str, Any]) -> str:
    body = json.dumps(
        {"seq": seq, "at": at.isoformat(), "actor": actor_id, "action": action,
         "target_type": target_type, "target_id": target_id, "data": data},
        sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    )
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def record(session: Session, action: str, *, actor_id: str | None = None, target_type: str = "",
           target_id: str = "", **data: Any) -> AuditEntry:
    head = session.execute(  # read afresh: `record_many` may have moved the head without the ORM
        select(AuditHead).where(AuditHead.id == 1).with_for_update().execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, seq=0, hash=GENESIS)
        session.add(head)
    at = utcnow().replace(microsecond=0)
    seq = head.seq + 1
    digest = entry_hash(head.hash, seq, at, actor_id, action, target_type, target_id, data)
    entry = AuditEntry(seq=seq, at=at, actor_id=actor_id, action=action, target_type=target_type,
                       target_id=target_id, data=data, prev_hash=head.hash, hash=digest)
    session.add(entry)
    head.seq, head.hash = seq, digest
    session.flush()
    return entry


@dataclass(frozen=True)
class Act:
    """One entry of `record_many`: what `record()` takes, as data."""

    action: str
    actor_id: str | None = None
    target_type: str = ""
    target_id: str = ""


def record_many(session: Session, acts: list[Act]) -> None:
    """`record()` for several acts at once, chained in the order given, in three statements whatever
    their number (the head locked and read, the entries, the head moved): the ballot box's group commit
    (agora/consultations/ballot_box.py) writes one entry per ballot of a batch this way. The statements
    are built once and run on the session's connection, without the ORM (bench/README.md, "Casting:
    the group commit's statements built once, entities from columns"). What the session holds is
    flushed first, as `Session.execute` would; `record()` reads the head afresh, so the two mix in one
    transaction."""
    if not acts:
        return
    session.flush()
    connection = session.connection()
    statements = _many_statements()
    head = connection.execute(statements.lock_head).one_or_none()
    seq, prev = (head.seq, head.hash) if head is not None else (0, GENESIS)
    at = utcnow().replace(microsecond=0)
    rows = []
    for act in acts:
        seq += 1
        digest = entry_hash(prev, seq, at, act.actor_id, act.action, act.target_type, act.target_id, {})
        rows.append({"seq": seq, "at": at, "actor_id": act.actor_id, "action": act.action,
                     "target_type": act.target_type, "target_id": act.target_id, "data": {},
                     "prev_hash": prev, "hash": digest})
        prev = digest
    connection.execute(statements.insert_entries, rows)
    connection.execute(statements.insert_head if head is None else statements.move_head,
                       {"head_seq": seq, "head_hash": prev})


@dataclass(frozen=True)
class _ManyStatements:
    lock_head: Select[tuple[int, str]]
    insert_entries: Insert
    insert_head: Insert
    move_head: Update


@cache
def _many_statements() -> _ManyStatements:
    head = AuditHead.__table__
    return _ManyStatements(
        lock_head=select(head.c.seq, head.c.hash).where(head.c.id == 1).with_for_update(),
        insert_entries=insert(AuditEntry.__table__),
        insert_head=insert(head).values(id=1, seq=bindparam("head_seq"), hash=bindparam("head_hash")),
        move_head=update(head).where(head.c.id == 1).values(seq=bindparam("head_seq"), hash=bindparam("head_hash")),
    )


@dataclass(frozen=True)
class VerifyResult:
    checked: int
    broken_at: int | None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify(session: Session, batch: int = 5000) -> VerifyResult:
    with session.execute(select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=batch)) as rows:
        return _walk(session, rows.scalars())


def _walk(session: Session, entries: Any) -> VerifyResult:
    prev, expected_seq, checked = GENESIS, 1, 0
    for entry in entries:
        if entry.seq != expected_seq:
            return VerifyResult(checked, entry.seq, f"missing entry before {entry.seq}")
        if entry.prev_hash != prev:
            return VerifyResult(checked, entry.seq, "previous hash does not match")
        digest = entry_hash(prev, entry.seq, entry.at, entry.actor_id, entry.action,
                            entry.target_type, entry.target_id, entry.data)
        if digest != entry.hash:
            return VerifyResult(checked, entry.seq, "content does not match its hash")
        prev, expected_seq, checked = entry.hash, expected_seq + 1, checked + 1
    head = session.get(AuditHead, 1)
    if head is not None and (head.seq != checked or head.hash != prev):
        return VerifyResult(checked, head.seq, "the last entries were removed")
    return VerifyResult(checked, None)
