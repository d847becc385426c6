"""`report_build`: building reports to the board, as JSON and as PDF (issue 7).

    .venv/bin/python bench/report_build.py [--ballots 15000] [--repeat 3]

`measure(ballots=15_000, repeat=3, say=print)` returns a dict of figures (seconds unless named):

- `json_s`: median time to build a consultation report of `ballots` ballots as JSON — the builder
  reading the closed consultation (frozen results, arithmetic, electorate, the register grouped by
  college and region), the explanations written in the report's language, the document assembled,
  validated against report-schema.json and hashed; the draft row written and committed. Goal ≤ 1 s.
- `pdf_s`: median time to render that report as PDF with WeasyPrint (tagged, hash on every page).
  Goal ≤ 5 s. `pdf_first_s`: the first rendering, fonts loaded cold.
- `synthesis_json_s`: median time to build the pre-assembly synthesis of 12 local meetings × 20
  agenda items with agora's own builder (`pre_assembly_synthesis`, agora/meetings/report.py), as
  `json_s` (read, assembled, validated, hashed, committed). The meetings are held first through
  agora's meeting services (`hold_synthesis_meetings`: an assembly, a meeting per region, 18 people
  checked in, positions per college, a question on every item, an amendment on every other one,
  submitted). Goal ≤ 1 s. `synthesis_pdf_s`: median time to render that document as PDF. Goal ≤ 5 s.
- `json_cpu_s`, `pdf_cpu_s`, `synthesis_json_cpu_s`, `synthesis_pdf_cpu_s`: the same medians in CPU
  time of this process (the machine is shared: wall time includes waiting for a core); `*_runs_s`:
  every (wall, CPU) pair.
- `ballots`, `pdf_bytes`, `pdf_pages`, `synthesis_pdf_pages`, and `checks` (a list of problems, empty
  when right): the report's voter count equals `ballots`, its hash equals the SHA-256 of its canonical
  JSON, its question counts equal the frozen results; the synthesis has every item, each with the
  positions of every meeting, adding up to the people checked in.

The consultation is built as bench/tally_100k.py builds it (agora's own code for the consultation,
bulk inserts for people, register and ballots), then closed with `lifecycle.close_now`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import tally_100k  # the consultation fixture

GOALS = {"json_s": 1.0, "pdf_s": 5.0, "synthesis_json_s": 1.0, "synthesis_pdf_s": 5.0}


def _principal(db: Any, person_id: str) -> Any:
    from agora.people.models import Person
    from agora.web.endpoint import load_principal

    return load_principal(db, db.get(Person, person_id))


def _build_json(fixture: Any) -> tuple[tuple[float, float], dict[str, Any]]:
    from agora.reports import document, services

    started, cpu = time.perf_counter(), time.process_time()
    with fixture.database.transaction() as db:
        report = services.create(db, _principal(db, fixture.admin_id), "consultation", fixture.consultation_id, "fr")
        doc = document.document(report)
    return (time.perf_counter() - started, time.process_time() - cpu), doc


def _pdf(doc: dict[str, Any], regions: dict[str, str]) -> tuple[tuple[float, float], bytes]:
    """((wall seconds, CPU seconds of this process), the PDF)."""
    from agora.i18n import language
    from agora.reports import render

    started, cpu = time.perf_counter(), time.process_time()
    with language("fr"):
        data = render.to_pdf({**render.helpers(doc, "fr"), "regions": regions})
    return (time.perf_counter() - started, time.process_time() - cpu), data


REGIONS = ("brussels", "antwerpen", "gent", "leuven", "hasselt", "brugge", "liege", "namur", "charleroi", "mons",
           "arlon", "eupen")  # agora's twelve regions (agora/people/defaults.py)
WALK_INS = {"members": 12, "permanents": 2, "clients": 3, "partners": 1}  # checked in at each meeting


def hold_synthesis_meetings(fixture: Any, meetings: int = 12, items: int = 20) -> str:
    """Through agora's meeting services, as a secretariat and its relays would: a General Assembly of
    `items` agenda items, `meetings` pre-assembly meetings (one per region, held two days ago), each
    with 18 people checked in, its positions per college on every item, a question on every item and
    an amendment on every other one, then submitted. Returns the assembly's id."""
    from datetime import timedelta

    from agora.db import utcnow
    from agora.meetings import inputs, services

    rng = random.Random(11)  # noqa: S311 (reproducible test data)
    now = utcnow().replace(second=0, microsecond=0)
    with fixture.database.transaction() as db:
        admin = _principal(db, fixture.admin_id)
        assembly = services.create_assembly(db, admin, inputs.assembly_input({
            "title": {"fr": "Assemblée générale 2027", "nl": "Algemene vergadering 2027",
                      "de": "Generalversammlung 2027"},
            "starts_at": (now + timedelta(days=20)).isoformat(), "places": "Bruxelles",
            "items": [{"ref": f"r{i + 1}", "decision_type": "ordinary" if i % 4 else "extraordinary",
                       "title": {"fr": f"Résolution {i + 1} : modification de l'article {i + 3} des statuts",
                                 "nl": f"Besluit {i + 1}: wijziging van artikel {i + 3} van de statuten",
                                 "de": f"Beschluss {i + 1}: Änderung von Artikel {i + 3} der Satzung"}}
                      for i in range(items)]}))
        for m in range(meetings):
            region = REGIONS[m % len(REGIONS)]
            start = now - timedelta(days=2, hours=m % 5)
            meeting = services.create_meeting(db, admin, inputs.meeting_input({
                "kind": "pre_assembly", "assembly": assembly.id, "region": region,
                "title": f"Pré-AG {region}", "starts_at": start.isoformat(),
                "ends_at": (start + timedelta(hours=2)).isoformat(), "address": f"Bureau régional, {region}",
                "languages": ["fr"], "capacity": 40, "quorum": 5,
                "publish_at": (now - timedelta(days=10)).isoformat()}))
            _hold(db, admin, meeting, rng)
    return str(assembly.id)


def _hold(db: Any, relay: Any, meeting: Any, rng: random.Random) -> None:
    from agora.meetings import room, services

    for college, count in WALK_INS.items():
        for n in range(count):
            room.check_in(db, relay, meeting, name=f"Participant {college} {n}", college=college)
    for index, item in enumerate(services.items_of(db, meeting.id)):
        by_college = {}
        for college, count in WALK_INS.items():
            against = rng.randint(0, count // 2)
            abstain = rng.randint(0, (count - against) // 3)
            by_college[college] = {"for": count - against - abstain, "against": against, "abstain": abstain}
        room.set_counts(db, relay, meeting, item, by_college)
        room.add_note(db, relay, meeting, "question", f"Question sur le point {index + 1} : quel calendrier ?", "fr",
                      item)
        if index % 2:
            room.add_note(db, relay, meeting, "amendment", f"Préciser le point {index + 1} pour les partenaires.",
                          "fr", item)
    room.submit(db, relay, meeting)


def _build_synthesis_json(fixture: Any, assembly_id: str) -> tuple[tuple[float, float], dict[str, Any]]:
    """The synthesis built by agora's builder (`pre_assembly_synthesis`), as `_build_json` builds the
    consultation report: read, assembled, validated, hashed, the draft row committed."""
    from agora.reports import document, services

    started, cpu = time.perf_counter(), time.process_time()
    with fixture.database.transaction() as db:
        report = services.create(db, _principal(db, fixture.admin_id), "pre_assembly_synthesis", assembly_id, "fr")
        doc = document.document(report)
    return (time.perf_counter() - started, time.process_time() - cpu), doc


def _region_names(fixture: Any) -> dict[str, str]:
    from agora.reports import render

    with fixture.database.session(write=False) as db:
        return render.region_names(db, "fr")


def _synthesis_checks(doc: dict[str, Any], meetings: int, items: int) -> list[str]:
    problems = []
    if len(doc["items"]) != items:
        problems.append(f"the synthesis has {len(doc['items'])} items, not {items}")
    if any(len(item["local_meetings"]) != meetings for item in doc["items"]):
        problems.append(f"an item of the synthesis does not have the positions of {meetings} meetings")
    expected = sum(WALK_INS.values())
    if any(sum(m["counts"].values()) != expected for item in doc["items"] for m in item["local_meetings"]):
        problems.append(f"a meeting's positions do not add up to its {expected} people")
    return problems


def _pages(data: bytes) -> int:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(data)
        handle.flush()
        info = subprocess.run(["pdfinfo", handle.name], check=True, capture_output=True, text=True).stdout
    return int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))


