"""Checks that a form body is UTF-8 text before Starlette reads it.

Starlette decodes what is not valid UTF-8 as Latin-1, silently (urlencoded fields always; multipart
fields, field names and file names when UTF-8 fails): "Ã©" would be stored where the person typed
nothing of the kind. The endpoint refuses such a body (400 `invalid_encoding`) instead.
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from python_multipart.multipart import parse_options_header


def is_utf8_form(raw: bytes) -> bool:
    """Every name and value of an application/x-www-form-urlencoded body decodes as UTF-8."""
    try:
        for pair in raw.split(b"&"):
            for part in pair.split(b"=", 1):
                unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def is_utf8_multipart(content_type: str, raw: bytes) -> bool:
    """A multipart/form-data body whose text is UTF-8: every field that is not a file, and every part's
    field name and file name. The files' own bytes are not text and are not checked. A declared charset
    other than UTF-8 is refused too (Starlette would decode the fields with it)."""
    _kind, params = parse_options_header(content_type)
    charset = params.get(b"charset", b"utf-8").decode("latin-1").lower().replace("_", "-")
    if charset not in ("utf-8", "utf8"):
        return False
    boundary = params.get(b"boundary")
    if not boundary:
        return True  # no parts to check: the parser refuses the body as malformed
    try:
        for part in raw.split(b"--" + boundary)[1:-1]:
            _check_part(part)
    except UnicodeDecodeError:
        return False
    return True


def _check_part(part: bytes) -> None:
    """One part between two boundaries: CRLF, header lines, an empty line, the content, CRLF."""
    head, _blank, content = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
    disposition = b""
    for line in head.split(b"\r\n"):
        name, _colon, value = line.partition(b":")
        if name.strip().lower() == b"content-disposition":
            disposition = value.strip()
    _kind, options = parse_options_header(disposition)
    options.get(b"name", b"").decode("utf-8")
    if b"filename" in options:
        options[b"filename"].decode("utf-8")
        return
    content.removesuffix(b"\r\n").decode("utf-8")
