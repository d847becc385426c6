"""Supports: one per person (a database constraint), idempotent, withdrawable, and a threshold that is
absolute or a share of the active members concerned; reaching it notifies author, followers and admins."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from agora.proposals.models import Proposal, ProposalStatus, ProposalSupport
from tests.conftest import sign_in
from tests.deliberation_support import (
    client_for,
    err,
    make_proposal,
    notifications_of,
    people,
    post,
    row,
    set_threshold,
    support_as,
)


def _supports_in_db(database, proposal_id):
    with database.session(write=False) as db:
        return db.execute(select(func.count()).select_from(ProposalSupport)
                          .where(ProposalSupport.proposal_id == proposal_id)).scalar_one()


def test_one_support_per_person_is_a_database_rule(database):
    alice, bob = people(database, [], [])
    proposal_id = make_proposal(database, alice)
    with database.transaction() as db:
        db.add(ProposalSupport(proposal_id=proposal_id, person_id=bob.id))
    with pytest.raises(IntegrityError), database.transaction() as db:
        db.add(ProposalSupport(proposal_id=proposal_id, person_id=bob.id))


def test_double_support_counts_once_and_support_can_be_withdrawn(client, database):
    alice, bob = people(database, [], [])
    proposal_id = make_proposal(database, alice)
    url = f"/proposals/{proposal_id}"
    sign_in(client, bob.email)
    for _ in range(3):
        assert post(client, f"{url}/support", {}, from_page=url).status_code == 303
    assert _supports_in_db(database, proposal_id) == 1
    assert row(database, Proposal, proposal_id).supports_count == 1
    assert 'data-supports="1"' in client.get(url).text

    assert post(client, f"{url}/unsupport", {}, from_page=url).status_code == 303
    assert post(client, f"{url}/unsupport", {}, from_page=url).status_code == 303  # idempotent too
    assert _supports_in_db(database, proposal_id) == 0
    assert row(database, Proposal, proposal_id).supports_count == 0


def test_concurrent_supports_cross_the_threshold_exactly_once(database):
    set_threshold(database, absolute=5)
    author, *supporters = people(database, [], [], [], [], [], [], [], [])
    proposal_id = make_proposal(database, author)
    errors: list[BaseException] = []

    def support(who):
        try:
            support_as(database, proposal_id, who)
            support_as(database, proposal_id, who)  # the double click
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=support, args=(who,)) for who in supporters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    proposal = row(database, Proposal, proposal_id)
    assert proposal.supports_count == len(supporters) == _supports_in_db(database, proposal_id)
    assert proposal.status == ProposalStatus.THRESHOLD_REACHED
    reached = [kind for kind, _data, _url in notifications_of(database, author.id) if kind == "proposal_threshold"]
    assert reached == ["proposal_threshold"]


def test_reaching_the_threshold_notifies_author_followers_and_admins_once(app, client, database):
    set_threshold(database, absolute=2)
    alice, follower, admin, s1, s2, s3, bystander = people(database, [], [], ["admin"], [], [], [], [])
    proposal_id = make_proposal(database, alice)
    url = f"/proposals/{proposal_id}"
    with client_for(app, follower) as other:
        assert post(other, f"{url}/follow", {"on": "1"}, from_page=url).status_code == 303
    support_as(database, proposal_id, s1)
    assert row(database, Proposal, proposal_id).status == ProposalStatus.PUBLISHED
    for who in (alice, follower, admin):
        assert not [k for k, _d, _u in notifications_of(database, who.id) if k == "proposal_threshold"]
    support_as(database, proposal_id, s2)
    support_as(database, proposal_id, s3)  # beyond the threshold: no second announcement
    for who in (alice, follower, admin):
        kinds = [(k, u) for k, _d, u in notifications_of(database, who.id) if k == "proposal_threshold"]
        assert kinds == [("proposal_threshold", url)], who
    assert not notifications_of(database, bystander.id)
    proposal = row(database, Proposal, proposal_id)
    assert proposal.status == ProposalStatus.THRESHOLD_REACHED and proposal.threshold_reached_at is not None

    # Withdrawing supports below the threshold does not undo a dated fact.
    with client_for(app, s1) as other:
        post(other, f"{url}/unsupport", {}, from_page=url)
    assert row(database, Proposal, proposal_id).status == ProposalStatus.THRESHOLD_REACHED
    sign_in(client, alice.email)
    page = client.get("/notifications").text
    assert tr_threshold(proposal.title) in page


def tr_threshold(title):
    from tests.deliberation_support import err as message

    return message("The proposal “%(title)s” has reached its threshold of %(threshold)s supports.",
                   title=title, threshold=2)


def test_threshold_as_a_share_of_active_members_in_the_scope(database):
    # 1 % of the active members of Liège, rounded up; people elsewhere do not count.
    liege = people(database, *[[] for _ in range(150)], region="liege", password=None)
    people(database, *[[] for _ in range(40)], region="namur", password=None)
    set_threshold(database, mode="share", share_percent="1")
    regional = make_proposal(database, liege[0], scope=("region", "liege"))
    assert row(database, Proposal, regional).support_threshold == 2  # ceil(1 % × 150)
    everyone = make_proposal(database, liege[0], title="Pour toute la coopérative")
    with database.session(write=False) as db:
        from agora.people.models import Person

        active = db.execute(select(func.count()).select_from(Person).where(Person.active.is_(True))).scalar_one()
    assert row(database, Proposal, everyone).support_threshold == -(-active // 100)


def test_threshold_is_frozen_at_publication(database):
    set_threshold(database, absolute=50)
    (alice,) = people(database, [])
    proposal_id = make_proposal(database, alice)
    set_threshold(database, absolute=3)
    assert row(database, Proposal, proposal_id).support_threshold == 50
    assert row(database, Proposal, make_proposal(database, alice, title="Une autre idée")).support_threshold == 3


def test_threshold_settings_page_for_the_secretariat_only(app, client, database):
    admin, member = people(database, ["admin"], [])
    with client_for(app, member) as other:
        assert other.get("/proposals/settings").status_code == 404
        assert post(other, "/proposals/settings", {"mode": "absolute", "absolute": "5", "share": "1"}
                    ).status_code == 404
    sign_in(client, admin.email)
    bad = post(client, "/proposals/settings", {"mode": "share", "absolute": "5", "share": "abc"},
               from_page="/proposals/settings")
    assert bad.status_code == 422 and 'value="abc"' in bad.text
    assert err("The share must be a percentage between 0.001 and 100.") in bad.text
    ok = post(client, "/proposals/settings", {"mode": "share", "absolute": "5", "share": "2,5"},
              from_page="/proposals/settings")
    assert ok.status_code == 303
    from agora.proposals.models import ProposalSettings, ThresholdMode

    saved = row(database, ProposalSettings, 1)
    assert saved.threshold_mode == ThresholdMode.SHARE and str(saved.threshold_share) == "0.02500"


@pytest.mark.parametrize("situation", ["withdrawn", "draft", "on_agenda", "hidden"])
def test_support_refused_with_a_clear_message(app, client, database, situation):
    set_threshold(database, absolute=1)
    alice, bob, admin, moderator = people(database, [], [], ["admin"], ["moderator"])
    proposal_id = make_proposal(database, alice, publish=situation != "draft")
    url = f"/proposals/{proposal_id}"
    if situation == "withdrawn":
        with client_for(app, alice) as author:
            post(author, f"{url}/withdraw", {}, from_page=url)
    if situation == "on_agenda":
        support_as(database, proposal_id, admin)
        with client_for(app, admin) as secretariat:
            post(secretariat, f"{url}/agenda", {"note": "AG"}, from_page=url)
    if situation == "hidden":
        with client_for(app, moderator) as mod:
            post(mod, "/moderation/act", {"type": "proposal", "id": proposal_id, "act": "hide", "reason": "Hors sujet"},
                 from_page="/moderation")
    who = alice if situation == "draft" else bob  # a draft is only reachable by its author
    sign_in(client, who.email)
    before = row(database, Proposal, proposal_id).supports_count
    response = post(client, f"{url}/support", {}, from_page=url)
    assert response.status_code == 409
    expected = {
        "withdrawn": "This proposal was withdrawn: it can no longer be supported.",
        "draft": "This proposal is still a draft: publish it first.",
        "on_agenda": "This proposal no longer collects supports: it has moved on to the cooperative's bodies.",
        "hidden": "This proposal cannot be supported while it is under moderation.",
    }[situation]
    assert err(expected) in response.text
    assert row(database, Proposal, proposal_id).supports_count == before
