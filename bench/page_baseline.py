"""The baseline of `page_proposals` and `page_thread`: a bare Starlette app, one SQL query, one Jinja2 template.

    .venv/bin/python bench/page_baseline.py --database FILE --port N --kind proposals|thread
                                            --target-id ID --size BYTES [--threads 4] [--workers 1]

What a page costs with nothing of agora around it: no session, no permissions, no translations, no
middleware. `GET /` runs one SQL query on the same SQLite file (the same rows agora's page shows: the
first page of the published proposals, newest first, with their authors; or the first page of the
thread's posts with their authors) and renders them through one Jinja2 template, padded to the size
(bytes) of agora's own page, so that both answers carry the same HTML. Served by uvicorn with the
same options as `agora serve` (and served as `agora serve --workers N` serves, a listening socket per
worker, with `--workers N`), and with the same number of threads drawing pages at once as agora's
reads (`--threads`, agora's default `AGORA_READ_THREADS`): with Starlette's default 40 the bare app
itself spends its CPU handing the GIL over, and measured 228-276 pages/s at 32 connections instead of
about 700 (bench/README.md, "Reading units of work in a few threads").
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import threading

import anyio.to_thread
from jinja2 import Environment
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from agora import serving

ARGUMENTS = "AGORA_BENCH_PAGE_BASELINE"  # the arguments, for the workers of --workers N

QUERIES = {
    "proposals": (
        "SELECT p.id, p.title, p.body_html, p.supports_count, p.comments_count, p.published_at, a.name "
        "FROM proposals p JOIN people a ON a.id = p.author_id WHERE p.status != 'draft' "
        "ORDER BY p.published_at DESC LIMIT ?"
    ),
    "thread": (
        "SELECT f.id, f.number, f.body_html, f.created_at, a.name "
        "FROM forum_posts f JOIN people a ON a.id = f.author_id WHERE f.thread_id = ? "
        "ORDER BY f.number LIMIT ?"
    ),
}

TEMPLATE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><main><h1>{{ title }}</h1>
{% for row in rows %}<article id="{{ row[0] }}">
  <h2><a href="/item/{{ row[0] }}">{{ row[1] }}</a></h2>
  <div class="body">{{ row[2] | striptags | truncate(excerpt) }}</div>
  <p class="meta">{{ row[-1] }} · {{ row[3] }} · {{ row[4] }}</p>
</article>
{% endfor %}</main>
<!-- {{ padding }} --></body></html>
"""


def make_app(database: str, kind: str, target_id: str, size: int, per_page: int, threads: int) -> Starlette:
    template = Environment(autoescape=True).from_string(TEMPLATE)
    local = threading.local()

    def connection() -> sqlite3.Connection:
        if not hasattr(local, "conn"):
            local.conn = sqlite3.connect(database, check_same_thread=False)
        return local.conn

    def rows() -> list[tuple[object, ...]]:
        args = (per_page,) if kind == "proposals" else (target_id, per_page)
        return connection().execute(QUERIES[kind], args).fetchall()

    excerpt = 300 if kind == "proposals" else 100_000  # the list shows an excerpt, the thread whole posts
    bare = len(template.render(title=kind, rows=rows(), padding="", excerpt=excerpt).encode())
    padding = "x" * max(0, size - bare)

    def render() -> str:
        return template.render(title=kind, rows=rows(), padding=padding, excerpt=excerpt)

    limiters: list[anyio.CapacityLimiter] = []  # made on the first request, in the server's event loop

    async def page(_request: Request) -> HTMLResponse:
        # In a worker thread, as agora runs its handlers (sync database access), at most `threads` at once.
        if not limiters:
            limiters.append(anyio.CapacityLimiter(threads))
        return HTMLResponse(await anyio.to_thread.run_sync(render, limiter=limiters[0]))

    return Starlette(routes=[Route("/", page)])


def app_from_environment() -> Starlette:
    """The app of a worker of `--workers N`, made from the arguments the parent left in its environment."""
    args = json.loads(os.environ[ARGUMENTS])
    return make_app(args["database"], args["kind"], args["target_id"], args["size"], args["per_page"],
                    args["threads"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--kind", choices=sorted(QUERIES), required=True)
    parser.add_argument("--target-id", default="")
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--per-page", type=int, default=50)
    parser.add_argument("--threads", type=int, default=4, help="pages drawn at once (agora: AGORA_READ_THREADS)")
    parser.add_argument("--workers", type=int, default=1, help="processes, served as `agora serve --workers N`")
    args = parser.parse_args()
    os.environ[ARGUMENTS] = json.dumps(vars(args))
    serving.run("page_baseline:app_from_environment", factory=True, host="127.0.0.1", port=args.port,
                workers=args.workers, log_level="warning", proxy_headers=True, access_log=False)


if __name__ == "__main__":
    main()
