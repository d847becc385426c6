"""`_`, `gettext`, `ngettext` and `pgettext` as templates call them, one call each.

Jinja's i18n extension ("newstyle") wraps each of them so that a translation is markup, the variables
are escaped into it and `%%` is a percent sign; but `_("…")` then goes through three calls, and
formats the translation even with nothing to put in it. A page calls it some forty times (a tenth of
the forum thread's page under load, bench/README.md). These do the same in one call, and a translation
without variables is made markup once per language and message. The extension stays installed: it
parses `{% trans %}` and lets Babel extract the messages.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from markupsafe import Markup

from agora.i18n import current_language, translations

MESSAGES_KEPT = 8192  # every message of the catalogue, in three languages and English


def gettext(message: str, /, **variables: Any) -> Markup:
    if variables:
        return _trusted(translations(current_language()).gettext(message)) % variables
    return _plain(current_language(), message)


@lru_cache(maxsize=MESSAGES_KEPT)
def _plain(language: str, message: str) -> Markup:
    return _trusted(translations(language).gettext(message)) % {}  # `%%` becomes `%`, as with variables


def ngettext(singular: str, plural: str, num: int, /, **variables: Any) -> Markup:
    variables.setdefault("num", num)
    return _trusted(translations(current_language()).ngettext(singular, plural, num)) % variables


def pgettext(context: str, message: str, /, **variables: Any) -> Markup:
    variables.setdefault("context", context)
    return _trusted(translations(current_language()).pgettext(context, message)) % variables


def _trusted(translation: str) -> Markup:
    """A translation is markup, as with the extension: the catalogue is agora's, never a user's text."""
    return Markup(translation)  # noqa: S704


def install(globals_: dict[str, Any]) -> None:
    """Replaces the extension's callables in an environment's globals (after `install_gettext_callables`)."""
    globals_.update(_=gettext, gettext=gettext, ngettext=ngettext, pgettext=pgettext)
