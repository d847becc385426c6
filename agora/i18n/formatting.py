"""Dates, numbers and percentages per locale with Babel, in the Europe/Brussels time zone."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel import dates, numbers

from agora.i18n import BABEL_LOCALES, current_language
from agora.settings import TIME_ZONE

BRUSSELS = ZoneInfo(TIME_ZONE)


def _locale() -> str:
    return BABEL_LOCALES[current_language()]


def format_datetime(value: datetime | None, format: str = "medium") -> str:
    if value is None:
        return ""
    return dates.format_datetime(value, format=format, tzinfo=BRUSSELS, locale=_locale())


def format_date(value: date | datetime | None, format: str = "long") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(BRUSSELS).date()
    return dates.format_date(value, format=format, locale=_locale())


def format_number(value: int | float | Decimal) -> str:
    return numbers.format_decimal(value, locale=_locale())


def format_percent(value: float | Decimal, digits: int = 1) -> str:
    # The locale's own pattern (spacing and sign differ between fr, nl and de), at most `digits` decimals.
    rounded = round(Decimal(str(value)), digits + 2)
    return numbers.format_percent(rounded, locale=_locale(), decimal_quantization=False)


def to_brussels(value: datetime) -> datetime:
    return value.astimezone(BRUSSELS)
