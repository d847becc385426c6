"""Serving the app with uvicorn, in one process or several workers.

With several workers, uvicorn binds one socket in the parent and every worker accepts from it. When
many connections arrive at once (a General Assembly's phones, a load test's 32 connections), the
first worker to wake up often accepts them all and keeps them, since browsers and proxies keep their
connections open: in half of `bench/http_ceiling.py --workers 2` runs, one worker served everything
on one core while the other sat idle.

So on Linux each worker listens on its own socket bound to the same address with `SO_REUSEPORT`,
and the kernel spreads new connections over the workers' sockets. The parent keeps uvicorn's
supervisor (restarting a worker that dies, passing signals on) and binds the address first itself,
so that a port already taken fails at once, with a clear message, before any worker starts.
"""

from __future__ import annotations

import logging
import socket
import sys
from typing import Any

import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess

logger = logging.getLogger("uvicorn.error")


def run(app: str, *, host: str, port: int, workers: int = 1, **options: Any) -> None:
    """Serve `app` (an import string) as `uvicorn.run` would, each of several workers on its own socket."""
    if workers <= 1 or not hasattr(socket, "SO_REUSEPORT"):
        uvicorn.run(app, host=host, port=port, workers=workers, **options)
        return
    config = uvicorn.Config(app, host=host, port=port, workers=workers, **options)
    try:
        reserved = reuse_port_socket(host, port)
    except OSError as error:
        logger.error("cannot listen on %s port %d: %s", host, port, error.strerror or error)
        sys.exit(STARTUP_FAILURE)
    with reserved:
        bound_port = reserved.getsockname()[1]  # the same port for every worker, also when 0 was asked
        logger.info("agora listening on http://%s:%d with %d workers, each on its own socket", host, bound_port,
                    workers)
        Multiprocess(config, sockets=[WorkerSocket(host, bound_port)]).run()  # type: ignore[list-item]


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to (host, port) with SO_REUSEADDR and SO_REUSEPORT, not yet listening."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


class WorkerSocket:
    """What the supervisor hands each worker in place of a shared socket: it is pickled into the new
    worker process, and unpickles there as that worker's own socket, bound to the same address (uvicorn
    makes it listen)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port

    def __reduce__(self) -> tuple[Any, tuple[str, int]]:
        return reuse_port_socket, (self.host, self.port)
