"""`report_build`: building reports to the board, as JSON and as PDF (issue 7).

    .venv/bin/python bench/report_build.py [--ballots 15000] [--repeat 3]

`measure(ballots=15_000, repeat=3, say=print)` returns a dict of figures (seconds unless named):

- `json_s`: median time to build a consultation report of `ballots` ballots as JSON — the builder
  reading the closed consultation (frozen results, arithmetic, electorate, the register grouped by
  college and region), the explanations written in the report's language, the document assembled,
  validated against report-schema.json and hashed; the draft row written and committed. Goal ≤ 1 s.
- `pdf_s`: median time to render that report as PDF with WeasyPrint (tagged, hash on every page).
  Goal ≤ 5 s. `pdf_first_s`: the first rendering, fonts loaded cold.
- `synthesis_pdf_s`: median time to render a hand-built pre-assembly synthesis document of 12 local
  meetings × 20 agenda items as PDF (the meetings' builder lives on another branch: this measures the
  rendering, which is generic). Goal ≤ 5 s.
- `json_cpu_s`, `pdf_cpu_s`, `synthesis_pdf_cpu_s`: the same medians in CPU time of this process (the
  machine is shared: wall time includes waiting for a core); `*_runs_s`: every (wall, CPU) pair.
- `ballots`, `pdf_bytes`, `pdf_pages`, `synthesis_pdf_pages`, and `checks` (a list of problems, empty
  when right): the report's voter count equals `ballots`, its hash equals the SHA-256 of its canonical
  JSON, its question counts equal the frozen results.

The consultation is built as bench/tally_100k.py builds it (agora's own code for the consultation,
bulk inserts for people, register and ballots), then closed with `lifecycle.close_now`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
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

GOALS = {"json_s": 1.0, "pdf_s": 5.0, "synthesis_pdf_s": 5.0}


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


def synthesis_document(meetings: int = 12, items: int = 20) -> dict[str, Any]:
    """A pre-assembly synthesis as the meetings' builder will make it: `items` agenda items, each with
    the positions of `meetings` local meetings, by college."""
    from agora.reports.canonical import sha256_of
    from agora.reports.document import validate

    regions = ["brussels", "antwerpen", "gent", "leuven", "hasselt", "brugge", "liege", "namur", "charleroi",
               "mons", "arlon", "eupen"]
    options = [{"key": k, "label": {"fr": f, "nl": n, "de": d}} for k, f, n, d in
               (("for", "pour", "voor", "dafür"), ("against", "contre", "tegen", "dagegen"),
                ("abstain", "abstention", "onthouding", "Enthaltung"))]

    def meeting(i: int, m: int) -> dict[str, Any]:
        by_college = {c: {"for": 3 + (i + m + j) % 9, "against": (i * m + j) % 5, "abstain": (i + j) % 3}
                      for j, c in enumerate(("members", "permanents", "clients", "partners"))}
        counts = {k: sum(v[k] for v in by_college.values()) for k in ("for", "against", "abstain")}
        return {"meeting_id": f"m{m:02d}", "region": regions[m % len(regions)], "date": "2026-11-10",
                "attendance": sum(counts.values()) + 2, "counts": counts, "by_college": by_college}

    doc: dict[str, Any] = {
        "schema": "agora.report/1", "id": "bench", "kind": "pre_assembly_synthesis", "language": "fr",
        "version": 1, "title": {"fr": "Synthèse des réunions décentralisées avant l'AG"}, "status": "submitted",
        "created_at": "2026-11-20T10:00:00+00:00", "submitted_at": "2026-11-21T10:00:00+00:00",
        "submitted_by": {"name": "Bench", "role": "admin"}, "sources": [{"type": "assembly", "id": "ag"}],
        "items": [{"ref": f"r{i + 1}", "title": {"fr": f"Résolution {i + 1}"}, "decision_type": "ordinary",
                   "question_type": "agenda_item", "options": options,
                   "local_meetings": [meeting(i, m) for m in range(meetings)],
                   "questions_raised": [{"text": f"Question {i}.{q}", "supports": q} for q in range(3)]}
                  for i in range(items)],
        "summary": {"fr": "Synthèse."}, "recommendations": [], "board_response": None,
    }
    doc["integrity"] = {"sha256": sha256_of(doc), "previous_version_sha256": None}
    validate(doc)
    return doc


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
            synthesis = synthesis_document(meetings, items)
            synthesis_runs = [_pdf(synthesis, {}) for _ in range(repeat)]
            synthesis_times = [seconds for seconds, _data in synthesis_runs]
            figures = {
                "ballots": ballots, "meetings": meetings, "items": items,
                **_medians("json", json_times), "json_runs_s": json_times,
                **_medians("pdf", pdf_times), "pdf_first_s": pdf_times[0][0], "pdf_runs_s": pdf_times,
                "pdf_bytes": len(data), "pdf_pages": _pages(data),
                **_medians("synthesis_pdf", synthesis_times), "synthesis_runs_s": synthesis_times,
                "synthesis_pdf_pages": _pages(synthesis_runs[-1][1]),
                "checks": _checks(doc, fixture, ballots),
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
