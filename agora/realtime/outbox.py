"""Events leave after commit: `queue()` during the unit of work, `take()` once it has committed.

An event belongs to the transaction (or savepoint) open when it was queued. It becomes ready to
send only when the outermost transaction commits; a rollback, a rolled-back savepoint or a session
closed without committing drops it with the work it announced, so nobody is told about something
that did not happen. `take()` returns the ready events only, so it is safe to call after a failure
too (events of work committed earlier in the same session are still announced).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

_PENDING = "agora_outbox_pending"  # [(transaction open when queued, event)]
_READY = "agora_outbox_ready"  # committed, waiting for take()
_COMMITTED = "agora_outbox_committed"  # set by after_commit, read by the after_transaction_end that follows


@dataclass(frozen=True)
class OutgoingEvent:
    room: str
    name: str
    payload: dict[str, Any]
    coalesce: bool = False  # a state that replaces the previous one: agora.realtime.coalesce may merge them


def queue(db: Session, room: str, name: str, payload: dict[str, Any], *, coalesce: bool = False) -> None:
    if db.get_transaction() is None:
        # Bind the event to a transaction even if nothing touched the database yet: a rollback
        # with no transaction fires no event and would otherwise leave it for the next commit.
        db.begin()
    transaction = db.get_nested_transaction() or db.get_transaction()
    db.info.setdefault(_PENDING, []).append((transaction, OutgoingEvent(room, name, payload, coalesce)))


def take(db: Session) -> list[OutgoingEvent]:
    """The events whose work has committed (each returned once)."""
    return db.info.pop(_READY, [])


def _within(transaction: SessionTransaction | None, ancestor: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "after_commit")
def _on_commit(db: Session) -> None:
    # Fires for a released savepoint as well as for the real commit: after_transaction_end decides.
    db.info[_COMMITTED] = True


@event.listens_for(Session, "after_transaction_end")
def _on_transaction_end(db: Session, transaction: SessionTransaction) -> None:
    committed = db.info.pop(_COMMITTED, False)
    if transaction.parent is not None:
        return  # a savepoint: released events wait for the outer commit; rolled back ones go below
    pending = db.info.pop(_PENDING, [])
    if committed:
        db.info.setdefault(_READY, []).extend(outgoing for _tx, outgoing in pending)


@event.listens_for(Session, "after_soft_rollback")
def _on_rollback(db: Session, previous_transaction: SessionTransaction) -> None:
    pending = db.info.get(_PENDING)
    if pending:
        db.info[_PENDING] = [(tx, ev) for tx, ev in pending if not _within(tx, previous_transaction)]
