"""`agora import-members FILE.csv`: import or update the member register (../shared/API.md).

The file is checked whole before anything is written: every bad line is reported with its number,
and one bad line means nothing is written. A good file is applied in one transaction:

- a line whose `external_id` is new creates a person;
- a line whose `external_id` exists updates that person (and reactivates them if they were
  deactivated); a line that changes nothing leaves the row alone, so re-importing a file is a no-op;
- a person with an `external_id` who is missing from the file is deactivated, never deleted, and
  their web sessions end;
- people created by hand (no `external_id`) are never touched.

One audit entry (`register.import`) records the counts and the SHA-256 of the file.

Speed (72,000 lines in well under a minute, on SQLite and PostgreSQL): the existing register is read
in one query into a dict and compared in memory; no ORM object is built and no query is sent per person.
Writes are bulk statements: on SQLite `executemany` of one prepared INSERT/UPDATE (fast, all in C); on
PostgreSQL `COPY` (into `people` for new people, into a temporary table then one `UPDATE … FROM` for
changed ones), because psycopg's `executemany` sends one statement per row and SQLAlchemy's
multi-row INSERTs spend their time in psycopg's query parsing. `bench/import_72k.py` measures it.

Messages are for the secretariat at a terminal, in English like the rest of the command line.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import IO, Any

from sqlalchemy import bindparam, delete, insert, select, text, update
from sqlalchemy.orm import Session

from agora import audit
from agora.accounts.models import WebSession
from agora.db import Database, new_id, utcnow
from agora.people.models import COLLEGE_KEYS, CollegeKey, Person, Region

HEADER = ("external_id", "email", "name", "language", "region", "voting_college", "categories", "shares")
LANGUAGES = ("fr", "nl", "de")
MAX_LENGTH = {"external_id": 64, "email": 254, "name": 200}
MAX_SHARES = 2**31 - 1  # the column is a 32-bit integer on PostgreSQL
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DIGITS = re.compile(r"^[0-9]+$")
BATCH = 2000  # rows per bulk statement; also the IN (...) list size, below every backend's limit
EXIT_INVALID = 2


class RegisterFileError(Exception):
    """The file cannot be imported; `problems` lists every reason, each with its line number."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the register file")
        self.problems = sorted(problems, key=lambda p: p.line)


@dataclass(frozen=True)
class Problem:
    line: int  # 0: the file as a whole
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass(frozen=True)
class Line:
    """One good line of the file, normalised."""

    number: int
    external_id: str
    email: str
    name: str
    language: str
    region: str
    voting_college: str
    categories: str  # sorted, '|'-joined
    shares: int


@dataclass
class Outcome:
    lines: int = 0
    created: int = 0
    updated: int = 0
    deactivated: int = 0
    unchanged: int = 0
    dry_run: bool = False

    def summary(self) -> str:
        counts = (f"{self.created} created, {self.updated} updated, {self.deactivated} deactivated, "
                  f"{self.unchanged} unchanged")
        if self.dry_run:
            return f"dry run: {self.lines} lines checked; would be {counts}; nothing was written"
        return f"member register imported: {self.lines} lines; {counts}"


@dataclass
class _Plan:
    inserts: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    vacate: list[str] = field(default_factory=list)  # ids whose current email another line takes
    deactivate: list[str] = field(default_factory=list)
    unchanged: int = 0


# --- progress bar -----------------------------------------------------------------------------------

class Progress:
    """A one-line progress bar on a terminal; silent when disabled."""

    WIDTH = 30

    def __init__(self, enabled: bool, stream: IO[str] | None = None) -> None:
        self.enabled = enabled
        self.stream = stream or sys.stderr
        self._label, self._total, self._done, self._shown_at = "", 0, 0, 0.0

    def start(self, label: str, total: int) -> None:
        self._label, self._total, self._done, self._shown_at = label, max(total, 1), 0, 0.0
        self._show(force=True)

    def advance(self, count: int = 1) -> None:
        self._done += count
        self._show()

    def finish(self) -> None:
        if self.enabled and self._label:
            self._done = self._total
            self._show(force=True)
            self.stream.write("\n")
            self.stream.flush()
        self._label = ""

    def _show(self, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._shown_at < 0.1:
            return
        self._shown_at = now
        done = min(self._done, self._total)
        filled = self.WIDTH * done // self._total
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        self.stream.write(f"\r{self._label:<10} [{bar}] {100 * done // self._total:3d}%  {done}/{self._total}")
        self.stream.flush()


# --- reading and checking the file ------------------------------------------------------------------

CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")  # Unicode category Cc: NUL, tab, line breaks…
UNDECODABLE = re.compile("[\udc80-\udcff]")  # what surrogateescape made of bytes that are not UTF-8


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(line number where the record starts, fields) for each CSV record."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    previous_end = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise RegisterFileError([Problem(previous_end + 1, f"not readable as CSV ({error}); "
                                             "nothing after this line was checked")]) from None
        yield previous_end + 1, row
        previous_end = reader.line_num


