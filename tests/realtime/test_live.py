"""Live updates end to end, against the real app served by uvicorn on a loopback port."""

from __future__ import annotations

import pytest
import requests
import websocket
from sqlalchemy import func, select
from starlette.routing import Route

from agora.accounts import services as accounts
from agora.app import starlette_app
from agora.db import Database
from agora.notifications.models import Notification
from agora.notifications.services import notify
from agora.web.endpoint import Ctx, Problem, page
from tests.realtime.conftest import assert_silent, people, session_cookie


def unread_of(database: Database, person_id: str) -> int:
    with database.session(write=False) as db:
        return db.execute(select(func.count()).select_from(Notification)
                          .where(Notification.person_id == person_id, Notification.read_at.is_(None))).scalar_one()


# --- 1. a role granted by an admin reaches the person's socket, and only theirs ---------------------

def test_granted_role_notifies_only_that_person(live_server, browsers, sockets):
    admin, alice, bob = people(live_server.database, ["admin"], [], [])
    url = live_server.url
    admin_http, alice_http = browsers(url), browsers(url)
    admin_cookie = admin_http.sign_in(admin.email)
    alice_cookie = alice_http.sign_in(alice.email)

    alice_ws = sockets(url, "alice (websocket)", cookie=f"agora_session={alice_cookie}")
    alice_polling = sockets(url, "alice (long-polling)", cookie=f"agora_session={alice_cookie}", transport="polling")
    others = [
        sockets(url, "bob", cookie=session_cookie(live_server.database, bob.id)),
        sockets(url, "admin", cookie=f"agora_session={admin_cookie}"),
        sockets(url, "anonymous"),
    ]

    admin_http.grant(alice.id, "moderator")

    assert alice_ws.next_event() == ("notification", {"unread": 1})
    assert alice_polling.next_event() == ("notification", {"unread": 1})
    assert_silent(others)

    admin_http.grant(alice.id, "ethics_member")
    assert alice_ws.next_event() == ("notification", {"unread": 2})  # counted inside the committed unit
    assert unread_of(live_server.database, alice.id) == 2

    # Reading them announces the new count to the person's other tabs.
    assert alice_http.post("/notifications/read", {}, from_page="/notifications").status_code == 303
    assert alice_ws.next_event() == ("notification", {"unread": 0})
    assert alice_polling.next_event()[1] == {"unread": 2}
    assert alice_polling.next_event()[1] == {"unread": 0}
    assert_silent(others, 0.1)


# --- 2. who is who on the socket, and which rooms they may join --------------------------------------

def test_rooms_are_authorised(live_server, sockets):
    alice, bob = people(live_server.database, [], [])
    url = live_server.url
    alice_ws = sockets(url, "alice", cookie=session_cookie(live_server.database, alice.id))

    assert alice_ws.join(f"person:{alice.id}") == {"ok": True, "room": f"person:{alice.id}"}
    assert alice_ws.join(f"person:{bob.id}") == {"ok": False, "error": "not_found"}
    for refused in ["nosuchkind:1", "person", "person:", f":{alice.id}", "", "person:" + "a" * 200,
                    f"person:{alice.id}:x"]:
        assert alice_ws.join(refused)["ok"] is False, refused
    assert alice_ws.join(42) == {"ok": False, "error": "bad_request"}
    assert alice_ws.call("join", f"person:{alice.id}") == {"ok": False, "error": "bad_request"}
    assert alice_ws.call("leave", {"room": f"person:{alice.id}"}) == {"ok": True}

    anonymous = sockets(url, "anonymous")  # allowed to connect, for public rooms
    assert anonymous.join(f"person:{alice.id}") == {"ok": False, "error": "not_found"}
    assert anonymous.join("nosuchkind:1") == {"ok": False, "error": "not_found"}


def test_api_token_authenticates_and_revoked_or_unknown_tokens_are_anonymous(live_server, notify_route, sockets):
    (alice,) = people(live_server.database, [])
    with live_server.database.transaction() as db:
        holder = db.get(accounts.Person, alice.id)
        token = accounts.create_token(db, holder, "live updates")
        revoked = accounts.create_token(db, holder, "old one")
        db.flush()
        revoked_id = next(t.id for t in accounts.list_tokens(db, alice.id) if t.label == "old one")
        assert accounts.revoke_token(db, alice.id, revoked_id)
    url = live_server.url
    room = f"person:{alice.id}"

    with_token = sockets(url, "token", token=token)
    assert with_token.join(room) == {"ok": True, "room": room}
    anonymous = [sockets(url, f"token {value[:10]!r}", token=value) for value in [revoked, "agora_" + "x" * 43, ""]]
    for socket_ in anonymous:
        assert socket_.join(room) == {"ok": False, "error": "not_found"}, socket_.label

    placed = sockets(url, "token, never joined", token=token)  # put in their own room on connect
    assert status_of_get(url, f"{notify_route}?person={alice.id}&outcome=ok") == 200
    assert with_token.next_event() == ("notification", {"unread": 1})
    assert placed.next_event() == ("notification", {"unread": 1})
    assert_silent(anonymous, 0.1)


