"""Live-update fixtures with real parts only: the app served by uvicorn on a loopback port (in a
thread, or as `agora serve` subprocesses sharing Redis), HTTP through `requests`, sockets through
the python-socketio client. Every wait is bounded.
"""

from __future__ import annotations

import os
import queue
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
import requests
import socketio
import uvicorn

from agora.accounts import services as accounts
from agora.app import create_app
from agora.db import Database
from agora.settings import Settings
from tests.conftest import PASSWORD, TEST_SECRET
from tests.factories import person
from tests.processes import free_port, stop

WAIT = 5.0  # seconds: the longest any single expected event, answer or start-up step may take
SILENCE = 0.4  # seconds: how long an unexpected event is given to show up before we call it absent
REDIS_TEST_DB = 7  # Redis database index (and so pub/sub channel, see agora.realtime.server) of these tests
CSRF_RE = re.compile(r'name="csrf-token" content="([0-9a-f]+)"')


# --- people ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Someone:
    id: str
    email: str


_password_hash: list[str] = []


def people(database: Database, *role_lists: list[str]) -> list[Someone]:
    """One person per role list, password PASSWORD (hashed once: argon2 is slow on purpose)."""
    if not _password_hash:
        _password_hash.append(accounts.hash_password(PASSWORD))
    with database.transaction() as db:
        made = [person(db, roles=roles, password=None) for roles in role_lists]
        for someone in made:
            someone.password_hash = _password_hash[0]
        return [Someone(p.id, p.email) for p in made]


def session_cookie(database: Database, person_id: str) -> str:
    """A `Cookie` header for a session opened the way sign-in opens it, without the password check."""
    with database.transaction() as db:
        new = accounts.start_session(db, db.get(accounts.Person, person_id), days=1)
        return f"agora_session={new.cookie_value}"


# --- HTTP, as a browser would do it -------------------------------------------------------------

