"""Two `agora serve` processes sharing one database and Redis: an event raised by a request on one
process reaches a socket connected to the other."""

from __future__ import annotations

import time

import socketio

from agora.realtime import rooms
from agora.realtime.server import redis_channel
from tests.realtime.conftest import WAIT, assert_silent, people, session_cookie


def wait_until_listening(redis_url: str, socket_, room: str) -> None:
    """Process B subscribes to Redis on its first connection, in the background: probe through Redis
    (as any process of the deployment would emit) until B delivers, so the real test cannot race it."""
    probe = socketio.RedisManager(redis_url, channel=redis_channel(redis_url), write_only=True)
    sent = 0
    try:
        deadline = time.monotonic() + WAIT
        while socket_.received.empty() and time.monotonic() < deadline:
            sent += 1
            probe.emit("probe", {"n": sent}, room=room)
            time.sleep(0.1)
    finally:
        probe.redis.close()
    assert not socket_.received.empty(), f"process B never relayed an event published on Redis ({redis_url})"
    # One publisher, one subscription: probes arrive in order, so the last one sent ends the stragglers.
    while socket_.next_event() != ("probe", {"n": sent}):
        pass
    socket_.seen.clear()

def test_notification_crosses_processes(agora_processes, database, browsers, sockets, redis_url):
    admin, alice, bob = people(database, ["admin"], [], [])
    a, b = agora_processes(2)

    alice_http = browsers(b.url)
    alice_cookie = f"agora_session={alice_http.sign_in(alice.email)}"
    alice_on_b = sockets(b.url, "alice on B", cookie=alice_cookie)
    wait_until_listening(redis_url, alice_on_b, rooms.person(alice.id))
    alice_on_a = sockets(a.url, "alice on A", cookie=alice_cookie)
    others = [sockets(b.url, "bob on B", cookie=session_cookie(database, bob.id)),
              sockets(a.url, "bob on A", cookie=session_cookie(database, bob.id)),
              sockets(b.url, "anonymous on B")]

    admin_http = browsers(a.url)
    admin_http.sign_in(admin.email)
    others.append(sockets(a.url, "admin on A", cookie=f"agora_session={admin_http.http.cookies['agora_session']}"))
    admin_http.grant(alice.id, "moderator")  # handled by process A

    assert alice_on_b.next_event() == ("notification", {"unread": 1})
    assert alice_on_a.next_event() == ("notification", {"unread": 1})
    assert_silent([alice_on_b, alice_on_a, *others])  # once each, and to nobody else
