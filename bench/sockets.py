"""`sockets_broadcast` and `sockets_redis`: one live event delivered to thousands of open sockets.

    .venv/bin/python bench/sockets.py [--clients 5000] [--events 5]                      # one process, SQLite
    .venv/bin/python bench/sockets.py --servers 2 --postgres URL --redis redis://127.0.0.1:6379/0

What it does, as a user would:
1. a fresh database (a SQLite file; or, for several servers, the PostgreSQL database given, EMPTIED
   first), `agora db upgrade`; N watchers and a few voters, each a person with their own API token,
   created with agora's own account code;
2. `agora serve` (production settings), or S of them on S ports sharing PostgreSQL and Redis (the
   deployment of several processes); a binding consultation opened through the admin API;
3. the watchers: N websocket connections from two generator processes (asyncio, the `websockets`
   library that uvicorn already brings), each speaking Socket.IO's wire protocol (Engine.IO 4)
   itself, so that 5,000 clients cost the generator little: connect with the watcher's own token,
   `join` the consultation's room (the server checks the right to read it, as for a browser),
   answer pings, and note the monotonic time at which each `participation` event arrives. With S
   servers, the watchers are spread evenly over them;
4. E times, one after the other: a voter casts a ballot through the API of the first server; the
   ballot's commit emits `participation` to the room (through Redis to the other servers). The
   delivery latency of each watcher is its arrival time minus the moment the ballot was sent (the
   same clock: CLOCK_MONOTONIC is machine-wide), so it includes the ballot itself;
5. checks: every watcher connected, joined, and received every event, with the right count of
   voters; the server's resident memory (VmRSS, and VmHWM its peak) is read from /proc with every
   socket open; the generators' CPU is measured.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import random
import resource
import sys
import tempfile
import time
from itertools import pairwise
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

from ballots import (  # noqa: E402
    Api,
    BenchError,
    agora,
    cpu_seconds,
    create_people_in_bulk,
    empty_postgres,
    environment,
    free_port,
    open_consultation,
    percentile,
    random_answers,
    served,
    start_profiler,
    stop_profiler,
)

CONNECTS_AT_ONCE = 32  # per generator process: a burst of handshakes, not a flood
CONNECT_DEADLINE_S = 120  # watchers not connected and joined by then count as failed (the run stays bounded)


# --- the watchers (generator processes) ------------------------------------------------------------

async def _watch(url: str, token: str, room: str, arrivals: list[tuple[int, float]], ready: asyncio.Event,
                 gate: asyncio.Semaphore, failures: list[str]) -> None:
    """One watcher: connects, joins, then receives until the parent cancels it. It waits in `recv()`
    without a timeout: a timeout would wake 5,000 watchers twice a second, and that CPU is taken from the
    server on a 2-core machine."""
    import websockets

    socket = None
    try:
        async with gate:
            socket = await websockets.connect(url, ping_interval=None, open_timeout=120, max_size=2**20,
                                              compression=None)
            opening = await asyncio.wait_for(socket.recv(), 120)
            if not str(opening).startswith("0"):
                raise BenchError(f"no Engine.IO open packet: {opening!r}")
            await socket.send("40" + json.dumps({"token": token}))
            joined = False
            while not joined:
                message = str(await asyncio.wait_for(socket.recv(), 120))
                if message == "2":
                    await socket.send("3")
                elif message.startswith("40"):
                    await socket.send("421" + json.dumps(["join", {"room": room}]))
                elif message.startswith("431"):
                    answer = json.loads(message[3:])[0]
                    if not answer.get("ok"):
                        raise BenchError(f"join refused: {answer}")
                    joined = True
                elif message.startswith("44"):
                    raise BenchError(f"connection refused: {message}")
        ready.set()
        while True:
            message = str(await socket.recv())
            if message == "2":
                await socket.send("3")
            elif message.startswith('42["participation"'):
                arrivals.append((json.loads(message[2:])[1]["voters"], time.monotonic()))
    except asyncio.CancelledError:
        pass  # stopped by the parent (which counted those not joined by the deadline)
    except Exception as error:  # counted and reported by the parent: a watcher that failed
        failures.append(repr(error)[:200])
        ready.set()
    finally:
        if socket is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(socket.close(), 10)


def summarise(arrivals: list[tuple[int, float]]) -> tuple[int, int | None, int]:
    """One watcher's (events received, the last count of voters seen, times the count went down)."""
    counts = [voters for voters, _at in arrivals]
    return len(counts), counts[-1] if counts else None, sum(b < a for a, b in pairwise(counts))


