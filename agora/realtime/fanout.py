"""Sending one event to a room of thousands of sockets: the client managers agora gives python-socketio.

python-socketio's `AsyncManager.emit` encodes the packet once, then creates one asyncio task per socket
of the room and waits for them all. Each task only puts the packet on that socket's Engine.IO queue
(the socket's own writer task sends it), so the tasks buy no concurrency; for 5,000 watchers they are
5,000 tasks, their coroutines and loop handles, created in one burst. Here the packet is put on every
queue in one pass (`engineio.AsyncServer.send_packet`, which never waits: the queues are unbounded).

With Redis, python-socketio's `AsyncPubSubManager.emit` sends to its own sockets first and publishes
afterwards, so the other processes start only once this one has finished. Here the event is
published first, and every process fans out at the same time.

Events with an acknowledgement callback (agora sends none) keep python-socketio's own path.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import socketio
from engineio import packet as eio_packet
from socketio import packet as sio_packet

log = logging.getLogger("agora.realtime")

YIELD_EVERY = 500  # sockets queued between two turns of the event loop: writers and requests run meanwhile


class DirectFanOut(socketio.AsyncManager):
    """Queues a room's event to each of its sockets in one pass, without a task per socket."""

    async def emit(self, event: str, data: Any, namespace: str, room: Any = None, skip_sid: Any = None,
                   callback: Any = None, to: Any = None, **kwargs: Any) -> None:
        if callback is not None or namespace not in self.rooms:
            await super().emit(event, data, namespace, room=room, skip_sid=skip_sid, callback=callback, to=to,
                               **kwargs)
            return
        recipients = _recipients(self.get_participants(namespace, to or room), skip_sid)
        if recipients:
            await self._queue_to(recipients, self._engineio_packets(event, data, namespace))

    def _engineio_packets(self, event: str, data: Any, namespace: str) -> list[eio_packet.Packet]:
        arguments = list(data) if isinstance(data, tuple) else [] if data is None else [data]
        encoded = self.server.packet_class(sio_packet.EVENT, namespace=namespace, data=[event, *arguments]).encode()
        return [eio_packet.Packet(eio_packet.MESSAGE, part) for part in (encoded if isinstance(encoded, list)
                                                                          else [encoded])]

    async def _queue_to(self, recipients: list[str], packets: list[eio_packet.Packet]) -> None:
        engineio = self.server.eio
        for count, eio_sid in enumerate(recipients, start=1):
            try:
                for one in packets:
                    await engineio.send_packet(eio_sid, one)  # puts it on the socket's queue; never waits
            except Exception:  # a socket closing meanwhile must not cost the others their event
                log.debug("could not queue an event to %s", eio_sid, exc_info=True)
            if count % YIELD_EVERY == 0:
                await asyncio.sleep(0)


def _recipients(participants: Any, skip_sid: Any) -> list[str]:
    """The Engine.IO ids to send to, taken before the first send: a socket that leaves meanwhile changes
    the room's membership, never this list."""
    skipped = set(skip_sid) if isinstance(skip_sid, list) else {skip_sid}
    return [eio_sid for sid, eio_sid in participants if sid not in skipped]


class RedisFanOut(socketio.AsyncRedisManager, DirectFanOut):
    """python-socketio's Redis manager (its local sends go through `DirectFanOut`), publishing first."""

    async def emit(self, event: str, data: Any, namespace: str | None = None, room: Any = None,
                   skip_sid: Any = None, callback: Any = None, to: Any = None, **kwargs: Any) -> None:
        if kwargs.get("ignore_queue") or callback is not None or sio_packet.Packet.data_is_binary([data]):
            await super().emit(event, data, namespace=namespace, room=room, skip_sid=skip_sid, callback=callback,
                               to=to, **kwargs)
            return
        # The message python-socketio's AsyncPubSubManager.emit publishes, in the same order of fields.
        message = {"method": "emit", "event": event, "data": list(data) if isinstance(data, tuple) else [data],
                   "binary": False, "namespace": namespace or "/", "room": to or room, "skip_sid": skip_sid,
                   "callback": None, "host_id": self.host_id}
        await self._publish(message)  # the other processes start their fan-out now
        await self._handle_emit(message)  # then this one's
