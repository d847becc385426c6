"""Uploads: the type comes from the bytes, sizes are limited, names are cleaned, downloads are inert."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select
from starlette.datastructures import Headers, UploadFile

from agora.files import services
from agora.files.models import StoredFile
from agora.i18n import language

PDF_BYTES = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _upload(data: bytes, filename: str = "minutes.pdf", content_type: str = "application/pdf") -> UploadFile:
    return UploadFile(io.BytesIO(data), filename=filename, headers=Headers({"content-type": content_type}))


def _accept(database, upload, allowed=(services.PDF,), max_bytes=1024):
    with database.transaction() as db:
        stored = services.accept(db, upload, allowed=allowed, max_bytes=max_bytes, uploaded_by=None)
        return stored.id


def test_a_pdf_is_stored_with_its_checked_type_size_and_hash(database):
    file_id = _accept(database, _upload(PDF_BYTES, content_type="text/html"))
    with database.transaction() as db:
        stored = db.get(StoredFile, file_id)
        assert stored.content_type == "application/pdf"
        assert stored.size == len(PDF_BYTES)
        assert stored.data == PDF_BYTES
        assert len(stored.sha256) == 64 and stored.filename == "minutes.pdf"


def test_a_file_is_judged_by_its_bytes_not_by_its_name(database):
    html = b"<html><script>alert(1)</script></html>"
    with language("fr"), pytest.raises(services.UploadRejected) as refused:
        _accept(database, _upload(html, filename="report.pdf"))
    assert refused.value.code == "file_type"
    assert "PDF" in refused.value.message and "accepté" in refused.value.message


@pytest.mark.parametrize(("data", "code"), [(b"", "file_empty"), (PDF_BYTES + b"x" * 2000, "file_too_large")])
def test_empty_and_oversized_files_are_refused_and_nothing_is_written(database, data, code):
    with pytest.raises(services.UploadRejected) as refused:
        _accept(database, _upload(data))
    assert refused.value.code == code
    with database.transaction() as db:
        assert db.scalars(select(StoredFile)).all() == []


def test_no_file_chosen_is_a_clear_refusal(database):
    with language("nl"), pytest.raises(services.UploadRejected) as refused:
        _accept(database, None)
    assert refused.value.code == "file_missing" and "bestand" in refused.value.message.lower()


@pytest.mark.parametrize(("name", "expected"), [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("C:\\Users\\x\\Procès-verbal Liège.PDF", "Procès-verbal Liège.pdf"),
    ("evil\u202egpj.exe", "evilgpj.pdf"),
    ("photo.png", "photo.pdf"),
    ("...", "document.pdf"),
    ("a" * 300 + ".pdf", "a" * 116 + ".pdf"),
])
def test_names_are_cleaned_and_take_the_extension_of_the_real_type(name, expected):
    assert services.clean_filename(name, services.PDF) == expected


def test_the_first_allowed_type_that_matches_wins(database):
    file_id = _accept(database, _upload(PNG_BYTES, filename="scan"), allowed=(services.PDF, services.PNG))
    with database.transaction() as db:
        stored = db.get(StoredFile, file_id)
        assert (stored.content_type, stored.filename) == ("image/png", "scan.png")


def test_text_files_must_be_utf8_without_nul_bytes(database):
    with pytest.raises(services.UploadRejected):
        _accept(database, _upload(b"abc\x00def", filename="notes.txt"), allowed=(services.TEXT,))
    with pytest.raises(services.UploadRejected):
        _accept(database, _upload("café".encode("latin-1"), filename="notes.txt"), allowed=(services.TEXT,))
    assert _accept(database, _upload("Notes de réunion".encode(), filename="notes.txt"), allowed=(services.TEXT,))


def test_a_download_is_an_inert_attachment(database):
    file_id = _accept(database, _upload(PDF_BYTES, filename='Procès "verbal".pdf'))
    with database.transaction() as db:
        response = services.download(db.get(StoredFile, file_id))
    assert response.body == PDF_BYTES
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "private, no-store"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="Proc_s \'verbal\'.pdf"')
    assert "filename*=UTF-8''Proc%C3%A8s%20%22verbal%22.pdf" in disposition


def test_multipart_bodies_have_their_own_larger_limit(client):
    three_megabytes = b"x" * (3 * 1024 * 1024)
    form = client.post("/signin", content=three_megabytes,
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert form.status_code == 413
    upload = client.post("/signin", files={"document": ("big.pdf", three_megabytes, "application/pdf")})
    assert upload.status_code != 413  # reaches the route (which refuses it for its own reasons)
    too_big = client.post("/signin", files={"document": ("big.pdf", b"x" * (13 * 1024 * 1024), "application/pdf")})
    assert too_big.status_code == 413
