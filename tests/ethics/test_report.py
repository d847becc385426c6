"""The `ethics_opinion` report builder: shape of report-schema.json, readiness, and no confidential text."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from sqlalchemy import select

from agora.ethics_committee import register
from agora.ethics_committee.models import Opinion
from agora.reports.builders import BUILDER_MODULES, SourceNotFound, SourceNotReady, builder_for
from agora.reports.document import SCHEMA_PATH
from tests.ethics.conftest import Cast, advance, principal_of

SCHEMA = SCHEMA_PATH  # the project's own copy, which every served report is validated against


def _schema_entry() -> dict[str, Any]:
    schema = json.loads(SCHEMA.read_text())
    return schema["properties"]["ethics_opinions"]["items"]  # type: ignore[no-any-return]


def _validate(document: dict[str, Any]) -> None:
    """The builder's members against their definitions in report-schema.json."""
    schema = json.loads(SCHEMA.read_text())
    for member in ("title", "sources", "items", "ethics_opinions"):
        jsonschema.validate(document[member], {"$defs": schema["$defs"], **schema["properties"][member]})


def test_the_builder_is_registered() -> None:
    assert "agora.ethics_committee.report" in BUILDER_MODULES
    assert builder_for("ethics_opinion") is not None


def test_only_an_adopted_and_published_opinion_is_reported(cast: Cast, referral_id: str) -> None:
    builder = builder_for("ethics_opinion")
    assert builder is not None
    with cast.database.transaction() as db:
        with pytest.raises(SourceNotFound):
            builder.build(db, "0" * 32, "fr")
        with pytest.raises(SourceNotReady):
            builder.build(db, referral_id, "fr")
    advance(cast, referral_id, "approve")
    with cast.database.transaction() as db:
        with pytest.raises(SourceNotReady) as not_ready:
            builder.build(db, referral_id, "fr")
        assert str(not_ready.value)


def test_the_report_holds_the_public_summary_and_nothing_confidential(cast: Cast, referral_id: str) -> None:
    advance(cast, referral_id, "publish")
    with cast.database.transaction() as db:
        opinion = db.execute(select(Opinion).where(Opinion.referral_id == referral_id)).scalar_one()
        register.translate(db, principal_of(db, cast.ids["member"]), opinion, language="nl",
                           title="Publieke titel", summary="Publieke samenvatting",
                           recommendations=["Publieke aanbeveling"])
        opinion_id = opinion.id
    builder = builder_for("ethics_opinion")
    assert builder is not None
    with cast.database.transaction() as db:
        by_referral = builder.build(db, referral_id, "nl")
        by_opinion = builder.build(db, opinion_id, "fr")
        participants = list(builder.participants(db, opinion_id))
        allowed = {role: builder.may_build(principal_of(db, cast.ids[role]), db, opinion_id)
                   for role in ("admin", "chair", "member", "referrer", "board", "moderator")}
    assert by_referral["ethics_opinions"] == by_opinion["ethics_opinions"]
    _validate(by_opinion)
    _validate(by_referral)
    entry = by_opinion["ethics_opinions"][0]
    required = _schema_entry()["required"]
    assert all(key in entry for key in required)
    assert entry["id"] == opinion_id
    assert entry["summary"] == {"fr": "Public summary Heron", "nl": "Publieke samenvatting"}
    assert entry["recommendations"] == [{"fr": "Public recommendation Ibis", "nl": "Publieke aanbeveling"}]
    assert set(by_opinion["title"]) == {"fr", "nl", "de"} and "Pelican" in by_opinion["title"]["fr"]
    assert by_opinion["sources"] == [{"type": "ethics_opinion", "id": opinion_id,
                                      "url": f"/ethics/register/{opinion_id}"}]
    assert by_opinion["items"] == []
    for reserved in ("schema", "id", "kind", "status", "integrity", "board_response"):
        assert reserved not in by_opinion
    text = json.dumps(by_opinion, ensure_ascii=False)
    for secret in ("Zebra", "Quokka", "Narwhal", "Okapi", "Axolotl", "Secretname", cast.ids["referrer"]):
        assert secret not in text, secret
    assert participants == [cast.ids["referrer"]]
    assert allowed == {"admin": True, "chair": True, "member": False, "referrer": False, "board": False,
                       "moderator": False}
