"""Demo data (`agora demo`): an AG in three languages, meetings in three regions, one reported."""

from __future__ import annotations

from sqlalchemy import func, select

from agora import demo
from agora.meetings import demo as meetings_demo
from agora.meetings.models import AgendaItem, Assembly, Meeting, MeetingStatus, Registration
from agora.meetings.synthesis import build
from agora.people.models import Region
from tests.conftest import sign_in


def test_demo_assembly_meetings_and_one_report(client, database):
    assert meetings_demo.load in demo._EXTRA_LOADERS
    demo.load(database, people=120)
    demo.load(database, people=120)  # idempotent
    with database.transaction() as db:
        assert db.execute(select(func.count()).select_from(Assembly)).scalar_one() == 1
        items = list(db.execute(select(AgendaItem)).scalars())
        assert len(items) == 5 and all(set(item.titles) == {"fr", "nl", "de"} for item in items)
        meetings = list(db.execute(select(Meeting, Region.slug).join(Region, Region.id == Meeting.region_id)).all())
        assert sorted(slug for _m, slug in meetings) == ["antwerpen", "eupen", "liege"]
        assert [slug for m, slug in meetings if m.status == MeetingStatus.SUBMITTED] == ["liege"]
        assert db.execute(select(func.count()).select_from(Registration)).scalar_one() > 10
        assembly = db.execute(select(Assembly)).scalar_one()
        for meeting, _slug in meetings:
            meeting.region = db.get(Region, meeting.region_id)
        found = build(db, assembly)
        assert found.items[0].by_region["liege"]["for"] > 0 and len(found.not_reported) == 2
        assembly_id = assembly.id
    sign_in(client, "relay.liege@demo.agora.coop", demo.DEMO_PASSWORD)
    assert client.get(f"/assemblies/{assembly_id}/synthesis").status_code == 200
    calendar = client.get("/meetings?view=calendar").text
    assert "Pre-AV in Antwerpen" in calendar and "Vorversammlung in Eupen" in calendar