def _checks(doc: dict[str, Any], fixture: Any, ballots: int) -> list[str]:
    problems = []
    body = {k: v for k, v in doc.items() if k not in ("integrity", "status", "board_response")}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    if hashlib.sha256(canonical).hexdigest() != doc["integrity"]["sha256"]:
        problems.append("the report's hash is not the SHA-256 of its canonical JSON")
    if doc["participation"]["voters"] != ballots:
        problems.append(f"the report counts {doc['participation']['voters']} voters, not {ballots}")
    frozen = fixture._stored()["results"]["questions"]
    for item in doc["items"]:
        if item["remote"]["counts"] != frozen[item["ref"]]["counts"]:
            problems.append(f"item {item['ref']}: counts differ from the frozen results")
    return problems


def _medians(name: str, runs: list[tuple[float, float]]) -> dict[str, float]:
    """The median wall time (`NAME_s`, what the goal is about) and the median CPU time of this process
    (`NAME_cpu_s`: on a machine shared with other work, the part that does not wait for a core)."""
    return {f"{name}_s": statistics.median(w for w, _c in runs),
            f"{name}_cpu_s": statistics.median(c for _w, c in runs)}


def measure(ballots: int = 15_000, repeat: int = 3, meetings: int = 12, items: int = 20,
            say: Any = print) -> dict[str, Any]:
    from agora.consultations import lifecycle
    from agora.db import utcnow

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="agora-bench-report-") as tmp:
        fixture = tally_100k.Fixture(Path(tmp), tally_100k.make_ballots(ballots, 7), 7)
        try:
            with fixture.database.transaction() as db:
                lifecycle.close_now(db, fixture.consultation_id, fixture.admin_id, utcnow())
            say(f"  {ballots} ballots, consultation closed, in {time.perf_counter() - started:.1f} s")
            json_times, doc = [], {}
            for _ in range(repeat):
                seconds, doc = _build_json(fixture)
                json_times.append(seconds)
            pdf_times, data = [], b""
            for _ in range(repeat):
                seconds, data = _pdf(doc, {})
                pdf_times.append(seconds)
            began = time.perf_counter()
            assembly_id = hold_synthesis_meetings(fixture, meetings, items)
            say(f"  {meetings} meetings x {items} items held and submitted in {time.perf_counter() - began:.1f} s")
            synthesis_json_times, synthesis = [], {}
            for _ in range(repeat):
                seconds, synthesis = _build_synthesis_json(fixture, assembly_id)
                synthesis_json_times.append(seconds)
            regions = _region_names(fixture)
            synthesis_runs = [_pdf(synthesis, regions) for _ in range(repeat)]
            synthesis_times = [seconds for seconds, _data in synthesis_runs]
            figures = {
                "ballots": ballots, "meetings": meetings, "items": items,
                **_medians("json", json_times), "json_runs_s": json_times,
                **_medians("pdf", pdf_times), "pdf_first_s": pdf_times[0][0], "pdf_runs_s": pdf_times,
                "pdf_bytes": len(data), "pdf_pages": _pages(data),
                **_medians("synthesis_json", synthesis_json_times), "synthesis_json_runs_s": synthesis_json_times,
                **_medians("synthesis_pdf", synthesis_times), "synthesis_runs_s": synthesis_times,
                "synthesis_pdf_pages": _pages(synthesis_runs[-1][1]),
                "checks": _checks(doc, fixture, ballots) + _synthesis_checks(synthesis, meetings, items),
            }
        finally:
            fixture.dispose()
    figures["met"] = {name: figures[name] <= goal for name, goal in GOALS.items()}
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=15_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    figures = measure(args.ballots, args.repeat)
    for name, goal in GOALS.items():
        verdict = "met" if figures["met"][name] else "MISSED"
        cpu = figures[name.replace("_s", "_cpu_s")]
        print(f"  {name:18} {figures[name]:7.3f} s  (CPU {cpu:.3f} s; goal ≤ {goal:g} s: {verdict})")
    print(f"  PDF: {figures['pdf_pages']} pages, {figures['pdf_bytes']} bytes; "
          f"first rendering {figures['pdf_first_s']:.3f} s")
    for problem in figures["checks"]:
        print(f"  FAILED CHECK: {problem}")
    return 1 if figures["checks"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
