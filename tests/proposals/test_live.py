"""Live updates of a proposal page, end to end: a real server, real browsers (HTTP) and Socket.IO clients."""

from __future__ import annotations

from tests.deliberation_support import make_proposal, people


def test_readers_see_supports_and_comments_of_others_live(live_server, browsers, sockets):
    alice, bob, carol = people(live_server.database, [], [], [])
    proposal_id = make_proposal(live_server.database, alice)
    room = f"proposal:{proposal_id}"
    url = live_server.url
    bob_http, carol_http = browsers(url), browsers(url)
    bob_http.sign_in(bob.email)
    carol_cookie = carol_http.sign_in(carol.email)
    carol_ws = sockets(url, "carol", cookie=f"agora_session={carol_cookie}")
    assert carol_ws.join(room) == {"ok": True, "room": room}

    page = f"/proposals/{proposal_id}"
    assert bob_http.post(f"{page}/support", {}, from_page=page).status_code == 303
    name, payload = carol_ws.next_event()
    assert name == "proposal_supports" and payload["supports"] == 1 and payload["proposal"] == proposal_id

    assert bob_http.post(f"{page}/comments", {"body": "Je suis **pour**", "stance": "for"},
                         from_page=page).status_code == 303
    name, payload = carol_ws.next_event()
    assert name == "proposal_comment" and payload["parent"] is None
    assert set(payload) == {"proposal", "comment", "parent", "fragment"}  # ids only, never text
    fragment = carol_http.get(payload["fragment"])
    assert fragment.status_code == 200 and "Je suis <strong>pour</strong>" in fragment.text
    carol_ws.assert_silent()


def test_proposal_rooms_follow_the_page_rule(live_server, browsers, sockets):
    alice, bob = people(live_server.database, [], [])
    draft = make_proposal(live_server.database, alice, publish=False)
    published = make_proposal(live_server.database, alice, title="Publique")
    url = live_server.url
    bob_ws = sockets(url, "bob", cookie=f"agora_session={browsers(url).sign_in(bob.email)}")
    alice_ws = sockets(url, "alice", cookie=f"agora_session={browsers(url).sign_in(alice.email)}")
    anonymous = sockets(url, "anonymous")
    assert bob_ws.join(f"proposal:{draft}") == {"ok": False, "error": "not_found"}
    assert alice_ws.join(f"proposal:{draft}")["ok"] is True
    assert bob_ws.join(f"proposal:{published}")["ok"] is True
    assert anonymous.join(f"proposal:{published}") == {"ok": False, "error": "not_found"}
    assert bob_ws.join("proposal:" + "0" * 32) == {"ok": False, "error": "not_found"}
