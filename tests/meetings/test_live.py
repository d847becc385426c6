"""Live counts reach a real Socket.IO client in the meeting's room (uvicorn on a loopback port)."""

from __future__ import annotations

import requests

from tests.meetings.support import caller, meeting_body
from tests.realtime.conftest import WAIT, session_cookie


def _api(url: str, method: str, path: str, token: str, json: object = None) -> requests.Response:
    return requests.request(method, url + "/api/v1" + path, json=json, timeout=WAIT,
                            headers={"Authorization": f"Bearer {token}"})


def _state(socket_) -> dict:
    while True:
        name, payload = socket_.next_event()
        if name == "meeting_state":
            return payload


def test_positions_and_current_item_reach_the_room(live_server, sockets):
    url, database = live_server.url, live_server.database
    relay = caller(database, ["relay:liege"], region="liege")
    alice = caller(database, region="liege", voting_college="members")
    eupen_member = caller(database, region="eupen")
    made = _api(url, "POST", "/meetings", relay.token, meeting_body(local_topics=["Local A", "Local B"]))
    assert made.status_code == 201, made.text
    mid = made.json()["id"]

    projector = sockets(url, "projector", token=relay.token)
    phone = sockets(url, "alice's phone", cookie=session_cookie(database, alice.id))
    anonymous = sockets(url, "anonymous")
    assert projector.join(f"meeting:{mid}") == {"ok": True, "room": f"meeting:{mid}"}
    assert phone.join(f"meeting:{mid}") == {"ok": True, "room": f"meeting:{mid}"}
    assert anonymous.join(f"meeting:{mid}") == {"ok": False, "error": "not_found"}
    assert sockets(url, "eupen", token=eupen_member.token).join("meeting:nope") == {"ok": False, "error": "not_found"}

    assert _api(url, "POST", f"/meetings/{mid}/checkins", relay.token, {"person": alice.id}).status_code == 201
    assert _state(phone)["attendance"] == 1
    assert _api(url, "POST", f"/meetings/{mid}/current", relay.token, {"item": "local-2"}).status_code == 200
    state = _state(phone)
    assert state["current_item"] == "local-2" and state["current_titles"] == {"fr": "Local B"}
    voted = _api(url, "POST", f"/meetings/{mid}/items/local-2/vote", alice.token, {"choice": "against"})
    assert voted.status_code == 200
    for socket_ in (phone, projector):
        latest = _state(socket_)
        while latest["positions"]["local-2"]["total"] == 0:
            latest = _state(socket_)
        assert latest["positions"]["local-2"]["counts"] == {"for": 0, "against": 1, "abstain": 0}
        assert latest["positions"]["local-2"]["by_college"] == {"members": {"for": 0, "against": 1, "abstain": 0}}
    anonymous.assert_silent()
