"""Test fixtures: a fresh, migrated database per test, on SQLite or on PostgreSQL.

SQLite: the schema is migrated once into a template file, copied for each test.
PostgreSQL (AGORA_TEST_DATABASE_URL): the schema is migrated once, every table emptied per test.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from starlette.testclient import TestClient

from agora import migrate
from agora.app import create_app
from agora.db import Base, Database
from agora.models import *  # noqa: F403
from agora.people.defaults import ensure_defaults
from agora.settings import Settings

TEST_SECRET = "test-secret-key-" + "x" * 40
PASSWORD = "correct horse battery"
PG_URL = os.environ.get("AGORA_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("AGORA_REDIS_URL") or None


def _pg_url(url: str) -> str:
    return "postgresql+psycopg:" + url.split(":", 1)[1] if url.startswith("postgres") else url


@pytest.fixture(scope="session")
def template_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    if PG_URL:
        url = _pg_url(PG_URL)
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        migrate.upgrade(url)
        return url
    path = tmp_path_factory.mktemp("template") / "template.db"
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    return url


def _empty_postgres(url: str) -> None:
    tables = ", ".join(f'"{t.name}"' for t in reversed(Base.metadata.sorted_tables))
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def database_url(template_database: str, tmp_path: Path) -> str:
    if PG_URL:
        _empty_postgres(template_database)
        return template_database
    source = Path(template_database.removeprefix("sqlite:///"))
    target = tmp_path / "agora.db"
    shutil.copyfile(source, target)
    return f"sqlite:///{target}"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, secret_key=TEST_SECRET, base_url="http://testserver",
                    var_dir=tmp_path / "var", redis_url=None)


@pytest.fixture
def database(settings: Settings) -> Iterator[Database]:
    database = Database(settings.database_url)
    with database.transaction() as db:
        ensure_defaults(db)
    yield database
    database.dispose()


@pytest.fixture
def app(settings: Settings, database: Database) -> Any:
    return create_app(settings, database)


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver") as test_client:
        yield test_client


CSRF_RE = re.compile(r'name="csrf-token" content="([0-9a-f]+)"')


def csrf_of(client: TestClient, path: str = "/") -> str:
    page = client.get(path)
    match = CSRF_RE.search(page.text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post_form(client: TestClient, path: str, data: dict[str, Any], *, from_page: str = "/") -> Any:
    return client.post(path, data={**data, "csrf_token": csrf_of(client, from_page)}, follow_redirects=False)


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> Any:
    response = post_form(client, "/signin", {"email": email, "password": password}, from_page="/signin")
    assert response.status_code == 303, response.text
    return response


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `postgresql` need a PostgreSQL server beside the test database (e.g. moving a backup
    between SQLite and PostgreSQL); tests marked `sqlite` check a property of SQLite storage. Each is
    deselected — not skipped — in the other backend's run; CI runs both (`make test`, `make test-postgres`)."""
    other_backend = "sqlite" if PG_URL else "postgresql"
    selected = [item for item in items if item.get_closest_marker(other_backend) is None]
    deselected = [item for item in items if item.get_closest_marker(other_backend) is not None]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """CI (AGORA_FAIL_ON_SKIP=1) treats a skipped test as a failure: a skip must not hide one."""
    if os.environ.get("AGORA_FAIL_ON_SKIP") != "1":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if skipped and exitstatus == 0:
        session.exitstatus = 1
        if reporter:
            reporter.write_line(f"{skipped} skipped test(s): CI counts a skip as a failure", red=True)
