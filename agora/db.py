"""Database plumbing: the declarative base, the engine, sessions and SQLite pragmas.

One engine per process, sync SQLAlchemy (see docs/architecture.md, "sync database access").
Handlers run their unit of work in a worker thread through `agora.web.endpoint`.
"""

from __future__ import annotations

import enum
import fcntl
import logging
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cached_property
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import DateTime, Engine, MetaData, String, TypeDecorator, create_engine, event, inspect
from sqlalchemy import Enum as SAEnum
from sqlalchemy.engine import Dialect, Result, make_url
from sqlalchemy.orm import DeclarativeBase, Session, make_transient_to_detached, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.pool import QueuePool
from sqlalchemy.sql import Executable

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_id() -> str:
    """A random identifier: never guessable, never ordered by creation."""
    return uuid.uuid4().hex


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC on every backend and always gives back an aware datetime."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_column(enum_class: type[enum.Enum]) -> SAEnum:
    """An enum stored by its value, as a plain string column (portable, readable in SQL)."""
    return SAEnum(
        enum_class,
        native_enum=False,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), str: String(255)}


Model = TypeVar("Model")
log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_S = 30
FILE_LOCK_PAUSE_S = 0.001  # the longest pause between two tries at the writers' lock file
# Connections kept open per process: at least as many as the threads that may hold one (anyio's
# default limiter, 40, for writes and live events; reads add at most Settings.read_threads) plus the
# background tasks, so that no request ever opens a connection
# (and runs its PRAGMAs) or waits for one. A pool smaller than the threads made page loads queue on
# the pool and open/close an overflow connection per request (bench/README.md, page_proposals).
SQLITE_POOL_SIZE = 48
SQLITE_POOL_OVERFLOW = 16
POSTGRES_POOL_SIZE = 20


class _WriterLock:
    """One writer at a time per database file, handed over at once, within this process and across
    the processes that open the same file (the workers of `agora serve --workers N`, the command line).

    SQLite's own busy handler polls: a writer that finds the file locked sleeps 1, 2, 5 … up to
    100 ms between tries, so under a burst of writers the lock sits free while they sleep and the
    waits add up to seconds (bench/README.md, ballots_sqlite). Threads of one process queue on a
    thread lock, one per database file in the process (`_writer_lock`); the thread holding it then
    takes an exclusive `flock` on a file next to the database (`<database>-writer`), trying again after
    pauses growing to a millisecond (FILE_LOCK_PAUSE_S): the next process starts 1-2 ms after the
    previous commit, where SQLite's handler took 30. (A blocking `flock` hands over a little faster,
    about 4 % more ballots on two workers, but cannot time out.) A process that dies lets go of its
    `flock`.

    Both waits end at the busy timeout: the thread then goes on to BEGIN IMMEDIATE anyway and gets
    SQLite's own answer ("database is locked"), so no thread waits forever, not even one that opens a
    second write transaction while holding one, nor a server behind a command stopped with Ctrl-Z in
    the middle of a write. Without a file (an in-memory database), or where the lock file cannot be
    opened or locked (a read-only directory, a file made by another user, a filesystem without
    `flock`), only the thread lock is taken, with a warning.
    """

    def __init__(self, path: str | None = None) -> None:
        self._lock = threading.Lock()
        self._path = path
        self._file: int | None = None
        self._opened_by: int | None = None
        self._holds_file = False

    def acquire(self) -> bool:
        deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_S
        if not self._lock.acquire(timeout=SQLITE_BUSY_TIMEOUT_S):
            return False
        try:
            self._lock_file(deadline)
        except BaseException:
            self._lock.release()
            raise
        return True

    def release(self) -> None:
        try:
            if self._holds_file:
                self._holds_file = False
                fcntl.flock(self._file, fcntl.LOCK_UN)  # type: ignore[arg-type]
        finally:
            self._lock.release()

    def close(self) -> None:
        """Closes the lock file (an engine on the database is disposed); reopened on next use. Left
        open while a transaction of this process holds the lock."""
        if self._file is None or not self._lock.acquire(blocking=False):
            return
        try:
            if self._opened_by == os.getpid():
                os.close(self._file)
            self._file = self._opened_by = None
        finally:
            self._lock.release()

    def _lock_file(self, deadline: float) -> None:
        file = self._opened_file()
        pause = FILE_LOCK_PAUSE_S / 8
        while file is not None:
            try:
                fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return  # BEGIN IMMEDIATE waits out SQLite's own busy timeout, then answers
                time.sleep(pause)
                pause = min(2 * pause, FILE_LOCK_PAUSE_S)
            except OSError as error:  # a filesystem without flock
                file = self._give_up(error)
            else:
                self._holds_file = True
                return

    def _opened_file(self) -> int | None:
        """The lock file's descriptor, opened once per process (a forked child opens its own: a
        `flock` belongs to the open file, which parent and child would otherwise share)."""
        if self._path is None:
            return None
        if self._opened_by != os.getpid():
            try:
                self._file = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            except OSError as error:
                return self._give_up(error)
            self._opened_by = os.getpid()
        return self._file

    def _give_up(self, error: OSError) -> None:
        log.warning("no lock file for SQLite's writers (%s): other processes wait in SQLite's busy handler",
                    error)
        self._path = None


