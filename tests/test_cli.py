"""The `agora` command (API.md, "Command line"), run through `agora.cli.main` against the test database."""

from __future__ import annotations

import gc
import gzip
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

import agora.cli
from agora.accounts.models import ApiToken, OneTimeLink
from agora.audit import AuditEntry
from agora.cli import main
from agora.people.models import Person, Role, RoleGrant
from tests import test_backup
from tests.conftest import PASSWORD, TEST_SECRET, sign_in
from tests.factories import person as make_person
from tests.test_backup import contents, postgres_target, sqlite_template  # noqa: F401 (fixtures)

fresh_database = test_backup.fresh  # the fixture, under a name of this module

REGISTER = (
    "external_id,email,name,language,region,voting_college,categories,shares\n"
    "M001,alice@example.org,Alice Dupont,fr,liege,members,members,3\n"
    "M002,bram@example.org,Bram De Smet,nl,antwerpen,clients,clients|members,0\n"
)


@pytest.fixture
def cli(monkeypatch, settings, database, tmp_path):
    """Environment pointing `agora` at the test database; returns run(*args) -> exit status."""
    monkeypatch.setenv("AGORA_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("AGORA_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("AGORA_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("AGORA_BASE_URL", "http://testserver")
    for name in ("AGORA_SMTP_HOST", "AGORA_REDIS_URL"):
        monkeypatch.delenv(name, raising=False)

    # `agora audit verify` does not dispose of its engine (reported); without this, its pooled
    # PostgreSQL connection is garbage-collected during some later test, as a ResourceWarning.
    opened = []

    def tracked_database():
        database = open_database()
        opened.append(database)
        return database

    open_database = agora.cli._database
    monkeypatch.setattr(agora.cli, "_database", tracked_database)

    def run(*args: str) -> int:
        return main(list(args))

    yield run
    for database_ in opened:
        database_.dispose()


def people_count(database) -> int:
    with database.session(write=False) as db:
        return db.execute(select(func.count()).select_from(Person)).scalar_one()


def find(database, email: str) -> Person | None:
    with database.session(write=False) as db:
        return db.execute(select(Person).where(Person.email == email)).scalar_one_or_none()


# --- create-user ---------------------------------------------------------------------------------------

def test_create_user_with_roles(cli, database, capsys):
    status = cli("create-user", "Relay@Example.org", "--name", "Julien Renard", "--role", "admin",
                 "--role", "relay:liege", "--language", "nl", "--region", "liege")

    out = capsys.readouterr().out
    assert status == 0
    person = find(database, "relay@example.org")
    assert person is not None and out.strip() == person.id
    assert (person.name, person.language, person.password_hash) == ("Julien Renard", "nl", None)
    with database.session(write=False) as db:
        grants = {(g.role, g.scope) for g in db.execute(select(RoleGrant)).scalars()}
    assert grants == {(Role.ADMIN, ""), (Role.RELAY, "liege")}


@pytest.mark.parametrize(("role", "named"), [
    ("emperor", "emperor"),       # no such role
    ("relay", "relay:"),          # a relay names its region (the message is in the default language)
    ("admin:liege", "relay:"),    # other roles take none
    ("relay:atlantis", "atlantis"),  # no such region
])
def test_create_user_with_a_bad_role_creates_nothing(cli, database, capsys, role, named):
    status = cli("create-user", "x@example.org", "--name", "X", "--role", "moderator", "--role", role)

    err = capsys.readouterr().err
    assert status != 0
    assert err.startswith("agora: ") and named in err
    assert people_count(database) == 0


def test_create_user_refuses_a_duplicate_email_or_a_bad_one(cli, database, capsys):
    assert cli("create-user", "a@example.org", "--name", "A") == 0
    capsys.readouterr()

    assert cli("create-user", "A@EXAMPLE.ORG", "--name", "Again") != 0
    assert "already exists" in capsys.readouterr().err
    assert cli("create-user", "not-an-email", "--name", "B") != 0
    assert "not an email address" in capsys.readouterr().err
    assert people_count(database) == 1


def test_create_user_reads_the_password_from_stdin(cli, database, client, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert cli("create-user", "pw@example.org", "--name", "P", "--password-stdin") == 0

    sign_in(client, "pw@example.org", PASSWORD)  # asserts the 303 of a successful sign-in
    assert "P" in client.get("/").text

    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert cli("create-user", "short@example.org", "--name", "S", "--password-stdin") != 0
    assert "at least" in capsys.readouterr().err
    assert find(database, "short@example.org") is None


# --- token create --------------------------------------------------------------------------------------

def test_token_create_prints_working_tokens(cli, database, client, capsys):
    with database.transaction() as db:
        first, second = make_person(db, email="one@example.org"), make_person(db, email="two@example.org")
        ids = {first.email: first.id, second.email: second.id}

    assert cli("token", "create", "one@example.org", "TWO@example.org") == 0

    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in lines] == ["one@example.org", "two@example.org"]
    for line in lines:
        email, token = line.split("\t")
        response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.text
        assert response.json()["id"] == ids[email] and response.json()["email"] == email
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer agora_wrong"}).status_code == 401


def test_token_create_for_an_unknown_or_inactive_email_creates_no_token(cli, database, capsys):
    with database.transaction() as db:
        make_person(db, email="one@example.org")
        make_person(db, email="gone@example.org").active = False

    assert cli("token", "create", "one@example.org", "nobody@example.org") != 0
    assert "nobody@example.org" in capsys.readouterr().err
    assert cli("token", "create", "gone@example.org") != 0
    with database.session(write=False) as db:
        assert db.execute(select(func.count()).select_from(ApiToken)).scalar_one() == 0


# --- invite --------------------------------------------------------------------------------------------

def test_invite_prints_a_link_that_works(cli, database, client, capsys):
    with database.transaction() as db:
        make_person(db, email="newcomer@example.org", password=None)

    assert cli("invite", "newcomer@example.org") == 0

    email, url = capsys.readouterr().out.strip().split("\t")
    assert email == "newcomer@example.org"
    assert url.startswith("http://testserver/invitation/")
    assert client.get(url).status_code == 200
    assert client.get(url + "x").status_code != 200  # a wrong token is not accepted

    assert cli("invite", "nobody@example.org") != 0
    with database.session(write=False) as db:
        assert db.execute(select(func.count()).select_from(OneTimeLink)).scalar_one() == 1


# --- audit verify --------------------------------------------------------------------------------------

def test_audit_verify(cli, database, capsys):
    assert cli("create-user", "a@example.org", "--name", "A", "--role", "admin") == 0
    capsys.readouterr()

    assert cli("audit", "verify") == 0
    assert "audit log intact: 2 entries" in capsys.readouterr().out


# agora.audit.verify returns from inside its loop over a server-side cursor (yield_per) without closing
# it (reported); on PostgreSQL psycopg then warns that the cursor was deleted while open.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_audit_verify_finds_a_tampered_entry(cli, database, capsys):
    assert cli("create-user", "a@example.org", "--name", "A", "--role", "admin") == 0
    with database.transaction() as db:
        db.execute(update(AuditEntry).where(AuditEntry.seq == 1).values(action="person.delete"))
    capsys.readouterr()

    assert cli("audit", "verify") == 1
    assert "broken at entry 1" in capsys.readouterr().err
    gc.collect()  # within this test, where the warning above is expected


# --- import-members ---------------------------------------------------------------------------------------

def test_import_members(cli, database, tmp_path, capsys):
    path = tmp_path / "register.csv"
    path.write_text(REGISTER, encoding="utf-8")

    assert cli("import-members", str(path), "--dry-run") == 0
    assert "would be 2 created" in capsys.readouterr().out
    assert people_count(database) == 0

    assert cli("import-members", str(path)) == 0
    captured = capsys.readouterr()
    assert "2 lines; 2 created, 0 updated, 0 deactivated, 0 unchanged" in captured.out
    assert captured.err == ""  # no progress bar when stderr is not a terminal
    assert people_count(database) == 2

    path.write_text(REGISTER + "M003,x@example.org,X,fr,nowhere,members,members,1\n", encoding="utf-8")
    assert cli("import-members", str(path), "--no-progress") == 2
    assert "line 4: unknown region 'nowhere'" in capsys.readouterr().err
    assert people_count(database) == 2


# --- backup and restore -----------------------------------------------------------------------------------

def test_backup_and_restore(cli, database, fresh_database, tmp_path, capsys, monkeypatch):
    path = tmp_path / "register.csv"
    path.write_text(REGISTER, encoding="utf-8")
    assert cli("import-members", str(path)) == 0
    assert cli("create-user", "admin@example.org", "--name", "Admin", "--role", "relay:eupen") == 0
    copy = tmp_path / "agora.backup"
    capsys.readouterr()

    assert cli("backup", str(copy)) == 0
    assert f"rows written to {copy}" in capsys.readouterr().out

    target = fresh_database("postgresql" if database.engine.dialect.name == "postgresql" else "sqlite")
    monkeypatch.setenv("AGORA_DATABASE_URL", target.url)
    assert cli("restore", str(copy)) == 0
    assert f"rows restored from {copy}" in capsys.readouterr().out
    assert contents(target) == contents(database)
    assert cli("audit", "verify") == 0

    assert cli("restore", str(copy)) != 0  # now it holds data: refused
    assert "not empty" in capsys.readouterr().err


def test_restore_refuses_a_corrupt_copy(cli, database, fresh_database, tmp_path, capsys, monkeypatch):
    assert cli("create-user", "admin@example.org", "--name", "Admin") == 0
    copy = tmp_path / "agora.backup"
    assert cli("backup", str(copy)) == 0
    copy.write_bytes(copy.read_bytes()[:-20])
    capsys.readouterr()

    target = fresh_database("postgresql" if database.engine.dialect.name == "postgresql" else "sqlite")
    monkeypatch.setenv("AGORA_DATABASE_URL", target.url)
    assert cli("restore", str(copy)) == 2
    err = capsys.readouterr().err
    assert err.startswith("agora: ") and "corrupt or truncated" in err and "Traceback" not in err
    assert people_count(target) == 0

    with gzip.open(copy, "wb") as handle:
        handle.write(b"hello\n")
    assert cli("restore", str(copy)) == 2
    assert "not an agora backup" in capsys.readouterr().err
    assert cli("restore", str(Path(tmp_path / "nowhere"))) == 2


def test_serve_leaves_the_socket_heartbeat_to_engine_io(cli, monkeypatch):
    import uvicorn

    started = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: started.update(app=app, **options))
    assert cli("serve", "--port", "8123") == 0
    assert started["app"] == "agora.asgi:application" and started["port"] == 8123
    assert started["ws_ping_interval"] is None  # Engine.IO pings every socket every 25 s already


def test_several_workers_on_sqlite_need_redis_and_share_the_database_file(cli, monkeypatch, capsys):
    from agora import serving

    started = {}
    monkeypatch.setattr(serving, "run", lambda app, **options: started.update(app=app, **options))
    monkeypatch.delenv("AGORA_REDIS_URL", raising=False)
    assert cli("serve", "--workers", "2") == 2
    assert "AGORA_REDIS_URL" in capsys.readouterr().err and started == {}
    monkeypatch.setenv("AGORA_REDIS_URL", "redis://127.0.0.1:6379/0")
    assert cli("serve", "--workers", "2") == 0
    assert started["workers"] == 2  # on SQLite too: the workers queue their writes on the lock file
