"""The authorisation matrix: every role × every referral page, file, API endpoint and socket room.

Routes come from the routing table, so a new referral route is in the matrix at once: anyone who may
not read a referral gets 404 from it (the same answer as for a referral that does not exist), and
nothing changes.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from sqlalchemy import func, select
from starlette.routing import Route

from agora.ethics_committee import services
from agora.ethics_committee.actions import ACTIONS
from agora.ethics_committee.api import routes as api_routes
from agora.ethics_committee.models import AccessLog, Attachment, Entry, Referral
from agora.ethics_committee.views import routes as page_routes
from tests.ethics.conftest import Cast, advance, submit
from tests.realtime.conftest import live_server, sockets  # noqa: F401  (fixtures)

READERS = {"referrer", "member", "chair", "rapporteur"}
OTHERS = ["anonymous", "cooperator", "other_cooperator", "recused_member", "moderator", "admin", "board", "relay"]
EVERYONE = sorted(READERS) + OTHERS


def _referral_routes(routes: list[Any], prefix: str) -> list[tuple[str, str]]:
    found = []
    for route in routes:
        assert isinstance(route, Route)
        if "{referral_id}" in route.path:
            for method in sorted(route.methods or set()):
                if method != "HEAD":
                    found.append((method, prefix + route.path))
    return found


PAGE_ROUTES = _referral_routes(page_routes, "")
API_ROUTES = _referral_routes(api_routes, "/api/v1")


def _expand(path: str, referral_id: str, attachments: list[str]) -> list[str]:
    paths = [path.replace("{referral_id}", referral_id)]
    if "{action}" in path:
        paths = [p.replace("{action}", action) for p in paths for action in ACTIONS]
    if "{attachment_id}" in path:
        paths = [p.replace("{attachment_id}", ident) for p in paths for ident in attachments]
    return paths


@pytest.fixture
def prepared(cast: Cast, referral_id: str) -> tuple[str, list[str]]:
    """A referral under examination with the referrer's attachment and a committee document."""
    advance(cast, referral_id, "examine")
    for role, name in (("referrer", "mine.txt"), ("chair", "committee.txt")):
        def upload(db: Any, p: Any, r: Referral, name: str = name) -> Any:
            from starlette.datastructures import UploadFile

            return services.attach(db, p, r, UploadFile(io.BytesIO(b"confidential document"), filename=name))
        cast.act(role, upload, referral_id)
    submit(cast, "cooperator")  # the cooperator has a referral of their own, which opens nothing else
    with cast.database.transaction() as db:
        ids = list(db.execute(select(Attachment.id).where(Attachment.referral_id == referral_id)
                              .order_by(Attachment.committee_only)).scalars())
    return referral_id, ids


def _state(cast: Cast, referral_id: str) -> tuple[Any, ...]:
    with cast.database.transaction() as db:
        referral = db.get(Referral, referral_id)
        assert referral is not None
        return (referral.status, referral.rapporteur_id,
                db.scalar(select(func.count()).select_from(Entry).where(Entry.referral_id == referral_id)),
                db.scalar(select(func.count()).select_from(Attachment).where(Attachment.referral_id == referral_id)))


def _reads_logged(cast: Cast, referral_id: str) -> int:
    with cast.database.transaction() as db:
        return db.scalar(select(func.count()).select_from(AccessLog).where(AccessLog.referral_id == referral_id)) or 0


def test_the_matrix_covers_every_referral_route() -> None:
    assert ("GET", "/ethics/referrals/{referral_id}") in PAGE_ROUTES
    assert ("GET", "/ethics/referrals/{referral_id}/attachments/{attachment_id}") in PAGE_ROUTES
    assert ("POST", "/ethics/referrals/{referral_id}/{action}") in PAGE_ROUTES
    assert ("GET", "/api/v1/ethics/referrals/{referral_id}") in API_ROUTES
    assert ("POST", "/api/v1/ethics/referrals/{referral_id}/{action}") in API_ROUTES


@pytest.mark.parametrize("role", OTHERS)
def test_everyone_not_allowed_gets_404_everywhere_and_changes_nothing(cast: Cast, prepared: Any, client: Any,
                                                                      role: str) -> None:
    referral_id, attachments = prepared
    before, logged = _state(cast, referral_id), _reads_logged(cast, referral_id)
    for method, template in PAGE_ROUTES:
        for path in _expand(template, referral_id, attachments):
            if method == "GET":
                cast.use(client, role)
                response = client.get(path, follow_redirects=False)
            else:
                response = cast.post(client, role, path, {"body": "x", "choice": "for", "admissible": "yes"},
                                     files={"attachment": ("a.txt", b"hello", "text/plain")})
            assert response.status_code == 404, (role, method, path, response.status_code)
            assert "Confidential" not in response.text and "Zebra" not in response.text
    client.cookies.clear()
    for method, template in API_ROUTES:
        for path in _expand(template, referral_id, attachments):
            response = client.request(method, path, headers=cast.api(role),
                                      json={"body": "x", "choice": "for"} if method == "POST" else None)
            assert response.status_code == 404, (role, method, path, response.status_code)
            assert response.json()["error"]["code"] == "not_found"
    assert _state(cast, referral_id) == before
    assert _reads_logged(cast, referral_id) == logged


