"""The two report builders (agora/meetings/report.py) and the synthesis arithmetic.

Items are validated against their definition in the project's copy of report-schema.json; the
whole documents are validated by tests/reports.
"""

from __future__ import annotations

import json

import jsonschema
import pytest

from agora.meetings import report  # noqa: F401  (registers the builders)
from agora.permissions import Principal
from agora.reports.builders import SourceNotFound, SourceNotReady, builder_for
from agora.reports.document import SCHEMA_PATH
from tests.meetings.support import assembly, caller, meeting

LANGS = {"fr", "nl", "de"}
SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
ITEM_SCHEMA = {"$defs": SCHEMA["$defs"], **SCHEMA["properties"]["items"]["items"]}


def _check_translated(value: object) -> None:
    assert isinstance(value, dict) and value and set(value) <= LANGS
    assert all(isinstance(text, str) for text in value.values())


def _check_item(item: dict) -> None:
    jsonschema.validate(item, ITEM_SCHEMA)
    for key in ("ref", "title", "question_type", "options"):
        assert key in item, key
    _check_translated(item["title"])
    assert item["question_type"] == "agenda_item"
    assert item.get("decision_type") in (None, "ordinary", "extraordinary", "advisory")
    assert "remote" not in item  # local positions are never mixed into remote results
    for option in item["options"]:
        assert set(option) == {"key", "label"}
        _check_translated(option["label"])
    for local in item["local_meetings"]:
        for key in ("meeting_id", "region", "date", "attendance", "counts"):
            assert key in local, key
        assert isinstance(local["attendance"], int) and local["attendance"] >= 0
        assert all(isinstance(n, int) and n >= 0 for n in local["counts"].values())
        for counts in local["by_college"].values():
            assert all(isinstance(n, int) and n >= 0 for n in counts.values())
        assert set(local["by_college"]) <= {"members", "permanents", "clients", "partners"}
    for statement in item.get("questions_raised", []) + item.get("amendments_suggested", []):
        assert isinstance(statement["text"], str) and statement.get("language") in LANGS


def _run(client, relay, mid: str, walk_ins: dict[str, int], counts: dict[str, dict[str, dict[str, int]]],
         notes: list[tuple[str, str, str]] = ()) -> None:
    for college, number in walk_ins.items():
        for n in range(number):
            answer = client.post(f"/api/v1/meetings/{mid}/checkins", json={"name": f"Walk {college} {n}",
                                                                           "college": college},
                                 headers=relay.headers)
            assert answer.status_code == 201, answer.text
    for ref, by_college in counts.items():
        answer = client.put(f"/api/v1/meetings/{mid}/items/{ref}/counts", json={"by_college": by_college},
                            headers=relay.headers)
        assert answer.status_code == 200, answer.text
    for kind, ref, text in notes:
        assert client.post(f"/api/v1/meetings/{mid}/notes", json={"kind": kind, "item": ref, "text": text},
                           headers=relay.headers).status_code == 201


def _setup(client, database):
    admin = caller(database, ["admin"])
    liege = caller(database, ["relay:liege"], region="liege")
    eupen = caller(database, ["relay:eupen"], region="eupen")
    ag = assembly(client, admin)
    m1 = meeting(client, liege, assembly_id=ag["id"])["id"]
    m2 = meeting(client, liege, assembly_id=ag["id"])["id"]
    m3 = meeting(client, eupen, "eupen", assembly_id=ag["id"], languages=["de"])["id"]
    pending = meeting(client, eupen, "eupen", assembly_id=ag["id"])["id"]
    _run(client, liege, m1, {"members": 3, "clients": 1}, {
        "r1": {"members": {"for": 2, "against": 1, "abstain": 0}, "clients": {"for": 0, "against": 0, "abstain": 1}},
        "r2": {"members": {"for": 3, "against": 0, "abstain": 0}}}, [("question", "r1", "Pourquoi ?"),
                                                                       ("amendment", "r2", "Remplacer « dix »")])
    _run(client, liege, m2, {"members": 2}, {"r1": {"members": {"for": 1, "against": 1, "abstain": 0}}})
    _run(client, eupen, m3, {"members": 1, "partners": 2}, {
        "r1": {"members": {"for": 1, "against": 0, "abstain": 0}, "partners": {"for": 0, "against": 2, "abstain": 0}}},
         [("question", "r1", "Warum?")])
    for relay, mid in ((liege, m1), (liege, m2), (eupen, m3)):
        assert client.post(f"/api/v1/meetings/{mid}/submit", headers=relay.headers).status_code == 200
    return admin, liege, eupen, ag["id"], (m1, m2, m3, pending)