async def _watchers(jobs: list[tuple[str, str]], room: str, control: Any, summarised: bool = False) -> None:
    gate = asyncio.Semaphore(CONNECTS_AT_ONCE)
    failures: list[str] = []
    arrivals: list[list[tuple[int, float]]] = [[] for _ in jobs]
    ready = [asyncio.Event() for _ in jobs]
    tasks = [asyncio.create_task(_watch(url, token, room, arrivals[i], ready[i], gate, failures))
             for i, (url, token) in enumerate(jobs)]
    try:
        await asyncio.wait_for(asyncio.gather(*(event.wait() for event in ready)), CONNECT_DEADLINE_S)
    except TimeoutError:
        late = sum(not event.is_set() for event in ready)
        failures += [f"not connected and joined within {CONNECT_DEADLINE_S} s"] * late
    control.send(("ready", len(failures)))
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, control.recv)  # "stop"
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    control.send(("arrivals", [summarise(a) for a in arrivals] if summarised else arrivals, failures))


def _generator(jobs: list[tuple[str, str]], room: str, control: Any, summarised: bool = False) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF)
    asyncio.run(_watchers(jobs, room, control, summarised))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    control.send(("cpu", usage.ru_utime + usage.ru_stime - before.ru_utime - before.ru_stime))
    control.close()


class Watchers:
    """Watchers of one room in `generators` processes: `start()` returns once each is connected and
    joined (or failed, or past the deadline) with the number that failed; `stop()` closes them and
    returns (each watcher's arrivals, or its `summarise` when `summarised`; failures; generators' CPU
    seconds). `jobs` are (websocket URL, token) pairs, one per watcher."""

    def __init__(self, jobs: list[tuple[str, str]], room: str, generators: int = 2, summarised: bool = False):
        self.jobs, self.room, self.generators, self.summarised = jobs, room, generators, summarised
        self.children: list[tuple[Any, Any]] = []

    def start(self) -> int:
        context = multiprocessing.get_context("spawn")
        for index in range(self.generators):
            mine, theirs = context.Pipe()
            child = context.Process(target=_generator,
                                    args=(self.jobs[index::self.generators], self.room, theirs, self.summarised))
            child.start()
            theirs.close()
            self.children.append((child, mine))
        return sum(mine.recv()[1] for _child, mine in self.children)

    def stop(self) -> tuple[list[Any], list[str], float]:
        arrivals: list[Any] = []
        failures: list[str] = []
        cpu = 0.0
        for child, mine in self.children:
            mine.send("stop")
            _kind, got, failed = mine.recv()
            arrivals += got
            failures += failed
            cpu += mine.recv()[1]
            child.join(timeout=60)
        return arrivals, failures, cpu


def socket_url(port: int) -> str:
    return f"ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket"


# --- the scenario ----------------------------------------------------------------------------------

def memory_kib(pid: int) -> dict[str, int]:
    figures = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _sep, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            figures[key] = int(value.split()[0])
    return figures


