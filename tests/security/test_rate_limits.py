"""Rate limits per account and per client address — sign-in, reset and invitation links, API tokens,
posting — each refusal logged (logger `agora.ratelimit`, or the audit log for sign-in)."""

from __future__ import annotations

import dataclasses
import logging

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from agora.accounts.models import ApiToken, OneTimeLink
from agora.app import create_app
from agora.audit import AuditEntry
from agora.web import ratelimit
from agora.web.ratelimit import Limit
from tests.conftest import csrf_of, post_form, sign_in
from tests.deliberation_support import make_space, make_thread, people


def _count(database, statement) -> int:
    with database.session(write=False) as db:
        return db.execute(statement).scalar_one()


def _refusals(caplog, kind: str) -> int:
    return sum(1 for r in caplog.records if r.name == "agora.ratelimit" and f"{kind} refused" in r.getMessage())


def test_reset_emails_per_address_asked_for_and_per_client(client, database, caplog, monkeypatch):
    monkeypatch.setitem(ratelimit.LIMITS, "reset_request", Limit(2, 900))  # per client: 10
    caplog.set_level(logging.WARNING, "agora.ratelimit")
    (someone,) = people(database, [], password=None)
    answers = [post_form(client, "/forgot", {"email": someone.email}, from_page="/forgot").status_code
               for _ in range(3)]
    assert answers == [200, 200, 429]
    assert _count(database, select(func.count()).select_from(OneTimeLink)) == 2  # no third email
    others = [post_form(client, "/forgot", {"email": f"x{n}@example.org"}, from_page="/forgot").status_code
              for n in range(9)]
    assert others == [200] * 8 + [429]  # 2 + 8 = the 10 the address may ask for
    assert _refusals(caplog, "reset_request") == 2
    refused = post_form(client, "/forgot", {"email": "late@example.org"}, from_page="/forgot")
    assert 'role="alert"' in refused.text and "minutes" in refused.text


def test_api_tokens_per_account(client, database, caplog, monkeypatch):
    monkeypatch.setitem(ratelimit.LIMITS, "token_create", Limit(3, 3600))
    caplog.set_level(logging.WARNING, "agora.ratelimit")
    (someone,) = people(database, [])
    sign_in(client, someone.email)
    answers = [post_form(client, "/account/tokens", {"label": "n"}, from_page="/account").status_code
               for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    assert _count(database, select(func.count()).select_from(ApiToken)) == 3
    assert _refusals(caplog, "token_create") == 1


def test_guessing_bearer_tokens_is_cut_off_per_client(client, database, caplog, monkeypatch):
    monkeypatch.setitem(ratelimit.LIMITS, "bad_token", Limit(2, 900))  # per client: 10
    caplog.set_level(logging.WARNING, "agora.ratelimit")
    from tests.consultations.support import caller

    real = caller(database)
    wrong = [client.get("/api/v1/me", headers={"Authorization": f"Bearer agora_guess{n}"}).status_code
             for n in range(11)]
    assert wrong == [401] * 10 + [429]
    blocked = client.get("/api/v1/me", headers=real.headers)
    assert blocked.status_code == 429 and blocked.json()["error"]["code"] == "rate_limited"
    assert _refusals(caplog, "bad_token") >= 2


def test_guessing_links_is_cut_off_per_client(client, database, monkeypatch, caplog):
    monkeypatch.setitem(ratelimit.LIMITS, "bad_link", Limit(1, 900))  # per client: 5
    caplog.set_level(logging.WARNING, "agora.ratelimit")
    answers = [client.get(f"/invitation/guess{n}").status_code for n in range(6)]
    assert answers == [404] * 5 + [429]
    assert _refusals(caplog, "bad_link") == 1


def test_posting_per_client_address(app, client, database, monkeypatch, caplog):
    monkeypatch.setitem(ratelimit.LIMITS, "post", Limit(1, 300))  # per client: 5, below the accounts' own 10
    caplog.set_level(logging.WARNING, "agora.ratelimit")
    office = people(database, [], [], [])
    make_space(database)
    thread_id = make_thread(database, office[0])
    answers = []
    for member in office:
        with TestClient(app, base_url="http://testserver") as browser:
            sign_in(browser, member.email)
            for n in range(2):
                answers.append(browser.post(f"/forums/threads/{thread_id}/reply",
                                            data={"body": f"Réponse {n}", "csrf_token": csrf_of(browser, "/forums")},
                                            follow_redirects=False).status_code)
    assert answers.count(429) == 1 and answers[-1] == 429, answers
    assert _refusals(caplog, "post") == 1


def test_sign_in_per_client_address_is_audited(settings, database):
    tight = dataclasses.replace(settings, signin_attempts_per_window=2)  # per client address: 10
    with TestClient(create_app(tight, database), base_url="http://testserver") as browser:
        answers = [post_form(browser, "/signin", {"email": f"n{n}@example.org", "password": "wrong password"},
                             from_page="/signin").status_code for n in range(11)]
    assert answers == [401] * 10 + [429]
    assert _count(database, select(func.count()).select_from(AuditEntry)
                  .where(AuditEntry.action == "signin.throttled")) == 1


def test_the_memory_limiter_forgets_keys_whose_window_has_passed():
    """One count per account or address that ever acted would otherwise live as long as the process."""
    limiter = ratelimit.Limiter()
    limit = Limit(3, 60)
    for n in range(ratelimit.SWEEP_EVERY - 1):
        assert limiter.allow("post", f"account:{n}", limit, now=1000.0)
    assert limiter.keys() == ratelimit.SWEEP_EVERY - 1
    assert limiter.allow("post", "account:late", limit, now=1059.0)  # the sweep: all still in their window
    assert limiter.keys() == ratelimit.SWEEP_EVERY
    for n in range(ratelimit.SWEEP_EVERY):  # a minute later: the first ones' window has passed
        assert limiter.allow("post", f"address:{n}", Limit(1, 10), now=1061.0)
    assert limiter.keys() <= ratelimit.SWEEP_EVERY + 1  # the first 999 forgotten; "late" is still counting
    assert limiter.full("post", "account:late", Limit(1, 60), now=1061.0)  # and still counts


@pytest.mark.parametrize("kind", sorted(ratelimit.LIMITS))
def test_every_limit_has_a_test_above(kind):
    from pathlib import Path

    source = Path(__file__).read_text(encoding="utf-8")
    assert f'"{kind}"' in source.split("def test_every_limit_has_a_test_above")[0], (
        f"the rate limit {kind!r} has no test in tests/security/test_rate_limits.py")
