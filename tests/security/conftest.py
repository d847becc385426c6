"""The security suite's world: one person per role and objects owned by someone else (world.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.realtime.conftest import live_server, sockets  # noqa: F401
from tests.security.world import World, build


@pytest.fixture
def world(database: Any, client: Any) -> World:
    return build(database, client)
