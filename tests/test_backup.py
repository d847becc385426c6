"""`agora backup` / `agora restore`: a consistent, portable copy of the whole database."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import stat
import tracemalloc
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import make_url

from agora import audit, backup, migrate
from agora.accounts import services as accounts
from agora.accounts.models import SigninAttempt
from agora.db import Base, Database, utcnow
from agora.models import *  # noqa: F403
from agora.notifications.models import Notification
from agora.people import register_import
from agora.people import services as register
from agora.people.defaults import ensure_defaults
from agora.people.models import Person, Region, Role, RoleGrant
from tests.conftest import PG_URL, _pg_url
from tests.factories import person as make_person

REGISTER = "\n".join([
    "external_id,email,name,language,region,voting_college,categories,shares",
    'M001,alice@example.org,"Alice ""Al"" Dupont, <b>",fr,liege,members,clients|members,3',
    "M002,bram@example.org,Bram De Smet,nl,antwerpen,clients,clients,0",
    "M003,kathe@example.org,Käthe Müller 🌍,de,eupen,permanents,members|permanents,12",
    "",
]).encode("utf-8")


# --- fresh databases to restore into ---------------------------------------------------------------

@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("backup-template") / "fresh.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_target() -> str | None:
    """A second PostgreSQL database beside the test one, migrated once; None on SQLite runs."""
    if not PG_URL:
        return None
    url = make_url(_pg_url(PG_URL))
    target = url.set(database=f"{url.database}_restore")
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                        {"name": target.database}).first() is None:
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()
    rendered = target.render_as_string(hide_password=False)
    engine = create_engine(rendered)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    migrate.upgrade(rendered)
    return rendered


@pytest.fixture
def fresh(sqlite_template: Path, postgres_target: str | None, tmp_path: Path) -> Iterator[Callable[[str], Database]]:
    """fresh("sqlite") / fresh("postgresql"): an empty database as `agora db upgrade` leaves it."""
    opened: list[Database] = []

    def make(kind: str) -> Database:
        if kind == "sqlite":
            target = tmp_path / f"fresh-{len(opened)}.db"
            shutil.copyfile(sqlite_template, target)
            url = f"sqlite:///{target}"
        else:
            assert postgres_target is not None
            url = postgres_target
            tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            engine = create_engine(url)
            with engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            engine.dispose()
        database = Database(url)
        with database.transaction() as db:
            ensure_defaults(db)
        opened.append(database)
        return database

    yield make
    for database in opened:
        database.dispose()


SAME_KIND = "postgresql" if PG_URL else "sqlite"


def populate(database: Database) -> None:
    """Something in every kind of column: datetimes with microseconds, JSON, Decimal, booleans…"""
    with database.transaction() as db:
        register_import.import_register(db, REGISTER, source="register.csv")
        admin = make_person(db, email="admin@example.org", roles=["admin", "relay:liege"], voting_college=None,
                            shares=0, categories="")
        retired = make_person(db, email="retired@example.org")
        register.set_active(db, retired, False, actor_id=admin.id)
        accounts.create_token(db, admin, "archive")
        accounts.start_session(db, admin, days=3)
        accounts.record_attempt(db, "admin@example.org", "192.0.2.1", succeeded=True)
        accounts.record_attempt(db, "admin@example.org", "192.0.2.1", succeeded=False)
        db.add(Notification(person_id=admin.id, kind="test", url="/x",
                            data={"text": "Brüssel — «ok»", "list": [1, 2.5, None, True, {"deep": "é"}]}))
        register.set_weights(db, {"members": Decimal("0.5555"), "permanents": Decimal("0.2445"),
                                  "clients": Decimal("0.1000"), "partners": Decimal("0.1000")}, actor_id=admin.id)
        region = register.save_region(db, None, "malmedy", {"fr": "Malmedy", "de": "Malmedy"}, ["fr", "de"], False,
                                      actor_id=admin.id)
        assert not region.active


def contents(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, as Python values, in primary-key order."""
    with database.engine.connect() as conn:
        return {table.name: [tuple(row) for row in conn.execute(select(table).order_by(*table.primary_key.columns))]
                for table in Base.metadata.sorted_tables}


def count(database: Database, model: Any) -> int:
    with database.session(write=False) as db:
        return db.execute(select(func.count()).select_from(model)).scalar_one()


# --- round trips ----------------------------------------------------------------------------------------

