"""The secretariat's pages: people search, roles, activation, regions, colleges — and who may use them."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from agora.notifications.models import Notification
from agora.people.models import College, CollegeKey, Person, Region, Role, RoleGrant
from tests.conftest import csrf_of, post_form, sign_in
from tests.factories import person


def _admin_client(client, database):
    with database.transaction() as db:
        admin = person(db, roles=["admin"], name="Admin Person")
        admin_id = admin.id
        email = admin.email
    sign_in(client, email)
    return admin_id


def test_people_page_is_invisible_to_non_admins(client, database):
    with database.transaction() as db:
        email = person(db, roles=["moderator"]).email
    sign_in(client, email)
    assert client.get("/admin/people").status_code == 404
    assert client.get("/admin/regions").status_code == 404


def test_people_search_and_filters(client, database):
    _admin_client(client, database)
    with database.transaction() as db:
        person(db, name="Alice Vandenberghe", region="gent", voting_college="clients", categories="clients")
        person(db, name="Bob Lambert", region="liege")
    page = client.get("/admin/people", params={"q": "vandenb"})
    assert "Alice Vandenberghe" in page.text and "Bob Lambert" not in page.text
    page = client.get("/admin/people", params={"region": "liege"})
    assert "Bob Lambert" in page.text and "Alice" not in page.text
    page = client.get("/admin/people", params={"college": "clients"})
    assert "Alice" in page.text and "Bob" not in page.text


def test_people_search_htmx_returns_only_the_results_block(client, database):
    _admin_client(client, database)
    page = client.get("/admin/people", headers={"HX-Request": "true", "HX-Target": "results"})
    assert page.status_code == 200
    assert "<html" not in page.text and "<table" in page.text


def test_granting_a_role_notifies_the_person_and_is_audited(client, database):
    admin_id = _admin_client(client, database)
    with database.transaction() as db:
        target = person(db, name="Relay To Be")
        target_id = target.id
    response = post_form(client, f"/admin/people/{target_id}/roles", {"role": "relay", "region": "eupen"},
                         from_page=f"/admin/people/{target_id}")
    assert response.status_code == 303
    with database.session(write=False) as db:
        grant = db.execute(select(RoleGrant).where(RoleGrant.person_id == target_id)).scalar_one()
        assert (grant.role.value, grant.scope) == ("relay", "eupen")
        note = db.execute(select(Notification).where(Notification.person_id == target_id)).scalar_one()
        assert note.kind == "role_granted"
        from agora.audit import AuditEntry

        entry = db.execute(select(AuditEntry).where(AuditEntry.action == "role.grant")
                           .order_by(AuditEntry.seq.desc())).scalars().first()
        assert entry.actor_id == admin_id and entry.target_id == target_id


def test_relay_role_needs_a_known_region(client, database):
    _admin_client(client, database)
    with database.transaction() as db:
        target_id = person(db).id
    response = post_form(client, f"/admin/people/{target_id}/roles", {"role": "relay", "region": "atlantis"},
                         from_page=f"/admin/people/{target_id}")
    assert response.status_code == 422
    with database.session(write=False) as db:
        assert db.execute(select(RoleGrant).where(RoleGrant.person_id == target_id)).first() is None


def test_revoking_a_role(client, database):
    _admin_client(client, database)
    with database.transaction() as db:
        target = person(db, roles=["moderator"])
        target_id = target.id
    with database.session(write=False) as db:
        grant_id = db.execute(select(RoleGrant.id).where(RoleGrant.person_id == target_id)).scalar_one()
    response = post_form(client, f"/admin/people/{target_id}/roles/revoke", {"grant": str(grant_id)},
                         from_page=f"/admin/people/{target_id}")
    assert response.status_code == 303
    with database.session(write=False) as db:
        assert db.execute(select(RoleGrant).where(RoleGrant.person_id == target_id)).first() is None


def test_admin_cannot_deactivate_themselves(client, database):
    admin_id = _admin_client(client, database)
    response = post_form(client, f"/admin/people/{admin_id}/active", {"active": "0"}, from_page="/admin/people")
    assert response.status_code == 422
    with database.session(write=False) as db:
        assert db.get(Person, admin_id).active


def test_colleges_weights_must_sum_to_one(client, database):
    _admin_client(client, database)
    bad = post_form(client, "/admin/colleges",
                    {"members": "0.6", "permanents": "0.25", "clients": "0.1", "partners": "0.1"},
                    from_page="/admin/colleges")
    assert bad.status_code == 422
    assert 'value="0.6"' in bad.text  # what was typed is kept
    good = post_form(client, "/admin/colleges",
                     {"members": "0,5", "permanents": "0.3", "clients": "0.1", "partners": "0.1"},
                     from_page="/admin/colleges")
    assert good.status_code == 303
    with database.session(write=False) as db:
        assert db.get(College, CollegeKey.MEMBERS).weight == Decimal("0.5")


def test_regions_can_be_added_and_edited(client, database):
    _admin_client(client, database)
    response = post_form(client, "/admin/regions",
                         {"slug": "verviers", "name_fr": "Verviers", "languages": "fr", "active": "1"},
                         from_page="/admin/regions")
    assert response.status_code == 303
    clash = post_form(client, "/admin/regions", {"slug": "verviers", "name_fr": "Autre", "languages": "fr"},
                      from_page="/admin/regions")
    assert clash.status_code == 422
    with database.session(write=False) as db:
        region = db.execute(select(Region).where(Region.slug == "verviers")).scalar_one()
        assert region.names == {"fr": "Verviers"}


def test_admin_forms_need_csrf(client, database):
    _admin_client(client, database)
    csrf_of(client)
    response = client.post("/admin/colleges", data={"members": "1", "permanents": "0", "clients": "0", "partners": "0"})
    assert response.status_code == 403


def test_relay_notification_names_the_region_in_the_readers_language(database):
    from agora import i18n
    from agora.notifications.texts import text_of
    from agora.people.services import grant_role

    with database.transaction() as db:
        target = person(db, name="Future Relay")
        admin = person(db, roles=["admin"])
        grant_role(db, target, Role.RELAY, "liege", actor_id=admin.id)
        note = db.execute(select(Notification).where(Notification.person_id == target.id)).scalar_one()
        with i18n.language("nl"):
            assert "Luik" in text_of(note)
        with i18n.language("de"):
            assert "Lüttich" in text_of(note)
