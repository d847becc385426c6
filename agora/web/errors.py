"""Error pages for what never reached a handler: unknown routes, wrong methods, crashes."""

from __future__ import annotations

import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from agora import i18n
from agora.i18n import gettext as _
from agora.permissions import ANONYMOUS
from agora.web import templating
from agora.web.middleware import _language_of

log = logging.getLogger("agora.web")


def _messages() -> dict[int, tuple[str, str]]:
    return {
        404: ("not_found", _("This page does not exist, or you are not allowed to see it.")),
        405: ("method_not_allowed", _("This address does not accept this kind of request.")),
        500: ("internal_error", _("Something went wrong on our side. Nothing was saved; please try again.")),
    }


class _Problem:
    def __init__(self, status: int, code: str, message: str) -> None:
        self.status, self.code, self.message = status, code, message


def error_response(request: Request, status: int) -> Response:
    with i18n.language(_language_of(request.scope)):
        code, message = _messages().get(status, ("error", _("The request could not be handled.")))
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)
        context: dict[str, Any] = {
            "ctx": None, "user": None, "principal": ANONYMOUS, "allowed": lambda _p: False,
            "csrf_token": "", "unread_count": 0, "request_path": request.url.path,
            "problem": _Problem(status, code, message),
        }
        return HTMLResponse(templating.render("errors/problem.html", context), status_code=status)


async def _http_exception(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    return error_response(request, status)


async def _crash(request: Request, exc: Exception) -> Response:
    log.error("unhandled error in %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(request, 500)


def handlers() -> dict[Any, Any]:
    return {HTTPException: _http_exception, Exception: _crash}
