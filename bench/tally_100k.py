"""`tally_100k`: the results of 100,000 ballots × 5 questions (one of each type), 4 colleges.

    .venv/bin/python bench/tally_100k.py [--ballots 100000] [--repeat 5]

Two figures:
- the pure tally: `Accumulator` fed the 100,000 ballots (already decoded, as dicts) and `tally()`
  computing every result — the arithmetic alone, best and median of --repeat runs;
- the full close on SQLite: `lifecycle.close_now` in its own write transaction, committed — the
  ballots read from the ballot box (JSON decoded row by row), counted, the results and their
  SHA-256 frozen on the consultation, the audit entry — median of 3 closes (the consultation is
  put back to "open" between two).

The data set is built with agora's own code where it matters: a fresh database (`migrate.upgrade`),
125,000 people of the register's college mix (bulk insert), a binding consultation created from the
same definition as bench/ballots.py (`definition.parse`, `services.create`), approved and opened with
`services.approve` and `lifecycle.open_now` (so the electorate is frozen by agora), then the
register rows and ballots inserted in bulk, answers in agora's canonical form.

Checks: the results frozen by the close are exactly the pure tally's, `agora consultation tally`'s
recount agrees with them (same SHA-256), and the register and the ballot box hold one row per voter.
"""

from __future__ import annotations

import argparse
import json
import random
import secrets
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ballots as casting  # the consultation and the ballots of bench/ballots.py

TURNOUT = 0.8  # 125,000 people for 100,000 ballots


def make_ballots(count: int, seed: int) -> list[tuple[str, dict[str, Any]]]:
    rng = random.Random(seed)  # noqa: S311 (reproducible test data)
    return [(casting.random_college(rng), casting.random_answers(rng)) for _ in range(count)]


def pure_tally(ballots: list[tuple[str, dict[str, Any]]], specs: list[Any], rules: Any,
               eligible: dict[str, int]) -> tuple[float, dict[str, Any]]:
    """(seconds, the results "questions" object without the arithmetic) for one complete tally."""
    from agora.consultations.tally import Accumulator, tally

    started = time.perf_counter()
    acc = Accumulator(specs)
    add = acc.add
    for college, answers in ballots:
        add(college, answers)
    counted = tally(specs, rules, eligible, acc)
    elapsed = time.perf_counter() - started
    for result in counted.values():
        result.pop("arithmetic")
    return elapsed, json.loads(json.dumps(counted))


class Fixture:
    """A fresh SQLite database holding one open consultation and its ballots."""

    def __init__(self, directory: Path, ballots: list[tuple[str, dict[str, Any]]], seed: int) -> None:
        from sqlalchemy import insert

        from agora import migrate
        from agora.consultations import lifecycle, services
        from agora.consultations.definition import parse
        from agora.consultations.models import Ballot, VoterRecord
        from agora.consultations.voting import CODE_ALPHABET
        from agora.db import Database, new_id, utcnow
        from agora.people import accounts_admin
        from agora.people.defaults import ensure_defaults
        from agora.people.models import CollegeKey, Person
        from agora.settings import Settings

        url = f"sqlite:///{directory / 'tally.db'}"
        migrate.upgrade(url)
        self.database = Database(url)
        settings = Settings(database_url=url, secret_key="bench-" + "x" * 40, base_url="http://127.0.0.1",
                            var_dir=directory)
        rng = random.Random(seed)  # noqa: S311
        voters = len(ballots)
        people = max(voters, round(voters / TURNOUT))
        now = utcnow()
        with self.database.transaction() as db:
            ensure_defaults(db)
            admin = accounts_admin.create_user(db, "admin1@bench.example", "Admin 1", ["admin"], None)
            approver = accounts_admin.create_user(db, "admin2@bench.example", "Admin 2", ["admin"], None)
            # The voters first, each in the college of their ballot; then people who do not vote.
            colleges = [college for college, _ in ballots] + [casting.random_college(rng)
                                                              for _ in range(people - voters)]
            ids = [new_id() for _ in range(people)]
            rows = [{"id": person_id, "external_id": f"B{n:06d}", "email": f"member{n}@bench.example",
                     "name": f"Membre {n}", "language": "fr", "region_id": None,
                     "voting_college": CollegeKey(college), "categories": college, "shares": 1, "active": True,
                     "password_hash": None, "created_at": now, "updated_at": now}
                    for n, (person_id, college) in enumerate(zip(ids, colleges, strict=True))]
            for start in range(0, len(rows), 10_000):
                db.execute(insert(Person.__table__), rows[start:start + 10_000])
            d = parse(casting.definition(now + timedelta(hours=1), now + timedelta(days=7)),
                      services.defaults(db, settings))
            consultation = services.create(db, d, admin, settings)
            services.approve(db, consultation, approver, now)
            self.admin_id, self.consultation_id = admin.id, consultation.id
        with self.database.transaction() as db:
            opened = lifecycle.open_now(db, self.consultation_id, self.admin_id, utcnow())
            assert opened is not None and opened.electorate is not None
            self.electorate = dict(opened.electorate["by_college"])
        def code() -> str:  # the form of voting.new_tracking_code, from the seeded generator (faster)
            raw = "".join(rng.choices(CODE_ALPHABET, k=16))
            return "-".join(raw[i:i + 4] for i in range(0, 16, 4))

        with self.database.transaction() as db:
            for start in range(0, voters, 10_000):
                chunk = range(start, min(start + 10_000, voters))
                db.execute(insert(VoterRecord.__table__), [
                    {"consultation_id": self.consultation_id, "person_id": ids[n], "college": ballots[n][0],
                     "region_id": None} for n in chunk])
                db.execute(insert(Ballot.__table__), [
                    {"id": secrets.token_hex(16), "consultation_id": self.consultation_id, "college": ballots[n][0],
                     "answers": ballots[n][1], "tracking_code": code(), "change_key": None}
                    for n in chunk])

    def specs_and_rules(self) -> tuple[list[Any], Any]:
        from agora.consultations import results, services

        with self.database.session(write=False) as db:
            consultation = services.get(db, self.consultation_id)
            assert consultation is not None
            return results.specs(consultation), results.rules(consultation)

    def close(self) -> float:
        """Seconds for one close, committed; the consultation is reopened afterwards."""
        from sqlalchemy import update

        from agora.consultations import lifecycle
        from agora.consultations.models import Consultation, Status
        from agora.db import utcnow

        started = time.perf_counter()
        with self.database.transaction() as db:
            closed = lifecycle.close_now(db, self.consultation_id, self.admin_id, utcnow())
            assert closed is not None and closed.status == Status.CLOSED
        elapsed = time.perf_counter() - started
        self.stored = self._stored()
        with self.database.transaction() as db:
            db.execute(update(Consultation).where(Consultation.id == self.consultation_id).values(
                status=Status.OPEN, closed_at=None, results=None, arithmetic=None, results_sha256=None))
        return elapsed

    def _stored(self) -> dict[str, Any]:
        from agora.consultations import services

        with self.database.session(write=False) as db:
            consultation = services.get(db, self.consultation_id)
            assert consultation is not None and consultation.results is not None
            return {"results": consultation.results, "sha256": consultation.results_sha256}

    def recount(self) -> dict[str, Any]:
        """`agora consultation tally`'s own check, on the consultation as closed for the last time."""
        from agora.consultations import lifecycle
        from agora.consultations.cli import recount
        from agora.db import utcnow

        with self.database.transaction() as db:
            lifecycle.close_now(db, self.consultation_id, self.admin_id, utcnow())
        with self.database.session(write=False) as db:
            return recount(db, self.consultation_id)

    def dispose(self) -> None:
        self.database.dispose()


