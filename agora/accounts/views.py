"""Sign-in, sign-out, invitations, password reset, the account page and the language switch."""

from __future__ import annotations

from datetime import timedelta

from starlette.responses import Response
from starlette.routing import Route

from agora import audit, mail
from agora.accounts import services as accounts
from agora.accounts.models import LinkPurpose
from agora.i18n import gettext as _
from agora.settings import LANGUAGES
from agora.web import ratelimit
from agora.web.endpoint import LANGUAGE_COOKIE, Ctx, Problem, page, session_cookie_name


def _client_ip(ctx: Ctx) -> str:
    return ctx.request.client.host if ctx.request.client else "unknown"


def _safe_next(target: str) -> str:
    """Only a path on this site: never an open redirect."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _sign_in(ctx: Ctx, person: accounts.Person) -> None:
    if ctx.session_hash:  # a new id at every sign-in: a planted cookie is worthless
        accounts.end_session(ctx.db, ctx.session_hash)
    new = accounts.start_session(ctx.db, person, ctx.settings.session_days)
    ctx.set_cookie(session_cookie_name(ctx.settings.secure_cookies), new.cookie_value,
                   max_age=ctx.settings.session_days * 86400)
    ctx.set_cookie(LANGUAGE_COOKIE, person.language, max_age=365 * 86400)
    ctx.session_hash = new.record.id_hash


@page
def signin(ctx: Ctx) -> Response:
    next_url = _safe_next(ctx.request.query_params.get("next", "/"))
    if ctx.request.method == "GET":
        if ctx.person is not None:
            return ctx.redirect(next_url)
        return ctx.render("accounts/signin.html", email="", error=None, next_url=next_url)
    email = ctx.field("email")[:254]
    password = ctx.form.get("password", "") if ctx.form is not None else ""
    next_url = _safe_next(ctx.field("next", "/"))
    settings = ctx.settings
    if accounts.too_many_attempts(ctx.db, email, _client_ip(ctx), limit=settings.signin_attempts_per_window,
                                  window_seconds=settings.signin_window_seconds):
        audit.record(ctx.db, "signin.throttled", target_type="email", target_id=accounts.sha256(email)[:16],
                     client_ip=_client_ip(ctx))
        ctx.db.commit()
        return ctx.render("accounts/signin.html", status=429, email=email, next_url=next_url,
                          error=_("Too many failed attempts. Wait a quarter of an hour, or reset your password."))
    person = accounts.get_person_by_email(ctx.db, email)
    ok = accounts.password_matches(person.password_hash if person else None, str(password))
    if person is None or not ok or not person.active:
        accounts.record_attempt(ctx.db, email, _client_ip(ctx), succeeded=False)
        ctx.db.commit()  # the failed attempt counts even though the answer is an error
        return ctx.render("accounts/signin.html", status=401, email=email, next_url=next_url,
                          error=_("The email address or the password is wrong."))
    accounts.record_attempt(ctx.db, email, _client_ip(ctx), succeeded=True)
    _sign_in(ctx, person)
    audit.record(ctx.db, "signin", actor_id=person.id, target_type="person", target_id=person.id)
    return ctx.redirect(next_url)


@page
def signout(ctx: Ctx) -> Response:
    if ctx.session_hash:
        accounts.end_session(ctx.db, ctx.session_hash)
        audit.record(ctx.db, "signout", actor_id=ctx.principal.id, target_type="person",
                     target_id=ctx.principal.id or "")
    ctx.set_cookie(session_cookie_name(ctx.settings.secure_cookies), None)
    return ctx.redirect("/")


def _link_problem_message(reason: str) -> str:
    return {
        "used": _("This link has already been used. Sign in, or ask for a new link."),
        "expired": _("This link has expired. Ask for a new one."),
    }.get(reason, _("This link is not valid. Check that you copied it whole, or ask for a new one."))


def _password_error(password: str, confirmation: str) -> str | None:
    if len(password) < accounts.MIN_PASSWORD_LENGTH:
        return _("Choose a password of at least %(count)s characters.") % {"count": accounts.MIN_PASSWORD_LENGTH}
    if password != confirmation:
        return _("The two passwords are not the same.")
    return None


def _use_link(ctx: Ctx, purpose: LinkPurpose, template: str) -> Response:
    token = ctx.path_param("token")
    if ratelimit.address_blocked("bad_link"):  # guessing links: refused before looking
        raise Problem(429, "rate_limited", ratelimit.message())
    try:
        link, person = accounts.check_link(ctx.db, token, purpose)
    except accounts.LinkProblem as problem:
        if problem.reason == "unknown":
            ratelimit.allow("bad_link", None)
        raise Problem(410 if problem.reason in ("used", "expired") else 404, f"link_{problem.reason}",
                      _link_problem_message(problem.reason)) from None
    if ctx.request.method == "GET":
        return ctx.render(template, person=person, error=None)
    password = str(ctx.form.get("password", "")) if ctx.form is not None else ""
    error = _password_error(password, str(ctx.form.get("confirmation", "")) if ctx.form is not None else "")
    if error:
        return ctx.render(template, status=422, person=person, error=error)
    accounts.use_link(ctx.db, link, person, password)
    _sign_in(ctx, person)
    audit.record(ctx.db, "signin", actor_id=person.id, target_type="person", target_id=person.id, via=purpose.value)
    return ctx.redirect("/")


@page
def invitation(ctx: Ctx) -> Response:
    return _use_link(ctx, LinkPurpose.INVITATION, "accounts/invitation.html")


@page
def reset(ctx: Ctx) -> Response:
    return _use_link(ctx, LinkPurpose.RESET, "accounts/reset.html")


@page
def forgot(ctx: Ctx) -> Response:
    if ctx.request.method == "GET":
        return ctx.render("accounts/forgot.html", sent=False, error=None)
    email = ctx.field("email")[:254]
    if not ratelimit.allow("reset_request", accounts.normalise_email(email)):
        return ctx.render("accounts/forgot.html", status=429, sent=False, error=ratelimit.message())
    person = accounts.get_person_by_email(ctx.db, email)
    if person is not None and person.active:
        token = accounts.create_link(ctx.db, person, LinkPurpose.RESET, timedelta(hours=ctx.settings.reset_hours))
        audit.record(ctx.db, "password.reset_requested", target_type="person", target_id=person.id)
        mail.send(ctx.settings, person.email, _("Your agora password"),
                  _("Open this link to choose a new password: %(url)s")
                  % {"url": f"{ctx.settings.base_url}/reset/{token}"})
    # The same answer whether the address is known or not: no one learns who is registered.
    return ctx.render("accounts/forgot.html", sent=True, error=None)


def _require_person(ctx: Ctx) -> accounts.Person:
    if ctx.person is None:
        raise Problem(401, "unauthenticated", _("Sign in to see this page."))
    return ctx.person


@page
def account(ctx: Ctx) -> Response:
    person = _require_person(ctx)
    return ctx.render("accounts/account.html", tokens=accounts.list_tokens(ctx.db, person.id),
                      new_token=None, password_error=None, password_saved=False)


@page
def change_password(ctx: Ctx) -> Response:
    person = _require_person(ctx)
    current = str(ctx.form.get("current", "")) if ctx.form is not None else ""
    password = str(ctx.form.get("password", "")) if ctx.form is not None else ""
    error = None
    if not accounts.password_matches(person.password_hash, current):
        error = _("Your current password is wrong.")
    else:
        error = _password_error(password, str(ctx.form.get("confirmation", "")) if ctx.form is not None else "")
    if error:
        return ctx.render("accounts/account.html", status=422, tokens=accounts.list_tokens(ctx.db, person.id),
                          new_token=None, password_error=error, password_saved=False)
    accounts.set_password(ctx.db, person, password, actor_id=person.id, keep_session=ctx.session_hash)
    return ctx.render("accounts/account.html", tokens=accounts.list_tokens(ctx.db, person.id),
                      new_token=None, password_error=None, password_saved=True)


@page
def create_token(ctx: Ctx) -> Response:
    person = _require_person(ctx)
    if not ratelimit.allow("token_create", person.id):
        raise Problem(429, "rate_limited", ratelimit.message())
    token = accounts.create_token(ctx.db, person, ctx.field("label")[:100])
    return ctx.render("accounts/account.html", tokens=accounts.list_tokens(ctx.db, person.id),
                      new_token=token, password_error=None, password_saved=False)


@page
def revoke_token(ctx: Ctx) -> Response:
    person = _require_person(ctx)
    accounts.revoke_token(ctx.db, person.id, ctx.path_param("token_id"))
    return ctx.redirect("/account")


@page
def choose_digest(ctx: Ctx) -> Response:
    """The email digest of unread notifications (agora/notifications/digest.py): on or off."""
    person = _require_person(ctx)
    on = ctx.field("email_digest") == "1"
    if person.email_digest != on:
        person.email_digest = on
        audit.record(ctx.db, "account.email_digest", actor_id=person.id, target_type="person", target_id=person.id,
                     on=on)
    return ctx.render("accounts/account.html", tokens=accounts.list_tokens(ctx.db, person.id),
                      new_token=None, password_error=None, password_saved=False, digest_saved=True)


@page
def choose_language(ctx: Ctx) -> Response:
    code = ctx.field("language")
    if code not in LANGUAGES:
        raise Problem(422, "unknown_language", _("This language is not available. Choose French, Dutch or German."))
    if ctx.person is not None:
        ctx.person.language = code
    ctx.set_cookie(LANGUAGE_COOKIE, code, max_age=365 * 86400)
    return ctx.redirect(_safe_next(ctx.field("next", "/")))


routes = [
    Route("/signin", signin, methods=["GET", "POST"]),
    Route("/signout", signout, methods=["POST"]),
    Route("/invitation/{token}", invitation, methods=["GET", "POST"]),
    Route("/forgot", forgot, methods=["GET", "POST"]),
    Route("/reset/{token}", reset, methods=["GET", "POST"]),
    Route("/account", account, methods=["GET"]),
    Route("/account/password", change_password, methods=["POST"]),
    Route("/account/tokens", create_token, methods=["POST"]),
    Route("/account/digest", choose_digest, methods=["POST"]),
    Route("/account/tokens/{token_id}/revoke", revoke_token, methods=["POST"]),
    Route("/language", choose_language, methods=["POST"]),
]
