"""The consultation room end to end (uvicorn, Socket.IO client): who may join, and what goes out —
participation counts after each committed ballot, never a count per option."""

from __future__ import annotations

import requests

from tests.consultations.support import ANSWERS, caller, definition
from tests.realtime.conftest import WAIT, live_server, sockets  # noqa: F401  (fixtures)

API = "/api/v1/consultations"


def _api(server, method: str, path: str, who, json=None):
    return requests.request(method, f"{server.url}{API}{path}", json=json, headers=who.headers, timeout=WAIT)


def test_the_room_gets_participation_only(live_server, sockets):  # noqa: F811
    database = live_server.database
    admin, other = caller(database, roles=["admin"]), caller(database, roles=["admin"])
    voters = [caller(database), caller(database, voting_college="partners", categories="partners")]
    cid = _api(live_server, "POST", "", admin, definition()).json()["id"]
    room = f"consultation:{cid}"

    watcher = sockets(live_server.url, "voter", token=voters[0].token)
    assert watcher.join(room) == {"ok": False, "error": "not_found"}  # a draft: the secretariat's
    assert sockets(live_server.url, "admin", token=admin.token).join(room)["ok"] is True
    assert _api(live_server, "POST", f"/{cid}/approve", other).status_code == 200
    assert _api(live_server, "POST", f"/{cid}/open", admin).status_code == 200
    assert sockets(live_server.url, "anonymous").join(room) == {"ok": False, "error": "not_found"}
    assert watcher.join(room) == {"ok": True, "room": room}

    assert _api(live_server, "POST", f"/{cid}/ballot", voters[0], {"answers": ANSWERS}).status_code == 200
    assert watcher.next_event() == ("participation", {
        "voters": 1, "by_college": {"members": 1, "permanents": 0, "clients": 0, "partners": 0}})
    refused = _api(live_server, "POST", f"/{cid}/ballot", voters[1], {"answers": {**ANSWERS, "q2": "zzz"}})
    assert refused.status_code == 422
    assert _api(live_server, "POST", f"/{cid}/ballot", voters[1], {"answers": ANSWERS}).status_code == 200
    assert watcher.next_event() == ("participation", {
        "voters": 2, "by_college": {"members": 1, "permanents": 0, "clients": 0, "partners": 1}})
    assert _api(live_server, "POST", f"/{cid}/close", admin).status_code == 200
    assert watcher.next_event() == ("consultation_status", {"status": "closed"})
    watcher.assert_silent()


def test_a_burst_of_ballots_is_told_coalesced_with_the_latest_count(live_server, sockets):  # noqa: F811
    """Participation goes out at most once per window (agora.realtime.coalesce): the first ballot at once, the
    burst behind it as one later event with the latest count, never one event per ballot."""
    from concurrent.futures import ThreadPoolExecutor

    from agora.realtime.coalesce import WINDOW_S

    database = live_server.database
    admin, other = caller(database, roles=["admin"]), caller(database, roles=["admin"])
    voters = [caller(database) for _ in range(12)]
    cid = _api(live_server, "POST", "", admin, definition()).json()["id"]
    assert _api(live_server, "POST", f"/{cid}/approve", other).status_code == 200
    assert _api(live_server, "POST", f"/{cid}/open", admin).status_code == 200
    watcher = sockets(live_server.url, "watcher", token=voters[0].token)
    assert watcher.join(f"consultation:{cid}")["ok"] is True

    with ThreadPoolExecutor(len(voters)) as pool:
        answers = list(pool.map(lambda v: _api(live_server, "POST", f"/{cid}/ballot", v, {"answers": ANSWERS}),
                                voters))
    assert [a.status_code for a in answers] == [200] * len(voters)
    counts = []
    while not counts or counts[-1] < len(voters):
        name, payload = watcher.next_event()
        assert name == "participation"
        counts.append(payload["voters"])
    assert counts[-1] == len(voters) and payload["by_college"]["members"] == len(voters)
    assert counts == sorted(counts) and len(counts) < len(voters), counts
    gaps = [b - a for a, b in zip(watcher.arrived, watcher.arrived[1:], strict=False)]
    assert all(gap >= WINDOW_S * 0.8 for gap in gaps), gaps  # never two within a window
    watcher.assert_silent()
