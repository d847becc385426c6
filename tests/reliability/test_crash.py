"""SIGKILL of `agora serve` at random moments during a ballot load (AGORA_CRASH_KILLS times; 3 in the
default suite, 20 and more in `make soak`). After every restart: every acknowledged ballot is present,
none twice, register and ballot box agree, and `agora audit verify` passes."""

from __future__ import annotations

import os
import random

import pytest

from tests.consultations.support import caller, callers, opened
from tests.reliability.crash import Load, audit_intact, audit_verify, check_box, kill_point, served

KILLS = int(os.environ.get("AGORA_CRASH_KILLS", "3"))
VOTERS_PER_KILL = int(os.environ.get("AGORA_CRASH_VOTERS", "25"))

pytestmark = pytest.mark.timeout(120 + 20 * KILLS)


def test_kill_9_during_a_ballot_load_loses_nothing(client, database, database_url, tmp_path):
    rng = random.Random(os.environ.get("AGORA_CRASH_SEED", "agora"))  # noqa: S311 - kill moments, not secrets
    admin, approver = caller(database, roles=["admin"]), caller(database, roles=["admin"])
    voters = callers(database, VOTERS_PER_KILL * (KILLS + 1))  # the electorate is frozen at the opening
    load = Load(opened(client, admin, approver), voters)
    var_dir, log = tmp_path / "var", tmp_path / "agora.log"
    survived = 0
    for kill in range(KILLS + 1):
        last = kill == KILLS
        with served(database_url, var_dir, log) as (url, process):
            share = load.waiting[: VOTERS_PER_KILL * 3]
            rest = load.waiting[len(share):]
            load.waiting = share
            load.round(url, process, None if last else kill_point(rng, len(share)))
            load.waiting += rest
            if not last:
                process.wait(timeout=10)
                assert process.returncode == -9, "the server was not killed during the load"
                survived += 1
        check_box(database, load.cid, load.acknowledged)
        audit_intact(database)
    audit_verify(database_url, var_dir)
    assert not load.errors, load.errors[:3]
    assert survived == KILLS
    assert load.cut >= KILLS, f"only {load.cut} requests were cut: the kills missed the load"
    assert len(load.acknowledged) >= VOTERS_PER_KILL  # the load really voted between the kills
    print(f"crashes survived: {survived}, requests cut: {load.cut}, ballots acknowledged: {len(load.acknowledged)}")