def run(count: int = 100_000, repeat: int = 5, closes: int = 3, seed: int = 1, say: Any = print) -> dict[str, Any]:
    problems: list[str] = []
    started = time.perf_counter()
    ballots = make_ballots(count, seed)
    with tempfile.TemporaryDirectory(prefix="agora-bench-tally-") as tmp:
        fixture = Fixture(Path(tmp), ballots, seed)
        try:
            say(f"  {count} ballots, {round(count / TURNOUT)} people, database built in "
                f"{time.perf_counter() - started:.1f} s")
            specs, rules = fixture.specs_and_rules()
            pure_times = []
            pure_results: dict[str, Any] = {}
            for _ in range(repeat):
                seconds, pure_results = pure_tally(ballots, specs, rules, fixture.electorate)
                pure_times.append(seconds)
            close_times = [fixture.close() for _ in range(closes)]
            stored = fixture.stored["results"]
            if stored["voters"] != count:
                problems.append(f"the close counted {stored['voters']} voters, not {count}")
            if json.dumps(stored["questions"], sort_keys=True) != json.dumps(pure_results, sort_keys=True):
                problems.append("the results frozen at the close differ from the pure tally's")
            report = fixture.recount()
            if not report["agrees"]:
                problems.append(f"agora consultation tally disagrees: {report['sha256']} vs {report['stored_sha256']}")
            if report["ballots"] != count or report["register"] != count:
                problems.append(f"{report['ballots']} ballots and {report['register']} register rows for {count}")
        finally:
            fixture.dispose()
    return {
        "ballots": count, "questions": len(specs), "colleges": sum(1 for n in fixture.electorate.values() if n),
        "pure_s": min(pure_times), "pure_median_s": statistics.median(pure_times), "pure_runs": pure_times,
        "close_s": statistics.median(close_times), "close_runs": close_times, "problems": problems,
    }


def describe(f: dict[str, Any]) -> str:
    return (f"  pure tally of {f['ballots']} ballots × {f['questions']} questions, {f['colleges']} colleges: "
            f"best {f['pure_s'] * 1000:.0f} ms, median {f['pure_median_s'] * 1000:.0f} ms "
            f"({len(f['pure_runs'])} runs)\n"
            f"  close on SQLite (read, count, freeze, commit): median {f['close_s'] * 1000:.0f} ms "
            f"({', '.join(f'{t * 1000:.0f}' for t in f['close_runs'])} ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    figures = run(args.ballots, args.repeat)
    print(describe(figures))
    for problem in figures["problems"]:
        print(f"  PROBLEM: {problem}")
    sys.exit(1 if figures["problems"] else 0)


if __name__ == "__main__":
    main()
