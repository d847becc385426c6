"""`agora serve --workers N` (agora/serving.py): each worker listens on its own socket, so that a burst of
connections is spread over the workers instead of landing on whichever woke up first; a worker that
dies is replaced on its own socket; a port already taken stops the start with a clear message."""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.processes import free_port, stop

WHO_ANSWERS = textwrap.dedent("""
    import os

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        body = str(os.getpid()).encode()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
""")
BURST = 32


def _serve(directory: Path, port: int, workers: int) -> subprocess.Popen[str]:
    (directory / "who_answers.py").write_text(WHO_ANSWERS)
    code = (f"from agora import serving; serving.run('who_answers:app', host='127.0.0.1', port={port}, "
            f"workers={workers}, log_level='warning')")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(directory), *sys.path])}
    return subprocess.Popen([sys.executable, "-c", code], cwd=directory, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


@contextlib.contextmanager
def _served(directory: Path, workers: int) -> Iterator[tuple[int, subprocess.Popen[str]]]:
    port = free_port()
    process = _serve(directory, port, workers)
    try:
        yield port, process
    finally:
        stop(process, signal.SIGINT)


def _request(sock: socket.socket) -> int:
    """One request on an open connection: the pid of the worker that answered."""
    sock.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    answer = b""
    while chunk := sock.recv(4096):
        answer += chunk
    return int(answer.rsplit(b"\r\n\r\n", 1)[1])


def _workers_answering(port: int, count: int, timeout: float = 60) -> set[int]:
    """Polls with fresh connections until `count` different workers have answered (all are listening)."""
    seen: set[int] = set()
    deadline = time.monotonic() + timeout
    while len(seen) < count:
        assert time.monotonic() < deadline, f"only {len(seen)} of {count} workers answered"
        with contextlib.suppress(OSError, ValueError, IndexError), \
                socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            seen.add(_request(sock))
        time.sleep(0.05)
    return seen


def _burst(port: int) -> Counter[int]:
    """BURST connections opened at once, before any request is sent: which worker answers each."""
    connections: list[socket.socket] = []
    try:
        for _ in range(BURST):
            connections.append(socket.create_connection(("127.0.0.1", port), timeout=10))
        return Counter(_request(sock) for sock in connections)
    finally:
        for sock in connections:
            sock.close()


def test_a_burst_of_connections_is_spread_over_the_workers(tmp_path):
    with _served(tmp_path, workers=2) as (port, _process):
        workers = _workers_answering(port, 2)
        for _round in range(3):
            answered = _burst(port)
            assert set(answered) == workers, answered
            # Spread by the kernel's hash of each connection: 16 each on average, below 4 about once in
            # 400,000 bursts. With one shared socket, the worker that woke first often took them all.
            assert min(answered.values()) >= 4, answered


def test_a_worker_that_dies_is_replaced_and_listens_on_its_own_socket(tmp_path):
    with _served(tmp_path, workers=2) as (port, _process):
        first, second = sorted(_workers_answering(port, 2))
        os.kill(first, signal.SIGKILL)
        deadline, answered = time.monotonic() + 60, set()
        while True:
            with contextlib.suppress(ConnectionError):  # those the dying worker had queued are reset
                answered = set(_burst(port))
                if len(answered) == 2 and first not in answered:
                    break
            assert time.monotonic() < deadline, f"the killed worker was not replaced: {answered}"
            time.sleep(0.5)
        assert second in answered  # the other worker served on throughout
        assert min(_burst(port).values()) >= 4  # the new worker has a socket of its own


def test_a_second_server_on_the_same_port_stops_with_a_clear_message(tmp_path):
    """The first server's workers listen with SO_REUSEPORT, as the second's would: without the check,
    the two would share the port and its connections."""
    with _served(tmp_path, workers=2) as (port, _process):
        _workers_answering(port, 2)
        second = _serve(tmp_path, port, workers=2)
        output, _ = second.communicate(timeout=60)
        assert second.returncode == 3, output
        assert f"cannot listen on 127.0.0.1 port {port}" in output and "in use" in output, output


def test_a_worker_that_cannot_listen_ends_as_a_startup_failure():
    """uvicorn's supervisor stops on that exit code, rather than start the worker again and again."""
    from agora import serving

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(SystemExit) as ended:
            serving.worker_socket("127.0.0.1", port, 128, reuse_address=True)
    assert ended.value.code == 3


def test_a_port_already_taken_stops_the_start_with_a_clear_message(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = _serve(tmp_path, port, workers=2)
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 3, output  # uvicorn's STARTUP_FAILURE
    assert f"cannot listen on 127.0.0.1 port {port}" in output and "in use" in output, output


def test_the_port_of_a_previous_server_is_reused_and_still_held_against_others():
    """A server just stopped leaves closed connections on its port (TIME_WAIT): the new one starts there
    all the same, and nothing else can listen on the port while it holds it."""
    from agora import serving

    with socket.socket() as previous:
        previous.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        previous.bind(("127.0.0.1", 0))
        previous.listen()
        port = previous.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port)):
            accepted, _ = previous.accept()
            accepted.close()  # the server's side closes first: its end waits in TIME_WAIT
            time.sleep(0.1)
    held, address = serving.reserve("127.0.0.1", port, 128)
    assert address.reuse_address  # the closed connections were met, and allowed for
    with held, serving.worker_socket(address.host, address.port, address.backlog, address.reuse_address), \
            socket.socket() as intruder:
        intruder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        with pytest.raises(OSError) as refused:
            intruder.bind(("127.0.0.1", port))
            intruder.listen()
        assert refused.value.errno == errno.EADDRINUSE
