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


def test_a_slow_send_is_never_overlapped_so_counts_never_go_down():
    """A send that outlasts the window (a recount and thousands of sockets) is not overtaken: the next one
    starts after it ends, carries the latest count, and the counts written only ever grow."""

    async def scenario():
        written: list[int] = []
        in_flight = [0, 0]  # now, most at once

        async def slow_send(event: OutgoingEvent) -> None:
            in_flight[0] += 1
            in_flight[1] = max(in_flight[1], in_flight[0])
            # the first send is the slowest: overlapping, a later count would be written before it
            await asyncio.sleep(WINDOW * (3 if not written else 0.5))
            written.append(event.payload["voters"])
            in_flight[0] -= 1

        coalescer = Coalescer(slow_send, WINDOW)
        offers = [asyncio.create_task(coalescer.offer(_count("consultation:a", 1)))]
        for voters in range(2, 21):
            await asyncio.sleep(WINDOW / 4)
            offers.append(asyncio.create_task(coalescer.offer(_count("consultation:a", voters))))
        await asyncio.gather(*offers)
        await asyncio.sleep(WINDOW * 8)
        assert in_flight[1] == 1
        assert written == sorted(written) and written[0] == 1 and written[-1] == 20

    asyncio.run(scenario())
