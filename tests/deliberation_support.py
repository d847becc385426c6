"""Helpers shared by the proposal, forum and moderation tests: people, signed-in clients, forms, counts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import event
from starlette.testclient import TestClient

from agora.db import Database
from tests.conftest import csrf_of, sign_in
from tests.factories import person

ERROR_RE = re.compile(r'<p class="form-error" role="alert" id="form-error">(.*?)</p>', re.S)


@dataclass(frozen=True)
class Someone:
    id: str
    email: str
    name: str


@lru_cache(maxsize=1)
def _password_hash() -> str:
    from agora.accounts.services import hash_password
    from tests.conftest import PASSWORD

    return hash_password(PASSWORD)


def people(database: Database, *role_lists: list[str], password: str | None = "default",  # noqa: S107
           **fields: Any) -> list[Someone]:
    """People made by the hostile factory; they sign in with tests.conftest.PASSWORD (hashed once per run)."""
    with database.transaction() as db:
        made = [person(db, roles=roles, password=None, **fields) for roles in role_lists]
        if password is not None:
            for someone in made:
                someone.password_hash = _password_hash()
        return [Someone(p.id, p.email, p.name) for p in made]


def client_for(app: Any, who: Someone) -> TestClient:
    """A second browser, signed in as `who`; use it as a context manager (`with client_for(...) as c:`)."""
    client = TestClient(app, base_url="http://testserver")
    sign_in(client, who.email)
    return client


def _translated(message: str, language: str) -> str:
    from agora import i18n

    with i18n.language(language):
        return i18n.gettext(message)


def tr(message: str, lang: str = "fr", **values: Any) -> str:
    """A template's `{{ _(message, **values) }}` as the page shows it (values escaped, the message not)."""
    from markupsafe import Markup

    text = _translated(message, lang)
    return str(Markup(text) % values) if values else text  # noqa: S704 - mirrors Jinja's newstyle gettext


def err(message: str, lang: str = "fr", **values: Any) -> str:
    """A message built in Python (`_(message) % values`) and shown with `{{ }}`: escaped as a whole."""
    from markupsafe import escape

    text = _translated(message, lang)
    return str(escape(text % values if values else text))


def post(client: TestClient, path: str, data: dict[str, Any], *, from_page: str = "/proposals") -> Any:
    return client.post(path, data={**data, "csrf_token": csrf_of(client, from_page)}, follow_redirects=False)


def form_error(html: str) -> str:
    match = ERROR_RE.search(html)
    return match.group(1).strip() if match else ""


@contextmanager
def count_queries(database: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(database.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(database.engine, "before_cursor_execute", before)


# --- building content through the services (fast set-up; behaviour is tested through HTTP) --------------

def principal_of(db: Any, person_id: str) -> Any:
    from agora.people.models import Person
    from agora.web.endpoint import load_principal

    found = db.get(Person, person_id)
    assert found is not None
    return load_principal(db, found)


def make_proposal(database: Database, author: Someone, *, title: str = "Un potager partagé à Liège",
                  body: str = "Créons un **potager** partagé.", language: str = "fr", publish: bool = True,
                  scope: tuple[str, str] = ("cooperative", ""), theme: str | None = None) -> str:
    from agora.deliberation.scope import parse_scope
    from agora.proposals import services

    with database.transaction() as db:
        draft = services.check_draft(title, body, language, parse_scope(db, *scope), theme)
        proposal = services.create(db, principal_of(db, author.id), draft, publish_now=publish)
        return proposal.id


def set_threshold(database: Database, mode: str = "absolute", absolute: int = 3, share_percent: str = "1") -> None:
    from agora.proposals.models import ProposalSettings
    from agora.proposals.services import SETTINGS_ID

    with database.transaction() as db:
        row = db.get(ProposalSettings, SETTINGS_ID) or ProposalSettings(id=SETTINGS_ID)
        row.threshold_mode = mode  # type: ignore[assignment]
        row.threshold_absolute = absolute
        from decimal import Decimal

        row.threshold_share = Decimal(share_percent) / 100
        db.add(row)


def support_as(database: Database, proposal_id: str, who: Someone) -> int:
    from agora.proposals import access, services

    with database.transaction() as db:
        principal = principal_of(db, who.id)
        proposal = access.access_proposal(db, principal, proposal_id, for_update=True)
        count, _added = services.support(db, principal, proposal)
        return count


def notifications_of(database: Database, person_id: str) -> list[tuple[str, dict[str, Any], str]]:
    from sqlalchemy import select

    from agora.notifications.models import Notification

    with database.session(write=False) as db:
        return [(n.kind, n.data, n.url) for n in db.execute(
            select(Notification).where(Notification.person_id == person_id).order_by(Notification.created_at)
        ).scalars()]


def row(database: Database, model: Any, key: Any) -> Any:
    with database.session(write=False) as db:
        found = db.get(model, key)
        if found is not None:
            db.expunge(found)
        return found


def make_space(database: Database, slug: str = "general", kind: str = "theme", **fields: Any) -> str:
    from agora.forums.models import ForumSpace, SpaceKind

    with database.transaction() as db:
        names = fields.pop("names", {"fr": "Général", "nl": "Algemeen"})
        space = ForumSpace(slug=slug, kind=SpaceKind(kind), names=names, **fields)
        db.add(space)
        db.flush()
        return space.id


def make_thread(database: Database, author: Someone, space_slug: str = "general", title: str = "Parlons du local",
                body: str = "Le local est trop petit.") -> str:
    from agora.forums import services

    with database.transaction() as db:
        principal = principal_of(db, author.id)
        space = services.access_space(db, principal, space_slug)
        return services.start_thread(db, principal, space, title, body, "fr").id


def reply_as(database: Database, who: Someone, thread_id: str, body: str, quote: str = "") -> str:
    from agora.forums import services

    with database.transaction() as db:
        principal = principal_of(db, who.id)
        thread = services.access_thread(db, principal, thread_id, for_update=True)
        return services.reply(db, principal, thread, body, quote).id


def moderation_settings(database: Database, *, hold_first_posts: int = 0, rate_limit_posts: int = 10,
                        rate_limit_minutes: int = 5) -> None:
    from agora.moderation import services

    with database.transaction() as db:
        services.save_settings(db, hold_first_posts, rate_limit_posts, rate_limit_minutes, actor_id=None)
