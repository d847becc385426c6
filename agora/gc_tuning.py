"""The cyclic garbage collector of a server process that holds thousands of open sockets.

CPython starts a collection of its youngest generation every 700 new container objects, and a full
collection, which walks every tracked object, whenever enough objects have survived into the oldest
generation. A served agora process holds about 180,000 tracked objects after start-up (SQLAlchemy's
mappers, Jinja's templates, the modules) and about 150 more per open socket (Engine.IO and Socket.IO
state, uvicorn's protocol, tasks): close to a million with 5,000 watchers. Sending one event to them
creates tens of thousands of short-lived objects (queue entries, futures, timer handles) in a burst;
with the default thresholds many of them are promoted before they die, and a full collection starts in
the middle of the broadcast. py-spy measured 59 % of the event
loop's samples inside the collector during a broadcast to 2,000 sockets (`bench/README.md`).

So, once the application is built:
- `gc.freeze()` moves everything alive after start-up to the permanent generation, which collections
  never walk (those objects live as long as the process anyway);
- the youngest generation holds up to 50,000 objects, so that what a broadcast creates is freed by
  reference counting before a collection can promote it. Reference cycles are still collected, a little
  later; the memory this holds back is a few megabytes at most.
"""

from __future__ import annotations

import gc

YOUNGEST = 50_000  # new container objects before a collection of the youngest generation (CPython: 700)
MIDDLE = 10  # youngest collections before one of the middle generation (as CPython)
OLDEST = 10  # middle collections before a full one is considered (as CPython)


def settle_after_start() -> None:
    """Call once the application is built, in the process that serves it."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNGEST, MIDDLE, OLDEST)
