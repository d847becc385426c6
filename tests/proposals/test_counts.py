"""`proposal_counts`, kept by triggers on `proposals`, always agrees with the proposals themselves, and
the list's total is read from it when the filter is about moderation and status only."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from agora.proposals import cards, listing
from agora.proposals.models import ProposalStatus
from tests.deliberation_support import (
    count_queries,
    make_proposal,
    people,
    principal_of,
    set_threshold,
    support_as,
)


def _kept(database) -> dict[tuple[str, str], int]:
    with database.session(write=False) as db:
        rows = db.execute(text("SELECT moderation, status, proposals FROM proposal_counts")).all()
    return {(moderation, status): n for moderation, status, n in rows if n}


def _counted(database) -> dict[tuple[str, str], int]:
    with database.session(write=False) as db:
        rows = db.execute(text("SELECT moderation, status, count(*) FROM proposals GROUP BY moderation, status"))
        return {(moderation, status): n for moderation, status, n in rows}


def _withdraw(database, author, proposal_id: str) -> None:
    from agora.proposals import access, services

    with database.transaction() as db:
        principal = principal_of(db, author.id)
        services.withdraw(db, principal, access.access_proposal(db, principal, proposal_id, for_update=True), "")


def test_the_counts_follow_every_write_to_the_proposals(database):
    author, supporter = people(database, [], [])
    set_threshold(database, absolute=1)
    assert _kept(database) == _counted(database) == {}

    drafts = [make_proposal(database, author, title=f"Brouillon numéro {n}", publish=False) for n in range(2)]
    published = [make_proposal(database, author, title=f"Proposition numéro {n}") for n in range(4)]
    assert _kept(database) == _counted(database) == {("visible", "draft"): 2, ("visible", "published"): 4}

    support_as(database, published[0], supporter)  # the threshold (1) reached: the status moves
    _withdraw(database, author, published[1])
    with database.transaction() as db:  # plain SQL too: a moderator's hide, the same status written again
        db.execute(text("UPDATE proposals SET moderation = 'hidden' WHERE id = :id"), {"id": published[2]})
        db.execute(text("UPDATE proposals SET status = status, title = 'Autre titre' WHERE id = :id"),
                   {"id": published[3]})
        db.execute(text("DELETE FROM proposal_translations WHERE proposal_id = :id"), {"id": drafts[0]})
        db.execute(text("DELETE FROM proposal_versions WHERE proposal_id = :id"), {"id": drafts[0]})
        db.execute(text("DELETE FROM proposal_events WHERE proposal_id = :id"), {"id": drafts[0]})
        db.execute(text("DELETE FROM proposals WHERE id = :id"), {"id": drafts[0]})
    assert _kept(database) == _counted(database) == {
        ("visible", "draft"): 1, ("visible", ProposalStatus.THRESHOLD_REACHED.value): 1,
        ("visible", "withdrawn"): 1, ("hidden", "published"): 1, ("visible", "published"): 1}

    with database.transaction() as db:  # a write rolled back leaves the counts as they were
        db.execute(text("UPDATE proposals SET status = 'answered'"))
        db.rollback()
    assert _kept(database) == _counted(database)


def test_the_list_total_is_read_from_the_counts_and_agrees_with_counting(database):
    author, reader = people(database, [], [])
    for n in range(5):
        make_proposal(database, author, title=f"Proposition sur le potager {n}")
    make_proposal(database, author, title="Encore un brouillon", publish=False)
    _withdraw(database, author, make_proposal(database, author, title="Retirée par son autrice"))
    filters = {
        "everything listed": listing.ProposalFilter(per_page=20),
        "a status": listing.ProposalFilter(status="withdrawn"),
        "a page past the last": listing.ProposalFilter(page=9),
        "a theme (counted)": listing.ProposalFilter(theme="environment"),
        "a search (counted)": listing.ProposalFilter(query="potager"),
    }
    with database.session(write=False) as db:
        principal = principal_of(db, reader.id)
        for name, f in filters.items():
            with count_queries(database) as statements:
                _cards, total = cards.list_cards(db, principal, f, "fr")
            from_counts = any("proposal_counts" in statement for statement in statements)
            assert from_counts == (name in ("everything listed", "a status", "a page past the last")), name
            shape, values = listing.shape_of(principal, f)
            counted = db.execute(listing._searched(listing._filtered(listing._counted, shape), f.query),
                                 values).scalar_one()
            assert total == counted, name
    assert filters and total == 5  # the search found the five published proposals about the potager


@pytest.mark.postgresql
def test_a_truncate_of_the_proposals_empties_the_counts(database):
    """TRUNCATE fires no row trigger on PostgreSQL: a statement trigger empties the counts with it."""
    author, = people(database, [])
    make_proposal(database, author, title="Une proposition bientôt effacée")
    assert _kept(database) == {("visible", "published"): 1}
    with database.transaction() as db:
        db.execute(text("TRUNCATE proposals CASCADE"))
    assert _kept(database) == _counted(database) == {}