_COLLEGES = frozenset(COLLEGE_KEYS)
_LIMITS = [(HEADER.index(name), name, limit) for name, limit in MAX_LENGTH.items()]


def _check_line(number: int, row: list[str], problems: list[Problem]) -> Line | None:
    """The line's own checks; appends what is wrong to `problems` and returns None, or the good line."""
    found = len(problems)

    def bad(message: str) -> None:
        problems.append(Problem(number, message))

    if len(row) != len(HEADER):
        bad(f"expected {len(HEADER)} fields ({','.join(HEADER)}), found {len(row)}")
        return None
    whole = "".join(row)
    if UNDECODABLE.search(whole):
        bad("not valid UTF-8")
        return None
    values = [value.strip() for value in row]
    if CONTROL.search(whole):
        for column, value in zip(HEADER, values, strict=True):
            if CONTROL.search(value):
                bad(f"{column} contains a control character (line break, tab, NUL…)")
    for index, column, limit in _LIMITS:
        if len(values[index]) > limit:
            bad(f"{column} is too long ({len(values[index])} characters, at most {limit})")
    external_id, email_text, name, language, region, college, categories_text, shares_text = values

    if not external_id:
        bad("external_id is empty")
    if not name:
        bad("name is empty")
    email = email_text.lower()
    if not EMAIL.match(email):
        bad(f"not an email address: {email_text!r}")
    if language not in LANGUAGES:
        bad(f"language must be fr, nl or de, not {language!r}")
    if not region:
        bad("region is empty")
    if college not in _COLLEGES:
        bad(f"unknown voting college {college!r} (members, permanents, clients or partners)")
    categories = {c.strip() for c in categories_text.split("|")} - {""}
    unknown = sorted(categories - _COLLEGES)
    if unknown:
        bad(f"unknown categor{'y' if len(unknown) == 1 else 'ies'}: {', '.join(map(repr, unknown))} "
            "(members, permanents, clients, partners)")
    if college in _COLLEGES and college not in categories:
        bad(f"categories {categories_text!r} must include the voting college {college!r}")
    shares = int(shares_text) if DIGITS.match(shares_text) else -1
    if shares < 0:
        bad(f"shares must be a whole number ≥ 0, not {shares_text!r}")
    elif shares > MAX_SHARES:
        bad(f"shares is too large: {shares_text}")
    if len(problems) > found:
        return None
    return Line(number, external_id, email, name, language, region, college, "|".join(sorted(categories)), shares)


def parse(data: bytes, progress: Progress | None = None) -> list[Line]:
    """Every line of the file, checked on its own and against the other lines (not the database).

    Raises RegisterFileError with every problem found.
    """
    lines, problems = _parse(data, progress or Progress(False))
    if problems:
        raise RegisterFileError(problems)
    return lines


