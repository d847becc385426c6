"""Small pure pieces of the realtime server: room names, cookie reading, the Redis channel."""

from __future__ import annotations

import pytest

from agora.realtime import rooms
from agora.realtime.server import cookie_values, redis_channel


@pytest.mark.parametrize(("room", "parsed"), [
    ("person:abc", ("person", "abc")),
    ("consultation:1:2", ("consultation", "1:2")),
    ("person:", None), (":abc", None), ("person", None), ("", None), ("person:" + "a" * 100, None),
])
def test_room_names(room, parsed):
    assert rooms.parse(room) == parsed


@pytest.mark.parametrize(("header", "values"), [
    ("agora_session=v1", ["v1"]),
    ("theme=dark mode; agora_session=v1", ["v1"]),
    ('consent="a b"; agora_session="v1"; x=y', ["v1"]),
    ("agora_lang=fr,agora_session=v1", ["v1"]),
    ("agora_session=old; agora_session=v1", ["old", "v1"]),
    ("xagora_session=v1; agora_session_2=v2", []),
    ("", []),
])
def test_cookie_values(header, values):
    assert cookie_values(header, "agora_session") == values


@pytest.mark.parametrize(("url", "channel"), [
    ("redis://127.0.0.1:6379/7", "agora:socketio:7"),
    ("redis://127.0.0.1:6379", "agora:socketio:0"),
    ("rediss://user:secret@redis.example:6380/3", "agora:socketio:3"),
    ("redis://127.0.0.1:6379/1?db=4", "agora:socketio:4"),
    ("unix:///run/redis.sock?db=2", "agora:socketio:2"),
    ("unix:///run/redis/1", "agora:socketio:0"),
])
def test_redis_channel_follows_the_database_index(url, channel):
    assert redis_channel(url) == channel