_WRITER_LOCKS: dict[str, _WriterLock] = {}
_WRITER_LOCKS_GUARD = threading.Lock()


def _writer_lock(path: str | None) -> _WriterLock:
    """The process's lock for the database file at `path`, shared by every engine on that file: a
    second engine on the same file (tests, tools) queues its writers on the same thread lock, so one
    thread writing through both meets its own lock as on one engine, not its own `flock`."""
    if path is None:
        return _WriterLock(None)
    with _WRITER_LOCKS_GUARD:
        return _WRITER_LOCKS.setdefault(os.path.abspath(path), _WriterLock(path))


def writer_lock_path(database_url: str) -> str | None:
    """Where the writers of a SQLite database file queue across processes; None in memory."""
    database = make_url(database_url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return database + "-writer"


def _connection_class(writer: _WriterLock) -> type[sqlite3.Connection]:
    class Connection(sqlite3.Connection):
        """Releases the writer lock once its write transaction has ended, however it ends."""

        holds_writer_lock = False

        def begin_write(self) -> None:
            self.holds_writer_lock = writer.acquire()
            try:
                self.execute("BEGIN IMMEDIATE")
            except BaseException:
                self._release()
                raise

        def _release(self) -> None:
            if self.holds_writer_lock:
                self.holds_writer_lock = False
                writer.release()

        def commit(self) -> None:
            try:
                super().commit()
            finally:
                if not self.in_transaction:
                    self._release()

        def rollback(self) -> None:
            try:
                super().rollback()
            finally:
                self._release()

        def close(self) -> None:
            try:
                super().close()
            finally:
                self._release()

    return Connection


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver must not open transactions on its own: we issue BEGIN ourselves below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
        # FULL: an acknowledged commit (a ballot above all) survives a power cut.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Write transactions take the lock up front: the busy timeout does not apply when a
        # read transaction later upgrades to a write, which would fail with "database is locked".
        # Writers of this process queue on the writer lock first (see _WriterLock).
        if conn.get_execution_options().get("agora_write", False):
            conn.connection.dbapi_connection.begin_write()
        else:
            conn.exec_driver_sql("BEGIN")


def make_engine(database_url: str) -> Engine:
    if database_url.startswith("sqlite"):
        writer = _writer_lock(writer_lock_path(database_url))
        engine = create_engine(
            database_url,
            poolclass=QueuePool,
            pool_size=SQLITE_POOL_SIZE,
            max_overflow=SQLITE_POOL_OVERFLOW,
            # Last in, first out: the few connections busy at once are the same ones, their page caches
            # (2 MiB each at most) warm; first in, first out filled all 48 caches in turn.
            pool_use_lifo=True,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S,
                          "factory": _connection_class(writer)},
        )
        event.listen(engine, "engine_disposed", lambda _engine: writer.close())
        _configure_sqlite(engine)
        return engine
    # 20 kept (was 10): 16 connections' worth of ballots on each of two workers opened and closed
    # connections all along (bench/README.md, ballots_postgres).
    return create_engine(database_url, pool_size=POSTGRES_POOL_SIZE, max_overflow=20, pool_pre_ping=True)


