"""`agora backup FILE` / `agora restore FILE`: a consistent copy of the whole database, and back.

The copy is portable: made on SQLite it restores into PostgreSQL and the other way round.

Consistency. Every table is read inside one read transaction: REPEATABLE READ (read only) on
PostgreSQL, a plain transaction on SQLite, where WAL mode gives the reader a snapshot. The site can
stay up while the copy is made; it shows the database as it was at one instant.

Format. A gzip file of JSON lines (UTF-8):
- line 1, the header: `{"format": "agora-backup", "version": 1, "revision": <alembic revision>,
  "created_at": …, "source": "sqlite"|"postgresql", "tables": [{"name", "columns", "rows"}, …],
  "sha256": <hex digest of every following byte, uncompressed>}`;
- then one line per row, `[table name, [values in the header's column order]]`, tables in
  dependency order (`Base.metadata.sorted_tables`), rows in primary-key order.
Values are JSON; the column's type says how to read them back, so that they round-trip exactly:
datetimes as ISO 8601 with microseconds, Decimals as strings, JSON columns as JSON, booleans as JSON
booleans, enums by value, binary as base64.
The file is written to a temporary file beside the target, synced, then renamed: a crash leaves
either the old file or the new one, never half of one. It is created readable by its owner only
(it holds password hashes and the member register).

Restoring. The whole file is checked before anything is written (gzip and JSON intact, SHA-256,
row counts, the same schema revision as this agora and as the target database); a bad file is
refused with BackupError and nothing written.
Restore only fills an **empty** database: freshly migrated with `agora db upgrade`, where nobody
exists and nothing was ever done (no person, no audit entry); the defaults that `db upgrade` put in it
(regions, colleges…) make way for the backup's own rows. It refuses any other database rather than
wiping it: an operator who types the wrong AGORA_DATABASE_URL must not lose a live site. (To replace
a database: create a new one, run `agora db upgrade` on it, restore, then switch to it.) Everything is
written in one transaction; restore writes no audit entry, so the restored database is an exact copy,
audit chain included. On PostgreSQL the sequences of integer ids are moved past the restored rows.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import hashlib
import json
import os
import tempfile
import uuid
import zlib
from collections.abc import Callable, Iterator
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy import Connection, Table, func, select, text

from agora.db import Base, Database, utcnow

FORMAT = "agora-backup"
VERSION = 1
BATCH = 1000
# A database where nobody exists and nothing was ever done is empty, whatever defaults
# `agora db upgrade` put in it (regions, colleges, settings rows…): restore replaces those.
GUARD_TABLES = ("people", "audit_log")


class BackupError(Exception):
    """The copy cannot be made or restored; the message says why. Nothing was written."""


def _tables(*, derived: bool = False) -> list[Table]:
    """The tables a copy holds, or with `derived` those it leaves out: a derived table (its `info`) is
    kept by triggers from the others, and restoring them rebuilds it."""
    import agora.models  # noqa: F401  (every model registered on Base.metadata)

    return [table for table in Base.metadata.sorted_tables if bool(table.info.get("derived")) == derived]


def _code_revision() -> str:
    from alembic.script import ScriptDirectory

    from agora import migrate

    head = ScriptDirectory.from_config(migrate.alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def _database_revision(conn: Connection) -> str | None:
    try:
        rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except sa.exc.DBAPIError:
        return None
    return rows[0] if len(rows) == 1 else None


# --- values -------------------------------------------------------------------------------------

def _base_type(column: sa.Column[Any]) -> sa.types.TypeEngine[Any]:
    kind = column.type
    while isinstance(kind, sa.types.TypeDecorator):
        kind = kind.impl_instance
    return kind


def _encoder(column: sa.Column[Any]) -> Callable[[Any], Any]:
    kind = _base_type(column)
    if isinstance(kind, sa.JSON):
        return lambda value: value
    if isinstance(kind, sa.DateTime | sa.Date | sa.Time):
        return lambda value: None if value is None else value.isoformat()
    if isinstance(kind, sa.Numeric) and not isinstance(kind, sa.Float):
        return lambda value: None if value is None else str(value)
    if isinstance(kind, sa.LargeBinary):
        return lambda value: None if value is None else base64.b64encode(value).decode("ascii")
    if isinstance(kind, sa.Uuid):
        return lambda value: None if value is None else str(value)
    if isinstance(kind, sa.Enum):
        return lambda value: getattr(value, "value", value)
    return lambda value: value


def _decoder(column: sa.Column[Any]) -> Callable[[Any], Any]:
    kind = _base_type(column)
    parse: Callable[[Any], Any] | None = None
    if isinstance(kind, sa.JSON):
        return lambda value: value
    if isinstance(kind, sa.DateTime):
        parse = datetime.fromisoformat
    elif isinstance(kind, sa.Date):
        parse = date.fromisoformat
    elif isinstance(kind, sa.Time):
        parse = time.fromisoformat
    elif isinstance(kind, sa.Numeric) and not isinstance(kind, sa.Float):
        parse = Decimal
    elif isinstance(kind, sa.LargeBinary):
        parse = base64.b64decode
    elif isinstance(kind, sa.Uuid):
        parse = uuid.UUID
    if parse is None:
        return lambda value: value
    convert = parse
    return lambda value: None if value is None else convert(value)


def _json_line(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n").encode("utf-8")


# --- backup -------------------------------------------------------------------------------------

def _read_connection(database: Database) -> Connection:
    if database.is_sqlite:
        return database.engine.connect()  # agora.db issues BEGIN: WAL gives this reader a snapshot
    return database.engine.connect().execution_options(isolation_level="REPEATABLE READ",
                                                       postgresql_readonly=True)


def _check_tables_known(conn: Connection, tables: list[Table]) -> None:
    present = set(sa.inspect(conn).get_table_names()) - {"alembic_version"}
    derived = {table.name for table in _tables(derived=True)}
    unknown = sorted(present - derived - {table.name for table in tables})
    if unknown:
        raise BackupError(f"the database has tables this agora does not know ({', '.join(unknown)}); "
                          "nothing was written")


def backup(database: Database, path: str | Path) -> int:
    """Writes the copy to `path` (atomically) and returns the number of rows copied."""
    target = Path(path)
    tables = _tables()
    expected = _code_revision()
    with tempfile.TemporaryFile() as body:
        # One read transaction for every table: the copy shows the database at one instant.
        with _read_connection(database) as conn, conn.begin():
            revision = _database_revision(conn)
            if revision != expected:
                raise BackupError(f"the database is at schema revision {revision!r}, this agora expects "
                                  f"{expected!r}: run `agora db upgrade` first; nothing was written")
            _check_tables_known(conn, tables)
            digest = hashlib.sha256()
            listing = []
            for table in tables:
                columns = list(table.columns)
                encoders = [_encoder(column) for column in columns]
                count = 0
                statement = (select(*columns).order_by(*table.primary_key.columns)
                             .execution_options(yield_per=BATCH))
                for row in conn.execute(statement):
                    try:
                        line = _json_line([table.name, [encode(value) for encode, value in
                                                        zip(encoders, row, strict=True)]])
                    except (TypeError, ValueError) as error:
                        raise BackupError(f"cannot write a row of {table.name} ({error}); "
                                          "nothing was written") from None
                    digest.update(line)
                    body.write(line)
                    count += 1
                listing.append({"name": table.name, "columns": [column.name for column in columns],
                                "rows": count})
            source = conn.dialect.name
        header = {"format": FORMAT, "version": VERSION, "revision": revision, "created_at": utcnow().isoformat(),
                  "source": source, "tables": listing, "sha256": digest.hexdigest()}
        body.seek(0)
        _write_atomically(target, header, body)
    return sum(entry["rows"] for entry in listing)


def _write_atomically(target: Path, header: dict[str, Any], body: IO[bytes]) -> None:
    directory = target.parent if str(target.parent) else Path(".")
    try:
        fd, temporary = tempfile.mkstemp(dir=directory, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as error:
        raise BackupError(f"cannot write in {directory}: {error.strerror or error}") from None
    try:
        with os.fdopen(fd, "wb") as raw:
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as compressed:
                compressed.write(_json_line(header))
                while chunk := body.read(1 << 20):
                    compressed.write(chunk)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(temporary, target)
    except BaseException as error:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise BackupError(f"cannot write {target}: {error.strerror or error}") from None
        raise
    try:  # the rename itself survives a power cut once the directory is synced
        directory_fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(directory_fd)
    finally:
        os.close(directory_fd)


# --- restore ------------------------------------------------------------------------------------

@contextlib.contextmanager
def _damage_named(path: Path) -> Iterator[None]:
    try:
        yield
    except FileNotFoundError:
        raise BackupError(f"{path}: no such file") from None
    except (OSError, EOFError, zlib.error) as error:
        raise BackupError(f"{path} is not a complete agora backup (corrupt or truncated: {error}); "
                          "nothing was written") from None


HEADER_MAX_BYTES = 4 << 20  # a header lists the tables and their columns: some tens of kilobytes


def _lines(path: Path) -> Iterator[bytes]:
    """The header line, read at most HEADER_MAX_BYTES (a file that is not a backup may hold gigabytes
    without a newline), then each row line."""
    with _damage_named(path), gzip.open(path, "rb") as handle:
        yield handle.readline(HEADER_MAX_BYTES)
        yield from handle


def _check_stream(path: Path) -> None:
    """Reads the file to its end, a megabyte at a time, so gzip checks its CRC: a damaged byte anywhere,
    even one that still decodes as a plausible header, is reported as damage before any of the content
    is believed."""
    with _damage_named(path), gzip.open(path, "rb") as handle:
        while handle.read(1 << 20):
            pass


def _read_header(path: Path, lines: Iterator[bytes]) -> dict[str, Any]:
    first = next(lines, None)
    try:
        header = json.loads(first) if first and first.endswith(b"\n") else None
    except ValueError:
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupError(f"{path} is not an agora backup; nothing was written")
    if header.get("version") != VERSION:
        raise BackupError(f"{path} is an agora backup of format {header.get('version')!r}, this agora reads "
                          f"format {VERSION}; nothing was written")
    return header


def _check_file(path: Path, tables: list[Table]) -> dict[str, Any]:
    """Reads the whole file: its stream, then its header, its digest, its row counts. Raises BackupError."""
    _check_stream(path)
    lines = _lines(path)
    header = _read_header(path, lines)
    expected = _code_revision()
    if header.get("revision") != expected:
        raise BackupError(f"{path} was made at schema revision {header.get('revision')!r}, this agora is at "
                          f"{expected!r}: restore it with the agora version that made it; nothing was written")
    listing = [(entry.get("name"), entry.get("columns"), entry.get("rows")) for entry in header.get("tables", [])]
    ours = [(table.name, [column.name for column in table.columns]) for table in tables]
    if [(name, columns) for name, columns, _rows in listing] != ours:
        raise BackupError(f"{path} does not hold the tables and columns of this agora's schema; "
                          "nothing was written")
    widths = {table.name: len(table.columns) for table in tables}
    order = {table.name: index for index, table in enumerate(tables)}
    counts = dict.fromkeys(widths, 0)
    digest = hashlib.sha256()
    position = 0
    for number, line in enumerate(lines, 2):
        digest.update(line)
        try:
            name, values = json.loads(line)
        except (ValueError, TypeError):
            raise BackupError(f"{path}: line {number} is not a row; nothing was written") from None
        if name not in widths or not isinstance(values, list) or len(values) != widths[name] \
                or order[name] < position:
            raise BackupError(f"{path}: line {number} is not a row of this schema; nothing was written")
        position = order[name]
        counts[name] += 1
    if digest.hexdigest() != header.get("sha256"):
        raise BackupError(f"{path} does not match its checksum (corrupt or altered); nothing was written")
    wrong = [name for name, _columns, rows in listing if counts[name] != rows]
    if wrong:
        raise BackupError(f"{path}: the row counts of {', '.join(wrong)} do not match the header; "
                          "nothing was written")
    return header


def _ensure_empty(conn: Connection, tables: list[Table]) -> None:
    revision = _database_revision(conn)
    if revision != _code_revision():
        raise BackupError(f"the target database is at schema revision {revision!r}, not "
                          f"{_code_revision()!r}: run `agora db upgrade` on it first; nothing was written")
    _check_tables_known(conn, tables)
    if conn.dialect.name == "postgresql":  # nobody writes while we look and fill (SQLite: BEGIN IMMEDIATE)
        names = ", ".join(f'"{table.name}"' for table in tables)
        conn.execute(text(f"LOCK TABLE {names} IN EXCLUSIVE MODE"))
    by_name = {table.name: table for table in tables}
    busy = [f"{count} rows in {name}" for name in GUARD_TABLES
            if (count := conn.execute(select(func.count()).select_from(by_name[name])).scalar_one())]
    if busy:
        raise BackupError(f"the target database is not empty ({', '.join(busy)}); restore only fills a "
                          "freshly migrated database (`agora db upgrade` on a new, empty one); "
                          "nothing was written")


def _deferred_columns(tables: list[Table]) -> dict[str, list[str]]:
    """Foreign keys to a table not yet filled (the same one, or a cycle), by column name: written as
    NULL, then set."""
    order = {table.name: index for index, table in enumerate(tables)}
    deferred: dict[str, list[str]] = {}
    for table in tables:
        for fk in table.foreign_keys:
            if order.get(fk.column.table.name, -1) >= order[table.name] and fk.parent.nullable:
                deferred.setdefault(table.name, []).append(fk.parent.name)
    return deferred


def restore(database: Database, path: str | Path) -> int:
    """Fills an empty database from a copy made by `backup`; returns the number of rows restored."""
    source = Path(path)
    tables = _tables()
    header = _check_file(source, tables)
    by_name = {table.name: table for table in tables}
    decoders = {table.name: [(column.name, _decoder(column)) for column in table.columns] for table in tables}
    deferred = _deferred_columns(tables)
    later: dict[tuple[str, str], list[dict[str, Any]]] = {}
    digest = hashlib.sha256()
    restored = 0
    with database.session(write=True) as session:
        conn = session.connection()
        _ensure_empty(conn, tables)
        for table in reversed(tables):  # the defaults of a fresh database make way for the copy's
            conn.execute(table.delete())
        for table in _tables(derived=True):  # rebuilt from zero by the triggers as the rows come in
            conn.execute(table.delete())

        pending: list[dict[str, Any]] = []
        current: Table | None = None
        lines = _lines(source)
        next(lines)  # the header, checked above
        for line in lines:
            digest.update(line)
            name, values = json.loads(line)
            table = by_name[name]
            if table is not current:
                if current is not None and pending:
                    conn.execute(current.insert(), pending)
                pending, current = [], table
            row = {column: decode(value) for (column, decode), value in zip(decoders[name], values, strict=True)}
            for column in deferred.get(name, []):
                if row[column] is not None:
                    later.setdefault((name, column), []).append({"_key": _key(table, row), "_value": row[column]})
                    row[column] = None
            pending.append(row)
            restored += 1
            if len(pending) >= BATCH:
                conn.execute(table.insert(), pending)
                pending = []
        if current is not None and pending:
            conn.execute(current.insert(), pending)
        if digest.hexdigest() != header["sha256"]:  # the file changed since it was checked
            raise BackupError(f"{source} changed while it was being restored; nothing was written")
        for (name, column), rows in later.items():
            table = by_name[name]
            key = _key_column(table)
            conn.execute(table.update().where(key == sa.bindparam("_key"))
                         .values({column: sa.bindparam("_value")}), rows)
        if conn.dialect.name == "postgresql":
            _reset_sequences(conn, tables)
        session.commit()
    return restored


def _key_column(table: Table) -> sa.Column[Any]:
    columns = list(table.primary_key.columns)
    if len(columns) != 1:
        raise BackupError(f"{table.name} refers to itself without a single-column primary key")
    return columns[0]


def _key(table: Table, row: dict[str, Any]) -> Any:
    return row[_key_column(table).name]


def _reset_sequences(conn: Connection, tables: list[Table]) -> None:
    """Rows came with their ids: the next id a sequence gives must come after them."""
    for table in tables:
        column = table.autoincrement_column
        if column is None:
            continue
        conn.execute(text(
            f'SELECT setval(pg_get_serial_sequence(:table, :column), '  # noqa: S608 (names from the schema)
            f'COALESCE((SELECT MAX("{column.name}") FROM "{table.name}"), 0) + 1, false)'
        ), {"table": table.name, "column": column.name})