def test_a_referral_that_does_not_exist_answers_the_same(cast: Cast, client: Any) -> None:
    cast.use(client, "admin")
    missing = client.get("/ethics/referrals/" + "0" * 32)
    assert missing.status_code == 404
    response = client.get("/api/v1/ethics/referrals/" + "0" * 32, headers=cast.api("admin"))
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("role", sorted(READERS))
def test_readers_see_the_referral_page_api_and_their_files(cast: Cast, prepared: Any, client: Any, role: str) -> None:
    referral_id, (own_file, committee_file) = prepared
    cast.use(client, role)
    page = client.get(f"/ethics/referrals/{referral_id}")
    assert page.status_code == 200 and "Confidential question Quokka" in page.text
    assert client.get(f"/ethics/referrals/{referral_id}/attachments/{own_file}").content == b"confidential document"
    committee_doc = client.get(f"/ethics/referrals/{referral_id}/attachments/{committee_file}")
    assert committee_doc.status_code == (404 if role == "referrer" else 200)
    log = client.get(f"/ethics/referrals/{referral_id}/access-log")
    assert log.status_code == (200 if role == "chair" else 404)
    client.cookies.clear()
    data = client.get(f"/api/v1/ethics/referrals/{referral_id}", headers=cast.api(role)).json()
    assert data["question"] == "Confidential question Quokka"
    assert len(data["attachments"]) == (1 if role == "referrer" else 2)
    # the referrer sees messages, never the committee's notes or hearings
    cast.act("chair", lambda db, p, r: services.add_note(db, p, r, "Secret note Wombat"), referral_id)
    cast.use(client, role)
    assert ("Secret note Wombat" in client.get(f"/ethics/referrals/{referral_id}").text) == (role != "referrer")


def test_a_cooperators_own_referral_is_theirs_alone(cast: Cast, client: Any) -> None:
    own = submit(cast, "cooperator", subject="Cooperator subject Lynx")
    cast.use(client, "cooperator")
    assert client.get(f"/ethics/referrals/{own}").status_code == 200
    for role in ("other_cooperator", "admin", "board", "moderator"):
        cast.use(client, role)
        assert client.get(f"/ethics/referrals/{own}").status_code == 404, role
        assert "Lynx" not in client.get("/ethics").text


def test_socket_rooms_follow_the_same_rule(cast: Cast, live_server: Any, sockets: Any) -> None:  # noqa: F811
    referral_id = submit(cast)
    cast.act("recused_member", lambda db, p, r: services.recuse(db, p, r, ""), referral_id)
    room = f"ethics_referral:{referral_id}"
    joined: dict[str, Any] = {}
    for role in EVERYONE:
        if role == "anonymous":
            socket_ = sockets(live_server.url, role)
        else:
            socket_ = sockets(live_server.url, role, cookie=f"agora_session={cast.cookies[role]}")
        joined[role] = socket_
        expected = {"ok": True, "room": room} if role in READERS else {"ok": False, "error": "not_found"}
        assert socket_.join(room) == expected, role
    assert joined["member"].join("ethics_referral:" + "0" * 32) == {"ok": False, "error": "not_found"}
    with cast.database.transaction() as db:  # joining is a read: logged for those let in, and only them
        joins = db.execute(select(AccessLog.person_id).where(AccessLog.referral_id == referral_id,
                                                             AccessLog.action == "room.joined")).scalars()
        assert sorted(joins) == sorted(cast.ids[role] for role in READERS)
    # an event reaches the room, with no confidential content in it
    cast.act("chair", lambda db, p, r: services.acknowledge(db, p, r), referral_id)
    from agora.realtime import outbox  # noqa: F401  (events leave after commit through the web unit only)

    http = __import__("requests").Session()
    http.cookies.set("agora_session", cast.cookies["chair"])
    page = http.get(f"{live_server.url}/ethics/referrals/{referral_id}", timeout=5)
    token = __import__("re").search(r'name="csrf-token" content="([0-9a-f]+)"', page.text).group(1)
    answer = http.post(f"{live_server.url}/ethics/referrals/{referral_id}/admissibility",
                       data={"admissible": "yes", "csrf_token": token}, allow_redirects=False, timeout=5)
    assert answer.status_code == 303
    name, payload = joined["referrer"].next_event()
    assert name == "ethics_referral_changed" and payload == {"referral": referral_id, "status": "admissible"}
    joined["admin"].assert_silent()