def _parse(data: bytes, progress: Progress) -> tuple[list[Line], list[Problem]]:
    """The good lines and the problems of the others; raises RegisterFileError only when the file
    cannot be read further (header, broken CSV)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    # surrogateescape keeps going past invalid bytes, so that every invalid line can be named.
    text = data.decode("utf-8", errors="surrogateescape")
    problems: list[Problem] = []
    records = _records(text)
    first = next(records, None)
    if first is None:
        raise RegisterFileError([Problem(1, f"the file is empty; expected the header {','.join(HEADER)}")])
    header = [name.strip() for name in first[1]]
    if tuple(header) != HEADER:
        hint = ""
        if len(header) == 1 and ";" in header[0]:  # what a spreadsheet set to Belgian settings writes
            hint = " (the file uses ';' between fields: save it as comma-separated values)"
        raise RegisterFileError([Problem(first[0], f"the header must be exactly {','.join(HEADER)}; "
                                                   f"found {','.join(header)!r}{hint}")])
    lines: list[Line] = []
    external_ids: dict[str, int] = {}
    emails: dict[str, int] = {}
    progress.start("checking", text.count("\n") + (not text.endswith("\n")) - 1)  # lines after the header
    for number, row in records:
        progress.advance()
        if not row:  # a blank line
            continue
        line = _check_line(number, row, problems)
        if line is None:
            continue
        duplicate = False
        if line.external_id in external_ids:
            problems.append(Problem(number, f"external_id {line.external_id!r} already appears on line "
                                            f"{external_ids[line.external_id]}"))
            duplicate = True
        else:
            external_ids[line.external_id] = number
        if line.email in emails:
            problems.append(Problem(number, f"email {line.email!r} already appears on line {emails[line.email]}"))
            duplicate = True
        else:
            emails[line.email] = number
        if not duplicate:
            lines.append(line)
    progress.finish()
    if not lines and not problems:
        problems.append(Problem(0, "the file has no member lines: importing it would deactivate everyone"))
    return lines, problems


# --- comparing with the database and writing -----------------------------------------------------------

_FIELDS = ("email", "name", "language", "region_id", "voting_college", "categories", "shares")


@dataclass(frozen=True)
class _Known:
    """What the database holds about one person, as the import compares it."""

    id: str
    external_id: str | None
    active: bool
    values: tuple[Any, ...]  # _FIELDS, in order


def _known_people(db: Session) -> Iterator[_Known]:
    table = Person.__table__
    columns = [table.c.id, table.c.external_id, table.c.active, *(table.c[name] for name in _FIELDS)]
    college = _FIELDS.index("voting_college")
    for row in db.execute(select(*columns)):
        values = list(row[3:])
        if values[college] is not None:
            values[college] = CollegeKey(values[college]).value
        yield _Known(row[0], row[1], row[2], tuple(values))


def _plan(db: Session, lines: list[Line], problems: list[Problem]) -> _Plan:
    """What the import would do; raises RegisterFileError with `problems` and those found here."""
    regions: dict[str, str] = dict(db.execute(select(Region.slug, Region.id)).all())
    existing: dict[str, _Known] = {}
    by_email: dict[str, _Known] = {}
    email = _FIELDS.index("email")
    for person in _known_people(db):
        if person.external_id is not None:
            existing[person.external_id] = person
        by_email[person.values[email].lower()] = person

    in_file = {line.external_id: line for line in lines}
    plan = _Plan()
    now = utcnow()
    for line in lines:
        region_id = regions.get(line.region)
        if region_id is None:
            problems.append(Problem(line.number, f"unknown region {line.region!r} "
                                                 f"(known: {', '.join(sorted(regions))})"))
        holder = by_email.get(line.email)
        if holder is not None and holder.external_id != line.external_id:
            other = holder.external_id
            # Allowed only when the holder is in the file too, so gives up this address (emails in
            # the file are unique): two people swapping addresses, or one taking over another's.
            if other is None or other not in in_file:
                who = f"external_id {other!r}" if other is not None else "a person created by hand"
                problems.append(Problem(line.number, f"email {line.email!r} is already used by another "
                                                     f"person in the database ({who})"))
            else:
                plan.vacate.append(holder.id)
        if problems:
            continue  # only collecting problems from here on
        values = (line.email, line.name, line.language, region_id, line.voting_college, line.categories,
                  line.shares)
        person = existing.get(line.external_id)
        if person is None:
            plan.inserts.append({"id": new_id(), "external_id": line.external_id,
                                 **dict(zip(_FIELDS, values, strict=True)),
                                 "active": True, "created_at": now, "updated_at": now})
        elif person.active and person.values == values:
            plan.unchanged += 1
        else:
            plan.updates.append({"id": person.id, **dict(zip(_FIELDS, values, strict=True)),
                                 "active": True, "updated_at": now})
    if problems:
        raise RegisterFileError(problems)
    plan.deactivate = [person.id for external_id, person in existing.items()
                       if person.active and external_id not in in_file]
    return plan


def _batches(items: list[Any], size: int = BATCH) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


_INSERT_COLUMNS = ("id", "external_id", *_FIELDS, "active", "created_at", "updated_at")
_UPDATE_COLUMNS = ("id", *_FIELDS, "active", "updated_at")


def _copy(db: Session, table: str, columns: tuple[str, ...], rows: list[dict[str, Any]],
          progress: Progress) -> None:
    """PostgreSQL's COPY: one stream for all rows, ten times faster than INSERTs, even batched ones."""
    naive = {"created_at", "updated_at"} & set(columns)  # UTCDateTime stores naive UTC
    driver = db.connection().connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for count, row in enumerate(rows, 1):
            copy.write_row([row[c].astimezone(UTC).replace(tzinfo=None) if c in naive else row[c]
                            for c in columns])
            if count % BATCH == 0:
                progress.advance(BATCH)
    progress.advance(len(rows) % BATCH)


def _write_postgresql(db: Session, plan: _Plan, progress: Progress) -> None:
    if plan.updates:
        db.execute(text("DROP TABLE IF EXISTS pg_temp.register_update"))
        db.execute(text(f"CREATE TEMPORARY TABLE register_update ON COMMIT DROP AS "  # noqa: S608 (fixed names)
                        f"SELECT {', '.join(_UPDATE_COLUMNS)} FROM people WITH NO DATA"))
        _copy(db, "register_update", _UPDATE_COLUMNS, plan.updates, progress)
        assignments = ", ".join(f"{c} = u.{c}" for c in _UPDATE_COLUMNS if c != "id")
        db.execute(text(f"UPDATE people SET {assignments} FROM register_update u "  # noqa: S608 (fixed names)
                        "WHERE people.id = u.id"))
    _copy(db, "people", _INSERT_COLUMNS, plan.inserts, progress)