def test_backup_then_restore_gives_the_same_rows(database, fresh, tmp_path):
    populate(database)
    path = tmp_path / "copy.agora"

    written = backup.backup(database, path)
    target = fresh(SAME_KIND)
    restored = backup.restore(target, path)

    source_rows, target_rows = contents(database), contents(target)
    assert written == restored == sum(len(rows) for rows in source_rows.values())
    assert source_rows == target_rows
    assert len(target_rows["people"]) == 5 and len(target_rows["audit_log"]) > 5
    with target.session(write=False) as db:
        weights = {str(k): w for k, w in db.execute(text("SELECT key, weight FROM colleges")).all()}
        assert audit.verify(db).ok
        assert {r.slug for r in db.execute(select(Region)).scalars()} >= {"malmedy", "liege"}
        notification = db.execute(select(Notification)).scalar_one()
        assert notification.data["list"] == [1, 2.5, None, True, {"deep": "é"}]
        alice = db.execute(select(Person).where(Person.external_id == "M001")).scalar_one()
        assert alice.name == 'Alice "Al" Dupont, <b>'
    assert Decimal(str(weights["members"])) == Decimal("0.5555")


def test_restored_database_keeps_working(database, fresh, tmp_path):
    """New rows after a restore get new ids (PostgreSQL sequences follow) and the audit chain goes on."""
    populate(database)
    path = tmp_path / "copy.agora"
    backup.backup(database, path)
    target = fresh(SAME_KIND)
    backup.restore(target, path)
    highest = max(contents(target)["role_grants"], key=lambda row: row[0])[0]

    with target.transaction() as db:
        newcomer = make_person(db, email="newcomer@example.org", roles=["moderator"])
        accounts.record_attempt(db, "newcomer@example.org", "192.0.2.9", succeeded=True)
    with target.session(write=False) as db:
        grant = db.execute(select(RoleGrant).where(RoleGrant.person_id == newcomer.id)).scalar_one()
        assert grant.id > highest and grant.role == Role.MODERATOR
        assert audit.verify(db).ok


def test_the_proposal_counts_are_left_out_and_rebuilt_by_the_restore(database, fresh, tmp_path):
    """`proposal_counts` is derived (kept by triggers on `proposals`): not in the copy, right after it."""
    from tests.deliberation_support import Someone, make_proposal

    with database.transaction() as db:
        author = make_person(db, email="author@example.org")
    someone = Someone(author.id, author.email, author.name)
    for n in range(3):
        make_proposal(database, someone, title=f"Une proposition à garder {n}", publish=n > 0)
    path = tmp_path / "copy.agora"
    backup.backup(database, path)
    _header, body = read(path)
    assert "proposals" in {name for name, _values in body}
    assert "proposal_counts" not in {name for name, _values in body}

    target = fresh(SAME_KIND)
    backup.restore(target, path)
    counts = "SELECT moderation, status, proposals FROM proposal_counts WHERE proposals > 0 ORDER BY status"
    with target.session(write=False) as db:
        assert [tuple(row) for row in db.execute(text(counts))] == [("visible", "draft", 1),
                                                                     ("visible", "published", 2)]


@pytest.mark.postgresql
@pytest.mark.parametrize("direction", ["postgresql to sqlite", "sqlite to postgresql"])
def test_a_copy_moves_between_sqlite_and_postgresql(database, fresh, tmp_path, direction):
    source = database if direction.startswith("postgresql") else fresh("sqlite")
    populate(source)
    path = tmp_path / "copy.agora"
    backup.backup(source, path)

    target = fresh(direction.rsplit(" ", 1)[1])
    backup.restore(target, path)

    assert contents(target) == contents(source)
    with target.session(write=False) as db:
        assert audit.verify(db).ok


def test_backup_is_one_snapshot_even_while_someone_writes(database, tmp_path):
    populate(database)
    people_before = count(database, Person)
    wrote = []

    def write_meanwhile(conn, cursor, statement, parameters, context, executemany):
        if not wrote and "FROM audit_head" in statement:  # the first table read: the rest comes later
            wrote.append(True)
            with database.transaction() as db:
                make_person(db, email="latecomer@example.org")

    event.listen(database.engine, "after_cursor_execute", write_meanwhile)
    try:
        backup.backup(database, tmp_path / "copy.agora")
    finally:
        event.remove(database.engine, "after_cursor_execute", write_meanwhile)

    assert wrote and count(database, Person) == people_before + 1
    header, rows = read(tmp_path / "copy.agora")
    assert {t["name"]: t["rows"] for t in header["tables"]}["people"] == people_before
    assert sum(1 for name, _values in rows if name == "people") == people_before
    assert not any("latecomer@example.org" in values for name, values in rows if name == "people")


