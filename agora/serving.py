"""Serving the app with uvicorn, in one process or several workers.

With several workers, uvicorn binds one socket in the parent and every worker accepts from it. When
many connections arrive at once (a General Assembly's phones, a load test's 32 connections), the
first worker to wake up often accepts them all and keeps them, since browsers and proxies keep their
connections open: in half of `bench/http_ceiling.py --workers 2` runs, one worker served everything
on one core while the other sat idle.

So on Linux each worker listens on its own socket bound to the same address with `SO_REUSEPORT`,
and the kernel spreads new connections over the workers' sockets (elsewhere `SO_REUSEPORT` does not
balance, and uvicorn's shared socket is kept). The parent keeps uvicorn's supervisor (restarting a
worker that dies, passing signals on). Before any worker starts, it checks that nothing listens on
the address, then holds it (`reserve`): a second `agora serve` on the same port fails at once.
"""

from __future__ import annotations

import errno
import logging
import socket
import sys
from dataclasses import dataclass
from typing import Any

import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess

logger = logging.getLogger("uvicorn.error")


def run(app: str, *, host: str, port: int, workers: int = 1, **options: Any) -> None:
    """Serve `app` (an import string) as `uvicorn.run` would, each of several workers on its own socket."""
    if workers <= 1 or not sys.platform.startswith("linux"):
        uvicorn.run(app, host=host, port=port, workers=workers, **options)
        return
    config = uvicorn.Config(app, host=host, port=port, workers=workers, **options)
    try:
        reserved, address = reserve(host, port, config.backlog)
    except OSError as error:
        logger.error("cannot listen on %s port %d: %s", host, port, error.strerror or error)
        sys.exit(STARTUP_FAILURE)
    with reserved:
        shown = f"[{host}]" if ":" in host else host
        logger.info("agora listening on http://%s:%d with %d workers, each on its own socket "
                    "(CTRL+C to stop)", shown, address.port, workers)
        Multiprocess(config, sockets=[address]).run()  # type: ignore[list-item]


@dataclass(frozen=True)
class WorkerSocket:
    """What the supervisor hands each worker in place of a shared socket: it is pickled into the new
    worker process, and unpickles there as that worker's own listening socket on the same address."""

    host: str
    port: int
    backlog: int
    reuse_address: bool

    def __reduce__(self) -> tuple[Any, tuple[str, int, int, bool]]:
        return worker_socket, (self.host, self.port, self.backlog, self.reuse_address)


def reserve(host: str, port: int, backlog: int) -> tuple[socket.socket, WorkerSocket]:
    """Holds (host, port) for the workers: a bound socket that never listens, and what each worker
    binds. Raises OSError (address in use) when something listens there already, whatever its options.

    The held socket has `SO_REUSEPORT` without `SO_REUSEADDR`, so that no other program can bind the
    address while no worker listens yet. Only when a previous server's closed connections still hold
    the port (TIME_WAIT) is `SO_REUSEADDR` needed, by the parent and the workers alike."""
    if port != 0:
        _nothing_listens(host, port)
    reuse_address = False
    try:
        held = _bound(host, port, reuse_address=False)
    except OSError as error:
        if error.errno != errno.EADDRINUSE:
            raise
        reuse_address = True  # nothing listens (checked): a stopped server's closed connections
        held = _bound(host, port, reuse_address=True)
    return held, WorkerSocket(host, held.getsockname()[1], backlog, reuse_address)


def worker_socket(host: str, port: int, backlog: int, reuse_address: bool) -> socket.socket:
    """In a new worker: its own listening socket. A failure ends the worker as a startup failure, which
    stops the supervisor rather than have it start the worker again and again."""
    try:
        sock = _bound(host, port, reuse_address=reuse_address)
        sock.listen(backlog)
    except OSError as error:
        sys.stderr.write(f"agora: a worker cannot listen on {host} port {port}: {error.strerror or error}\n")
        sys.exit(STARTUP_FAILURE)
    return sock


def _nothing_listens(host: str, port: int) -> None:
    """A plain bind succeeds next to closed connections, and fails next to any listening socket."""
    with socket.socket(_family(host), socket.SOCK_STREAM, socket.IPPROTO_TCP) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))


def _bound(host: str, port: int, *, reuse_address: bool) -> socket.socket:
    sock = socket.socket(_family(host), socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        if reuse_address:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET
