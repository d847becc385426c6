"""The pictures where they are used: a proposal's supports over time (the page and the day counting), and
the participation and results pictures of a consultation in tests/browser (they need the live room)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from agora.i18n import language
from agora.proposals.views.supports_chart import daily_points
from tests.conftest import sign_in
from tests.deliberation_support import make_proposal, people, set_threshold, support_as


def test_supports_are_counted_at_the_end_of_each_day_from_publication_to_now():
    published = datetime(2026, 3, 1, 9, tzinfo=UTC)
    times = [published + timedelta(hours=1), published + timedelta(hours=5), published + timedelta(days=2)]
    now = published + timedelta(days=3)
    with language("fr"):
        points = daily_points(published, times, now)
    assert [(p.when, p.count) for p in points] == [(published, 0), (times[1], 2), (times[2], 3), (now, 3)]
    assert points[0].when_text == "1 mars 2026" and points[-1].when_text == "4 mars 2026"
    with language("fr"):
        assert [(p.when, p.count) for p in daily_points(published, [], published)] == [(published, 0)]


def test_a_proposal_page_shows_its_supports_as_a_picture_and_a_table(client, database):
    set_threshold(database, absolute=3)
    author, reader, *supporters = people(database, [], [], [], [])
    proposal_id = make_proposal(database, author, title="Un atelier vélo partagé")
    for who in supporters:
        support_as(database, proposal_id, who)
    sign_in(client, reader.email)
    page = client.get(f"/proposals/{proposal_id}").text
    svg = re.search(r'<svg role="img" aria-labelledby="(supports-chart-[0-9a-f]+)-title"[^>]*>(.*?)</svg>', page, re.S)
    assert svg, "no supports picture on the proposal page"
    assert "Soutiens au fil du temps" in svg.group(2)  # its <title>, in the reader's language
    assert "2 soutiens depuis le" in svg.group(2) and "Il en faut 3." in svg.group(2)  # its <desc>
    table = re.search(rf'aria-labelledby="{svg.group(1)}-table".*?</table>', page, re.S)
    assert table and re.search(r"<td>2</td>", table.group(0)), "the table beside the picture lacks the count"
