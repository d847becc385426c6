"""agora's benchmarks in one run: `make bench` (full, about 10 minutes) and `make bench-smoke` (CI).

    .venv/bin/python bench/run.py                    # full run → bench/results/latest.json
    .venv/bin/python bench/run.py --smoke            # small sizes → bench/results/tmp/smoke.json
    .venv/bin/python bench/run.py --only tally_100k  # some scenarios → bench/results/tmp/partial.json

Every scenario builds its own data in a temporary directory, checks that what it measured is right
(zero errors, zero lost ballots, recounts that agree) and returns its figures; this file turns them
into result rows {"name", "value", "unit", "goal", "baseline", "ratio", "met"}, writes them with a
description of the machine, and prints a table. `met` is true or false where there is a goal, null
where a figure is reported for information.

Exit status: 1 when a correctness check failed (in any mode) or a scenario could not run; a missed
speed goal is reported, never an error (the machine is shared: speed drifts, correctness does not),
unless --strict.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

import ballots  # noqa: E402
import closing_rush  # noqa: E402
import http_ceiling  # noqa: E402
import import_72k  # noqa: E402
import pages  # noqa: E402
import report_build  # noqa: E402
import sockets  # noqa: E402
import tally_100k  # noqa: E402

RESULTS = BENCH / "results"
TALLY_GOAL_S = 0.5  # issue 3: "Aim: tally under 0.5 s"
BALLOTS_RATIO_GOAL = 0.8  # issue 8, ballots_sqlite: ≥ 0.8 of the baseline …
BALLOTS_RATE_GOAL = 300.0  # … and ≥ 300/s
PAGE_GOALS = {"proposals": (0.5, 50.0), "thread": (0.4, 100.0)}  # (≥ ratio of the baseline, p99 ≤ ms)
IMPORT_GOAL_S = 60.0
BROADCAST_GOALS = (500.0, 400.0)  # sockets_broadcast: p99 delivery ≤ 500 ms, server RSS ≤ 400 MB
REDIS_GOAL_MS = 750.0  # sockets_redis: p99 ≤ 750 ms
POSTGRES_URL = os.environ.get("AGORA_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/agora_bench")
REDIS_URL = os.environ.get("AGORA_BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")  # its own channel


def row(name: str, value: float, unit: str, goal: str | None = None, baseline: float | None = None,
        met: bool | None = None) -> dict[str, Any]:
    ratio = value / baseline if baseline else None
    return {"name": name, "value": _round(value), "unit": unit, "goal": goal,
            "baseline": _round(baseline) if baseline is not None else None,
            "ratio": round(ratio, 3) if ratio is not None else None, "met": met}


def _round(value: float) -> float:
    if value == 0 or abs(value) >= 100:
        return round(value, 1)
    return float(f"{value:.4g}")


# --- scenarios ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Scenario:
    name: str
    what: str
    full: dict[str, Any]
    smoke: dict[str, Any]
    run: Callable[..., tuple[list[dict[str, Any]], dict[str, Any]]]  # → (rows, details with "problems")


def tally_rows(**size: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    f = tally_100k.run(**size, say=say)
    say(tally_100k.describe(f))
    return [
        row("tally_100k", f["pure_median_s"], "s", f"<= {TALLY_GOAL_S}", met=f["pure_median_s"] <= TALLY_GOAL_S),
        row("tally_100k_close_sqlite", f["close_s"], "s"),
    ], f


def ballots_rows(name: str = "ballots_sqlite", **size: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    f = ballots.run(**size, say=say)
    say(ballots.describe(f))
    rate, baseline = f["ballots_per_s"], f["baseline_commits_per_s"]
    met = rate >= BALLOTS_RATIO_GOAL * baseline and rate >= BALLOTS_RATE_GOAL
    return [
        row(name, rate, "ballots/s", f">= {BALLOTS_RATIO_GOAL} x baseline and >= {BALLOTS_RATE_GOAL:.0f}",
            baseline=baseline, met=met),
        row(f"{name}_p50", f["p50_ms"], "ms"),
        row(f"{name}_p99", f["p99_ms"], "ms"),
        row(f"{name}_errors", f["errors"], "requests", "== 0", met=f["errors"] == 0),
        row(f"{name}_lost", f["lost"], "ballots", "== 0", met=f["lost"] == 0 and f["stored"] == f["voters"]),
        row(f"{name}_server_cpu", f["server_cpu_pct"], "% of a core"),
        row(f"{name}_generator_cpu", f["generator_cpu_pct"], f"% of a core ({f['generator']})"),
        *([row("sqlite_commits_one_writer", f["single_writer_commits_per_s"], "commits/s")]
          if name == "ballots_sqlite" else []),
    ], f


POSTGRES_RATIO_GOAL, POSTGRES_RATE_GOAL = 0.5, 1000.0  # ballots_postgres: ≥ 0.5 of the baseline, ≥ 1,000/s


def postgres_rows(**size: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    f = ballots.run(**size, postgres=POSTGRES_URL, redis=REDIS_URL, workers=2, say=say)
    say(ballots.describe(f))
    rate, baseline = f["ballots_per_s"], f["baseline_commits_per_s"]
    name = "ballots_postgres"
    return [
        row(name, rate, "ballots/s", f">= {POSTGRES_RATIO_GOAL} x baseline and >= {POSTGRES_RATE_GOAL:.0f}",
            baseline=baseline, met=rate >= POSTGRES_RATIO_GOAL * baseline and rate >= POSTGRES_RATE_GOAL),
        row(f"{name}_p50", f["p50_ms"], "ms"),
        row(f"{name}_p99", f["p99_ms"], "ms"),
        row(f"{name}_errors", f["errors"], "requests", "== 0", met=f["errors"] == 0),
        row(f"{name}_lost", f["lost"], "ballots", "== 0", met=f["lost"] == 0 and f["stored"] == f["voters"]),
        row(f"{name}_server_cpu", f["server_cpu_pct"], "% of a core (2 workers)"),
        row(f"{name}_generator_cpu", f["generator_cpu_pct"], f"% of a core ({f['generator']})"),
    ], f


def burst_rows(**size: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    f = ballots.run(**size, say=say)
    say(ballots.describe(f))
    name = f"ballots_sqlite_{f['voters']}_at_once"
    return [
        row(name, f["ballots_per_s"], "ballots/s", baseline=f["baseline_commits_per_s"]),
        row(f"{name}_p99", f["p99_ms"], "ms"),
        row(f"{name}_errors_lost", f["errors"] + f["lost"], "ballots", "== 0",
            met=f["errors"] == 0 and f["lost"] == 0 and f["stored"] == f["voters"]),
    ], f


def sequential_rows(**size: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    f = ballots.run(**size, say=say)
    say(ballots.describe(f))
    name = "ballots_sqlite_one_connection"
    return [
        row(name, f["ballots_per_s"], "ballots/s", baseline=f["single_writer_commits_per_s"]),
        row(f"{name}_p50", f["p50_ms"], "ms"),
        row(f"{name}_errors_lost", f["errors"] + f["lost"], "ballots", "== 0",
            met=f["errors"] == 0 and f["lost"] == 0 and f["stored"] == f["voters"]),
    ], f


def page_rows(suffix: str = "", **size: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    f = pages.run(**size, say=say)
    say(pages.describe(f))
    rows = []
    for kind, (ratio_goal, p99_goal) in PAGE_GOALS.items():
        got, base = f[kind], f[kind]["baseline"]
        name = f"page_{kind}{suffix}"
        rows += [
            row(name, got["per_s"], "pages/s", f">= {ratio_goal} x baseline", baseline=base["per_s"],
                met=got["per_s"] >= ratio_goal * base["per_s"]),
            row(f"{name}_p99", got["p99_ms"], "ms", f"<= {p99_goal:g}", baseline=base["p99_ms"],
                met=got["p99_ms"] <= p99_goal),
            row(f"{name}_errors", got["errors"], "requests", "== 0", met=got["errors"] == 0),
            row(f"{name}_server_cpu", got["server_cpu_pct"], "% of a core"),
            row(f"{name}_generator_cpu", got["generator_cpu_pct"], "% of a core (wrk)"),
        ]
    return rows, f


def ceiling_rows(**size: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    figures = {f"workers_{workers}": http_ceiling.run(workers=workers, **size, say=say) for workers in (1, 2)}
    rows = []
    for f in figures.values():
        say(http_ceiling.describe(f))
        name = "http_ceiling" if f["workers"] == 1 else f"http_ceiling_{f['workers']}_workers"
        rows += [row(name, f["per_s"], f"requests/s (bare Starlette, no work, {f['workers']} process(es))"),
                 row(f"{name}_server_cpu", f["server_cpu_pct"], "% of a core")]
    figures["problems"] = [p for f in figures.values() for p in f["problems"]]
    return rows, figures


def import_rows(**size: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    try:
        f = import_72k.measure(**size, say=say)
    except SystemExit as error:  # import_72k.run exits when the command fails
        raise RuntimeError(str(error)) from None
    return [
        row("import_72k", f["first_s"], "s", f"<= {IMPORT_GOAL_S:g}", met=f["first_s"] <= IMPORT_GOAL_S),
        row("import_72k_again", f["again_s"], "s"),
    ], f


def broadcast_rows(**size: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    f = sockets.run(**size, say=say)
    say(sockets.describe(f))
    p99_goal, rss_goal = BROADCAST_GOALS
    return [
        row("sockets_broadcast", f["p99_ms"], "ms (p99 delivery)", f"<= {p99_goal:g}", met=f["p99_ms"] <= p99_goal),
        row("sockets_broadcast_p50", f["p50_ms"], "ms"),
        row("sockets_broadcast_rss", f["rss_mb"], "MB", f"<= {rss_goal:g}", met=f["rss_mb"] <= rss_goal),
        row("sockets_broadcast_missing", f["missing"] + f["failed_watchers"], "deliveries", "== 0",
            met=f["missing"] == 0 and f["failed_watchers"] == 0),
        row("sockets_broadcast_generator_cpu", f["generator_cpu_pct"], "% of a core (2 processes)"),
        row("sockets_broadcast_server_cpu", sum(f["server_cpu_events_s"]), "s (server, the events and 3 s after)"),
    ], f


def redis_rows(**size: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    f = sockets.run(**size, servers=2, postgres=POSTGRES_URL, redis=REDIS_URL, say=say)
    say(sockets.describe(f))
    return [
        row("sockets_redis", f["p99_ms"], "ms (p99 delivery)", f"<= {REDIS_GOAL_MS:g}",
            met=f["p99_ms"] <= REDIS_GOAL_MS),
        row("sockets_redis_p50", f["p50_ms"], "ms"),
        row("sockets_redis_missing", f["missing"] + f["failed_watchers"], "deliveries", "== 0",
            met=f["missing"] == 0 and f["failed_watchers"] == 0),
        row("sockets_redis_generator_cpu", f["generator_cpu_pct"], "% of a core (2 processes)"),
        row("sockets_redis_server_cpu", sum(f["server_cpu_events_s"]), "s (both servers, the events and 3 s after)"),
    ], f


def report_rows(**size: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    f = report_build.measure(**size, say=say)
    f["problems"] = list(f["checks"])
    goals = report_build.GOALS
    rows = [row("report_synthesis", f["json_s"], f"s (JSON, consultation report of {f['ballots']} ballots)",
                f"<= {goals['json_s']:g}", met=f["json_s"] <= goals["json_s"]),
            row("report_synthesis_pdf", f["pdf_s"], "s (PDF of that report)", f"<= {goals['pdf_s']:g}",
                met=f["pdf_s"] <= goals["pdf_s"]),
            row("report_synthesis_meetings", f["synthesis_json_s"],
                f"s (JSON, agora's pre_assembly_synthesis of {f['meetings']} meetings x {f['items']} items)",
                f"<= {goals['synthesis_json_s']:g}", met=f["synthesis_json_s"] <= goals["synthesis_json_s"]),
            row("report_synthesis_meetings_pdf", f["synthesis_pdf_s"],
                f"s (PDF, synthesis of {f['meetings']} meetings x {f['items']} items)",
                f"<= {goals['synthesis_pdf_s']:g}", met=f["synthesis_pdf_s"] <= goals["synthesis_pdf_s"]),
            row("report_synthesis_pdf_first", f["pdf_first_s"], "s (first PDF, fonts cold)")]
    return rows, f


def rush_rows(**size: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    f = closing_rush.run(**size, say=say)
    say(closing_rush.describe(f))
    issue = closing_rush.ISSUE_SIZE
    scaled = f["ballots"] != issue["ballots"] or f["watchers"] != issue["watchers"]
    size_text = (f"{f['ballots']} ballots in {f['seconds_target']:g} s at {f['target_per_s']:g}/s, "
                 f"{f['watchers']} watchers")
    p99_goal, rate_goal = closing_rush.P99_GOAL_MS, closing_rush.RATE_GOAL
    main = row("closing_rush", f["p99_ms"], f"ms (ballot p99; {size_text})", f"<= {p99_goal:g} and zero errors",
               met=f["p99_ms"] <= p99_goal and f["errors"] == 0)
    if scaled:
        main["note"] = (f"scaled down: {size_text}, the issue's rate and watchers over a shorter window; the "
                        f"issue's {issue['ballots']} ballots in {issue['seconds']} s: bench/closing_rush.py")
    return [
        main,
        row("closing_rush_rate", f["ballots_per_s"], "ballots/s (target rate as baseline)",
            f">= {rate_goal:g} x target", baseline=f["target_per_s"],
            met=f["ballots_per_s"] >= rate_goal * f["target_per_s"]),
        row("closing_rush_p50", f["p50_ms"], "ms"),
        row("closing_rush_errors", f["errors"], "requests", "== 0", met=f["errors"] == 0),
        row("closing_rush_lost", f["lost"], "ballots", "== 0", met=f["lost"] == 0 and f["stored"] == f["ballots"]),
        row("closing_rush_deliveries", f["deliveries"], "participation events received"),
        row("closing_rush_missing", f["missing"], "watchers not ending on the final count", "== 0",
            met=f["missing"] == 0),
        row("closing_rush_server_cpu", f["server_cpu_pct"], "% of a core"),
        row("closing_rush_server_cpu_per_ballot", f["server_cpu_ms_per_ballot"],
            "ms of CPU a ballot (events included)"),
        row("closing_rush_server_rss", f["rss_mb"], "MB (peak of the samples)"),
        row("closing_rush_generator_cpu", f["generator_cpu_pct"], "% of a core (wrk and 2 watcher processes)"),
    ], f


SCENARIOS = [
    Scenario("tally_100k", "pure tally and close of 100,000 ballots × 5 questions, 4 colleges (SQLite)",
             full={"count": 100_000, "repeat": 5, "closes": 3}, smoke={"count": 3_000, "repeat": 2, "closes": 1},
             run=tally_rows),
    Scenario("ballots_sqlite", "voters casting through the API against `agora serve` on SQLite",
             full={"voters": 2_000, "connections": 32, "generator": "auto"},
             smoke={"voters": 80, "connections": 4, "generator": "auto"}, run=ballots_rows),
    Scenario("ballots_sqlite_2_workers", "the same against `agora serve --workers 2` on the same SQLite file, "
             "with Redis: a process per core, their writes queued on the database's lock file",
             full={"name": "ballots_sqlite_2_workers", "voters": 2_000, "connections": 32, "generator": "auto",
                   "workers": 2, "redis": REDIS_URL},
             smoke={"name": "ballots_sqlite_2_workers", "voters": 60, "connections": 4, "generator": "auto",
                    "workers": 2, "redis": REDIS_URL}, run=ballots_rows),
    Scenario("ballots_sqlite_python", "the same, driven by the Python generator (keeps it working)",
             full={}, smoke={"name": "ballots_sqlite_python", "voters": 40, "connections": 4, "generator": "python"},
             run=ballots_rows),
    Scenario("ballots_sqlite_one_connection", "one voter at a time: what a ballot costs with no one waiting",
             full={"voters": 300, "connections": 1, "generator": "auto"}, smoke={}, run=sequential_rows),
    Scenario("ballots_sqlite_200_at_once", "200 voters, 200 connections, every ballot at the same moment",
             full={"voters": 200, "connections": 200, "generator": "auto"}, smoke={}, run=burst_rows),
    Scenario("ballots_postgres", "voters casting through the API against `agora serve --workers 2` on PostgreSQL "
             "and Redis (the database is EMPTIED first)",
             full={"voters": 2_000, "connections": 32, "generator": "auto"},
             smoke={"voters": 30, "connections": 4, "generator": "auto"}, run=postgres_rows),
    Scenario("pages", "signed-in GET of the proposals list (10,000) and of a 500-post thread, French, wrk, "
             "against a bare Starlette baseline",
             full={"proposals": 10_000, "posts": 500, "seconds": 20, "connections": 32},
             smoke={"proposals": 200, "posts": 60, "seconds": 1, "connections": 4}, run=page_rows),
    Scenario("pages_2_workers", "the same pages against `agora serve --workers 2` on SQLite with Redis, and the "
             "baseline served by two workers the same way",
             full={"suffix": "_2_workers", "proposals": 10_000, "posts": 500, "seconds": 20, "connections": 32,
                   "workers": 2, "redis": REDIS_URL},
             smoke={"suffix": "_2_workers", "proposals": 200, "posts": 60, "seconds": 1, "connections": 4,
                    "workers": 2, "redis": REDIS_URL}, run=page_rows),
    Scenario("http_ceiling", "a bare Starlette app answering with no work at all, 1 process and 2: the most "
             "any handler could reach here (for information, beside the ballots)",
             full={"seconds": 10, "connections": 32}, smoke={"seconds": 1, "connections": 4}, run=ceiling_rows),
    Scenario("import_72k", "agora import-members of 72,000 lines (SQLite), then again",
             full={"lines": 72_000}, smoke={"lines": 500}, run=import_rows),
    Scenario("sockets_broadcast", "one live event to 5,000 websocket clients of one `agora serve` (SQLite)",
             full={"clients": 5000, "events": 5}, smoke={"clients": 50, "events": 1}, run=broadcast_rows),
    Scenario("sockets_redis", "the same over 2 `agora serve` sharing PostgreSQL and Redis, 2,500 clients each "
             f"(the PostgreSQL database {POSTGRES_URL.rsplit('/', 1)[-1]} is EMPTIED first)",
             full={"clients": 5000, "events": 5}, smoke={"clients": 50, "events": 1}, run=redis_rows),
    Scenario("report_synthesis", "a consultation report of 15,000 ballots built as JSON and rendered as PDF, and "
             "the synthesis of 12 meetings x 20 items held through agora's meeting services, as JSON and PDF "
             "(bench/report_build.py)",
             full={"ballots": 15_000, "repeat": 3}, smoke={"ballots": 300, "repeat": 1, "meetings": 2, "items": 3},
             run=report_rows),
    Scenario("closing_rush", "ballots at a steady 50/s on `agora serve` (SQLite, wrk paced) while 2,000 "
             "sockets watch participation (scaled to 60 s; the issue's 5 minutes: bench/closing_rush.py)",
             full={"ballots": 3_000, "seconds": 60, "watchers": 2_000},
             smoke={"ballots": 100, "seconds": 2, "watchers": 30, "connections": 8}, run=rush_rows),
]


# --- the machine -----------------------------------------------------------------------------------

def _command(*args: str) -> str:
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=10, check=False).stdout.strip()
    except OSError:
        return ""


def machine() -> dict[str, Any]:
    memory = ""
    cpu = ""
    with open("/proc/meminfo", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    with open("/proc/cpuinfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    wrk = shutil.which("wrk")
    return {
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "memory": memory,
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "wrk": _command("wrk", "-v").splitlines()[0] if wrk else None,
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
        "temp_filesystem": _command("df", "--output=fstype", tempfile.gettempdir()).splitlines()[-1],
        "commit": _command("git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"),
        "dirty": bool(_command("git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no",
                               "--", "agora", "bench")),
    }


# --- output ---------------------------------------------------------------------------------------

def say(text: str) -> None:
    print(text, flush=True)


def table(rows: list[dict[str, Any]]) -> str:
    def text(value: Any) -> str:
        if value is None:
            return "—"
        if value is True:
            return "yes"
        if value is False:
            return "NO"
        return f"{value:g}" if isinstance(value, float) else str(value)

    header = ("name", "value", "unit", "goal", "baseline", "ratio", "met")
    body = [[text(r[key]) for key in header] for r in rows]
    widths = [max(len(h), *(len(line[i]) for line in body)) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    for line in body:
        lines.append("  ".join(cell.rjust(w) if i in (1, 4, 5) else cell.ljust(w)
                               for i, (cell, w) in enumerate(zip(line, widths, strict=True))))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="small sizes, for CI (under 2 minutes)")
    parser.add_argument("--only", action="append", choices=[s.name for s in SCENARIOS], help="run only these")
    parser.add_argument("--out", type=Path, help="where to write the results (JSON)")
    parser.add_argument("--strict", action="store_true", help="also fail when a speed goal is missed")
    args = parser.parse_args()
    mode = "smoke" if args.smoke else "full"
    out = args.out or (RESULTS / "tmp" / "smoke.json" if args.smoke else
                       RESULTS / "tmp" / "partial.json" if args.only else RESULTS / "latest.json")
    description = machine()
    say(f"agora benchmarks ({mode}) on {description['cores']} cores, {description['memory']}, "
        f"Python {description['python']}, load average {description['load_average_start']}")
    started = time.perf_counter()
    rows: list[dict[str, Any]] = []
    details: dict[str, Any] = {}
    failures: list[str] = []
    for scenario in SCENARIOS:
        size = scenario.smoke if args.smoke else scenario.full
        if not size or (args.only and scenario.name not in args.only):
            continue
        say(f"\n{scenario.name}: {scenario.what}")
        begun = time.perf_counter()
        try:
            got, figures = scenario.run(**size)
        except Exception as error:  # reported, and the run fails; the other scenarios still run
            traceback.print_exc()
            failures.append(f"{scenario.name}: could not run: {error}")
            continue
        figures["scenario_seconds"] = round(time.perf_counter() - begun, 1)
        rows += got
        details[scenario.name] = {k: v for k, v in figures.items() if k not in ("pure_runs", "close_runs")} | {
            k: [round(x, 4) for x in figures[k]] for k in ("pure_runs", "close_runs") if k in figures}
        failures += [f"{scenario.name}: {problem}" for problem in figures.get("problems", [])]
    description["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    description["seconds"] = round(time.perf_counter() - started, 1)
    report = {"generated_at": datetime.now(UTC).isoformat(timespec="seconds"), "mode": mode,
              "machine": description, "results": rows, "details": details, "failures": failures}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    say(f"\n{table(rows)}\n")
    shown = out.relative_to(ROOT) if out.is_relative_to(ROOT) else out
    say(f"{len(rows)} figures in {description['seconds']:.0f} s → {shown} "
        f"(load average at the end {description['load_average_end']})")
    for r in rows:
        if r.get("note"):
            say(f"{r['name']}: {r['note']}")
    missed = [r["name"] for r in rows if r["met"] is False and not r["name"].endswith(("_errors", "_lost"))]
    if missed:
        say(f"goals not met: {', '.join(missed)}" + ("" if args.strict else " (reported, not an error)"))
    for failure in failures:
        say(f"FAILED: {failure}")
    sys.exit(1 if failures or (args.strict and missed) else 0)


if __name__ == "__main__":
    main()
