"""`ballots_sqlite`: voters casting ballots through the HTTP API against `agora serve` on SQLite.

    .venv/bin/python bench/ballots.py [--voters 2000] [--connections 32] [--generator auto|wrk|python]

What it does, as a user would:
1. a fresh SQLite database file in a temporary directory, `agora db upgrade` (subprocess);
2. two administrators and N voters (one college each, one share each, so eligible to a binding
   consultation), each with their own API token, created with agora's own code
   (`accounts_admin.create_user`, `accounts.create_token`) before the server starts;
3. `agora serve` started as a subprocess with production settings (AGORA_ENV=production);
4. a binding consultation with five questions (one of each type, texts in French, Dutch and German)
   created, approved by the second administrator and opened through the admin API;
5. the load: every voter POSTs their own ballot once (`/api/v1/consultations/{id}/ballot`, their
   own bearer token), over C keep-alive connections from a second process: `wrk` with
   bench/ballots.lua when wrk is installed, else a Python generator (two processes of threads with
   http.client); the generator's CPU use is measured, and the server's;
6. the checks: zero errors, every voter got a tracking code; after the run, participation, close
   (through the API), `agora consultation tally ID` (the recount agrees with the frozen results),
   `agora audit verify`, and a direct look at the database: exactly N ballots and N register rows,
   the register names exactly the N voters, the tracking codes the voters received are exactly
   those in the ballot box, and the colleges agree between register and ballot box;
7. the baseline, in the same run and directory: raw SQLite commits/s with agora's durability
   settings (WAL, synchronous=FULL, busy_timeout), one single-row INSERT per BEGIN IMMEDIATE
   transaction, from C threads with a connection each (the same concurrency), measured just before
   and just after the load (the mean is the baseline; the disk is shared and drifts); and, for
   information, the same with a single writer.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import multiprocessing
import os
import random
import resource
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
AGORA = str(ROOT / ".venv" / "bin" / "agora")
LUA = BENCH / "ballots.lua"

# --- the consultation and its ballots (shared with tally_100k) -----------------------------------

COLLEGE_MIX = (("members", 86), ("permanents", 1), ("clients", 10), ("partners", 3))  # the register's mix
WEIGHTS = {"members": 0.55, "permanents": 0.25, "clients": 0.10, "partners": 0.10}
OPTIONS = {"q2": ("a", "b", "c", "d"), "q3": ("a", "b", "c", "d", "e"), "q4": ("a", "b", "c", "d"),
           "q5": ("a", "b", "c", "d")}
MAX_CHOICES = 3
BUDGET = 100


def _texts(name: str) -> dict[str, str]:
    return {"fr": f"{name} (français, « é »)", "nl": f"{name} (Nederlands)", "de": f"{name} (Deutsch, ß)"}


def _options(ref: str) -> list[dict[str, Any]]:
    return [{"key": key, "label": _texts(f"{ref} option {key}")} for key in OPTIONS[ref]]


def questions() -> list[dict[str, Any]]:
    """Five questions, one of each type (API.md "Consultations"), in the three official languages."""
    return [
        {"ref": "q1", "type": "yes_no", "decision_type": "ordinary", "title": _texts("q1")},
        {"ref": "q2", "type": "single_choice", "decision_type": "ordinary", "title": _texts("q2"),
         "options": _options("q2")},
        {"ref": "q3", "type": "multiple_choice", "decision_type": "ordinary", "max_choices": MAX_CHOICES,
         "title": _texts("q3"), "options": _options("q3")},
        {"ref": "q4", "type": "ranking", "decision_type": "ordinary", "title": _texts("q4"),
         "options": _options("q4")},
        {"ref": "q5", "type": "budget", "decision_type": "extraordinary", "budget_total": BUDGET,
         "title": _texts("q5"), "options": _options("q5")},
    ]


def definition(opens_at: datetime, closes_at: datetime) -> dict[str, Any]:
    return {
        "title": _texts("Bench consultation"),
        "description": {"fr": "Consultation de mesure", "nl": "Meetraadpleging", "de": "Messbefragung"},
        "binding": True,
        "eligibility": {"colleges": list(WEIGHTS), "regions": None},
        "weighting": {"mode": "colleges", "weights": WEIGHTS},
        "quorum": {"mode": "global", "ordinary": 0.15, "extraordinary": 0.20},
        "allow_change": False,
        "opens_at": opens_at.isoformat(),
        "closes_at": closes_at.isoformat(),
        "questions": questions(),
    }


def random_college(rng: random.Random) -> str:
    return rng.choices([c for c, _ in COLLEGE_MIX], [w for _, w in COLLEGE_MIX])[0]


def random_answers(rng: random.Random) -> dict[str, Any]:
    """One valid ballot, already in agora's canonical form (multiple choice in option order, budget
    with every option); about 5 % abstain on each question."""
    def abstains() -> bool:
        return rng.random() < 0.05

    answers: dict[str, Any] = {}
    answers["q1"] = "abstain" if abstains() else ("yes" if rng.random() < 0.58 else "no")
    answers["q2"] = "abstain" if abstains() else rng.choices(OPTIONS["q2"], (40, 30, 20, 10))[0]
    if abstains():
        answers["q3"] = "abstain"
    else:
        chosen = set(rng.sample(OPTIONS["q3"], rng.randint(1, MAX_CHOICES)))
        answers["q3"] = [o for o in OPTIONS["q3"] if o in chosen]
    if abstains():
        answers["q4"] = "abstain"
    else:
        order = list(OPTIONS["q4"])
        rng.shuffle(order)
        answers["q4"] = order if rng.random() < 0.7 else order[:2]  # partial rankings too
    if abstains():
        answers["q5"] = "abstain"
    else:
        cuts = sorted(rng.randint(0, BUDGET) for _ in range(len(OPTIONS["q5"]) - 1))
        bounds = [0, *cuts, BUDGET]
        answers["q5"] = {o: bounds[i + 1] - bounds[i] for i, o in enumerate(OPTIONS["q5"])}
    return answers


# --- small tools ---------------------------------------------------------------------------------

def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-p * len(ordered) // 100))))
    return ordered[rank - 1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a running process, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> float:
    """`cpu_seconds` of a process and of its children (the workers of `agora serve --workers N`)."""
    total = cpu_seconds(pid)
    with contextlib.suppress(OSError):
        for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
            with contextlib.suppress(OSError):
                total += tree_cpu_seconds(int(child))
    return total


class Api:
    """JSON calls for the set-up and the checks (not the load), a connection each."""

    def __init__(self, port: int) -> None:
        self.port = port

    def call(self, method: str, path: str, token: str, body: Any = None) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            conn.request(method, path, body=data, headers=headers)
            response = conn.getresponse()
            raw = response.read()
        finally:
            conn.close()
        try:
            return response.status, json.loads(raw) if raw else None
        except ValueError:
            return response.status, raw.decode(errors="replace")

    def ok(self, method: str, path: str, token: str, body: Any = None, status: int = 200) -> Any:
        got, data = self.call(method, path, token, body)
        if got != status:
            raise BenchError(f"{method} {path}: expected {status}, got {got}: {data}")
        return data


class BenchError(Exception):
    """The benchmark could not run, or a correctness check failed."""


# --- the server ----------------------------------------------------------------------------------

def environment(directory: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AGORA_") and k not in ("PYTHONDEVMODE", "PYTHONWARNINGS")}
    env.update({
        "AGORA_ENV": "production",
        "AGORA_DATABASE_URL": f"sqlite:///{directory / 'agora.db'}",
        "AGORA_VAR_DIR": str(directory / "var"),
        "AGORA_SECRET_KEY": secrets.token_urlsafe(48),
        "AGORA_BASE_URL": f"http://127.0.0.1:{port}",
    })
    return env


def agora(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([AGORA, *args], env=env, capture_output=True, text=True, check=False, timeout=300)
    if check and result.returncode != 0:
        raise BenchError(f"agora {' '.join(args)} exited {result.returncode}:\n{result.stdout}{result.stderr}")
    return result


@contextlib.contextmanager
def served(env: dict[str, str], port: int, log: Path, workers: int = 1) -> Iterator[subprocess.Popen[bytes]]:
    """`agora serve` as a user starts it; stopped (SIGTERM, then SIGKILL) on the way out."""
    with log.open("wb") as out:
        process = subprocess.Popen([AGORA, "serve", "--host", "127.0.0.1", "--port", str(port),
                                    "--log-level", "warning", "--workers", str(workers)],
                                   env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise BenchError(f"agora serve exited {process.returncode}:\n{log.read_text(errors='replace')}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise BenchError("agora serve did not listen within 60 s") from None
                time.sleep(0.05)
        wait_for_workers(port, workers, deadline, process)
        try:
            yield process
        except BenchError as error:  # a set-up call or a check went wrong: say what the server said
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-40:])
            raise BenchError(f"{error}\n--- {log.name}, last lines ---\n{tail}") from None
    finally:
        stop_process(process)


def listening_sockets(port: int) -> int:
    """How many sockets listen on 127.0.0.1:`port` (/proc/net/tcp): one per worker of `--workers N`,
    each worker listening on its own socket (agora/serving.py)."""
    local = f"0100007F:{port:04X}"
    rows = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(1 for line in rows if (fields := line.split())[1] == local and fields[3] == "0A")


def wait_for_workers(port: int, workers: int, deadline: float, process: subprocess.Popen[bytes]) -> None:
    """Until every worker listens: a load that starts while one worker is up puts all its keep-alive
    connections on that worker."""
    while workers > 1 and listening_sockets(port) < workers:
        if process.poll() is not None or time.monotonic() > deadline:
            raise BenchError(f"{listening_sockets(port)} of {workers} workers listen on port {port}")
        time.sleep(0.05)


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, and SIGKILL after 20 s: a server of the bench is never left running."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- people --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Voter:
    id: str
    college: str
    token: str


def create_people(database_url: str, voters: int, seed: int) -> tuple[list[str], list[Voter]]:
    """(two admin tokens, the voters), created with agora's own account code in one transaction."""
    from agora.accounts import services as accounts
    from agora.db import Database
    from agora.people import accounts_admin

    rng = random.Random(seed)  # noqa: S311 (reproducible test data)
    database = Database(database_url)
    try:
        with database.transaction() as db:
            admins = []
            for n in (1, 2):
                admin = accounts_admin.create_user(db, f"admin{n}@bench.example", f"Admin {n}", ["admin"], None)
                admins.append(accounts.create_token(db, admin, "bench"))
            people = []
            for n in range(voters):
                college = random_college(rng)
                person = accounts_admin.create_user(db, f"voter{n}@bench.example", f"Électeur {n}", [], None,
                                                    language=rng.choice(("fr", "nl", "de")),
                                                    voting_college=college, shares=1)
                people.append(Voter(person.id, college, accounts.create_token(db, person, "bench")))
    finally:
        database.dispose()
    return admins, people


