"""Where the demo's instants fall: the 90 days before now, with a weekly rhythm and a slow
growth, evenings busier than nights in the customer's own time zone.

An order's place in time is drawn as one number `u` in [0, 1): the same `u` always lands on
the same rank (larger is older), whatever the weekday today, so ranks and everything chosen
by rank are the same for a seed, while the instant itself follows the real calendar.
"""

from __future__ import annotations

import bisect
import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from zoneinfo import ZoneInfo

from careloop.demo.catalog import HOUR_WEIGHTS, WEEKDAY_WEIGHTS

WINDOW_DAYS = 90
GROWTH = 0.35  # the newest day sells this much more than the oldest one
_HOUR_CUM = list(accumulate(HOUR_WEIGHTS))


def _day_weights(today: date | None) -> list[float]:
    """Weight of the day `d` days ago; without `today`, every weekday weighs the same."""
    out = []
    for d in range(WINDOW_DAYS):
        growth = 1 + GROWTH * (1 - d / WINDOW_DAYS)
        weekday = WEEKDAY_WEIGHTS[(today - timedelta(days=d)).weekday()] if today else 1.0
        out.append(growth * weekday)
    return out


@dataclass(frozen=True)
class Window:
    """The demo's time window, ending at the real `now`."""

    now: datetime
    _real: tuple[float, ...]
    _nominal: tuple[float, ...]

    @classmethod
    def ending(cls, now: datetime) -> Window:
        if now.tzinfo is None:
            raise ValueError("the demo window needs an aware `now`")
        now = now.astimezone(UTC)
        real = _day_weights(now.date())
        # Today has only partly happened.
        real[0] *= (now - datetime.combine(now.date(), time(), UTC)) / timedelta(days=1)
        return cls(now, tuple(accumulate(real)), tuple(accumulate(_day_weights(None))))

    def nominal_age_days(self, u: float) -> float:
        """How old a draw `u` is, in days, on a calendar without weekdays: seed-only."""
        return _position(self._nominal, u)

    def instant(self, u: float, timezone: str) -> datetime:
        """The instant of draw `u`: its day with the real weekly rhythm, its time of day by the
        customer's evening-heavy day in their time zone. Larger `u` is never later (in one
        time zone), so order numbers given by `u` count up with time."""
        position = _position(self._real, u)
        days_ago = int(position)
        of_day = 1 - (position - days_ago)  # the oldest part of a day is its morning
        zone = ZoneInfo(timezone)
        local_day = self.now.astimezone(zone).date() - timedelta(days=days_ago)
        target = of_day * _HOUR_CUM[-1]
        hour = min(bisect.bisect_right(_HOUR_CUM, target), 23)
        before = _HOUR_CUM[hour - 1] if hour else 0.0
        within = (target - before) / (_HOUR_CUM[hour] - before)
        local = datetime.combine(local_day, time(hour), zone) + timedelta(hours=within)
        instant = local.astimezone(UTC)
        while instant > self.now:
            instant -= timedelta(days=1)
        return instant


def _position(cumulative: tuple[float, ...], u: float) -> float:
    """Days ago (with a fraction) at which the cumulative weight reaches `u` of the total."""
    target = u * cumulative[-1]
    d = bisect.bisect_left(cumulative, target)
    d = min(d, len(cumulative) - 1)
    before = cumulative[d - 1] if d else 0.0
    span = cumulative[d] - before
    return d + ((target - before) / span if span else 0.0)


def batch_code(sku: str, produced: datetime) -> str:
    """A production batch: B + year + ISO week + the line that made it, like B2611-03."""
    year, week, _ = produced.isocalendar()
    line = 1 + zlib.crc32(f"{sku}:{year}:{week}".encode()) % 4
    return f"B{year % 100:02d}{week:02d}-{line:02d}"
