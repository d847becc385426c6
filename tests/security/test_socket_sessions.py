"""A live connection dies with the session that opened it: sign-out, a password change elsewhere, a
deactivation, a revoked API token, and (through the sweep) a session ended by another process.
Real parts: uvicorn on a loopback port, the python-socketio client, sign-in through the form."""

from __future__ import annotations

import time

from sqlalchemy import delete

from agora.accounts.models import WebSession
from agora.realtime import rooms
from tests.conftest import PASSWORD
from tests.realtime.conftest import WAIT, Browser, people, session_cookie


def _cut(socket_, timeout: float = WAIT) -> bool:
    deadline = time.monotonic() + timeout
    while socket_.client.connected and time.monotonic() < deadline:
        time.sleep(0.05)
    return not socket_.client.connected


def _joined(socket_, room: str) -> bool:
    return bool(socket_.join(room).get("ok"))


def test_sign_out_cuts_the_socket_of_that_session_only(live_server, sockets):
    alice, = people(live_server.database, [])
    browser = Browser(live_server.url)
    cookie = f"agora_session={browser.sign_in(alice.email)}"
    mine = sockets(live_server.url, "alice", cookie=cookie)
    other_session = sockets(live_server.url, "alice elsewhere", cookie=session_cookie(live_server.database, alice.id))
    assert _joined(mine, rooms.person(alice.id))

    assert browser.post("/signout", {}, from_page="/").status_code == 303
    assert _cut(mine), "the socket of the signed-out session is still connected"
    assert ("session_ended", {}) in [mine.received.get_nowait() for _ in range(mine.received.qsize())]
    assert other_session.client.connected  # another browser of the same person is not signed out


def test_password_change_cuts_the_other_sessions_sockets(live_server, sockets):
    alice, = people(live_server.database, [])
    browser = Browser(live_server.url)
    here = sockets(live_server.url, "here", cookie=f"agora_session={browser.sign_in(alice.email)}")
    stolen = sockets(live_server.url, "stolen cookie", cookie=session_cookie(live_server.database, alice.id))
    answer = browser.post("/account/password", {"current": PASSWORD, "password": "a brand new secret",
                                                "confirmation": "a brand new secret"}, from_page="/account")
    assert answer.status_code == 200
    assert _cut(stolen), "a socket of an ended session survived the password change"
    assert here.client.connected


def test_deactivation_cuts_cookie_and_token_sockets(live_server, sockets):
    from agora.accounts import services as accounts

    admin, bob = people(live_server.database, ["admin"], [])
    with live_server.database.transaction() as db:
        token = accounts.create_token(db, db.get(accounts.Person, bob.id), "socket")
    by_cookie = sockets(live_server.url, "bob", cookie=session_cookie(live_server.database, bob.id))
    by_token = sockets(live_server.url, "bob's script", token=token)
    browser = Browser(live_server.url)
    browser.sign_in(admin.email)
    answer = browser.post(f"/admin/people/{bob.id}/active", {"active": "0"}, from_page=f"/admin/people/{bob.id}")
    assert answer.status_code == 303
    assert _cut(by_cookie) and _cut(by_token)


def test_revoked_token_cuts_its_socket(live_server, sockets):
    from sqlalchemy import select

    from agora.accounts import services as accounts
    from agora.accounts.models import ApiToken

    bob, = people(live_server.database, [])
    with live_server.database.transaction() as db:
        token = accounts.create_token(db, db.get(accounts.Person, bob.id), "socket")
        token_id = db.execute(select(ApiToken.id).where(ApiToken.person_id == bob.id)).scalar_one()
    socket_ = sockets(live_server.url, "script", token=token)
    browser = Browser(live_server.url)
    browser.sign_in(bob.email)
    assert browser.post(f"/account/tokens/{token_id}/revoke", {}, from_page="/account").status_code == 303
    assert _cut(socket_)


def test_a_session_ended_by_another_process_is_cut_by_the_sweep_and_joins_nothing(live_server, sockets):
    alice, = people(live_server.database, [])
    socket_ = sockets(live_server.url, "alice", cookie=session_cookie(live_server.database, alice.id))
    with live_server.database.transaction() as db:  # as another process would: no event reaches this one
        db.execute(delete(WebSession).where(WebSession.person_id == alice.id))
    assert not _joined(socket_, rooms.person(alice.id)), "an ended session could still join its rooms"
    assert _cut(socket_, timeout=live_server.settings.socket_sweep_seconds + WAIT)
