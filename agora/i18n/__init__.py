"""Languages: the current language of a request, gettext helpers and negotiation.

The language lives in a context variable set once per request (or socket event, or command);
`gettext` and the Jinja i18n extension read it. Handlers that run in a worker thread get a copy
of the context, so the language follows them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel.support import LazyProxy, NullTranslations, Translations

from agora.settings import DEFAULT_LANGUAGE, LANGUAGES, PROJECT_ROOT

LOCALES_DIR = PROJECT_ROOT / "locales"
LANGUAGE_NAMES = {"fr": "Français", "nl": "Nederlands", "de": "Deutsch"}
BABEL_LOCALES = {"fr": "fr_BE", "nl": "nl_BE", "de": "de_BE", "en": "en_GB"}

_current: ContextVar[str] = ContextVar("agora_language", default=DEFAULT_LANGUAGE)


class CatalogueMissing(RuntimeError):
    pass


SOURCE_LANGUAGE = "en"  # the msgids themselves: the command line speaks English throughout


@cache
def translations(language: str) -> NullTranslations:
    if language == SOURCE_LANGUAGE:
        return NullTranslations()
    mo = Path(LOCALES_DIR, language, "LC_MESSAGES", "messages.mo")
    if not mo.exists():
        raise CatalogueMissing(f"{mo} is missing: run `make translations` (or `make setup`)")
    return Translations.load(str(LOCALES_DIR), [language], domain="messages")


def current_language() -> str:
    return _current.get()


def set_language(language: str) -> None:
    _current.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)


@contextmanager
def language(code: str) -> Iterator[None]:
    token = _current.set(code if code in (*LANGUAGES, SOURCE_LANGUAGE) else DEFAULT_LANGUAGE)
    try:
        yield
    finally:
        _current.reset(token)


def gettext(message: str) -> str:
    return translations(current_language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_language()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return translations(current_language()).pgettext(context, message)


_ = gettext


def lazy_gettext(message: str) -> LazyProxy:
    """For module-level strings: translated when shown, in the language of that moment."""
    return LazyProxy(gettext, message, enable_cache=False)


def parse_accept_language(header: str) -> list[str]:
    """Languages we support from an Accept-Language header, best first."""
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        piece = part.strip()
        if not piece:
            continue
        tag, _sep, params = piece.partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and quality > 0:
            weighted.append((-quality, position, primary))
    return [code for _q, _p, code in sorted(weighted)]


def negotiate(chosen: str | None, accept_language: str | None, region_language: str | None) -> str:
    """DESIGN.md: the person's choice, else the request, else the region's language, else French."""
    if chosen in LANGUAGES:
        return chosen  # type: ignore[return-value]
    for code in parse_accept_language(accept_language or ""):
        return code
    if region_language in LANGUAGES:
        return region_language  # type: ignore[return-value]
    return DEFAULT_LANGUAGE