def test_session_cookie_is_found_among_other_cookies(live_server, sockets):
    """Other apps on the same host set cookies the stdlib parser chokes on; the person stays known."""
    (alice,) = people(live_server.database, [])
    url = live_server.url
    cookie = session_cookie(live_server.database, alice.id).removeprefix("agora_session=")
    room = f"person:{alice.id}"
    for header in [f"theme=dark mode; agora_session={cookie}",
                   f'consent="a b"; agora_session={cookie}; _ga=GA1.1.2',
                   f"agora_lang=fr,agora_session={cookie}",  # engine.io joins repeated headers with ","
                   f"agora_session=stale-old-value; agora_session={cookie}"]:
        socket_ = sockets(url, header, cookie=header)
        assert socket_.join(room) == {"ok": True, "room": room}, header


def test_signed_out_cookie_is_anonymous(live_server, browsers, sockets):
    (alice,) = people(live_server.database, [])
    url = live_server.url
    http = browsers(url)
    cookie = http.sign_in(alice.email)
    before = sockets(url, "before sign-out", cookie=f"agora_session={cookie}")
    assert before.join(f"person:{alice.id}")["ok"] is True
    assert http.post("/signout", {}, from_page="/").status_code == 303
    after = sockets(url, "after sign-out", cookie=f"agora_session={cookie}")
    assert after.join(f"person:{alice.id}") == {"ok": False, "error": "not_found"}


def test_socket_from_another_site_is_refused(live_server):
    """A page elsewhere must not open a socket riding on the person's cookie (cross-site WebSocket)."""
    (alice,) = people(live_server.database, [])
    url = live_server.url
    cookie = session_cookie(live_server.database, alice.id)
    ws_url = url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    polling_url = url + "/socket.io/?EIO=4&transport=polling"

    same_site = websocket.create_connection(ws_url, origin=url, cookie=cookie, timeout=5)
    try:
        assert same_site.recv().startswith("0{")  # engine.io "open" packet
    finally:
        same_site.close()
    assert requests.get(polling_url, headers={"Origin": url, "Cookie": cookie}, timeout=5).status_code == 200

    # Behind a proxy that rewrites Host, the public address (AGORA_BASE_URL) is still this site.
    proxied = websocket.create_connection(ws_url, origin=url, host="127.0.0.1:8000", cookie=cookie, timeout=5)
    proxied.close()

    for evil in ["https://evil.example", "null", url.replace("http://", "https://")]:
        with pytest.raises(websocket.WebSocketBadStatusException):
            websocket.create_connection(ws_url, origin=evil, cookie=cookie, timeout=5)
        other = requests.get(polling_url, headers={"Origin": evil, "Cookie": cookie}, timeout=5)
        assert other.status_code == 400, evil
    with pytest.raises(websocket.WebSocketBadStatusException):  # forwarded headers prove nothing
        websocket.create_connection(ws_url, origin="https://evil.example", cookie=cookie, timeout=5,
                                    header=["X-Forwarded-Host: evil.example", "X-Forwarded-Proto: https"])


# --- 3. events leave only after commit, through the real request unit of work ---------------------

@page(write=True)
def _notify_then(ctx: Ctx):
    """Test-only endpoint: queues a notification for ?person=, then ends as ?outcome= says."""
    notify(ctx.db, ctx.request.query_params["person"], "role_granted", {"role": "moderator", "scope": ""})
    outcome = ctx.request.query_params["outcome"]
    if outcome == "problem":
        raise Problem(422, "refused", "refused")
    if outcome == "error_status":
        return ctx.respond_json({"refused": True}, status=409)
    if outcome == "crash":
        raise RuntimeError("the handler broke after queueing")
    return ctx.respond_json({"ok": True})


@pytest.fixture
def notify_route(live_server) -> str:
    path = "/_test/notify-then"
    starlette_app(live_server.app).router.routes.append(Route(path, _notify_then))
    return path


def status_of_get(base_url: str, path: str) -> int:
    return requests.get(base_url + path, timeout=5, allow_redirects=False).status_code


def test_events_leave_only_after_commit(live_server, notify_route, browsers, sockets):
    alice, bob = people(live_server.database, [], [])
    url = live_server.url
    http = browsers(url)
    alice_ws = sockets(url, "alice", cookie=session_cookie(live_server.database, alice.id))
    bob_ws = sockets(url, "bob", cookie=session_cookie(live_server.database, bob.id))

    for outcome, status in [("problem", 422), ("error_status", 409), ("crash", 500)]:
        response = http.get(f"{notify_route}?person={alice.id}&outcome={outcome}")
        assert response.status_code == status, outcome
    assert unread_of(live_server.database, alice.id) == 0

    # The committed one: had any rolled-back unit emitted, its event would have arrived first
    # on this connection (one socket delivers in order), with the same payload.
    assert http.get(f"{notify_route}?person={alice.id}&outcome=ok").status_code == 200
    assert alice_ws.next_event() == ("notification", {"unread": 1})
    assert_silent([alice_ws, bob_ws])
    assert unread_of(live_server.database, alice.id) == 1