def test_synthesis_sums_per_item_region_and_college(client, database):
    _admin, liege, _eupen, ag, (m1, m2, m3, pending) = _setup(client, database)
    answer = client.get(f"/api/v1/assemblies/{ag}/synthesis", headers=liege.headers)
    assert answer.status_code == 200, answer.text
    found = answer.json()
    r1, r2, r3 = found["items"]
    assert r1["by_region"] == {"eupen": {"for": 1, "against": 2, "abstain": 0},
                               "liege": {"for": 3, "against": 2, "abstain": 1}}
    assert r1["by_college"] == {"members": {"for": 4, "against": 2, "abstain": 0},
                                "clients": {"for": 0, "against": 0, "abstain": 1},
                                "partners": {"for": 0, "against": 2, "abstain": 0}}
    assert r1["total"] == {"for": 4, "against": 4, "abstain": 1}
    assert r2["total"] == {"for": 3, "against": 0, "abstain": 0} and r2["by_region"] == {
        "liege": {"for": 3, "against": 0, "abstain": 0}}
    assert r3["local_meetings"] == [] and r3["total"] == {"for": 0, "against": 0, "abstain": 0}
    assert sorted(q["text"] for q in r1["questions"]) == ["Pourquoi ?", "Warum?"]
    assert [a["text"] for a in r2["amendments"]] == ["Remplacer « dix »"]
    assert found["attendance"] == {"total": 9, "by_region": {"eupen": 3, "liege": 6}}
    assert [m["id"] for m in found["not_reported"]] == [pending]
    assert {m["id"] for m in found["reported"]} == {m1, m2, m3}
    member = caller(database, region="liege")
    assert client.get(f"/api/v1/assemblies/{ag}/synthesis", headers=member.headers).status_code == 404


def test_pre_assembly_synthesis_builder(client, database):
    admin, liege, _eupen, ag, (m1, m2, m3, pending) = _setup(client, database)
    builder = builder_for("pre_assembly_synthesis")
    assert builder is not None
    with database.transaction() as db:
        from agora.people.models import Person
        from agora.web.endpoint import load_principal

        document = builder.build(db, ag, "nl")
        admin_principal = load_principal(db, db.get(Person, admin.id))
        relay_principal = load_principal(db, db.get(Person, liege.id))
        assert builder.may_build(admin_principal, db, ag) is True
        assert builder.may_build(relay_principal, db, ag) is False
        assert list(builder.participants(db, ag)) == []  # walk-ins only: nobody of the register to tell
        with pytest.raises(SourceNotFound):
            builder.build(db, "nope", "fr")
    _check_translated(document["title"])
    assert set(document) >= {"title", "sources", "items", "participation", "electorate"}
    assert not {"schema", "id", "kind", "status", "integrity"} & set(document)
    for item in document["items"]:
        _check_item(item)
    r1 = document["items"][0]
    assert sorted((e["meeting_id"], e["attendance"]) for e in r1["local_meetings"]) == sorted(
        [(m1, 4), (m2, 2), (m3, 3)])
    assert sum(e["counts"]["for"] for e in r1["local_meetings"]) == 4
    assert sum(e["counts"]["against"] for e in r1["local_meetings"]) == 4
    assert "decision_type" not in document["items"][2]  # information only
    assert document["participation"]["voters"] == 9
    assert document["participation"]["by_region"] == {"eupen": 3, "liege": 6}
    assert {"type": "meeting_not_reported", "id": pending, "url": f"/meetings/{pending}"} in document["sources"]
    assert sum(1 for s in document["sources"] if s["type"] == "meeting") == 3


def test_the_synthesis_electorate_counts_the_people_without_a_region(client, database):
    """Everyone with a voting college is in the General Assembly's electorate, with a region or not; the
    figures per region count those who have one."""
    _admin, _liege, _eupen, ag, _meetings = _setup(client, database)
    builder = builder_for("pre_assembly_synthesis")
    with database.transaction() as db:
        before = builder.build(db, ag, "fr")["electorate"]
    caller(database, region=None, voting_college="clients")
    with database.transaction() as db:
        after = builder.build(db, ag, "fr")["electorate"]
    assert after["eligible"] == before["eligible"] + 1
    assert after["by_college"] == {**before["by_college"], "clients": before["by_college"]["clients"] + 1}
    assert after["by_region"] == before["by_region"]


