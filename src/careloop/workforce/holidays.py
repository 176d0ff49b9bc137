"""Public holidays per country from the `holidays` package, for rosters (a template skips an
agent's holidays) and the roster page. Names are in English where the package has them."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import holidays as holiday_data

from careloop import validation
from careloop.errors import Invalid

# The years the package is asked about: wide enough for any roster, bounded for the cache.
FIRST_YEAR, LAST_YEAR = 2000, 2100


def has_calendar(country: str) -> bool:
    """The package knows this ISO 3166-1 alpha-2 country's public holidays."""
    code = country.strip().upper()
    return validation.is_country(code) and code in holiday_data.list_supported_countries()


@lru_cache(maxsize=512)
def _year(country: str, year: int) -> tuple[tuple[date, str], ...]:
    calendar = holiday_data.country_holidays(country, years=year)
    if "en_US" in (getattr(calendar, "supported_languages", None) or ()):
        calendar = holiday_data.country_holidays(country, years=year, language="en_US")
    return tuple(sorted(calendar.items()))


def public_holidays(country: str, start: date, end: date) -> dict[date, str]:
    """The public holidays of `country` from `start` to `end`, both included. A code that is not
    ISO 3166-1 alpha-2 is a 422; a real country the package has no calendar for has none."""
    code = validation.country(country)
    if end < start or not has_calendar(code):
        return {}
    first, last = max(start.year, FIRST_YEAR), min(end.year, LAST_YEAR)
    out: dict[date, str] = {}
    for year in range(first, last + 1):
        for day, name in _year(code, year):
            if start <= day <= end:
                out[day] = name
    return out


def holidays_of_year(country: str, year: int) -> dict[date, str]:
    """One year's public holidays for the API: an unknown country, or one the package has no
    calendar for, is a 422 rather than a silent empty list."""
    if not has_calendar(country):
        raise Invalid(
            f"{country!r} is not a country with a known public holiday calendar",
            {"field": "country"},
        )
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Invalid(f"year must be {FIRST_YEAR} to {LAST_YEAR}", {"field": "year"})
    return public_holidays(country, date(year, 1, 1), date(year, 12, 31))