def create_people_in_bulk(database_url: str, voters: int, seed: int) -> tuple[list[str], list[Voter]]:
    """As `create_people`, for large sets on PostgreSQL (where agora's one-by-one account code costs
    some ten round trips a person): the two administrators through agora's code, the voters and
    their tokens as bulk INSERTs of the rows agora's code writes (no audit entry for them: data
    set building is not what is measured)."""
    from sqlalchemy import insert

    from agora.accounts import services as accounts
    from agora.accounts.models import ApiToken
    from agora.db import Database, new_id
    from agora.people import accounts_admin
    from agora.people.models import Person

    rng = random.Random(seed)  # noqa: S311 (reproducible test data)
    database = Database(database_url)
    try:
        with database.transaction() as db:
            admins = []
            for n in (1, 2):
                admin = accounts_admin.create_user(db, f"admin{n}@bench.example", f"Admin {n}", ["admin"], None)
                admins.append(accounts.create_token(db, admin, "bench"))
            people, person_rows, token_rows = [], [], []
            for n in range(voters):
                college, person_id = random_college(rng), new_id()
                token = accounts.TOKEN_PREFIX + secrets.token_urlsafe(32)
                person_rows.append({"id": person_id, "email": f"voter{n}@bench.example", "name": f"Électeur {n}",
                                    "language": rng.choice(("fr", "nl", "de")), "voting_college": college,
                                    "shares": 1})
                token_rows.append({"id": new_id(), "person_id": person_id, "token_hash": accounts.sha256(token),
                                   "label": "bench"})
                people.append(Voter(person_id, college, token))
            for start in range(0, voters, 5000):
                db.execute(insert(Person), person_rows[start:start + 5000])
                db.execute(insert(ApiToken), token_rows[start:start + 5000])
    finally:
        database.dispose()
    return admins, people