class Browser:
    """A `requests` session against one server: cookies kept, CSRF token read from the page."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = requests.Session()

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.get(self.base_url + path, timeout=WAIT, allow_redirects=False, **kwargs)

    def csrf(self, path: str) -> str:
        page = self.get(path)
        assert page.status_code == 200, f"GET {path}: {page.status_code}"
        match = CSRF_RE.search(page.text)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def post(self, path: str, data: dict[str, str], *, from_page: str) -> requests.Response:
        token = self.csrf(from_page)
        return self.http.post(self.base_url + path, data={**data, "csrf_token": token}, timeout=WAIT,
                              allow_redirects=False)

    def sign_in(self, email: str, password: str = PASSWORD) -> str:
        """Signs in through the form; returns the session cookie value."""
        response = self.post("/signin", {"email": email, "password": password}, from_page="/signin")
        assert response.status_code == 303, f"sign-in of {email} answered {response.status_code}"
        cookie = self.http.cookies.get("agora_session")
        assert cookie, "sign-in set no agora_session cookie"
        return cookie

    def grant(self, person_id: str, role: str) -> None:
        response = self.post(f"/admin/people/{person_id}/roles", {"role": role, "region": ""},
                             from_page=f"/admin/people/{person_id}")
        assert response.status_code == 303, f"granting {role} answered {response.status_code}"

    def close(self) -> None:
        self.http.close()


# --- sockets ---------------------------------------------------------------------------------------

@dataclass
class Socket:
    """A connected python-socketio client that records every event it receives."""

    client: socketio.Client
    label: str
    received: queue.Queue[tuple[str, Any]] = field(default_factory=queue.Queue)
    seen: list[tuple[str, Any]] = field(default_factory=list)
    arrived: list[float] = field(default_factory=list)  # time.monotonic() of each event received

    def call(self, event: str, data: Any) -> Any:
        return self.client.call(event, data, timeout=WAIT)

    def join(self, room: Any) -> Any:
        return self.call("join", {"room": room})

    def next_event(self, timeout: float = WAIT) -> tuple[str, Any]:
        try:
            item = self.received.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"{self.label}: no event within {timeout} s (seen so far: {self.seen})") from None
        self.seen.append(item)
        return item

    def assert_silent(self, duration: float = SILENCE) -> None:
        assert_silent([self], duration)


def assert_silent(sockets: list[Socket], duration: float = SILENCE) -> None:
    """None of these sockets receives anything within `duration` (all watched at once)."""
    time.sleep(duration)
    for socket_ in sockets:
        if not socket_.received.empty():
            raise AssertionError(f"{socket_.label} received {socket_.received.get()!r}, meant for someone else")


def connect(base_url: str, label: str, *, cookie: str | None = None, token: str | None = None,
            headers: dict[str, str] | None = None, transport: str = "websocket") -> Socket:
    client = socketio.Client(reconnection=False, request_timeout=WAIT)
    socket_ = Socket(client, label)

    @client.on("*")
    def _record(event: str, data: Any = None) -> None:
        socket_.arrived.append(time.monotonic())
        socket_.received.put((event, data))

    all_headers = dict(headers or {})
    if cookie is not None:
        all_headers["Cookie"] = cookie
    client.connect(base_url, headers=all_headers, auth={"token": token} if token is not None else None,
                   transports=[transport], wait_timeout=WAIT)
    return socket_


@pytest.fixture
def sockets() -> Iterator[Callable[..., Socket]]:
    """connect(base_url, label, cookie=..., token=..., headers=..., transport=...); all closed at teardown."""
    opened: list[Socket] = []

    def open_socket(*args: Any, **kwargs: Any) -> Socket:
        socket_ = connect(*args, **kwargs)
        opened.append(socket_)
        return socket_

    yield open_socket
    for socket_ in opened:
        if socket_.client.transport() == "polling":
            # The server ends a long-polling session on the client's close packet without answering
            # the pending poll (python-engineio), so a polite disconnect would wait for the next ping.
            socket_.client.eio.disconnect(abort=True)
        else:
            socket_.client.disconnect()


@pytest.fixture
def browsers() -> Iterator[Callable[[str], Browser]]:
    opened: list[Browser] = []

    def open_browser(base_url: str) -> Browser:
        browser = Browser(base_url)
        opened.append(browser)
        return browser

    yield open_browser
    for browser in opened:
        browser.close()


# --- the app in this process, under uvicorn in a thread ------------------------------------------

@dataclass
class LiveServer:
    url: str
    app: Any  # the Socket.IO ASGI wrapper returned by create_app
    database: Database
    settings: Settings


def _bound_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@pytest.fixture
def live_server(database_url: str, database: Database, tmp_path: Path) -> Iterator[LiveServer]:
    sock = _bound_socket()  # bound before uvicorn starts: no race for the port
    port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    settings = Settings(database_url=database_url, secret_key=TEST_SECRET, base_url=url,
                        var_dir=tmp_path / "var", redis_url=None, socket_sweep_seconds=0.5)
    app = create_app(settings, database)
    config = uvicorn.Config(app, log_level="warning", access_log=False, timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + WAIT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            pytest.fail(f"uvicorn did not start on {url} within {WAIT} s")
        time.sleep(0.01)
    try:
        yield LiveServer(url, app, database, settings)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        assert not thread.is_alive(), "uvicorn did not stop within 10 s"


# --- `agora serve` processes sharing Redis ------------------------------------------------------

def _with_db_index(url: str, index: int) -> str:
    parts = urlsplit(url)
    if parts.scheme == "unix":
        query = "&".join(p for p in parts.query.split("&") if p and not p.startswith("db="))
        return urlunsplit(parts._replace(query=f"{query}&db={index}".lstrip("&")))
    return urlunsplit(parts._replace(path=f"/{index}"))


@pytest.fixture(scope="session")
def redis_url() -> str:
    """Redis of AGORA_REDIS_URL (default redis://127.0.0.1:6379), on a database index of its own.

    Never skipped: CI has Redis, and a missing Redis must show as a failure, not as a quiet skip.
    """
    configured = os.environ.get("AGORA_REDIS_URL") or "redis://127.0.0.1:6379/0"
    url = _with_db_index(configured, REDIS_TEST_DB)
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.fail(f"Redis does not answer at {configured} ({error}). The cross-process live-update test "
                    "needs a Redis server: start one on 127.0.0.1:6379 or set AGORA_REDIS_URL.", pytrace=False)
    finally:
        client.close()
    return url


@dataclass
class AgoraProcess:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


@pytest.fixture
def agora_processes(database_url: str, database: Database, redis_url: str,
                    tmp_path: Path) -> Iterator[Callable[[int], list[AgoraProcess]]]:
    """start(n): n `agora serve` processes on the test database, sharing Redis; all killed at teardown."""
    started: list[AgoraProcess] = []
    agora = Path(sys.executable).parent / "agora"

    def start(count: int) -> list[AgoraProcess]:
        batch = []
        for n in range(count):
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            env = {**os.environ, "AGORA_DATABASE_URL": database_url, "AGORA_SECRET_KEY": TEST_SECRET,
                   "AGORA_BASE_URL": url, "AGORA_REDIS_URL": redis_url, "AGORA_VAR_DIR": str(tmp_path / "var"),
                   "AGORA_ENV": "development", "PYTHONWARNINGS": "default"}
            log = tmp_path / f"agora-{len(started) + n}.log"
            with log.open("wb") as out:
                process = subprocess.Popen([str(agora), "serve", "--host", "127.0.0.1", "--port", str(port),
                                            "--log-level", "warning"], env=env, stdout=out, stderr=subprocess.STDOUT)
            batch.append(AgoraProcess(url, process, log))
        started.extend(batch)
        deadline = time.monotonic() + 20
        for proc in batch:
            while True:
                if proc.process.poll() is not None:
                    pytest.fail(f"`agora serve` on {proc.url} exited with {proc.process.returncode}:\n{proc.output()}")
                try:
                    if requests.get(proc.url + "/signin", timeout=1).status_code == 200:
                        break
                except requests.ConnectionError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"`agora serve` on {proc.url} did not answer within 20 s:\n{proc.output()}")
                time.sleep(0.1)
        return batch

    yield start
    for proc in started:
        stop(proc.process, timeout=5)
