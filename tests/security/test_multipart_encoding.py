"""Invalid UTF-8 inside a multipart form (a form with a file): refused with the same translated 400
as an urlencoded form, nothing written. Starlette would otherwise read the field as Latin-1 ("Café"
typed as UTF-8 is fine; the byte 0xE9 alone would become "é" without anyone noticing)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from agora import i18n
from agora.ethics_committee.models import Attachment, Referral
from agora.web.encoding import is_utf8_multipart
from tests.conftest import csrf_of, sign_in
from tests.factories import person

BOUNDARY = "agoraBoundary7MA4YWxk"
PDF = ("avis.pdf", "application/pdf", b"%PDF-1.4\n\xff\xfe\x00\x01 binary is fine in a file\n")


def _raw(text: str | bytes) -> bytes:
    return text if isinstance(text, bytes) else text.encode()


def multipart(fields: dict[str | bytes, bytes], file: tuple[str | bytes, str, bytes] | None = PDF,
              boundary: str = BOUNDARY) -> bytes:
    """A multipart/form-data body byte by byte (names given as bytes are sent as they are)."""
    parts = [b"--" + boundary.encode() + b'\r\nContent-Disposition: form-data; name="' + _raw(name)
             + b'"\r\n\r\n' + value + b"\r\n" for name, value in fields.items()]
    if file is not None:
        filename, kind, content = file
        parts.append(b"--" + boundary.encode() + b'\r\nContent-Disposition: form-data; name="attachment"; '
                     b'filename="' + _raw(filename) + b'"\r\nContent-Type: ' + kind.encode() + b"\r\n\r\n" + content
                     + b"\r\n")
    return b"".join(parts) + b"--" + boundary.encode() + b"--\r\n"


def _fields(subject: bytes = "Café équitable".encode()) -> dict[str | bytes, bytes]:
    return {"subject": subject, "question": b"Pouvons-nous accepter ce client ?",
            "context": b"", "language": b"fr", "kind": b"cooperator"}


def _count(database, model) -> int:
    with database.session(write=False) as db:
        return db.execute(select(func.count()).select_from(model)).scalar_one()


@pytest.fixture
def referrer(client, database):
    with database.transaction() as db:
        someone = person(db, language="fr", name="Léa Martin")
    sign_in(client, someone.email)
    return someone


def _files(settings) -> set[str]:
    return {str(p) for p in settings.var_dir.rglob("*") if p.is_file()} if settings.var_dir.exists() else set()


def _send(client, body: bytes, content_type: str = f"multipart/form-data; boundary={BOUNDARY}"):
    token = csrf_of(client, "/ethics/referrals/new")
    return client.post("/ethics/referrals/new", content=body, follow_redirects=False,
                       headers={"Content-Type": content_type, "X-CSRF-Token": token})


def test_a_valid_utf8_referral_with_a_file_goes_through(client, database, referrer):
    """The control: the same form, valid, is accepted (binary file content is not text)."""
    answer = _send(client, multipart(_fields()))
    assert answer.status_code == 303, answer.text
    with database.session(write=False) as db:
        assert db.execute(select(Referral.subject)).scalar_one() == "Café équitable"
    assert _count(database, Attachment) == 1


@pytest.mark.parametrize("label, body", [
    ("Latin-1 subject", multipart(_fields("Caf\xe9 \xe9quitable".encode("latin-1")))),
    ("broken sequence in the question", multipart({**_fields(), "question": b"ok \xc3\x28 then \xff"})),
    ("Latin-1 file name", multipart(_fields(), ("r\xe9sum\xe9.pdf".encode("latin-1"), *PDF[1:]))),
    ("Latin-1 field name", multipart({**_fields(), "d\xe9tail".encode("latin-1"): b"x"})),
])
def test_invalid_utf8_in_a_multipart_form_is_refused_and_nothing_is_written(client, database, settings, referrer,
                                                                           label, body):
    files_before = _files(settings)
    answer = _send(client, body)
    assert answer.status_code == 400, f"{label}: {answer.status_code}"
    with i18n.language("fr"):
        message = i18n.gettext("The request is not valid UTF-8 text.")
    assert message in answer.text or re.sub("'", "&#39;", message) in answer.text, answer.text[-800:]
    assert _count(database, Referral) == 0 and _count(database, Attachment) == 0
    assert _files(settings) == files_before


def test_a_declared_charset_other_than_utf8_is_refused(client, database, referrer):
    answer = _send(client, multipart(_fields()), f"multipart/form-data; boundary={BOUNDARY}; charset=latin-1")
    assert answer.status_code == 400
    assert _count(database, Referral) == 0


def test_the_api_refuses_it_as_json(client, database):
    from tests.consultations.support import caller

    someone = caller(database)
    body = multipart(_fields("Caf\xe9".encode("latin-1")))
    answer = client.post("/api/v1/ethics/referrals", content=body, headers={
        **someone.headers, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "invalid_encoding"


def test_the_check_reads_parts_as_the_parser_does():
    ok = multipart(_fields())
    assert is_utf8_multipart(f"multipart/form-data; boundary={BOUNDARY}", ok)
    assert is_utf8_multipart(f'multipart/form-data; boundary="{BOUNDARY}"; charset=UTF-8', ok)
    assert not is_utf8_multipart(f"multipart/form-data; boundary={BOUNDARY}",
                                 multipart({"subject": b"\xe9"}, file=None))