def test_meeting_builder(client, database):
    admin = caller(database, ["admin"])
    relay = caller(database, ["relay:liege"], region="liege")
    other = caller(database, ["relay:eupen"], region="eupen")
    alice = caller(database, region="liege", voting_college="permanents")
    ag = assembly(client, admin)
    mid = meeting(client, relay, assembly_id=ag["id"])["id"]
    client.post(f"/api/v1/meetings/{mid}/checkins", json={"person": alice.id}, headers=relay.headers)
    client.post(f"/api/v1/meetings/{mid}/current", json={"item": "r1"}, headers=relay.headers)
    client.post(f"/api/v1/meetings/{mid}/items/r1/vote", json={"choice": "for"}, headers=alice.headers)
    client.post(f"/api/v1/meetings/{mid}/notes", json={"kind": "question", "text": "Général ?"},
                headers=relay.headers)
    client.post(f"/api/v1/meetings/{mid}/proposals", json={"title": "Une idée neuve", "body": "Texte."},
                headers=relay.headers)
    builder = builder_for("meeting")
    assert builder is not None
    with database.transaction() as db, pytest.raises(SourceNotReady):
        builder.build(db, mid, "fr")
    assert client.post(f"/api/v1/meetings/{mid}/submit", headers=relay.headers).status_code == 200
    with database.transaction() as db:
        from agora.people.models import Person
        from agora.web.endpoint import load_principal

        document = builder.build(db, mid, "fr")
        assert builder.may_build(load_principal(db, db.get(Person, relay.id)), db, mid) is True
        assert builder.may_build(load_principal(db, db.get(Person, other.id)), db, mid) is False
        assert builder.may_build(load_principal(db, db.get(Person, admin.id)), db, mid) is True
        assert builder.may_build(Principal(None), db, mid) is False
        assert list(builder.participants(db, mid)) == [alice.id]
    for item in document["items"]:
        _check_item(item)
    r1 = document["items"][0]
    assert [o["key"] for o in r1["options"]] == ["for", "against", "abstain"]
    assert r1["local_meetings"][0]["counts"] == {"for": 1, "against": 0, "abstain": 0}
    assert r1["local_meetings"][0]["by_college"] == {"permanents": {"for": 1, "against": 0, "abstain": 0}}
    assert r1["local_meetings"][0]["attendance"] == 1 and r1["local_meetings"][0]["region"] == "liege"
    assert document["items"][-1]["ref"] == "general"
    assert document["items"][-1]["questions_raised"][0]["text"] == "Général ?"
    assert document["proposals"][0]["title"] == {"fr": "Une idée neuve"}
    assert document["participation"]["voters"] == 1


def test_the_synthesis_page_shows_the_region_grid(client, database):
    from agora.people.models import Region
    from tests.conftest import sign_in
    from tests.factories import person

    _admin, _liege, _eupen, ag, (_m1, _m2, _m3, pending) = _setup(client, database)
    with database.transaction() as db:
        email = person(db, roles=["board_member"]).email
        names = {r.slug: r.names["fr"] for r in db.query(Region).all()}
    sign_in(client, email)
    page = client.get(f"/assemblies/{ag}/synthesis").text
    grid = page[page.index('id="region-grid"'):page.index("</table>", page.index('id="region-grid"'))]
    assert f'<th scope="col">{names["liege"]}</th>' in grid and f'<th scope="col">{names["eupen"]}</th>' in grid
    row = grid[grid.index('data-item="r1"'):grid.index("</tr>", grid.index('data-item="r1"'))]
    assert row.index('data-region="eupen"') < row.index('data-region="liege"') < row.index("data-total")
    assert 'data-item="r3"' not in grid  # information only: no position asked
    assert f'href="/meetings/{pending}"' in page[page.index('id="not-reported"'):]
    from agora import i18n

    with i18n.language("fr"):
        total = i18n.gettext("%(for)s for, %(against)s against, %(abstain)s abstentions") % {
            "for": 4, "against": 4, "abstain": 1}
    assert row[row.index("data-total"):].split(">", 1)[1].startswith(total)