# --- the file ----------------------------------------------------------------------------------------------

def read(path: Path) -> tuple[dict[str, Any], list[tuple[str, list[Any]]]]:
    with gzip.open(path, "rb") as handle:
        lines = handle.read().splitlines(keepends=True)
    return json.loads(lines[0]), [tuple(json.loads(line)) for line in lines[1:]]


def rewrite(path: Path, header: dict[str, Any], body: list[bytes], *, fix_digest: bool) -> None:
    if fix_digest:
        header = {**header, "sha256": hashlib.sha256(b"".join(body)).hexdigest()}
    with gzip.open(path, "wb") as handle:
        handle.write((json.dumps(header) + "\n").encode() + b"".join(body))


def test_the_file_has_a_header_and_is_private(database, tmp_path):
    populate(database)
    path = tmp_path / "copy.agora"
    backup.backup(database, path)

    header, rows = read(path)
    assert header["format"] == "agora-backup" and header["version"] == 1
    assert header["revision"] == backup._code_revision()
    assert [t["name"] for t in header["tables"]] == [t.name for t in Base.metadata.sorted_tables
                                                     if t.name != "proposal_counts"]  # derived: not copied
    assert sum(t["rows"] for t in header["tables"]) == len(rows)
    with gzip.open(path, "rb") as handle:
        body = handle.read().split(b"\n", 1)[1]
    assert hashlib.sha256(body).hexdigest() == header["sha256"]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600  # password hashes and the register inside


def test_a_failed_backup_leaves_the_previous_file_alone(database, tmp_path):
    (tmp_path / "out").mkdir()
    path = tmp_path / "out" / "copy.agora"
    backup.backup(database, path)
    previous = path.read_bytes()
    broken = Database(f"sqlite:///{tmp_path / 'not-migrated.db'}")
    try:
        with pytest.raises(backup.BackupError, match="schema revision None"):
            backup.backup(broken, path)
    finally:
        broken.dispose()
    assert path.read_bytes() == previous
    assert [p.name for p in path.parent.iterdir()] == ["copy.agora"]  # no temporary file left behind


# --- refusals: nothing written ------------------------------------------------------------------------------

def make_copy(database: Database, tmp_path: Path) -> Path:
    populate(database)
    path = tmp_path / "copy.agora"
    backup.backup(database, path)
    return path


def body_lines(path: Path) -> tuple[dict[str, Any], list[bytes]]:
    with gzip.open(path, "rb") as handle:
        lines = handle.read().splitlines(keepends=True)
    return json.loads(lines[0]), lines[1:]


