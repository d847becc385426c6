"""`deliberation_pages`: how long the proposals list and a 500-post forum thread take to render.

    .venv/bin/python bench/deliberation_pages.py [--proposals 1000] [--posts 500] [--rounds 30]
                                                  [--database-url postgresql://…]

What it does:
1. a fresh database (a SQLite file in a temporary directory by default), migrated with agora's own
   migrations, regions and colleges by default;
2. 200 people; N proposals written through agora's services (published, indexed for search, spread
   over regions, themes and sectors), with supports and comments so that every sort has work to do;
   one forum thread with P posts (a third of them quote an earlier post);
3. the app in this process (Starlette TestClient, the whole request path: session, CSRF, language,
   database, Jinja), signed in as a member, after ANALYZE (fresh planner statistics, as PostgreSQL's
   autovacuum gathers them in production); each page is requested once to warm up, then R times;
4. prints, per page: median and 95th percentile in milliseconds, the size of the HTML and the number
   of SQL statements (the same for every page of the list: nothing grows with the page).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agora import migrate  # noqa: E402
from agora.app import create_app  # noqa: E402
from agora.db import Database  # noqa: E402
from agora.people.defaults import ensure_defaults  # noqa: E402
from agora.settings import Settings  # noqa: E402

WORDS = ["atelier", "vélo", "potager", "crèche", "fonds", "solidarité", "formation", "outils", "cantine",
         "covoiturage", "local", "bureau", "assemblée", "transparence", "horaires", "énergie", "entraide",
         "mutuelle", "artistes", "chantier"]


def populate(database: Database, proposals: int, posts: int) -> str:
    from agora.accounts.services import hash_password
    from agora.deliberation.scope import SECTORS, THEMES, parse_scope
    from agora.forums import services as forums
    from agora.forums.models import ForumSpace, SpaceKind
    from agora.moderation import services as moderation
    from agora.people.accounts_admin import create_user
    from agora.people.models import Person
    from agora.proposals import access
    from agora.proposals import services as proposal_services
    from agora.web.endpoint import load_principal

    regions = ["brussels", "liege", "gent", "namur", "eupen", "antwerpen"]
    with database.transaction() as db:
        ensure_defaults(db)
        moderation.save_settings(db, 0, 1000, 1, actor_id=None)
        password = hash_password("bench-password-2026")
        for n in range(200):
            person = create_user(db, f"p{n}@bench.example", f"Personne {n}", [], None, region=regions[n % 6],
                                 voting_college="members", shares=1, categories="members")
            person.password_hash = password
        db.flush()
        people = [load_principal(db, p) for p in db.query(Person).order_by(Person.email).all()]
        for n in range(proposals):
            author = people[n % len(people)]
            scope = ("region", regions[n % 6]) if n % 3 == 0 else ("sector", list(SECTORS)[n % 10]) \
                if n % 3 == 1 else ("", "")
            title = " ".join(WORDS[(n + k) % len(WORDS)] for k in range(4)).capitalize() + f" n° {n}"
            body = " ".join(WORDS[(n * k) % len(WORDS)] for k in range(60))
            draft = proposal_services.check_draft(title, body, "fr", parse_scope(db, *scope),
                                                  list(THEMES)[n % len(THEMES)])
            proposal = proposal_services.create(db, author, draft, publish_now=True)
            for k in range(n % 7):
                supporter = people[(n + k + 1) % len(people)]
                proposal_services.support(db, supporter, access.access_proposal(db, supporter, proposal.id))
            for k in range(n % 4):
                proposal_services.add_comment(db, people[(n + k + 3) % len(people)], proposal, f"Avis {k}",
                                              ("for", "against", "neutral")[k % 3])
        space = ForumSpace(slug="bench", kind=SpaceKind.THEME, names={"fr": "Banc d'essai"})
        db.add(space)
        db.flush()
        thread = forums.start_thread(db, people[0], space, "Un long fil", "Le premier message.", "fr")
        first_posts: list[str] = []
        for n in range(posts - 1):
            writer = people[(n + 1) % len(people)]
            locked = forums.access_thread(db, writer, thread.id, for_update=True)
            quote = first_posts[n % len(first_posts)] if first_posts and n % 3 == 0 else ""
            post = forums.reply(db, writer, locked, f"Réponse **{n}** : " + " ".join(WORDS[: 10 + n % 20]), quote)
            if len(first_posts) < 20:
                first_posts.append(post.id)
        moderation.save_settings(db, 0, 10, 5, actor_id=None)
        return thread.id


def measure(client: Any, database: Database, path: str, rounds: int) -> dict[str, Any]:
    statements: list[str] = []

    def count(*_args: Any) -> None:
        statements.append("")

    client.get(path)
    timings = []
    event.listen(database.engine, "before_cursor_execute", count)
    try:
        for _ in range(rounds):
            statements.clear()
            started = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (path, response.status_code)
    finally:
        event.remove(database.engine, "before_cursor_execute", count)
    timings.sort()
    return {"path": path, "median": statistics.median(timings), "p95": timings[int(len(timings) * 0.95) - 1],
            "kib": len(response.content) / 1024, "queries": len(statements)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--proposals", type=int, default=1000)
    parser.add_argument("--posts", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    args = parser.parse_args()
    from starlette.testclient import TestClient

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        if url.startswith("postgres"):
            url = "postgresql+psycopg:" + url.split(":", 1)[1]
        migrate.upgrade(url)
        database = Database(url)
        started = time.perf_counter()
        thread_id = populate(database, args.proposals, args.posts)
        with database.engine.connect() as conn:  # fresh statistics, as PostgreSQL's autovacuum would gather
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
        print(f"data: {args.proposals} proposals, a thread of {args.posts} posts, "
              f"written in {time.perf_counter() - started:.1f} s ({database.engine.dialect.name})")
        settings = Settings(database_url=url, secret_key="bench-" + "x" * 40, base_url="http://testserver",
                            var_dir=Path(tmp) / "var")
        with TestClient(create_app(settings, database), base_url="http://testserver") as client:
            page = client.get("/signin")
            token = page.text.split('name="csrf-token" content="')[1].split('"')[0]
            signed = client.post("/signin", data={"email": "p1@bench.example", "password": "bench-password-2026",
                                                  "csrf_token": token}, follow_redirects=False)
            assert signed.status_code == 303
            last = (args.posts - 1) // 50 + 1
            paths = ["/proposals", "/proposals?page=5", "/proposals?sort=supported", "/proposals?sort=discussed",
                     "/proposals?q=atelier+velo", "/proposals?region=liege&theme=work",
                     f"/forums/threads/{thread_id}", f"/forums/threads/{thread_id}?page={last}"]
            print(f"{'page':48} {'median ms':>10} {'p95 ms':>8} {'KiB':>7} {'queries':>8}")
            for path in paths:
                result = measure(client, database, path, args.rounds)
                shown = path.replace(thread_id, f"<{args.posts} posts>")
                print(f"{shown:48} {result['median']:10.1f} {result['p95']:8.1f} {result['kib']:7.1f} "
                      f"{result['queries']:8d}")
        database.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
