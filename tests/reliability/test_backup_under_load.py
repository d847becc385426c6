"""`agora backup` taken while ballots arrive at a real `agora serve`: the copy restores into an empty
database that passes the crash checks and holds every ballot acknowledged before the backup began."""

from __future__ import annotations

import subprocess
import threading
import time

import pytest

from agora.db import Database
from tests.consultations.support import caller, callers, opened
from tests.reliability.crash import AGORA, Load, _env, audit_intact, check_box, served
from tests.test_backup import fresh, postgres_target, sqlite_template  # noqa: F401

pytestmark = pytest.mark.timeout(180)


def test_backup_under_a_ballot_load_restores_every_acknowledged_ballot(client, database, database_url, fresh,  # noqa: F811
                                                                        tmp_path):
    admin, approver = caller(database, roles=["admin"]), caller(database, roles=["admin"])
    voters = callers(database, 300)  # before the opening: the electorate is frozen then
    load = Load(opened(client, admin, approver), voters)
    copy = tmp_path / "under-load.agora.gz"
    var_dir = tmp_path / "var"
    with served(database_url, var_dir, tmp_path / "agora.log") as (url, process):
        voting = threading.Thread(target=load.round, args=(url, process, None))
        voting.start()
        while len(load.acknowledged) < 20 and voting.is_alive():
            time.sleep(0.01)
        with load.lock:
            before = dict(load.acknowledged)
        result = subprocess.run([str(AGORA), "backup", str(copy)], env=_env(database_url, var_dir, 1),
                                capture_output=True, text=True, timeout=120)
        with load.lock:
            during = len(load.acknowledged) - len(before)
        voting.join(timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert before and during > 0, "the backup was not taken while ballots were arriving"
    assert not load.errors, load.errors[:3]
    target: Database = fresh("sqlite")
    restored = subprocess.run([str(AGORA), "restore", str(copy)], env=_env(target.url, var_dir, 1),
                              capture_output=True, text=True, timeout=120)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    check_box(target, load.cid, before)
    audit_intact(target)
    check_box(database, load.cid, load.acknowledged)  # and the live database lost nothing either


def test_a_second_call_keeps_its_link_through_backup_and_restore(client, database, fresh, tmp_path):  # noqa: F811
    """Regression: restore looked deferred foreign keys up by Column instead of by name, so any copy
    holding a consultation failed to restore (KeyError: second_call_of)."""
    from sqlalchemy import select

    from agora import backup
    from agora.consultations.models import Consultation
    from tests.consultations.support import close

    admin, approver = caller(database, roles=["admin"]), caller(database, roles=["admin"])
    first = opened(client, admin, approver)
    close(client, first, admin)
    second = client.post(f"/api/v1/consultations/{first}/second-call", json={}, headers=admin.headers)
    assert second.status_code == 201, second.text
    copy = tmp_path / "copy.agora.gz"
    backup.backup(database, copy)
    target: Database = fresh("sqlite")
    backup.restore(target, copy)
    with target.session(write=False) as db:
        links = dict(db.execute(select(Consultation.id, Consultation.second_call_of)).all())
    assert links == {first: None, second.json()["id"]: first}
