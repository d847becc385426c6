"""The register of opinions: signed-in readers, search, translations by the committee, follow-up."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from agora.ethics_committee.models import Opinion
from tests.ethics.conftest import Cast, advance, submit


def _published(cast: Cast, referral_id: str) -> str:
    advance(cast, referral_id, "publish")
    with cast.database.transaction() as db:
        return db.execute(select(Opinion.id).where(Opinion.referral_id == referral_id)).scalar_one()


def test_a_published_position_is_readable_by_signed_in_people_only(cast: Cast, client: Any, referral_id: str) -> None:
    opinion_id = _published(cast, referral_id)
    for role in ("other_cooperator", "relay", "board", "admin"):
        cast.use(client, role)
        page = client.get(f"/ethics/register/{opinion_id}")
        assert page.status_code == 200 and "Public summary Heron" in page.text
        for secret in ("Zebra", "Quokka", "Okapi", "Referrer Secretname"):
            assert secret not in page.text
    cast.use(client, "anonymous")
    assert client.get(f"/ethics/register/{opinion_id}", follow_redirects=False).status_code == 303
    assert client.get("/api/v1/ethics/register").status_code == 401


def test_unpublished_opinions_are_not_in_the_register(cast: Cast, client: Any, referral_id: str) -> None:
    advance(cast, referral_id, "approve")
    with cast.database.transaction() as db:
        opinion_id = db.execute(select(Opinion.id).where(Opinion.referral_id == referral_id)).scalar_one()
    cast.use(client, "other_cooperator")
    assert client.get(f"/ethics/register/{opinion_id}").status_code == 404
    assert "Pelican" not in client.get("/ethics/register").text


def test_search_and_translations(cast: Cast, client: Any, referral_id: str) -> None:
    opinion_id = _published(cast, referral_id)
    other = submit(cast, "cooperator")
    advance(cast, other, "publish")
    refused = cast.post(client, "other_cooperator", f"/ethics/register/{opinion_id}/translate",
                        {"language": "de", "title": "T", "summary": "S", "recommendations": "R"})
    assert refused.status_code == 403
    wrong_count = cast.post(client, "member", f"/ethics/register/{opinion_id}/translate",
                            {"language": "de", "title": "T", "summary": "S", "recommendations": "R1\nR2"})
    assert wrong_count.status_code == 422
    saved = cast.post(client, "member", f"/ethics/register/{opinion_id}/translate",
                      {"language": "de", "title": "Öffentlicher Titel Storch", "summary": "Zusammenfassung",
                       "recommendations": "Empfehlung"})
    assert saved.status_code == 303
    cast.use(client, "other_cooperator")
    german = client.get(f"/ethics/register/{opinion_id}?lang=de")
    assert "Öffentlicher Titel Storch" in german.text and "Empfehlung" in german.text
    found = client.get("/api/v1/ethics/register?q=storch", headers=cast.api("other_cooperator")).json()["items"]
    assert [item["id"] for item in found] == [opinion_id]
    assert found[0]["title"]["de"] == "Öffentlicher Titel Storch"
    everything = client.get("/api/v1/ethics/register", headers=cast.api("other_cooperator")).json()["items"]
    assert len(everything) == 2
    assert client.get("/ethics/register?q=nomatchanywhere").text.count("/ethics/register/") == 0


def test_follow_up_by_the_referrer_and_the_board(cast: Cast, client: Any, referral_id: str) -> None:
    opinion_id = _published(cast, referral_id)
    url = f"/ethics/register/{opinion_id}/follow-up"
    assert cast.post(client, "other_cooperator", url, {"state": "applied", "body": "x"}).status_code == 403
    assert cast.post(client, "board", url, {"recommendation": "5", "state": "applied", "body": "x"}).status_code == 422
    assert cast.post(client, "board", url, {"recommendation": "0", "state": "applied",
                                            "body": "Applied in the purchasing policy"}).status_code == 303
    assert cast.post(client, "referrer", url, {"state": "partly_applied", "body": "Thank you"}).status_code == 303
    data = client.get(f"/api/v1/ethics/register/{opinion_id}", headers=cast.api("relay")).json()
    assert [(f["role"], f["recommendation"], f["state"]) for f in data["follow_ups"]] == [
        ("board", 0, "applied"), ("referrer", None, "partly_applied")]
    cast.use(client, "relay")
    page = client.get(f"/ethics/register/{opinion_id}")
    assert "Applied in the purchasing policy" in page.text and "Referrer Secretname" not in page.text


def test_proposals_link_to_a_position_by_its_reference_page(cast: Cast, client: Any, referral_id: str) -> None:
    opinion_id = _published(cast, referral_id)
    created = client.post("/api/v1/proposals", headers=cast.api("other_cooperator"), json={
        "title": {"fr": "Appliquer la position sur les journées d'essai"},
        "body": {"fr": f"Voir [la position du comité](/ethics/register/{opinion_id})."}})
    assert created.status_code == 201, created.text
    proposal = client.get(f"/api/v1/proposals/{created.json()['id']}", headers=cast.api("relay")).json()
    assert f'href="/ethics/register/{opinion_id}"' in proposal["body_html"]
    cast.use(client, "relay")
    assert client.get(f"/ethics/register/{opinion_id}").status_code == 200
