"""The `agora` command (../shared/API.md, "Command line").

Every command exits 0 on success; on bad input it prints what is wrong on stderr, exits non-zero
and writes nothing.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

from agora.settings import SettingsError, load_settings

Command = Callable[[argparse.Namespace], int]
_COMMANDS: dict[str, Command] = {}


class CommandError(Exception):
    """A problem to report to the person at the terminal, then exit with `status`."""

    def __init__(self, message: str, status: int = 2) -> None:
        super().__init__(message)
        self.status = status


def _database() -> Any:
    from agora.db import Database

    return Database(load_settings().database_url)


# --- serve and database -------------------------------------------------------------------------

# Engine.IO pings every socket itself (every 25 s, cut after 20 s without an answer): uvicorn's own
# WebSocket pings on top were a second heartbeat, 250 writes and timers a second at 5,000 sockets.
WEBSOCKET_PINGS = None


def cmd_serve(args: argparse.Namespace) -> int:
    from agora import serving

    settings = load_settings()  # fail early with a clear message, before uvicorn starts
    if args.workers > 1 and not settings.redis_url:
        raise CommandError("several workers need AGORA_REDIS_URL so that live updates and rate limits reach "
                           "every worker")
    serving.run("agora.asgi:application", host=args.host, port=args.port, workers=args.workers,
                log_level=args.log_level, proxy_headers=True, forwarded_allow_ips=args.forwarded_allow_ips,
                access_log=args.log_level == "debug", ws_ping_interval=WEBSOCKET_PINGS)
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    from agora import migrate

    settings = load_settings()
    if settings.is_sqlite:
        settings.var_dir.mkdir(parents=True, exist_ok=True)
    if args.action == "upgrade":
        migrate.upgrade(settings.database_url)
        from agora.people.defaults import ensure_defaults

        database = _database()
        with database.transaction() as db:
            ensure_defaults(db)
        database.dispose()
        print("database is up to date")
    else:
        migrate.check(settings.database_url)
        print("models and migrations agree")
    return 0


# --- people and accounts --------------------------------------------------------------------------

def cmd_create_user(args: argparse.Namespace) -> int:
    from agora.people import accounts_admin

    password = sys.stdin.readline().rstrip("\r\n") if args.password_stdin else None
    database = _database()
    try:
        with database.transaction() as db:
            person = accounts_admin.create_user(db, args.email, args.name, args.role or [], password,
                                                language=args.language, region=args.region)
            person_id = person.id
    except accounts_admin.AccountError as error:
        raise CommandError(str(error)) from None
    finally:
        database.dispose()
    print(person_id)
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    from agora.accounts import services as accounts

    database = _database()
    try:
        with database.session(write=True) as db:
            people = []
            for email in args.emails:
                person = accounts.get_person_by_email(db, email)
                if person is None or not person.active:
                    db.rollback()
                    raise CommandError(f"no active account has the email {email!r}; no token was created")
                people.append(person)
            lines = [f"{person.email}\t{accounts.create_token(db, person, 'command line')}" for person in people]
            db.commit()
    finally:
        database.dispose()
    print("\n".join(lines))
    return 0


def cmd_invite(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from agora import mail
    from agora.accounts import services as accounts
    from agora.accounts.models import LinkPurpose

    settings = load_settings()
    database = _database()
    try:
        with database.session(write=True) as db:
            output = []
            for email in args.emails:
                person = accounts.get_person_by_email(db, email)
                if person is None or not person.active:
                    db.rollback()
                    raise CommandError(f"no active account has the email {email!r}; no invitation was created")
                token = accounts.create_link(db, person, LinkPurpose.INVITATION,
                                             timedelta(days=settings.invitation_days))
                url = f"{settings.base_url}/invitation/{token}"
                output.append((person.email, url))
            db.commit()
    finally:
        database.dispose()
    for email, url in output:
        mail.send(settings, email, "agora", url)
        print(f"{email}\t{url}")
    return 0


def cmd_import_members(args: argparse.Namespace) -> int:
    from agora.people import register_import

    database = _database()
    try:
        # The bar shows when stderr is a terminal, unless --no-progress.
        return register_import.run_command(database, args.file, dry_run=args.dry_run,
                                           progress=False if args.no_progress else None)
    finally:
        database.dispose()


def cmd_demo(args: argparse.Namespace) -> int:
    from agora import demo

    if not args.accounts:
        database = _database()
        try:
            demo.load(database)
        finally:
            database.dispose()
    demo.print_accounts()
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from agora import backup

    database = _database()
    try:
        count = backup.backup(database, args.file)
    except backup.BackupError as error:
        raise CommandError(str(error)) from None
    finally:
        database.dispose()
    print(f"{count} rows written to {args.file}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from agora import backup

    database = _database()
    try:
        count = backup.restore(database, args.file)
    except backup.BackupError as error:
        raise CommandError(str(error)) from None
    finally:
        database.dispose()
    print(f"{count} rows restored from {args.file}")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from agora import audit

    database = _database()
    try:
        with database.session(write=False) as db:
            result = audit.verify(db)
    finally:
        database.dispose()
    if not result.ok:
        print(f"audit log broken at entry {result.broken_at}: {result.reason}", file=sys.stderr)
        return 1
    print(f"audit log intact: {result.checked} entries")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="agora", description="agora, the cooperative's participation platform")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the app")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    serve.add_argument("--forwarded-allow-ips", default="127.0.0.1")
    serve.set_defaults(func=cmd_serve)

    db = sub.add_parser("db", help="database schema")
    db.add_argument("action", choices=["upgrade", "check"])
    db.set_defaults(func=cmd_db)

    demo = sub.add_parser("demo", help="load demo data in French, Dutch and German; print the demo accounts")
    demo.add_argument("--accounts", action="store_true", help="only print the demo accounts")
    demo.set_defaults(func=cmd_demo)

    imp = sub.add_parser("import-members", help="import or update the member register from a CSV file")
    imp.add_argument("file")
    imp.add_argument("--dry-run", action="store_true")
    imp.add_argument("--no-progress", action="store_true", help="no progress bar")
    imp.set_defaults(func=cmd_import_members)

    user = sub.add_parser("create-user", help="create one account")
    user.add_argument("email")
    user.add_argument("--name", required=True)
    user.add_argument("--role", action="append", help="admin, moderator, relay:REGION, ethics_member, "
                                                      "board_member, delegated_administrator")
    user.add_argument("--password-stdin", action="store_true")
    user.add_argument("--language", default="fr", choices=["fr", "nl", "de"])
    user.add_argument("--region", default=None)
    user.set_defaults(func=cmd_create_user)

    token = sub.add_parser("token", help="personal API tokens")
    token_sub = token.add_subparsers(dest="token_action", required=True)
    create = token_sub.add_parser("create", help="create a token for each email")
    create.add_argument("emails", nargs="+")
    create.set_defaults(func=cmd_token)

    invite = sub.add_parser("invite", help="create a one-time invitation link for each email")
    invite.add_argument("emails", nargs="+")
    invite.set_defaults(func=cmd_invite)

    backup = sub.add_parser("backup", help="consistent copy of the whole database")
    backup.add_argument("file")
    backup.set_defaults(func=cmd_backup)
    restore = sub.add_parser("restore", help="restore a copy made by `agora backup`")
    restore.add_argument("file")
    restore.set_defaults(func=cmd_restore)

    audit = sub.add_parser("audit", help="audit log")
    audit.add_argument("action", choices=["verify"])
    audit.set_defaults(func=cmd_audit)

    for register in _EXTENSIONS:
        register(sub)
    return parser


_EXTENSIONS: list[Callable[[Any], None]] = []


def extend(register: Callable[[Any], None]) -> Callable[[Any], None]:
    """Feature packages add their own subcommands (e.g. `agora consultation tally`)."""
    _EXTENSIONS.append(register)
    return register


def _load_extensions() -> None:
    import importlib

    for module in ("agora.consultations.cli", "agora.consultations.demo", "agora.deliberation.demo",
                   "agora.notifications.cli", "agora.meetings.cli", "agora.meetings.demo",
                   "agora.ethics_committee.demo", "agora.reports.demo"):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as error:
            if error.name != module:
                raise


def main(argv: Sequence[str] | None = None) -> int:
    from agora import i18n

    _load_extensions()
    args = build_parser().parse_args(argv)
    try:
        with i18n.language(i18n.SOURCE_LANGUAGE):
            return int(args.func(args))
    except SettingsError as error:
        print(f"agora: configuration: {error}", file=sys.stderr)
        return 2
    except CommandError as error:
        print(f"agora: {error}", file=sys.stderr)
        return error.status


if __name__ == "__main__":
    sys.exit(main())