# --- the baseline: raw SQLite commits ------------------------------------------------------------

def _run_writers(commits: int, writers: int, connect: Any, write_one: Any) -> float:
    """The harness of both baselines: `writers` threads, each with its own connection
    (`connect()`), share `commits` single-row commits (`write_one(conn, payload)` writes and commits
    one); all start together at a barrier, and the clock runs from the barrier to the last join.
    Returns commits/s; raises BenchError if a writer failed."""
    payload = json.dumps(random_answers(random.Random(1)))  # noqa: S311
    shares = [commits // writers + (1 if i < commits % writers else 0) for i in range(writers)]
    barrier = threading.Barrier(writers + 1)
    failures: list[BaseException] = []

    def write(count: int) -> None:
        try:
            with contextlib.closing(connect()) as conn:
                barrier.wait()
                for _ in range(count):
                    write_one(conn, payload)
        except BaseException as error:  # reported below
            failures.append(error)
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.abort()

    threads = [threading.Thread(target=write, args=(count,)) for count in shares]
    for thread in threads:
        thread.start()
    with contextlib.suppress(threading.BrokenBarrierError):
        barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise BenchError(f"raw baseline failed: {failures[0]!r}")
    return commits / elapsed


def raw_commits(path: Path, commits: int, writers: int) -> float:
    """Commits/s: `writers` threads, a connection each, agora's PRAGMAs, one single-row INSERT per
    BEGIN IMMEDIATE ... COMMIT, `commits` in all."""
    path.unlink(missing_ok=True)
    setup = sqlite3.connect(path, isolation_level=None)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute("CREATE TABLE box (id TEXT PRIMARY KEY, consultation_id TEXT, answers TEXT) WITHOUT ROWID")
    setup.close()

    def connect() -> sqlite3.Connection:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10)
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=10000", "synchronous=FULL"):
            conn.execute(f"PRAGMA {pragma}")
        return conn

    def write_one(conn: sqlite3.Connection, payload: str) -> None:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO box VALUES (?, ?, ?)", (secrets.token_hex(16), "c", payload))
        conn.execute("COMMIT")

    rate = _run_writers(commits, writers, connect, write_one)
    count = sqlite3.connect(path).execute("SELECT count(*) FROM box").fetchone()[0]
    if count != commits:
        raise BenchError(f"raw SQLite baseline stored {count} rows, not {commits}")
    return rate


