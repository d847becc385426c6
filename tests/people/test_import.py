"""`agora import-members`: the member register CSV (API.md, "Member register CSV")."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from agora.accounts import services as accounts
from agora.accounts.models import WebSession
from agora.audit import AuditEntry
from agora.people import register_import
from agora.people.models import Person, Region
from tests.factories import person as make_person

HEADER = "external_id,email,name,language,region,voting_college,categories,shares"
ALICE = 'M001,alice@example.org,"Alice Dupont, <script>alert(1)</script>",fr,liege,members,members|clients,3'
BRAM = "M002,Bram@Example.ORG,Bram De Smet,nl,antwerpen,clients,clients,0"
KATHE = "M003,kathe@example.org,Käthe Müller,de,eupen,permanents,permanents|partners|members,1"


def write(tmp_path: Path, *lines: str, name: str = "register.csv", bom: bool = False) -> Path:
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + "\n".join(lines).encode("utf-8") + b"\n")
    return path


def run(database, path: Path, capsys, **options) -> tuple[int, str, str]:
    status = register_import.run_command(database, path, progress=options.pop("progress", False), **options)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def people(database) -> dict[str, Person]:
    with database.session(write=False) as db:
        return {p.external_id or p.email: p for p in db.execute(select(Person)).scalars()}


def counts(database) -> tuple[int, int, int, int]:
    with database.session(write=False) as db:
        return (db.execute(select(func.count()).select_from(Person)).scalar_one(),
                db.execute(select(func.count()).select_from(Person).where(Person.active.is_(True))).scalar_one(),
                db.execute(select(func.count()).select_from(AuditEntry)).scalar_one(),
                db.execute(select(func.count()).select_from(WebSession)).scalar_one())


def region_ids(database) -> dict[str, str]:
    with database.session(write=False) as db:
        return dict(db.execute(select(Region.slug, Region.id)).all())


def import_entries(database) -> list[dict]:
    with database.session(write=False) as db:
        return [e.data for e in db.execute(select(AuditEntry).where(AuditEntry.action == "register.import")
                                           .order_by(AuditEntry.seq)).scalars()]


# --- happy paths ----------------------------------------------------------------------------------

def test_first_import_creates_everyone(database, tmp_path, capsys):
    status, out, err = run(database, write(tmp_path, HEADER, ALICE, BRAM, KATHE), capsys)

    assert status == 0, err
    assert "3 lines; 3 created, 0 updated, 0 deactivated, 0 unchanged" in out
    found, regions = people(database), region_ids(database)
    assert set(found) == {"M001", "M002", "M003"}
    alice, bram, kathe = found["M001"], found["M002"], found["M003"]
    assert alice.name == "Alice Dupont, <script>alert(1)</script>"
    assert (alice.email, alice.language, alice.region_id, alice.voting_college, alice.shares) == (
        "alice@example.org", "fr", regions["liege"], "members", 3)
    assert alice.categories == "clients|members"  # stored sorted
    assert kathe.categories == "members|partners|permanents"
    assert kathe.name == "Käthe Müller" and kathe.language == "de"
    assert bram.email == "bram@example.org"  # emails are normalised
    assert bram.shares == 0 and not bram.is_shareholder
    assert all(p.active and p.password_hash is None for p in found.values())
    assert import_entries(database) == [{"file": "register.csv", "sha256": import_entries(database)[0]["sha256"],
                                         "lines": 3, "created": 3, "updated": 0, "deactivated": 0,
                                         "unchanged": 0}]


def test_reimport_updates_by_external_id(database, tmp_path, capsys):
    run(database, write(tmp_path, HEADER, ALICE, BRAM, KATHE), capsys)
    before = people(database)

    changed = "M001,alice.new@example.org,Alice Lambert,nl,gent,partners,partners,7"
    status, out, err = run(database, write(tmp_path, HEADER, changed, BRAM, KATHE), capsys)

    assert status == 0, err
    assert "3 lines; 0 created, 1 updated, 0 deactivated, 2 unchanged" in out
    after = people(database)
    alice = after["M001"]
    assert alice.id == before["M001"].id  # the same person, updated in place
    assert (alice.email, alice.name, alice.language, alice.region_id, alice.voting_college, alice.categories,
            alice.shares) == ("alice.new@example.org", "Alice Lambert", "nl", region_ids(database)["gent"],
                              "partners", "partners", 7)
    assert alice.updated_at > before["M001"].updated_at
    assert after["M002"].updated_at == before["M002"].updated_at  # unchanged lines are not rewritten


def test_people_missing_from_the_file_are_deactivated_and_signed_out(database, tmp_path, capsys):
    run(database, write(tmp_path, HEADER, ALICE, BRAM, KATHE), capsys)
    with database.transaction() as db:
        by_hand = make_person(db, email="secretariat@example.org")  # no external_id
        for p in db.execute(select(Person)).scalars():
            accounts.start_session(db, p, days=1)
    found = people(database)

    status, out, err = run(database, write(tmp_path, HEADER, BRAM), capsys)

    assert status == 0, err
    assert "1 lines; 0 created, 0 updated, 2 deactivated, 1 unchanged" in out
    after = people(database)
    assert set(after) == {"M001", "M002", "M003", "secretariat@example.org"}  # never deleted
    assert not after["M001"].active and not after["M003"].active
    assert after["M002"].active
    assert after["secretariat@example.org"].active  # created by hand: untouched
    with database.session(write=False) as db:
        signed_in = set(db.execute(select(WebSession.person_id)).scalars())
    assert signed_in == {found["M002"].id, by_hand.id}
    assert import_entries(database)[-1]["deactivated"] == 2


def test_a_deactivated_person_back_in_the_file_is_reactivated(database, tmp_path, capsys):
    run(database, write(tmp_path, HEADER, ALICE, BRAM), capsys)
    run(database, write(tmp_path, HEADER, BRAM), capsys)
    assert not people(database)["M001"].active

    status, out, _err = run(database, write(tmp_path, HEADER, ALICE, BRAM), capsys)

    assert status == 0
    assert "0 created, 1 updated, 0 deactivated, 1 unchanged" in out
    assert people(database)["M001"].active


def test_reimporting_the_same_file_changes_nothing(database, tmp_path, capsys):
    path = write(tmp_path, HEADER, ALICE, BRAM, KATHE)
    run(database, path, capsys)
    before = {key: (p.updated_at, p.email, p.categories) for key, p in people(database).items()}

    status, out, _err = run(database, path, capsys)

    assert status == 0
    assert "3 lines; 0 created, 0 updated, 0 deactivated, 3 unchanged" in out
    assert {key: (p.updated_at, p.email, p.categories) for key, p in people(database).items()} == before
    assert import_entries(database)[-1]["unchanged"] == 3


def test_dry_run_writes_nothing(database, tmp_path, capsys):
    run(database, write(tmp_path, HEADER, ALICE, BRAM), capsys)
    before, snapshot = counts(database), {k: p.name for k, p in people(database).items()}

    path = write(tmp_path, HEADER, "M001,alice@example.org,Renamed,fr,liege,members,members,3", KATHE)
    status, out, _err = run(database, path, capsys, dry_run=True)

    assert status == 0
    assert "dry run" in out and "would be 1 created, 1 updated, 1 deactivated, 0 unchanged" in out
    assert counts(database) == before
    assert {k: p.name for k, p in people(database).items()} == snapshot


def test_byte_order_mark_is_tolerated(database, tmp_path, capsys):
    status, _out, err = run(database, write(tmp_path, HEADER, ALICE, bom=True), capsys)

    assert status == 0, err
    assert "M001" in people(database)


def test_a_spreadsheet_export_with_bom_and_crlf_is_read(database, tmp_path, capsys):
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join([HEADER, KATHE, "M004,x@example.org,X,fr,atlantis,members,"
                                                                 "members,1", ""]).encode("utf-8"))

    status, _out, err = run(database, path, capsys)
    assert status == 2
    assert "line 3: unknown region 'atlantis'" in err and "line 2" not in err

    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join([HEADER, KATHE, ""]).encode("utf-8"))
    status, _out, err = run(database, path, capsys)
    assert status == 0, err
    assert people(database)["M003"].name == "Käthe Müller"


def test_a_semicolon_separated_file_gets_a_hint(database, tmp_path, capsys):
    status, _out, err = run(database, write(tmp_path, HEADER.replace(",", ";"), ALICE.replace(",", ";")), capsys)
    assert status == 2
    assert "line 1: the header must be exactly" in err and "uses ';' between fields" in err


def test_an_address_may_pass_from_one_person_to_a_newcomer(database, tmp_path, capsys):
    run(database, write(tmp_path, HEADER, ALICE), capsys)

    path = write(tmp_path, HEADER, "M001,alice.private@example.org,Alice,fr,liege,members,members,3",
                 "M009,alice@example.org,Alice's office,fr,liege,partners,partners,0")
    status, _out, err = run(database, path, capsys)

    assert status == 0, err
    found = people(database)
    assert (found["M001"].email, found["M009"].email) == ("alice.private@example.org", "alice@example.org")


def test_two_people_may_swap_emails(database, tmp_path, capsys):
    run(database, write(tmp_path, HEADER, ALICE, BRAM), capsys)

    swapped = write(tmp_path, HEADER, "M001,bram@example.org,Alice,fr,liege,members,members,3",
                    "M002,alice@example.org,Bram,nl,antwerpen,clients,clients,0")
    status, _out, err = run(database, swapped, capsys)

    assert status == 0, err
    found = people(database)
    assert (found["M001"].email, found["M002"].email) == ("bram@example.org", "alice@example.org")


def test_progress_bar_on_stderr_only_when_asked(database, tmp_path, capsys):
    path = write(tmp_path, HEADER, ALICE, BRAM)

    _status, _out, quiet = run(database, path, capsys, progress=False)
    _status, _out, shown = run(database, path, capsys, progress=True)
    _status, _out, auto = run(database, path, capsys, progress=None)  # stderr is not a terminal here

    assert quiet == "" and auto == ""
    assert "checking" in shown and "100%" in shown and "[" in shown


def test_progress_bar_draws_a_bar():
    stream = io.StringIO()
    bar = register_import.Progress(True, stream)
    bar.start("writing", 4)
    bar.advance(2)
    bar.finish()
    assert stream.getvalue().endswith("[" + "#" * 30 + "] 100%  4/4\n")
    assert "[" + "-" * 30 + "]   0%  0/4" in stream.getvalue()


# --- nothing written on any error -------------------------------------------------------------------

BAD_LINES = [
    ("M009,z@example.org,Zoé,fr,atlantis,members,members,1", "unknown region 'atlantis'"),
    ("M009,z@example.org,Zoé,fr,,members,members,1", "region is empty"),
    ("M009,z@example.org,Zoé,fr,liege,students,students,1", "unknown voting college 'students'"),
    ("M009,z@example.org,Zoé,fr,liege,members,clients,1",
     "categories 'clients' must include the voting college 'members'"),
    ("M009,z@example.org,Zoé,fr,liege,members,members|friends,1", "unknown category: 'friends'"),
    ("M009,z@example.org,Zoé,fr,liege,members,members,-1", "shares must be a whole number ≥ 0, not '-1'"),
    ("M009,z@example.org,Zoé,fr,liege,members,members,1.5", "shares must be a whole number ≥ 0, not '1.5'"),
    ("M009,z@example.org,Zoé,fr,liege,members,members,", "shares must be a whole number ≥ 0, not ''"),
    ("M009,z@example.org,Zoé,fr,liege,members,members,99999999999", "shares is too large"),
    ("M009,not-an-email,Zoé,fr,liege,members,members,1", "not an email address: 'not-an-email'"),
    ("M009,z@example.org,  ,fr,liege,members,members,1", "name is empty"),
    (",z@example.org,Zoé,fr,liege,members,members,1", "external_id is empty"),
    ("M009,z@example.org,Zoé,en,liege,members,members,1", "language must be fr, nl or de, not 'en'"),
    ("M009,z@example.org,Zoé,fr,liege,members,members", "expected 8 fields"),
    ("M009,z@example.org,Zoé,fr,liege,members,members,1,extra", "expected 8 fields"),
    ("M009,z@example.org," + "N" * 201 + ",fr,liege,members,members,1", "name is too long (201 characters"),
    ("X" * 65 + ",z@example.org,Zoé,fr,liege,members,members,1", "external_id is too long"),
    ("M009," + "z" * 250 + "@example.org,Zoé,fr,liege,members,members,1", "email is too long"),
    ("M009,z@example.org,Zo\x00é,fr,liege,members,members,1", "name contains a control character"),
    ("M001,z@example.org,Zoé,fr,liege,members,members,1", "external_id 'M001' already appears on line 2"),
    ("M009,ALICE@example.org,Zoé,fr,liege,members,members,1", "email 'alice@example.org' already appears on line 2"),
]


@pytest.mark.parametrize(("bad", "message"), BAD_LINES, ids=[message for _bad, message in BAD_LINES])
def test_a_bad_line_is_named_and_nothing_is_written(database, tmp_path, capsys, bad, message):
    run(database, write(tmp_path, HEADER, BRAM), capsys)  # something in the register already
    before, names = counts(database), {k: p.name for k, p in people(database).items()}

    # BRAM changes and KATHE is new: neither may be written, because of line 3.
    path = write(tmp_path, HEADER, ALICE, bad, "M002,bram@example.org,Bram Renamed,nl,antwerpen,clients,clients,0",
                 KATHE)
    status, out, err = run(database, path, capsys)

    assert status == 2
    assert out == ""
    assert f"line 3: {message}" in err
    assert "line 2:" not in err and "line 4:" not in err and "line 5:" not in err
    assert "nothing was written" in err
    assert counts(database) == before
    assert {k: p.name for k, p in people(database).items()} == names


def test_every_bad_line_is_reported_at_once(database, tmp_path, capsys):
    before = counts(database)
    path = write(
        tmp_path, HEADER,
        ALICE,                                                        # 2: good
        "M010,a@example.org,A,fr,atlantis,members,members,1",         # 3: region
        '"M011",b@example.org,"Two\nlines",fr,liege,members,members,1',  # 4-5: a record over two lines
        "M012,c@example.org,C,xx,liege,members,members,x",            # 6: language and shares
        "M013,alice@example.org,D,fr,liege,members,members,1",        # 7: duplicate email
        "",                                                           # 8: blank, ignored
        "M014,e@example.org,E,fr,liege,members,clients,1",            # 9: categories
    )

    status, _out, err = run(database, path, capsys)

    assert status == 2
    problems = [line for line in err.splitlines() if line.startswith("agora: line ")]
    assert problems == [
        "agora: line 3: unknown region 'atlantis' (known: antwerpen, arlon, brugge, brussels, charleroi, eupen, "
        "gent, hasselt, leuven, liege, mons, namur)",
        "agora: line 4: name contains a control character (line break, tab, NUL…)",
        "agora: line 6: language must be fr, nl or de, not 'xx'",
        "agora: line 6: shares must be a whole number ≥ 0, not 'x'",
        "agora: line 7: email 'alice@example.org' already appears on line 2",
        "agora: line 9: categories 'clients' must include the voting college 'members'",
    ]
    assert "6 problem(s) on 5 line(s)" in err
    assert counts(database) == before


def test_invalid_utf8_names_its_lines_and_the_rest_is_still_checked(database, tmp_path, capsys):
    path = tmp_path / "latin1.csv"
    path.write_bytes("\n".join([HEADER, ALICE, "M020,x@example.org,Ren\xe9,fr,liege,members,members,1",
                                "M021,y@example.org,Y,fr,liege,members,members,-3",
                                "M022,z@example.org,Zo\xeb,fr,liege,members,members,1", ""]).encode("latin-1"))

    status, _out, err = run(database, path, capsys)

    assert status == 2
    assert "line 3: not valid UTF-8" in err
    assert "line 4: shares must be a whole number ≥ 0, not '-3'" in err
    assert "line 5: not valid UTF-8" in err
    assert "line 2:" not in err
    assert counts(database)[0] == 0


@pytest.mark.parametrize("header", [
    "external_id,email,name,language,region,voting_college,categories",
    "external_id,email,name,language,region,voting_college,categories,shares,extra",
    "email,external_id,name,language,region,voting_college,categories,shares",
    "M001,alice@example.org,Alice,fr,liege,members,members,3",
])
def test_a_wrong_header_is_refused(database, tmp_path, capsys, header):
    status, _out, err = run(database, write(tmp_path, header, ALICE), capsys)

    assert status == 2
    assert "line 1: the header must be exactly external_id,email,name,language,region,voting_college," \
           "categories,shares" in err
    assert counts(database)[0] == 0


def test_an_empty_file_or_a_header_alone_is_refused(database, tmp_path, capsys):
    run(database, write(tmp_path, HEADER, ALICE), capsys)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")

    status, _out, err = run(database, empty, capsys)
    assert status == 2 and "the file is empty" in err

    status, _out, err = run(database, write(tmp_path, HEADER), capsys)  # would deactivate everyone
    assert status == 2 and "no member lines" in err
    assert people(database)["M001"].active


def test_a_missing_file_is_an_error(database, tmp_path, capsys):
    status, _out, err = run(database, tmp_path / "nowhere.csv", capsys)
    assert status == 2 and "cannot read" in err


def test_an_email_held_by_someone_else_in_the_database_is_refused(database, tmp_path, capsys):
    run(database, write(tmp_path, HEADER, ALICE, BRAM), capsys)
    with database.transaction() as db:
        make_person(db, email="byhand@example.org")
    before = counts(database)

    path = write(tmp_path, HEADER,
                 "M001,alice@example.org,Alice,fr,liege,members,members,3",
                 "M002,bram@example.org,Bram,nl,antwerpen,clients,clients,0",
                 "M005,byhand@example.org,Someone,fr,liege,members,members,1",    # 4: created by hand
                 "M006,bram@example.org,Other,fr,liege,members,members,1")        # 5: in the file already
    status, _out, err = run(database, path, capsys)
    assert status == 2
    assert "line 4: email 'byhand@example.org' is already used by another person in the database " \
           "(a person created by hand)" in err
    assert "line 5: email 'bram@example.org' already appears on line 3" in err

    # M002 leaves the file (and is deactivated) but keeps its address: nobody else may take it.
    path = write(tmp_path, HEADER, "M001,alice@example.org,Alice,fr,liege,members,members,3",
                 "M007,bram@example.org,Newcomer,fr,liege,members,members,1")
    status, _out, err = run(database, path, capsys)
    assert status == 2
    assert "line 3: email 'bram@example.org' is already used by another person in the database " \
           "(external_id 'M002')" in err
    assert counts(database) == before


def test_many_lines_use_bulk_statements(database, tmp_path, capsys):
    """More lines than one batch, on both backends: created, then all updated, then all unchanged."""
    count = register_import.BATCH + 7
    lines = [f"E{n:05d},p{n}@example.org,Person {n},fr,namur,members,members,{n % 4}" for n in range(count)]
    status, out, err = run(database, write(tmp_path, HEADER, *lines), capsys)
    assert status == 0, err
    assert f"{count} created" in out

    renamed = [line.replace("Person", "Personne") for line in lines]
    status, out, err = run(database, write(tmp_path, HEADER, *renamed[:-5]), capsys)
    assert status == 0, err
    assert f"0 created, {count - 5} updated, 5 deactivated, 0 unchanged" in out
    found = people(database)
    assert found["E00000"].name == "Personne 0" and found["E00003"].shares == 3
    assert sum(p.active for p in found.values()) == count - 5