def _write_sqlite(db: Session, plan: _Plan, progress: Progress) -> None:
    # sqlite3's executemany is fast: the statement is prepared once and every row bound in C.
    table = Person.__table__
    statement = (update(table).where(table.c.id == bindparam("person_id"))
                 .values({c: bindparam(c) for c in _UPDATE_COLUMNS if c != "id"}))
    for batch in _batches(plan.updates):
        db.execute(statement, [{**row, "person_id": row["id"]} for row in batch])
        progress.advance(len(batch))
    for batch in _batches(plan.inserts):
        db.execute(insert(table), batch)
        progress.advance(len(batch))


def _apply(db: Session, plan: _Plan, progress: Progress) -> None:
    progress.start("writing", len(plan.vacate) + len(plan.updates) + len(plan.inserts) + len(plan.deactivate))
    table = Person.__table__
    # Emails are unique: an address moving from one person to another is first set aside.
    for batch in _batches(plan.vacate):
        db.execute(update(table).where(table.c.id == bindparam("person_id")).values(email=bindparam("moving")),
                   [{"person_id": pid, "moving": f"moving-{pid}@invalid"} for pid in batch])
        progress.advance(len(batch))
    if db.get_bind().dialect.name == "postgresql":
        _write_postgresql(db, plan, progress)
    else:
        _write_sqlite(db, plan, progress)
    now = utcnow()
    for batch in _batches(plan.deactivate):
        db.execute(update(table).where(table.c.id.in_(batch)).values(active=False, updated_at=now))
        db.execute(delete(WebSession.__table__).where(WebSession.__table__.c.person_id.in_(batch)))
        progress.advance(len(batch))
    progress.finish()


def import_register(db: Session, data: bytes, *, dry_run: bool = False, source: str = "",
                    progress: Progress | None = None) -> Outcome:
    """Check `data` (the CSV file's bytes) and, unless `dry_run`, apply it in the caller's transaction.

    Raises RegisterFileError, having written nothing, when any line is bad.
    """
    progress = progress or Progress(False)
    lines, problems = _parse(data, progress)
    return _import_lines(db, data, lines, problems, dry_run=dry_run, source=source, progress=progress)


def _import_lines(db: Session, data: bytes, lines: list[Line], problems: list[Problem], *, dry_run: bool,
                  source: str, progress: Progress) -> Outcome:
    plan = _plan(db, lines, problems)
    outcome = Outcome(lines=len(lines), created=len(plan.inserts), updated=len(plan.updates),
                      deactivated=len(plan.deactivate), unchanged=plan.unchanged, dry_run=dry_run)
    if dry_run:
        return outcome
    _apply(db, plan, progress)
    audit.record(db, "register.import", target_type="register", file=source,
                 sha256=hashlib.sha256(data).hexdigest(), lines=outcome.lines, created=outcome.created,
                 updated=outcome.updated, deactivated=outcome.deactivated, unchanged=outcome.unchanged)
    return outcome


def run_command(database: Database, path: str | Path, *, dry_run: bool = False,
                progress: bool | None = None) -> int:
    """The command: exit status 0, or 2 with every problem on stderr and nothing written.

    `progress`: None shows the bar when stderr is a terminal, True always, False never.
    """
    bar = Progress(sys.stderr.isatty() if progress is None else progress)
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        print(f"agora: cannot read {path}: {error.strerror or error}", file=sys.stderr)
        return EXIT_INVALID
    try:
        # The file's own checks come before the transaction, so that parsing a long file does not
        # hold SQLite's write lock; the checks against the register and the writes share one
        # transaction, so nothing can change in between.
        lines, problems = _parse(data, bar)
        with database.session(write=not dry_run) as db:
            outcome = _import_lines(db, data, lines, problems, dry_run=dry_run, source=Path(path).name,
                                    progress=bar)
            if dry_run:
                db.rollback()
            else:
                db.commit()
    except RegisterFileError as error:
        bar.finish()
        for problem in error.problems:
            print(f"agora: {problem}", file=sys.stderr)
        bad_lines = len({p.line for p in error.problems if p.line})
        print(f"agora: {len(error.problems)} problem(s) on {bad_lines} line(s) of {path}; nothing was written",
              file=sys.stderr)
        return EXIT_INVALID
    print(outcome.summary())
    return 0
