"""The large demo's year: the 365 days before now, how many orders each day gets (weekly
cycle, slow growth, a Black-Friday/Cyber-Monday peak), and instants within a day by the
customer's evening-heavy local hour.

Instants are kept as float seconds since the epoch (UTC) while generating: a million orders
would spend most of their time in datetime arithmetic otherwise. Each order stays inside its
UTC day (its local hour is drawn, then shifted into that day), so days can be written in order
and ids follow time.
"""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from zoneinfo import ZoneInfo

from careloop.demo.catalog import HOUR_WEIGHTS, WEEKDAY_WEIGHTS

YEAR_DAYS = 365
GROWTH = 0.35  # the newest day sells this much more than the oldest one
# Black Friday and the days after it, as multiples of an ordinary day: Friday, Saturday, Sunday,
# Cyber Monday, then tapering.
PEAK = (4.5, 2.8, 2.3, 3.4, 1.9, 1.5, 1.25, 1.1)
DAY = 86_400.0
_HOUR_CUM = list(accumulate(HOUR_WEIGHTS))


def last_friday_of_november(year: int) -> date:
    last = date(year, 11, 30)
    return last - timedelta(days=(last.weekday() - 4) % 7)


def epoch(at: datetime) -> float:
    return at.astimezone(UTC).timestamp()


def instant(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


@dataclass(frozen=True)
class Year:
    """The window: day 0 is the oldest UTC day, day 364 is today (partly over)."""

    now: datetime
    first_day: date
    black_friday: date
    weights: tuple[float, ...]

    @classmethod
    def ending(cls, now: datetime) -> Year:
        if now.tzinfo is None:
            raise ValueError("the demo window needs an aware `now`")
        now = now.astimezone(UTC)
        today = now.date()
        first = today - timedelta(days=YEAR_DAYS - 1)
        friday = next(
            f
            for f in (last_friday_of_november(y) for y in (today.year, today.year - 1))
            if first <= f <= today
        )
        weights = []
        for i in range(YEAR_DAYS):
            day = first + timedelta(days=i)
            w = (1 + GROWTH * i / (YEAR_DAYS - 1)) * WEEKDAY_WEIGHTS[day.weekday()]
            after = (day - friday).days
            if 0 <= after < len(PEAK):
                w *= PEAK[after]
            weights.append(w)
        midnight = datetime(today.year, today.month, today.day, tzinfo=UTC)
        weights[-1] *= (now - midnight) / timedelta(days=1)
        return cls(now, first, friday, tuple(weights))

    @property
    def now_epoch(self) -> float:
        return epoch(self.now)

    def day_start(self, i: int) -> float:
        """The epoch second at which day `i` begins (UTC midnight)."""
        d = self.first_day + timedelta(days=i)
        return datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp()

    def orders_per_day(self, total: int) -> list[int]:
        """`total` orders spread over the days by weight, exactly (largest remainders)."""
        whole = sum(self.weights)
        shares = [total * w / whole for w in self.weights]
        counts = [int(x) for x in shares]
        by_remainder = sorted(range(len(shares)), key=lambda i: (counts[i] - shares[i], i))
        for i in by_remainder[: total - sum(counts)]:
            counts[i] += 1
        return counts


class DayClock:
    """Instants within one UTC day at the customer's local hour (evenings busiest)."""

    def __init__(self, year: Year) -> None:
        self.year = year
        self._offsets: dict[tuple[str, int], float] = {}
        self._zones: dict[str, ZoneInfo] = {}

    def _offset(self, timezone: str, day: int) -> float:
        key = (timezone, day)
        found = self._offsets.get(key)
        if found is None:
            zone = self._zones.setdefault(timezone, ZoneInfo(timezone))
            noon = instant(self.year.day_start(day) + DAY / 2).astimezone(zone)
            offset = noon.utcoffset()
            found = offset.total_seconds() if offset is not None else 0.0
            self._offsets[key] = found
        return found

    def second_of_day(self, rng: random.Random, timezone: str, day: int) -> float:
        """Seconds after the day's UTC midnight; today's never pass `now`."""
        start = self.year.day_start(day)
        limit = min(DAY, self.year.now_epoch - start)
        for _ in range(20):
            target = rng.random() * _HOUR_CUM[-1]
            hour = min(bisect.bisect_right(_HOUR_CUM, target), 23)
            local = (hour + rng.random()) * 3600.0
            second = (local - self._offset(timezone, day)) % DAY
            if second < limit:
                return second
        return rng.random() * limit


class Stamps:
    """Instants as the text each backend stores: SQLite's naive UTC form (what SQLAlchemy
    writes, so comparisons stay lexicographic) or PostgreSQL's timestamptz input."""

    def __init__(self, postgres: bool) -> None:
        self._suffix = "+00" if postgres else ""
        self._days: dict[int, str] = {}

    def __call__(self, seconds: float | None) -> str | None:
        if seconds is None:
            return None
        micro = round(seconds * 1_000_000)
        whole, us = divmod(micro, 1_000_000)
        day, sec = divmod(whole, 86_400)
        text = self._days.get(day)
        if text is None:
            text = (date(1970, 1, 1) + timedelta(days=day)).isoformat()
            self._days[day] = text
        return (
            f"{text} {sec // 3600:02d}:{sec % 3600 // 60:02d}:{sec % 60:02d}.{us:06d}{self._suffix}"
        )
