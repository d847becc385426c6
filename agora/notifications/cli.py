"""`agora digest send [--if-due]`: send the email digests of unread notifications now.

Without `--if-due` the digests go out at once (the period is not waited for, e.g. from cron); with it,
only when AGORA_DIGEST_HOURS have passed since the last run, like the app's background task.
Exit 0 when the run is done (or, with `--if-due`, not due yet); 1 when the mail server could not be
reached or another process is sending right now; 2 when SMTP is not configured.
"""

from __future__ import annotations

import argparse
from typing import Any

from agora import cli
from agora.cli import CommandError


@cli.extend
def register(sub: Any) -> None:
    digest = sub.add_parser("digest", help="email digests of unread notifications (needs AGORA_SMTP_HOST)")
    actions = digest.add_subparsers(dest="digest_action", required=True)
    send = actions.add_parser("send", help="send each person with unread notifications not yet mailed one digest")
    send.add_argument("--if-due", action="store_true",
                      help="only when AGORA_DIGEST_HOURS have passed since the last run")
    send.set_defaults(func=cmd_send)


def cmd_send(args: argparse.Namespace) -> int:
    from agora.db import Database
    from agora.notifications import digest
    from agora.settings import load_settings

    settings = load_settings()
    if settings.smtp is None:
        raise CommandError("AGORA_SMTP_HOST is not set: no digest was sent")
    database = Database(settings.database_url)
    try:
        report = digest.run(settings, database, force=not args.if_due)
    finally:
        database.dispose()
    if report.status == "busy":
        raise CommandError("another process is sending the digests right now; nothing was sent", status=1)
    if report.status == "not_due":
        print(f"not due yet: digests go out every {settings.digest_hours} hours")
        return 0
    print(f"{report.sent} digests sent, {report.refused} refused by the mail server")
    if report.status == "smtp_down":
        raise CommandError(f"the mail server {settings.smtp.host}:{settings.smtp.port} could not be reached; "
                           "the remaining digests wait for the next run", status=1)
    return 0
