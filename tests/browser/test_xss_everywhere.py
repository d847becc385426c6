"""Every payload of tests/xss_corpus.py in every user-writable field that exists today — person names,
proposal titles, bodies, comments, amendment explanations, translations, forum titles, posts, flag and
moderation reasons, API token labels — read in Debian's Chromium with the Content-Security-Policy
bypassed: no dialog, no script error, and no request the reader did not ask for (an htmx attribute that
survived would fetch /signout, /language… on its own; a payload URL would reach another host)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page
from sqlalchemy import select

from tests.browser.conftest import TIMEOUT_MS
from tests.deliberation_support import (
    Someone,
    make_proposal,
    make_space,
    make_thread,
    moderation_settings,
    people,
    principal_of,
    reply_as,
)
from tests.realtime.conftest import LiveServer
from tests.xss_corpus import PAYLOADS

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]
GROUP = 10  # payloads per object: each object carries ten in its long fields, one in its title


def _one_line(payload: str, n: int) -> str:
    line = " ".join(payload.split())[:190]
    return line if len(line) >= 3 else f"{line} {n}"


def _named_people(database, count: int) -> list[Someone]:
    made = people(database, *([[]] * count))
    from agora.people.models import Person

    with database.transaction() as db:
        for n, someone in enumerate(made):
            db.get(Person, someone.id).name = _one_line(PAYLOADS[n], n)
    return made


def _deliberation(database, authors: list[Someone], moderator: Someone) -> list[str]:
    from agora.moderation import services as moderation
    from agora.proposals import access
    from agora.proposals import services as proposals

    paths = []
    make_space(database)
    for start in range(0, len(PAYLOADS), GROUP):
        group, author = PAYLOADS[start:start + GROUP], authors[start]
        body = "\n\n".join(group)
        proposal_id = make_proposal(database, author, title=_one_line(group[0], start), body=body)
        thread_id = make_thread(database, author, title=_one_line(group[-1], start), body=body)
        with database.transaction() as db:
            principal = principal_of(db, authors[start + 1 if start + 1 < len(authors) else 0].id)
            proposal = access.access_proposal(db, principal, proposal_id, for_update=True)
            proposals.add_comment(db, principal, proposal, body, "against")
            proposals.propose_amendment(db, principal, proposal, _one_line(group[1 % len(group)], start),
                                        body + "\n\namendé", body)
            proposals.save_translation(db, principal, proposal, "nl", _one_line(group[0], start), body)
        for n, payload in enumerate(group):
            post_id = reply_as(database, authors[start + n], thread_id, payload)
        with database.transaction() as db:
            moderation.flag(db, principal_of(db, authors[start].id), "forum_post", post_id, body[:900])
            moderation.act(db, principal_of(db, moderator.id), "forum_post", post_id, "hide", body[:900])
        paths += [f"/proposals/{proposal_id}", f"/proposals/{proposal_id}/versions", f"/forums/threads/{thread_id}"]
    return paths


def _tokens(database, reader: Someone) -> None:
    from agora.accounts import services as accounts

    with database.transaction() as db:
        for payload in PAYLOADS:
            accounts.create_token(db, db.get(accounts.Person, reader.id), payload[:100])


def _sign_in(page: Page, url: str, email: str) -> None:
    page.goto(url + "/signin")
    page.locator('input[name="email"]').fill(email)
    page.locator('input[name="password"]').fill("correct horse battery")
    with page.expect_navigation():
        page.locator('main form button[type="submit"]').click()


def _unasked(requests: list[str], url: str, visited: set[str]) -> list[str]:
    """Requests that are neither a page the test opened, nor a static file or socket of this server."""
    own = urlsplit(url).netloc
    wrong = []
    for seen in requests:
        parts = urlsplit(seen)
        if parts.scheme in ("data", "about", "blob"):
            continue
        if parts.netloc != own or not (parts.path in visited or parts.path.startswith(("/static/", "/socket.io/"))):
            wrong.append(seen)
    return wrong


def test_no_payload_runs_or_sends_anything_from_any_field(live_server: LiveServer, chromium):
    database, url = live_server.database, live_server.url
    moderation_settings(database, rate_limit_posts=1000)
    authors = _named_people(database, len(PAYLOADS))
    admin, = people(database, ["admin"])
    paths = _deliberation(database, authors, admin)
    _tokens(database, admin)
    pages = len(PAYLOADS) // 50 + 1
    paths += ["/proposals", "/forums/general", "/moderation", "/moderation/log", "/account", "/notifications",
              *[f"/admin/people?page={n}" for n in range(1, pages + 1)]]
    with database.session(write=False) as db:
        from agora.people.models import Person

        paths += [f"/admin/people/{pid}" for pid in db.execute(select(Person.id).limit(20)).scalars()]

    context = chromium.new_context(bypass_csp=True, locale="fr-BE")
    context.set_default_timeout(TIMEOUT_MS)
    ran: list[str] = []
    requests: list[str] = []
    page = context.new_page()
    page.on("dialog", lambda dialog: (ran.append(f"{page.url}: {dialog.message}"), dialog.dismiss()))
    page.on("pageerror", lambda error: ran.append(f"{page.url}: error {error}"))
    try:
        page.set_content("<img src=x onerror=\"alert('canary')\">")  # the detector itself can fail
        page.wait_for_timeout(200)
        assert [entry.split(": ", 1)[1] for entry in ran] == ["canary"]
        ran.clear()
        _sign_in(page, url, admin.email)
        context.on("request", lambda request: requests.append(request.url))
        page.evaluate("() => fetch('/canary-request').catch(() => null)")  # the request detector can fail too
        page.wait_for_timeout(200)
        assert _unasked(requests, url, set()) == [url + "/canary-request"], requests
        requests.clear()
        for path in paths:
            page.goto(url + path, wait_until="load")
            page.mouse.move(5, 5)
            page.mouse.move(400, 300)
        page.wait_for_timeout(300)  # an htmx `load delay` or `revealed` trigger has time to fire
    finally:
        context.close()
    assert ran == [], ran[:5]
    visited = {urlsplit(url + path).path for path in paths}
    assert _unasked(requests, url, visited) == [], _unasked(requests, url, visited)[:10]
    assert len(paths) >= 3 * (len(PAYLOADS) // GROUP)
