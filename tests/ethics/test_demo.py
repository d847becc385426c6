"""The committee's demo data: four categories, referrals at several stages, two positions in three languages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from agora import demo
from agora.db import Database
from agora.ethics_committee import demo as ethics_demo
from agora.ethics_committee import register, services
from agora.ethics_committee.models import CommitteeMember, Opinion, Referral
from tests.conftest import sign_in


def test_demo_committee_referrals_and_register(client: Any, database: Database) -> None:
    assert ethics_demo.load in demo._EXTRA_LOADERS
    demo.load(database, people=60)
    demo.load(database, people=60)  # idempotent
    with database.session(write=False) as db:
        assert all(count == 1 for count in services.count_by_category(db).values())
        assert db.execute(select(CommitteeMember).where(CommitteeMember.is_chair.is_(True))).scalar_one()
        statuses = {r.status.value for r in db.execute(select(Referral)).scalars()}
        opinions = list(db.execute(select(Opinion).where(Opinion.published_at.is_not(None))).scalars())
        languages = [set(register.texts_by_language(db, o)) for o in opinions]
        referral_ids = list(db.execute(select(Referral.id)).scalars())
    assert {"received", "under_examination", "voting", "published"} <= statuses
    assert len(opinions) == 2 and languages == [{"fr", "nl", "de"}] * 2
    sign_in(client, "ethics@demo.agora.coop", demo.DEMO_PASSWORD)
    for path in ["/ethics", "/ethics/register", *[f"/ethics/referrals/{i}" for i in referral_ids],
                 *[f"/ethics/register/{o.id}" for o in opinions]]:
        assert client.get(path).status_code == 200, path
    assert 'class="overdue"' in client.get("/ethics").text


def test_the_printed_demo_accounts_name_the_whole_committee(capsys: Any) -> None:
    """`agora demo --accounts` (what `make run` prints) lists every committee member one can sign in as."""
    demo.print_accounts()
    printed = capsys.readouterr().out
    missing = [email for email, _category in ethics_demo.COMMITTEE if email not in printed]
    assert not missing, f"not printed by agora demo --accounts: {missing}"
