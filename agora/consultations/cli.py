"""`agora consultation tally ID [--json]`: recount a closed consultation from its raw ballots.

Exit 0 when the recount agrees with the results frozen at the close (same canonical JSON, same
SHA-256) and the ballot box holds exactly one ballot per register row; 1 when anything differs;
2 when the consultation does not exist or is not closed.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from sqlalchemy import func, select

from agora import cli
from agora.cli import CommandError
from agora.consultations import demo as _demo  # noqa: F401  (registers the demo consultations with `agora demo`)


@cli.extend
def register(sub: Any) -> None:
    consultation = sub.add_parser("consultation", help="remote consultations")
    actions = consultation.add_subparsers(dest="consultation_action", required=True)
    tally = actions.add_parser("tally", help="recompute a closed consultation's results from its raw ballots")
    tally.add_argument("id")
    tally.add_argument("--json", action="store_true", help="print the recomputed results as JSON")
    tally.set_defaults(func=cmd_tally)


def recount(db: Any, consultation_id: str) -> dict[str, Any]:
    """What the command reports; raises CommandError when there is nothing to recount."""
    from agora.consultations import results, services
    from agora.consultations.models import Ballot, Status, VoterRecord

    consultation = services.get(db, consultation_id)
    if consultation is None:
        raise CommandError(f"no consultation has the id {consultation_id!r}")
    if consultation.status != Status.CLOSED or consultation.results_sha256 is None:
        raise CommandError(f"consultation {consultation_id} is {consultation.status.value}, not closed: "
                           "its results are counted at the close")
    public, _arithmetic = results.count(db, consultation)
    ballots = db.execute(select(func.count()).select_from(Ballot)
                         .where(Ballot.consultation_id == consultation.id)).scalar_one()
    register_rows = db.execute(select(func.count()).select_from(VoterRecord)
                               .where(VoterRecord.consultation_id == consultation.id)).scalar_one()
    sha256 = results.digest(public)
    return {
        "results": public,
        "sha256": sha256,
        "stored_sha256": consultation.results_sha256,
        "stored_results_match": results.digest(consultation.results or {}) == consultation.results_sha256,
        "ballots": ballots,
        "register": register_rows,
        "agrees": sha256 == consultation.results_sha256 and ballots == register_rows
        and results.canonical(public) == results.canonical(consultation.results),
    }


def cmd_tally(args: argparse.Namespace) -> int:
    database = cli._database()
    try:
        with database.session(write=False) as db:
            report = recount(db, args.id)
    finally:
        database.dispose()
    if args.json:
        print(json.dumps({**report["results"], "sha256": report["sha256"]}, ensure_ascii=False, indent=2,
                         sort_keys=True))
    else:
        _summary(report)
    if not report["agrees"]:
        print(f"agora: the recount does not agree with the stored results: recomputed {report['sha256']}, "
              f"stored {report['stored_sha256']}; {report['ballots']} ballots for {report['register']} voters "
              "in the register", file=sys.stderr)
        return 1
    return 0


def _summary(report: dict[str, Any]) -> None:
    public = report["results"]
    print(f"consultation {public['consultation']}: {public['voters']} voters of {public['eligible']} eligible")
    for ref, result in public["questions"].items():
        detail = result.get("winner") or ", ".join(result.get("order") or [])
        print(f"  {ref} ({result['type']}, {result['decision_type']}): {result['outcome']}"
              + (f" — {detail}" if detail else ""))
    status = "agrees with" if report["agrees"] else "DIFFERS from"
    print(f"sha256 {report['sha256']} {status} the results frozen at the close")