def read_columns(db: Session, statement: Executable, parameters: dict[str, Any] | None = None) -> Result[Any]:
    """A SELECT of columns only (no ORM entity) in `db`'s transaction, without the ORM's result loading:
    through `Session.execute`, each row went through the ORM's loading machinery for nothing (50-100 µs
    a query; bench/README.md, "Statements built once"). Pending changes are flushed first, as
    `Session.execute` would (autoflush). Never a write: `endpoint.wrote` would not see it. Read many rows
    with `.all()` rather than by iterating: fetched in one call, 50 rows cost 60 µs less."""
    db.flush()
    return db.connection().execute(statement, parameters)


class LoadedColumns(Generic[Model]):
    """A mapped class's columns selected as plain columns, and turned back into an instance attached to
    the session as if the ORM had loaded it: the same object for the same row within a session, changes
    to it written at the next flush, relationships loading as their mapping says. For the statements
    every request runs (the signed-in person, an API token's holder, a ballot's consultation): the ORM's
    loading of one entity cost as much as the rest of the query (bench/README.md, "Casting: the group
    commit's statements built once, entities from columns"). Select `columns` (labelled `prefix` +
    attribute name, so that they never clash with the statement's other columns) and pass the row to
    `attach`. The values go into the new instance's `__dict__`, which is where the ORM's own loading puts
    them, and `make_transient_to_detached` gives it its identity with no pending change; an object the
    session already holds is returned instead, its expired columns refilled from the row."""

    def __init__(self, model: type[Model], prefix: str) -> None:
        self.model = model
        self.prefix = prefix

    @cached_property
    def _mapper(self) -> Any:
        return inspect(self.model)  # read on first use, once every model is mapped

    @cached_property
    def _properties(self) -> tuple[Any, ...]:
        """The mapped columns, each a plain column of the model's own table: a deferred column (a file's
        bytes), a computed `column_property` or an attribute over several columns would not be loaded as
        the ORM loads it, so such a model is refused rather than half-loaded."""
        table = self._mapper.local_table
        properties = tuple(self._mapper.column_attrs)
        for prop in properties:
            if prop.deferred or len(prop.columns) != 1 or prop.columns[0].table is not table:
                raise TypeError(f"{self.model.__name__}.{prop.key} is not a plain column of its table")
        return properties

    @cached_property
    def keys(self) -> tuple[str, ...]:
        return tuple(prop.key for prop in self._properties)

    @cached_property
    def columns(self) -> tuple[Any, ...]:
        return tuple(prop.columns[0].label(self.prefix + prop.key) for prop in self._properties)

    @cached_property
    def _primary_key(self) -> tuple[str, ...]:
        return tuple(self._mapper.get_property_by_column(column).key for column in self._mapper.primary_key)

    def attach(self, db: Session, row: Any) -> Model:
        mapping = row._mapping
        values = {key: mapping[self.prefix + key] for key in self.keys}
        identity = self._mapper.identity_key_from_primary_key([values[key] for key in self._primary_key])
        found = db.identity_map.get(identity)
        if found is not None:  # already in this session: that object is the one (as the ORM would answer),
            for key in inspect(found).expired_attributes & values.keys():  # its expired values refilled
                set_committed_value(found, key, values[key])
            return found  # type: ignore[no-any-return]
        instance = self._mapper.class_manager.new_instance()
        instance.__dict__.update(values)
        make_transient_to_detached(instance)
        db.add(instance)
        return instance  # type: ignore[no-any-return]


class Database:
    """The engine and the two session factories of one process."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url
        self.engine = make_engine(database_url)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(self.engine.execution_options(agora_write=True), expire_on_commit=False)

    def session(self, *, write: bool) -> Session:
        return (self._write if write else self._read)()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write unit of work for the command line and tests: commit, or roll back on error."""
        session = self.session(write=True)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