def raw_postgres_commits(url: str, commits: int, writers: int) -> float:
    """Commits/s on PostgreSQL at the same concurrency: `writers` threads, a connection each, one
    single-row INSERT per transaction, committed (synchronous_commit as the server has it: on)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_raw_box")
        conn.execute("CREATE TABLE bench_raw_box (id TEXT PRIMARY KEY, consultation_id TEXT, answers TEXT)")

    def write_one(conn: Any, payload: str) -> None:
        conn.execute("INSERT INTO bench_raw_box VALUES (%s, %s, %s)", (secrets.token_hex(16), "c", payload))
        conn.commit()

    try:
        rate = _run_writers(commits, writers, lambda: psycopg.connect(url), write_one)
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            count = conn.execute("SELECT count(*) FROM bench_raw_box").fetchone()[0]
            conn.execute("DROP TABLE bench_raw_box")
    if count != commits:
        raise BenchError(f"raw PostgreSQL baseline stored {count} rows, not {commits}")
    return rate


def empty_postgres(url: str) -> None:
    """Creates the database when it does not exist yet (a fresh CI machine), else empties it."""
    import psycopg

    base, _slash, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


# --- load generators -----------------------------------------------------------------------------

@dataclass
class Load:
    generator: str
    sent: int
    received: int
    statuses: dict[str, int]
    socket_errors: dict[str, int]  # as the generator counts them (see errors below)
    codes: list[str]
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    cpu_seconds: float
    late: int = 0  # paced runs (rate > 0): ballots sent more than 10 ms after their due time
    worst_late_s: float = 0.0
    stopped_by_time: bool = False  # paced runs with `seconds`: the time was up before the last line


def run_wrk(url: str, lines_file: Path, total: int, connections: int, directory: Path, rate: float = 0.0,
            seconds: float = 0.0) -> Load:
    """wrk with bench/ballots.lua: every line of `lines_file` sent once; `rate` > 0 paces the ballots
    at that many a second (constant arrival rate, see the script), and `seconds` > 0 then stops
    offering them that long after the first."""
    result_file = directory / "wrk-result.json"
    env = {**os.environ, "AGORA_BENCH_VOTERS": str(lines_file), "AGORA_BENCH_RESULT": str(result_file),
           "AGORA_BENCH_RATE": str(rate), "AGORA_BENCH_SECONDS": str(seconds)}
    # An upper bound that a slow server must not reach (the script stops wrk once the last answer is
    # in): at least 5 ballots/s, or for a paced run its schedule plus at least 2 ballots/s. wrk stops
    # at the limit with ballots in flight, which then count as never answered.
    limit = 60 + (int(total / rate) + total // 2 if rate > 0 else total // 5)
    with (directory / "wrk.out").open("wb") as out:
        process = subprocess.Popen(["wrk", "-t1", f"-c{min(connections, total)}", f"-d{limit}s", "--timeout", "60s",
                                    "-s", str(LUA), url], env=env, stdout=out, stderr=subprocess.STDOUT)
    # The script interrupts wrk itself once the last answer is in, and leaves a marker first; should
    # the signal not stop it (it always has), it is sent again from here.
    marker = Path(f"{result_file}.done")
    marked_at = None
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if marked_at is None and marker.exists():
            marked_at = time.monotonic()
        elif marked_at is not None and time.monotonic() - marked_at > 3:
            process.send_signal(signal.SIGINT)
            marked_at = time.monotonic()
        time.sleep(0.05)
    process.returncode = os.waitstatus_to_exitcode(status)
    output = (directory / "wrk.out").read_text(errors="replace")
    if process.returncode != 0 or not result_file.exists():
        raise BenchError(f"wrk failed ({process.returncode}):\n{output}")
    data = json.loads(result_file.read_text())
    latency = data["latency_us"]
    return Load(
        generator="wrk", sent=data["sent"], received=data["received"], statuses=data["statuses"],
        socket_errors=data["socket_errors"], codes=data["codes"],
        seconds=data["last_received"] - data["first_sent"],
        p50_ms=latency["p50"] / 1000, p90_ms=latency["p90"] / 1000, p99_ms=latency["p99"] / 1000,
        max_ms=latency["max"] / 1000, cpu_seconds=usage.ru_utime + usage.ru_stime,
        late=int(data.get("late", 0)), worst_late_s=float(data.get("worst_late_s", 0.0)),
        stopped_by_time=bool(data.get("stopped_by_time", 0)),
    )


def _python_worker(port: int, path: str, lines: list[tuple[str, str]], threads: int, start_at: float,
                   out: Any) -> None:
    """One generator process: `threads` keep-alive connections sharing `lines`."""
    lock = threading.Lock()
    queue = iter(lines)
    records: list[tuple[float, float, int, str]] = []  # (start, end, status, code)
    errors: list[str] = []

    def connection() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                item = next(queue, None)
            if item is None:
                break
            token, body = item
            started = time.monotonic()
            try:
                conn.request("POST", path, body=body.encode(),
                             headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
                response = conn.getresponse()
                raw = response.read()
            except (OSError, http.client.HTTPException) as error:
                errors.append(repr(error))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            ended = time.monotonic()
            code = ""
            if response.status == 200:
                with contextlib.suppress(ValueError, KeyError, TypeError):
                    code = json.loads(raw)["tracking_code"]
            records.append((started, ended, response.status, code))
        conn.close()

    while time.monotonic() < start_at:
        time.sleep(0.001)
    before = resource.getrusage(resource.RUSAGE_SELF)  # the load only, not the interpreter's start
    workers = [threading.Thread(target=connection) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    out.send((records, errors, usage.ru_utime + usage.ru_stime - before.ru_utime - before.ru_stime))
    out.close()


def run_python(port: int, path: str, lines: list[tuple[str, str]], connections: int, processes: int = 2) -> Load:
    connections = max(1, min(connections, len(lines)))
    processes = max(1, min(processes, connections))
    context = multiprocessing.get_context("spawn")  # a clean interpreter: no SQLAlchemy engine inherited
    start_at = time.monotonic() + 2.0  # after every process has started
    children = []
    for index in range(processes):
        receive, send = context.Pipe(duplex=False)
        threads = connections // processes + (1 if index < connections % processes else 0)
        child = context.Process(target=_python_worker,
                                args=(port, path, lines[index::processes], threads, start_at, send))
        child.start()
        send.close()
        children.append((child, receive))
    records: list[tuple[float, float, int, str]] = []
    errors: list[str] = []
    cpu = 0.0
    for child, receive in children:
        got_records, got_errors, got_cpu = receive.recv()
        records += got_records
        errors += got_errors
        cpu += got_cpu
        child.join()
    latencies = [(end - start) * 1000 for start, end, _status, _code in records]
    seconds = max(end for _s, end, _st, _c in records) - min(start for start, _e, _st, _c in records)
    return Load(
        generator="python", sent=len(records) + len(errors), received=len(records),
        statuses=dict(Counter(str(status) for _s, _e, status, _c in records)),
        socket_errors={"request": len(errors)},
        codes=[code for _s, _e, status, code in records if status == 200 and code], seconds=seconds,
        p50_ms=percentile(latencies, 50), p90_ms=percentile(latencies, 90), p99_ms=percentile(latencies, 99),
        max_ms=max(latencies), cpu_seconds=cpu,
    )


# --- checks in the database ----------------------------------------------------------------------

def check_database(path: Path | str, consultation_id: str, voters: list[Voter], codes: list[str]) -> dict[str, Any]:
    """Read once the server has stopped (plain sqlite3 for a file, psycopg for a PostgreSQL URL);
    `codes` are the tracking codes the voters received (one per acknowledged ballot). Every
    disagreement found is listed."""
    if isinstance(path, str):
        import psycopg

        with psycopg.connect(path) as pg:
            ballots = pg.execute("SELECT tracking_code, college FROM ballot_box WHERE consultation_id = %s",
                                 (consultation_id,)).fetchall()
            register = pg.execute("SELECT person_id, college FROM consultation_register WHERE consultation_id = %s",
                                  (consultation_id,)).fetchall()
        integrity = "ok"
    else:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            ballots = conn.execute("SELECT tracking_code, college FROM ballot_box WHERE consultation_id = ?",
                                   (consultation_id,)).fetchall()
            register = conn.execute("SELECT person_id, college FROM consultation_register WHERE consultation_id = ?",
                                    (consultation_id,)).fetchall()
            integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            conn.close()
    problems = []
    acknowledged = len(codes)
    if len(set(codes)) != acknowledged:
        problems.append("two voters received the same tracking code")
    if len(ballots) != acknowledged:
        problems.append(f"{len(ballots)} ballots in the box for {acknowledged} acknowledged")
    if len(register) != len(ballots):
        problems.append(f"{len(register)} register rows for {len(ballots)} ballots")
    if sorted(code for code, _ in ballots) != sorted(codes):
        problems.append("the tracking codes the voters received are not exactly those in the ballot box")
    colleges = {v.id: v.college for v in voters}
    if len({person for person, _ in register}) != len(register):
        problems.append("someone is in the register twice")
    if not {person for person, _ in register} <= set(colleges):
        problems.append("the register names someone who is not a voter")
    if any(colleges.get(person) != college for person, college in register):
        problems.append("the register puts a voter in another college than theirs")
    if Counter(college for _, college in ballots) != Counter(college for _, college in register):
        problems.append("register and ballot box disagree on the colleges")
    if integrity != "ok":
        problems.append(f"SQLite integrity check: {integrity}")
    return {"ballots": len(ballots), "register": len(register), "problems": problems}


# --- after the load: the checks every casting scenario makes --------------------------------------

def open_consultation(api: Api, admins: list[str]) -> str:
    """The bench consultation created by the first administrator, approved by the second, opened."""
    now = datetime.now(UTC)
    created = api.ok("POST", "/api/v1/consultations", admins[0],
                     definition(now + timedelta(hours=1), now + timedelta(days=1)), status=201)
    cid = created["id"]
    api.ok("POST", f"/api/v1/consultations/{cid}/approve", admins[1])
    opened = api.ok("POST", f"/api/v1/consultations/{cid}/open", admins[0])
    if opened["status"] != "open":
        raise BenchError(f"the consultation did not open: {opened}")
    return str(cid)


def close_and_recount(api: Api, env: dict[str, str], cid: str, admin: str, acknowledged: int) -> list[str]:
    """While the server runs: participation and the results count the acknowledged voters after the
    close (through the API), `agora consultation tally` agrees, `agora audit verify` passes."""
    problems = []
    participation = api.ok("GET", f"/api/v1/consultations/{cid}/participation", admin)
    if participation["voters"] != acknowledged:
        problems.append(f"participation says {participation['voters']} voters, {acknowledged} were acknowledged")
    api.ok("POST", f"/api/v1/consultations/{cid}/close", admin)
    results = api.ok("GET", f"/api/v1/consultations/{cid}/results", admin)
    if results["voters"] != acknowledged:
        problems.append(f"the results count {results['voters']} voters, {acknowledged} were acknowledged")
    recount = agora(env, "consultation", "tally", cid, check=False)
    if recount.returncode != 0:
        problems.append(f"agora consultation tally: exit {recount.returncode}: {recount.stderr.strip()}")
    audit = agora(env, "audit", "verify", check=False)
    if audit.returncode != 0:
        problems.append(f"agora audit verify: exit {audit.returncode}: {audit.stderr.strip()}")
    return problems


def judge_load(load: Load, expected: int, server_log: str) -> tuple[int, list[str], Counter[str]]:
    """(failed ballots, problems, the server's error causes) of a load that should have sent
    `expected` ballots. A failed ballot is an answer other than 200, or a request sent and never
    answered (a read or write error on its connection). wrk's own "timeout" count is not used: it also
    counts, every 2 s, each connection that never had a request to send (c->start == 0), which happens
    when fewer ballots than connections remain; "connect" errors are retried by wrk before a ballot is
    taken. Both stay visible in socket_errors."""
    problems = []
    ok = load.statuses.get("200", 0)
    unanswered = load.sent - load.received
    errors = unanswered + sum(n for status, n in load.statuses.items() if status != "200")
    if errors:
        problems.append(f"{errors} failed ballots: answers {load.statuses}, {unanswered} never answered "
                        f"(socket errors {load.socket_errors})")
    if load.sent != expected:
        problems.append(f"{load.sent} ballots sent for {expected} voters")
    if len(load.codes) != ok:
        problems.append(f"{ok} answers 200 but {len(load.codes)} tracking codes")
    if ("Traceback" in server_log or "ERROR" in server_log) and not errors:
        problems.append("the server logged errors (run with --keep DIR and see DIR/server.log)")
    causes = Counter(line.strip() for line in server_log.splitlines()
                     if line.startswith(("sqlite3.", "sqlalchemy.exc.", "psycopg.")))
    return errors, problems, causes


# --- profiling (investigation only; py-spy is not a dependency) ---------------------------------

def start_profiler(pid: int, out: Path) -> subprocess.Popen[bytes]:
    """py-spy samples the server during the load: --profile x.txt gives collapsed stacks (one line
    per stack, for grep and flamegraph.pl), x.svg a flame graph, x.json speedscope."""
    spy = shutil.which("py-spy") or str(ROOT / ".venv" / "bin" / "py-spy")
    if not Path(spy).exists():
        raise BenchError("--profile needs py-spy: .venv/bin/pip install py-spy")
    kind = {".svg": "flamegraph", ".json": "speedscope"}.get(out.suffix, "raw")
    # AGORA_BENCH_PROFILE_GIL=1: only the thread holding the GIL is sampled (where the CPU of Python goes;
    # without it a thread waiting for the GIL after a C call shows in that call)
    gil = ["--gil"] if os.environ.get("AGORA_BENCH_PROFILE_GIL") == "1" else []
    process = subprocess.Popen([spy, "record", "--pid", str(pid), "--rate", "250", "--threads", "--nonblocking",
                                "--subprocesses", *gil,
                                "--format", kind, "--output", str(out)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(1.0)  # attached before the load starts
    return process


def stop_profiler(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()


# --- the scenario --------------------------------------------------------------------------------

def choose_generator(wanted: str) -> str:
    if wanted == "auto":
        return "wrk" if shutil.which("wrk") else "python"
    if wanted == "wrk" and not shutil.which("wrk"):
        raise BenchError("wrk is not installed (make bench installs it: scripts/bench-packages.sh)")
    return wanted


def run(voters: int = 2000, connections: int = 32, generator: str = "auto", seed: int = 1,
        keep: Path | None = None, profile: Path | None = None, postgres: str | None = None,
        redis: str | None = None, workers: int = 1, say: Any = print) -> dict[str, Any]:
    """Runs the scenario; returns its figures and the list of problems found (empty when correct).
    `postgres` (a postgresql:// URL, its database EMPTIED first) with `redis` and `workers`: the
    same on PostgreSQL, `agora serve --workers N`, against raw PostgreSQL commits."""
    generator = choose_generator(generator)
    with tempfile.TemporaryDirectory(prefix="agora-bench-ballots-") as tmp:
        directory = Path(keep) if keep else Path(tmp)
        directory.mkdir(parents=True, exist_ok=True)
        port = free_port()
        env = environment(directory, port)
        database_file: Path | str = directory / "agora.db"
        if postgres:
            empty_postgres(postgres)
            env["AGORA_DATABASE_URL"] = database_file = postgres
        if redis:
            env["AGORA_REDIS_URL"] = redis
        agora(env, "db", "upgrade")
        started = time.perf_counter()
        if postgres:
            admins, people = create_people_in_bulk("postgresql+psycopg:" + postgres.split(":", 1)[1], voters, seed)
        else:
            admins, people = create_people(env["AGORA_DATABASE_URL"], voters, seed)
        say(f"  {voters} voters with their tokens created in {time.perf_counter() - started:.1f} s")
        rng = random.Random(seed + 1)  # noqa: S311
        lines = [(voter.token, json.dumps({"answers": random_answers(rng)})) for voter in people]
        lines_file = directory / "voters.tsv"
        lines_file.write_text("".join(f"{token}\t{body}\n" for token, body in lines), encoding="utf-8")

        baseline_file = directory / "raw.db"

        def baseline(commits: int, writers: int) -> float:
            if postgres:
                return raw_postgres_commits(postgres, commits, writers)
            return raw_commits(baseline_file, commits, writers)

        baseline_before = baseline(voters, connections)

        problems: list[str] = []
        with served(env, port, directory / "server.log", workers) as server:
            api = Api(port)
            cid = open_consultation(api, admins)
            path = f"/api/v1/consultations/{cid}/ballot"
            server_cpu = tree_cpu_seconds(server.pid)
            profiler = start_profiler(server.pid, profile) if profile else None
            if generator == "wrk":
                load = run_wrk(f"http://127.0.0.1:{port}{path}", lines_file, voters, connections, directory)
            else:
                load = run_python(port, path, lines, connections)
            server_cpu = tree_cpu_seconds(server.pid) - server_cpu
            if profiler:
                stop_profiler(profiler)
            ok = load.statuses.get("200", 0)
            problems += close_and_recount(api, env, cid, admins[0], ok)
        server_log = (directory / "server.log").read_text(errors="replace")

        baseline_after = baseline(voters, connections)
        single_writer = baseline(min(voters, 2000), 1)
        stored = check_database(database_file, cid, people, load.codes)
        problems += stored["problems"]
        errors, load_problems, causes = judge_load(load, voters, server_log)
        problems += load_problems
        lost = max(0, ok - stored["ballots"])
        baseline = (baseline_before + baseline_after) / 2
        return {
            "voters": voters, "connections": connections, "generator": load.generator,
            "ballots_per_s": ok / load.seconds if load.seconds > 0 else 0.0, "seconds": load.seconds,
            "ok": ok, "errors": errors, "lost": lost, "socket_errors": load.socket_errors,
            "stored": stored["ballots"], "register": stored["register"],
            "p50_ms": load.p50_ms, "p90_ms": load.p90_ms, "p99_ms": load.p99_ms, "max_ms": load.max_ms,
            "generator_cpu_s": load.cpu_seconds, "generator_cpu_pct": 100 * load.cpu_seconds / load.seconds,
            "server_cpu_s": server_cpu, "server_cpu_pct": 100 * server_cpu / load.seconds,
            "baseline_commits_per_s": baseline, "baseline_before": baseline_before,
            "baseline_after": baseline_after, "single_writer_commits_per_s": single_writer,
            "error_causes": dict(causes), "problems": problems,
            "backend": "PostgreSQL" if postgres else "SQLite", "workers": workers,
        }


def describe(figures: dict[str, Any]) -> str:
    f = figures
    return (f"  {f['ok']} of {f['voters']} ballots in {f['seconds']:.2f} s = {f['ballots_per_s']:.0f}/s "
            f"({f['connections']} connections, {f['generator']}); latency p50 {f['p50_ms']:.1f} ms, "
            f"p99 {f['p99_ms']:.1f} ms, max {f['max_ms']:.1f} ms\n"
            f"  errors {f['errors']}, lost {f['lost']} (socket errors {f['socket_errors']}); "
            f"stored {f['stored']} ballots, {f['register']} register rows\n"
            f"  CPU: server {f['server_cpu_pct']:.0f} % of a core, generator {f['generator_cpu_pct']:.0f} %\n"
            f"  raw {f.get('backend', 'SQLite')}: {f['baseline_commits_per_s']:.0f} commits/s "
            f"with {f['connections']} writers "
            f"(before {f['baseline_before']:.0f}, after {f['baseline_after']:.0f}); "
            f"{f['single_writer_commits_per_s']:.0f}/s with one writer"
            + "".join(f"\n  server error ×{n}: {cause}" for cause, n in f["error_causes"].items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voters", type=int, default=2000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--generator", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--keep", type=Path, help="work in this directory and leave it (database, logs)")
    parser.add_argument("--profile", type=Path, help="sample the server with py-spy during the load into this "
                                                      "file (.txt collapsed stacks, .svg, .json speedscope)")
    parser.add_argument("--postgres", help="a postgresql:// URL (its database is EMPTIED): ballots_postgres")
    parser.add_argument("--redis", help="with --postgres: the Redis URL of the workers")
    parser.add_argument("--workers", type=int, default=1, help="processes of `agora serve` (2 for ballots_postgres)")
    args = parser.parse_args()
    figures = run(args.voters, args.connections, args.generator, keep=args.keep, profile=args.profile,
                  postgres=args.postgres, redis=args.redis, workers=args.workers)
    print(describe(figures))
    for problem in figures["problems"]:
        print(f"  PROBLEM: {problem}")
    sys.exit(1 if figures["problems"] else 0)


if __name__ == "__main__":
    main()