def run(clients: int = 5000, events: int = 5, servers: int = 1, postgres: str | None = None,
        redis: str | None = None, generators: int = 2, profile: Path | None = None,
        say: Any = print) -> dict[str, Any]:
    if servers > 1 and not (postgres and redis):
        raise BenchError("several servers need PostgreSQL and Redis (--postgres, --redis)")
    with tempfile.TemporaryDirectory(prefix="agora-bench-sockets-") as tmp, contextlib.ExitStack() as stack:
        directory = Path(tmp)
        ports = [free_port() for _ in range(servers)]
        envs = [environment(directory, port) for port in ports]
        secret = envs[0]["AGORA_SECRET_KEY"]
        for env in envs:
            env["AGORA_SECRET_KEY"] = secret
            if postgres:
                env["AGORA_DATABASE_URL"] = postgres
            if redis:
                env["AGORA_REDIS_URL"] = redis
        if postgres:
            empty_postgres(postgres)
        agora(envs[0], "db", "upgrade")
        started = time.perf_counter()
        url = envs[0]["AGORA_DATABASE_URL"]
        admins, people = create_people_in_bulk(url if not url.startswith("postgresql:") else
                                       "postgresql+psycopg:" + url.split(":", 1)[1], clients + events, seed=7)
        watchers, voters = people[:clients], people[clients:]
        say(f"  {clients} watchers and {events} voters with their tokens created in "
            f"{time.perf_counter() - started:.0f} s")
        processes = [stack.enter_context(served(env, port, directory / f"server-{i}.log"))
                     for i, (env, port) in enumerate(zip(envs, ports, strict=True))]
        api = Api(ports[0])
        cid = open_consultation(api, admins)
        room = f"consultation:{cid}"

        jobs = [(socket_url(ports[i % servers]), w.token) for i, w in enumerate(watchers)]
        crowd = Watchers(jobs, room, generators)
        began = time.perf_counter()
        failed_connect = crowd.start()
        connect_s = time.perf_counter() - began
        say(f"  {clients - failed_connect} of {clients} sockets connected and joined in {connect_s:.0f} s")
        rss_open = [memory_kib(p.pid) for p in processes]

        sent_at: dict[int, float] = {}
        answered_ms: list[float] = []
        ballot_path = f"/api/v1/consultations/{cid}/ballot"
        rng = random.Random(3)  # noqa: S311
        profiler = start_profiler(processes[0].pid, profile) if profile else None
        cpu_before = [cpu_seconds(p.pid) for p in processes]
        for n, voter in enumerate(voters, start=1):
            time.sleep(1.0)  # every delivery of the event before ends before the next starts
            sent_at[n] = time.monotonic()
            api.ok("POST", ballot_path, voter.token, {"answers": random_answers(rng)})
            answered_ms.append((time.monotonic() - sent_at[n]) * 1000)
        time.sleep(3.0)
        server_cpu = [cpu_seconds(p.pid) - before for p, before in zip(processes, cpu_before, strict=True)]
        if profiler:
            stop_profiler(profiler)
        rss_after = [memory_kib(p.pid) for p in processes]
        arrivals, failures, cpu = crowd.stop()
        elapsed = time.perf_counter() - began

        latencies = []
        per_event: dict[int, list[float]] = {n: [] for n in sent_at}
        missing = 0
        for watcher_arrivals in arrivals:
            seen = dict(watcher_arrivals)
            for n, at in sent_at.items():
                if n in seen:
                    latencies.append((seen[n] - at) * 1000)
                    per_event[n].append((seen[n] - at) * 1000)
                else:
                    missing += 1
        problems = []
        if failures:
            problems.append(f"{len(failures)} watchers failed, e.g. {failures[0]}")
        if missing:
            problems.append(f"{missing} deliveries missing of {clients * events}")
        rss = max(m["VmRSS"] for m in rss_open + rss_after) / 1024
        peak = max(m.get("VmHWM", 0) for m in rss_after) / 1024
        return {
            "clients": clients, "events": events, "servers": servers, "deliveries": len(latencies),
            "missing": missing, "failed_watchers": len(failures), "connect_s": connect_s,
            "p50_ms": percentile(latencies, 50), "p99_ms": percentile(latencies, 99),
            "max_ms": max(latencies) if latencies else float("nan"),
            "rss_mb": rss, "rss_peak_mb": peak, "rss_open_mb": [m["VmRSS"] / 1024 for m in rss_open],
            "ballot_answered_ms": answered_ms, "server_cpu_events_s": server_cpu,
            "per_event_ms": [{"first": min(v, default=float("nan")), "p50": percentile(v, 50),
                              "last": max(v, default=float("nan"))} for v in per_event.values()],
            "generator_cpu_s": cpu, "generator_cpu_pct": 100 * cpu / elapsed, "generators": generators,
            "problems": problems,
        }


def describe(figures: dict[str, Any]) -> str:
    f = figures
    return (f"  {f['deliveries']} deliveries ({f['clients']} sockets on {f['servers']} server(s) × {f['events']} "
            f"events): p50 {f['p50_ms']:.0f} ms, p99 {f['p99_ms']:.0f} ms, max {f['max_ms']:.0f} ms; "
            f"missing {f['missing']}, failed watchers {f['failed_watchers']}\n"
            f"  server RSS {f['rss_mb']:.0f} MB (peak {f['rss_peak_mb']:.0f} MB); sockets connected in "
            f"{f['connect_s']:.0f} s; generators' CPU {f['generator_cpu_pct']:.0f} % of a core "
            f"({f['generators']} processes)\n"
            f"  servers' CPU from the first ballot to 3 s after the last: "
            f"{', '.join(f'{v:.2f} s' for v in f['server_cpu_events_s'])}\n"
            f"  ballots answered in (ms): {', '.join(f'{v:.0f}' for v in f['ballot_answered_ms'])}\n"
            f"  per event, first / p50 / last delivery (ms): "
            f"{'; '.join(f'''{e['first']:.0f} / {e['p50']:.0f} / {e['last']:.0f}''' for e in f['per_event_ms'])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=5000)
    parser.add_argument("--events", type=int, default=5)
    parser.add_argument("--servers", type=int, default=1)
    parser.add_argument("--postgres", help="PostgreSQL URL (EMPTIED first); needed for several servers")
    parser.add_argument("--redis", help="Redis URL; needed for several servers")
    parser.add_argument("--profile", type=Path, help="sample the (first) server with py-spy during the events "
                        "(.txt collapsed stacks, .svg, .json speedscope; .venv/bin/pip install py-spy first)")
    args = parser.parse_args()
    figures = run(args.clients, args.events, args.servers, args.postgres, args.redis, profile=args.profile)
    print(describe(figures))
    for problem in figures["problems"]:
        print(f"  PROBLEM: {problem}")
    sys.exit(1 if figures["problems"] else 0)


if __name__ == "__main__":
    main()
