"""How the soak and the closing rush judge what they measured (the runs themselves are `make soak` and
`make bench`): memory flat or not, a watcher's events summed up, and the soak's verdict."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import closing_rush
import sockets

from tests.reliability import soak


def samples(values: list[float], every: float = 30.0) -> list[tuple[float, float]]:
    return [(n * every, value) for n, value in enumerate(values)]


def test_memory_that_levels_off_after_the_warm_up_is_flat() -> None:
    warm_up = [100.0, 150.0, 200.0]  # the sockets connect, the caches fill: left out
    steady = [250.0, 252.0, 249.0, 251.0, 253.0, 250.0, 254.0, 252.0, 251.0]
    judged = closing_rush.memory_flat(samples(warm_up + steady), warmup_s=90, tolerance=0.10)
    assert judged["flat"] is True
    assert judged["samples_judged"] == len(steady)
    assert judged["first_third_mib"] == round((250 + 252 + 249) / 3, 1)


def test_memory_growing_steadily_is_not_flat() -> None:
    growing = [200.0 + 10 * n for n in range(12)]  # 200 → 310 MiB, 20 MiB a minute
    judged = closing_rush.memory_flat(samples(growing), warmup_s=0, tolerance=0.10)
    assert judged["flat"] is False
    assert judged["growth"] > 0.10
    assert judged["slope_mib_per_hour"] == 1200.0


def test_too_few_samples_are_not_judged() -> None:
    assert closing_rush.memory_flat(samples([100.0] * 8), warmup_s=90, tolerance=0.10)["flat"] is None


def test_a_watchers_events_are_summed_up_with_its_last_count_and_any_step_down() -> None:
    assert sockets.summarise([(3, 0.1), (9, 0.6), (12, 1.1)]) == (3, 12, 0)
    assert sockets.summarise([(3, 0.1), (2, 0.6), (5, 1.1)]) == (3, 5, 1)
    assert sockets.summarise([]) == (0, None, 0)


def test_watchers_not_on_the_final_count_are_missing() -> None:
    missing, problems = closing_rush._watcher_problems([(40, 300, 0), (39, 298, 0), (0, None, 0), (41, 300, 1)],
                                                       ["ConnectionClosedError()"], acknowledged=300)
    assert missing == 2  # the one left on 298 (which failed), the one that received nothing
    assert any("did not end on 300" in p for p in problems)
    assert any("go down" in p for p in problems)
    assert any("1 watchers failed" in p for p in problems)


def figures(**changes: object) -> dict[str, object]:
    steady = samples([300.0] * 12, every=30.0)
    return {"problems": [], "errors": 0, "lost": 0, "rss_samples": steady} | changes


def test_the_soak_passes_only_with_zero_errors_and_flat_memory() -> None:
    assert soak.verdict(figures(), warmup_s=60)[1] == []
    assert soak.verdict(figures(errors=1), warmup_s=60)[1] == ["1 errors, 0 lost ballots"]
    grown = samples([300.0 + 20 * n for n in range(12)])
    assert any("memory grew" in f for f in soak.verdict(figures(rss_samples=grown), warmup_s=60)[1])
    assert any("not judged" in f for f in soak.verdict(figures(rss_samples=grown[:4]), warmup_s=60)[1])
    assert soak.verdict(figures(problems=["agora audit verify: exit 1"]), 60)[1] == ["agora audit verify: exit 1"]