def truncated(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def flipped(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def altered_row(path: Path) -> None:
    header, body = body_lines(path)
    body = [line.replace(b"bram@example.org", b"evil@example.org") for line in body]
    rewrite(path, header, body, fix_digest=False)


def missing_row(path: Path) -> None:
    header, body = body_lines(path)
    body = [line for line in body if b"bram@example.org" not in line or not line.startswith(b'["people"')]
    rewrite(path, header, body, fix_digest=True)


def other_revision(path: Path) -> None:
    header, body = body_lines(path)
    rewrite(path, {**header, "revision": "0000_older"}, body, fix_digest=False)


def not_gzip(path: Path) -> None:
    path.write_bytes(b"external_id,email\n")


def not_ours(path: Path) -> None:
    with gzip.open(path, "wb") as handle:
        handle.write(b'{"format": "something else"}\n')


def garbage_line(path: Path) -> None:
    header, body = body_lines(path)
    rewrite(path, header, [*body, b"not json\n"], fix_digest=True)


def unknown_table(path: Path) -> None:
    header, body = body_lines(path)
    rewrite(path, header, [*body, b'["secrets", [1]]\n'], fix_digest=True)


CORRUPTIONS = {
    "truncated": (truncated, "corrupt or truncated"),
    "a flipped byte": (flipped, "corrupt or truncated"),
    "an altered row": (altered_row, "does not match its checksum"),
    "a missing row": (missing_row, "row counts of people do not match"),
    "another schema revision": (other_revision, "schema revision '0000_older'"),
    "not gzip": (not_gzip, "not a complete agora backup"),
    "not an agora backup": (not_ours, "not an agora backup"),
    "a line that is not a row": (garbage_line, "line .* is not a row"),
    "a table this schema lacks": (unknown_table, "not a row of this schema"),
}


@pytest.mark.parametrize("corruption", list(CORRUPTIONS))
def test_a_damaged_copy_is_refused_and_nothing_is_written(database, fresh, tmp_path, corruption):
    damage, message = CORRUPTIONS[corruption]
    path = make_copy(database, tmp_path)
    damage(path)
    target = fresh(SAME_KIND)
    before = contents(target)

    with pytest.raises(backup.BackupError, match=message):
        backup.restore(target, path)

    assert contents(target) == before
    assert len(before["regions"]) == 12 and not before["people"]


def test_a_file_with_an_endless_first_line_is_refused_without_holding_it(database, fresh, tmp_path):
    """64 MiB without a newline (a few kilobytes compressed): refused as not a backup, having held at
    most a header's worth of it."""
    path = tmp_path / "endless.agora.gz"
    with gzip.open(path, "wb") as handle:
        handle.write(b'{"format": "agora-backup", "note": "')
        for _ in range(64):
            handle.write(b"x" * (1 << 20))
    target = fresh(SAME_KIND)
    tracemalloc.start()
    try:
        with pytest.raises(backup.BackupError, match="not an agora backup"):
            backup.restore(target, path)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 << 20, f"{peak / (1 << 20):.0f} MiB held"


GZIP_HEADER = 10  # magic, method, flags, mtime, extra flags, OS: gzip checks no sum over mtime


def test_a_byte_flipped_anywhere_is_reported_as_damage(database, fresh, tmp_path):
    """A flip inside the compressed header can still decode as plausible JSON naming another column;
    the damage must be named as damage, wherever the byte is."""
    path = make_copy(database, tmp_path)
    original = path.read_bytes()
    target = fresh(SAME_KIND)
    before = contents(target)
    step = max(1, (len(original) - GZIP_HEADER) // 60)
    for position in range(GZIP_HEADER, len(original), step):
        damaged = bytearray(original)
        damaged[position] ^= 0xFF
        path.write_bytes(bytes(damaged))
        with pytest.raises(backup.BackupError, match="corrupt or truncated"):
            backup.restore(target, path)
    assert contents(target) == before


def test_a_database_in_use_is_never_overwritten(database, fresh, tmp_path):
    path = make_copy(database, tmp_path)
    target = fresh(SAME_KIND)
    with target.transaction() as db:
        make_person(db, email="someone@example.org")
    before = contents(target)

    with pytest.raises(backup.BackupError, match=r"not empty \(1 rows in people, 1 rows in audit_log\)"):
        backup.restore(target, path)

    assert contents(target) == before
    with pytest.raises(backup.BackupError, match="not empty"):
        backup.restore(database, path)  # not even the database it came from


def test_an_unmigrated_database_or_a_missing_file_is_refused(database, tmp_path):
    path = make_copy(database, tmp_path)
    bare = Database(f"sqlite:///{tmp_path / 'bare.db'}")
    try:
        with pytest.raises(backup.BackupError, match="run `agora db upgrade` on it first"):
            backup.restore(bare, path)
        with pytest.raises(backup.BackupError, match="no such file"):
            backup.restore(bare, tmp_path / "nowhere.agora")
    finally:
        bare.dispose()


def test_restore_replaces_the_defaults_of_a_fresh_database(database, fresh, tmp_path):
    with database.transaction() as db:
        register.save_region(db, db.execute(select(Region).where(Region.slug == "arlon")).scalar_one(), "arlon",
                             {"fr": "Arlon (renamed)"}, ["fr"], True, actor_id=None)
    path = tmp_path / "copy.agora"
    backup.backup(database, path)
    target = fresh(SAME_KIND)  # its own regions, with other ids

    backup.restore(target, path)

    assert contents(target)["regions"] == contents(database)["regions"]
    with target.session(write=False) as db:
        assert db.execute(select(Region).where(Region.slug == "arlon")).scalar_one().names == {
            "fr": "Arlon (renamed)"}


def test_values_round_trip_exactly(database, fresh, tmp_path):
    moment = utcnow().replace(microsecond=123456)
    with database.transaction() as db:
        p = make_person(db, email="exact@example.org", shares=2147483647)
        p.created_at = moment
        db.add(SigninAttempt(at=moment, email="x@example.org", client_ip="2001:db8::1", succeeded=False))
    path = tmp_path / "copy.agora"
    backup.backup(database, path)
    target = fresh(SAME_KIND)
    backup.restore(target, path)

    with target.session(write=False) as db:
        restored = db.execute(select(Person).where(Person.email == "exact@example.org")).scalar_one()
        attempt = db.execute(select(SigninAttempt)).scalar_one()
    assert restored.created_at == moment and restored.created_at.tzinfo is not None
    assert restored.shares == 2147483647 and restored.active is True
    assert attempt.at == moment and attempt.succeeded is False
