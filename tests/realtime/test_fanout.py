"""Sending one event to a whole room (agora.realtime.fanout), against python-socketio's own managers:
the same packets reach the same sockets, in one pass of the emitting task, and with Redis the other
processes are told before this one starts its own sockets."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest
import socketio

from agora.realtime import fanout
from agora.realtime.fanout import DirectFanOut, RedisFanOut

ROOM = "consultation:c1"
PAYLOAD = {"consultation_id": "c1", "voters": 3}


def _server(manager: socketio.AsyncManager) -> tuple[socketio.AsyncServer, list[tuple[str, str, Any]]]:
    """A server whose Engine.IO side records what would be queued to each socket: (eio_sid, text, task)."""
    sio = socketio.AsyncServer(async_mode="asgi", client_manager=manager)
    queued: list[tuple[str, str, Any]] = []

    async def send_packet(eio_sid: str, pkt: Any) -> None:
        queued.append((eio_sid, pkt.encode(), asyncio.current_task()))

    sio.eio.send_packet = send_packet  # type: ignore[method-assign]
    return sio, queued


async def _populate(manager: socketio.AsyncManager, sockets: int, room: str = ROOM) -> list[str]:
    """`sockets` connected sockets in `room`, plus one connected socket elsewhere; their sids."""
    sids = []
    for n in range(sockets + 1):
        sid = await manager.connect(f"eio-{n}", "/")
        if n < sockets:
            manager.basic_enter_room(sid, "/", room)
            sids.append(sid)
    return sids


def _texts(queued: list[tuple[str, str, Any]]) -> Counter[tuple[str, str]]:
    return Counter((eio_sid, text) for eio_sid, text, _task in queued)


def test_a_room_gets_what_python_socketio_would_send_it():
    async def scenario() -> tuple[Counter, Counter]:
        theirs_manager = socketio.AsyncManager()
        theirs, theirs_queued = _server(theirs_manager)
        await _populate(theirs_manager, 30)
        ours_manager = DirectFanOut()
        ours, ours_queued = _server(ours_manager)
        await _populate(ours_manager, 30)
        for sio in (theirs, ours):
            await sio.emit("participation", PAYLOAD, room=ROOM)
            await sio.emit("status", ({"a": 1}, "two"), room=ROOM)  # several arguments
            await sio.emit("tick", None, room=ROOM)
        return _texts(theirs_queued), _texts(ours_queued)

    theirs, ours = asyncio.run(scenario())
    assert ours == theirs
    assert len(ours) == 3 * 30  # 30 sockets of the room, each packet once; the socket outside got none
    assert ("eio-0", '42["participation",{"consultation_id":"c1","voters":3}]') in ours


def test_every_socket_is_queued_from_the_emitting_task_with_one_encoded_packet():
    async def scenario() -> tuple[list[tuple[str, str, Any]], Any]:
        manager = DirectFanOut()
        sio, queued = _server(manager)
        await _populate(manager, 1200)  # more than YIELD_EVERY: the loop turns between two slices
        task = asyncio.current_task()
        await sio.emit("participation", PAYLOAD, room=ROOM)
        return queued, task

    queued, task = asyncio.run(scenario())
    assert len(queued) == 1200
    assert {sent_by for _sid, _text, sent_by in queued} == {task}  # no task per socket
    assert len({text for _sid, text, _task in queued}) == 1


def test_skip_sid_and_a_failing_socket_spare_the_others():
    async def scenario() -> list[tuple[str, str, Any]]:
        manager = DirectFanOut()
        sio, queued = _server(manager)
        sids = await _populate(manager, 10)
        recorded = sio.eio.send_packet

        async def send_packet(eio_sid: str, pkt: Any) -> None:
            if eio_sid == "eio-3":
                raise RuntimeError("socket closing")
            await recorded(eio_sid, pkt)

        sio.eio.send_packet = send_packet  # type: ignore[method-assign]
        await sio.emit("participation", PAYLOAD, room=ROOM, skip_sid=sids[5])
        return queued

    queued = asyncio.run(scenario())
    assert sorted(eio_sid for eio_sid, _text, _task in queued) == sorted(
        f"eio-{n}" for n in range(10) if n not in (3, 5))


def test_a_socket_leaving_during_the_fan_out_does_not_break_it(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(fanout, "YIELD_EVERY", 10)

    async def scenario() -> list[tuple[str, str, Any]]:
        manager = DirectFanOut()
        sio, queued = _server(manager)
        sids = await _populate(manager, 50)

        async def leave_soon() -> None:
            await asyncio.sleep(0)  # runs at the fan-out's first turn of the loop
            for sid in sids[40:]:
                manager.basic_leave_room(sid, "/", ROOM)

        leaving = asyncio.create_task(leave_soon())
        await sio.emit("participation", PAYLOAD, room=ROOM)
        await leaving
        return queued

    queued = asyncio.run(scenario())
    assert len(queued) == 50  # the room as it was when the event was sent


def _pubsub_recording(manager: socketio.AsyncPubSubManager, log: list[Any]) -> None:
    async def publish(message: dict[str, Any]) -> None:
        log.append(("published", message))

    manager._publish = publish  # type: ignore[method-assign]


def test_with_redis_the_message_is_python_socketios_and_leaves_before_the_local_fan_out():
    async def scenario() -> tuple[list[Any], list[Any], list[tuple[str, str, Any]], list[tuple[str, str, Any]]]:
        theirs_manager = socketio.AsyncRedisManager("redis://127.0.0.1:6379/0", channel="test")
        theirs, theirs_queued = _server(theirs_manager)
        await _populate(theirs_manager, 5)
        theirs_log: list[Any] = []
        _pubsub_recording(theirs_manager, theirs_log)

        ours_manager = RedisFanOut("redis://127.0.0.1:6379/0", channel="test")
        ours_manager.host_id = theirs_manager.host_id
        ours, ours_queued = _server(ours_manager)
        await _populate(ours_manager, 5)
        ours_log: list[Any] = []
        _pubsub_recording(ours_manager, ours_log)
        recorded = ours.eio.send_packet

        async def send_packet(eio_sid: str, pkt: Any) -> None:
            ours_log.append(("queued", eio_sid))
            await recorded(eio_sid, pkt)

        ours.eio.send_packet = send_packet  # type: ignore[method-assign]
        for sio in (theirs, ours):
            await sio.emit("participation", PAYLOAD, room=ROOM)
        return theirs_log, ours_log, theirs_queued, ours_queued

    theirs_log, ours_log, theirs_queued, ours_queued = asyncio.run(scenario())
    assert [entry for entry in ours_log if entry[0] == "published"] == theirs_log  # the same message
    assert ours_log[0][0] == "published" and len(ours_log) == 1 + 5  # published first, then 5 sockets
    assert _texts(ours_queued) == _texts(theirs_queued)


def test_a_message_from_another_process_reaches_this_ones_sockets():
    async def scenario() -> list[tuple[str, str, Any]]:
        manager = RedisFanOut("redis://127.0.0.1:6379/0", channel="test")
        _sio, queued = _server(manager)
        await _populate(manager, 4)
        message = {"method": "emit", "event": "participation", "data": [PAYLOAD], "binary": False,
                   "namespace": "/", "room": ROOM, "skip_sid": None, "callback": None, "host_id": "elsewhere"}
        await manager._handle_emit(message)  # what the Redis listener does with another process's event
        return queued

    queued = asyncio.run(scenario())
    assert sorted(eio_sid for eio_sid, _text, _task in queued) == [f"eio-{n}" for n in range(4)]
