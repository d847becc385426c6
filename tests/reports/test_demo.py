"""`agora demo` (run as a person would, in a process of its own) leaves an answered consultation report
and a proposal report waiting on the board's desk, both valid and with the hash of their JSON."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from agora import migrate
from agora.db import Database
from agora.reports.document import document
from agora.reports.models import Report
from tests.reports.support import canonical_sha256

pytestmark = pytest.mark.timeout(240)


def test_the_demo_has_reports(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    migrate.upgrade(url)
    env = {**os.environ, "AGORA_DATABASE_URL": url, "AGORA_SECRET_KEY": "demo-" + "k" * 40,
           "AGORA_VAR_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "agora.cli", "demo"], env=env, capture_output=True, text=True,
                          timeout=200)
    assert done.returncode == 0, done.stderr
    database = Database(url)
    try:
        with database.session(write=False) as db:
            reports = {r.kind: r for r in db.execute(select(Report)).scalars()}
            assert set(reports) == {"consultation", "proposal"}
            assert reports["consultation"].status.value == "answered"
            assert reports["proposal"].status.value == "submitted"
            for report in reports.values():
                served = document(report)
                assert served["integrity"]["sha256"] == canonical_sha256(served) == report.sha256
    finally:
        database.dispose()
