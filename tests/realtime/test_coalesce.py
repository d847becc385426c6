"""Coalesced live events (agora.realtime.coalesce) on a real event loop: the first goes out at once, a burst
within the window becomes one event carrying the latest payload, and nothing is reordered or lost."""

from __future__ import annotations

import asyncio

from agora.realtime.coalesce import Coalescer
from agora.realtime.outbox import OutgoingEvent

WINDOW = 0.2


def _count(room: str, voters: int) -> OutgoingEvent:
    return OutgoingEvent(room, "participation", {"voters": voters}, coalesce=True)


def _recorder() -> tuple[list[tuple[float, str, str, dict]], Coalescer]:
    sent: list[tuple[float, str, str, dict]] = []

    async def send(event: OutgoingEvent) -> None:
        sent.append((asyncio.get_running_loop().time(), event.room, event.name, event.payload))

    return sent, Coalescer(send, WINDOW)


def test_a_burst_becomes_the_first_event_then_the_latest_after_the_window():
    async def scenario():
        sent, coalescer = _recorder()
        start = asyncio.get_running_loop().time()
        for voters in range(1, 51):
            await coalescer.offer(_count("consultation:a", voters))
        assert [payload for *_, payload in sent] == [{"voters": 1}]  # at once
        await asyncio.sleep(WINDOW * 2)
        assert [payload for *_, payload in sent] == [{"voters": 1}, {"voters": 50}]
        assert sent[1][0] - start >= WINDOW * 0.9
        await asyncio.sleep(WINDOW * 1.5)
        await coalescer.offer(_count("consultation:a", 51))  # after a quiet window: at once again
        assert [payload for *_, payload in sent][-1] == {"voters": 51}

    asyncio.run(scenario())


def test_rooms_are_coalesced_separately():
    async def scenario():
        sent, coalescer = _recorder()
        for voters in (1, 2):
            await coalescer.offer(_count("consultation:a", voters))
            await coalescer.offer(_count("consultation:b", voters * 10))
        assert sorted((room, payload["voters"]) for _t, room, _n, payload in sent) == [
            ("consultation:a", 1), ("consultation:b", 10)]
        await asyncio.sleep(WINDOW * 2)
        assert sorted((room, payload["voters"]) for _t, room, _n, payload in sent) == [
            ("consultation:a", 1), ("consultation:a", 2), ("consultation:b", 10), ("consultation:b", 20)]

    asyncio.run(scenario())


def test_flushing_a_room_sends_what_waits_once_and_in_order():
    async def scenario():
        sent, coalescer = _recorder()
        await coalescer.offer(_count("consultation:a", 1))
        await coalescer.offer(_count("consultation:a", 2))
        await coalescer.flush_room("consultation:b")  # another room: nothing of a's goes out
        assert len(sent) == 1
        await coalescer.flush_room("consultation:a")  # e.g. before the status "closed"
        assert [payload for *_, payload in sent] == [{"voters": 1}, {"voters": 2}]
        await asyncio.sleep(WINDOW * 2)
        assert len(sent) == 2  # the timer found nothing left to send

    asyncio.run(scenario())
