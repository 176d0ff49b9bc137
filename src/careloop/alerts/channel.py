"""What every channel shares, pure: the receiver as a channel sees it (`Target`), the outcome
of one send (delivered, retry after a while, or a permanent failure), the retry policy
(exponential backoff with full jitter, Retry-After honoured) and the default rate limits."""

from __future__ import annotations

import enum
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any


class Kind(enum.StrEnum):
    FEISHU = "feishu"
    SLACK = "slack"
    EMAIL = "email"
    WEBHOOK = "webhook"


class Result(enum.StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"  # transient: 5xx, 429, a timeout, no connection, an SMTP 4xx
    FAILED = "failed"  # permanent: another 4xx, a refused signature, an SMTP 5xx


@dataclass(frozen=True)
class Outcome:
    """How one send ended: the HTTP status or SMTP code when there was one, the error text,
    and the wait the receiver asked for (Retry-After), in seconds."""

    result: Result
    status_code: int | None = None
    error: str | None = None
    retry_after: float | None = None


@dataclass(frozen=True)
class Target:
    """A receiver as its channel needs it; `settings` holds the SMTP ones and recipients."""

    id: int
    kind: Kind
    url: str | None = None
    secret: str | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)


# Per receiver, sends allowed per second and per minute (None: no limit). Feishu documents
# 5/s and 100/min per custom bot; Slack about one message per second per channel. E-mail and
# webhooks default to no limit; each receiver may set its own (and lower the chat ones).
DEFAULT_LIMITS: dict[Kind, tuple[int | None, int | None]] = {
    Kind.FEISHU: (5, 100),
    Kind.SLACK: (1, None),
    Kind.EMAIL: (None, None),
    Kind.WEBHOOK: (None, None),
}

BACKOFF_BASE = timedelta(seconds=2)
BACKOFF_CAP = timedelta(minutes=5)
MAX_RETRY_AFTER = timedelta(hours=1)


def backoff(attempts: int, rng: random.Random) -> timedelta:
    """The wait before the next try after `attempts` failed ones: full jitter, uniform between
    zero and min(cap, base * 2^(attempts-1)), so many failing senders spread out instead of
    retrying in step."""
    exponent = min(max(attempts - 1, 0), 20)
    ceiling = min(BACKOFF_CAP.total_seconds(), BACKOFF_BASE.total_seconds() * 2**exponent)
    return timedelta(seconds=rng.uniform(0, ceiling))


def next_attempt(outcome: Outcome, attempts: int, now: datetime, rng: random.Random) -> datetime:
    """When to try again after a transient failure: the backoff, but never before the
    receiver's Retry-After (capped at an hour)."""
    wait = backoff(attempts, rng)
    if outcome.retry_after is not None:
        asked = min(timedelta(seconds=max(outcome.retry_after, 0.0)), MAX_RETRY_AFTER)
        wait = max(wait, asked)
    return now + wait


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Retry-After as seconds to wait: delta-seconds or an HTTP-date (RFC 9110 10.2.3);
    None when absent or unreadable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - now).total_seconds(), 0.0)


def http_outcome(
    status: int, headers: Mapping[str, str], now: datetime, error: str | None = None
) -> Outcome:
    """The generic reading of an HTTP answer: 2xx delivered; 429, 408 and 5xx retried
    (honouring Retry-After); any other status a permanent failure."""
    if 200 <= status < 300:
        return Outcome(Result.DELIVERED, status)
    retry_after = parse_retry_after(headers.get("retry-after"), now)
    if status in (408, 429) or status >= 500:
        return Outcome(Result.RETRY, status, error or f"HTTP {status}", retry_after)
    return Outcome(Result.FAILED, status, error or f"HTTP {status}")


def short(text: str, most: int = 300) -> str:
    """An answer body cut to fit an error column."""
    text = " ".join(text.split())
    return text if len(text) <= most else text[: most - 1] + "…"


def rate_wait(
    starts: list[datetime], now: datetime, per_second: int | None, per_minute: int | None
) -> datetime | None:
    """None when one more send fits the receiver's limits at `now`, given when its recent
    sends started; otherwise the instant the oldest send in a full window leaves it."""
    waits: list[datetime] = []
    for window, limit in ((timedelta(seconds=1), per_second), (timedelta(minutes=1), per_minute)):
        if limit is None:
            continue
        recent = sorted(t for t in starts if t > now - window)
        if len(recent) >= limit:
            waits.append(recent[len(recent) - limit] + window)
    return max(waits) if waits else None
