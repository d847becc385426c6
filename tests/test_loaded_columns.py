"""`agora.db.LoadedColumns`: an entity read as plain columns and attached to the session must behave as the
ORM's own loading would (the signed-in person, an API token's holder and a ballot's consultation are
read this way on every request); on SQLite, and on PostgreSQL when AGORA_TEST_DATABASE_URL is set."""

from __future__ import annotations

import pytest
from sqlalchemy import bindparam, inspect, select
from sqlalchemy.exc import InvalidRequestError

from agora.accounts import services as accounts
from agora.db import LoadedColumns, read_columns
from agora.people.models import CollegeKey, Person
from tests.factories import person

PEOPLE = LoadedColumns(Person, "p_")


def _by_id():  # type: ignore[no-untyped-def]
    return select(*PEOPLE.columns).where(Person.__table__.c.id == bindparam("person_id"))


def _attached(db, person_id: str) -> Person:  # type: ignore[no-untyped-def]
    return PEOPLE.attach(db, read_columns(db, _by_id(), {"person_id": person_id}).one())


@pytest.fixture
def someone(database) -> str:  # type: ignore[no-untyped-def]
    with database.transaction() as db:
        return person(db, roles=["admin"], voting_college=CollegeKey.CLIENTS, shares=3, language="nl").id


def test_every_column_has_the_value_the_orm_loads(database, someone):
    assert set(PEOPLE.keys) == {column.key for column in Person.__table__.c}  # every column, none forgotten
    with database.session(write=False) as db:
        attached = _attached(db, someone)
        assert inspect(attached).unloaded == {"region", "roles"}  # only the relationships are left to load
    with database.session(write=False) as db:
        loaded = db.get(Person, someone)
        assert loaded is not None
        for column in Person.__table__.c:
            assert getattr(attached, column.key) == getattr(loaded, column.key), column.key
    assert attached.voting_college is CollegeKey.CLIENTS
    assert attached.created_at.tzinfo is not None  # UTCDateTime's processing applies to the columns too


def test_it_is_the_sessions_own_object_with_nothing_pending(database, someone):
    with database.session(write=False) as db:
        attached = _attached(db, someone)
        assert inspect(attached).persistent
        assert attached in db and not db.dirty and not db.new
        assert db.get(Person, someone) is attached  # the identity map answers with it, no second object
        assert _attached(db, someone) is attached


def test_an_object_already_in_the_session_is_the_one_returned(database, someone):
    with database.session(write=False) as db:
        loaded = db.get(Person, someone)
        assert _attached(db, someone) is loaded


def test_an_expired_object_in_the_session_is_refilled_from_the_row(database, someone):
    """As the ORM's loading would: no second SELECT at the next attribute read."""
    with database.session(write=False) as db:
        loaded = db.get(Person, someone)
        db.expire(loaded)
        assert _attached(db, someone) is loaded
        assert not inspect(loaded).expired_attributes & set(PEOPLE.keys)  # every column refilled
        assert loaded.shares == 3


def test_a_model_with_a_column_that_is_not_plain_is_refused():
    from agora.files.models import StoredFile

    columns = LoadedColumns(StoredFile, "f_")
    if not any(prop.deferred for prop in inspect(StoredFile).column_attrs):
        pytest.fail("StoredFile has no deferred column any more: pick another model for this test")
    with pytest.raises(TypeError, match="not a plain column"):
        _ = columns.columns


def test_a_change_to_it_is_written_at_commit(database, someone):
    with database.transaction() as db:
        attached = _attached(db, someone)
        before = attached.updated_at
        attached.name = "Renamed by a handler"
    with database.session(write=False) as db:
        stored = db.get(Person, someone)
        assert stored is not None and stored.name == "Renamed by a handler"
        assert stored.updated_at > before  # the column's onupdate ran: a real ORM update


def test_its_relationships_load_as_mapped(database, someone):
    with database.session(write=False) as db:
        attached = _attached(db, someone)
        with pytest.raises(InvalidRequestError):  # Person.roles is lazy="raise", as for a loaded Person
            _ = attached.roles


def test_an_api_tokens_holder_is_attached_with_their_roles(database, someone):
    with database.transaction() as db:
        token = accounts.create_token(db, db.get(Person, someone), "test")
    with database.transaction() as db:
        found = accounts.find_token_with_roles(db, token)
        assert found is not None
        holder, roles = found
        assert holder.id == someone and holder in db and {role.value for role, _scope in roles} == {"admin"}
        holder.language = "de"  # a handler changing the holder (their settings) is written
    with database.session(write=False) as db:
        assert db.get(Person, someone).language == "de"
        assert accounts.find_token_with_roles(db, token + "x") is None


def test_a_consultation_read_without_its_questions_is_the_one_the_orm_loads(client, database):
    """Every ballot reads its consultation this way: enums, JSON texts and aware datetimes included; a
    reload with `refresh=True` (after a due opening or closing) updates that same object."""
    from agora.consultations import services
    from agora.consultations.models import Consultation
    from tests.consultations.support import caller, opened

    admin, approver = caller(database, roles=["admin"]), caller(database, roles=["admin"])
    cid = opened(client, admin, approver)
    with database.session(write=False) as db:
        attached = services.get(db, cid, questions=False)
        assert attached is not None and attached in db and not db.dirty
        assert "questions" in inspect(attached).unloaded
    with database.session(write=False) as db:
        loaded = db.get(Consultation, cid)
        for column in Consultation.__table__.c:
            assert getattr(attached, column.key) == getattr(loaded, column.key), column.key
    assert attached.closes_at.tzinfo is not None and isinstance(attached.titles, dict)
    with database.session(write=True) as db:
        attached = services.get(db, cid, questions=False)
        db.execute(Consultation.__table__.update().where(Consultation.__table__.c.id == cid)
                   .values(titles={"fr": "Changé ailleurs"}))
        assert services.get(db, cid, refresh=True, questions=False) is attached
        assert attached.titles == {"fr": "Changé ailleurs"}
        db.rollback()
