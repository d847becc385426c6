"""ASGI middleware: security headers on every answer, and a cap on request body size."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agora import i18n
from agora.i18n import gettext as _

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"referrer-policy", b"same-origin"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
SECURITY_HEADER_NAMES = frozenset(name for name, _value in SECURITY_HEADERS)


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() not in SECURITY_HEADER_NAMES]
                message["headers"] = headers + SECURITY_HEADERS
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyTooLarge(Exception):
    pass


def _language_of(scope: Scope) -> str:
    headers = {k.decode().lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
    cookie = headers.get("cookie", "")
    chosen = None
    for part in cookie.split(";"):
        name, _sep, value = part.strip().partition("=")
        if name == "agora_lang":
            chosen = value
    return i18n.negotiate(chosen, headers.get("accept-language"), None)


class BodySizeLimit:
    """Refuses bodies over `limit` bytes (`upload_limit` for multipart forms) with 413, by
    Content-Length or while streaming."""

    def __init__(self, app: ASGIApp, limit: int, upload_limit: int | None = None) -> None:
        self.app = app
        self.limit = limit
        self.upload_limit = max(limit, upload_limit or limit)

    def _limit_of(self, headers: dict[bytes, bytes]) -> int:
        multipart = headers.get(b"content-type", b"").startswith(b"multipart/form-data")
        return self.upload_limit if multipart else self.limit

    async def _refuse(self, scope: Scope, send: Send) -> None:
        with i18n.language(_language_of(scope)):
            message = _("The request is too large.")
        body = json.dumps({"error": {"code": "too_large", "message": message}}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        limit = self._limit_of(headers)
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            await self._refuse(scope, send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._refuse(scope, send)


