"""Helpers for tests that start servers as separate processes."""

from __future__ import annotations

import signal
import socket
import subprocess
from typing import Any


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stop(process: subprocess.Popen[Any], how: signal.Signals = signal.SIGTERM, timeout: float = 20) -> None:
    """`how`, then SIGKILL after `timeout` seconds; what is left in its pipes is read, so none stays open."""
    if process.poll() is None:
        process.send_signal(how)
    try:
        process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
