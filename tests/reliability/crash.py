"""`agora serve` as a real process, killed with SIGKILL in the middle of a ballot load, and the checks
that follow every restart: each acknowledged ballot present once, register and ballot box agreeing,
`agora audit verify` passing."""

from __future__ import annotations

import itertools
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests
from sqlalchemy import func, select

from agora.consultations.models import Ballot, VoterRecord
from agora.db import Database
from tests.conftest import TEST_SECRET
from tests.consultations.support import ANSWERS, Caller

AGORA = Path(sys.executable).parent / "agora"


def _env(database_url: str, var_dir: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "AGORA_REDIS_URL"}
    env.update({"AGORA_DATABASE_URL": database_url, "AGORA_SECRET_KEY": TEST_SECRET, "AGORA_ENV": "development",
                "AGORA_BASE_URL": f"http://127.0.0.1:{port}", "AGORA_VAR_DIR": str(var_dir)})
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def served(database_url: str, var_dir: Path, log: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """One `agora serve` process, waited for until it answers; killed (SIGKILL) when the block ends."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with log.open("ab") as out:
        process = subprocess.Popen([str(AGORA), "serve", "--host", "127.0.0.1", "--port", str(port),
                                    "--log-level", "warning"], env=_env(database_url, var_dir, port),
                                   stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, f"agora serve exited: {log.read_text()[-2000:]}"
            try:
                if requests.get(url + "/signin", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, "agora serve did not answer within 30 s"
            time.sleep(0.05)
        yield url, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)


@dataclass
class Load:
    """Voters posting ballots through the API, recording which were acknowledged (HTTP 200)."""

    cid: str
    waiting: list[Caller]
    acknowledged: dict[str, str] = field(default_factory=dict)  # person id -> tracking code
    lock: threading.Lock = field(default_factory=threading.Lock)
    errors: list[str] = field(default_factory=list)
    cut: int = 0  # requests that never got an answer: the kill landed during the load

    def vote(self, url: str, voter: Caller) -> None:
        try:
            response = requests.post(f"{url}/api/v1/consultations/{self.cid}/ballot", json={"answers": ANSWERS},
                                     headers=voter.headers, timeout=10)
        except requests.RequestException:
            with self.lock:
                self.cut += 1
            return  # killed mid-request: not acknowledged, may or may not be stored; voted again later
        with self.lock:
            if response.status_code == 200:
                self.acknowledged[voter.id] = response.json()["tracking_code"]
            elif response.status_code != 409:  # 409: stored before a kill that ate the answer
                self.errors.append(f"{response.status_code}: {response.text[:200]}")

    def round(self, url: str, process: subprocess.Popen[bytes], kill_after: int | None) -> None:
        """Everyone still waiting votes (8 at a time); SIGKILL once `kill_after` of them have had their
        answer, if given. A count, not a delay: on a fast host a whole round could end before a timer
        fired (it did, once ballots got faster), and the kill would miss the load it is meant to cut."""
        batch = list(self.waiting)
        answered = itertools.count(1)  # next() on it is atomic: the 8 threads share it

        def vote_then_maybe_kill(voter: Caller) -> None:
            self.vote(url, voter)
            if kill_after is not None and next(answered) == kill_after and process.poll() is None:
                process.send_signal(signal.SIGKILL)

        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(vote_then_maybe_kill, batch))
        self.waiting = [v for v in batch if v.id not in self.acknowledged]


def check_box(database: Database, cid: str, acknowledged: dict[str, str]) -> None:
    with database.session(write=False) as db:
        register = db.execute(select(VoterRecord.person_id, func.count()).where(VoterRecord.consultation_id == cid)
                              .group_by(VoterRecord.person_id)).all()
        ballots = db.execute(select(func.count()).select_from(Ballot).where(Ballot.consultation_id == cid)).scalar_one()
    counts = dict(register)
    assert all(n == 1 for n in counts.values()), "someone is in the register twice"
    missing = set(acknowledged) - set(counts)
    assert not missing, f"{len(missing)} acknowledged ballots are missing after the crash"
    assert ballots == len(counts), f"ballot box ({ballots}) and register ({len(counts)}) disagree"


def audit_intact(database: Database) -> None:
    from agora import audit

    with database.session(write=False) as db:
        result = audit.verify(db)
    assert result.ok, f"audit log broken at entry {result.broken_at}: {result.reason}"


def audit_verify(database_url: str, var_dir: Path) -> None:
    """The command an operator runs, as a process of its own."""
    result = subprocess.run([str(AGORA), "audit", "verify"], env=_env(database_url, var_dir, 1),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def kill_point(rng: random.Random, voters: int) -> int:
    """After how many answers the kill comes: within the first half of the round, so that the other
    requests, in flight at every stage of a ballot (checks, group commit, answer), are cut."""
    return rng.randint(1, max(1, voters // 2))
