"""The closing rush of the benchmark, held for 30 minutes (`make soak`, issue 9; not in CI):

    .venv/bin/python -m tests.reliability.soak [--minutes 30] [--rate 50] [--watchers 2000] [--connections 200]
                                               [--postgres URL --redis URL --workers 2] [--keep DIR]

It is bench/closing_rush.py (the same code, not a copy) run for `--minutes` at the closing rush's
rate (issue 8: 15,000 ballots in 5 minutes, 50 a second): minutes × 60 × rate voters (90,000 for 30
minutes) are bulk-inserted with their own API tokens, and ballots are offered through `agora serve`
at that constant rate (wrk, paced, each voter once) for `--minutes` and no longer, while W watchers
follow participation on their sockets. A server that cannot keep up receives fewer ballots than
prepared: the rate it achieved is reported beside the target (it is not a pass condition; the
benchmark's `closing_rush` judges speed). The server's resident memory (VmRSS of the process and
its workers) is sampled every 30 s.

It passes when, all together:
- zero errors: every ballot sent got a 200 with a tracking code, none left unanswered;
- memory flat: leaving out the first `warm-up` minutes (5, or a fifth of a shorter run), the mean
  RSS of the last third of the samples is at most 10 % above the mean of the first third;
- every watcher stayed connected and ended on the final count of voters, which never went down;
- the integrity checks once the rush is over: participation and the results count the acknowledged
  voters, `agora consultation tally` agrees after the close, `agora audit verify` passes, and the
  database read after the server stopped holds every acknowledged tracking code exactly once, one
  register row per ballot and per voter, register and box agreeing college by college.
The ballot latency is reported (the benchmark's goal is p99 ≤ 250 ms) but is not a pass condition here.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import closing_rush  # noqa: E402

RATE = closing_rush.ISSUE_SIZE["ballots"] / closing_rush.ISSUE_SIZE["seconds"]  # 50 ballots/s
SAMPLE_EVERY_S = 30.0
WARMUP_S = 300.0
GROWTH_TOLERANCE = 0.10


def verdict(figures: dict[str, Any], warmup_s: float) -> tuple[dict[str, Any], list[str]]:
    """(the memory judgement, every reason the soak fails: empty when it passes)."""
    memory = closing_rush.memory_flat(figures["rss_samples"], warmup_s, GROWTH_TOLERANCE)
    failures = list(figures["problems"])
    if figures["errors"] or figures["lost"]:
        failures.append(f"{figures['errors']} errors, {figures['lost']} lost ballots")
    if memory["flat"] is None:
        failures.append(f"memory not judged: {memory['why']}")
    elif not memory["flat"]:
        failures.append(f"memory grew: {memory['first_third_mib']} MiB → {memory['last_third_mib']} MiB "
                        f"({memory['growth']:+.1%}, tolerance {GROWTH_TOLERANCE:.0%})")
    return memory, failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--rate", type=float, default=RATE, help="ballots a second (the closing rush's: 50)")
    parser.add_argument("--watchers", type=int, default=closing_rush.ISSUE_SIZE["watchers"])
    parser.add_argument("--connections", type=int, default=closing_rush.CONNECTIONS)
    parser.add_argument("--postgres", help="PostgreSQL URL (EMPTIED first) instead of a SQLite file")
    parser.add_argument("--redis", help="Redis URL (with --postgres)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--sample-every", type=float, default=SAMPLE_EVERY_S, help="seconds between RSS samples")
    parser.add_argument("--keep", type=Path, help="work in this directory and leave it (database, logs)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    seconds = args.minutes * 60
    ballots = round(seconds * args.rate)
    warmup_s = min(WARMUP_S, seconds / 5)
    print(f"soak: the closing rush for {args.minutes:g} min: {ballots} ballots at {args.rate:g}/s, "
          f"{args.watchers} watchers, RSS every {args.sample_every:g} s (warm-up {warmup_s:g} s)", flush=True)
    figures = closing_rush.run(ballots, seconds, args.watchers, args.connections, sample_every=args.sample_every,
                               postgres=args.postgres, redis=args.redis, workers=args.workers, keep=args.keep,
                               time_bound=True, say=lambda text: print(text, flush=True))
    print(closing_rush.describe(figures))
    memory, failures = verdict(figures, warmup_s)
    held = figures["ballots_per_s"] >= closing_rush.RATE_GOAL * figures["target_per_s"]
    print(f"  rate held: {'yes' if held else 'NO'} ({figures['ballots_per_s']:.1f}/s of {figures['target_per_s']:g}/s)")
    print(f"  memory: {json.dumps(memory)}")
    print("  RSS samples (s, MiB): " + ", ".join(f"{t:g}:{mib:.0f}" for t, mib in figures["rss_samples"]))
    if args.json:
        args.json.write_text(json.dumps({**figures, "memory": memory, "failures": failures}, indent=1) + "\n",
                             encoding="utf-8")
    for failure in failures:
        print(f"SOAK FAILED: {failure}")
    if failures:
        return 1
    print("soak passed: zero errors, memory flat, every watcher on the final count, every acknowledged "
          "ballot present once, register and box agree, recount and audit log intact")
    return 0


if __name__ == "__main__":
    sys.exit(main())
