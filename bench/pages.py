"""`page_proposals` and `page_thread`: signed-in pages under load, against a bare Starlette baseline.

    .venv/bin/python bench/pages.py [--proposals 10000] [--posts 500] [--seconds 20] [--connections 32]

What it does, as a user would:
1. a fresh SQLite database file, `agora db upgrade` (subprocess), then the data written through
   agora's own services (bench/deliberation_pages.py `populate`): N published proposals with
   supports and comments, and one forum thread of P posts (a third quote an earlier post);
2. a member whose language is French, signed in: a web session created with agora's account code,
   its cookie sent by the load generator on every request;
3. `agora serve` (production settings) in its own process; each page is fetched once and checked
   (200, French, the member signed in, the expected rows), then wrk drives it with C keep-alive
   connections for S seconds from a second process (its CPU use is measured);
4. the baseline, in the same run: bench/page_baseline.py (one SQL query, one Jinja2 template padded
   to the same number of bytes as agora's page) under the same uvicorn and the same wrk load.
The ratio is agora's requests/s over the baseline's.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

from ballots import (  # noqa: E402
    BenchError,
    agora,
    environment,
    free_port,
    served,
    start_profiler,
    stop_process,
    stop_profiler,
    tree_cpu_seconds,
    wait_for_workers,
)

from agora.forums.services import POSTS_PER_PAGE  # noqa: E402
from agora.settings import Settings  # noqa: E402

# agora serve's default AGORA_READ_THREADS: the baseline draws as many pages at once as agora does
READ_THREADS = next(f.default for f in dataclasses.fields(Settings) if f.name == "read_threads")

WARM_UP_S = 2
PROPOSALS_PER_PAGE = 50  # issue 8: "50 per page", asked as ?per_page=50 (agora.proposals.listing.PAGE_SIZES)

LUA = BENCH / "page.lua"
PYTHON = str(ROOT / ".venv" / "bin" / "python")
MEMBER = "p1@bench.example"


WRITTEN = 400  # proposals written through agora's services; the rest are copies of them (see copy_proposals)


def copy_proposals(conn: Any, wanted: int) -> None:
    """Brings the published proposals to `wanted` by copying those agora wrote (each copy a new id, a
    title of its own, published a little earlier): writing 10,000 through the services would take
    minutes, and the list reads only these rows. Supports and comments are counted on each row."""
    columns = [row[1] for row in conn.exec_driver_sql("PRAGMA table_info(proposals)").fetchall()]
    have = conn.exec_driver_sql("SELECT count(*) FROM proposals").scalar_one()
    batch = 0
    while have < wanted:
        batch += 1
        chosen = {"id": "lower(hex(randomblob(16)))", "title": f"title || ' (copie {batch})'",
                  "published_at": f"datetime(published_at, '-{batch} days')",
                  "created_at": f"datetime(created_at, '-{batch} days')",
                  "listed_at": f"datetime(listed_at, '-{batch} days')"}
        select = ", ".join(chosen.get(c, c) for c in columns)
        conn.exec_driver_sql(f"INSERT INTO proposals ({', '.join(columns)}) SELECT {select} FROM proposals "
                             f"WHERE title NOT LIKE '%(copie %' LIMIT {wanted - have}")
        have = conn.exec_driver_sql("SELECT count(*) FROM proposals").scalar_one()


def prepare(database_url: str, proposals: int, posts: int) -> tuple[str, str]:
    """(thread id, session cookie value) — the data and the signed-in member."""
    from deliberation_pages import populate

    from agora.accounts import services as accounts
    from agora.db import Database
    from agora.people.models import Person

    database = Database(database_url)
    try:
        thread_id = populate(database, min(proposals, WRITTEN), posts)
        with database.transaction() as db:
            member = db.query(Person).filter(Person.email == MEMBER).one()
            member.language = "fr"
            cookie = accounts.start_session(db, member, 30).cookie_value
        with database.engine.connect() as conn:
            copy_proposals(conn, proposals)
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    finally:
        database.dispose()
    return thread_id, cookie


def fetch(port: int, path: str, headers: dict[str, str]) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", errors="replace")
    finally:
        conn.close()


def check_page(status: int, html: str, kind: str) -> list[str]:
    problems = []
    if status != 200:
        return [f"{kind}: answered {status}"]
    if not re.search(r'<html[^>]*lang="fr"', html):
        problems.append(f"{kind}: the page is not in French")
    if 'action="/signout"' not in html:
        problems.append(f"{kind}: the member is not signed in")
    shown = html.count('<h2 class="card-title">')
    if kind == "proposals" and shown != PROPOSALS_PER_PAGE:
        problems.append(f"{kind}: {shown} proposals shown, not {PROPOSALS_PER_PAGE}")
    return problems


def run_wrk(url: str, seconds: int, connections: int, headers: dict[str, str], directory: Path,
            label: str) -> dict[str, Any]:
    result_file = directory / f"wrk-{label}.json"
    env = {**os.environ, "AGORA_BENCH_RESULT": str(result_file)}
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(LUA)]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    with (directory / f"wrk-{label}.out").open("wb") as out:
        process = subprocess.Popen([*command, url], env=env, stdout=out, stderr=subprocess.STDOUT)
        _pid, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0 or not result_file.exists():
        raise BenchError(f"wrk failed:\n{(directory / f'wrk-{label}.out').read_text(errors='replace')}")
    data = json.loads(result_file.read_text())
    elapsed = data["duration_us"] / 1e6
    latency = data["latency_us"]
    errors = data["non_2xx"] + sum(data["socket_errors"].values())
    return {"requests": data["requests"], "per_s": data["requests"] / elapsed, "seconds": elapsed,
            "p50_ms": latency["p50"] / 1000, "p99_ms": latency["p99"] / 1000, "max_ms": latency["max"] / 1000,
            "errors": errors, "socket_errors": data["socket_errors"], "non_2xx": data["non_2xx"],
            "kib_per_page": data["bytes"] / max(1, data["requests"]) / 1024,
            "generator_cpu_pct": 100 * (usage.ru_utime + usage.ru_stime) / elapsed}


def warm_up(url: str, seconds: int, connections: int, headers: dict[str, str], directory: Path,
            label: str) -> None:
    """The same load for WARM_UP_S (at most half the measure's length: none for the smoke's 1 s), not
    measured: every worker has drawn the page (templates compiled, caches filled) before the measure
    starts, agora's and the baseline's alike. With several workers the page fetched for the checks
    warmed only one of them."""
    if warm := min(WARM_UP_S, seconds // 2):
        run_wrk(url, warm, connections, headers, directory, f"warm-{label}")


@contextlib.contextmanager
def baseline_server(database: Path, kind: str, target_id: str, size: int, per_page: int,
                    log: Path, workers: int = 1) -> Iterator[int]:
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen([PYTHON, str(BENCH / "page_baseline.py"), "--database", str(database),
                                    "--port", str(port), "--kind", kind, "--target-id", target_id,
                                    "--size", str(size), "--per-page", str(per_page),
                                    "--threads", str(READ_THREADS), "--workers", str(workers)],
                                   stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise BenchError(f"the baseline app exited:\n{log.read_text(errors='replace')}")
            with contextlib.suppress(OSError):
                status, _html = fetch(port, "/", {})
                if status == 200:
                    break
            if time.monotonic() > deadline:
                raise BenchError("the baseline app did not answer within 60 s")
            time.sleep(0.1)
        wait_for_workers(port, workers, deadline, process)
        yield port
    finally:
        stop_process(process)


def run(proposals: int = 10_000, posts: int = 500, seconds: int = 20, connections: int = 32,
        workers: int = 1, redis: str | None = None, profile: Path | None = None,
        say: Any = print) -> dict[str, Any]:
    """`workers`: processes of `agora serve` (with `redis`, which several workers need) and of the
    baseline. `profile`: a directory where py-spy's collapsed stacks of agora's server go, one file a
    page (of its first worker, with several)."""
    with tempfile.TemporaryDirectory(prefix="agora-bench-pages-") as tmp:
        directory = Path(tmp)
        port = free_port()
        env = environment(directory, port)
        if redis:
            env["AGORA_REDIS_URL"] = redis
        agora(env, "db", "upgrade")
        started = time.perf_counter()
        thread_id, cookie = prepare(env["AGORA_DATABASE_URL"], proposals, posts)
        say(f"  {proposals} proposals and a thread of {posts} posts written in {time.perf_counter() - started:.0f} s")
        # Both cookie names: production over plain HTTP on loopback still names it __Host-… when secure.
        headers = {"Cookie": f"agora_session={cookie}; __Host-agora_session={cookie}", "Accept-Language": "fr"}
        pages = {"proposals": f"/proposals?per_page={PROPOSALS_PER_PAGE}", "thread": f"/forums/threads/{thread_id}"}
        figures: dict[str, Any] = {"proposals": proposals, "posts": posts, "seconds": seconds,
                                   "connections": connections, "workers": workers, "problems": []}
        measured: dict[str, dict[str, Any]] = {}
        with served(env, port, directory / "server.log", workers) as server:
            for kind, path in pages.items():
                status, html = fetch(port, path, headers)
                figures["problems"] += check_page(status, html, kind)
                size = len(html.encode())
                profiler = start_profiler(server.pid, profile / f"{kind}.txt") if profile else None
                warm_up(f"http://127.0.0.1:{port}{path}", seconds, connections, headers, directory, kind)
                cpu = tree_cpu_seconds(server.pid)
                got = run_wrk(f"http://127.0.0.1:{port}{path}", seconds, connections, headers, directory, kind)
                if profiler:
                    stop_profiler(profiler)
                got["server_cpu_pct"] = 100 * (tree_cpu_seconds(server.pid) - cpu) / got["seconds"]
                got["bytes"] = size
                measured[kind] = got
        per_page = {"proposals": PROPOSALS_PER_PAGE, "thread": POSTS_PER_PAGE}
        for kind in pages:
            target = thread_id if kind == "thread" else ""
            with baseline_server(directory / "agora.db", kind, target, measured[kind]["bytes"], per_page[kind],
                                 directory / f"baseline-{kind}.log", workers) as base_port:
                status, html = fetch(base_port, "/", {})
                warm_up(f"http://127.0.0.1:{base_port}/", seconds, connections, {}, directory, f"base-{kind}")
                got = run_wrk(f"http://127.0.0.1:{base_port}/", seconds, connections, {}, directory, f"base-{kind}")
                got["bytes"] = len(html.encode())
                measured[kind]["baseline"] = got
        for kind, got in measured.items():
            if got["errors"]:
                figures["problems"].append(f"{kind}: {got['errors']} failed requests ({got['socket_errors']}, "
                                           f"{got['non_2xx']} not 2xx)")
            if got["baseline"]["errors"]:
                figures["problems"].append(f"{kind} baseline: {got['baseline']['errors']} failed requests")
        figures.update(measured)
        return figures


def describe(figures: dict[str, Any]) -> str:
    lines = []
    for kind in ("proposals", "thread"):
        got = figures[kind]
        base = got["baseline"]
        lines.append(
            f"  {kind}: {got['per_s']:.0f} pages/s (p50 {got['p50_ms']:.1f} ms, p99 {got['p99_ms']:.1f} ms, "
            f"{got['bytes'] / 1024:.0f} KiB, server CPU {got['server_cpu_pct']:.0f} %, wrk CPU "
            f"{got['generator_cpu_pct']:.0f} %); baseline {base['per_s']:.0f}/s (p99 {base['p99_ms']:.1f} ms, "
            f"{base['bytes'] / 1024:.0f} KiB) → ratio {got['per_s'] / base['per_s']:.2f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=500)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=1, help="processes of agora and of the baseline")
    parser.add_argument("--redis", help="the Redis URL that several workers need")
    parser.add_argument("--profile", type=Path, help="a directory: py-spy samples agora's server during each "
                                                      "page's load (collapsed stacks, one .txt a page)")
    args = parser.parse_args()
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    figures = run(args.proposals, args.posts, args.seconds, args.connections, args.workers, args.redis,
                  args.profile)
    print(describe(figures))
    for problem in figures["problems"]:
        print(f"  PROBLEM: {problem}")
    sys.exit(1 if figures["problems"] else 0)


if __name__ == "__main__":
    main()
