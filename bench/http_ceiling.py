"""`http_ceiling`: what Python answers on this machine when a request does no work at all.

    .venv/bin/python bench/http_ceiling.py [--workers 1] [--seconds 10] [--connections 32]

A bare Starlette app whose one route runs an empty function in a worker thread (as agora runs its
units of work) and answers a small JSON body, served by uvicorn with the options of `agora serve`,
loaded by wrk (`bench/page.lua`) exactly as the ballots and the pages are. No database, no template,
no middleware: the most requests a second any handler could reach here, with one process or with
`--workers 2`. Given for information beside `ballots_sqlite` and `ballots_postgres`, whose goals are
set against raw database commits rather than against this (bench/README.md).
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from ballots import BenchError, free_port, stop_process, tree_cpu_seconds, wait_for_workers  # noqa: E402
from pages import PYTHON, run_wrk  # noqa: E402


def make_app() -> Any:
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    def nothing() -> dict[str, str]:
        return {"status": "ok"}

    async def answer(_request: Request) -> JSONResponse:
        return JSONResponse(await run_in_threadpool(nothing))

    return Starlette(routes=[Route("/", answer)])


app = make_app()


@contextlib.contextmanager
def serving(workers: int, log: Path) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    port = free_port()
    code = (f"from agora import serving; serving.run('http_ceiling:app', host='127.0.0.1', port={port}, "
            f"workers={workers}, log_level='warning', proxy_headers=True, access_log=False)")
    with log.open("wb") as out:
        process = subprocess.Popen([PYTHON, "-c", code], cwd=BENCH, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise BenchError(f"the bare app exited:\n{log.read_text(errors='replace')}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            if time.monotonic() > deadline:
                raise BenchError("the bare app did not listen within 60 s")
            time.sleep(0.1)
        wait_for_workers(port, workers, deadline, process)
        yield port, process
    finally:
        stop_process(process)


def run(workers: int = 1, seconds: int = 10, connections: int = 32, say: Any = print) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="agora-bench-ceiling-") as tmp:
        directory = Path(tmp)
        with serving(workers, directory / "server.log") as (port, process):
            run_wrk(f"http://127.0.0.1:{port}/", 1, connections, {}, directory, "warm")
            before = tree_cpu_seconds(process.pid)
            got = run_wrk(f"http://127.0.0.1:{port}/", seconds, connections, {}, directory, "load")
            got["server_cpu_pct"] = 100 * (tree_cpu_seconds(process.pid) - before) / got["seconds"]
    got.update(workers=workers, connections=connections,
               problems=[f"{got['errors']} requests failed"] if got["errors"] else [])
    return got


def describe(f: dict[str, Any]) -> str:
    return (f"  bare app, {f['workers']} process(es): {f['per_s']:.0f} requests/s (p50 {f['p50_ms']:.1f} ms, "
            f"p99 {f['p99_ms']:.1f} ms, {f['connections']} connections, server CPU {f['server_cpu_pct']:.0f} %, "
            f"wrk CPU {f['generator_cpu_pct']:.0f} %, errors {f['errors']})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    print(describe(run(args.workers, args.seconds, args.connections)))


if __name__ == "__main__":
    main()
