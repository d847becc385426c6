"""Demo data for proposals, forums and moderation (`agora demo`), in the three languages."""

from __future__ import annotations

from sqlalchemy import func, select

from agora import demo
from agora.deliberation import demo as deliberation_demo
from agora.forums.models import ForumPost, ForumSpace, ForumThread
from agora.moderation.models import ModerationAction
from agora.proposals.models import Proposal, ProposalStatus


def test_demo_loads_once_with_content_in_three_languages(database):
    assert deliberation_demo.load in demo._EXTRA_LOADERS
    demo.load(database, people=60)
    demo.load(database, people=60)  # idempotent
    with database.session(write=False) as db:
        assert db.execute(select(func.count()).select_from(ForumSpace)).scalar_one() == len(deliberation_demo.SPACES)
        languages = set(db.execute(select(ForumThread.language)).scalars())
        statuses = {p.status for p in db.execute(select(Proposal)).scalars()}
        assert db.execute(select(func.count()).select_from(ForumPost)).scalar_one() >= 12
        assert db.execute(select(func.count()).select_from(ModerationAction)).scalar_one() == 1
        linked = db.execute(select(Proposal.source_thread_id).where(Proposal.source_thread_id.is_not(None))).all()
    assert languages == {"fr", "nl", "de"}
    assert {ProposalStatus.PUBLISHED, ProposalStatus.ON_AGENDA, ProposalStatus.ANSWERED} <= statuses
    assert len(linked) == 1


def test_demo_pages_render(client, database):
    from tests.conftest import sign_in

    demo.load(database, people=60)
    sign_in(client, "member.fr@demo.agora.coop", demo.DEMO_PASSWORD)
    with database.session(write=False) as db:
        ids = list(db.execute(select(Proposal.id)).scalars())
        threads = list(db.execute(select(ForumThread.id)).scalars())
    for path in ["/", "/proposals", "/forums", "/moderation/log", *[f"/proposals/{i}" for i in ids],
                 *[f"/forums/threads/{t}" for t in threads]]:
        assert client.get(path).status_code == 200, path
