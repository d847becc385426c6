"""New posts appear live for everyone reading the thread: a real server, real HTTP and Socket.IO clients."""

from __future__ import annotations

from tests.deliberation_support import make_space, make_thread, moderation_settings, people


def test_a_reader_sees_a_post_by_another_person(live_server, browsers, sockets):
    database = live_server.database
    alice, bob, carol = people(database, [], [], [])
    make_space(database)
    thread_id = make_thread(database, alice, title="Réunion de jeudi")
    url = live_server.url
    bob_http, carol_http = browsers(url), browsers(url)
    bob_http.sign_in(bob.email)
    carol_cookie = carol_http.sign_in(carol.email)
    page = carol_http.get(f"/forums/threads/{thread_id}")
    assert f'data-live-room="thread:{thread_id}"' in page.text and "/static/js/deliberation.js" in page.text

    carol_ws = sockets(url, "carol", cookie=f"agora_session={carol_cookie}")
    assert carol_ws.join(f"thread:{thread_id}") == {"ok": True, "room": f"thread:{thread_id}"}
    response = bob_http.post(f"/forums/threads/{thread_id}/reply", {"body": "J'y serai, avec **des croissants**."},
                             from_page=f"/forums/threads/{thread_id}")
    assert response.status_code == 303

    name, payload = carol_ws.next_event()
    assert name == "forum_post"
    assert payload["thread"] == thread_id and payload["number"] == 2
    assert set(payload) == {"thread", "post", "number", "fragment"}  # ids only: no text leaves in the event
    fragment = carol_http.get(payload["fragment"])
    assert fragment.status_code == 200
    assert 'id="post-2"' in fragment.text and "<strong>des croissants</strong>" in fragment.text
    assert "<html" not in fragment.text

    bob_http.post(f"/forums/posts/{payload['post']}/edit", {"body": "J'y serai, sans croissants."},
                  from_page=f"/forums/posts/{payload['post']}/edit")
    name, edited = carol_ws.next_event()
    assert name == "forum_post_edited" and edited["post"] == payload["post"]
    carol_ws.assert_silent()


def test_held_posts_go_live_only_once_approved(live_server, browsers, sockets):
    database = live_server.database
    alice, newcomer, moderator = people(database, [], [], ["moderator"])
    make_space(database)
    thread_id = make_thread(database, alice)
    moderation_settings(database, hold_first_posts=1)
    url = live_server.url
    newcomer_http, moderator_http = browsers(url), browsers(url)
    newcomer_http.sign_in(newcomer.email)
    moderator_http.sign_in(moderator.email)
    alice_ws = sockets(url, "alice", cookie=f"agora_session={browsers(url).sign_in(alice.email)}")
    assert alice_ws.join(f"thread:{thread_id}")["ok"] is True
    newcomer_http.post(f"/forums/threads/{thread_id}/reply", {"body": "Mon premier message"},
                       from_page=f"/forums/threads/{thread_id}")
    alice_ws.assert_silent()
    from sqlalchemy import select

    from agora.forums.models import ForumPost

    with database.session(write=False) as db:
        held = db.execute(select(ForumPost.id).where(ForumPost.number == 2)).scalar_one()
    approved = moderator_http.post("/moderation/act", {"type": "forum_post", "id": held, "act": "approve",
                                                       "reason": ""}, from_page="/moderation")
    assert approved.status_code == 303
    name, payload = alice_ws.next_event()
    assert name == "forum_post" and payload["post"] == held


def test_thread_rooms_follow_the_page_rule(live_server, browsers, sockets):
    database = live_server.database
    alice, newcomer, bob = people(database, [], [], [])
    make_space(database)
    visible = make_thread(database, alice)
    moderation_settings(database, hold_first_posts=1)
    held = make_thread(database, newcomer, title="En attente")
    url = live_server.url
    bob_ws = sockets(url, "bob", cookie=f"agora_session={browsers(url).sign_in(bob.email)}")
    newcomer_ws = sockets(url, "newcomer", cookie=f"agora_session={browsers(url).sign_in(newcomer.email)}")
    anonymous = sockets(url, "anonymous")
    assert bob_ws.join(f"thread:{visible}")["ok"] is True
    assert bob_ws.join(f"thread:{held}") == {"ok": False, "error": "not_found"}
    assert newcomer_ws.join(f"thread:{held}")["ok"] is True
    assert anonymous.join(f"thread:{visible}") == {"ok": False, "error": "not_found"}
