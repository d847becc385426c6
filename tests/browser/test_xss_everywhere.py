"""Every payload of tests/xss_corpus.py in every user-writable field that exists today — person names,
proposal and thread titles (each payload a title of its own), bodies, comments, amendment explanations,
translations, posts, flag and moderation reasons, API token labels — read in Debian's Chromium with the
Content-Security-Policy bypassed (tests/browser/xss.py): no dialog, no script error, and no request the
reader did not ask for (an htmx attribute that survived would fetch /signout, /language… on its own; a
payload URL would reach another host)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from tests.browser.xss import sign_in, xss_detector
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


def _titles(database, author: Someone) -> list[str]:
    """Every payload as a proposal's and a thread's title: in <title>, in <h1>, in the lists."""
    paths = []
    for n, payload in enumerate(PAYLOADS):
        title = _one_line(payload, n)
        proposal_id = make_proposal(database, author, title=title, body=f"Proposition {n}")
        thread_id = make_thread(database, author, title=title, body=f"Fil {n}")
        paths += [f"/proposals/{proposal_id}", f"/forums/threads/{thread_id}"]
    return paths


def _list_pages(count: int) -> list[str]:
    """Every page of the proposals' and the general forum's lists, for `count` more of each."""
    from agora.forums.services import THREADS_PER_PAGE
    from agora.proposals.listing import PAGE_SIZE

    proposals = (count + len(PAYLOADS) // GROUP) // PAGE_SIZE + 1
    threads = (count + len(PAYLOADS) // GROUP) // THREADS_PER_PAGE + 1
    return [*[f"/proposals?page={n}" for n in range(1, proposals + 1)],
            *[f"/forums/general?page={n}" for n in range(1, threads + 1)]]


def _tokens(database, reader: Someone) -> None:
    from agora.accounts import services as accounts

    with database.transaction() as db:
        for payload in PAYLOADS:
            accounts.create_token(db, db.get(accounts.Person, reader.id), payload[:100])


def test_no_payload_runs_or_sends_anything_from_any_field(live_server: LiveServer, chromium):
    database, url = live_server.database, live_server.url
    moderation_settings(database, rate_limit_posts=1000)
    authors = _named_people(database, len(PAYLOADS))
    admin, = people(database, ["admin"])
    paths = _deliberation(database, authors, admin)
    paths += _titles(database, authors[-1])
    _tokens(database, admin)
    pages = len(PAYLOADS) // 50 + 1
    paths += [*_list_pages(len(PAYLOADS)), "/moderation", "/moderation/log", "/account", "/notifications",
              *[f"/admin/people?page={n}" for n in range(1, pages + 1)]]
    with database.session(write=False) as db:
        from agora.people.models import Person

        paths += [f"/admin/people/{pid}" for pid in db.execute(select(Person.id).limit(20)).scalars()]

    with xss_detector(chromium) as detector:
        sign_in(detector.page, url, admin.email)
        detector.watch_requests(url)
        for path in paths:
            detector.visit(url, path)
        detector.page.wait_for_timeout(300)  # an htmx `load delay` or `revealed` trigger has time to fire
    assert detector.ran == [], detector.ran[:5]
    visited = {urlsplit(url + path).path for path in paths}
    assert detector.unasked(url, visited) == [], detector.unasked(url, visited)[:10]
    assert len(paths) >= 2 * len(PAYLOADS) + 3 * (len(PAYLOADS) // GROUP)
    print(f"XSS: {len(PAYLOADS)} payloads, {len(paths)} pages read in Chromium")
