"""CPU per request of the two benchmarked pages, agora's ASGI app called in-process, one request at a time.

    .venv/bin/python bench/page_cpu.py [--proposals 10000] [--posts 500] [--requests 400]

No network and no other thread drawing a page: what a page costs agora's Python and SQLite alone, steady
enough (a few per cent between runs) to compare two versions of a change, where `pages.py` under wrk
moves by a tenth between two runs of the same tree. The data are `pages.py`'s (`prepare`), the member
the same French-speaking one, the app built by `agora.app.create_app` with production settings. Each
page is fetched once and checked as `pages.py` checks it, then timed: the median of three rounds of
`--requests`, in CPU time of this process (`time.process_time`).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

from pages import PROPOSALS_PER_PAGE, check_page, prepare  # noqa: E402

from agora import migrate  # noqa: E402
from agora.app import create_app  # noqa: E402
from agora.db import Database  # noqa: E402
from agora.settings import Settings  # noqa: E402

Call = tuple[int, str]


def scope_of(path: str, cookie: str) -> dict[str, Any]:
    route, _sep, query = path.partition("?")
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
            "path": route, "raw_path": route.encode(), "query_string": query.encode(), "root_path": "",
            "headers": [(b"host", b"127.0.0.1:8000"), (b"accept-language", b"fr"),
                        (b"cookie", f"agora_session={cookie}; __Host-agora_session={cookie}".encode())],
            "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000)}


async def fetch(app: Any, scope: dict[str, Any]) -> Call:
    answer: dict[str, Any] = {"status": 0, "body": b""}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
        elif message["type"] == "http.response.body":
            answer["body"] += message.get("body", b"")

    await app(dict(scope), receive, send)
    return answer["status"], answer["body"].decode()


async def cpu_per_request(app: Any, scope: dict[str, Any], requests: int) -> float:
    """Milliseconds of CPU a request: the median of three rounds, after a warm-up."""
    for _ in range(30):
        await fetch(app, scope)
    rounds = []
    for _ in range(3):
        started = time.process_time()
        for _ in range(requests):
            await fetch(app, scope)
        rounds.append((time.process_time() - started) / requests * 1000)
    return statistics.median(rounds)


async def measure(app: Any, pages: dict[str, str], cookie: str, requests: int) -> dict[str, float]:
    figures = {}
    for kind, path in pages.items():
        scope = scope_of(path, cookie)
        problems = check_page(*await fetch(app, scope), kind)
        if problems:
            raise SystemExit("; ".join(problems))
        figures[kind] = await cpu_per_request(app, scope, requests)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=500)
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="agora-bench-page-cpu-") as tmp:
        url = f"sqlite:///{tmp}/agora.db"
        migrate.upgrade(url)
        thread_id, cookie = prepare(url, args.proposals, args.posts)
        settings = Settings(database_url=url, secret_key="bench-" + "x" * 40, base_url="http://127.0.0.1:8000",
                            var_dir=Path(tmp) / "var", production=True)
        database = Database(url)
        pages = {"proposals": f"/proposals?per_page={PROPOSALS_PER_PAGE}", "thread": f"/forums/threads/{thread_id}"}
        try:
            figures = asyncio.run(measure(create_app(settings, database), pages, cookie, args.requests))
        finally:
            database.dispose()
    for kind, ms in figures.items():
        print(f"{kind}: {ms:.2f} ms of CPU a request (in-process, one at a time, median of 3 x {args.requests})")


if __name__ == "__main__":
    main()
