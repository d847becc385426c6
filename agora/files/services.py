"""Accepting an upload (type from its bytes, size limit, cleaned name) and serving it safely."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote

from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile
from starlette.responses import Response

from agora.files.models import StoredFile
from agora.i18n import formatting
from agora.i18n import gettext as _

MEGABYTE = 1024 * 1024
MAX_NAME_LENGTH = 120


@dataclass(frozen=True)
class FileType:
    key: str
    content_type: str
    extension: str
    label: str  # shown in messages: "PDF", "PNG"…

    def matches(self, data: bytes) -> bool:
        return _SIGNATURES[self.key](data)


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


_SIGNATURES = {
    "pdf": lambda head: head.startswith(b"%PDF-"),
    "png": lambda head: head.startswith(b"\x89PNG\r\n\x1a\n"),
    "jpeg": lambda head: head.startswith(b"\xff\xd8\xff"),
    "text": _is_text,
}

PDF = FileType("pdf", "application/pdf", ".pdf", "PDF")
PNG = FileType("png", "image/png", ".png", "PNG")
JPEG = FileType("jpeg", "image/jpeg", ".jpg", "JPEG")
TEXT = FileType("text", "text/plain; charset=utf-8", ".txt", "TXT")


class UploadRejected(Exception):
    """The upload was refused; `message` is translated and says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def accept(
    db: Session,
    upload: UploadFile | None,
    *,
    allowed: tuple[FileType, ...],
    max_bytes: int,
    uploaded_by: str | None,
) -> StoredFile:
    """Checks `upload` and adds it to the session (flushed with the caller's transaction)."""
    if upload is None or not upload.filename:
        raise UploadRejected("file_missing", _("Choose a file to upload."))
    data = _read_at_most(upload, max_bytes)
    file_type = _detect(data, allowed)
    stored = StoredFile(
        filename=clean_filename(upload.filename, file_type),
        content_type=file_type.content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
        uploaded_by_id=uploaded_by,
    )
    db.add(stored)
    db.flush()
    return stored


def _read_at_most(upload: UploadFile, max_bytes: int) -> bytes:
    upload.file.seek(0)
    data = upload.file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UploadRejected("file_too_large", _("The file is larger than the limit of %(limit)s MB.")
                             % {"limit": formatting.format_number(max_bytes / MEGABYTE)})
    if not data:
        raise UploadRejected("file_empty", _("The file is empty."))
    return data


def _detect(data: bytes, allowed: tuple[FileType, ...]) -> FileType:
    for file_type in allowed:
        if file_type.matches(data):
            return file_type
    labels = ", ".join(file_type.label for file_type in allowed)
    raise UploadRejected("file_type", _("This type of file is not accepted. Accepted types: %(types)s.")
                         % {"types": labels})


def clean_filename(name: str, file_type: FileType) -> str:
    """The last path component, without control or format characters, with the extension of its real type."""
    base = re.split(r"[\\/]", name)[-1]
    base = "".join(ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = stem.strip(" .") or "document"
    return stem[: MAX_NAME_LENGTH - len(file_type.extension)] + file_type.extension


def download(stored: StoredFile) -> Response:
    """The file as an attachment, with headers that stop a browser from running or sniffing it."""
    ascii_name = stored.filename.encode("ascii", "replace").decode().replace('"', "'").replace("?", "_")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(stored.filename)}"
    return Response(
        stored.data,
        media_type=stored.content_type,
        headers={
            "Content-Disposition": disposition,
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, no-store",
        },
    )
