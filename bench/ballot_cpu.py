"""CPU per ballot cast through the API, agora's ASGI app called in-process, one ballot at a time.

    .venv/bin/python bench/ballot_cpu.py [--ballots 500]

What `ballots.py` measures under wrk moves by a tenth between two runs of the same tree; this is
steady enough to compare two versions of a change. The data are `ballots.py`'s (its voters, its
consultation with five questions, created and opened through the admin API), the app built by
`agora.app.create_app` with production settings on a fresh SQLite file. Each voter casts once, with
their own bearer token; every answer must be 200 with a tracking code. The figure is the median of
three rounds of `--ballots`, in CPU time of this process (`time.process_time`, every thread: the unit
of work runs in anyio's). Each ballot is its own batch of one, committed durably (its fsync is wall
time, not CPU).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

from ballots import BenchError, create_people, open_consultation, random_answers  # noqa: E402

from agora import migrate  # noqa: E402
from agora.app import create_app  # noqa: E402
from agora.db import Database  # noqa: E402
from agora.settings import Settings  # noqa: E402

WARM_UP = 30


class InProcessApi:
    """`ballots.Api`'s calls, answered by the ASGI app in this process, on one event loop."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()

    def call(self, method: str, path: str, token: str, body: Any = None) -> tuple[int, Any]:
        status, raw = self.loop.run_until_complete(self.fetch(method, path, token, body))
        return status, json.loads(raw) if raw else None

    def ok(self, method: str, path: str, token: str, body: Any = None, status: int = 200) -> Any:
        got, data = self.call(method, path, token, body)
        if got != status:
            raise BenchError(f"{method} {path}: expected {status}, got {got}: {data}")
        return data

    async def fetch(self, method: str, path: str, token: str, body: Any = None) -> tuple[int, bytes]:
        data = json.dumps(body).encode() if body is not None else b""
        headers = [(b"host", b"127.0.0.1:8000"), (b"accept-language", b"fr"),
                   (b"authorization", f"Bearer {token}".encode())]
        if body is not None:
            headers += [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
                 "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
                 "headers": headers, "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000)}
        answer: dict[str, Any] = {"status": 0, "body": b""}

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": data, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
            elif message["type"] == "http.response.body":
                answer["body"] += message.get("body", b"")

        await self.app(scope, receive, send)
        return answer["status"], answer["body"]


def cast_all(api: InProcessApi, path: str, ballots: list[tuple[str, dict[str, Any]]]) -> None:
    for token, body in ballots:
        got = api.ok("POST", path, token, body)
        if not got.get("tracking_code"):
            raise BenchError(f"no tracking code: {got}")


def cpu_per_ballot(api: InProcessApi, path: str, ballots: list[tuple[str, dict[str, Any]]], per_round: int) -> float:
    """Milliseconds of CPU a ballot: the median of three rounds, after a warm-up."""
    cast_all(api, path, ballots[:WARM_UP])
    rounds = []
    for n in range(3):
        chunk = ballots[WARM_UP + n * per_round:WARM_UP + (n + 1) * per_round]
        started = time.process_time()
        cast_all(api, path, chunk)
        rounds.append((time.process_time() - started) / per_round * 1000)
    return statistics.median(rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=500, help="ballots in each of the three rounds")
    args = parser.parse_args()
    voters = WARM_UP + 3 * args.ballots
    with tempfile.TemporaryDirectory(prefix="agora-bench-ballot-cpu-") as tmp:
        url = f"sqlite:///{tmp}/agora.db"
        migrate.upgrade(url)
        admins, people = create_people(url, voters, seed=1)
        rng = random.Random(2)  # noqa: S311 (reproducible test data)
        ballots = [(voter.token, {"answers": random_answers(rng)}) for voter in people]
        settings = Settings(database_url=url, secret_key="bench-" + "x" * 40, base_url="http://127.0.0.1:8000",
                            var_dir=Path(tmp) / "var", production=True)
        database = Database(url)
        try:
            api = InProcessApi(create_app(settings, database))
            cid = open_consultation(api, admins)
            ms = cpu_per_ballot(api, f"/api/v1/consultations/{cid}/ballot", ballots, args.ballots)
        finally:
            database.dispose()
    print(f"ballot: {ms:.2f} ms of CPU a ballot (in-process, one at a time, median of 3 x {args.ballots})")


if __name__ == "__main__":
    main()
