"""Dates, numbers and percentages per locale with Babel, in the Europe/Brussels time zone.

Babel's `Locale.parse` reads the locale's data under a process-wide lock on every call given a locale
name; a page of 50 rows formats a hundred values (bench/README.md, page_proposals). The `Locale` of each
language is parsed once, and dates and whole numbers, which repeat from row to row and from page to page,
are formatted once per (value, format, language) in bounded caches: the result depends on nothing else.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

from babel import Locale, dates, numbers

from agora.i18n import BABEL_LOCALES, current_language
from agora.settings import TIME_ZONE

BRUSSELS = ZoneInfo(TIME_ZONE)
CACHED_VALUES = 4096  # per cache; a few hundred kilobytes at most


@cache
def babel_locale(language: str) -> Locale:
    return Locale.parse(BABEL_LOCALES[language])


def _locale() -> Locale:
    return babel_locale(current_language())


@lru_cache(maxsize=CACHED_VALUES)
def _format_datetime(value: datetime, format: str, language: str) -> str:
    return dates.format_datetime(value, format=format, tzinfo=BRUSSELS, locale=babel_locale(language))


@lru_cache(maxsize=CACHED_VALUES)
def _format_date(value: date, format: str, language: str) -> str:
    if isinstance(value, datetime):
        value = value.astimezone(BRUSSELS).date()
    return dates.format_date(value, format=format, locale=babel_locale(language))


@lru_cache(maxsize=CACHED_VALUES)
def _format_integer(value: int, language: str) -> str:
    return numbers.format_decimal(value, locale=babel_locale(language))


def format_datetime(value: datetime | None, format: str = "medium") -> str:
    if value is None:
        return ""
    return _format_datetime(value, format, current_language())


def format_date(value: date | datetime | None, format: str = "long") -> str:
    if value is None:
        return ""
    return _format_date(value, format, current_language())


def format_number(value: int | float | Decimal) -> str:
    if type(value) is int:  # exactly int: not bool, not an IntEnum (their text may differ)
        return _format_integer(value, current_language())
    return numbers.format_decimal(value, locale=_locale())


def format_percent(value: float | Decimal, digits: int = 1) -> str:
    # The locale's own pattern (spacing and sign differ between fr, nl and de), at most `digits` decimals.
    rounded = round(Decimal(str(value)), digits + 2)
    return numbers.format_percent(rounded, locale=_locale(), decimal_quantization=False)


def to_brussels(value: datetime) -> datetime:
    return value.astimezone(BRUSSELS)
