"""The served process settles its garbage collector once the application is built (agora/gc_tuning.py):
start-up objects frozen, a young generation large enough for a broadcast's short-lived objects. Checked
in a fresh interpreter that imports what uvicorn imports, so the test process's collector is untouched."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from agora import gc_tuning
from tests.conftest import TEST_SECRET

PROBE = "import gc, json, agora.asgi; print(json.dumps([gc.get_threshold(), gc.get_freeze_count()]))"


def test_the_served_application_settles_the_collector(tmp_path: Path):
    env = {**os.environ, "AGORA_DATABASE_URL": f"sqlite:///{tmp_path / 'agora.db'}",
           "AGORA_VAR_DIR": str(tmp_path / "var"), "AGORA_SECRET_KEY": TEST_SECRET}
    env.pop("AGORA_REDIS_URL", None)
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    thresholds, frozen = json.loads(done.stdout.strip().splitlines()[-1])
    assert thresholds == [gc_tuning.YOUNGEST, gc_tuning.MIDDLE, gc_tuning.OLDEST]
    assert frozen > 50_000  # the modules, mappers and templates of the built application


def test_importing_the_app_factory_alone_leaves_the_collector_alone(tmp_path: Path):
    probe = "import gc, json, agora.app; print(json.dumps([gc.get_threshold(), gc.get_freeze_count()]))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    thresholds, frozen = json.loads(done.stdout.strip().splitlines()[-1])
    assert thresholds[0] != gc_tuning.YOUNGEST and frozen == 0  # tests and tools build apps as they like
