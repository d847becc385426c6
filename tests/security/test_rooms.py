"""Socket.IO room joins, generated from the registered room kinds (`agora.realtime.server.room_rule`):
every kind needs a line in ROOM_RULES below, and every role joins exactly the rooms its line allows,
through a real python-socketio client against the served application."""

from __future__ import annotations

from agora.realtime import rooms
from agora.realtime.server import room_kinds
from tests.security.access_rules import OWNER
from tests.security.world import ROLES, SIGNED_IN, build

# kind -> [(the world's value for the id, the roles that may join)]. Adding a room kind? Add it here.
ROOM_RULES: dict[str, list[tuple[str, frozenset[str]]]] = {
    "person": [("owner_id", OWNER)],  # a person's own notifications, no one else's
    "consultation": [("consultation_id", SIGNED_IN)],
    "proposal": [("proposal_id", SIGNED_IN), ("draft_id", OWNER)],  # a draft is its author's alone
    "thread": [("thread_id", SIGNED_IN)],
    "meeting": [("meeting_id", SIGNED_IN)],  # a meeting's page is open to every member
}
# Room kinds whose joins are tested beside their feature; here only an unknown object is tried.
ROOMS_COVERED_ELSEWHERE = {"ethics_referral": "tests/ethics/test_access.py"}
NEVER_JOINABLE = ["ethics_referral:" + "0" * 32, "session:{owner_id}", "person", "nonsense:x",
                  "consultation:" + "x" * 200]


def test_every_room_kind_has_a_rule(app):
    missing = sorted(set(room_kinds()) - set(ROOM_RULES) - set(ROOMS_COVERED_ELSEWHERE))
    assert not missing, (f"room kinds without a line in ROOM_RULES (tests/security/test_rooms.py): {missing}. "
                         "Add the world's object and the roles that may join.")
    assert "session" not in room_kinds(), "nobody may join a session room: it is how sockets are cut"


def test_room_joins_per_role(live_server, client, sockets):
    world = build(live_server.database, client)
    world.params["owner_id"] = world.people["owner"].id
    problems = []
    joined = 0
    for role in ROLES:
        cookies, _token = world.session(role)
        cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
        socket_ = sockets(live_server.url, role, cookie=cookie)
        for kind, cases in ROOM_RULES.items():
            for param, allowed in cases:
                room = f"{kind}:{world.params[param]}"
                ok = bool(socket_.join(room).get("ok"))
                joined += 1
                if ok != (role in allowed):
                    problems.append(f"{role} joining {kind} ({param}): {'joined' if ok else 'refused'}")
        for room in NEVER_JOINABLE:
            if socket_.join(room.format(**world.params)).get("ok"):
                problems.append(f"{role} joined {room}")
    assert not problems, "\n".join(problems)
    assert joined == len(ROLES) * sum(len(cases) for cases in ROOM_RULES.values())
    assert rooms.parse("session:x") == ("session", "x")
