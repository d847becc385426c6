"""The closing rush, held for a long time (`make soak`; not in CI):

    .venv/bin/python -m tests.reliability.soak [--minutes 30] [--voters 2000] [--connections 16]

A fresh SQLite database (or AGORA_TEST_DATABASE_URL, emptied), N voters with API tokens, a binding
consultation that allows changing one's ballot, and `agora serve` under a steady stream of ballots and
changed ballots from C connections until the time is up. Every 10 s the server's resident memory is
sampled. At the end: zero errors, memory flat (the median of the last quarter at most 25 % + 30 MB above
that of the second quarter, once warm), every voter acknowledged is in the register once, register and
ballot box agree, the consultation closes, and `agora audit verify` passes.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import requests

from agora import migrate
from agora.accounts import services as accounts
from agora.db import Database
from agora.people.defaults import ensure_defaults
from tests.consultations.support import ANSWERS, Caller, definition
from tests.factories import person
from tests.reliability.crash import audit_verify, check_box, served


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _database(directory: Path) -> str:
    import os

    url = os.environ.get("AGORA_TEST_DATABASE_URL")
    if url:
        from tests.conftest import _empty_postgres, _pg_url

        url = _pg_url(url)
        migrate.upgrade(url)
        _empty_postgres(url)
        return url
    url = f"sqlite:///{directory / 'soak.db'}"
    migrate.upgrade(url)
    return url


def _people(database: Database, voters: int) -> tuple[list[Caller], list[Caller]]:
    made: list[Caller] = []
    with database.transaction() as db:
        ensure_defaults(db)
        for n in range(voters + 2):
            p = person(db, roles=["admin"] if n < 2 else [], password=None, email=f"soak{n}@example.org")
            made.append(Caller(p.id, p.email, accounts.create_token(db, p, "soak")))
    return made[:2], made[2:]


def _open(url: str, admins: list[Caller]) -> str:
    created = requests.post(f"{url}/api/v1/consultations", json=definition(allow_change=True),
                            headers=admins[0].headers, timeout=30)
    created.raise_for_status()
    cid = created.json()["id"]
    for step, who in (("approve", admins[1]), ("open", admins[0])):
        requests.post(f"{url}/api/v1/consultations/{cid}/{step}", headers=who.headers, timeout=30).raise_for_status()
    return str(cid)


def _rush(url: str, cid: str, voters: list[Caller], connections: int, until: float,
          acknowledged: dict[str, str], errors: list[str]) -> int:
    lock = threading.Lock()
    sent = [0]

    def worker(seed: int) -> None:
        rng = random.Random(seed)  # noqa: S311 - a load pattern, not a secret
        http = requests.Session()
        while time.monotonic() < until:
            voter = rng.choice(voters)
            answers = {**ANSWERS, "q1": rng.choice(["yes", "no"])}
            response = http.post(f"{url}/api/v1/consultations/{cid}/ballot", json={"answers": answers},
                                 headers=voter.headers, timeout=30)
            with lock:
                sent[0] += 1
                if response.status_code == 200:
                    acknowledged[voter.id] = response.json()["tracking_code"]
                else:
                    errors.append(f"{response.status_code} {response.text[:200]}")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sent[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--voters", type=int, default=2000)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args(argv)
    directory = Path(tempfile.mkdtemp(prefix="agora-soak-"))
    database_url = _database(directory)
    database = Database(database_url)
    admins, voters = _people(database, args.voters)
    acknowledged: dict[str, str] = {}
    errors: list[str] = []
    samples: list[int] = []
    with served(database_url, directory / "var", directory / "agora.log") as (url, process):
        cid = _open(url, admins)
        until = time.monotonic() + args.minutes * 60
        rush = threading.Thread(target=lambda: sent.append(_rush(url, cid, voters, args.connections, until,
                                                                   acknowledged, errors)))
        sent: list[int] = []
        rush.start()
        while rush.is_alive():
            samples.append(_rss_kib(process.pid))
            rush.join(timeout=10)
        close = requests.post(f"{url}/api/v1/consultations/{cid}/close", headers=admins[0].headers, timeout=60)
    quarter = max(len(samples) // 4, 1)
    warm, last = statistics.median(samples[quarter:2 * quarter] or samples), statistics.median(samples[-quarter:])
    report: dict[str, Any] = {"requests": sent[0] if sent else 0, "errors": len(errors),
                              "voters_acknowledged": len(acknowledged), "rss_warm_mib": round(warm / 1024, 1),
                              "rss_last_mib": round(last / 1024, 1), "samples": len(samples)}
    print(report)
    assert not errors, errors[:5]
    assert close.status_code == 200, close.text
    assert last <= warm * 1.25 + 30 * 1024, f"memory grew: {report}"
    check_box(database, cid, acknowledged)
    audit_verify(database_url, directory / "var")
    database.dispose()
    print("soak passed: zero errors, memory flat, every acknowledged ballot present once, audit log intact")
    return 0


if __name__ == "__main__":
    sys.exit(main())
