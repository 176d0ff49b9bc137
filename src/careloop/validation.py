"""Checks for the codes careloop speaks: ISO 3166, ISO 639-1, ISO 4217, IANA time zones."""

from __future__ import annotations

import re
import zoneinfo
from functools import lru_cache

import pycountry

from careloop.errors import Invalid

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    return frozenset(c.alpha_2 for c in pycountry.countries)


@lru_cache(maxsize=1)
def _languages() -> frozenset[str]:
    return frozenset(lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2"))


@lru_cache(maxsize=1)
def _currencies() -> frozenset[str]:
    return frozenset(c.alpha_3 for c in pycountry.currencies)


@lru_cache(maxsize=1)
def _timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def is_country(code: str) -> bool:
    return code in _countries()


def is_language(code: str) -> bool:
    return code in _languages()


def is_currency(code: str) -> bool:
    return code in _currencies()


def is_timezone(name: str) -> bool:
    return name in _timezones()


def country(code: str, field: str = "country") -> str:
    value = code.strip().upper()
    if not is_country(value):
        raise Invalid(f"{code!r} is not an ISO 3166-1 alpha-2 country code", {"field": field})
    return value


def language(code: str, field: str = "language") -> str:
    value = code.strip().lower()
    if not is_language(value):
        raise Invalid(f"{code!r} is not an ISO 639-1 language code", {"field": field})
    return value


def currency(code: str, field: str = "currency") -> str:
    value = code.strip().upper()
    if not is_currency(value):
        raise Invalid(f"{code!r} is not an ISO 4217 currency code", {"field": field})
    return value


def timezone(name: str, field: str = "timezone") -> str:
    if not is_timezone(name):
        raise Invalid(f"{name!r} is not an IANA time zone", {"field": field})
    return name


def email(address: str, field: str = "email") -> str:
    value = address.strip()
    if not _EMAIL.match(value) or len(value) > 254:
        raise Invalid(f"{address!r} is not an e-mail address", {"field": field})
    return value
