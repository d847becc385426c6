"""The unit of work of a request: the one place where a transaction is opened and closed.

A handler is a plain function `handler(ctx) -> Response` decorated with `@page` (HTML) or `@api`
(JSON). The decorator reads the body (async), then runs the handler in a worker thread with a
database session, the signed-in principal and the language already settled. Returning a response
below 400 commits; raising `Problem` (or returning an error status) rolls back. Events queued on the
session are emitted only after the commit.
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import json
import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote, urlsplit

import anyio.to_thread
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, State, UploadFile
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from agora import i18n
from agora.accounts import services as accounts
from agora.i18n import gettext as _
from agora.i18n import lazy_gettext
from agora.notifications.models import Notification
from agora.people.models import Person, RoleGrant
from agora.permissions import ANONYMOUS, Forbidden, Principal, allowed
from agora.realtime import outbox
from agora.web import ratelimit, templating
from agora.web.encoding import is_utf8_form, is_utf8_multipart
from agora.web.middleware import BodyTooLarge
from agora.web.signed_in import find_signed_in

log = logging.getLogger("agora.web")

Kind = Literal["page", "api"]
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
LANGUAGE_COOKIE = "agora_lang"
ANON_COOKIE = "agora_anon"


class Problem(Exception):
    """An answer that is not a success: status, a stable code and a message in the reader's language."""

    def __init__(self, status: int, code: str, message: str, *, detail: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.detail = detail or {}


def not_found() -> Problem:
    return Problem(404, "not_found", _("This page does not exist, or you are not allowed to see it."))


def session_cookie_name(secure: bool) -> str:
    return "__Host-agora_session" if secure else "agora_session"


@dataclass
class Ctx:
    """Everything a handler needs about its request, settled before it runs."""

    request: Request
    db: Session
    principal: Principal
    language: str
    kind: Kind
    form: FormData | None = None
    json: Any = None
    session_hash: str | None = None
    anon_id: str | None = None
    unread_at_start: int | None = None  # from the signed-in query; asked again once the unit has written
    _cookies: list[tuple[str, str | None, dict[str, Any]]] = field(default_factory=list)

    @property
    def settings(self) -> Any:
        return self.request.app.state.settings

    @property
    def person(self) -> Person | None:
        return self.principal.person

    @property
    def htmx(self) -> bool:
        return self.request.headers.get("HX-Request") == "true"

    def path_param(self, name: str) -> str:
        return str(self.request.path_params[name])

    def field(self, name: str, default: str = "") -> str:
        if self.form is None:
            return default
        value = self.form.get(name, default)
        return value.strip() if isinstance(value, str) else default

    def fields(self, name: str) -> list[str]:
        if self.form is None:
            return []
        return [v.strip() for v in self.form.getlist(name) if isinstance(v, str)]

    def upload(self, name: str) -> UploadFile | None:
        value = self.form.get(name) if self.form is not None else None
        return value if isinstance(value, UploadFile) else None

    # --- CSRF: a token bound to the session (or, before sign-in, to an anonymous cookie) ---------

    @property
    def csrf_token(self) -> str:
        if self.session_hash is None and self.anon_id is None:
            self.anon_id = secrets.token_urlsafe(24)
            self.set_cookie(ANON_COOKIE, self.anon_id, max_age=60 * 60 * 24 * 7)
        return csrf_token_for(self.settings.secret_key, self.session_hash or f"anon:{self.anon_id}")

    # --- responses ---------------------------------------------------------------------------

    def set_cookie(self, name: str, value: str | None, **options: Any) -> None:
        self._cookies.append((name, value, options))

    def render(self, template: str, status: int = 200, *, block: str | None = None, **context: Any) -> Response:
        base = {
            "ctx": self,
            "user": self.person,
            "principal": self.principal,
            "allowed": lambda permission: allowed(self.principal, permission),
            "csrf_token": self.csrf_token,
            "unread_count": self.unread_count(),
            "request_path": self.request.url.path,
        }
        base.update(context)
        if block is None and self.htmx and self.request.headers.get("HX-Target"):
            block = context.get("htmx_block")
        html = templating.render(template, base, block=block)
        return HTMLResponse(html, status_code=status)

    def unread_count(self) -> int:
        if self.person is None:
            return 0
        if self.unread_at_start is not None and not wrote(self.db):
            return self.unread_at_start
        return unread_count(self.db, self.person.id)

    def redirect(self, url: str) -> Response:
        return RedirectResponse(url, status_code=303)

    def respond_json(self, data: Any, status: int = 200) -> Response:
        return JSONResponse(data, status_code=status)


def csrf_token_for(secret_key: str, binding: str) -> str:
    return hmac.new(secret_key.encode(), f"csrf:{binding}".encode(), "sha256").hexdigest()


def unread_count(db: Session, person_id: str) -> int:
    return db.execute(
        select(func.count()).select_from(Notification)
        .where(Notification.person_id == person_id, Notification.read_at.is_(None))
    ).scalar_one()


def load_principal(db: Session, person: Person) -> Principal:
    grants = db.execute(select(RoleGrant.role, RoleGrant.scope).where(RoleGrant.person_id == person.id)).all()
    return Principal(person, frozenset((role, scope) for role, scope in grants))


# --- body reading (async, before the worker thread) -------------------------------------------

@dataclass
class Body:
    form: FormData | None = None
    json: Any = None
    problem: tuple[str, Any] | None = None  # (code, lazy message): decided before the language is known


async def read_body(request: Request, kind: Kind) -> Body:
    if request.method not in UNSAFE_METHODS:
        return Body()
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if content_type == "application/json":
            raw = await request.body()
            if not raw:
                return Body(json=None)
            return Body(json=json.loads(raw.decode("utf-8")))
        if content_type == "application/x-www-form-urlencoded":
            if not is_utf8_form(await request.body()):  # Starlette would read it as Latin-1, silently
                return Body(problem=("invalid_encoding", lazy_gettext("The request is not valid UTF-8 text.")))
            return Body(form=await request.form())
        if content_type == "multipart/form-data":
            full_type, raw = request.headers.get("content-type", ""), await request.body()
            if not _is_complete_multipart(full_type, raw):
                return Body(problem=("malformed_body", lazy_gettext("The request body could not be read.")))
            if not is_utf8_multipart(full_type, raw):  # Starlette would read its fields as Latin-1, silently
                return Body(problem=("invalid_encoding", lazy_gettext("The request is not valid UTF-8 text.")))
            return Body(form=await request.form())
        if content_type == "" and not await request.body():
            return Body()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return Body(problem=("invalid_json", lazy_gettext("The request body is not valid JSON.")))
    except ClientDisconnect:
        raise
    except BodyTooLarge:
        return Body(problem=("too_large", lazy_gettext("The request is too large.")))
    except Exception:  # python-multipart raises several types for truncated or malformed bodies
        log.info("malformed request body", exc_info=True)
        return Body(problem=("malformed_body", lazy_gettext("The request body could not be read.")))
    return Body(problem=("unsupported_media_type", lazy_gettext("This kind of request body is not accepted here.")))


def _is_complete_multipart(content_type: str, raw: bytes) -> bool:
    """A multipart body ends with its closing boundary; a truncated upload does not (python-multipart
    would hand over the part received so far as if it were whole)."""
    boundary = next((p.split("=", 1)[1].strip().strip('"') for p in content_type.split(";")[1:]
                     if p.strip().lower().startswith("boundary=")), "")
    return bool(boundary) and raw.rstrip(b"\r\n").endswith(b"--" + boundary.encode("latin-1") + b"--")


# --- the unit of work (in a worker thread) ------------------------------------------------------

def _origin_ok(request: Request, base_url: str) -> bool:
    origin = request.headers.get("origin")
    if request.headers.get("sec-fetch-site") == "cross-site":
        return False
    if not origin or origin == "null":
        return origin is None
    own = f"{request.url.scheme}://{request.headers.get('host', '')}"
    base = urlsplit(base_url)
    return origin in (own, f"{base.scheme}://{base.netloc}")


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _sep, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


@dataclass(frozen=True)
class _Identity:
    principal: Principal
    session_hash: str | None = None
    via_token: bool = False
    region_language: str | None = None
    unread: int | None = None


def _authenticate(db: Session, request: Request, kind: Kind) -> _Identity:
    settings = request.app.state.settings
    token = _bearer(request)
    if token is not None:
        if ratelimit.address_blocked("bad_token"):  # guessing tokens: refused before looking
            raise Problem(429, "rate_limited", ratelimit.message())
        found = accounts.find_token_with_roles(db, token)
        if found is None:
            ratelimit.allow("bad_token", None)
            raise Problem(401, "unauthenticated", _("The API token is missing, revoked or wrong."))
        person, roles = found
        return _Identity(Principal(person, roles), via_token=True)
    cookie = request.cookies.get(session_cookie_name(settings.secure_cookies))
    if cookie:
        signed = find_signed_in(db, cookie)  # one query: session, person, roles, region, unread count
        if signed is not None:
            return _Identity(signed.principal, signed.session_hash, False, signed.region_language, signed.unread)
    return _Identity(ANONYMOUS)


def _choose_language(request: Request, identity: _Identity, kind: Kind) -> str:
    person = identity.principal.person
    accept = request.headers.get("accept-language")
    if kind == "api":
        # An integrator that names a language gets it; otherwise the token holder's own.
        explicit = i18n.parse_accept_language(accept or "")
        return explicit[0] if explicit else i18n.negotiate(person.language if person else None, None, None)
    chosen = person.language if person else request.cookies.get(LANGUAGE_COOKIE)
    return i18n.negotiate(chosen, accept, identity.region_language)


def _check_csrf(ctx: Ctx) -> None:
    request = ctx.request
    if not _origin_ok(request, ctx.settings.base_url):
        raise Problem(403, "csrf_failed", _("This form was sent from another site and was refused."))
    sent = request.headers.get("x-csrf-token") or ctx.field("csrf_token")
    binding = ctx.session_hash or (f"anon:{ctx.anon_id}" if ctx.anon_id else None)
    expected = csrf_token_for(ctx.settings.secret_key, binding) if binding else None
    if not sent or expected is None or not hmac.compare_digest(sent, expected):
        raise Problem(403, "csrf_failed", _(
            "Your form has expired or was sent from another page. Reload the page and try again."
        ))


def _problem_response(ctx: Ctx | None, problem: Problem, kind: Kind) -> Response:
    if kind == "api" or ctx is None:
        body: dict[str, Any] = {"error": {"code": problem.code, "message": problem.message, **problem.detail}}
        return JSONResponse(body, status_code=problem.status)
    return ctx.render("errors/problem.html", status=problem.status, problem=problem)


def _finish(ctx: Ctx, response: Response) -> Response:
    for name, value, options in ctx._cookies:
        if value is None:
            response.delete_cookie(name, path="/", secure=ctx.settings.secure_cookies, httponly=True, samesite="lax")
        else:
            response.set_cookie(name, value, path="/", secure=ctx.settings.secure_cookies, httponly=True,
                                samesite="lax", **options)
    if ctx.kind == "page":
        response.headers.setdefault("Cache-Control", "no-store")
        response.headers["Vary"] = "Cookie, Accept-Language, HX-Request"
    return response


SQLITE_BUSY_RETRIES = 3
_COMMITTED = "agora_committed"


@event.listens_for(Session, "after_commit")
def _remember_commit(db: Session) -> None:
    # A unit that already committed part of its work must not be run again.
    db.info[_COMMITTED] = True


_WROTE = "agora_wrote"


@event.listens_for(Session, "after_flush")
def _remember_flush(db: Session, _flush_context: Any) -> None:
    db.info[_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _remember_bulk_write(state: Any) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


def wrote(db: Session) -> bool:
    """Whether this unit has written anything so far (what it read at its start may be stale)."""
    return bool(db.info.get(_WROTE)) or bool(db.new or db.dirty or db.deleted)



class _Busy(Exception):
    """SQLite stayed locked for the whole busy timeout: nothing was written, the unit may run again."""


def run_unit(request: Request, handler: Callable[[Ctx], Response], body: Body, kind: Kind, write: bool,
             csrf: bool) -> tuple[Response, list[outbox.OutgoingEvent]]:
    """The unit of work, run again (at most SQLITE_BUSY_RETRIES times) when SQLite stays locked longer
    than its busy timeout under a burst of writers: the transaction was rolled back, so a retry is safe,
    and the person gets an answer rather than a 500."""
    for attempt in range(SQLITE_BUSY_RETRIES + 1):
        try:
            with ratelimit.bind(request.app.state.limiter, client_address(request)):
                return _run_unit_once(request, handler, body, kind, write, csrf,
                                      last_attempt=attempt == SQLITE_BUSY_RETRIES)
        except _Busy:
            log.warning("SQLite busy for the whole timeout in %s %s; retrying", request.method, request.url.path)
    raise AssertionError("unreachable")


def _is_sqlite_busy(error: Exception) -> bool:
    return isinstance(error, OperationalError) and "database is locked" in str(error.orig)


def _run_unit_once(request: Request, handler: Callable[[Ctx], Response], body: Body, kind: Kind, write: bool,
                   csrf: bool, *, last_attempt: bool) -> tuple[Response, list[outbox.OutgoingEvent]]:
    database = request.app.state.db
    db = database.session(write=write)
    ctx: Ctx | None = None
    try:
        # A first guess from the request, so that even an authentication failure speaks its language.
        i18n.set_language(i18n.negotiate(request.cookies.get(LANGUAGE_COOKIE),
                                         request.headers.get("accept-language"), None))
        identity = _authenticate(db, request, kind)
        language = _choose_language(request, identity, kind)
        i18n.set_language(language)
        ctx = Ctx(request, db, identity.principal, language, kind, form=body.form, json=body.json,
                  session_hash=identity.session_hash, anon_id=request.cookies.get(ANON_COOKIE),
                  unread_at_start=None if write else identity.unread)
        session_hash, via_token = identity.session_hash, identity.via_token
        if body.problem is not None:
            code, message = body.problem
            status = {"unsupported_media_type": 415, "too_large": 413}.get(code, 400)
            raise Problem(status, code, str(message))
        # CSRF matters where a browser's cookies could act for someone: pages always (sign-in forms too),
        # the API only when a session cookie authenticates the call (bearer tokens are never sent by a browser).
        if request.method in UNSAFE_METHODS and csrf and not via_token and (kind == "page" or session_hash):
            _check_csrf(ctx)
        response = handler(ctx)
        if response.status_code < 400:
            db.commit()
            events = outbox.take(db)
        else:
            db.rollback()
            events = outbox.take(db)  # only what a handler committed midway (e.g. a counted failed sign-in)
        return _finish(ctx, response), events
    except Problem as problem:
        db.rollback()
        if problem.status == 401 and kind == "page" and request.method == "GET":
            return RedirectResponse(f"/signin?next={quote(request.url.path)}", status_code=303), []
        i18n.set_language(ctx.language if ctx else i18n.current_language())
        response = _problem_response(ctx, problem, kind)
        return (_finish(ctx, response) if ctx else response), outbox.take(db)
    except Forbidden:
        db.rollback()
        problem = not_found() if kind == "page" else Problem(403, "forbidden", _("You are not allowed to do this."))
        response = _problem_response(ctx, problem, kind)
        return (_finish(ctx, response) if ctx else response), []
    except Exception as error:
        db.rollback()
        if _is_sqlite_busy(error) and not last_attempt and not db.info.get(_COMMITTED):
            raise _Busy from error
        log.exception("unexpected error in %s %s", request.method, request.url.path)
        problem = Problem(500, "internal_error",
                          _("Something went wrong on our side. Nothing was saved; please try again."))
        try:
            response = _problem_response(ctx, problem, kind)
        except Exception:
            response = _problem_response(None, problem, "api")
        return response, []
    finally:
        db.close()


def read_limiter(state: State) -> anyio.CapacityLimiter:
    """The threads that run reading units of work (GET, HEAD): at most `Settings.read_threads` at once
    in this process, the other reads waiting their turn in order (first come, first served). Python
    runs one thread at a time (the GIL): with anyio's 40, 32 pages in flight took turns on it and spent
    more time handing it over than drawing pages (bench/README.md, "Reading units of work in a few
    threads"). Writes keep anyio's 40: one may wait on the SQLite writer lock or an SMTP server, and
    must not hold up the reads, nor the ballots that a group commit gathers. One limiter per event
    loop (`state.read_limiters`, created by `create_app`: tests run several loops at once)."""
    loop = asyncio.get_running_loop()
    with _READ_LIMITERS_LOCK:
        limiter = state.read_limiters.get(loop)
        if limiter is None:
            limiter = state.read_limiters[loop] = anyio.CapacityLimiter(state.settings.read_threads)
    return limiter


_READ_LIMITERS_LOCK = threading.Lock()


def _endpoint(kind: Kind, write: bool | None, csrf: bool) -> Callable[[Callable[[Ctx], Response]], Callable[..., Any]]:
    def decorate(handler: Callable[[Ctx], Response]) -> Callable[..., Any]:
        async def endpoint(request: Request) -> Response:
            body = await read_body(request, kind)
            needs_write = write if write is not None else request.method in UNSAFE_METHODS
            try:
                response, events = await anyio.to_thread.run_sync(
                    functools.partial(run_unit, request, handler, body, kind, needs_write, csrf),
                    limiter=None if request.method in UNSAFE_METHODS else read_limiter(request.app.state))
            finally:
                if body.form is not None:
                    await body.form.close()  # uploaded files spool to temporary files
            if events:
                await request.app.state.realtime.emit_all(events)
            return response

        endpoint.__name__ = handler.__name__
        endpoint.__doc__ = handler.__doc__
        endpoint.handler = handler  # type: ignore[attr-defined]
        return endpoint

    return decorate


def page(handler: Callable[[Ctx], Response] | None = None, *, write: bool | None = None,
         csrf: bool = True) -> Any:
    decorate = _endpoint("page", write, csrf)
    return decorate(handler) if handler is not None else decorate


def api(handler: Callable[[Ctx], Response] | None = None, *, write: bool | None = None) -> Any:
    decorate = _endpoint("api", write, True)
    return decorate(handler) if handler is not None else decorate
